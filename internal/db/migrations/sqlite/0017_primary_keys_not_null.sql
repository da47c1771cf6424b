-- A primary key that is not an INTEGER PRIMARY KEY accepts NULL on SQLite
-- unless it says NOT NULL (an old SQLite quirk kept for compatibility), so
-- a session, token, setting or file could be stored with no key, where
-- PostgreSQL refuses it. SQLite cannot add NOT NULL to a column: each table
-- is rebuilt with the same columns, indexes and triggers. No other table
-- refers to these ones. A row whose key is NULL could never be found by
-- its key, and is left behind.
CREATE TABLE sessions_new (
    token_hash   TEXT NOT NULL PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    remember     INTEGER NOT NULL DEFAULT 0,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
INSERT INTO sessions_new (token_hash, user_id, created_at, last_seen_at, expires_at, remember, user_agent, ip)
    SELECT token_hash, user_id, created_at, last_seen_at, expires_at, remember, user_agent, ip FROM sessions WHERE token_hash IS NOT NULL;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE account_tokens_new (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('verify', 'reset', 'email')),
    email      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
INSERT INTO account_tokens_new (token_hash, user_id, purpose, email, created_at, expires_at, used_at)
    SELECT token_hash, user_id, purpose, email, created_at, expires_at, used_at FROM account_tokens WHERE token_hash IS NOT NULL;
DROP TABLE account_tokens;
ALTER TABLE account_tokens_new RENAME TO account_tokens;
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose);

CREATE TABLE rate_limits_new (
    key          TEXT NOT NULL PRIMARY KEY,
    hits         INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP
);
INSERT INTO rate_limits_new (key, hits, window_start, failures, locked_until)
    SELECT key, hits, window_start, failures, locked_until FROM rate_limits WHERE key IS NOT NULL;
DROP TABLE rate_limits;
ALTER TABLE rate_limits_new RENAME TO rate_limits;

-- The settings triggers go with the old table and are made again.
CREATE TABLE settings_new (
    key   TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings_new (key, value) SELECT key, value FROM settings WHERE key IS NOT NULL;
DROP TABLE settings;
ALTER TABLE settings_new RENAME TO settings;
CREATE TRIGGER cv_settings_i AFTER INSERT ON settings BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_settings_u AFTER UPDATE ON settings BEGIN UPDATE content_version SET version = version + 1; END;

CREATE TABLE spam_tokens_new (
    token TEXT NOT NULL PRIMARY KEY,
    spam  INTEGER NOT NULL DEFAULT 0,
    ham   INTEGER NOT NULL DEFAULT 0
);
INSERT INTO spam_tokens_new (token, spam, ham) SELECT token, spam, ham FROM spam_tokens WHERE token IS NOT NULL;
DROP TABLE spam_tokens;
ALTER TABLE spam_tokens_new RENAME TO spam_tokens;

CREATE TABLE spam_totals_new (
    label TEXT NOT NULL PRIMARY KEY CHECK (label IN ('spam', 'ham')),
    docs  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO spam_totals_new (label, docs) SELECT label, docs FROM spam_totals WHERE label IS NOT NULL;
DROP TABLE spam_totals;
ALTER TABLE spam_totals_new RENAME TO spam_totals;

CREATE TABLE media_files_new (
    key  TEXT NOT NULL PRIMARY KEY,
    data BLOB NOT NULL
);
INSERT INTO media_files_new (key, data) SELECT key, data FROM media_files WHERE key IS NOT NULL;
DROP TABLE media_files;
ALTER TABLE media_files_new RENAME TO media_files;
