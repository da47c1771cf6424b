-- Two-factor authentication. An authenticator app's secret per person
-- (counting once confirmed with a code; last_step is the newest time step
-- accepted, so no code is accepted twice), single-use recovery codes
-- (stored hashed; a new set replaces the old), and sign-ins waiting for
-- their second factor (the cookie holds a random token, the table its
-- hash), kept here so any node can finish them.
CREATE TABLE account_totp (
    user_id      INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP,
    last_step    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE UNIQUE INDEX recovery_codes_by_user ON recovery_codes (user_id, code_hash);

CREATE TABLE pending_signins (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    method     TEXT NOT NULL,
    remember   INTEGER NOT NULL DEFAULT 0,
    return_to  TEXT NOT NULL DEFAULT '',
    flash      TEXT NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX pending_signins_by_user ON pending_signins (user_id);
CREATE INDEX pending_signins_by_expiry ON pending_signins (expires_at);
