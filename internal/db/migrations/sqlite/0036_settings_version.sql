-- Settings get their own counter beside the content version: every
-- comment moves the content version, and each move made every node read
-- the whole settings table again, once per post on a busy story. The
-- settings' own triggers still move the content version; these move the
-- settings' counter too.
ALTER TABLE content_version ADD COLUMN settings BIGINT NOT NULL DEFAULT 1;
CREATE TRIGGER sv_settings_i AFTER INSERT ON settings BEGIN UPDATE content_version SET settings = settings + 1; END;
CREATE TRIGGER sv_settings_u AFTER UPDATE ON settings BEGIN UPDATE content_version SET settings = settings + 1; END;
CREATE TRIGGER sv_settings_d AFTER DELETE ON settings BEGIN UPDATE content_version SET version = version + 1, settings = settings + 1; END;
