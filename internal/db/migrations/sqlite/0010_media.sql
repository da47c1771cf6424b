-- Media: uploaded images, re-encoded, with their resized variants kept in
-- the media storage (a local folder by default) and their sizes here.
CREATE TABLE media (
    id           INTEGER PRIMARY KEY,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    bytes        INTEGER NOT NULL,
    alt          TEXT NOT NULL,
    variants     TEXT NOT NULL,
    uploaded_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX media_recent ON media (created_at DESC, id DESC);

ALTER TABLE articles ADD COLUMN featured_media_id INTEGER REFERENCES media(id) ON DELETE SET NULL;
