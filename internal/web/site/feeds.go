package site

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"

	"byline/internal/article"
	"byline/internal/feed"
	"byline/internal/links"
	"byline/internal/web/core"
)

type feedFormat int

const (
	rssFormat feedFormat = iota
	atomFormat
)

// feedSize is how many articles a feed carries.
const feedSize = 20

func (s *Server) siteFeed(f feedFormat) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		st := s.Site(r)
		return s.writeFeed(w, r, f, article.ListQuery{}, st.Name, st.Tagline, "/")
	}
}

func (s *Server) tagFeed(f feedFormat) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		st := s.Site(r)
		t, err := s.Articles.TagBySlug(r.Context(), r.PathValue("slug"))
		if err != nil {
			return err
		}
		return s.writeFeed(w, r, f, article.ListQuery{TagID: t.ID}, core.TagLabel(t.Name)+" – "+st.Name,
			"Articles tagged "+core.TagLabel(t.Name), links.Tag(t.Slug))
	}
}

func (s *Server) authorFeed(f feedFormat) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		st := s.Site(r)
		p, err := s.People.BySlug(r.Context(), r.PathValue("slug"))
		if err != nil {
			return err
		}
		return s.writeFeed(w, r, f, article.ListQuery{AuthorID: p.ID}, p.DisplayName+" – "+st.Name,
			"Articles by "+p.DisplayName, links.Author(p.Slug))
	}
}

func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, f feedFormat, q article.ListQuery, title, subtitle, htmlPath string) error {
	st := s.Site(r)
	q.Limit, q.WithBody, q.WithTags = feedSize, true, true
	res, err := s.Articles.List(r.Context(), q)
	if err != nil {
		return err
	}
	fd := feed.Feed{Title: title, Subtitle: subtitle, Link: st.BaseURL + htmlPath, Self: st.BaseURL + r.URL.Path, Language: "en"}
	for _, a := range res.Articles {
		link := st.BaseURL + links.Article(a.PublishedAt, a.Slug, s.Location)
		updated := a.UpdatedAt // its last public change; never before it came out
		if updated.Before(a.PublishedAt) {
			updated = a.PublishedAt
		}
		it := feed.Item{Title: a.Headline, Link: link, ID: link, Published: a.PublishedAt, Updated: updated,
			Author: a.Author.Name, AuthorURL: st.BaseURL + links.Author(a.Author.Slug), Summary: a.Excerpt, Content: a.BodyHTML}
		for _, t := range a.Tags {
			it.Categories = append(it.Categories, t.Name)
		}
		if updated.After(fd.Updated) {
			fd.Updated = updated // the feed changed when its newest item did
		}
		fd.Items = append(fd.Items, it)
	}
	return writeFeedDoc(w, f, fd)
}

// writeFeedDoc writes fd in the asked format.
func writeFeedDoc(w http.ResponseWriter, f feedFormat, fd feed.Feed) error {
	var buf bytes.Buffer
	var err error
	ctype := "application/rss+xml; charset=utf-8"
	if f == atomFormat {
		ctype = "application/atom+xml; charset=utf-8"
		err = feed.Atom(&buf, fd)
	} else {
		err = feed.RSS(&buf, fd)
	}
	if err != nil {
		return fmt.Errorf("feed %s: %w", fd.Self, err)
	}
	w.Header().Set("Content-Type", ctype)
	if !fd.Updated.IsZero() {
		w.Header().Set("Last-Modified", fd.Updated.UTC().Format(http.TimeFormat))
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// commentFeed is the site's newest comments (WordPress: /comments/feed/).
func (s *Server) commentFeed(f feedFormat) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		st := s.Site(r)
		return s.writeCommentFeed(w, r, f, 0, "Comments on "+st.Name, "/")
	}
}

// articleCommentFeed is one article's comments (/YYYY/MM/DD/slug/feed/).
func (s *Server) articleCommentFeed(f feedFormat) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		a, err := s.Articles.Public(r.Context(), r.PathValue("slug"))
		if err != nil {
			return err
		}
		return s.writeCommentFeed(w, r, f, a.ID, "Comments on “"+a.Headline+"”", links.Article(a.PublishedAt, a.Slug, s.Location))
	}
}

