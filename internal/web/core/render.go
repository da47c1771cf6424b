package core

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/cars"
	"byline/internal/comment"
	"byline/internal/country"
	"byline/internal/db"
	"byline/internal/leads"
	"byline/internal/links"
	"byline/internal/markdown"
	"byline/internal/media"
)

//go:embed templates/*.html templates/admin/*.html
var templateFS embed.FS

// teaserList is a list of articles with their featured images.
type teaserList struct {
	Articles []article.Article
	Pictures map[int64]*media.Media
}

// Templates are the parsed pages by name ("home", "admin/people").
// Templates are the pages' template sets. Every page is parsed at start-up,
// so a broken one stops the server; a page's set is then kept only from its
// first use (parse trees are most of what the server holds, and the
// garbage collector marks all it holds on every cycle: a server that
// shows a dozen pages keeps a dozen sets, not seventy).
type Templates struct {
	funcs template.FuncMap
	mu    sync.Mutex
	pages map[string]*pageSet
}

// pageSet is one page's files and, once used, its parsed set.
type pageSet struct {
	files []string
	t     atomic.Pointer[template.Template]
}

// Has says whether there is a page called name.
func (t *Templates) Has(name string) bool {
	_, ok := t.pages[name]
	return ok
}

// Page returns the template set of the page called name, parsed at its
// first use.
func (t *Templates) Page(name string) (*template.Template, error) {
	ps, ok := t.pages[name]
	if !ok {
		return nil, fmt.Errorf("templates: no page %q", name)
	}
	if tmpl := ps.t.Load(); tmpl != nil {
		return tmpl, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if tmpl := ps.t.Load(); tmpl != nil {
		return tmpl, nil
	}
	tmpl, err := parsePage(ps.files, t.funcs)
	if err != nil {
		return nil, err
	}
	ps.t.Store(tmpl)
	return tmpl, nil
}

// Partial executes one of the Partials (from the home page's set).
func (t *Templates) Partial(w io.Writer, name string, data any) error {
	home, err := t.Page("home")
	if err != nil {
		return err
	}
	return home.ExecuteTemplate(w, name, data)
}

func parsePage(files []string, funcs template.FuncMap) (*template.Template, error) {
	return template.New(path.Base(files[0])).Funcs(funcs).ParseFS(templateFS, files...)
}

// parseTemplates parses every page template found in templates/ (with the
// public layout and partials) and templates/admin/ (with the admin layout):
// a file is a page, files starting with "_" are the layouts and partials.
// Pages are named by their path without the extension ("home",
// "admin/people"). A broken page stops the server from starting.
func parseTemplates(funcMaps ...template.FuncMap) (*Templates, error) {
	funcs := template.FuncMap{}
	for _, m := range funcMaps {
		for name, fn := range m {
			if _, dup := funcs[name]; dup {
				return nil, fmt.Errorf("templates: function %s defined twice", name)
			}
			funcs[name] = fn
		}
	}
	t := &Templates{funcs: funcs, pages: map[string]*pageSet{}}
	for _, dir := range []string{"templates", "templates/admin"} {
		shared, err := fs.Glob(templateFS, dir+"/_*.html")
		if err != nil || len(shared) == 0 {
			return nil, fmt.Errorf("templates: no layout or partials found in %s", dir)
		}
		if dir != "templates" {
			shared = append(shared, "templates/_partials.html")
		}
		files, err := fs.Glob(templateFS, dir+"/*.html")
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		for _, file := range files {
			if strings.HasPrefix(path.Base(file), "_") {
				continue
			}
			name := strings.TrimSuffix(strings.TrimPrefix(file, "templates/"), ".html")
			files := append([]string{file}, shared...)
			tmpl, err := parsePage(files, funcs)
			if err != nil {
				return nil, fmt.Errorf("templates: page %s: %w", name, err)
			}
			// Public pages get their layout from writeLayout, admin pages
			// from their template.
			if tmpl.Lookup("content") == nil || (dir != "templates" && tmpl.Lookup("layout") == nil) {
				return nil, fmt.Errorf("templates: page %s lacks a content block or the layout", name)
			}
			t.pages[name] = &pageSet{files: files} // checked; parsed again at its first use
		}
	}
	home, err := t.Page("home")
	if err != nil {
		return nil, fmt.Errorf("templates: page home is missing")
	}
	for _, name := range Partials {
		if home.Lookup(name) == nil {
			return nil, fmt.Errorf("templates: partial %q is missing", name)
		}
	}
	return t, nil
}

// Partials are the templates the server executes on their own, from the
// home page's set (which holds every public partial): the quote box and
// the parts the page cache redraws per reader. TestTemplateNames checks
// that this list names every one the code executes, and every page name
// the code renders.
var Partials = []string{"quote-widget"}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render executes a page into a buffer first, so a template error becomes
// a clean 500 and never half a page.
func (s *Server) Render(w http.ResponseWriter, status int, name string, p *Page) error {
	tmpl, err := s.Tmpl.Page(name)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	if strings.HasPrefix(name, "admin/") {
		return s.send(w, status, name, func(b *bytes.Buffer) error { return tmpl.ExecuteTemplate(b, "layout", p) })
	}
	return s.send(w, status, name, func(b *bytes.Buffer) error {
		return s.writeLayout(b, p, func(b *bytes.Buffer) error { return tmpl.ExecuteTemplate(b, "content", p) })
	})
}

// RenderWith sends a public page whose content is written in Go.
func (s *Server) RenderWith(w http.ResponseWriter, status int, p *Page, content func(*bytes.Buffer)) error {
	return s.send(w, status, "", func(b *bytes.Buffer) error {
		return s.writeLayout(b, p, func(b *bytes.Buffer) error { content(b); return nil })
	})
}

// send writes a page into a pooled buffer, then answers with it whole.
func (s *Server) send(w http.ResponseWriter, status int, name string, write func(*bytes.Buffer) error) error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := write(buf); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		return errAlreadyWritten
	}
	return nil
}

