-- People: everyone with an account, staff and readers alike.
CREATE TABLE users (
    id           INTEGER PRIMARY KEY,
    email        TEXT NOT NULL UNIQUE,
    slug         TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    country      TEXT NOT NULL DEFAULT '',
    bio          TEXT NOT NULL DEFAULT '',
    avatar_url   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role    TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author', 'contributor', 'moderator', 'reader')),
    PRIMARY KEY (user_id, role)
);
CREATE INDEX user_roles_by_role ON user_roles (role, user_id);

CREATE TABLE articles (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    headline     TEXT NOT NULL,
    author_id    INTEGER NOT NULL REFERENCES users(id),
    status       TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'scheduled', 'published')),
    published_at TIMESTAMP,
    body_md      TEXT NOT NULL,
    body_html    TEXT NOT NULL,
    body_text    TEXT NOT NULL,
    excerpt      TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
-- Public lists walk this index newest first (keyset pagination).
CREATE INDEX articles_public ON articles (published_at DESC, id DESC) WHERE status IN ('published', 'scheduled');
CREATE INDEX articles_by_author ON articles (author_id, published_at DESC, id DESC);
CREATE INDEX articles_by_update ON articles (updated_at);

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- published and scheduled articles with the tag, kept by the article
    -- store on every write so no page counts per view
    article_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tags_by_count ON tags (article_count DESC, name);

-- published_at repeats the article's so a tag page walks one index in
-- date order however many articles the site has; the article store keeps
-- it in step.
CREATE TABLE article_tags (
    article_id   INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    tag_id       INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    published_at TIMESTAMP,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_by_tag ON article_tags (tag_id, published_at DESC, article_id DESC);

-- Full-text search: an external-content FTS5 index kept in step by triggers.
CREATE VIRTUAL TABLE articles_fts USING fts5(
    headline, body_text,
    content = 'articles', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, headline, body_text) VALUES (new.id, new.headline, new.body_text);
END;
CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, headline, body_text) VALUES ('delete', old.id, old.headline, old.body_text);
END;
CREATE TRIGGER articles_fts_au AFTER UPDATE OF headline, body_text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, headline, body_text) VALUES ('delete', old.id, old.headline, old.body_text);
    INSERT INTO articles_fts (rowid, headline, body_text) VALUES (new.id, new.headline, new.body_text);
END;

-- Site-wide settings, one row per key.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
