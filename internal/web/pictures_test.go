package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"byline/internal/dbtest"
)

// TestArticlePictures: an article page shares its lead picture (og:image,
// a large Twitter card) and shows it with every variant in srcset, its
// size reserved, fetched first; lists show thumbnails, lazily.
func TestArticlePictures(t *testing.T) {
	srv := newSite(t, dbtest.SQLite(t)) // the demo's own pictures
	_, body := anonGet(t, srv.URL+demoArticle, nil)
	og := regexp.MustCompile(`<meta property="og:image" content="([^"]+)">`).FindStringSubmatch(body)
	if og == nil || !strings.HasPrefix(og[1], "http://") || !strings.Contains(body, `<meta name="twitter:card" content="summary_large_image">`) ||
		!strings.Contains(body, `<meta name="twitter:image" content="`+og[1]+`">`) || !strings.Contains(body, `<meta property="og:image:alt" content="Illustration: `) {
		t.Fatalf("article page lacks its sharing picture:\n%.3000s", body)
	}
	lead := regexp.MustCompile(`<figure class="featured"><img ([^>]+)>`).FindStringSubmatch(body)
	if lead == nil {
		t.Fatal("no lead picture on the article page")
	}
	attrs := lead[1]
	srcset := regexp.MustCompile(`srcset="([^"]+)"`).FindStringSubmatch(attrs)
	if srcset == nil || len(regexp.MustCompile(` \d+w`).FindAllString(srcset[1], -1)) != 3 ||
		!regexp.MustCompile(`width="\d+" height="\d+"`).MatchString(attrs) || !strings.Contains(attrs, `fetchpriority="high"`) ||
		strings.Contains(attrs, `loading="lazy"`) || !strings.Contains(attrs, `alt="Illustration: `) || !strings.Contains(attrs, `sizes="`) {
		t.Fatalf("lead picture: %s", attrs)
	}
	// The picture is served, and so is every variant.
	for _, u := range append([]string{og[1]}, regexp.MustCompile(`(/media/\S+) \d+w`).FindAllString(srcset[1], -1)...) {
		u = strings.Fields(u)[0]
		if strings.HasPrefix(u, "/") {
			u = srv.URL + u
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("%s: %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	// The byline shows the author's photo, which is theirs, not a pattern.
	if !strings.Contains(body, `<img class="author-photo" src="/avatar/elliot-vance"`) {
		t.Fatal("no author photo in the byline")
	}
	resp, err := http.Get(srv.URL + "/avatar/elliot-vance")
	if err != nil || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("author photo: %v %v", err, resp.Header.Get("Content-Type"))
	}
	resp.Body.Close()

	// Lists: the home page's lead is fetched first; thumbnails further down
	// load lazily, with their size reserved. Every list of articles has them.
	_, home := anonGet(t, srv.URL+"/", nil)
	if n := strings.Count(home, `fetchpriority="high"`); n != 1 {
		t.Fatalf("%d pictures fetched first on the home page", n)
	}
	thumbs := regexp.MustCompile(`<a class="teaser-thumb"[^>]*><img [^>]*width="\d+" height="\d+"[^>]*loading="lazy"`).FindAllString(home, -1)
	if len(thumbs) < 5 {
		t.Fatalf("%d lazy thumbnails on the home page", len(thumbs))
	}
	for _, path := range []string{"/tag/recalls/", "/author/elliot-vance/", "/2012/", "/2012/04/", "/search?q=pickup"} {
		_, page := anonGet(t, srv.URL+path, nil)
		if !strings.Contains(page, `class="teaser-thumb"`) || !strings.Contains(page, `srcset="/media/`) {
			t.Fatalf("%s has no thumbnails", path)
		}
	}
	_, author := anonGet(t, srv.URL+"/author/elliot-vance/", nil)
	if !strings.Contains(author, `alt="Portrait of Elliot Vance"`) {
		t.Fatal("the author page has no portrait")
	}
	// A model's research page shows its photo and shares it.
	_, car := anonGet(t, srv.URL+"/cars/infiniti/qx60/", nil)
	if !strings.Contains(car, `<figure class="car-photo"><img src="/media/`) || !strings.Contains(car, `<meta property="og:image" content="http://`) ||
		!strings.Contains(car, `alt="Illustration: a `) {
		t.Fatalf("the model page has no photo:\n%.2000s", car)
	}
}

// TestSitePages: the site's pages live at /{slug}/ beside the year
// archives, are listed in the footer and the sitemap, drafts are not
// public, and an edit shows at once on cached pages.
func TestSitePages(t *testing.T) {
	srv, _, ts, m := magazineSite(t, dbtest.SQLite(t))
	pages := map[string]string{"/about/": "About " + siteName, "/contact/": "Contact"}
	_, home := anonGet(t, srv.URL+"/", nil)
	_, sitemap := anonGet(t, srv.URL+"/sitemap.xml", nil)
	for path, title := range pages {
		resp, body := anonGet(t, srv.URL+path, nil)
		if resp.StatusCode != 200 || !strings.Contains(body, `<h1 id="page-title">`+title+`</h1>`) {
			t.Fatalf("%s: %d\n%.1000s", path, resp.StatusCode, body)
		}
		if !strings.Contains(home, `<li><a href="`+path+`">`+title+`</a></li>`) {
			t.Errorf("the footer does not list %s", path)
		}
		if !strings.Contains(sitemap, "<loc>"+srv.URL+path+"</loc>") {
			t.Errorf("the sitemap does not list %s", path)
		}
	}
	// Years are still archives; unknown pages and section names are 404;
	// /about is sent to /about/ (by ServeMux).
	for path, want := range map[string]int{"/2024/": 200, "/1999/": 200, "/no-such-page/": 404, "/tag/": 404, "/about": 307} {
		if resp, _ := get(t, srv, path); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}

	// An editor changes the About page: cached pages show it at once.
	editor := signedIn(t, newBrowser(t, srv), m.editor.Email)
	editor.expect(editor.get("/admin/pages"), 200, "About "+siteName, "/about/")
	id := regexp.MustCompile(`href="/admin/pages/(\d+)">About ` + siteName).FindStringSubmatch(editor.last)[1]
	editor.expect(editor.get("/admin/pages/"+id), 200)
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(editor.last)[1]
	save := url.Values{"action": {"save"}, "version": {version}, "title": {"About Us"}, "slug": {"about"}, "status": {"published"},
		"position": {"1"}, "body": {"We are **car people**."}}
	editor.expect(editor.post("/admin/pages/"+id, save), 303)
	if _, body := anonGet(t, srv.URL+"/about/", nil); !strings.Contains(body, "<strong>car people</strong>") {
		t.Fatal("the cached About page is stale after an edit")
	}
	if _, body := anonGet(t, srv.URL+"/", nil); !strings.Contains(body, `<a href="/about/">About Us</a>`) {
		t.Fatal("the cached footer is stale after an edit")
	}
	// A save from an old version is refused.
	editor.expect(editor.post("/admin/pages/"+id, save), 409)

	// Back to draft: gone from the site, the footer and the sitemap.
	editor.expect(editor.get("/admin/pages/"+id), 200)
	save.Set("version", regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(editor.last)[1])
	save.Set("status", "draft")
	editor.expect(editor.post("/admin/pages/"+id, save), 303)
	if resp, _ := anonGet(t, srv.URL+"/about/", nil); resp.StatusCode != 404 {
		t.Fatalf("a draft page answers %d", resp.StatusCode)
	}
	if _, body := anonGet(t, srv.URL+"/", nil); strings.Contains(body, `href="/about/"`) {
		t.Fatal("the footer lists a draft page")
	}
	if _, body := anonGet(t, srv.URL+"/sitemap.xml", nil); strings.Contains(body, "/about/") {
		t.Fatal("the sitemap lists a draft page")
	}

	// A new page; an address that is a year or a section is refused.
	editor.expect(editor.post("/admin/pages", url.Values{"title": {"2024"}, "slug": {"2024"}, "status": {"published"}, "body": {"x"}}), 422)
	editor.expect(editor.post("/admin/pages", url.Values{"title": {"Tags"}, "slug": {"tag"}, "status": {"published"}, "body": {"x"}}), 422)
	editor.expect(editor.post("/admin/pages", url.Values{"title": {"Jobs"}, "status": {"published"}, "body": {"Join the newsroom."}}), 303)
	if resp, body := anonGet(t, srv.URL+"/jobs/", nil); resp.StatusCode != 200 || !strings.Contains(body, "Join the newsroom.") {
		t.Fatalf("a new page: %d", resp.StatusCode)
	}

	// A change made elsewhere (another node) shows once the counter is read.
	if _, err := ts.db.Exec(context.Background(), `UPDATE pages SET title = 'Reach Us' WHERE slug = 'contact'`); err != nil {
		t.Fatal(err)
	}
	ts.refresh(t)
	if _, body := anonGet(t, srv.URL+"/", nil); !strings.Contains(body, `<a href="/contact/">Reach Us</a>`) {
		t.Fatal("a page changed by another node is stale in the footer")
	}

	// Contributors may not edit pages.
	writer := signedIn(t, newBrowser(t, srv), m.writer.Email)
	writer.expect(writer.get("/admin/pages"), 403)
}
