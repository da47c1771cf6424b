-- Tag names and the car catalogue (a model's photo among them) move the
-- content counter too, so every node's page cache hears of a change made
-- on any node. (Media alt text and deletions: migration 0015.)
CREATE TRIGGER cv_tagnames AFTER UPDATE ON tags FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_makes AFTER INSERT OR UPDATE OR DELETE ON makes FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
CREATE TRIGGER cv_models AFTER INSERT OR UPDATE OR DELETE ON models FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
