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
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"byline/internal/article"
	"byline/internal/comment"
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
	e := &exporter{s: s, wx: wordpress.NewWriter(w), articles: article.NewStore(d), comments: comment.NewStore(d), media: media.NewStore(d, nil), progress: progress}
	if err := e.run(ctx); err != nil {
		return e.counts, err
	}
	return e.counts, nil
}

type exporter struct {
	s        Site
	wx       *wordpress.Writer
	articles *article.Store
	comments *comment.Store
	media    *media.Store
	progress func(done, total int)
	counts   Counts

	pageBase, mediaBase int64 // added to page and media ids to make post ids
}

func (e *exporter) run(ctx context.Context) error {
	maxArticle, maxPage, err := e.articles.MaxIDs(ctx)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	e.pageBase, e.mediaBase = maxArticle, maxArticle+maxPage
	err = e.wx.Site(&wordpress.Site{
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
	for _, step := range []func(context.Context) error{e.authors, e.categories, e.tags, e.attachments, e.allArticles, e.pages} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return e.wx.Close()
}

// authors writes everyone who wrote an article or a page.
func (e *exporter) authors(ctx context.Context) error {
	return keyset(ctx, func(after int64) ([]article.Writer, error) { return e.articles.Writers(ctx, after, rowPage) },
		func(w article.Writer) (int64, error) {
			e.counts.People++
			return w.ID, e.wx.Author(&wordpress.Author{ID: w.ID, Login: w.Slug, Email: w.Email, DisplayName: w.DisplayName})
		})
}

type category struct {
	id, parent int64
	slug, name string
}

// categories writes the categories, each parent before its children.
// Sites have tens of them, so they are read at once.
func (e *exporter) categories(ctx context.Context) error {
	all, err := e.articles.AllCategories(ctx)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	list := make([]category, len(all))
	for i, t := range all {
		list[i] = category{id: t.ID, parent: t.ParentID, slug: t.Slug, name: t.Name}
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
	return keyset(ctx, func(after int64) ([]article.Tag, error) { return e.articles.TagsAfter(ctx, after, rowPage) },
		func(t article.Tag) (int64, error) {
			e.counts.Tags++
			return t.ID, e.wx.Tag(&wordpress.Tag{ID: t.ID, Slug: t.Slug, Name: t.Name})
		})
}

// attachments writes every image of the media library as an attachment
// whose address is the largest size Byline keeps.
func (e *exporter) attachments(ctx context.Context) error {
	for after := int64(0); ; {
		page, err := e.media.Uploads(ctx, after, rowPage)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		ids := make([]int64, len(page))
		for i, u := range page {
			ids[i] = u.ID
		}
		found, err := e.media.ByIDs(ctx, ids)
		if err != nil {
			return fmt.Errorf("export: media: %w", err)
		}
		for _, u := range page {
			m, ok := found[u.ID]
			if !ok {
				continue // deleted since the page was read
			}
			if err := e.wx.Item(e.attachment(m, u.UploaderSlug)); err != nil {
				return err
			}
			e.counts.Media++
		}
		after = page[len(page)-1].ID
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

func (e *exporter) allArticles(ctx context.Context) error {
	total, err := e.articles.CountAll(ctx)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	done := 0
	for after := int64(0); ; {
		page, err := e.articles.WholeArticles(ctx, after, articlePage)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, a := range page {
			it, err := e.article(a)
			if err != nil {
				return err
			}
			if it.Comments, err = e.articleComments(ctx, a.ID); err != nil {
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
		after = page[len(page)-1].ID
	}
}

// articleStatus is WordPress's post_status for a Byline status.
var articleStatus = map[string]string{"published": "publish", "scheduled": "future", "draft": "draft", "pending": "pending"}

func (e *exporter) article(a *article.Whole) (*wordpress.Item, error) {
	status, ok := articleStatus[string(a.Status)]
	if !ok {
		return nil, fmt.Errorf("export: article %d has an unknown status %q", a.ID, a.Status)
	}
	it := &wordpress.Item{ID: a.ID, Name: a.Slug, Title: a.Headline, Content: a.BodyHTML, Excerpt: a.Excerpt,
		Type: "post", Creator: a.AuthorSlug, PingStatus: "closed"}
	it.GUID = e.s.BaseURL + "/?p=" + strconv.FormatInt(it.ID, 10)
	it.Link = it.GUID
	if a.PublishedAt.Valid {
		it.Link = e.s.BaseURL + links.Article(a.PublishedAt.Time, it.Name, e.s.Location)
	}
	it.Status = status
	if a.TrashedAt.Valid {
		// WordPress keeps the status a post had before the trash in these
		// metas, and restores it from them.
		it.Status = "trash"
		it.Meta = append(it.Meta,
			wordpress.Meta{Key: "_wp_trash_meta_status", Value: status},
			wordpress.Meta{Key: "_wp_trash_meta_time", Value: strconv.FormatInt(a.TrashedAt.Time.Unix(), 10)})
	}
	e.dates(it, a.PublishedAt, a.CreatedAt, a.UpdatedAt)
	it.CommentStatus = "open"
	if a.CommentsClosed {
		it.CommentStatus = "closed"
	}
	it.Sticky = a.PinnedAt.Valid
	if a.FeaturedMediaID != 0 {
		it.Meta = append(it.Meta, wordpress.Meta{Key: "_thumbnail_id", Value: strconv.FormatInt(e.mediaBase+a.FeaturedMediaID, 10)})
	}
	it.Meta = append(it.Meta, wordpress.Meta{Key: MarkdownKey, Value: a.BodyMD})
	for _, t := range a.Terms {
		domain := "post_tag"
		if t.Category {
			domain = "category"
		}
		it.Terms = append(it.Terms, wordpress.ItemTerm{Domain: domain, Nicename: t.Slug, Name: t.Name})
	}
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

// commentApproved is WordPress's comment_approved for a Byline status.
var commentApproved = map[string]string{"visible": "1", "pending": "0", "spam": "spam", "trash": "trash"}

// articleComments reads an article's comments in id order, which puts
// every parent before its replies (a reply is written after its parent).
func (e *exporter) articleComments(ctx context.Context, articleID int64) ([]wordpress.Comment, error) {
	var out []wordpress.Comment
	for after := int64(0); ; {
		page, err := e.comments.WholeOf(ctx, articleID, after, commentPage)
		if err != nil {
			return nil, fmt.Errorf("export: comments of article %d: %w", articleID, err)
		}
		for _, w := range page {
			c := wordpress.Comment{ID: w.ID, Parent: w.ParentID, UserID: w.AuthorID, AuthorIP: w.IP, Content: w.BodyHTML, Type: "comment"}
			if c.UserID != 0 {
				c.Author, c.AuthorEmail = w.AuthorName, w.AuthorEmail
			} else {
				c.Author, c.AuthorEmail, c.AuthorURL = w.GuestName, w.GuestEmail, w.GuestURL
			}
			c.Date, c.DateGMT = w.CreatedAt.In(e.s.Location), w.CreatedAt.UTC()
			var ok bool
			if c.Approved, ok = commentApproved[string(w.Status)]; !ok {
				return nil, fmt.Errorf("export: comment %d has an unknown status %q", c.ID, w.Status)
			}
			if w.Deleted {
				c.Approved = "trash"
			}
			c.Meta = []wordpress.Meta{{Key: MarkdownKey, Value: w.BodyMD}}
			out = append(out, c)
		}
		if len(page) < commentPage {
			return out, nil
		}
		after = page[len(page)-1].ID
	}
}

// pageStatus is WordPress's post_status for a page's status.
var pageStatus = map[string]string{"published": "publish", "draft": "draft"}

func (e *exporter) pages(ctx context.Context) error {
	return keyset(ctx, func(after int64) ([]article.WholePage, error) { return e.articles.WholePages(ctx, after, rowPage) },
		func(p article.WholePage) (int64, error) {
			status, ok := pageStatus[string(p.Status)]
			if !ok {
				return 0, fmt.Errorf("page %d has an unknown status %q", p.ID, p.Status)
			}
			it := wordpress.Item{ID: e.pageBase + p.ID, Type: "page", Name: p.Slug, Title: p.Title, Creator: p.AuthorSlug,
				Status: status, Content: p.BodyHTML, MenuOrder: p.Position}
			it.GUID = e.s.BaseURL + "/?page_id=" + strconv.FormatInt(it.ID, 10)
			it.Link = e.s.BaseURL + "/" + it.Name + "/"
			it.CommentStatus, it.PingStatus = "closed", "closed"
			e.dates(&it, p.PublishedAt, p.CreatedAt, p.UpdatedAt)
			it.Meta = []wordpress.Meta{{Key: MarkdownKey, Value: p.BodyMD}}
			e.counts.Pages++
			return p.ID, e.wx.Item(&it)
		})
}

// keyset reads page after page with read (given the last id of the
// previous page) until one comes back empty, handing each row to write,
// which returns the row's id.
func keyset[T any](ctx context.Context, read func(after int64) ([]T, error), write func(T) (int64, error)) error {
	for after := int64(0); ; {
		page, err := read(after)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if len(page) == 0 {
			return nil
		}
		for _, row := range page {
			id, err := write(row)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			after = id
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
