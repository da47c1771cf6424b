-- The newsroom: a version per article (so two people editing cannot
-- overwrite each other), the trash, the editor's note when a draft is
-- returned, every saved state of published articles, and a counter of
-- page views per article per day (no cookies, no visitor data).
ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN trashed_at TIMESTAMPTZ;
ALTER TABLE articles ADD COLUMN review_note TEXT NOT NULL DEFAULT '';

CREATE TABLE article_revisions (
    id           BIGSERIAL PRIMARY KEY,
    article_id   BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    headline     TEXT NOT NULL,
    slug         TEXT NOT NULL,
    body_md      TEXT NOT NULL,
    excerpt      TEXT NOT NULL,
    tags         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    published_at TIMESTAMPTZ,
    saved_by     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    saved_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX article_revisions_by_article ON article_revisions (article_id, id DESC);

CREATE TABLE article_views (
    article_id BIGINT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    views      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (article_id, day)
);
CREATE INDEX article_views_by_day ON article_views (day);

-- Saving a draft (every few seconds while someone writes) changes no
-- public page: only changes to articles the public sees, or comes to see,
-- move the content counter.
DROP TRIGGER cv_articles ON articles;
CREATE TRIGGER cv_articles AFTER INSERT OR DELETE ON articles FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_articles_u AFTER UPDATE ON articles FOR EACH ROW
    WHEN (OLD.status IN ('published', 'scheduled') OR NEW.status IN ('published', 'scheduled'))
    EXECUTE FUNCTION bump_content_version();
