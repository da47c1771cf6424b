package site

import (
	"net/http"
	"strings"

	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/web/core"
)

// categoryPrefix is where category archives live, as WordPress put them:
// /category/{parent}/{child}/, any depth, with /feed/ and /feed/atom/.
// ServeMux cannot take that beside the date archives, so the route is a
// deep one (core.Server.Deep).
const categoryPrefix = "/category/"

// category answers /category/{parent}/.../{slug}/ with the category's
// archive or feed. The category is found by its own (last) slug: an
// address with wrong or missing parents, or without its final slash, is
// sent to the right one; an unknown category is a 404 (where the redirect
// table may still know the address).
func (s *Server) category(w http.ResponseWriter, r *http.Request) error {
	segs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, categoryPrefix), "/"), "/")
	suffix, format := "", feedFormat(-1)
	switch n := len(segs); {
	case n >= 3 && segs[n-2] == "feed" && segs[n-1] == "atom":
		segs, suffix, format = segs[:n-2], "feed/atom/", atomFormat
	case n >= 2 && segs[n-1] == "feed":
		segs, suffix, format = segs[:n-1], "feed/", rssFormat
	}
	if len(segs) == 0 || segs[len(segs)-1] == "" {
		return apperr.ErrNotFound
	}
	path, err := s.Articles.CategoryBySlug(r.Context(), segs[len(segs)-1])
	if err != nil {
		return err
	}
	canonical := article.CategoryAddress(path) + suffix
	if r.URL.Path != canonical {
		to := canonical
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, to, http.StatusMovedPermanently)
		return nil
	}
	if format >= 0 {
		return s.categoryFeed(w, r, format, path)
	}
	return s.categoryPage(w, r, path)
}

// categoryQuery lists the category's articles and its subcategories'.
func (s *Server) categoryQuery(r *http.Request, c article.Tag) (article.ListQuery, error) {
	sub, err := s.Articles.Subcategories(r.Context(), c.ID)
	if err != nil {
		return article.ListQuery{}, err
	}
	return article.ListQuery{TagID: c.ID, AlsoTags: sub}, nil
}

// categoryPage is a category's archive: the tag page, named by the
// category, with the breadcrumb of its parents. /tag/{slug}/ shows it too.
func (s *Server) categoryPage(w http.ResponseWriter, r *http.Request, path []article.Tag) error {
	st := s.Site(r)
	c := path[len(path)-1]
	label := core.TagLabel(c.Name)
	addr := article.CategoryAddress(path)
	feed := addr + "feed/"
	p := &core.Page{Title: label, Description: "Articles in " + label + ".", Canonical: st.BaseURL + addr,
		Feeds: []core.FeedLink{{Type: "rss", Title: label + " – RSS", Href: st.BaseURL + feed}, {Type: "atom", Title: label + " – Atom", Href: st.BaseURL + feed + "atom/"}}}
	d := listData{Kind: "category", Heading: label, FeedURL: feed, Intro: "Articles in “" + label + "”."}
	for i := range path[:len(path)-1] {
		d.Crumbs = append(d.Crumbs, core.NavItem{Label: core.TagLabel(path[i].Name), Href: article.CategoryAddress(path[:i+1])})
	}
	q, err := s.categoryQuery(r, c)
	if err != nil {
		return err
	}
	return s.listPage(w, r, q, p, d)
}

func (s *Server) categoryFeed(w http.ResponseWriter, r *http.Request, f feedFormat, path []article.Tag) error {
	st := s.Site(r)
	c := path[len(path)-1]
	q, err := s.categoryQuery(r, c)
	if err != nil {
		return err
	}
	label := core.TagLabel(c.Name)
	return s.writeFeed(w, r, f, q, label+" – "+st.Name, "Articles in "+label, article.CategoryAddress(path))
}
