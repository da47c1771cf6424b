package article

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/slug"
)

// A static page (About, Contact, Privacy ...) is written like an article
// but stands outside the news: no date in its address, no tags, no
// comments, never in feeds or lists. It lives at /{slug}/, as on
// WordPress, and the footer lists the published ones by position.

// PageStatus is draft or published: a page has no review or schedule.
type PageStatus string

const (
	PageDraft     PageStatus = "draft"
	PagePublished PageStatus = "published"
)

// StaticPage is a page of the site outside the news (About, Contact ...).
type StaticPage struct {
	ID          int64
	Slug        string
	Title       string
	BodyMD      string
	BodyHTML    string // sanitized
	Status      PageStatus
	Author      Author
	Position    int // order in the footer, smallest first
	Version     int
	PublishedAt time.Time // zero until first published
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// PageInput is what the newsroom (or an import) hands in for a page.
type PageInput struct {
	Title       string
	Slug        string // optional: made from the title
	BodyMD      string
	Status      PageStatus
	AuthorID    int64
	Position    int
	PublishedAt time.Time // optional: kept from an import, else first publication
	CreatedAt   time.Time // optional: kept from an import
	UpdatedAt   time.Time // optional: kept from an import, else now
}

// reservedSlugs are the first path segments the site's own routes use, so
// no page can hide one (or be hidden by it).
var reservedSlugs = map[string]bool{
	"admin": true, "api": true, "author": true, "tag": true, "feed": true, "cars": true, "comments": true,
	"media": true, "static": true, "newsletter": true, "search": true, "login": true, "logout": true,
	"register": true, "account": true, "password": true, "verify": true, "notifications": true,
	"avatar": true, "healthz": true, "readyz": true, "metrics": true, "page": true, "category": true,
	"wp-admin": true, "wp-content": true, "wp-json": true,
}

// PageSlugFree reports whether s may be a page's address: a slug, not all
// digits (that is a year's archive), not one of the site's own sections.
func PageSlugFree(s string) bool {
	if !slug.Valid(s) || reservedSlugs[s] {
		return false
	}
	return strings.Trim(s, "0123456789") != ""
}

const maxPageTitle = 120

func (d PageInput) check() (PageInput, string, error) {
	v := apperr.NewInvalid()
	d.Title = title(v, "title", "a title", d.Title, maxPageTitle)
	d.Slug = strings.TrimSpace(d.Slug)
	if d.Slug == "" {
		d.Slug = slug.Make(d.Title)
	}
	if d.Slug != "" && !PageSlugFree(d.Slug) {
		v.Add("slug", "use lowercase letters, digits and hyphens (not only digits), and not a section of the site such as tag, author or cars")
	}
	if d.Status == "" {
		d.Status = PageDraft
	}
	if d.Status != PageDraft && d.Status != PagePublished {
		v.Add("status", "a page is a draft or published")
	}
	if d.Status == PagePublished && strings.TrimSpace(d.BodyMD) == "" {
		v.Add("body", "the text is empty")
	}
	if len(d.BodyMD) > maxBody {
		v.Add("body", fmt.Sprintf("the text can be at most %d bytes", maxBody))
	}
	if !utf8.ValidString(d.BodyMD) {
		v.Add("body", "the text is not valid UTF-8")
	}
	if d.AuthorID <= 0 {
		v.Add("author", "an author is required")
	}
	if err := v.Err(); err != nil {
		return d, "", err
	}
	return d, renderer.Render(d.BodyMD).HTML, nil
}

// CreatePage stores a new page. A taken address is an *apperr.Invalid on "slug".
func (s *Store) CreatePage(ctx context.Context, d PageInput) (StaticPage, error) {
	d, html, err := d.check()
	if err != nil {
		return StaticPage{}, err
	}
	now := s.now()
	updated := now
	if !d.UpdatedAt.IsZero() {
		updated = d.UpdatedAt
	}
	created := d.CreatedAt
	if created.IsZero() {
		created = now
	}
	var pub any
	if !d.PublishedAt.IsZero() {
		pub = d.PublishedAt
	} else if d.Status == PagePublished {
		pub = now
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := pageSlugTaken(ctx, tx, d.Slug, 0); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO pages (slug, title, body_md, body_html, status, author_id, position, published_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			d.Slug, d.Title, d.BodyMD, html, string(d.Status), d.AuthorID, d.Position, pub, created, updated).Scan(&id)
		return db.MapError(tx.Engine(), err)
	})
	if err != nil {
		if _, ok := apperr.AsInvalid(err); ok {
			return StaticPage{}, err
		}
		return StaticPage{}, fmt.Errorf("article: create page %q: %w", d.Slug, err)
	}
	return s.PageByID(ctx, id)
}

