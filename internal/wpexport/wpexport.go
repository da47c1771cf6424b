// Package wpexport writes a whole Byline site as a WordPress export (WXR
// 1.2): its people, categories, tags, media, articles, pages and
// comments, so that a magazine can take its site to WordPress, or to
// another Byline, at any time.
//
// The site is read in pages (keyset, by id) and written as it is read:
// only the categories (a short list) and one page of articles with their
// tags are held at once, and the comments of one article.
package wpexport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"byline/internal/db"
	"byline/internal/links"
	"byline/internal/media"
	"byline/internal/wordpress"
)

// Site is what the export says of the site itself.
type Site struct {
	Name     string
	Tagline  string
	BaseURL  string         // absolute, e.g. https://news.example.com
	Location *time.Location // the site's zone, for WordPress's local dates; nil is UTC
}

// Counts are the records written.
type Counts struct {
	People, Categories, Tags, Articles, Pages, Comments, Media int
}

// MarkdownKey is the post and comment meta that carries Byline's Markdown
// source beside the rendered HTML (see Export). The leading underscore
// makes it hidden meta in WordPress, which keeps it and never shows it.
const MarkdownKey = "_byline_markdown"

// Page sizes of the keyset reads: small enough that a page of articles
// with their bodies stays a few megabytes.
const (
	articlePage = 100
	rowPage     = 500
	commentPage = 1000
)

// Export writes the site on d to w as WXR 1.2 and returns what it wrote.
// progress, if not nil, is called after each article with the number done
// and the total.
//
// Post ids: WordPress keeps posts, pages and attachments in one table, so
// they share one id space. Articles keep their own id; pages follow the
// highest article id and media the highest page id, so every id is stable
// for a given database and none collides. Comment ids are Byline's.
//
// Content: an article's text is written as its rendered, sanitised HTML,
// with the Markdown source in the post meta MarkdownKey. The HTML is what
// WordPress (and wordpress.Content, which any importer reads content
// through) expects: Markdown given as content would be taken for text of
// the classic editor, whose autop makes paragraphs of blank lines but
// leaves "# Heading", "* item" or "[link](url)" as literal text, so the
// page would not look the same. The HTML read back through
// wordpress.Content gives the same page; the meta gives a Byline importer
// the writer's exact source, so a round trip gives the same text back,
// and an editor keeps editing Markdown. Comments are written the same
// way (HTML, Markdown in the comment meta).
func Export(ctx context.Context, d *db.DB, s Site, w io.Writer, progress func(done, total int)) (Counts, error) {
	if s.Location == nil {
		s.Location = time.UTC
	}
	s.BaseURL = strings.TrimRight(s.BaseURL, "/")
	e := &exporter{d: d, s: s, wx: wordpress.NewWriter(w), media: media.NewStore(d, nil), progress: progress}
	if err := e.run(ctx); err != nil {
		return e.counts, err
	}
	return e.counts, nil
}

type exporter struct {
	d        *db.DB
	s        Site
	wx       *wordpress.Writer
	media    *media.Store
	progress func(done, total int)
	counts   Counts

	pageBase, mediaBase int64 // added to page and media ids to make post ids
}

func (e *exporter) run(ctx context.Context) error {
	var maxArticle, maxPage int64
	if err := e.d.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM articles`).Scan(&maxArticle); err != nil {
		return fmt.Errorf("export: articles: %w", err)
	}
	if err := e.d.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM pages`).Scan(&maxPage); err != nil {
		return fmt.Errorf("export: pages: %w", err)
	}
	e.pageBase, e.mediaBase = maxArticle, maxArticle+maxPage
	err := e.wx.Site(&wordpress.Site{
		Title: e.s.Name, Link: e.s.BaseURL, Description: e.s.Tagline,
		PubDate:     time.Now().UTC().Format(time.RFC1123Z),
		BaseSiteURL: e.s.BaseURL, BaseBlogURL: e.s.BaseURL,
	})
	if err != nil {
		return err
	}
	// WordPress's importer wants authors and terms before the items that
	// name them; media come before articles so that a featured image's
	// attachment is known when its article is read.
	for _, step := range []func(context.Context) error{e.authors, e.categories, e.tags, e.attachments, e.articles, e.pages} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return e.wx.Close()
}

