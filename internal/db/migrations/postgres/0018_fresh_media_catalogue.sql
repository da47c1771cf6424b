-- What public pages show from media (a featured image's alt text), tag names
-- and the car catalogue moves the content counter too, so every node's page
-- cache hears of a change made on any node.
CREATE TRIGGER cv_media AFTER UPDATE OR DELETE ON media FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_tagnames AFTER UPDATE ON tags FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_makes AFTER INSERT OR UPDATE OR DELETE ON makes FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_models AFTER INSERT OR UPDATE OR DELETE ON models FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
