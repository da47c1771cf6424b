package core

import (
	"bytes"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/links"
)

// The public layout and the parts every public page shows (the masthead's
// account menu and search box, the newsletter box) are written in Go, not
// templates: they are on every page, and html/template's reflection was
// most of a page's render. Pages' own contents stay templates where they
// are not hot. Every value from a person or the database is escaped here.

// escaper is html.EscapeString's, writing straight into the page, and
// html/template's for NUL (which HTML does not allow).
var escaper = strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;", "\x00", "\uFFFD")

// layoutAssets are the static files every public page links (checked at
// start-up by New).
var layoutAssets = []string{"style.css", "favicon.svg", "site.js"}

// Esc writes s escaped for HTML text or a quoted attribute value.
func Esc(b *bytes.Buffer, s string) {
	for i := 0; i < len(s); i++ {
		if escaped[s[i]] {
			escaper.WriteString(b, s)
			return
		}
	}
	b.WriteString(s)
}

// escaped are the bytes Esc replaces. A table, not strings.ContainsAny,
// which builds its set on every call: pages call Esc hundreds of times.
var escaped = [256]bool{'&': true, '\'': true, '<': true, '>': true, '"': true, 0: true}

// Writer is what pages are written into: a bytes.Buffer, or the page
// cache's copy of a page for one reader.
type Writer interface {
	WriteString(string) (int, error)
	WriteByte(byte) error
	Write([]byte) (int, error)
}

// Put writes trusted HTML pieces one after another, with no joined copy
// to allocate (they run for every comment of every signed-in page).
func Put(b Writer, parts ...string) {
	for _, p := range parts {
		b.WriteString(p)
	}
}

// Marker is a comment the page cache finds the personal parts of a page
// by (see the site's cache).
func Marker(b *bytes.Buffer, name string) { Put(b, "<!--", name, "-->") }

