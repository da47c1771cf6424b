-- Comments: threads are kept flat and sortable. thread_id is the top-level
-- comment's id (its own for a top-level one); path is the zero-padded ids
-- from the top down, so a thread in display order is one index range.
CREATE TABLE comments (
    id          INTEGER PRIMARY KEY,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    parent_id   INTEGER REFERENCES comments(id),
    thread_id   INTEGER NOT NULL,
    depth       INTEGER NOT NULL,
    path        TEXT NOT NULL,
    author_id   INTEGER NOT NULL REFERENCES users(id),
    body_md     TEXT NOT NULL,
    body_html   TEXT NOT NULL,
    body_text   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('visible', 'pending', 'spam', 'trash')),
    deleted_at  TIMESTAMP,
    edited_at   TIMESTAMP,
    up          INTEGER NOT NULL DEFAULT 0,
    down        INTEGER NOT NULL DEFAULT 0,
    rank        REAL NOT NULL DEFAULT 0,
    reports     INTEGER NOT NULL DEFAULT 0,
    spam_score  REAL NOT NULL DEFAULT 0,
    ip          TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX comments_roots ON comments (article_id, depth, id);
CREATE INDEX comments_roots_best ON comments (article_id, depth, rank DESC, id);
CREATE INDEX comments_thread ON comments (thread_id, status, path);
CREATE INDEX comments_recent ON comments (status, created_at DESC, id DESC);
CREATE INDEX comments_by_author ON comments (author_id, created_at DESC);
CREATE INDEX comments_by_article ON comments (article_id, created_at DESC, id DESC);
CREATE INDEX comments_queue ON comments (status, reports, id);

CREATE TABLE comment_votes (
    comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    value      INTEGER NOT NULL CHECK (value IN (-1, 1)),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);

CREATE TABLE comment_reports (
    comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);

-- Every moderation action, for the comment's history.
CREATE TABLE comment_events (
    id         INTEGER PRIMARY KEY,
    comment_id INTEGER NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    actor_id   INTEGER REFERENCES users(id),
    action     TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX comment_events_by_comment ON comment_events (comment_id, id);

ALTER TABLE articles ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN comment_threads INTEGER NOT NULL DEFAULT 0;
ALTER TABLE articles ADD COLUMN comments_closed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN banned_until TIMESTAMP;
ALTER TABLE users ADD COLUMN notify_replies INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN notify_token TEXT NOT NULL DEFAULT '';

-- The local spam filter: token counts learned from moderators' decisions.
CREATE TABLE spam_tokens (
    token TEXT PRIMARY KEY,
    spam  INTEGER NOT NULL DEFAULT 0,
    ham   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE spam_totals (
    label TEXT PRIMARY KEY CHECK (label IN ('spam', 'ham')),
    docs  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO spam_totals (label, docs) VALUES ('spam', 0), ('ham', 0);
ALTER TABLE comments ADD COLUMN spam_label TEXT NOT NULL DEFAULT '';
