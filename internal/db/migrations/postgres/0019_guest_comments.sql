-- Guest comments: imported sites (WordPress, Disqus) are mostly comments
-- by people without an account, known only by what they typed: a name, an
-- e-mail address, a web address. They are kept on the comment itself
-- rather than in a table of guests keyed by e-mail: those sites store them
-- per comment, one address may sign with several names over the years (or
-- be shared), and every read of a thread would pay a join for it. A
-- comment has an account or a guest's name, never neither.
ALTER TABLE comments ALTER COLUMN author_id DROP NOT NULL;
ALTER TABLE comments ADD COLUMN guest_name TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN guest_email TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD COLUMN guest_url TEXT NOT NULL DEFAULT '';
ALTER TABLE comments ADD CONSTRAINT comments_author_or_guest CHECK (author_id IS NOT NULL OR guest_name <> '');

-- Where an imported comment came from: running an import again finds its
-- comments by their key in the source and adds nothing. A table of its own,
-- so comments written here carry nothing for it, and one source's ids never
-- meet another's.
CREATE TABLE comment_sources (
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    comment_id  BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    PRIMARY KEY (source, external_id)
);
CREATE INDEX comment_sources_by_comment ON comment_sources (comment_id);
