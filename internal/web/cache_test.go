package web_test

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/pagecache"
)

func anonGet(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, _ := io.ReadAll(r)
	return resp, string(b)
}

func TestPageCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, ts, m := magazineSite(t, d)
		page := srv.URL + m.leadPath
		hits := func() int64 { return ts.cache.Stats().Hits }

		// A second anonymous request is a hit, with validators and gzip.
		resp1, body1 := anonGet(t, page, nil)
		h0 := hits()
		resp2, body2 := anonGet(t, page, map[string]string{"Accept-Encoding": "gzip"})
		if hits() != h0+1 || body1 != body2 || resp2.Header.Get("Content-Encoding") != "gzip" || resp1.Header.Get("ETag") == "" {
			t.Fatalf("second request: hits %d→%d, same body %v, encoding %q, etag %q", h0, hits(), body1 == body2, resp2.Header.Get("Content-Encoding"), resp1.Header.Get("ETag"))
		}
		if resp2.Header.Get("X-Content-Type-Options") != "nosniff" || resp2.Header.Get("X-Request-ID") == "" {
			t.Fatal("cached responses lose the security headers")
		}
		resp3, _ := anonGet(t, page, map[string]string{"If-None-Match": resp1.Header.Get("ETag")})
		if resp3.StatusCode != http.StatusNotModified {
			t.Fatalf("conditional request: %d", resp3.StatusCode)
		}
		// A hit (served before the routes) answers with the headers of the
		// request that filled the cache, and keeps a request ID it was given.
		resp4, body4 := anonGet(t, page, map[string]string{"X-Request-ID": "trace-42"})
		if body4 != body1 || resp4.Header.Get("X-Request-ID") != "trace-42" {
			t.Fatalf("hit: same body %v, request ID %q", body4 == body1, resp4.Header.Get("X-Request-ID"))
		}
		for _, h := range []http.Header{resp1.Header, resp4.Header} {
			h.Del("Date")
			h.Del("X-Request-Id")
		}
		if !reflect.DeepEqual(resp1.Header, resp4.Header) {
			t.Fatalf("a hit's headers differ from the fill's:\n fill %v\n  hit %v", resp1.Header, resp4.Header)
		}
		// A session cookie that names no session costs no render: the
		// anonymous page from the cache, kept by this browser only, with
		// the cookie cleared.
		h0 = hits()
		resp5, body5 := anonGet(t, page, map[string]string{"Cookie": "byline_session=made-up-token"})
		if hits() != h0+1 || body5 != body1 || resp5.Header.Get("Cache-Control") != "private, no-cache" ||
			!strings.Contains(resp5.Header.Get("Set-Cookie"), "byline_session=;") {
			t.Fatalf("stale cookie: hits %d→%d, same body %v, Cache-Control %q, Set-Cookie %q", h0, hits(), body5 == body1,
				resp5.Header.Get("Cache-Control"), resp5.Header.Get("Set-Cookie"))
		}

		// A comment, once acknowledged, is on the cached page: never stale.
		b := signedIn(t, newBrowser(t, srv), m.reader.Email)
		art := articleID(t, b, m.leadPath)
		b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {"Cached pages must show this at once."}}), 303)
		_, body := anonGet(t, page, nil)
		if !strings.Contains(body, "Cached pages must show this at once.") || !strings.Contains(body, "5 Comments on") {
			t.Fatal("the cached page is stale after a comment")
		}
		_, home := anonGet(t, srv.URL+"/", nil)
		if !strings.Contains(home, m.reader.DisplayName+"</strong> on <cite>"+m.lead.Headline) || !strings.Contains(home, "<span class=\"recent-excerpt\">Cached pages must show") {
			t.Fatal("Recent Comments on the cached home page is stale")
		}
		// Nothing personal leaks into the cache.
		// (A signed-out reader's box holds its text for sign-in at
		// /comments/hold; a signed-in reader's posts to /comments.)
		if strings.Contains(body, `action="/comments#comment-form"`) || !strings.Contains(body, `action="/comments/hold"`) || strings.Contains(body, "Sign out") {
			t.Fatal("a signed-in reader's page was cached for everyone")
		}

		// A vote changes the article's cached page.
		id := regexp.MustCompile(`id="comment-(\d+)"`).FindStringSubmatch(body)[1]
		other := signedIn(t, newBrowser(t, srv), m.third.Email)
		other.expect(other.post("/comments/"+id+"/vote", url.Values{"value": {"1"}}), 303)
		_, body = anonGet(t, page, nil)
		if !strings.Contains(body, `data-score="`+id+`" title="4 up, 0 down">4<`) {
			t.Fatal("the cached page is stale after a vote")
		}
		// The voter's own page shows their vote pressed, and withdrawn when
		// they withdraw it: what a cached page keeps of it never outlives it.
		voted := `aria-pressed="true" title="Vote up"`
		if other.get(m.leadPath); !strings.Contains(other.last, voted) {
			t.Fatal("the voter's page does not show their vote")
		}
		other.expect(other.post("/comments/"+id+"/vote", url.Values{"value": {"0"}}), 303)
		if other.get(m.leadPath); strings.Contains(other.last, voted) {
			t.Fatal("the voter's page still shows a withdrawn vote")
		}
		// A vote through the JSON API changes the cached page too.
		p, err := ts.accounts.Find(context.Background(), m.replier.Email)
		if err != nil {
			t.Fatal(err)
		}
		secret, _, err := ts.accounts.CreateAPIToken(context.Background(), p.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/comments/"+id+"/vote", strings.NewReader(`{"value": -1}`))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("vote through the API: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		_, body = anonGet(t, page, nil)
		if !strings.Contains(body, `data-score="`+id+`" title="2 up, 1 down">1<`) {
			t.Fatal("the cached page is stale after a vote through the API")
		}

		// A change made elsewhere (another node, a command-line tool) shows once
		// the content counter is read, as the server does four times a second.
		ts.db.Exec(context.Background(), `UPDATE articles SET headline = 'Carmaker Changes Its Plans' WHERE id = $1`, art)
		ts.refresh(t)
		if _, body = anonGet(t, page, nil); !strings.Contains(body, "Carmaker Changes Its Plans") {
			t.Fatal("a change in the database did not reach the cached page")
		}
	})
}

