package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestRedirects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv, ts, m := serveMagazine(t, d)
		add := func(old, target string) int64 {
			t.Helper()
			r, err := ts.redirects.Add(ctx, old, target)
			if err != nil {
				t.Fatal(err)
			}
			return r.ID
		}
		post := add("/old/2011/05/slug/", m.leadPath)
		byID := add("/?p=123", m.leadPath)
		add("/wp-content/uploads/2011/05/a.jpg", "/media/1/a.jpg")
		add(m.leadPath, "/elsewhere/") // a page that exists is never redirected

		for _, c := range []struct {
			path   string
			status int
			to     string
		}{
			{"/old/2011/05/slug/", 301, m.leadPath},
			{"/old/2011/05/slug", 301, m.leadPath},
			{"/old/2011/05/slug/?utm_source=newsletter&utm_medium=email", 301, m.leadPath},
			{"/?p=123", 301, m.leadPath},
			{"/?utm_source=twitter&p=123&fbclid=abc", 301, m.leadPath},
			{"/wp-content/uploads/2011/05/a.jpg", 301, "/media/1/a.jpg"},
			{"/?feed=rss2", 301, "/feed/"},
			{"/?m=202404", 301, "/2024/04/"},
			{"/?p=999", 404, ""},
			{"/?utm_source=twitter", 200, ""},
			{"/no-such-page/", 404, ""},
			{m.leadPath, 200, ""},
		} {
			resp, _ := get(t, srv, c.path)
			if resp.StatusCode != c.status || resp.Header.Get("Location") != c.to {
				t.Errorf("GET %s: %d to %q; want %d to %q", c.path, resp.StatusCode, resp.Header.Get("Location"), c.status, c.to)
			}
		}
		req, _ := http.NewRequest(http.MethodHead, srv.URL+"/?p=123", nil)
		if resp, err := noRedirect.Do(req); err != nil || resp.StatusCode != 301 {
			t.Errorf("HEAD /?p=123: %v, %v", resp, err)
		}

		// Hits are counted (in memory, written by the flush).
		if err := ts.redirects.FlushHits(ctx); err != nil {
			t.Fatal(err)
		}
		for id, want := range map[int64]int64{post: 3, byID: 3} {
			r, err := ts.redirects.ByID(ctx, id)
			if err != nil || r.Hits != want || r.LastHitAt.IsZero() {
				t.Errorf("redirect %d: %+v, %v; want %d hits", id, r, err, want)
			}
		}

		// The admin screen: in the navigation of those who may open it.
		admin := signedIn(t, newBrowser(t, srv), m.editor.Email)
		admin.expect(admin.get("/admin"), 200, `href="/admin/redirects"`)
		admin.expect(admin.get("/admin/redirects"), 200, "/old/2011/05/slug", "/wp-content/uploads/2011/05/a.jpg")
		writer := signedIn(t, newBrowser(t, srv), m.writer.Email)
		writer.expect(writer.get("/admin/redirects"), 403)

		// A miss is remembered, and forgotten when a redirect is added.
		if resp, _ := get(t, srv, "/2010/01/gone-story/"); resp.StatusCode != 404 {
			t.Fatalf("before the redirect: %d", resp.StatusCode)
		}
		admin.expect(admin.post("/admin/redirects", url.Values{"old": {"/2010/01/gone-story/"}, "target": {"https://archive.example/gone"}}), 303)
		if resp, _ := get(t, srv, "/2010/01/gone-story/"); resp.StatusCode != 301 || resp.Header.Get("Location") != "https://archive.example/gone" {
			t.Errorf("after the redirect: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}

		// Refusals keep what was typed, with the reason by the field.
		admin.expect(admin.post("/admin/redirects", url.Values{"old": {"old-page"}, "target": {"/kept/target/"}}), 422,
			"starts with /", `value="old-page"`, `value="/kept/target/"`)
		admin.expect(admin.post("/admin/redirects", url.Values{"old": {"/loop/"}, "target": {"/loop"}}), 422, "lead to itself")
		admin.expect(admin.post("/admin/redirects", url.Values{"old": {"/x/"}, "target": {"javascript:alert(1)"}}), 422, "http://")

		// Search, edit, delete.
		admin.expect(admin.get("/admin/redirects?q=UPLOADS"), 200, "/wp-content/uploads/2011/05/a.jpg")
		if strings.Contains(admin.last, "/old/2011/05/slug") {
			t.Error("the search lists what it does not match")
		}
		id := func(r int64) string { return "/admin/redirects/" + strconv.FormatInt(r, 10) }
		admin.expect(admin.get(id(post)), 200, `value="/old/2011/05/slug"`, "3, the last on")
		admin.expect(admin.post(id(post), url.Values{"action": {"save"}, "old": {"/old/2011/05/slug/"}, "target": {"//evil.example/"}}), 422,
			"single /", `value="//evil.example/"`)
		admin.expect(admin.post(id(post), url.Values{"action": {"save"}, "old": {"/?p=123"}, "target": {"/x/"}}), 422, "already starts at this address")
		admin.expect(admin.post(id(post), url.Values{"action": {"save"}, "old": {"/old/2011/05/slug/"}, "target": {"/2024/"}}), 303)
		if resp, _ := get(t, srv, "/old/2011/05/slug/"); resp.Header.Get("Location") != "/2024/" {
			t.Errorf("after the edit: %q", resp.Header.Get("Location"))
		}
		admin.expect(admin.post(id(post), url.Values{"action": {"delete"}}), 303)
		if resp, _ := get(t, srv, "/old/2011/05/slug/"); resp.StatusCode != 404 {
			t.Errorf("after the delete: %d", resp.StatusCode)
		}
		admin.expect(admin.get(id(post)), 404)
	})
}

