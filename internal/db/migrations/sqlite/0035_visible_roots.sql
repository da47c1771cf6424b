-- A discussion's pages are its shown top-level comments in order, counted
-- off with OFFSET. comments_roots and comments_roots_best hold every
-- top-level comment, so each one skipped had its row read to check its
-- status: the last page of an article with 6,000 threads read 6,000
-- scattered rows (40 ms). These hold only the shown ones, so the pages and
-- Locate's counts are read from the index alone. Every query of top-level
-- comments asks for shown ones: the two old indexes go in the next release
-- (a node of this one's predecessor may still run on the database).
CREATE INDEX comments_roots_visible ON comments (article_id, id) WHERE depth = 0 AND status = 'visible';
CREATE INDEX comments_roots_visible_best ON comments (article_id, rank DESC, id) WHERE depth = 0 AND status = 'visible';
