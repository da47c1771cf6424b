-- Primary keys are NOT NULL on PostgreSQL already; the SQLite migration of
-- this number makes them so there too. Nothing to change here.
SELECT 1;