// errAlreadyWritten means the response is on its way; nothing more to send.
var errAlreadyWritten = errors.New("response already written")

// Handle adapts a handler that returns an error: the one place where
// domain errors become status codes.
func (s *Server) Handle(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.Fail(w, r, err)
		}
	})
}

// BadRequest is a malformed address or parameter.
type BadRequest struct{ Msg string }

func (e BadRequest) Error() string { return e.Msg }

func (s *Server) Fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errAlreadyWritten) {
		return
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The reader left before the answer: nobody to tell, nothing broken.
		// 499 (as nginx logs it) keeps it out of the server errors.
		w.WriteHeader(StatusClientClosed)
		return
	}
	status, title, msg := http.StatusInternalServerError, "Something went wrong", "The page could not be shown. Please try again in a moment."
	var br BadRequest
	var bt badText
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		if s.redirected(w, r) {
			return
		}
		status, title, msg = http.StatusNotFound, "Page not found", "There is no page at this address. It may have moved, or the link may be mistyped."
	case errors.As(err, &bt):
		status, title, msg = http.StatusUnprocessableEntity, "Please check what you typed", bt.message()
	case errors.As(err, &br):
		status, title, msg = http.StatusBadRequest, "Bad request", br.Msg
	case errors.Is(err, ErrCrossSite):
		status, title, msg = http.StatusForbidden, "Request refused", "This form was sent from another site, so it was refused. Open the page on this site and try again."
	case errors.Is(err, ErrForbidden), errors.Is(err, article.ErrForbidden):
		status, title, msg = http.StatusForbidden, "Not allowed", "Your account may not open this page. If you think it should, ask the site's editors."
	case db.Unavailable(err):
		// Stopped, restarting or full: the same request works once it is
		// back, which the pools notice by themselves.
		status, title, msg = http.StatusServiceUnavailable, "Back in a moment", UnavailableMessage
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
		s.Logger.Warn("database or storage unavailable", "request_id", RequestID(r.Context()), "path", r.URL.Path, "err", err)
	default:
		if inv, ok := apperr.AsInvalid(err); ok {
			status, title, msg = http.StatusBadRequest, "Bad request", inv.Error()
		} else {
			s.Logger.Error("request failed", "request_id", RequestID(r.Context()), "path", r.URL.Path, "err", err)
		}
	}
	data := errorData{Status: status, Title: title, Message: msg}
	if status == http.StatusServiceUnavailable && r.Method == http.MethodPost {
		// What a reader wrote (a comment, a reply) is not lost with the
		// request: the page gives it back, to copy and send again. The
		// form may not have been read yet (the session could not be).
		if r.PostForm == nil {
			r.Body = http.MaxBytesReader(w, r.Body, FormLimit)
			if err := r.ParseForm(); err != nil {
				s.Logger.Warn("unavailable: the form could not be read to give it back", "request_id", RequestID(r.Context()), "err", err)
			}
		}
		data.Kept = strings.TrimSpace(r.PostForm.Get("body"))
	}
	p := &Page{Title: title, NoIndex: true, Data: data}
	if status < http.StatusInternalServerError {
		// The chrome needs the database; a 500 may be the database failing,
		// a 503 is.
		// Without it the error page is still shown, plainer.
		if err := s.Chrome(r, p); err != nil {
			s.Logger.Warn("error page without its sidebar", "request_id", RequestID(r.Context()), "err", err)
		}
	}
	s.Fill(w, r, p)
	if rerr := s.Render(w, status, "error", p); rerr != nil && !errors.Is(rerr, errAlreadyWritten) {
		s.Logger.Error("render error page", "err", rerr)
		http.Error(w, title, status)
	}
}

