package web_test

import (
	"byline/internal/accesslog"
	"compress/gzip"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"byline/internal/account"
	"byline/internal/app"
	"byline/internal/article"
	"byline/internal/cars"
	"byline/internal/comment"
	"byline/internal/config"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/demo"
	"byline/internal/events"
	"byline/internal/leads"
	"byline/internal/mail"
	"byline/internal/media"
	"byline/internal/newsletter"
	"byline/internal/pagecache"
	"byline/internal/picture"
	"byline/internal/ratelimit"
	"byline/internal/redirect"
	"byline/internal/site"
	"byline/internal/web"
	"byline/internal/web/core"
)

const demoArticle = "/2012/04/05/infiniti-to-move-production-out-of-japan/"

// newSite serves the demo site from d through the real handler stack.
func newSite(t testing.TB, d *db.DB) *httptest.Server {
	srv, _ := serveSite(t, d, "")
	return srv
}

// serveSite serves the demo site from d, sending mail to smtpURL ("": mail
// stays in the outbox, and no worker polls it), with the site's stores.
func serveSite(t testing.TB, d *db.DB, smtpURL string) (*httptest.Server, testSite) {
	t.Helper()
	return startSite(t, d, smtpURL, true)
}

// startSite is serveSite, with the demo loaded into d or not (a test that
// made its own content in d, see fixture_test.go).
func startSite(t testing.TB, d *db.DB, smtpURL string, withDemo bool) (*httptest.Server, testSite) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	h, ts := buildSite(t, d, "http://"+srv.Listener.Addr().String(), smtpURL, true, withDemo)
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, ts
}

// newHandler loads the demo site into d and builds the site's handler.
func newHandler(t testing.TB, d *db.DB, base string) http.Handler {
	h, _ := newSiteWith(t, d, base, "")
	return h
}

// testSite is what a test may reach behind the handler.
type testSite struct {
	cache     *pagecache.Cache
	outbox    *mail.Outbox
	accounts  *account.Store
	comments  *comment.Store
	settings  *site.Cache
	db        *db.DB
	letters   *newsletter.Store
	sender    *newsletter.Sender
	leads     *leads.Store
	views     *article.Views
	pictures  *picture.Decoder
	articles  *article.Store
	redirects *redirect.Store
}

// newSiteWith builds the site on d with the demo loaded; smtpURL, if set,
// is the mail server (as BYLINE_SMTP).
func newSiteWith(t testing.TB, d *db.DB, base, smtpURL string) (http.Handler, testSite) {
	t.Helper()
	return buildSite(t, d, base, smtpURL, true, true)
}

// buildSite is newSiteWith, with the page cache or without it, and with
// the demo loaded or not.
func buildSite(t testing.TB, d *db.DB, base, smtpURL string, cached, withDemo bool) (http.Handler, testSite) {
	t.Helper()
	ctx := context.Background()
	loc, _ := time.LoadLocation("America/New_York")
	cfg := config.Config{BaseURL: base, SiteName: "x", SMTP: smtpURL, MediaStore: "folder", MediaDir: t.TempDir(), Location: loc}
	if cached {
		cfg.CacheMB = 32
	}
	if withDemo {
		if err := demo.Load(ctx, d, loc, nil, demo.WithMedia(app.MediaStorage(cfg, d))); err != nil {
			t.Fatal(err)
		}
	}
	// Logs as `byline serve` writes them: request lines buffered.
	logw := accesslog.NewWriter(io.Discard, false, 200*time.Millisecond)
	t.Cleanup(func() {
		if err := logw.Close(); err != nil {
			t.Error(err)
		}
	})
	log := slog.New(slog.NewTextHandler(logw, nil))
	pictures := picture.NewDecoder(256<<20, 2*time.Second) // each site its own, so a test may hold it
	a, err := app.New(ctx, d, cfg, app.Options{Logger: log, AccessLog: logw, Pictures: pictures})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Imports.Stop) // before the database closes
	return a.Web, testSite{cache: a.Cache, outbox: a.Outbox, accounts: a.People, comments: a.Comments, settings: a.Settings, db: d,
		letters: a.Newsletter, sender: a.Sender, leads: a.Leads, views: a.Views, pictures: pictures,
		articles: a.Articles, redirects: a.Redirects}
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, srv *httptest.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func TestPages(t *testing.T) {
	dbtest.Each(t, testPages)
}

