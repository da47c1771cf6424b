-- A reader deleting their account may have their comments removed. The
-- choice is written with the deletion, in its transaction, and cleared only
-- when every comment is removed: a crash in between leaves the choice for
-- the clean-up to finish, never an account half deleted.
ALTER TABLE users ADD COLUMN comments_removal_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX users_comments_removal ON users (id) WHERE comments_removal_pending;

-- A reader's download of their data pages through their votes and reports.
CREATE INDEX comment_votes_by_user ON comment_votes (user_id, comment_id);
CREATE INDEX comment_reports_by_user ON comment_reports (user_id, comment_id);

-- One wording for the authors of deleted accounts everywhere.
UPDATE users SET display_name = '[deleted account]' WHERE deleted_at IS NOT NULL AND display_name = 'Former member';