func (s *Server) writeCommentFeed(w http.ResponseWriter, r *http.Request, f feedFormat, articleID int64, title, htmlPath string) error {
	st := s.Site(r)
	list, err := s.Comments.Recent(r.Context(), articleID, feedSize)
	if err != nil {
		return err
	}
	fd := feed.Feed{Title: title, Subtitle: title, Link: st.BaseURL + htmlPath, Self: st.BaseURL + r.URL.Path, Language: "en"}
	for _, c := range list {
		link := st.BaseURL + "/comments/" + strconv.FormatInt(c.ID, 10)
		// A guest is named with the web address they gave, if any.
		who := c.GuestURL
		if !c.Guest {
			who = st.BaseURL + links.Author(c.AuthorSlug)
		}
		fd.Items = append(fd.Items, feed.Item{Title: "By " + c.AuthorName + " on “" + c.ArticleHeadline + "”", Link: link, ID: link,
			Published: c.CreatedAt, Updated: c.CreatedAt, Author: c.AuthorName, AuthorURL: who,
			Summary: c.Excerpt, Content: c.BodyHTML})
		if c.CreatedAt.After(fd.Updated) {
			fd.Updated = c.CreatedAt
		}
	}
	return writeFeedDoc(w, f, fd)
}

// sitemapLimit is the most URLs one sitemap file may hold.
const sitemapLimit = 50000

type urlset struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// sitemap lists the home page, every public article (newest first, up to
// the protocol's 50,000), the tag and category pages, the authors' pages and the site's
// pages (About ...).
func (s *Server) sitemap(w http.ResponseWriter, r *http.Request) error {
	st := s.Site(r)
	ctx := r.Context()
	set := urlset{URLs: []sitemapURL{{Loc: st.BaseURL + "/"}}}
	authors := map[string]bool{}
	var cur *article.Cursor
	for len(set.URLs) < sitemapLimit-1000 {
		res, err := s.Articles.List(ctx, article.ListQuery{Before: cur, Limit: 100})
		if err != nil {
			return err
		}
		for _, a := range res.Articles {
			set.URLs = append(set.URLs, sitemapURL{Loc: st.BaseURL + links.Article(a.PublishedAt, a.Slug, s.Location),
				LastMod: a.UpdatedAt.UTC().Format(time.RFC3339)})
			authors[a.Author.Slug] = true
		}
		if res.Next == nil {
			break
		}
		cur = res.Next
	}
	tags, err := s.Articles.Tags(ctx, 0)
	if err != nil {
		return err
	}
	cats, err := s.Articles.CategoryAddresses(ctx)
	if err != nil {
		return err
	}
	for _, t := range tags {
		loc := links.Tag(t.Slug)
		if addr, ok := cats[t.ID]; ok {
			loc = addr // a category's own address, not its /tag/ alias
		}
		set.URLs = append(set.URLs, sitemapURL{Loc: st.BaseURL + loc})
	}
	for _, a := range slices.Sorted(maps.Keys(authors)) {
		set.URLs = append(set.URLs, sitemapURL{Loc: st.BaseURL + links.Author(a)})
	}
	pages, err := s.Articles.PublicPages(ctx)
	if err != nil {
		return err
	}
	for _, p := range pages {
		set.URLs = append(set.URLs, sitemapURL{Loc: st.BaseURL + "/" + p.Slug + "/", LastMod: p.UpdatedAt.UTC().Format(time.RFC3339)})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", " ")
	if err := enc.Encode(set); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) robots(w http.ResponseWriter, r *http.Request) error {
	st := s.Site(r)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := fmt.Fprintf(w, "User-agent: *\nDisallow: /search\nDisallow: /admin/\nDisallow: /api/\n\nSitemap: %s/sitemap.xml\n", st.BaseURL)
	return err
}