func testPages(t *testing.T, d *db.DB) {
	srv, _, m := serveMagazine(t, d)
	lead, author := m.lead.Headline, m.author.DisplayName
	cases := []struct {
		path     string
		status   int
		ctype    string
		contains []string
		absent   []string
	}{
		{"/", 200, "text/html", []string{"<title>" + siteName + "</title>", "Latest news", "Older articles", `href="/2024/05/05/`,
			"Contributors", m.writer.DisplayName + "</a>, Canada", "Moderators", m.moderator.DisplayName + "</a>, United States",
			`rel="alternate" type="application/rss+xml"`},
			[]string{m.scheduled.Headline, m.draft.Headline}},
		{m.leadPath, 200, "text/html", []string{
			`<h1 id="headline">` + lead,
			`By <a href="/author/` + m.author.Slug + `/" rel="author">` + author + `</a> on <time datetime="2024-04-05T14:15:00Z">April 5, 2024</time>`,
			"<blockquote>", `href="https://example.com/business-daily/carmaker-production"`,
			"e-Newsletter!", "4 Comments on “" + lead,
			"Recent Comments", m.commenter.DisplayName, "Call me old-fashioned", `class="comment-list children"`, `href="/comments/`,
			`<a href="#top">Back to Top</a>`, "Leave a Reply",
			`action="/comments/hold"`, `<input type="hidden" name="return_to" value="` + m.leadPath + `#respond">`, "Sign in with a password</a>", "E-mail me a sign-in link",
			`<link rel="canonical" href="` + srv.URL + m.leadPath + `">`, `<meta property="og:title" content="` + lead,
			`<meta name="twitter:card" content="summary">`, `"@type":"NewsArticle"`, `rel="tag">manufacturing</a>`,
			m.writer.DisplayName + "</a>, Canada"},
			nil},
		{"/tag/luxury/", 200, "text/html", []string{"<h1>Luxury</h1>", lead, "Luxury Sedan Sales Slip Again", `href="/tag/luxury/feed/"`},
			[]string{"Rain Decides a Close Race"}},
		{"/author/" + m.author.Slug + "/", 200, "text/html", []string{"<h1>" + author + "</h1>", "United States", lead, "contributor"}, nil},
		{"/author/" + m.commenter.Slug + "/", 200, "text/html", []string{"<h1>" + m.commenter.DisplayName + "</h1>",
			`<h2 id="person-comments-heading">Recent comments</h2>`, lead + `</a> · <a href="/comments/`}, []string{"No articles here yet."}},
		{"/2024/", 200, "text/html", []string{"Archive: 2024"}, nil},
		{"/2024/04/", 200, "text/html", []string{"Archive: April 2024", lead}, []string{"Rain Decides a Close Race"}},
		{"/2024/04/05/", 200, "text/html", []string{"Archive: April 5, 2024", lead}, []string{"April 4, 2024"}},
		{"/search?q=carmaker", 200, "text/html", []string{"Search results for “carmaker”", "<mark>", lead[len("Carmaker"):],
			`<meta name="robots" content="noindex, follow">`}, []string{"Rain Decides a Close Race"}},
		{"/search?q=%22%28%29zzqx%2A", 200, "text/html", []string{"Nothing matched"}, nil},
		{"/search", 200, "text/html", []string{"Type a few words"}, nil},
		{"/register", 200, "text/html", []string{"Create an account", `<select id="reg-country" name="country"`, `<option value="CA">Canada</option>`}, nil},
		{"/login", 200, "text/html", []string{"Remember me", `href="/password/forgot"`}, nil},
		{"/password/forgot", 200, "text/html", []string{"Reset your password"}, nil},
		{"/password/reset?token=nope", 410, "text/html", []string{"Ask for a new link"}, nil},
		{"/verify?token=nope", 410, "text/html", []string{"invalid, has expired"}, nil},
		{"/robots.txt", 200, "text/plain", []string{"Sitemap: " + srv.URL + "/sitemap.xml"}, nil},
		{"/healthz", 200, "text/plain", []string{"ok"}, nil},
		{"/readyz", 200, "text/plain", []string{"ready"}, nil},

		// Bad input: clear 4xx pages, never a 500.
		{"/no-such-page/", 404, "text/html", []string{"Page not found", "Contributors"}, nil},
		{"/2024/02/30/", 404, "text/html", []string{"Page not found"}, nil},
		{"/2024/04/05/no-such-article/", 404, "text/html", []string{"Page not found"}, nil},
		{"/24/04/05/" + m.lead.Slug + "/", 404, "text/html", nil, nil},
		{"/tag/no-such-tag/", 404, "text/html", nil, nil},
		{"/author/nobody/", 404, "text/html", nil, nil},
		{"/?before=garbage", 400, "text/html", []string{"malformed “before” parameter"}, nil},
		{"/search?q=x&page=abc", 400, "text/html", []string{"page number"}, nil},
		{"/static/nope.css", 404, "text/html", nil, nil},
		{"/2024/05/10/" + m.draft.Slug + "/", 404, "text/html", nil, nil},
		{m.scheduled.PublishedAt.In(siteZone).Format("/2006/01/02/") + m.scheduled.Slug + "/", 404, "text/html", nil, nil}, // still to come
		{"/%ff/", 404, "text/html", nil, nil},
	}
	for _, c := range cases {
		resp, body := get(t, srv, c.path)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.path, resp.StatusCode, c.status)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, c.ctype) {
			t.Errorf("%s: content type %q", c.path, ct)
		}
		for _, want := range c.contains {
			if !strings.Contains(body, want) {
				t.Errorf("%s: body lacks %q", c.path, want)
			}
		}
		for _, bad := range c.absent {
			if strings.Contains(body, bad) {
				t.Errorf("%s: body has %q", c.path, bad)
			}
		}
		if strings.HasPrefix(c.ctype, "text/html") {
			checkHTML(t, c.path, body)
		}
	}
}

