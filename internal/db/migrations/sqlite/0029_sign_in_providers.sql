-- Social sign-in. Admins configure the providers (OpenID Connect, or
-- GitHub's plain OAuth2); a person's account is linked to the identities
-- they signed in with (one identity, one account); and each sign-in in
-- flight keeps its state here, so any node can finish it, once.
CREATE TABLE sign_in_providers (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    label         TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('oidc', 'github')),
    preset        TEXT NOT NULL DEFAULT '',
    issuer        TEXT NOT NULL DEFAULT '',
    client_id     TEXT NOT NULL,
    client_secret TEXT NOT NULL DEFAULT '',
    scopes        TEXT NOT NULL DEFAULT '',
    enabled       BOOLEAN NOT NULL DEFAULT false,
    position      INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE linked_identities (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider_id  INTEGER NOT NULL REFERENCES sign_in_providers(id) ON DELETE CASCADE,
    subject      TEXT NOT NULL,
    email        TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    UNIQUE (provider_id, subject)
);
CREATE INDEX linked_identities_by_user ON linked_identities (user_id);

-- A sign-in or link started and not finished: only hashes of the state
-- and of the browser's binding cookie are kept; used_at makes it single use.
CREATE TABLE provider_states (
    state_hash   TEXT NOT NULL PRIMARY KEY,
    provider_id  INTEGER NOT NULL REFERENCES sign_in_providers(id) ON DELETE CASCADE,
    nonce        TEXT NOT NULL,
    verifier     TEXT NOT NULL,
    return_to    TEXT NOT NULL DEFAULT '/',
    browser_hash TEXT NOT NULL,
    purpose      TEXT NOT NULL CHECK (purpose IN ('signin', 'link')),
    user_id      INTEGER REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    used_at      TIMESTAMP
);
CREATE INDEX provider_states_by_expiry ON provider_states (expires_at);
