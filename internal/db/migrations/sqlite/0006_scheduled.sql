-- Scheduled articles waiting for their time, found by the publisher every
-- second without reading the published ones.
CREATE INDEX articles_scheduled ON articles (published_at) WHERE status = 'scheduled';
