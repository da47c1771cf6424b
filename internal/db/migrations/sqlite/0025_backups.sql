-- Scheduled backups: one row a day, claimed by the node that takes it (day
-- is unique, so several nodes make one backup), with where it went or why
-- it failed, for the dashboard.
CREATE TABLE backups (
    id          INTEGER PRIMARY KEY,
    day         TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    path        TEXT NOT NULL DEFAULT '',
    bytes       INTEGER NOT NULL DEFAULT 0,
    row_count   INTEGER NOT NULL DEFAULT 0,
    media_files INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
