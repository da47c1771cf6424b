-- The home page asks for the pinned articles on every view. Without an
-- index the question reads every article (37 ms on a site of 100,000 on
-- PostgreSQL, most of the home page's time); the few pinned rows are this
-- index, already in order.
CREATE INDEX articles_pinned ON articles (pinned_at DESC, id DESC) WHERE pinned_at IS NOT NULL;

-- A discussion page shows each thread's first replies and "N more
-- replies". N was counted per view, reading the whole thread from its
-- index: a page of long threads read tens of thousands of entries (17 ms
-- of 19 for the first page of a 150,000-comment discussion). A top-level
-- comment now stores its thread's shown replies (status 'visible', deleted
-- or not, as the page counted them); 0 on replies. Triggers keep it as a
-- reply's status or thread changes or it is deleted, whoever writes (a
-- node of the previous release during a rolling upgrade too). An insert
-- is not counted by them: the comment store inserts a comment with
-- thread_id 0 and sets it next, which counts it; rows inserted whole (an
-- import, a restore, a copy) come with their counts or their writer adds
-- them, as it does the articles' counts.
ALTER TABLE comments ADD COLUMN replies INTEGER NOT NULL DEFAULT 0;
UPDATE comments SET replies = (SELECT count(*) FROM comments x
    WHERE x.thread_id = comments.id AND x.id <> comments.id AND x.status = 'visible')
WHERE depth = 0;

CREATE FUNCTION count_thread_replies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'visible' AND OLD.thread_id NOT IN (0, OLD.id) THEN
        UPDATE comments SET replies = replies - 1 WHERE id = OLD.thread_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.status = 'visible' AND NEW.thread_id NOT IN (0, NEW.id) THEN
            UPDATE comments SET replies = replies + 1 WHERE id = NEW.thread_id;
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER comments_replies AFTER DELETE OR UPDATE OF status, thread_id ON comments
    FOR EACH ROW EXECUTE FUNCTION count_thread_replies();
