package article

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"byline/internal/db"
)

// The reads a whole-site export makes (internal/wpexport): every article
// and page of any status, in id order, a page at a time (keyset: after is
// the last id of the previous page).

// Writer is a person who wrote an article or a page.
type Writer struct {
	ID                       int64
	Slug, Email, DisplayName string
}

// Writers lists the people who wrote an article or a page.
func (s *Store) Writers(ctx context.Context, after int64, limit int) ([]Writer, error) {
	rows, err := s.db.Query(ctx, `SELECT id, slug, email, display_name FROM users u WHERE id > $1
		AND (EXISTS (SELECT 1 FROM articles a WHERE a.author_id = u.id) OR EXISTS (SELECT 1 FROM pages p WHERE p.author_id = u.id))
		ORDER BY id LIMIT `+strconv.Itoa(limit), after)
	if err != nil {
		return nil, fmt.Errorf("article: writers: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Writer, error) {
		var w Writer
		err := sc.Scan(&w.ID, &w.Slug, &w.Email, &w.DisplayName)
		return w, err
	})
}

// MaxIDs are the highest article and page ids (0 when there are none).
func (s *Store) MaxIDs(ctx context.Context) (articles, pages int64, err error) {
	err = s.db.QueryRow(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM articles), (SELECT COALESCE(MAX(id), 0) FROM pages)`).Scan(&articles, &pages)
	return articles, pages, err
}

// AllCategories lists every category, in id order, with its parent.
func (s *Store) AllCategories(ctx context.Context) ([]Tag, error) {
	rows, err := s.db.Query(ctx, `SELECT `+tagCols+` FROM tags WHERE kind = 'category' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("article: categories: %w", err)
	}
	return db.Collect(rows, scanTag)
}

// TagsAfter lists tags (not categories) in id order.
func (s *Store) TagsAfter(ctx context.Context, after int64, limit int) ([]Tag, error) {
	rows, err := s.db.Query(ctx, `SELECT `+tagCols+` FROM tags WHERE kind = 'tag' AND id > $1 ORDER BY id LIMIT `+strconv.Itoa(limit), after)
	if err != nil {
		return nil, fmt.Errorf("article: tags: %w", err)
	}
	return db.Collect(rows, scanTag)
}

// Whole is an article with everything an export keeps of it.
type Whole struct {
	ID                        int64
	Slug, Headline            string
	AuthorSlug                string
	Status                    Status
	PublishedAt               sql.NullTime
	BodyMD, BodyHTML, Excerpt string
	CreatedAt, UpdatedAt      time.Time
	CommentsClosed            bool
	TrashedAt, PinnedAt       sql.NullTime
	FeaturedMediaID           int64
	Terms                     []Term // its categories and tags, in the writer's order
}

// Term is one of an article's categories or tags, as the article shows it.
type Term struct {
	Category   bool
	Slug, Name string
}

// WholeArticles lists articles of any status in id order, with their terms.
func (s *Store) WholeArticles(ctx context.Context, after int64, limit int) ([]*Whole, error) {
	rows, err := s.db.Query(ctx, `SELECT a.id, a.slug, a.headline, u.slug, a.status, a.published_at, a.body_md, a.body_html, a.excerpt,
		a.created_at, a.updated_at, a.comments_closed, a.trashed_at, a.pinned_at, COALESCE(a.featured_media_id, 0)
		FROM articles a JOIN users u ON u.id = a.author_id WHERE a.id > $1 ORDER BY a.id LIMIT `+strconv.Itoa(limit), after)
	if err != nil {
		return nil, fmt.Errorf("article: export: %w", err)
	}
	page, err := db.Collect(rows, func(sc db.Scanner) (*Whole, error) {
		w := &Whole{}
		err := sc.Scan(&w.ID, &w.Slug, &w.Headline, &w.AuthorSlug, &w.Status, &w.PublishedAt, &w.BodyMD,
			&w.BodyHTML, &w.Excerpt, &w.CreatedAt, &w.UpdatedAt, &w.CommentsClosed, &w.TrashedAt, &w.PinnedAt, &w.FeaturedMediaID)
		return w, err
	})
	if err != nil || len(page) == 0 {
		return page, err
	}
	return page, s.wholeTerms(ctx, page)
}

// wholeTerms loads a page of articles' terms with one query over its ids.
func (s *Store) wholeTerms(ctx context.Context, page []*Whole) error {
	byID := make(map[int64]*Whole, len(page))
	for _, w := range page {
		byID[w.ID] = w
	}
	rows, err := s.db.Query(ctx, `SELECT at.article_id, t.kind, t.slug, CASE WHEN at.name <> '' THEN at.name ELSE t.name END FROM article_tags at JOIN tags t ON t.id = at.tag_id
		WHERE at.article_id >= $1 AND at.article_id <= $2 ORDER BY at.article_id, at.position, t.id`, page[0].ID, page[len(page)-1].ID)
	if err != nil {
		return fmt.Errorf("article: export terms: %w", err)
	}
	type row struct {
		id int64
		t  Term
	}
	terms, err := db.Collect(rows, func(sc db.Scanner) (row, error) {
		var r row
		var kind string
		err := sc.Scan(&r.id, &kind, &r.t.Slug, &r.t.Name)
		r.t.Category = kind == KindCategory
		return r, err
	})
	if err != nil {
		return fmt.Errorf("article: export terms: %w", err)
	}
	for _, r := range terms {
		if w, ok := byID[r.id]; ok {
			w.Terms = append(w.Terms, r.t)
		}
	}
	return nil
}

// WholePage is a site page with everything an export keeps of it.
type WholePage struct {
	ID                   int64
	Slug, Title          string
	AuthorSlug           string
	Status               PageStatus
	PublishedAt          sql.NullTime
	BodyMD, BodyHTML     string
	Position             int
	CreatedAt, UpdatedAt time.Time
}

// WholePages lists site pages of any status in id order.
func (s *Store) WholePages(ctx context.Context, after int64, limit int) ([]WholePage, error) {
	rows, err := s.db.Query(ctx, `SELECT p.id, p.slug, p.title, u.slug, p.status, p.published_at, p.body_md, p.body_html, p.position, p.created_at, p.updated_at
		FROM pages p JOIN users u ON u.id = p.author_id WHERE p.id > $1 ORDER BY p.id LIMIT `+strconv.Itoa(limit), after)
	if err != nil {
		return nil, fmt.Errorf("article: export pages: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (WholePage, error) {
		var p WholePage
		err := sc.Scan(&p.ID, &p.Slug, &p.Title, &p.AuthorSlug, &p.Status, &p.PublishedAt, &p.BodyMD, &p.BodyHTML, &p.Position, &p.CreatedAt, &p.UpdatedAt)
		return p, err
	})
}

// CountAll is how many articles there are, of any status.
func (s *Store) CountAll(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM articles`).Scan(&n); err != nil {
		return 0, fmt.Errorf("article: count: %w", err)
	}
	return n, nil
}
