-- Guest comments: imported sites (WordPress, Disqus) are mostly comments
-- by people without an account, known only by what they typed: a name, an
-- e-mail address, a web address. They are kept on the comment itself
-- rather than in a table of guests keyed by e-mail: those sites store them
-- per comment, one address may sign with several names over the years (or
-- be shared), and every read of a thread would pay a join for it. A
-- comment has an account or a guest's name, never neither.
--
-- SQLite cannot drop a column's NOT NULL: the table is rebuilt with the
-- same columns (the new ones at the end, as PostgreSQL adds them), indexes
-- and triggers. Migrations run in a transaction with foreign keys on, where
-- they cannot be turned off, so dropping the old table deletes the votes,
-- reports and history that refer to it (ON DELETE CASCADE): they are kept
-- aside first and put back once the new table has the old one's name.
CREATE TEMP TABLE keep_votes AS SELECT comment_id, user_id, value, created_at FROM comment_votes;
CREATE TEMP TABLE keep_reports AS SELECT comment_id, user_id, reason, created_at FROM comment_reports;
CREATE TEMP TABLE keep_events AS SELECT id, comment_id, actor_id, action, note, created_at FROM comment_events;

-- parent_id names the new table, which the rename turns into "comments".
CREATE TABLE comments_new (
    id             INTEGER PRIMARY KEY,
    article_id     INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    parent_id      INTEGER REFERENCES comments_new(id),
    thread_id      INTEGER NOT NULL,
    depth          INTEGER NOT NULL,
    path           TEXT NOT NULL,
    author_id      INTEGER REFERENCES users(id),
    body_md        TEXT NOT NULL,
    body_html      TEXT NOT NULL,
    body_text      TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('visible', 'pending', 'spam', 'trash')),
    deleted_at     TIMESTAMP,
    edited_at      TIMESTAMP,
    up             INTEGER NOT NULL DEFAULT 0,
    down           INTEGER NOT NULL DEFAULT 0,
    rank           REAL NOT NULL DEFAULT 0,
    reports        INTEGER NOT NULL DEFAULT 0,
    spam_score     REAL NOT NULL DEFAULT 0,
    ip             TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    spam_label     TEXT NOT NULL DEFAULT '',
    reply_notified INTEGER NOT NULL DEFAULT 0,
    guest_name     TEXT NOT NULL DEFAULT '',
    guest_email    TEXT NOT NULL DEFAULT '',
    guest_url      TEXT NOT NULL DEFAULT '',
    CONSTRAINT comments_author_or_guest CHECK (author_id IS NOT NULL OR guest_name <> '')
);
INSERT INTO comments_new (id, article_id, parent_id, thread_id, depth, path, author_id, body_md, body_html, body_text, status,
        deleted_at, edited_at, up, down, rank, reports, spam_score, ip, created_at, spam_label, reply_notified)
    SELECT id, article_id, parent_id, thread_id, depth, path, author_id, body_md, body_html, body_text, status,
        deleted_at, edited_at, up, down, rank, reports, spam_score, ip, created_at, spam_label, reply_notified
    FROM comments ORDER BY id;
DROP TABLE comments;
ALTER TABLE comments_new RENAME TO comments;

CREATE INDEX comments_roots ON comments (article_id, depth, id);
CREATE INDEX comments_roots_best ON comments (article_id, depth, rank DESC, id);
CREATE INDEX comments_thread ON comments (thread_id, status, path);
CREATE INDEX comments_recent ON comments (status, created_at DESC, id DESC);
CREATE INDEX comments_by_author ON comments (author_id, created_at DESC);
CREATE INDEX comments_by_article ON comments (article_id, created_at DESC, id DESC);
CREATE INDEX comments_queue ON comments (status, reports, id);

-- The triggers went with the old table (0004, 0018).
CREATE TRIGGER cv_comments_i AFTER INSERT ON comments BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_comments_u AFTER UPDATE OF status, body_html, deleted_at, edited_at ON comments BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_comments_d AFTER DELETE ON comments BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER av_votes AFTER UPDATE OF up, down ON comments BEGIN
    UPDATE article_versions SET seq = seq + 1 WHERE article_id = 0;
    INSERT INTO article_versions (article_id, seq) VALUES (NEW.article_id, (SELECT seq FROM article_versions WHERE article_id = 0))
        ON CONFLICT (article_id) DO UPDATE SET seq = excluded.seq;
END;

INSERT INTO comment_votes (comment_id, user_id, value, created_at) SELECT comment_id, user_id, value, created_at FROM keep_votes;
INSERT INTO comment_reports (comment_id, user_id, reason, created_at) SELECT comment_id, user_id, reason, created_at FROM keep_reports;
INSERT INTO comment_events (id, comment_id, actor_id, action, note, created_at) SELECT id, comment_id, actor_id, action, note, created_at FROM keep_events;
DROP TABLE keep_votes;
DROP TABLE keep_reports;
DROP TABLE keep_events;

-- Where an imported comment came from: running an import again finds its
-- comments by their key in the source and adds nothing. A table of its own,
-- so comments written here carry nothing for it, and one source's ids never
-- meet another's.
CREATE TABLE comment_sources (
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    comment_id  INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    PRIMARY KEY (source, external_id)
);
CREATE INDEX comment_sources_by_comment ON comment_sources (comment_id);
