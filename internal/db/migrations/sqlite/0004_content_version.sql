-- One counter that every change to what public pages show moves forward, in
-- the same transaction as the change, whoever makes it (this node, another
-- node, a command-line tool). Page caches compare it to know they are
-- current. Votes are left out on purpose: they change one article's page,
-- and the server that takes a vote tells the caches itself.
CREATE TABLE content_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 1);

CREATE TRIGGER cv_articles_i AFTER INSERT ON articles BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_articles_u AFTER UPDATE ON articles BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_articles_d AFTER DELETE ON articles BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_tags_i AFTER INSERT ON article_tags BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_tags_d AFTER DELETE ON article_tags BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_users_u AFTER UPDATE OF display_name, slug, country, bio, avatar_kind, suspended_at, deleted_at, updated_at ON users BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_roles_i AFTER INSERT ON user_roles BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_roles_d AFTER DELETE ON user_roles BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_settings_i AFTER INSERT ON settings BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_settings_u AFTER UPDATE ON settings BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_comments_i AFTER INSERT ON comments BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_comments_u AFTER UPDATE OF status, body_html, deleted_at, edited_at ON comments BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_comments_d AFTER DELETE ON comments BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_avatars_i AFTER INSERT ON avatars BEGIN UPDATE content_version SET version = version + 1; END;
CREATE TRIGGER cv_avatars_u AFTER UPDATE ON avatars BEGIN UPDATE content_version SET version = version + 1; END;