// writeLayout writes a public page around its content.
func (s *Server) writeLayout(b *bytes.Buffer, p *Page, content func(*bytes.Buffer) error) error {
	b.WriteString("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<title>")
	Esc(b, p.Title)
	b.WriteString("</title>\n<meta name=\"description\" content=\"")
	Esc(b, p.Description)
	b.WriteString("\">\n")
	if p.NoIndex {
		b.WriteString("<meta name=\"robots\" content=\"noindex, follow\">\n")
	}
	if p.Canonical != "" {
		b.WriteString(`<link rel="canonical" href="`)
		Esc(b, p.Canonical)
		b.WriteString("\">\n")
	}
	Put(b, `<link rel="stylesheet" href="`, s.assets.urls["style.css"], "\">\n",
		`<link rel="icon" href="`, s.assets.urls["favicon.svg"], "\" type=\"image/svg+xml\">\n")
	for _, f := range p.Feeds {
		typ := "rss"
		if f.Type == "atom" {
			typ = "atom"
		}
		Put(b, `<link rel="alternate" type="application/`, typ, `+xml" title="`)
		Esc(b, f.Title)
		b.WriteString(`" href="`)
		Esc(b, f.Href)
		b.WriteString("\">\n")
	}
	if err := s.writeOpenGraph(b, p); err != nil {
		return err
	}
	b.WriteString("</head>\n<body>\n<a class=\"skip-link\" href=\"#main\">Skip to content</a>\n<header class=\"masthead\" id=\"top\">\n  <div class=\"wrap masthead-inner\">\n    <div class=\"brand\">\n      <a class=\"brand-name\" href=\"/\">")
	Esc(b, p.Site.Name)
	b.WriteString("</a>\n      <p class=\"tagline\">")
	Esc(b, p.Site.Tagline)
	b.WriteString("</p>\n    </div>\n    <div class=\"masthead-tools\">\n      ")
	writeSearchForm(b, "search-form", "site-search", p.Query)
	b.WriteString("\n      <nav class=\"account-nav\" aria-label=\"Account\">")
	Marker(b, "v:nav")
	WriteAccountLinks(b, AccountLinks{p.Viewer, p.ReturnTo})
	Marker(b, "/v:nav")
	b.WriteString("</nav>\n    </div>\n  </div>\n  ")
	if len(p.Nav) > 0 {
		b.WriteString("<nav class=\"sections\" aria-label=\"Sections\">\n    <ul class=\"wrap\">\n      ")
		for _, n := range p.Nav {
			b.WriteString(`<li><a href="`)
			Esc(b, n.Href)
			b.WriteByte('"')
			if n.Current {
				b.WriteString(` aria-current="page"`)
			}
			b.WriteByte('>')
			Esc(b, n.Label)
			b.WriteString("</a></li>\n      ")
		}
		b.WriteString("\n    </ul>\n  </nav>")
	}
	b.WriteString("\n</header>\n<div class=\"wrap columns")
	if p.Sidebar == nil {
		b.WriteString(" single")
	}
	b.WriteString("\">\n  <main id=\"main\" tabindex=\"-1\">\n")
	if p.Flash != "" {
		b.WriteString(`<p class="flash" role="status" data-flash>`)
		Esc(b, p.Flash)
		b.WriteString("</p>\n")
	}
	if err := content(b); err != nil {
		return err
	}
	b.WriteString("\n  </main>\n  ")
	if p.Sidebar != nil {
		b.WriteString("<aside class=\"sidebar\" aria-label=\"Sidebar\">\n  <section class=\"widget newsletter-widget\" aria-labelledby=\"widget-newsletter\">\n    <h2 id=\"widget-newsletter\">Get the latest ")
		Esc(b, p.Site.Name)
		b.WriteString(" e-Newsletter!</h2>\n    ")
		Marker(b, "v:letter")
		WriteNewsletterBox(b, NewsletterBox{p.Viewer, p.ReturnTo, "side"})
		Marker(b, "/v:letter")
		b.WriteString("\n  </section>\n  ")
		b.WriteString(string(p.Sidebar.Boxes))
		b.WriteString("\n</aside>")
	}
	b.WriteString("\n</div>\n<footer class=\"site-footer\">\n  <div class=\"wrap\">\n    ")
	if len(p.Footer) > 0 {
		b.WriteString("<nav class=\"footer-pages\" aria-label=\"About the site\">\n      <ul>")
		for _, pg := range p.Footer {
			href := "/" + pg.Slug + "/"
			b.WriteString(`<li><a href="`)
			Esc(b, href)
			b.WriteByte('"')
			if p.Path == href {
				b.WriteString(` aria-current="page"`)
			}
			b.WriteByte('>')
			Esc(b, pg.Title)
			b.WriteString("</a></li>")
		}
		b.WriteString("</ul>\n    </nav>")
	}
	Put(b, "\n    <p>© ", strconv.Itoa(time.Now().In(s.Location).Year()), " ")
	Esc(b, p.Site.Name)
	Put(b, `. <a href="/feed/">RSS</a> · <a href="/feed/atom/">Atom</a> · <a href="/sitemap.xml">Sitemap</a></p>
    <p class="powered">Published with Byline.</p>
  </div>
</footer>
<script src="`, s.assets.urls["site.js"], "\" defer></script>\n</body>\n</html>")
	return nil
}

