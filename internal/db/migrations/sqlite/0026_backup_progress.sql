-- Backups made from the dashboard ("Back up now") beside the scheduled
-- ones, and how far a running backup is, for its live bar.
ALTER TABLE backups ADD COLUMN kind TEXT NOT NULL DEFAULT 'scheduled';
ALTER TABLE backups ADD COLUMN done_units INTEGER NOT NULL DEFAULT 0;
ALTER TABLE backups ADD COLUMN total_units INTEGER NOT NULL DEFAULT 0;