func TestPageCacheRendersOncePerChange(t *testing.T) {
	// A site without the mail worker magazineSite runs: its polling (every
	// 20 ms, slower under load) would be counted with the page's queries.
	d := dbtest.SQLite(t)
	m := newMagazine(t, d)
	srv, ts := startSite(t, d, "", false)
	ctx := context.Background()
	version := func() int64 {
		var v int64
		if err := ts.db.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	// What one render of the page costs.
	anonGet(t, srv.URL+m.leadPath, nil) // the sidebar's lists, read once for a while
	ts.cache.Clear()
	before := ts.db.QueryCount()
	anonGet(t, srv.URL+m.leadPath, nil)
	one := ts.db.QueryCount() - before

	ts.cache.Clear()
	v0 := version()
	before = ts.db.QueryCount()
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, _ := anonGet(t, srv.URL+m.leadPath, nil)
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	q := ts.db.QueryCount() - before
	if v := version(); v != v0 {
		t.Fatalf("the content counter moved from %d to %d while nothing changed", v0, v)
	}
	// Forty requests at once share one render (a second at most, should
	// the settings' few seconds of caching run out meanwhile).
	if q > 2*one {
		t.Fatalf("%d queries for 40 simultaneous requests of one page; one render runs %d", q, one)
	}
}

func TestPageCacheBounded(t *testing.T) {
	c := pagecache.New(64 << 10)
	for i := 0; i < 100; i++ {
		e := c.Build(c.Begin(), 0, "text/html", []byte(strings.Repeat("x", 4000)+string(rune('a'+i%26))))
		c.Put("/page/"+string(rune('a'+i%26))+strings.Repeat("y", i), e)
	}
	st := c.Stats()
	if st.Bytes > 64<<10 || st.Evictions == 0 {
		t.Fatalf("cache holds %d bytes after %d evictions", st.Bytes, st.Evictions)
	}
	// Stale entries are not served.
	e := c.Build(c.Begin(), 7, "text/html", []byte("article 7"))
	c.Put("/a7", e)
	if _, ok := c.Get("/a7"); !ok {
		t.Fatal("fresh entry missing")
	}
	c.BumpArticle(7)
	if _, ok := c.Get("/a7"); ok {
		t.Fatal("entry of a changed article served")
	}
}

// TestPersonalOverlayMatchesFullRender: a signed-in reader's page drawn from
// the cache is byte for byte the page a full render gives them.
func TestPersonalOverlayMatchesFullRender(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, _, ts, m := magazineSite(t, d)
	b := signedIn(t, newBrowser(t, srv), m.reader.Email)
	art := articleID(t, b, m.leadPath)
	// The reader's own comment (editable), a vote, and a moderator elsewhere.
	b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {"Mine to edit."}}), 303)
	b.get(m.leadPath) // the flash
	cached := func(path string) string {
		b.expect(b.get(path), 200)
		return b.last
	}
	ts.cache.Clear()
	full := map[string]string{}
	for _, path := range []string{m.leadPath, "/", "/tag/luxury/"} {
		// With the cache bypassed (a fresh cache per request) the page is rendered in full.
		ts.cache.Clear()
		hits := ts.cache.Stats().Hits
		body := cached(path) // first: a miss; the overlay of a fresh render
		if ts.cache.Stats().Hits != hits {
			t.Fatalf("%s: expected a miss", path)
		}
		full[path] = body
		if again := cached(path); again != body {
			t.Fatalf("%s: the cached overlay differs from the first overlay", path)
		}
	}
	// The full render of the same page for the same reader, without the cache.
	h, _ := newSiteWithCache(t, ts, false)
	render := func(b *browser, path string) string {
		req, _ := http.NewRequest("GET", path, nil)
		for _, c := range b.c.Jar.Cookies(mustURL(srv.URL)) {
			req.AddCookie(c)
		}
		rec := httptestRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.String()
	}
	for path, overlaid := range full {
		if want := render(b, path); want != overlaid {
			t.Fatalf("%s: overlay differs from the full render:\n%s", path, firstDiff(overlaid, want))
		}
	}
	// A moderator reading the same cached pages gets their own reply box
	// (with the close-comments button), not the one kept for the reader.
	mod := signedIn(t, newBrowser(t, srv), m.moderator.Email)
	mod.get("/account") // the flash
	for path := range full {
		cached(path) // fresh entries, holding the reader's reply box
	}
	hits := ts.cache.Stats().Hits
	for path := range full {
		mod.expect(mod.get(path), 200)
		if want := render(mod, path); mod.last != want {
			t.Fatalf("%s, moderator: overlay differs from the full render:\n%s", path, firstDiff(mod.last, want))
		}
	}
	if ts.cache.Stats().Hits-hits != int64(len(full)) {
		t.Fatalf("the moderator's pages did not come from the cache: %d hits, %+v", ts.cache.Stats().Hits-hits, ts.cache.Stats())
	}
	mod.expect(mod.get(m.leadPath), 200, "Close comments on this article")
	if b.expect(b.get(m.leadPath), 200); strings.Contains(b.last, "Close comments") {
		t.Fatal("a reader is offered the moderator's button")
	}
	if !strings.Contains(full[m.leadPath], `href="/comments/`) || !strings.Contains(full[m.leadPath], ">Edit</a>") || !strings.Contains(full[m.leadPath], `id="comment-form"`) {
		t.Fatal("the overlaid page lacks the reader's own controls")
	}
}