// writeOpenGraph writes what a share and a search engine read of a page:
// Open Graph, the card, and the structured data.
func (s *Server) writeOpenGraph(b *bytes.Buffer, p *Page) error {
	if og := p.OG; og != nil {
		meta := func(attr, key, value string) {
			Put(b, "<meta ", attr, `="`, key, `" content="`)
			Esc(b, value)
			b.WriteString("\">\n")
		}
		meta("property", "og:site_name", p.Site.Name)
		meta("property", "og:type", og.Type)
		meta("property", "og:title", og.Title)
		meta("property", "og:description", og.Description)
		meta("property", "og:url", og.URL)
		if og.Type == "article" {
			meta("property", "article:published_time", og.Published.UTC().Format(time.RFC3339))
			meta("property", "article:modified_time", og.Modified.UTC().Format(time.RFC3339))
			meta("property", "article:author", og.AuthorURL)
			for _, t := range og.Tags {
				meta("property", "article:tag", t)
			}
		}
		if img := og.Image; img != nil {
			meta("property", "og:image", img.URL)
			meta("property", "og:image:width", strconv.Itoa(img.Width))
			meta("property", "og:image:height", strconv.Itoa(img.Height))
			meta("property", "og:image:alt", img.Alt)
			meta("name", "twitter:card", "summary_large_image")
			meta("name", "twitter:image", img.URL)
			meta("name", "twitter:image:alt", img.Alt)
		} else {
			meta("name", "twitter:card", "summary")
		}
		meta("name", "twitter:title", og.Title)
		meta("name", "twitter:description", og.Description)
	}
	if p.JSONLD != nil {
		b.WriteString(`<script type="application/ld+json">`)
		if err := writeJSON(b, p.JSONLD); err != nil {
			return fmt.Errorf("structured data: %w", err)
		}
		b.WriteString("</script>\n")
	}
	return nil
}

// writeSearchForm is the search box of the masthead and of the search and
// error pages.
func writeSearchForm(b *bytes.Buffer, class, id, query string) {
	Put(b, `<form class="`, class, `" role="search" action="/search" method="get">
      <label class="visually-hidden" for="`, id, `">Search articles</label>
      <input id="`, id, `" name="q" type="search" value="`)
	Esc(b, query)
	b.WriteString(`" placeholder="Search articles" maxlength="200">
      <button type="submit">Search</button>
    </form>`)
}

// WriteAccountLinks is the masthead's account menu, which the page cache
// redraws for each signed-in reader.
func WriteAccountLinks(b *bytes.Buffer, a AccountLinks) {
	if v := a.Viewer; v != nil {
		b.WriteString("\n        \n        <a href=\"/account\"><img class=\"avatar-img small\" src=\"")
		Esc(b, links.Avatar(v.Slug, v.UpdatedAt))
		b.WriteString(`" width="28" height="28" alt="">`)
		Esc(b, v.DisplayName)
		b.WriteString("</a>\n        ")
		if v.Can(account.PermAccessAdmin) {
			b.WriteString(`<a href="/admin">Admin</a>`)
		}
		b.WriteString("\n        <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"return_to\" value=\"")
		Esc(b, a.ReturnTo)
		b.WriteString("\"><button class=\"link\" type=\"submit\">Sign out</button></form>\n        \n      ")
		return
	}
	back := url.QueryEscape(a.ReturnTo)
	Put(b, "\n        \n        <a href=\"/login?return_to=", back, "\">Sign in</a>\n        <a class=\"button small\" href=\"/register?return_to=", back, "\">Register</a>\n        \n      ")
}

// WriteNewsletterBox is the newsletter's sign-up form; a signed-in reader
// with a confirmed address subscribes in one click.
func WriteNewsletterBox(b *bytes.Buffer, n NewsletterBox) {
	if v := n.Viewer; v != nil && v.Verified() {
		b.WriteString("\n    <form class=\"newsletter-form\" action=\"/newsletter\" method=\"post\">\n      <input type=\"hidden\" name=\"me\" value=\"1\"><input type=\"hidden\" name=\"return_to\" value=\"")
		Esc(b, n.ReturnTo)
		b.WriteString("\">\n      <button type=\"submit\">Send it to ")
		Esc(b, v.Email)
		b.WriteString("</button>\n    </form>\n    ")
	} else {
		Put(b, "\n    <form class=\"newsletter-form\" action=\"/newsletter\" method=\"post\">\n      <label class=\"visually-hidden\" for=\"", n.ID, "-email\">E-mail address</label>\n      <input id=\"", n.ID, `-email" name="email" type="email" required placeholder="you@example.com" autocomplete="email"`)
		if v != nil {
			b.WriteString(` value="`)
			Esc(b, v.Email)
			b.WriteByte('"')
		}
		b.WriteString(">\n      <input type=\"hidden\" name=\"return_to\" value=\"")
		Esc(b, n.ReturnTo)
		Put(b, "\">\n      <div class=\"hp\" aria-hidden=\"true\"><label for=\"", n.ID, "-website\">Leave this empty</label><input id=\"", n.ID, "-website\" name=\"website\" tabindex=\"-1\" autocomplete=\"off\"></div>\n      <button type=\"submit\">Sign up</button>\n    </form>")
	}
	b.WriteString("\n    <p class=\"note\">Free. We ask you to confirm by mail; unsubscribe in one click.</p>\n")
}

