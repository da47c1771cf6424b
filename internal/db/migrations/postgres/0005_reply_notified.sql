-- Whether the reply notification for a comment has been decided: at posting
-- for a comment shown at once, at approval for one that was held. A comment
-- approved, held again and approved again is announced only once.
ALTER TABLE comments ADD COLUMN reply_notified BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE comments SET reply_notified = TRUE WHERE status = 'visible';