// checkHTML fails on markup a validator would reject: unbalanced
// elements, a missing lang or title, duplicate ids, unlabeled inputs.
func checkHTML(t *testing.T, path, body string) {
	t.Helper()
	void := map[string]bool{"meta": true, "link": true, "input": true, "br": true, "img": true, "hr": true, "source": true, "wbr": true}
	z := html.NewTokenizer(strings.NewReader(body))
	var stack []string
	ids := map[string]bool{}
	labels := map[string]bool{}
	var inputs []string
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, a := range tok.Attr {
				if a.Key == "id" {
					if ids[a.Val] {
						t.Errorf("%s: duplicate id %q", path, a.Val)
					}
					ids[a.Val] = true
					if tok.Data == "input" && attr(tok, "type") != "hidden" || tok.Data == "select" || tok.Data == "textarea" {
						inputs = append(inputs, a.Val)
					}
				}
				if a.Key == "for" && tok.Data == "label" {
					labels[a.Val] = true
				}
			}
			if tok.Data == "input" && !hasAttr(tok, "id") && attr(tok, "type") != "hidden" {
				t.Errorf("%s: input without id/label", path)
			}
			if tt == html.StartTagToken && !void[tok.Data] {
				stack = append(stack, tok.Data)
			}
		case html.EndTagToken:
			if len(stack) == 0 || stack[len(stack)-1] != tok.Data {
				t.Errorf("%s: </%s> closes %v", path, tok.Data, stack)
				return
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) != 0 {
		t.Errorf("%s: unclosed elements %v", path, stack)
	}
	for _, id := range inputs {
		if !labels[id] {
			t.Errorf("%s: input %q has no label", path, id)
		}
	}
	if !strings.HasPrefix(body, "<!doctype html>") || !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "<main") {
		t.Errorf("%s: missing doctype, lang or main landmark", path)
	}
}