// StatusClientClosed is the status logged for a request whose reader hung
// up before the answer.
const StatusClientClosed = 499

// UnavailableMessage is what a reader is told when the database or the
// storage cannot take a request for now.
const UnavailableMessage = "This could not be done just now: the site cannot reach its database or its storage for a moment. " +
	"Please go back and try again in a minute."

// RetryAfterSeconds is the Retry-After of a 503: long enough for a
// database restart, short enough that a reader's retry lands after it.
const RetryAfterSeconds = 15

func (s *Server) NotFound(w http.ResponseWriter, r *http.Request) error {
	return apperr.ErrNotFound
}

type errorData struct {
	Status         int
	Title, Message string
	Kept           string // the text the reader sent, given back on a 503
}

// Page is what every page template receives.
type Page struct {
	Title       string
	Description string
	Canonical   string // absolute
	Query       string // the search box's text
	Feeds       []FeedLink
	OG          *OpenGraph
	JSONLD      any
	NoIndex     bool
	Nav         []NavItem
	Sidebar     *sidebar // nil: no sidebar (chrome gives a page one)
	Data        any
	Form        *Form
	Footer      []article.PageLink // the site's pages, listed in the footer
	// Filled by Fill:
	Site    siteView
	Path    string
	BaseURL string
	Viewer  *Viewer
	Flash   string
	// ReturnTo brings a person back here after signing in or out.
	ReturnTo string
	Banner   *Banner // a standing notice on admin pages (a second factor due)
}

type siteView struct {
	Name, Tagline string
}

// fieldView is one labelled input of a form, with what was typed and
// what is wrong with it.
type fieldView struct{ ID, Name, Label, Type, Auto, Value, Err string }

// countrySelectView is the country list of a form.
type countrySelectView struct {
	Form      *Form
	ID        string
	Current   string
	Countries []country.Country
}

// Since says how long ago something happened, in words.
func Since(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d.Hours()), "hour") + " ago"
	default:
		return plural(int(d.Hours()/24), "day") + " ago"
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// NewsletterBox is a newsletter sign-up form (in the sidebar, under an
// article), which the page cache redraws for each signed-in reader.
type NewsletterBox struct {
	Viewer   *Viewer
	ReturnTo string
	ID       string
}

// AccountLinks is the masthead's account menu, which the page cache
// redraws for each signed-in reader.
type AccountLinks struct {
	Viewer   *Viewer
	ReturnTo string
}

// commentFormView is the comment form: which article, which comment it
// replies to (0: none), and a submission that needs another try.
type commentFormView struct {
	ArticleID, ParentID int64
	Form                *Form
}

// editorView is a comment's text box: its id, label, the form it keeps
// and the length limit the counter shows.
type editorView struct {
	ID, Label string
	Form      *Form
	Max       int
	MaxText   string
}

type FeedLink struct{ Type, Title, Href string } // Type is "rss" or "atom"

type NavItem struct {
	Label, Href string
	Current     bool
}

