-- New Car Research and dealer quotes: the vehicle catalogue, the dealers
-- who receive buyers' quote requests, the requests (leads) and one
-- delivery per dealer, sent as ADF XML through the mail outbox.
CREATE TABLE makes (
    id      BIGSERIAL PRIMARY KEY,
    slug    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT ''
);

CREATE TABLE models (
    id         BIGSERIAL PRIMARY KEY,
    make_id    BIGINT NOT NULL REFERENCES makes(id) ON DELETE CASCADE,
    slug       TEXT NOT NULL,
    name       TEXT NOT NULL,
    body_style TEXT NOT NULL DEFAULT '',
    year_from  INTEGER NOT NULL,
    year_to    INTEGER NOT NULL,
    price_min  INTEGER NOT NULL DEFAULT 0,
    price_max  INTEGER NOT NULL DEFAULT 0,
    specs      TEXT NOT NULL DEFAULT '',
    trims      TEXT NOT NULL DEFAULT '',
    UNIQUE (make_id, slug)
);

CREATE TABLE dealers (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT NOT NULL,
    street         TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    postal         TEXT NOT NULL DEFAULT '',
    country        TEXT NOT NULL DEFAULT 'US',
    phone          TEXT NOT NULL DEFAULT '',
    lead_emails    TEXT NOT NULL,
    coverage       TEXT NOT NULL DEFAULT '',
    daily_cap      INTEGER NOT NULL DEFAULT 50,
    active         BOOLEAN NOT NULL DEFAULT TRUE,
    adf_attachment BOOLEAN NOT NULL DEFAULT FALSE,
    last_lead_at   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE dealer_makes (
    dealer_id BIGINT NOT NULL REFERENCES dealers(id) ON DELETE CASCADE,
    make_id   BIGINT NOT NULL REFERENCES makes(id) ON DELETE CASCADE,
    PRIMARY KEY (dealer_id, make_id)
);
CREATE INDEX dealer_makes_by_make ON dealer_makes (make_id);

CREATE TABLE leads (
    id           BIGSERIAL PRIMARY KEY,
    created_at   TIMESTAMPTZ NOT NULL,
    make_id      BIGINT NOT NULL REFERENCES makes(id),
    model_id     BIGINT NOT NULL REFERENCES models(id),
    year         INTEGER NOT NULL,
    postal       TEXT NOT NULL,
    country      TEXT NOT NULL,
    first_name   TEXT NOT NULL,
    last_name    TEXT NOT NULL,
    email        TEXT NOT NULL,
    phone        TEXT NOT NULL DEFAULT '',
    timeframe    TEXT NOT NULL,
    comments     TEXT NOT NULL DEFAULT '',
    consent      TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('routed', 'unrouted', 'duplicate')),
    thanks_token TEXT NOT NULL UNIQUE
);
CREATE INDEX leads_recent ON leads (created_at DESC, id DESC);
CREATE INDEX leads_by_email ON leads (email, model_id, created_at);
CREATE INDEX leads_by_phone ON leads (phone, model_id, created_at);

CREATE TABLE lead_deliveries (
    lead_id    BIGINT NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    dealer_id  BIGINT NOT NULL REFERENCES dealers(id),
    message_id TEXT NOT NULL DEFAULT '',
    duplicate  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (lead_id, dealer_id)
);
CREATE INDEX lead_deliveries_by_dealer ON lead_deliveries (dealer_id, created_at);

-- Mail attachments (a lead's ADF document, when a dealer's CRM wants one).
ALTER TABLE mail_outbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
