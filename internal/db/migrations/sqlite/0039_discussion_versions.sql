-- Each article's discussion gets a version of its own, moved by every
-- change to its comments (a post, an edit, a vote, a moderator's step), so
-- the comment store can keep a read page of a large discussion until that
-- discussion changes: a comment elsewhere on the site moves the content
-- counter (every page shows the Recent Comments box) but not this one.
-- The names shown beside comments come from the accounts, which move the
-- people counter. (SQLite has one writer, so votes may move the version
-- too; PostgreSQL leaves them to the votes' counter, see its migration.)
CREATE TABLE discussion_versions (
    article_id INTEGER NOT NULL PRIMARY KEY,
    version    INTEGER NOT NULL
);
ALTER TABLE content_version ADD COLUMN people BIGINT NOT NULL DEFAULT 1;

CREATE TRIGGER dv_comments_i AFTER INSERT ON comments BEGIN
    INSERT INTO discussion_versions (article_id, version) VALUES (NEW.article_id, 1)
        ON CONFLICT (article_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_comments_u AFTER UPDATE ON comments BEGIN
    INSERT INTO discussion_versions (article_id, version) VALUES (NEW.article_id, 1)
        ON CONFLICT (article_id) DO UPDATE SET version = version + 1;
    INSERT INTO discussion_versions (article_id, version) SELECT OLD.article_id, 1 WHERE OLD.article_id <> NEW.article_id
        ON CONFLICT (article_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER dv_comments_d AFTER DELETE ON comments BEGIN
    INSERT INTO discussion_versions (article_id, version) VALUES (OLD.article_id, 1)
        ON CONFLICT (article_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER pv_users_u AFTER UPDATE OF display_name, slug, deleted_at ON users BEGIN
    UPDATE content_version SET people = people + 1;
END;
CREATE TRIGGER pv_users_d AFTER DELETE ON users BEGIN
    UPDATE content_version SET people = people + 1;
END;
