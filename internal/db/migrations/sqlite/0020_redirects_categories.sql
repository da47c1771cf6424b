-- Old addresses (a WordPress site's permalinks, ?p=123, uploads, feeds)
-- answered with a 301 to their new place when no page is there. old_path
-- is the address as redirect.Normalize writes it (the path without its
-- final slash, and only the query parameters WordPress routes by), so
-- every spelling of one address is one row. Not page content: the site
-- reads the table only for an address that would be a 404.
CREATE TABLE redirects (
    id          INTEGER PRIMARY KEY,
    old_path    TEXT NOT NULL UNIQUE,
    target      TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    hits        INTEGER NOT NULL DEFAULT 0,
    last_hit_at TIMESTAMP
);
CREATE INDEX redirects_by_created ON redirects (created_at DESC, id DESC);

-- Categories are tags of another kind, with a parent (WordPress's
-- hierarchy); /category/{parent}/{child}/ is their archive. A slug names
-- one tag or category across both kinds, so /tag/{slug}/ answers for
-- either.
ALTER TABLE tags ADD COLUMN kind TEXT NOT NULL DEFAULT 'tag' CHECK (kind IN ('tag', 'category'));
ALTER TABLE tags ADD COLUMN parent_id INTEGER REFERENCES tags(id) ON DELETE SET NULL;
CREATE INDEX tags_by_parent ON tags (kind, parent_id);

-- The section navigation lists top categories whether or not they carry
-- articles yet, so a new or removed tag row moves the content counter too
-- (updates already do, migration 0016).
CREATE TRIGGER cv_tags_new_i AFTER INSERT ON tags BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_tags_gone_d AFTER DELETE ON tags BEGIN UPDATE content_version SET version = version + 1; END;
