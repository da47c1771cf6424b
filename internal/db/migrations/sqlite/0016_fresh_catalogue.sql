-- Tag names and the car catalogue (a model's photo among them) move the
-- content counter too, so every node's page cache hears of a change made
-- on any node. (Media alt text and deletions: migration 0015.)
CREATE TRIGGER cv_tagnames_u AFTER UPDATE ON tags BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_makes_i AFTER INSERT ON makes BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_makes_u AFTER UPDATE ON makes BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_makes_d AFTER DELETE ON makes BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_models_i AFTER INSERT ON models BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_models_u AFTER UPDATE ON models BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_models_d AFTER DELETE ON models BEGIN UPDATE content_version SET version = version + 1; END;
