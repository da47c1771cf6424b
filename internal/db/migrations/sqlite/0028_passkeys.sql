-- Passkeys (WebAuthn): each person's credentials, the ceremonies under
-- way, and the random user handle a passkey carries instead of anything
-- that names the person.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    credential_id TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    credential    TEXT NOT NULL,
    sign_count    INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP
);
CREATE INDEX passkeys_by_user ON passkeys (user_id, id);

-- A ceremony begun on one node can be finished on any: the browser keeps
-- its id, the row keeps the challenge. Single use: finishing deletes it.
CREATE TABLE passkey_ceremonies (
    id_hash    TEXT NOT NULL PRIMARY KEY,
    purpose    TEXT NOT NULL CHECK (purpose IN ('register', 'signup', 'login')),
    user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
    session    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);

ALTER TABLE users ADD COLUMN webauthn_handle TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_webauthn_handle ON users (webauthn_handle) WHERE webauthn_handle <> '';
