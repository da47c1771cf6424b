-- What an import brought in from another site, keyed by that site's own ids,
-- so that running an import again (or a newer export of the same site) finds
-- what it made before instead of making it twice. source is the other
-- site's address (WordPress's base_site_url), so two sites' ids never meet;
-- kind says what the id counts ("person", "article", "page", "tag", ...);
-- local_id is the row made here (users, articles, pages, tags), kept
-- without a foreign key because the kinds name different tables.
CREATE TABLE import_keys (
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    external_id TEXT NOT NULL,
    local_id    BIGINT NOT NULL,
    PRIMARY KEY (source, kind, external_id)
);
