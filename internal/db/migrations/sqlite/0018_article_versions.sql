-- A vote changes one article's page, not the site: it moves that article's
-- version rather than the content counter every page depends on. The row
-- for article 0 is the counter of these moves, so a node reads one value to
-- know whether any article moved, then which ones. Every node's page cache
-- follows both counters; nothing else tells caches about changes.
CREATE TABLE article_versions (
    article_id INTEGER NOT NULL PRIMARY KEY,
    seq        INTEGER NOT NULL
);
INSERT INTO article_versions (article_id, seq) VALUES (0, 0);
CREATE INDEX article_versions_by_seq ON article_versions (seq);

CREATE TRIGGER av_votes AFTER UPDATE OF up, down ON comments BEGIN
    UPDATE article_versions SET seq = seq + 1 WHERE article_id = 0;
    INSERT INTO article_versions (article_id, seq) VALUES (NEW.article_id, (SELECT seq FROM article_versions WHERE article_id = 0))
        ON CONFLICT (article_id) DO UPDATE SET seq = excluded.seq;
END;
