-- The e-newsletter: subscribers (double opt-in), campaigns (digests built
-- automatically or composed by hand) and one delivery row per recipient,
-- which is how a campaign is sent exactly once across crashes and nodes.
CREATE TABLE subscribers (
    id                 INTEGER PRIMARY KEY,
    email              TEXT NOT NULL UNIQUE,
    user_id            INTEGER REFERENCES users(id) ON DELETE SET NULL,
    status             TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'unsubscribed', 'bounced')),
    frequency          TEXT NOT NULL DEFAULT 'weekly' CHECK (frequency IN ('daily', 'weekly')),
    token              TEXT NOT NULL UNIQUE,
    confirm_hash       TEXT,
    confirm_expires_at TIMESTAMP,
    source             TEXT NOT NULL DEFAULT 'form',
    consent            TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMP NOT NULL,
    confirmed_at       TIMESTAMP,
    unsubscribed_at    TIMESTAMP,
    bounced_at         TIMESTAMP,
    last_error         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX subscribers_by_status ON subscribers (status, frequency, id);
CREATE INDEX subscribers_confirm ON subscribers (confirm_hash);

CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('digest', 'manual')),
    audience     TEXT NOT NULL CHECK (audience IN ('all', 'daily', 'weekly')),
    period       TEXT,
    subject      TEXT NOT NULL,
    intro        TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'cancelled', 'skipped')),
    scheduled_at TIMESTAMP,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (kind, audience, period)
);
CREATE INDEX campaigns_due ON campaigns (status, scheduled_at);

CREATE TABLE campaign_articles (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, article_id)
);

CREATE TABLE deliveries (
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'bounced', 'skipped')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       TIMESTAMP NOT NULL,
    claim         TEXT NOT NULL DEFAULT '',
    lease_until   TIMESTAMP,
    sent_at       TIMESTAMP,
    error         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (campaign_id, subscriber_id)
);
CREATE INDEX deliveries_by_status ON deliveries (campaign_id, status, next_at);
