-- Each delivery keeps the ADF document exactly as it was sent, so the
-- lead's page and `byline lead adf` show what the dealer received.
ALTER TABLE lead_deliveries ADD COLUMN adf TEXT NOT NULL DEFAULT '';
