package article

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Store keeps articles and tags.
type Store struct {
	db     *db.DB
	now    func() time.Time
	mailer Mailer                           // the newsroom's notices; nil: none
	site   func(context.Context) NoticeSite // what the notices say of the site
}

// NewStore returns a Store on d.
func NewStore(d *db.DB) *Store { return &Store{db: d, now: time.Now} }

// visible is the one definition of "the public may read it", in SQL; $1 is now.
const visible = `a.status IN ('published', 'scheduled') AND a.published_at <= $1`

// visibleAt is visible with now bound to placeholder $n.
func visibleAt(n int) string { return strings.Replace(visible, "$1", fmt.Sprintf("$%d", n), 1) }

const summaryCols = `a.id, a.slug, a.headline, a.status, a.published_at, a.excerpt, a.created_at, a.updated_at, u.id, u.slug, u.display_name,
	a.comment_count, a.comments_closed, COALESCE(a.featured_media_id, 0)`

func scanSummary(sc db.Scanner, a *Article, extra ...any) error {
	var pub sql.NullTime
	dest := append([]any{&a.ID, &a.Slug, &a.Headline, &a.Status, &pub, &a.Excerpt, &a.CreatedAt, &a.UpdatedAt, &a.Author.ID, &a.Author.Slug, &a.Author.Name,
		&a.CommentCount, &a.CommentsClosed, &a.FeaturedMediaID}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	if pub.Valid {
		a.PublishedAt = pub.Time
	}
	return nil
}

// PublishDue turns scheduled articles whose time has come into published
// ones and says how many. Readers already see them from that moment; the
// change is for the caches: it moves the content counter, so every node
// drops the pages that did not list them. Every node may run it: the
// UPDATE's condition makes each change happen once.
func (s *Store) PublishDue(ctx context.Context) (int64, error) {
	now := s.now()
	var due int
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM articles WHERE status = 'scheduled' AND published_at <= $1 LIMIT 1) d`, now).Scan(&due)
	if err != nil || due == 0 {
		return 0, err // nothing due: no write, so no lock on the one SQLite writer
	}
	// Coming out is a public change: updated_at moves to the moment it did
	// (feeds and the sitemap read it), unless a later edit already has.
	res, err := s.db.Exec(ctx, `UPDATE articles SET status = 'published',
		updated_at = CASE WHEN updated_at < published_at THEN published_at ELSE updated_at END
		WHERE status = 'scheduled' AND published_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("article: publish scheduled: %w", err)
	}
	return res.RowsAffected()
}

// Create stores a new article. A taken slug is an *apperr.Invalid on "slug".
func (s *Store) Create(ctx context.Context, d Draft) (Article, error) {
	p, err := d.prepare(s.now())
	if err != nil {
		return Article{}, err
	}
	now := s.now()
	// An import keeps its own dates: created when it was first published
	// (or changed), changed when it last was; anything new is made now.
	created, updated := now, now
	if u := p.UpdatedAt; !u.IsZero() && u.Before(now) {
		updated = u
	}
	if pub := p.PublishedAt; !pub.IsZero() && !pub.After(now) && updated.Before(pub) {
		updated = pub
	}
	if pub := p.PublishedAt; !pub.IsZero() && pub.Before(updated) {
		created = pub
	} else {
		created = updated
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM articles WHERE slug = $1`, p.Slug).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.Field("slug", fmt.Sprintf("an article with the slug %q already exists", p.Slug))
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE id = $1`, p.AuthorID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field("author", "unknown author")
		}
		var pub any
		if !p.PublishedAt.IsZero() {
			pub = p.PublishedAt
		}
		err := tx.QueryRow(ctx, `INSERT INTO articles (slug, headline, author_id, status, published_at, body_md, body_html, body_text, excerpt, created_at, updated_at, featured_media_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $11) RETURNING id`,
			p.Slug, p.Headline, p.AuthorID, string(p.Status), pub, p.BodyMD, p.html, p.text, p.Excerpt, created, nullID(p.FeaturedMediaID), updated).Scan(&id)
		if err != nil {
			return db.MapError(tx.Engine(), err)
		}
		ids, err := linkTags(ctx, tx, id, pub, p.tags)
		if err != nil {
			return err
		}
		// A new article changes its tags' counts by itself alone: adding
		// it is exact, where a recount reads every article of each tag
		// (an import of a hundred thousand would read them again for each).
		if p.Status != StatusPublished && p.Status != StatusScheduled || len(ids) == 0 {
			return nil
		}
		return tx.ExecIn(ctx, `UPDATE tags SET article_count = article_count + 1 WHERE id IN $LIST`, nil, ids)
	})
	if err != nil {
		return Article{}, fmt.Errorf("article: create %q: %w", p.Slug, err)
	}
	return s.byWhere(ctx, s.db, "a.id = $1", id)
}

