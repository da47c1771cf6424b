package site

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/links"
	"byline/internal/markdown"
	"byline/internal/media"
	"byline/internal/redirect"
	"byline/internal/web/core"
)

// listData is a page of articles with its heading and paging links.
type listData struct {
	Heading  string
	Intro    string
	Kind     string // "home", "tag", "category", "author", "archive"
	Person   *account.Person
	Articles []article.Article
	Older    string // link to the next (older) page, or ""
	Newest   string // link back to the first page when not on it
	FeedURL  string
	// Crumbs are a category's parents, top first (its breadcrumb).
	Crumbs []core.NavItem
	// Research leads a make's tag page to its New Car Research pages.
	Research *core.NavItem
	// Comments are a person's newest comments, on their public page.
	Comments []commentLink
	Pictures map[int64]*media.Media // the articles' featured images, by media id
}

// Second are the two articles the home page shows as cards under the lead.
func (d listData) Second() []article.Article {
	if len(d.Articles) < 3 {
		return nil
	}
	return d.Articles[1:3]
}

// Rest are the home page's articles after the lead and the cards.
func (d listData) Rest() []article.Article {
	if len(d.Articles) < 3 {
		return d.Articles[min(1, len(d.Articles)):]
	}
	return d.Articles[3:]
}

// commentLink is a comment listed away from its discussion.
type commentLink struct {
	comment.Recent
	ArticleURL, When string
}

// pageSize is how many articles a list page shows.
const pageSize = 10

// cursorParam reads ?before=, the keyset cursor of list pages.
func cursorParam(r *http.Request) (*article.Cursor, error) {
	v := r.URL.Query().Get("before")
	if v == "" {
		return nil, nil
	}
	c, err := article.ParseCursor(v)
	if err != nil {
		return nil, core.BadRequest{Msg: "The page address has a malformed “before” parameter."}
	}
	return &c, nil
}

// listPage runs q and renders it as a list page.
func (s *Server) listPage(w http.ResponseWriter, r *http.Request, q article.ListQuery, p *core.Page, d listData) error {
	cur, err := cursorParam(r)
	if err != nil {
		return err
	}
	q.Before, q.Limit, q.WithTags = cur, pageSize, true
	res, err := s.Articles.List(r.Context(), q)
	if err != nil {
		return err
	}
	if cur != nil && len(res.Articles) == 0 {
		return apperr.ErrNotFound
	}
	d.Articles = res.Articles
	if d.Kind == "home" && cur == nil {
		if d.Articles, err = s.pinnedFirst(r, d.Articles); err != nil {
			return err
		}
	}
	if d.Pictures, err = s.pictures(r.Context(), d.Articles); err != nil {
		return err
	}
	if res.Next != nil {
		d.Older = r.URL.Path + "?before=" + url.QueryEscape(res.Next.String())
	}
	if cur != nil {
		d.Newest = r.URL.Path
		p.NoIndex = true // only the first page of a list is indexed
	}
	p.Data = d
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	s.Fill(w, r, p)
	return s.Render(w, http.StatusOK, pageTemplate(d.Kind), p)
}

// maxPinned is how many pinned articles lead the home page.
const maxPinned = 5

// pinnedFirst puts the pinned articles at the head of the home page's
// first page, the most recently pinned as its lead story, each shown once.
func (s *Server) pinnedFirst(r *http.Request, latest []article.Article) ([]article.Article, error) {
	pinned, err := s.Articles.Pinned(r.Context(), maxPinned)
	if err != nil || len(pinned) == 0 {
		return latest, err
	}
	out := append(make([]article.Article, 0, len(pinned)+len(latest)), pinned...)
	for _, a := range latest {
		if !slices.ContainsFunc(pinned, func(p article.Article) bool { return p.ID == a.ID }) {
			out = append(out, a)
		}
	}
	return out, nil
}

func pageTemplate(kind string) string {
	if kind == "home" {
		return "home"
	}
	return "list"
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	if redirect.Routed(r.URL.RawQuery) {
		// WordPress's addresses on the home page (/?p=123, /?feed=rss2):
		// an old address, answered by the redirects or the 404 page.
		return apperr.ErrNotFound
	}
	st := s.Site(r)
	p := &core.Page{Title: st.Name}
	return s.listPage(w, r, article.ListQuery{}, p, listData{Kind: "home", Heading: "Latest news"})
}

