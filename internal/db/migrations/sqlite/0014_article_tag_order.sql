-- An article's tags keep the order and the spelling its writer typed:
-- position orders them (the first one is the article's kicker), name is
-- the tag as written in this article (the tag's own name is the first
-- spelling the site saw). Rows from before keep the old order, by name.
ALTER TABLE article_tags ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE article_tags ADD COLUMN name TEXT NOT NULL DEFAULT '';
