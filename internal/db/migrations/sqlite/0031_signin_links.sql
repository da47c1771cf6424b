-- E-mailed sign-in links: single-use, short-lived, stored hashed. A link
-- names the address it was sent to and its account (NULL: the address had
-- none when it was asked for; the account is made when the link is used),
-- and the browser that asked for it (a hash of a random cookie value), so
-- that browser continues without a question and any other asks for a click.
CREATE TABLE signin_links (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    email        TEXT NOT NULL,
    user_id      INTEGER REFERENCES users(id) ON DELETE CASCADE,
    binding_hash TEXT NOT NULL DEFAULT '',
    return_to    TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    used_at      TIMESTAMP
);
CREATE INDEX signin_links_by_expiry ON signin_links (expires_at);

-- What a signed-out reader typed in a comment box before signing in,
-- kept for an hour under a random cookie's hash, so it is back in the box
-- when they return (for browsers without JavaScript).
CREATE TABLE signin_drafts (
    id         INTEGER PRIMARY KEY,
    key_hash   TEXT NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    parent_id  INTEGER NOT NULL DEFAULT 0,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    UNIQUE (key_hash, article_id, parent_id)
);
CREATE INDEX signin_drafts_by_expiry ON signin_drafts (expires_at);
