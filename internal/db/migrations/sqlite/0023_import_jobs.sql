-- Imports started from Admin → Import: each runs in the background on the
-- node that took the upload, and every node reads its state here. active
-- is 1 while a job is queued or running and NULL after, so the unique
-- constraint lets one import run at a time across the nodes (NULLs never
-- collide). heartbeat_at is written while the job runs: a job whose
-- heartbeat stopped was on a node that died.
CREATE TABLE import_jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    dry_run      BOOLEAN NOT NULL,
    status       TEXT NOT NULL,
    active       INTEGER UNIQUE,
    checking     BOOLEAN NOT NULL DEFAULT FALSE,
    bytes_done   INTEGER NOT NULL DEFAULT 0,
    bytes_total  INTEGER NOT NULL,
    started_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP,
    heartbeat_at TIMESTAMP NOT NULL,
    report       TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT ''
);
