-- The security history of each account: sign-ins and every change of a
-- way in (password, passkey, provider, second factor), by whom and from
-- where. The person sees theirs on /account; admins see it on People.
CREATE TABLE account_events (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    actor_id   INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX account_events_by_user ON account_events (user_id, id);