type OpenGraph struct {
	Type, Title, Description, URL string
	Published, Modified           time.Time
	AuthorURL                     string
	Tags                          []string
	Image                         *OgImg // the picture a share shows, if any
}

// OgImg is a shared page's picture, with an absolute address.
type OgImg struct {
	URL, Alt      string
	Width, Height int
}

// OgImage is m's largest variant for sharing.
func OgImage(base string, m *media.Media) *OgImg {
	if m == nil || len(m.Variants) == 0 {
		return nil
	}
	v := m.Variant("large")
	return &OgImg{URL: base + v.URL(), Alt: m.Alt, Width: v.Width, Height: v.Height}
}

// imgView is an <img> as the "img" template writes it: every variant in
// srcset, the space reserved by width and height, and how it loads.
type imgView struct {
	Src, Srcset, Sizes, Alt string
	Width, Height           int
	Lead                    bool // the page's main picture: fetched first
	Lazy                    bool // below the fold: fetched when scrolled near
}

// picture makes an imgView of m shown at sizes; the src (and the width and
// height, for the aspect ratio) are those of the named variant. load is
// "lead" (the page's main picture), "eager" (above the fold) or "lazy".
func picture(m *media.Media, variant, sizes, load string) *imgView {
	if m == nil || len(m.Variants) == 0 {
		return nil
	}
	v := m.Variant(variant)
	return &imgView{Src: v.URL(), Srcset: m.Srcset(), Sizes: sizes, Alt: m.Alt, Width: v.Width, Height: v.Height,
		Lead: load == "lead", Lazy: load == "lazy"}
}

type sidebar struct {
	Contributors, Moderators []account.Person
	Recent                   []comment.Recent
	QuoteBox                 template.HTML  // the quote box, drawn once per catalogue
	MostRead                 []article.Read // the week's most read
	// Boxes are the boxes above drawn, the same on every page: the
	// sidebar template writes them as they are.
	Boxes template.HTML
}

// chrome is what every public page shows around its content and every
// reader sees the same: the sidebar's boxes (drawn), the sections and the
// footer's pages. It is kept for as long as what it shows stands: the
// content version it was read under, the Most Read list and the catalogue
// it was drawn with. A page render then reads none of it from the database.
type chrome struct {
	version  int64
	mostRead time.Time
	cat      *cars.Catalogue
	sidebar  *sidebar
	sections []article.Tag
	footer   []article.PageLink
}

func (s *Server) Fill(w http.ResponseWriter, r *http.Request, p *Page) {
	st := s.Site(r)
	p.Viewer = CurrentViewer(r)
	p.Flash = s.popFlash(w, r)
	p.Banner = secondFactorBanner(r)
	if p.ReturnTo == "" {
		p.ReturnTo = SafeReturn(r.URL.RequestURI())
	}
	if s.Filled != nil {
		s.Filled(r, p)
	}
	p.Site = siteView{Name: st.Name, Tagline: st.Tagline}
	p.Path = r.URL.Path
	p.BaseURL = st.BaseURL
	if p.Canonical == "" && !p.NoIndex {
		p.Canonical = st.BaseURL + r.URL.Path
	}
	p.Title = PageTitle(p.Title, st.Name)
	if p.Description == "" {
		p.Description = st.Tagline
	}
	p.Feeds = append([]FeedLink{{"rss", st.Name + " – RSS", st.BaseURL + "/feed/"},
		{"atom", st.Name + " – Atom", st.BaseURL + "/feed/atom/"}}, p.Feeds...)
}

// Chrome loads what every public page shows around its content: the
// sidebar's boxes, the navigation's sections and the footer's pages, read
// and drawn once per change of what they show (see chrome).
func (s *Server) Chrome(r *http.Request, p *Page) error {
	c, err := s.chromeNow(r.Context())
	if err != nil {
		return err
	}
	p.Sidebar, p.Footer = c.sidebar, c.footer
	// The sections: the top categories, or the most used tags on a site
	// without categories.
	p.Nav = []NavItem{{Label: "Latest", Href: "/", Current: r.URL.Path == "/"}}
	for _, t := range c.sections {
		href := links.Tag(t.Slug)
		if t.IsCategory() {
			href = article.CategoryAddress([]article.Tag{t}) // a top one: its path is itself
		}
		p.Nav = append(p.Nav, NavItem{Label: TagLabel(t.Name), Href: href, Current: strings.HasPrefix(r.URL.Path, href)})
	}
	if s.Cars != nil {
		p.Nav = append(p.Nav, NavItem{Label: "New Car Research", Href: "/cars/", Current: strings.HasPrefix(r.URL.Path, "/cars/")})
	}
	return nil
}

