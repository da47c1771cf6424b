-- The comment box shows the sign-in providers' buttons to signed-out
-- readers, so a change of providers moves the content counter that cached
-- pages follow.
CREATE TRIGGER cv_sign_in_providers_i AFTER INSERT ON sign_in_providers BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_sign_in_providers_u AFTER UPDATE ON sign_in_providers BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_sign_in_providers_d AFTER DELETE ON sign_in_providers BEGIN UPDATE content_version SET version = version + 1; END;