func (s *Server) article(w http.ResponseWriter, r *http.Request) error {
	y, m, d, ok := dateParts(r)
	if !ok || d == 0 {
		return apperr.ErrNotFound
	}
	slug := r.PathValue("slug")
	a, err := s.articles.Get(s.Server, slug, func() (article.Article, error) { return s.Articles.Public(r.Context(), slug) })
	if err != nil {
		return err
	}
	canonical := links.Article(a.PublishedAt, a.Slug, s.Location)
	if t := a.PublishedAt.In(s.Location); t.Year() != y || int(t.Month()) != m || t.Day() != d {
		// The right slug under the wrong date: send readers to the real address.
		http.Redirect(w, r, canonical, http.StatusMovedPermanently)
		return nil
	}
	if metaOf(r) == nil {
		s.countView(r, a.ID) // a render for the cache is counted where the cache serves it
	}
	return s.articlePage(w, r, a, nil, http.StatusOK)
}

// articlePage renders an article with its discussion; f carries a comment
// form that needs another try.
func (s *Server) articlePage(w http.ResponseWriter, r *http.Request, a article.Article, f *core.Form, status int) error {
	st := s.Site(r)
	canonical := links.Article(a.PublishedAt, a.Slug, s.Location)
	abs := st.BaseURL + canonical
	n := 1
	if v := r.URL.Query().Get("cpage"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return core.BadRequest{Msg: "The comment page number is malformed."}
		}
	}
	dependsOnArticle(r, a.ID)
	tv, err := s.thread(w, r, a, n, 0)
	if err != nil {
		return err
	}
	if f == nil { // what the reader wrote before signing in, back in the box
		body, err := s.heldDraft(w, r, a.ID, 0)
		if err != nil {
			return err
		}
		f = draftForm(body)
	}
	var tags []string
	for _, t := range a.Tags {
		tags = append(tags, t.Name)
	}
	featured := s.featured(r, a)
	p := &core.Page{
		Title: a.Headline, Description: a.Excerpt, Canonical: abs, Form: f,
		OG: &core.OpenGraph{Type: "article", Title: a.Headline, Description: a.Excerpt, URL: abs,
			Published: a.PublishedAt, Modified: a.UpdatedAt, AuthorURL: st.BaseURL + links.Author(a.Author.Slug), Tags: tags,
			Image: core.OgImage(st.BaseURL, featured)},
		JSONLD: map[string]any{
			"@context": "https://schema.org", "@type": "NewsArticle", "headline": a.Headline,
			"datePublished": a.PublishedAt.UTC().Format(time.RFC3339), "dateModified": a.UpdatedAt.UTC().Format(time.RFC3339),
			"author":           map[string]string{"@type": "Person", "name": a.Author.Name, "url": st.BaseURL + links.Author(a.Author.Slug)},
			"publisher":        map[string]string{"@type": "Organization", "name": st.Name},
			"mainEntityOfPage": abs, "description": a.Excerpt, "commentCount": a.CommentCount,
		},
		Feeds: []core.FeedLink{{Type: "rss", Title: "Comments on " + a.Headline, Href: st.BaseURL + canonical + "feed/"}},
		Data:  articleData{Article: a, Thread: tv, Featured: featured},
	}
	if img := p.OG.Image; img != nil {
		p.JSONLD.(map[string]any)["image"] = img.URL
	}
	if n > 1 {
		p.Canonical = abs + "?cpage=" + strconv.Itoa(n)
	}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	s.Fill(w, r, p)
	return s.RenderWith(w, status, p, func(b *bytes.Buffer) { s.writeArticle(b, p, p.Data.(articleData)) })
}

type articleData struct {
	article.Article
	Thread   threadView
	Featured *media.Media // the image above the article, if any
}

// pictures loads the featured images of a list of articles (one query).
func (s *Server) pictures(ctx context.Context, list []article.Article) (map[int64]*media.Media, error) {
	if s.Media == nil {
		return nil, nil
	}
	ids := make([]int64, 0, len(list))
	for _, a := range list {
		ids = append(ids, a.FeaturedMediaID)
	}
	return s.Media.ByIDs(ctx, ids)
}

// featured loads an article's featured image, if it has one.
func (s *Server) featured(r *http.Request, a article.Article) *media.Media {
	if a.FeaturedMediaID == 0 || s.Media == nil {
		return nil
	}
	m, err := s.featuredPics.Get(s.Server, a.FeaturedMediaID, func() (*media.Media, error) {
		m, err := s.Media.ByID(r.Context(), a.FeaturedMediaID)
		return &m, err
	})
	if err != nil {
		return nil // deleted since: the article shows without it
	}
	return m
}

// commentHeading is the thread's title, as on the reference page:
// 4 Comments on “Headline…” (the headline cut when long).
func commentHeading(n int, headline string) string {
	word := "Comments"
	if n == 1 {
		word = "Comment"
	}
	return fmt.Sprintf("%d %s on “%s”", n, word, markdown.Cut(headline, 50))
}

