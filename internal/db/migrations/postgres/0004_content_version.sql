-- One counter that every change to what public pages show moves forward, in
-- the same transaction as the change, whoever makes it (this node, another
-- node, a command-line tool). Page caches compare it to know they are
-- current; a notification on channel byline_content tells the other nodes
-- at once. Votes are left out on purpose: they change one article's page,
-- and the server that takes a vote tells the caches itself.
CREATE TABLE content_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 1);

CREATE FUNCTION bump_content_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE content_version SET version = version + 1;
    PERFORM pg_notify('byline_content', '');
    RETURN NULL;
END $$;

CREATE TRIGGER cv_articles AFTER INSERT OR UPDATE OR DELETE ON articles FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_tags AFTER INSERT OR DELETE ON article_tags FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_users AFTER UPDATE OF display_name, slug, country, bio, avatar_kind, suspended_at, deleted_at, updated_at ON users FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_roles AFTER INSERT OR DELETE ON user_roles FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_settings AFTER INSERT OR UPDATE ON settings FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_comments_i AFTER INSERT OR DELETE ON comments FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_comments_u AFTER UPDATE OF status, body_html, deleted_at, edited_at ON comments FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_avatars AFTER INSERT OR UPDATE ON avatars FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
