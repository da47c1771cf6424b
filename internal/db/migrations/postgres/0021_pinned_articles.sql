-- Editors pin published articles to the top of the home page (WordPress's
-- sticky posts come across as pinned). NULL: not pinned; the most recently
-- pinned leads. Unpublishing or trashing an article unpins it.
ALTER TABLE articles ADD COLUMN pinned_at TIMESTAMPTZ;