// authors writes everyone who wrote an article or a page.
func (e *exporter) authors(ctx context.Context) error {
	q := `SELECT id, slug, email, display_name FROM users u WHERE id > $1
		AND (EXISTS (SELECT 1 FROM articles a WHERE a.author_id = u.id) OR EXISTS (SELECT 1 FROM pages p WHERE p.author_id = u.id))
		ORDER BY id LIMIT ` + strconv.Itoa(rowPage)
	return keyset(ctx, e.d, q, func(sc db.Scanner) (int64, error) {
		var a wordpress.Author
		if err := sc.Scan(&a.ID, &a.Login, &a.Email, &a.DisplayName); err != nil {
			return 0, err
		}
		e.counts.People++
		return a.ID, e.wx.Author(&a)
	})
}

type category struct {
	id, parent int64
	slug, name string
}

// categories writes the categories, each parent before its children.
// Sites have tens of them, so they are read at once.
func (e *exporter) categories(ctx context.Context) error {
	rows, err := e.d.Query(ctx, `SELECT id, slug, name, COALESCE(parent_id, 0) FROM tags WHERE kind = 'category' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("export: categories: %w", err)
	}
	list, err := db.Collect(rows, func(sc db.Scanner) (category, error) {
		var c category
		err := sc.Scan(&c.id, &c.slug, &c.name, &c.parent)
		return c, err
	})
	if err != nil {
		return fmt.Errorf("export: categories: %w", err)
	}
	byID := make(map[int64]category, len(list))
	children := map[int64][]category{}
	for _, c := range list {
		byID[c.id] = c
	}
	var queue []category
	for _, c := range list {
		if _, ok := byID[c.parent]; ok && c.parent != c.id {
			children[c.parent] = append(children[c.parent], c)
		} else {
			queue = append(queue, c)
		}
	}
	written := map[int64]bool{}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if written[c.id] {
			continue
		}
		written[c.id] = true
		wc := wordpress.Category{ID: c.id, Slug: c.slug, Name: c.name}
		if p, ok := byID[c.parent]; ok && c.parent != c.id {
			wc.Parent = p.slug
		}
		if err := e.wx.Category(&wc); err != nil {
			return err
		}
		e.counts.Categories++
		queue = append(queue, children[c.id]...)
	}
	if len(written) != len(list) {
		// Only a loop of parents leaves some unreached; the store's
		// EnsureCategory never makes one.
		return fmt.Errorf("export: %d categories are their own ancestors", len(list)-len(written))
	}
	return nil
}

func (e *exporter) tags(ctx context.Context) error {
	q := `SELECT id, slug, name FROM tags WHERE kind = 'tag' AND id > $1 ORDER BY id LIMIT ` + strconv.Itoa(rowPage)
	return keyset(ctx, e.d, q, func(sc db.Scanner) (int64, error) {
		var t wordpress.Tag
		if err := sc.Scan(&t.ID, &t.Slug, &t.Name); err != nil {
			return 0, err
		}
		e.counts.Tags++
		return t.ID, e.wx.Tag(&t)
	})
}

// attachments writes every image of the media library as an attachment
// whose address is the largest size Byline keeps.
func (e *exporter) attachments(ctx context.Context) error {
	q := `SELECT m.id, COALESCE(u.slug, '') FROM media m LEFT JOIN users u ON u.id = m.uploaded_by
		WHERE m.variants <> '[]' AND m.id > $1 ORDER BY m.id LIMIT ` + strconv.Itoa(rowPage)
	for after := int64(0); ; {
		type row struct {
			id      int64
			creator string
		}
		rows, err := e.d.Query(ctx, q, after)
		if err != nil {
			return fmt.Errorf("export: media: %w", err)
		}
		page, err := db.Collect(rows, func(sc db.Scanner) (row, error) {
			var r row
			err := sc.Scan(&r.id, &r.creator)
			return r, err
		})
		if err != nil {
			return fmt.Errorf("export: media: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		ids := make([]int64, len(page))
		for i, r := range page {
			ids[i] = r.id
		}
		found, err := e.media.ByIDs(ctx, ids)
		if err != nil {
			return fmt.Errorf("export: media: %w", err)
		}
		for _, r := range page {
			m, ok := found[r.id]
			if !ok {
				continue // deleted since the page was read
			}
			if err := e.wx.Item(e.attachment(m, r.creator)); err != nil {
				return err
			}
			e.counts.Media++
		}
		after = page[len(page)-1].id
	}
}

func (e *exporter) attachment(m *media.Media, creator string) *wordpress.Item {
	id := e.mediaBase + m.ID
	it := &wordpress.Item{
		ID: id, Title: m.Filename, Creator: creator, Type: "attachment", Status: "inherit",
		Name:          attachmentName(m),
		Link:          e.s.BaseURL + m.Variant("large").URL(),
		GUID:          e.s.BaseURL + m.Variant("large").URL(),
		AttachmentURL: e.s.BaseURL + m.Variant("large").URL(),
		PostDate:      m.CreatedAt.In(e.s.Location), PostDateGMT: m.CreatedAt,
		PostModified: m.CreatedAt.In(e.s.Location), PostModifiedGMT: m.CreatedAt,
		CommentStatus: "closed", PingStatus: "closed",
	}
	if m.Alt != "" {
		it.Meta = append(it.Meta, wordpress.Meta{Key: "_wp_attachment_image_alt", Value: m.Alt})
	}
	return it
}

// attachmentName is WordPress's post_name of an attachment: its file name
// without the extension, unique by the media id.
func attachmentName(m *media.Media) string {
	name := m.Filename
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return strings.ToLower(strings.Join(strings.Fields(name), "-")) + "-" + strconv.FormatInt(m.ID, 10)
}

type articleRow struct {
	item       wordpress.Item
	status     string
	published  sql.NullTime
	trashed    sql.NullTime
	pinned     sql.NullTime
	closed     bool
	featured   int64
	bodyMD     string
	created    time.Time
	updated    time.Time
	authorSlug string
}

func (e *exporter) articles(ctx context.Context) error {
	var total int
	if err := e.d.QueryRow(ctx, `SELECT COUNT(*) FROM articles`).Scan(&total); err != nil {
		return fmt.Errorf("export: articles: %w", err)
	}
	q := `SELECT a.id, a.slug, a.headline, u.slug, a.status, a.published_at, a.body_md, a.body_html, a.excerpt,
		a.created_at, a.updated_at, a.comments_closed, a.trashed_at, a.pinned_at, COALESCE(a.featured_media_id, 0)
		FROM articles a JOIN users u ON u.id = a.author_id WHERE a.id > $1 ORDER BY a.id LIMIT ` + strconv.Itoa(articlePage)
	done := 0
	for after := int64(0); ; {
		rows, err := e.d.Query(ctx, q, after)
		if err != nil {
			return fmt.Errorf("export: articles: %w", err)
		}
		page, err := db.Collect(rows, func(sc db.Scanner) (*articleRow, error) {
			r := &articleRow{}
			err := sc.Scan(&r.item.ID, &r.item.Name, &r.item.Title, &r.authorSlug, &r.status, &r.published, &r.bodyMD,
				&r.item.Content, &r.item.Excerpt, &r.created, &r.updated, &r.closed, &r.trashed, &r.pinned, &r.featured)
			return r, err
		})
		if err != nil {
			return fmt.Errorf("export: articles: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		if err := e.articleTerms(ctx, page); err != nil {
			return err
		}
		for _, r := range page {
			it, err := e.article(r)
			if err != nil {
				return err
			}
			if it.Comments, err = e.comments(ctx, r.item.ID); err != nil {
				return err
			}
			if err := e.wx.Item(it); err != nil {
				return err
			}
			e.counts.Articles++
			e.counts.Comments += len(it.Comments)
			done++
			if e.progress != nil {
				e.progress(done, max(total, done))
			}
		}
		after = page[len(page)-1].item.ID
	}
}

// articleStatus is WordPress's post_status for a Byline status.
var articleStatus = map[string]string{"published": "publish", "scheduled": "future", "draft": "draft", "pending": "pending"}

func (e *exporter) article(r *articleRow) (*wordpress.Item, error) {
	it := &r.item
	status, ok := articleStatus[r.status]
	if !ok {
		return nil, fmt.Errorf("export: article %d has an unknown status %q", it.ID, r.status)
	}
	it.Type, it.Creator, it.PingStatus = "post", r.authorSlug, "closed"
	it.GUID = e.s.BaseURL + "/?p=" + strconv.FormatInt(it.ID, 10)
	it.Link = it.GUID
	if r.published.Valid {
		it.Link = e.s.BaseURL + links.Article(r.published.Time, it.Name, e.s.Location)
	}
	it.Status = status
	if r.trashed.Valid {
		// WordPress keeps the status a post had before the trash in these
		// metas, and restores it from them.
		it.Status = "trash"
		it.Meta = append(it.Meta,
			wordpress.Meta{Key: "_wp_trash_meta_status", Value: status},
			wordpress.Meta{Key: "_wp_trash_meta_time", Value: strconv.FormatInt(r.trashed.Time.Unix(), 10)})
	}
	e.dates(it, r.published, r.created, r.updated)
	it.CommentStatus = "open"
	if r.closed {
		it.CommentStatus = "closed"
	}
	it.Sticky = r.pinned.Valid
	if r.featured != 0 {
		it.Meta = append(it.Meta, wordpress.Meta{Key: "_thumbnail_id", Value: strconv.FormatInt(e.mediaBase+r.featured, 10)})
	}
	it.Meta = append(it.Meta, wordpress.Meta{Key: MarkdownKey, Value: r.bodyMD})
	return it, nil
}

// dates sets an item's dates as WordPress writes them: post_date in the
// site's zone, post_date_gmt in UTC. An undated draft has its creation as
// post_date and no post_date_gmt, which is how WordPress tells a draft
// whose date is still to be set.
func (e *exporter) dates(it *wordpress.Item, published sql.NullTime, created, updated time.Time) {
	if published.Valid {
		it.PostDate, it.PostDateGMT = published.Time.In(e.s.Location), published.Time.UTC()
		it.PubDate = published.Time.UTC().Format(time.RFC1123Z)
	} else {
		it.PostDate = created.In(e.s.Location)
	}
	it.PostModified, it.PostModifiedGMT = updated.In(e.s.Location), updated.UTC()
}

// articleTerms loads the categories and tags of a page of articles, in
// the order and spelling their writer gave (the first is the kicker),
// with one query over the page's id range.
func (e *exporter) articleTerms(ctx context.Context, page []*articleRow) error {
	byID := make(map[int64]*articleRow, len(page))
	for _, r := range page {
		byID[r.item.ID] = r
	}
	rows, err := e.d.Query(ctx, `SELECT at.article_id, t.kind, t.slug, CASE WHEN at.name <> '' THEN at.name ELSE t.name END FROM article_tags at JOIN tags t ON t.id = at.tag_id
		WHERE at.article_id >= $1 AND at.article_id <= $2 ORDER BY at.article_id, at.position, t.id`,
		page[0].item.ID, page[len(page)-1].item.ID)
	if err != nil {
		return fmt.Errorf("export: tags of articles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var kind string
		var t wordpress.ItemTerm
		if err := rows.Scan(&id, &kind, &t.Nicename, &t.Name); err != nil {
			return fmt.Errorf("export: tags of articles: %w", err)
		}
		t.Domain = "post_tag"
		if kind == "category" {
			t.Domain = "category"
		}
		if r, ok := byID[id]; ok {
			r.item.Terms = append(r.item.Terms, t)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export: tags of articles: %w", err)
	}
	return nil
}

// commentApproved is WordPress's comment_approved for a Byline status.
var commentApproved = map[string]string{"visible": "1", "pending": "0", "spam": "spam", "trash": "trash"}

// comments reads an article's comments in id order, which puts every
// parent before its replies (a reply is written after its parent).
func (e *exporter) comments(ctx context.Context, articleID int64) ([]wordpress.Comment, error) {
	q := `SELECT c.id, COALESCE(c.parent_id, 0), COALESCE(c.author_id, 0), COALESCE(u.display_name, ''), COALESCE(u.email, ''),
		c.guest_name, c.guest_email, c.guest_url, c.ip, c.created_at, c.body_md, c.body_html, c.status, c.deleted_at
		FROM comments c LEFT JOIN users u ON u.id = c.author_id
		WHERE c.article_id = $1 AND c.id > $2 ORDER BY c.id LIMIT ` + strconv.Itoa(commentPage)
	var out []wordpress.Comment
	for after := int64(0); ; {
		rows, err := e.d.Query(ctx, q, articleID, after)
		if err != nil {
			return nil, fmt.Errorf("export: comments of article %d: %w", articleID, err)
		}
		page, err := db.Collect(rows, func(sc db.Scanner) (wordpress.Comment, error) {
			var c wordpress.Comment
			var name, email, gName, gEmail, gURL, md, status string
			var at time.Time
			var deleted sql.NullTime
			if err := sc.Scan(&c.ID, &c.Parent, &c.UserID, &name, &email, &gName, &gEmail, &gURL, &c.AuthorIP, &at,
				&md, &c.Content, &status, &deleted); err != nil {
				return c, err
			}
			if c.UserID != 0 {
				c.Author, c.AuthorEmail = name, email
			} else {
				c.Author, c.AuthorEmail, c.AuthorURL = gName, gEmail, gURL
			}
			c.Date, c.DateGMT = at.In(e.s.Location), at.UTC()
			c.Type = "comment"
			var ok bool
			if c.Approved, ok = commentApproved[status]; !ok {
				return c, fmt.Errorf("comment %d has an unknown status %q", c.ID, status)
			}
			if deleted.Valid {
				c.Approved = "trash"
			}
			c.Meta = []wordpress.Meta{{Key: MarkdownKey, Value: md}}
			return c, nil
		})
		if err != nil {
			return nil, fmt.Errorf("export: comments of article %d: %w", articleID, err)
		}
		out = append(out, page...)
		if len(page) < commentPage {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// pageStatus is WordPress's post_status for a page's status.
var pageStatus = map[string]string{"published": "publish", "draft": "draft"}

func (e *exporter) pages(ctx context.Context) error {
	q := `SELECT p.id, p.slug, p.title, u.slug, p.status, p.published_at, p.body_md, p.body_html, p.position, p.created_at, p.updated_at
		FROM pages p JOIN users u ON u.id = p.author_id WHERE p.id > $1 ORDER BY p.id LIMIT ` + strconv.Itoa(rowPage)
	return keyset(ctx, e.d, q, func(sc db.Scanner) (int64, error) {
		var it wordpress.Item
		var id int64
		var status, md string
		var published sql.NullTime
		var created, updated time.Time
		if err := sc.Scan(&id, &it.Name, &it.Title, &it.Creator, &status, &published, &md, &it.Content, &it.MenuOrder, &created, &updated); err != nil {
			return 0, err
		}
		var ok bool
		if it.Status, ok = pageStatus[status]; !ok {
			return 0, fmt.Errorf("page %d has an unknown status %q", id, status)
		}
		it.ID, it.Type = e.pageBase+id, "page"
		it.GUID = e.s.BaseURL + "/?page_id=" + strconv.FormatInt(it.ID, 10)
		it.Link = e.s.BaseURL + "/" + it.Name + "/"
		it.CommentStatus, it.PingStatus = "closed", "closed"
		e.dates(&it, published, created, updated)
		it.Meta = []wordpress.Meta{{Key: MarkdownKey, Value: md}}
		e.counts.Pages++
		return id, e.wx.Item(&it)
	})
}

// keyset runs q (whose $1 is the last id of the previous page) page after
// page until one comes back empty, handing each row to row, which returns
// the row's id.
func keyset(ctx context.Context, d *db.DB, q string, row func(db.Scanner) (int64, error)) error {
	for after := int64(0); ; {
		rows, err := d.Query(ctx, q, after)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		n := 0
		var last int64
		var firstErr error
		for rows.Next() {
			id, err := row(rows)
			if err != nil {
				firstErr = err
				break
			}
			last, n = id, n+1
		}
		closeErr := rows.Close()
		if err := errors.Join(firstErr, rows.Err(), closeErr); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if n == 0 {
			return nil
		}
		after = last
	}
}