// setTags links an article to its tags, creating tags that are new.
// published is the article's publication time (nil for none), copied into
// article_tags for the tag pages' index.
func setTags(ctx context.Context, tx *db.Tx, articleID int64, published any, tags []Tag) error {
	touched, err := tagIDs(ctx, tx, articleID)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM article_tags WHERE article_id = $1`, articleID); err != nil {
		return err
	}
	linked, err := linkTags(ctx, tx, articleID, published, tags)
	if err != nil {
		return err
	}
	for _, id := range linked {
		touched = append(touched, id.(int64))
	}
	return recountTags(ctx, tx, touched)
}

// linkTags links an article that has no tags to tags, creating those that
// are new, and returns their ids, each once.
func linkTags(ctx context.Context, tx *db.Tx, articleID int64, published any, tags []Tag) ([]any, error) {
	var ids []any
	seen := map[int64]bool{}
	for i, t := range tags {
		var tagID int64
		err := tx.QueryRow(ctx, `INSERT INTO tags (slug, name) VALUES ($1, $2)
			ON CONFLICT (slug) DO UPDATE SET slug = excluded.slug RETURNING id`, t.Slug, t.Name).Scan(&tagID)
		if err != nil {
			return nil, fmt.Errorf("tag %q: %w", t.Slug, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO article_tags (article_id, tag_id, published_at, position, name) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			articleID, tagID, published, i, t.Name); err != nil {
			return nil, err
		}
		if !seen[tagID] {
			seen[tagID] = true
			ids = append(ids, tagID)
		}
	}
	return ids, nil
}

// Public returns the article at slug if the public may read it.
func (s *Store) Public(ctx context.Context, slug string) (Article, error) {
	return s.byWhere(ctx, s.db, "a.slug = $1 AND "+visibleAt(2), slug, s.now())
}

// PublicByID returns the article with id if the public may read it.
func (s *Store) PublicByID(ctx context.Context, id int64) (Article, error) {
	return s.byWhere(ctx, s.db, "a.id = $1 AND "+visibleAt(2), id, s.now())
}

// ByID returns any article, whatever its status (for staff and tools).
func (s *Store) ByID(ctx context.Context, id int64) (Article, error) {
	return s.byWhere(ctx, s.db, "a.id = $1", id)
}

// byWhere loads one full article (body and tags): two queries.
func (s *Store) byWhere(ctx context.Context, q db.Querier, where string, args ...any) (Article, error) {
	var a Article
	row := q.QueryRow(ctx, `SELECT `+summaryCols+`, a.body_md, a.body_html
		FROM articles a JOIN users u ON u.id = a.author_id
		WHERE `+where, args...)
	if err := scanSummary(row, &a, &a.BodyMD, &a.BodyHTML); err != nil {
		return Article{}, fmt.Errorf("article: %v: %w", args[0], db.MapError(s.db.Engine, err))
	}
	list := []Article{a}
	if err := s.loadTags(ctx, q, list); err != nil {
		return Article{}, err
	}
	return list[0], nil
}

// articleTagName is a tag as its article's writer typed it (rows from
// before tags kept their spelling have the tag's own name). loadTags does
// the same in Go, with the tag's name as a label.
const articleTagName = `COALESCE(NULLIF(at.name, ''), t.name)`

// loadTags fills in the tags of every article in list with one query, in
// the order the writer gave them.
func (s *Store) loadTags(ctx context.Context, q db.Querier, list []Article) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	index := make(map[int64]int, len(list))
	for i, a := range list {
		ids[i] = a.ID
		index[a.ID] = i
	}
	in, arg := s.db.Engine.InIDs("at.article_id", 1, ids)
	rows, err := q.Query(ctx, `SELECT at.article_id, t.id, t.slug, at.name, t.name, t.kind, COALESCE(t.parent_id, 0)
		FROM article_tags at JOIN tags t ON t.id = at.tag_id
		WHERE `+in+`
		ORDER BY at.article_id, at.position, t.name`, arg)
	if err != nil {
		return fmt.Errorf("article: load tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var aid int64
		var t Tag
		var own string
		if err := rows.Scan(&aid, &t.ID, &t.Slug, &t.Name, &own, &t.Kind, &t.ParentID); err != nil {
			return fmt.Errorf("article: load tags: %w", err)
		}
		if t.Name == "" || t.Kind == KindCategory {
			// Linked before tags kept their spelling, or a category: a
			// section is shown by its own name, however it was typed.
			t.Name = TagLabel(own)
		}
		i := index[aid]
		list[i].Tags = append(list[i].Tags, t)
	}
	return rows.Err()
}

// ListQuery selects public articles, newest first.
type ListQuery struct {
	TagID int64
	// AlsoTags widens TagID to articles carrying any of these too (a
	// category's archive lists its subcategories' articles).
	AlsoTags []int64
	AuthorID int64
	From, To time.Time // published in [From, To), for date archives
	Before   *Cursor   // keyset: strictly older than this
	Limit    int       // default 10, at most 100
	WithBody bool      // also load body HTML (feeds)
	WithTags bool      // also load tags (one more query)
}

// Page is one page of a list and where the next one starts.
type Page struct {
	Articles []Article
	Next     *Cursor // nil on the last page
}

// List returns a page of public articles: one query, two with tags.
func (s *Store) List(ctx context.Context, q ListQuery) (Page, error) {
	if q.Limit <= 0 {
		q.Limit = 10
	}
	q.Limit = min(q.Limit, 100)
	now := s.now()
	// A tag page walks article_tags' (tag, date) index; everything else
	// walks articles' own date indexes. Either way the cost is the page's.
	from, date, id := "articles a", "a.published_at", "a.id"
	var where db.Where
	where.Add(visible, now)
	switch {
	case q.TagID > 0 && len(q.AlsoTags) > 0:
		// Several tags: walk articles by date and keep those carrying one,
		// so an article in two of them is listed once.
		ids := append([]any{q.TagID}, anySlice(q.AlsoTags)...)
		marks := make([]string, len(ids))
		for i := range ids {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
		where.Add("EXISTS (SELECT 1 FROM article_tags at WHERE at.article_id = a.id AND at.tag_id IN ("+strings.Join(marks, ",")+"))", ids...)
	case q.TagID > 0:
		from, date, id = "article_tags at JOIN articles a ON a.id = at.article_id", "at.published_at", "at.article_id"
		where.Add("at.tag_id = $1 AND at.published_at <= $2", q.TagID, now)
	}
	if q.AuthorID > 0 {
		where.Add("a.author_id = $1", q.AuthorID)
	}
	if !q.From.IsZero() {
		where.Add(date+" >= $1", q.From)
	}
	if !q.To.IsZero() {
		where.Add(date+" < $1", q.To)
	}
	if q.Before != nil {
		// The first term is implied by the rest but is what an index can
		// start from: without it PostgreSQL's generic plan (a prepared
		// statement's, after five uses) read the list's index from its
		// newest entry, filtering: 30,649 entries for the oldest page of a
		// tag of 30,655 articles.
		where.Add(date+" <= $1 AND ("+date+" < $1 OR ("+date+" = $1 AND "+id+" < $2))", q.Before.At, q.Before.ID)
	}
	cols := summaryCols
	if q.WithBody {
		cols += ", a.body_html"
	}
	rows, err := s.db.Query(ctx, `SELECT `+cols+`
		FROM `+from+` JOIN users u ON u.id = a.author_id
		`+where.SQL()+`
		ORDER BY `+date+` DESC, `+id+` DESC
		LIMIT `+fmt.Sprint(q.Limit+1), where.Args()...)
	if err != nil {
		return Page{}, fmt.Errorf("article: list: %w", err)
	}
	var p Page
	p.Articles, err = db.Collect(rows, func(sc db.Scanner) (Article, error) {
		var a Article
		var extra []any
		if q.WithBody {
			extra = append(extra, &a.BodyHTML)
		}
		err := scanSummary(sc, &a, extra...)
		return a, err
	})
	if err != nil {
		return Page{}, fmt.Errorf("article: list: %w", err)
	}
	if len(p.Articles) > q.Limit {
		p.Articles = p.Articles[:q.Limit]
		last := p.Articles[q.Limit-1]
		p.Next = &Cursor{At: last.PublishedAt, ID: last.ID}
	}
	if q.WithTags {
		if err := s.loadTags(ctx, s.db, p.Articles); err != nil {
			return Page{}, err
		}
	}
	return p, nil
}

func anySlice(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// Tags returns the tags in use, most used first; limit 0 means all.
// Counts are stored, not counted per view (see recountTags).
func (s *Store) Tags(ctx context.Context, limit int) ([]Tag, error) {
	q := `SELECT ` + tagCols + ` FROM tags WHERE article_count > 0 ORDER BY article_count DESC, name`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", limit)
	}
	rows, err := s.db.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("article: tags: %w", err)
	}
	out, err := db.Collect(rows, scanTag)
	if err != nil {
		return nil, fmt.Errorf("article: tags: %w", err)
	}
	return out, nil
}

// recountTags refreshes the stored counts of the given tags: published and
// scheduled articles (a scheduled one is counted from the moment it is
// scheduled, so the count never needs a clock).
func recountTags(ctx context.Context, tx *db.Tx, tagIDs []int64) error {
	for _, id := range tagIDs {
		if _, err := tx.Exec(ctx, `UPDATE tags SET article_count = (
				SELECT count(*) FROM article_tags at JOIN articles a ON a.id = at.article_id
				WHERE at.tag_id = $1 AND a.status IN ('published', 'scheduled'))
			WHERE id = $1`, id); err != nil {
			return fmt.Errorf("recount tag %d: %w", id, err)
		}
	}
	return nil
}

// TagBySlug returns one tag or category (Kind and ParentID say which).
func (s *Store) TagBySlug(ctx context.Context, slug string) (Tag, error) {
	t, err := scanTag(s.db.QueryRow(ctx, `SELECT `+tagCols+` FROM tags WHERE slug = $1`, slug))
	if err != nil {
		return Tag{}, fmt.Errorf("article: tag %q: %w", slug, db.MapError(s.db.Engine, err))
	}
	return t, nil
}

// Count returns how many articles exist, whatever their status.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM articles`).Scan(&n)
	return n, err
}

// LastUpdate is the newest change to any public article (for feeds and
// the sitemap); zero when there is none.
func (s *Store) LastUpdate(ctx context.Context) (time.Time, error) {
	var t time.Time
	err := s.db.QueryRow(ctx, `SELECT a.updated_at FROM articles a WHERE `+visible+` ORDER BY a.updated_at DESC LIMIT 1`, s.now()).Scan(&t)
	if err == sql.ErrNoRows {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("article: last update: %w", err)
	}
	return t, nil
}

// SetCommentsClosed opens or closes an article's discussion.
func (s *Store) SetCommentsClosed(ctx context.Context, id int64, closed bool) error {
	res, err := s.db.Exec(ctx, `UPDATE articles SET comments_closed = $2 WHERE id = $1`, id, closed)
	if err != nil {
		return fmt.Errorf("article: close comments %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}