// htmlOf runs a writer for a template that shows its result.
func htmlOf(write func(*bytes.Buffer)) template.HTML {
	var b bytes.Buffer
	write(&b)
	return template.HTML(b.String())
}

// writeSidebarBoxes draws the sidebar's boxes every reader sees the same:
// the quote box, Most Read, Recent Comments, the contributors and the
// moderators. They are drawn once per change (see chrome).
func (s *Server) writeSidebarBoxes(b *bytes.Buffer, sb *sidebar) {
	b.WriteString(string(sb.QuoteBox))
	b.WriteString("\n  ")
	if len(sb.MostRead) > 0 {
		b.WriteString("<section class=\"widget\" aria-labelledby=\"widget-most-read\">\n    <h2 id=\"widget-most-read\">Most Read</h2>\n    <ol class=\"most-read\">\n      ")
		for _, r := range sb.MostRead {
			b.WriteString(`<li><a href="`)
			Esc(b, links.Article(r.PublishedAt, r.Slug, s.Location))
			b.WriteString(`">`)
			Esc(b, r.Headline)
			b.WriteString("</a></li>\n      ")
		}
		b.WriteString("\n    </ol>\n  </section>")
	}
	b.WriteString("\n  ")
	if len(sb.Recent) > 0 {
		b.WriteString("<section class=\"widget\" aria-labelledby=\"widget-recent\">\n    <h2 id=\"widget-recent\">Recent Comments</h2>\n    <ul class=\"recent-comments\">\n      ")
		for _, c := range sb.Recent {
			Put(b, `<li><a href="/comments/`, strconv.FormatInt(c.ID, 10), `"><strong>`)
			Esc(b, c.AuthorName)
			b.WriteString(`</strong> on <cite>`)
			Esc(b, c.ArticleTitle)
			b.WriteString(`</cite>: <span class="recent-excerpt">`)
			Esc(b, c.Excerpt)
			b.WriteString("</span></a></li>\n      ")
		}
		b.WriteString("\n    </ul>\n  </section>")
	}
	b.WriteString("\n  ")
	writePeople(b, "contributors", "Contributors", sb.Contributors)
	b.WriteString("\n  ")
	writePeople(b, "moderators", "Moderators", sb.Moderators)
	b.WriteString("\n")
}

// writePeople is a sidebar box listing people with their countries.
func writePeople(b *bytes.Buffer, id, title string, people []account.Person) {
	if len(people) == 0 {
		return
	}
	Put(b, `<section class="widget" aria-labelledby="widget-`, id, "\">\n    <h2 id=\"widget-", id, `">`, title, "</h2>\n    <ul class=\"people\">\n      ")
	for _, p := range people {
		b.WriteString(`<li><a href="`)
		Esc(b, links.Author(p.Slug))
		b.WriteString(`">`)
		Esc(b, p.DisplayName)
		b.WriteString(`</a>`)
		if c := p.CountryName(); c != "" {
			b.WriteString(`, `)
			Esc(b, c)
		}
		b.WriteString("</li>\n      ")
	}
	b.WriteString("\n    </ul>\n  </section>")
}