func TestCategoryArchives(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv, ts, m := serveMagazine(t, d)
		// No categories: the sections are the most used tags.
		if _, home := get(t, srv, "/"); !strings.Contains(home, `<li><a href="/tag/`) || strings.Contains(home, `href="/category/`) {
			t.Fatalf("home's sections without categories:\n%.2000s", home)
		}

		news, err := ts.articles.EnsureCategory(ctx, "news", "News", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.articles.EnsureCategory(ctx, "cars", "Cars & Trucks", news.ID); err != nil {
			t.Fatal(err)
		}
		a, err := ts.articles.Create(ctx, article.Draft{Headline: "Pickups Lead the Spring", AuthorID: m.author.ID, BodyMD: "Trucks sold.",
			Status: article.StatusPublished, PublishedAt: leadDate.Add(-24 * time.Hour), Tags: []string{"cars", "trucks"}})
		if err != nil {
			t.Fatal(err)
		}
		ts.refresh(t) // this node hears of the counter when it next reads it

		b := newBrowser(t, srv)
		b.expect(b.get("/category/news/cars/"), 200, "<h1>Cars &amp; Trucks</h1>", `<a href="/category/news/">News</a>`, a.Headline,
			`href="/category/news/cars/feed/"`, `<link rel="canonical" href="`+srv.URL+`/category/news/cars/">`)
		b.expect(b.get("/category/news/"), 200, "<h1>News</h1>", a.Headline, "Section")
		b.expect(b.get("/tag/cars/"), 200, "<h1>Cars &amp; Trucks</h1>", a.Headline)
		b.expect(b.get("/category/news/cars/feed/"), 200, a.Headline, "<rss")
		b.expect(b.get("/category/news/cars/feed/atom/"), 200, a.Headline, "<feed")
		for path, to := range map[string]string{
			"/category/cars/":            "/category/news/cars/",
			"/category/other/cars/":      "/category/news/cars/",
			"/category/news/cars":        "/category/news/cars/",
			"/category/cars/feed/":       "/category/news/cars/feed/",
			"/category/news/cars/?a=b":   "/category/news/cars/?a=b",
			"/category/x/y/z/news/cars/": "/category/news/cars/",
		} {
			if path == to {
				continue
			}
			resp, _ := get(t, srv, path)
			if resp.StatusCode != 301 || resp.Header.Get("Location") != to {
				t.Errorf("GET %s: %d to %q; want 301 to %q", path, resp.StatusCode, resp.Header.Get("Location"), to)
			}
		}
		for _, path := range []string{"/category/nope/", "/category/", "/category/trucks/", "/category/news/nope/feed/"} {
			if resp, _ := get(t, srv, path); resp.StatusCode != 404 {
				t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
			}
		}

		_, sitemap := get(t, srv, "/sitemap.xml")
		if !strings.Contains(sitemap, "<loc>"+srv.URL+"/category/news/cars/</loc>") || strings.Contains(sitemap, "/tag/cars/") {
			t.Errorf("the sitemap names the category by its /tag/ alias:\n%s", sitemap)
		}

		// The sections are the top categories now; the category is the
		// article's kicker, shown by its own name.
		_, home := get(t, srv, "/")
		if !strings.Contains(home, `<li><a href="/category/news/">News</a></li>`) || strings.Contains(home, `<li><a href="/tag/`) {
			t.Errorf("home's sections with categories:\n%.3000s", home)
		}
		_, page := get(t, srv, leadDate.Add(-24*time.Hour).In(siteZone).Format("/2006/01/02/")+a.Slug+"/")
		if !strings.Contains(page, `<p class="kicker"><a href="/tag/cars/">Cars &amp; Trucks</a></p>`) {
			t.Errorf("the article's kicker:\n%.3000s", page)
		}
	})
}
