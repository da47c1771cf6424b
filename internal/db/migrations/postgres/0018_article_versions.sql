-- A vote changes one article's page, not the site: it moves that article's
-- version rather than the content counter every page depends on. The row
-- for article 0 is the counter of these moves, so a node reads one value to
-- know whether any article moved, then which ones. Every node's page cache
-- follows both counters; nothing else tells caches about changes.
--
-- The counter row is locked by the vote's transaction until it commits, so
-- versions become visible in the order they were given, and a reader that
-- sees the counter at N sees every article row up to N. It is a row of its
-- own, not the content counter, so votes never wait on other writes (nor
-- deadlock with a moderator's batch holding that counter).
CREATE TABLE article_versions (
    article_id BIGINT NOT NULL PRIMARY KEY,
    seq        BIGINT NOT NULL
);
INSERT INTO article_versions (article_id, seq) VALUES (0, 0);
CREATE INDEX article_versions_by_seq ON article_versions (seq);

CREATE FUNCTION bump_article_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s BIGINT;
BEGIN
    UPDATE article_versions SET seq = seq + 1 WHERE article_id = 0 RETURNING seq INTO s;
    INSERT INTO article_versions (article_id, seq) VALUES (NEW.article_id, s)
        ON CONFLICT (article_id) DO UPDATE SET seq = EXCLUDED.seq;
    PERFORM pg_notify('byline_content', '');
    RETURN NULL;
END $$;

CREATE TRIGGER av_votes AFTER UPDATE OF up, down ON comments FOR EACH ROW EXECUTE FUNCTION bump_article_version();
