-- Each article's discussion gets a version of its own, moved by every
-- change to its comments (a post, an edit, a moderator's step; votes: see
-- below), so the comment store can keep a read page of a large discussion
-- until that discussion changes: a comment elsewhere on the site moves the content
-- counter (every page shows the Recent Comments box) but not this one.
-- The names shown beside comments come from the accounts, which move the
-- people counter.
--
-- One statement moves each article it touched once (an import's COPY of a
-- million comments too), in article order.
--
-- An update that changes only a comment's counters (a vote's up, down and
-- rank; a report) moves nothing here: a vote moves its article's row in
-- article_versions already, and readers of a discussion read that too.
-- Were votes to move this row, a vote (holding its comment's row, then
-- wanting the article's) and a post (holding the article's row from its
-- insert, then updating the thread's top comment) could each wait for the
-- other.
CREATE TABLE discussion_versions (
    article_id BIGINT NOT NULL PRIMARY KEY,
    version    BIGINT NOT NULL
);
ALTER TABLE content_version ADD COLUMN people BIGINT NOT NULL DEFAULT 1;

CREATE FUNCTION bump_discussions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO discussion_versions (article_id, version)
        SELECT article_id, 1 FROM changed_comments GROUP BY article_id ORDER BY article_id
        ON CONFLICT (article_id) DO UPDATE SET version = discussion_versions.version + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER dv_comments_i AFTER INSERT ON comments REFERENCING NEW TABLE AS changed_comments
    FOR EACH STATEMENT EXECUTE FUNCTION bump_discussions();
-- An update moves the article a comment left too, should one ever move.
-- Counters are left out by comparing the rows without them.
CREATE FUNCTION bump_updated_discussions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO discussion_versions (article_id, version)
        SELECT article_id, 1 FROM (
            SELECT n.article_id FROM changed_comments n JOIN old_comments o ON o.id = n.id
                WHERE to_jsonb(n) - '{up,down,rank,reports}'::text[] IS DISTINCT FROM to_jsonb(o) - '{up,down,rank,reports}'::text[]
            UNION
            SELECT o.article_id FROM changed_comments n JOIN old_comments o ON o.id = n.id WHERE o.article_id <> n.article_id) a
        ORDER BY article_id
        ON CONFLICT (article_id) DO UPDATE SET version = discussion_versions.version + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER dv_comments_u AFTER UPDATE ON comments REFERENCING OLD TABLE AS old_comments NEW TABLE AS changed_comments
    FOR EACH STATEMENT EXECUTE FUNCTION bump_updated_discussions();
CREATE TRIGGER dv_comments_d AFTER DELETE ON comments REFERENCING OLD TABLE AS changed_comments
    FOR EACH STATEMENT EXECUTE FUNCTION bump_discussions();

CREATE FUNCTION bump_people() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE content_version SET people = people + 1;
    RETURN NULL;
END $$;
CREATE TRIGGER pv_users_u AFTER UPDATE OF display_name, slug, deleted_at ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_people();
CREATE TRIGGER pv_users_d AFTER DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_people();
