-- Static pages (About, Contact, Advertise, Privacy, Terms ...): written in
-- the newsroom, served at /{slug}/ and listed in the footer and sitemap.
-- WordPress's pages import here: title, slug, body, status, author, dates
-- and menu order.
CREATE TABLE pages (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    body_md      TEXT NOT NULL,
    body_html    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    author_id    INTEGER NOT NULL REFERENCES users(id),
    position     INTEGER NOT NULL DEFAULT 0,
    version      INTEGER NOT NULL DEFAULT 1,
    published_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE INDEX pages_public ON pages (status, position, title);

-- Every public page shows the footer's list of pages: any change moves the
-- content counter (drafts too: a draft that stops being public must go).
CREATE TRIGGER cv_pages_i AFTER INSERT ON pages BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_pages_u AFTER UPDATE ON pages BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_pages_d AFTER DELETE ON pages BEGIN UPDATE content_version SET version = version + 1; END;

-- A photo for each model of the New Car Research catalogue.
ALTER TABLE models ADD COLUMN media_id INTEGER REFERENCES media(id) ON DELETE SET NULL;

-- Public pages show images with their alt text: changing it, or deleting
-- an image, changes those pages.
CREATE TRIGGER cv_media_u AFTER UPDATE OF alt ON media BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_media_d AFTER DELETE ON media BEGIN UPDATE content_version SET version = version + 1; END;
