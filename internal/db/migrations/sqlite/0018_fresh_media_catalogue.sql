-- What public pages show from media (a featured image's alt text), tag names
-- and the car catalogue moves the content counter too, so every node's page
-- cache hears of a change made on any node.
CREATE TRIGGER cv_media_u AFTER UPDATE ON media BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_media_d AFTER DELETE ON media BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_tagnames_u AFTER UPDATE ON tags BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_makes_i AFTER INSERT ON makes BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_makes_u AFTER UPDATE ON makes BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_makes_d AFTER DELETE ON makes BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_models_i AFTER INSERT ON models BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_models_u AFTER UPDATE ON models BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_models_d AFTER DELETE ON models BEGIN UPDATE content_version SET version = version + 1; END;