// chromeNow returns the chrome, read again when what it shows has moved.
func (s *Server) chromeNow(ctx context.Context) (*chrome, error) {
	// The version is taken before reading: a change during the read leaves
	// the chrome marked older than it is (read again), never newer.
	version := int64(-1)
	if s.ContentVersion != nil {
		version = s.ContentVersion()
	}
	reads := s.mostReadList(ctx)
	var cat *cars.Catalogue
	if s.Cars != nil {
		var err error
		if cat, err = s.Cars.Catalogue(ctx); err != nil {
			return nil, err
		}
	}
	s.chromeMu.Lock()
	c := s.chrome
	s.chromeMu.Unlock()
	if c != nil && version >= 0 && c.version == version && c.mostRead.Equal(s.mostReadAt()) && c.cat == cat {
		return c, nil
	}
	c = &chrome{version: version, mostRead: s.mostReadAt(), cat: cat}
	staff, err := s.People.Staff(ctx, account.RoleContributor, account.RoleModerator)
	if err != nil {
		return nil, err
	}
	sb := &sidebar{Contributors: staff[account.RoleContributor], Moderators: staff[account.RoleModerator], MostRead: reads}
	if s.Comments != nil {
		if sb.Recent, err = s.Comments.Recent(ctx, 0, 5); err != nil {
			return nil, err
		}
	}
	if cat != nil {
		if sb.QuoteBox, err = s.quoteBox(cat); err != nil {
			return nil, err
		}
	}
	sb.Boxes = htmlOf(func(b *bytes.Buffer) { s.writeSidebarBoxes(b, sb) })
	c.sidebar = sb
	if c.footer, err = s.Articles.PublicPages(ctx); err != nil {
		return nil, err
	}
	if c.sections, err = s.Articles.Sections(ctx, 6); err != nil {
		return nil, err
	}
	s.chromeMu.Lock()
	s.chrome = c
	s.chromeMu.Unlock()
	return c, nil
}

// PageTitle is what a page's <title> says: its own title and the site's.
func PageTitle(title, siteName string) string {
	switch title {
	case "":
		return siteName
	case siteName:
		return title
	}
	return title + " – " + siteName
}

// TagLabel is a tag's own name as a label (see article.TagLabel).
func TagLabel(name string) string { return article.TagLabel(name) }

