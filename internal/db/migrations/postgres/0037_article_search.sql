-- Search reads its matches from a narrow copy of what it filters on. The
-- full-text index points at rows, and each match must be read to check
-- its status and date: in articles that is a wide row (bodies, excerpt;
-- 1.6 KB on average), so on a site whose articles outgrow the cache,
-- counting 501 matches read 501 scattered pages. Here a row is its id,
-- status and date; the tsvector is kept out of line (a tuple target of
-- 128 bytes moves it to TOAST), read only when a match must be checked
-- again. Triggers keep it, so every writer (imports, the admin, other
-- nodes) keeps it without knowing it exists.
CREATE TABLE article_search (
    article_id   BIGINT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    published_at TIMESTAMPTZ,
    search       TSVECTOR NOT NULL
) WITH (toast_tuple_target = 128);
ALTER TABLE article_search ALTER COLUMN search SET STORAGE EXTERNAL;

INSERT INTO article_search (article_id, status, published_at, search)
    SELECT id, status, published_at, search FROM articles;
CREATE INDEX article_search_match ON article_search USING GIN (search);
CREATE INDEX article_search_date ON article_search (published_at);

CREATE FUNCTION keep_article_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO article_search (article_id, status, published_at, search)
        VALUES (NEW.id, NEW.status, NEW.published_at, NEW.search)
        ON CONFLICT (article_id) DO UPDATE SET status = EXCLUDED.status, published_at = EXCLUDED.published_at, search = EXCLUDED.search;
    RETURN NULL;
END $$;

CREATE TRIGGER article_search_i AFTER INSERT ON articles FOR EACH ROW EXECUTE FUNCTION keep_article_search();
CREATE TRIGGER article_search_u AFTER UPDATE OF status, published_at, headline, body_text ON articles
    FOR EACH ROW EXECUTE FUNCTION keep_article_search();
