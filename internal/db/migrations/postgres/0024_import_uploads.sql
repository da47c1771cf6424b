-- The folder on the server holding a copy of the old site's
-- wp-content/uploads, named on Admin → Import ('' for none).
ALTER TABLE import_jobs ADD COLUMN uploads_dir TEXT NOT NULL DEFAULT '';