// dateParts reads {year}, {month} and {day} from the path; month and day
// are 0 when the route has none. Anything but a real date is not ok.
func dateParts(r *http.Request) (y, m, d int, ok bool) {
	num := func(name string, digits, lo, hi int) (int, bool) {
		v := r.PathValue(name)
		if v == "" {
			return 0, true
		}
		if len(v) != digits {
			return 0, false
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			return 0, false
		}
		return n, true
	}
	var ok1, ok2, ok3 bool
	y, ok1 = num("year", 4, 1970, 9999)
	m, ok2 = num("month", 2, 1, 12)
	d, ok3 = num("day", 2, 1, 31)
	if !ok1 || !ok2 || !ok3 || (r.PathValue("month") == "" && r.PathValue("day") != "") {
		return 0, 0, 0, false
	}
	if d > 0 && time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Day() != d {
		return 0, 0, 0, false // April 31st
	}
	return y, m, d, true
}

func (s *Server) archive(w http.ResponseWriter, r *http.Request) error {
	y, m, d, ok := dateParts(r)
	if !ok {
		return apperr.ErrNotFound
	}
	var from, to time.Time
	var heading string
	switch {
	case d > 0:
		from = time.Date(y, time.Month(m), d, 0, 0, 0, 0, s.Location)
		to = from.AddDate(0, 0, 1)
		heading = from.Format("January 2, 2006")
	case m > 0:
		from = time.Date(y, time.Month(m), 1, 0, 0, 0, 0, s.Location)
		to = from.AddDate(0, 1, 0)
		heading = from.Format("January 2006")
	default:
		from = time.Date(y, 1, 1, 0, 0, 0, 0, s.Location)
		to = from.AddDate(1, 0, 0)
		heading = from.Format("2006")
	}
	p := &core.Page{Title: "Archive: " + heading}
	err := s.listPage(w, r, article.ListQuery{From: from, To: to}, p, listData{Kind: "archive", Heading: "Archive: " + heading,
		Intro: "Articles published in " + heading + "."})
	return err
}

func (s *Server) tag(w http.ResponseWriter, r *http.Request) error {
	st := s.Site(r)
	t, err := s.Articles.TagBySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	if t.IsCategory() {
		path, err := s.Articles.CategoryPath(r.Context(), t.ID)
		if err != nil {
			return err
		}
		return s.categoryPage(w, r, path)
	}
	label := core.TagLabel(t.Name)
	feed := links.Tag(t.Slug) + "feed/"
	p := &core.Page{Title: label, Description: "Articles tagged " + label + ".",
		Feeds: []core.FeedLink{{Type: "rss", Title: label + " – RSS", Href: st.BaseURL + feed}, {Type: "atom", Title: label + " – Atom", Href: st.BaseURL + feed + "atom/"}}}
	d := listData{Kind: "tag", Heading: label, FeedURL: feed, Intro: "Articles tagged “" + label + "”."}
	// A make's tag leads to its New Car Research pages.
	if s.Cars != nil {
		cat, err := s.Cars.Catalogue(r.Context())
		if err != nil {
			return err
		}
		if m, ok := cat.Make(t.Slug); ok {
			d.Research = &core.NavItem{Label: m.Name, Href: "/cars/" + m.Slug + "/"}
		}
	}
	return s.listPage(w, r, article.ListQuery{TagID: t.ID}, p, d)
}

func (s *Server) author(w http.ResponseWriter, r *http.Request) error {
	st := s.Site(r)
	person, err := s.People.BySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	feed := links.Author(person.Slug) + "feed/"
	desc := person.Bio
	if desc == "" {
		desc = "Articles by " + person.DisplayName + "."
	}
	p := &core.Page{Title: person.DisplayName, Description: desc,
		Feeds: []core.FeedLink{{Type: "rss", Title: person.DisplayName + " – RSS", Href: st.BaseURL + feed}, {Type: "atom", Title: person.DisplayName + " – Atom", Href: st.BaseURL + feed + "atom/"}}}
	var recent []comment.Recent
	if person.Deleted() {
		// A deleted account's comments stay in their threads but are not
		// gathered here into a profile of them.
		p.NoIndex = true
	} else if recent, err = s.Comments.ByAuthor(r.Context(), person.ID, 20); err != nil {
		return err
	}
	d := listData{Kind: "author", Heading: person.DisplayName, Person: &person, FeedURL: feed}
	now := time.Now()
	for _, c := range recent {
		d.Comments = append(d.Comments, commentLink{Recent: c, ArticleURL: links.Article(c.ArticlePublished, c.ArticleSlug, s.Location), When: s.when(c.CreatedAt, now)})
	}
	return s.listPage(w, r, article.ListQuery{AuthorID: person.ID}, p, d)
}