// SavePage stores an edit of page id made from version; a save from an
// older version is refused with apperr.ErrConflict.
func (s *Store) SavePage(ctx context.Context, id int64, version int, d PageInput) (StaticPage, error) {
	d, html, err := d.check()
	if err != nil {
		return StaticPage{}, err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := pageSlugTaken(ctx, tx, d.Slug, id); err != nil {
			return err
		}
		// The first publication is the page's date; later edits keep it.
		res, err := tx.Exec(ctx, `UPDATE pages SET slug = $3, title = $4, body_md = $5, body_html = $6, status = $7, author_id = $8, position = $9,
			published_at = CASE WHEN $7 = 'published' AND published_at IS NULL THEN $10 ELSE published_at END,
			updated_at = $10, version = version + 1 WHERE id = $1 AND version = $2`,
			id, version, d.Slug, d.Title, d.BodyMD, html, string(d.Status), d.AuthorID, d.Position, now)
		if err != nil {
			return db.MapError(tx.Engine(), err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var cur int
			if err := tx.QueryRow(ctx, `SELECT version FROM pages WHERE id = $1`, id).Scan(&cur); err != nil {
				return db.MapError(tx.Engine(), err)
			}
			return fmt.Errorf("someone else saved this page since (version %d): %w", cur, apperr.ErrConflict)
		}
		return nil
	})
	if err != nil {
		if _, ok := apperr.AsInvalid(err); ok || errors.Is(err, apperr.ErrConflict) || errors.Is(err, apperr.ErrNotFound) {
			return StaticPage{}, err
		}
		return StaticPage{}, fmt.Errorf("article: save page %d: %w", id, err)
	}
	return s.PageByID(ctx, id)
}

func pageSlugTaken(ctx context.Context, tx *db.Tx, slug string, id int64) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM pages WHERE slug = $1 AND id <> $2`, slug, id).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return apperr.Field("slug", fmt.Sprintf("another page has the address /%s/", slug))
	}
	return nil
}

// DeletePage removes a page.
func (s *Store) DeletePage(ctx context.Context, id int64) error {
	res, err := s.db.Exec(ctx, `DELETE FROM pages WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("article: delete page %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}

const pageCols = `p.id, p.slug, p.title, p.body_md, p.body_html, p.status, p.position, p.version, p.published_at, p.created_at, p.updated_at,
	u.id, u.slug, u.display_name`

func scanPage(sc db.Scanner) (StaticPage, error) {
	var p StaticPage
	var pub sql.NullTime
	err := sc.Scan(&p.ID, &p.Slug, &p.Title, &p.BodyMD, &p.BodyHTML, &p.Status, &p.Position, &p.Version, &pub, &p.CreatedAt, &p.UpdatedAt,
		&p.Author.ID, &p.Author.Slug, &p.Author.Name)
	if pub.Valid {
		p.PublishedAt = pub.Time
	}
	return p, err
}

func (s *Store) pageWhere(ctx context.Context, where string, arg any) (StaticPage, error) {
	p, err := scanPage(s.db.QueryRow(ctx, `SELECT `+pageCols+` FROM pages p JOIN users u ON u.id = p.author_id WHERE `+where, arg))
	if err != nil {
		return StaticPage{}, fmt.Errorf("article: page %v: %w", arg, db.MapError(s.db.Engine, err))
	}
	return p, nil
}

// PageByID returns any page, whatever its status (the newsroom's).
func (s *Store) PageByID(ctx context.Context, id int64) (StaticPage, error) {
	return s.pageWhere(ctx, "p.id = $1", id)
}

// PublicPage returns the published page at slug.
func (s *Store) PublicPage(ctx context.Context, slug string) (StaticPage, error) {
	return s.pageWhere(ctx, "p.slug = $1 AND p.status = 'published'", slug)
}

// PageLink is a published page as the footer and sitemap list it.
type PageLink struct {
	Slug, Title string
	UpdatedAt   time.Time
}

// PublicPages lists the published pages in footer order.
func (s *Store) PublicPages(ctx context.Context) ([]PageLink, error) {
	rows, err := s.db.Query(ctx, `SELECT slug, title, updated_at FROM pages WHERE status = 'published' ORDER BY position, title`)
	if err != nil {
		return nil, fmt.Errorf("article: public pages: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (PageLink, error) {
		var l PageLink
		err := sc.Scan(&l.Slug, &l.Title, &l.UpdatedAt)
		return l, err
	})
}

// Pages lists every page for the newsroom, in footer order.
func (s *Store) Pages(ctx context.Context) ([]StaticPage, error) {
	rows, err := s.db.Query(ctx, `SELECT `+pageCols+` FROM pages p JOIN users u ON u.id = p.author_id ORDER BY p.position, p.title`)
	if err != nil {
		return nil, fmt.Errorf("article: pages: %w", err)
	}
	return db.Collect(rows, scanPage)
}
