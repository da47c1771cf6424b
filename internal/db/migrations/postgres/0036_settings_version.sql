-- Settings get their own counter beside the content version: every
-- comment moves the content version, and each move made every node read
-- the whole settings table again, once per post on a busy story. The
-- settings' own trigger still moves the content version; this one moves
-- the settings' counter too (and the content's on a delete, which that
-- one leaves out).
ALTER TABLE content_version ADD COLUMN settings BIGINT NOT NULL DEFAULT 1;

CREATE FUNCTION bump_settings_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        UPDATE content_version SET version = version + 1, settings = settings + 1;
        PERFORM pg_notify('byline_content', '');
    ELSE
        UPDATE content_version SET settings = settings + 1;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER sv_settings AFTER INSERT OR UPDATE OR DELETE ON settings FOR EACH STATEMENT EXECUTE FUNCTION bump_settings_version();
