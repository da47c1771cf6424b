-- Image files kept in the database, for sites running several nodes
-- (every node reads the same files without a shared folder).
CREATE TABLE media_files (
    key  TEXT PRIMARY KEY,
    data BYTEA NOT NULL
);