func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(tok html.Token, key string) bool {
	for _, a := range tok.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func TestRedirectsAndPaging(t *testing.T) {
	dbtest.Each(t, testRedirectsAndPaging)
}

func testRedirectsAndPaging(t *testing.T, d *db.DB) {
	srv, _, m := serveMagazine(t, d)
	// The right slug under a wrong date goes to the real address.
	resp, _ := get(t, srv, "/2011/01/01/"+m.lead.Slug+"/")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != m.leadPath {
		t.Fatalf("wrong date: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = get(t, srv, "/tag/luxury")
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != "/tag/luxury/" {
		t.Fatalf("missing slash: %d to %q", resp.StatusCode, loc)
	}
	// Unknown paths answer 404 at once; the slash variants of real pages
	// lead to them.
	for path, want := range map[string]struct {
		status int
		to     string
	}{
		"/nonexistent":          {404, ""},
		"/about":                {307, "/about/"},
		"/about/":               {200, ""},
		"/nonexistent/":         {404, ""},
		"/abc/def":              {404, ""},
		"/2012/xx/05/infiniti":  {404, ""},
		"/login/":               {301, "/login"},
		"/register/":            {301, "/register"},
		"/search/?q=infiniti":   {301, "/search?q=infiniti"},
		"/password/forgot/":     {301, "/password/forgot"},
		"/2012":                 {307, "/2012/"},
		"/2012/04":              {307, "/2012/04/"},
		"/cars":                 {307, "/cars/"},
		"/feed":                 {307, "/feed/"},
		"/tag/luxury/feed/atom": {307, "/tag/luxury/feed/atom/"},
	} {
		resp, _ := get(t, srv, path)
		if resp.StatusCode != want.status || resp.Header.Get("Location") != want.to {
			t.Errorf("%s: %d to %q, want %d to %q", path, resp.StatusCode, resp.Header.Get("Location"), want.status, want.to)
		}
	}
	// Keyset pages: following "Older" never repeats an article and ends.
	seen := map[string]bool{}
	next := "/"
	older := regexp.MustCompile(`class="older" href="([^"]+)"`)
	headline := regexp.MustCompile(`<h2 class="(?:lead|teaser|card)-headline"><a href="([^"]+)"`)
	for pages := 0; next != ""; pages++ {
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
		_, body := get(t, srv, html.UnescapeString(next))
		for _, m := range headline.FindAllStringSubmatch(body, -1) {
			if seen[m[1]] {
				t.Fatalf("%s listed twice", m[1])
			}
			seen[m[1]] = true
		}
		next = ""
		if m := older.FindStringSubmatch(body); m != nil {
			next = m[1]
		}
	}
	if len(seen) != m.published {
		t.Fatalf("paged through %d articles, want the %d published", len(seen), m.published)
	}
}

func TestFeedsAndSitemap(t *testing.T) {
	dbtest.Each(t, testFeedsAndSitemap)
}

func testFeedsAndSitemap(t *testing.T, d *db.DB) {
	srv, _, m := serveMagazine(t, d)
	author := "/author/" + m.author.Slug + "/feed/"
	for _, path := range []string{"/feed/", "/feed/atom/", "/tag/luxury/feed/", "/tag/luxury/feed/atom/", author, author + "atom/"} {
		resp, body := get(t, srv, path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		checkFeed(t, srv.URL, path, resp.Header.Get("Content-Type"), body)
	}
	resp, body := get(t, srv, "/sitemap.xml")
	if resp.StatusCode != 200 {
		t.Fatalf("sitemap: %d", resp.StatusCode)
	}
	var set struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal([]byte(body), &set); err != nil {
		t.Fatalf("sitemap: %v", err)
	}
	found := false
	for _, u := range set.URLs {
		if !strings.HasPrefix(u.Loc, srv.URL+"/") {
			t.Errorf("sitemap URL not absolute: %s", u.Loc)
		}
		found = found || u.Loc == srv.URL+m.leadPath
	}
	if !found || len(set.URLs) < m.published {
		t.Fatalf("sitemap has %d URLs for %d articles, the lead article %v", len(set.URLs), m.published, found)
	}
	if resp, _ := get(t, srv, "/tag/nope/feed/"); resp.StatusCode != 404 {
		t.Fatalf("feed of unknown tag: %d", resp.StatusCode)
	}
}

func TestCompressionAndHeaders(t *testing.T) {
	srv, _, m := serveMagazine(t, dbtest.SQLite(t))
	req, _ := http.NewRequest("GET", srv.URL+m.leadPath, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("X-Request-ID", "abc-123")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(zr)
	if !strings.Contains(string(b), m.lead.Headline) {
		t.Fatal("gzip body does not decode to the page")
	}
	for h, want := range map[string]string{"X-Request-ID": "abc-123", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Error("no CSP")
	}
	// Static files are content-addressed and cached for a year.
	_, body := get(t, srv, "/")
	style := regexp.MustCompile(`href="(/static/style\.[0-9a-f]+\.css)"`).FindStringSubmatch(body)
	if style == nil {
		t.Fatal("no hashed stylesheet link")
	}
	resp2, css := get(t, srv, style[1])
	if resp2.StatusCode != 200 || !strings.Contains(resp2.Header.Get("Cache-Control"), "immutable") || !strings.Contains(css, "prefers-color-scheme: dark") {
		t.Fatalf("stylesheet: %d %q", resp2.StatusCode, resp2.Header.Get("Cache-Control"))
	}
	// Metrics count requests by route.
	_, metricsBody := get(t, srv, "/metrics")
	if !strings.Contains(metricsBody, `byline_http_requests_total{code="200",method="GET",route="GET /{year}/{month}/{day}/{slug}/{$}"}`) ||
		!strings.Contains(metricsBody, "go_sql_open_connections") {
		t.Fatalf("metrics lack route counts or pool stats")
	}
}

func TestReadyzReportsDatabaseDown(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, _, _ := serveMagazine(t, d)
	d.Close()
	resp, _ := get(t, srv, "/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz with a closed database: %d", resp.StatusCode)
	}
	// A page that needs the database is a clean 500, not a crash.
	resp, body := get(t, srv, "/")
	if resp.StatusCode != 500 || !strings.Contains(body, "Something went wrong") {
		t.Fatalf("page with closed database: %d", resp.StatusCode)
	}
}

func timeIn(hours int) time.Time { return time.Now().Add(time.Duration(hours) * time.Hour) }

// refresh is the server's poll of the content counter, done now (after a
// test changed the database behind the site's back).
func (ts testSite) refresh(t *testing.T) {
	t.Helper()
	if err := ts.cache.Refresh(context.Background(), ts.db, ts.settings.Invalidate); err != nil {
		t.Fatal(err)
	}
}

// newSiteWithCache builds a second handler over the same stores as ts,
// with or without a page cache.
func newSiteWithCache(t *testing.T, ts testSite, withCache bool) (http.Handler, *pagecache.Cache) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var cache *pagecache.Cache
	if withCache {
		cache = pagecache.New(32 << 20)
	}
	loc, _ := time.LoadLocation("America/New_York")
	s, err := web.New(web.Deps{Cache: cache, Deps: core.Deps{Articles: article.NewStore(ts.db), People: ts.accounts, Comments: ts.comments,
		Limiter: ratelimit.New(ts.db), Outbox: ts.outbox, Settings: ts.settings, Events: events.New(), DB: ts.db,
		Location: loc, Logger: log, Cars: cars.NewStore(ts.db), Leads: ts.leads,
		Media: media.NewStore(ts.db, media.Database{DB: ts.db})}})
	if err != nil {
		t.Fatal(err)
	}
	return s, cache
}

func httptestRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// firstDiff shows where two pages part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return fmt.Sprintf("overlay: %q\n\nfull:    %q", a[lo:min(len(a), i+120)], b[lo:min(len(b), i+120)])
}
