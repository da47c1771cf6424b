-- A double submission is the same text from the same author on the same
-- article within ten minutes. Posting asks for it by a hash of the text
-- (written with each comment, and again on an edit), so the question reads
-- the index entries of that one text: before, it read the author's newest
-- comments and compared their bodies, and a planner that thought the
-- table small read and sorted all of a prolific author's ten minutes.
-- Older rows keep no hash: the question never looks ten minutes back.
ALTER TABLE comments ADD COLUMN body_hash INTEGER;
CREATE INDEX comments_repeats ON comments (author_id, body_hash, created_at DESC) WHERE body_hash IS NOT NULL;