type searchData struct {
	article.SearchPage
	Prev, Next string
	Pictures   map[int64]*media.Media
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	pageNo := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return core.BadRequest{Msg: "The “page” parameter must be a page number."}
		}
		pageNo = n
	}
	res, err := s.Articles.Search(r.Context(), q, pageNo)
	if err != nil {
		return err
	}
	d := searchData{SearchPage: res}
	hits := make([]article.Article, len(res.Hits))
	for i, h := range res.Hits {
		hits[i] = h.Article
	}
	if d.Pictures, err = s.pictures(r.Context(), hits); err != nil {
		return err
	}
	link := func(n int) string { return links.Search(res.Query) + "&page=" + strconv.Itoa(n) }
	if res.HasNext {
		d.Next = link(res.Page + 1)
	}
	if res.Page > 1 {
		d.Prev = link(res.Page - 1)
	}
	title := "Search"
	if res.Query != "" {
		title = "Search results for “" + res.Query + "”"
	}
	p := &core.Page{Title: title, Query: res.Query, NoIndex: true, Data: d}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	s.Fill(w, r, p)
	return s.Render(w, http.StatusOK, "search", p)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.DB.Ping(r.Context()); err != nil {
		s.Logger.Warn("not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unreachable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// yearOrPage answers /{segment}/: a year's archive when the segment is
// all digits, else the page with that address. (ServeMux cannot tell the
// two patterns apart, so one route serves both.)
func (s *Server) yearOrPage(w http.ResponseWriter, r *http.Request) error {
	seg := r.PathValue("year")
	if strings.Trim(seg, "0123456789") == "" {
		return s.archive(w, r)
	}
	if !article.PageSlugFree(seg) {
		return apperr.ErrNotFound
	}
	pg, err := s.Articles.PublicPage(r.Context(), seg)
	if err != nil {
		return err
	}
	st := s.Site(r)
	p := &core.Page{Title: pg.Title, Canonical: st.BaseURL + "/" + pg.Slug + "/", Data: pg}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	s.Fill(w, r, p)
	return s.Render(w, http.StatusOK, "page", p)
}

// ArticlePreview draws a as its page will show it, for the newsroom's
// preview (which sets its own headers).
func (s *Server) ArticlePreview(w http.ResponseWriter, r *http.Request, a article.Article) error {
	p := &core.Page{Title: "Preview: " + a.Headline, NoIndex: true, Data: articleData{Article: a, Featured: s.featured(r, a)}}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	s.Fill(w, r, p)
	return s.Render(w, http.StatusOK, "preview", p)
}

// NoteReturn tells the page cache where the page's sign-in links return
// to (core's Fill calls it).
func (s *Server) NoteReturn(r *http.Request, p *core.Page) {
	if m := metaOf(r); m != nil {
		m.returnTo = p.ReturnTo
	}
}

// Funcs are the template functions of the public pages' own parts, added
// to the shared ones (core.Server.Funcs).
func (s *Server) Funcs() template.FuncMap {
	return template.FuncMap{
		"avatarURL": avatarURL,
		"comments":  commentsHTML,
		"when":      func(t time.Time) string { return s.when(t, time.Now()) },
		// The parts written in Go, for the templates of the same names.
		"storyHTML":     func(d articleData) template.HTML { return htmlOf(func(b *bytes.Buffer) { s.writeStory(b, d) }) },
		"signedOutHTML": func(v signedOutBox) template.HTML { return htmlOf(func(b *bytes.Buffer) { writeSignedOut(b, v) }) },
		"signinWaysHTML": func(p *core.Page) template.HTML {
			return htmlOf(func(b *bytes.Buffer) { writeSigninWays(b, p.ReturnTo, p.Form, providersOf(p)) })
		},
		"signinPasskeyHTML": func(p *core.Page) template.HTML {
			return htmlOf(func(b *bytes.Buffer) { writeSigninPasskey(b, p.ReturnTo) })
		},
		"signinLinkHTML": func(p *core.Page) template.HTML {
			return htmlOf(func(b *bytes.Buffer) { writeSigninLink(b, p.ReturnTo, p.Form) })
		},
		"signinProvidersHTML": func(p *core.Page) template.HTML {
			return htmlOf(func(b *bytes.Buffer) { writeSigninProviders(b, p.ReturnTo, providersOf(p)) })
		},
	}
}

// respondView is the "Leave a Reply" box, also redrawn per reader.
type respondView struct {
	threadView
	Form           *core.Form
	CommentsClosed bool
}