func (s *Server) Funcs() template.FuncMap {
	return template.FuncMap{
		"asset": s.assets.url,
		"date":  func(t time.Time) string { return t.In(s.Location).Format("January 2, 2006") },
		"datetime": func(t time.Time) string {
			dt, _ := LongTimes(t.In(s.Location))
			return dt
		},
		"iso":        func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"weekday":    func(t time.Time) string { return t.In(s.Location).Weekday().String() },
		"permalink":  func(a article.Article) string { return links.Article(a.PublishedAt, a.Slug, s.Location) },
		"tagURL":     links.Tag,
		"authorURL":  links.Author,
		"tagLabel":   TagLabel,
		"cut":        markdown.Cut,
		"commentURL": func(id int64) string { return "/comments/" + strconv.FormatInt(id, 10) },
		"html":       func(s string) template.HTML { return template.HTML(s) }, // only for sanitized HTML from the domain
		"year":       func() int { return time.Now().In(s.Location).Year() },
		"plural":     Plural,
		"add":        func(a, b int) int { return a + b },
		"searchForm": func(class, id, query string) template.HTML {
			return htmlOf(func(b *bytes.Buffer) { writeSearchForm(b, class, id, query) })
		},
		// marker places an HTML comment the page cache finds to redraw a
		// reader's own parts (html/template drops comments from templates).
		"marker": func(name string) template.HTML { return template.HTML("<!--" + name + "-->") },
		"money":  money,
		"newsletterBox": func(v *Viewer, returnTo, id string) template.HTML {
			return htmlOf(func(b *bytes.Buffer) { WriteNewsletterBox(b, NewsletterBox{v, returnTo, id}) })
		},
		"commentForm": func(articleID, parentID int64, f *Form) commentFormView {
			return commentFormView{articleID, parentID, f}
		},
		"editor": editor,
		"field":  Field,
		// The parts written in Go, for the templates of the same names.
		"formErrorHTML":     func(f *Form) template.HTML { return htmlOf(func(b *bytes.Buffer) { WriteFormError(b, f) }) },
		"fieldHTML":         func(v fieldView) template.HTML { return htmlOf(func(b *bytes.Buffer) { writeField(b, v) }) },
		"commentEditorHTML": func(v editorView) template.HTML { return htmlOf(func(b *bytes.Buffer) { writeCommentEditor(b, v) }) },
		"commentFormHTML": func(v commentFormView) template.HTML {
			return htmlOf(func(b *bytes.Buffer) { writeCommentForm(b, v) })
		},
		"bylineHTML": func(a article.Article) template.HTML {
			return htmlOf(func(b *bytes.Buffer) { s.WriteByline(b, a) })
		},
		"teasersHTML": func(l teaserList) template.HTML { return htmlOf(func(b *bytes.Buffer) { s.writeTeasers(b, l) }) },
		"commentCountHTML": func(a article.Article) template.HTML {
			return htmlOf(func(b *bytes.Buffer) {
				writeCommentCount(b, links.Article(a.PublishedAt, a.Slug, s.Location), a.CommentCount)
			})
		},
		"imgHTML": func(v *imgView) template.HTML { return htmlOf(func(b *bytes.Buffer) { writeImg(b, v) }) },
		"img":     picture,
		"pic": func(pics map[int64]*media.Media, id int64) *media.Media {
			return pics[id]
		},
		"teasers": func(list []article.Article, pics map[int64]*media.Media) teaserList {
			return teaserList{list, pics}
		},
		"numberField": func(f *Form, id, name, label string, cur int) fieldView {
			v := strconv.Itoa(cur)
			if f != nil && f.Values != nil {
				v = f.Get(name)
			}
			return fieldView{ID: id, Name: name, Label: label, Value: v, Err: f.Err(name)}
		},
		"textField": func(f *Form, id, name, label, cur string) fieldView {
			v := cur
			if f != nil && f.Values != nil {
				v = f.Get(name)
			}
			return fieldView{ID: id, Name: name, Label: label, Value: v, Err: f.Err(name)}
		},
		"join":      strings.Join,
		"timeframe": leads.TimeframeLabel,
		// formFor gives a page with several forms the submitted one only
		// where it belongs.
		"formFor": func(f *Form, section, want string) *Form {
			if section == want {
				return f
			}
			return nil
		},
		"countrySelect": func(f *Form, id, current string) countrySelectView {
			if f != nil && f.Values != nil {
				current = f.Get("country")
			}
			return countrySelectView{Form: f, ID: id, Current: current, Countries: country.All()}
		},
		"countryName": country.Name,
		"since":       func(t time.Time) string { return Since(time.Since(t)) },
		"hasRole":     func(p account.Person, r account.Role) bool { return p.Has(r) },
		"firstResult": func(page int) int { return (page-1)*article.SearchPerPage + 1 },
	}
}

// money writes whole dollars: $49,950.
func money(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return "$" + s
}

// quoteBox is the sidebar's quote form, the same on every page: drawn
// once for each copy of the catalogue rather than on every page.
func (s *Server) quoteBox(cat *cars.Catalogue) (template.HTML, error) {
	s.quote.mu.Lock()
	defer s.quote.mu.Unlock()
	if s.quote.cat == cat {
		return s.quote.html, nil
	}
	if len(cat.Makes) == 0 {
		return "", nil
	}
	var b strings.Builder
	if err := s.Tmpl.Partial(&b, "quote-widget", cat); err != nil {
		return "", err
	}
	s.quote.cat, s.quote.html = cat, template.HTML(b.String())
	return s.quote.html, nil
}

// Thousands writes n with comma separators: 10000 is "10,000".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + Thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
