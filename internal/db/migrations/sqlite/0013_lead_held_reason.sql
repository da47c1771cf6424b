-- Why a quote request was sent to no dealer, in the words its shopper
-- was given (on the thank-you page and in the confirmation mail).
ALTER TABLE leads ADD COLUMN held_reason TEXT NOT NULL DEFAULT '';
