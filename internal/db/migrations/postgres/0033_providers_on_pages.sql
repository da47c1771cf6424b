-- The comment box shows the sign-in providers' buttons to signed-out
-- readers, so a change of providers moves the content counter that cached
-- pages follow.
CREATE TRIGGER cv_sign_in_providers AFTER INSERT OR UPDATE OR DELETE ON sign_in_providers FOR EACH STATEMENT EXECUTE FUNCTION bump_content_version();
