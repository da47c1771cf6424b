-- PostgreSQL gets a narrow copy of what search filters on (article_search).
-- SQLite's full-text index (articles_fts) already holds its own rows, and
-- its searches read the articles table only for the page's matches:
-- nothing to add here.
SELECT 1;
