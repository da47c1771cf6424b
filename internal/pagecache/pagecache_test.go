package pagecache

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestVersions(t *testing.T) {
	c := New(1 << 20)
	put := func(key string, article int64) {
		c.Put(key, c.Build(c.Begin(), article, "text/html", []byte("page "+key)))
	}
	put("/", 0)
	put("/a1", 1)
	put("/a2", 2)
	c.BumpArticle(1) // a vote on article 1
	if _, ok := c.Get("/a1"); ok {
		t.Fatal("article 1's page survives its vote")
	}
	if _, ok := c.Get("/a2"); !ok {
		t.Fatal("article 2's page went stale for article 1's vote")
	}
	if _, ok := c.Get("/"); !ok {
		t.Fatal("the home page went stale for a vote")
	}
	c.SetContent(7) // the database's counter moved
	if _, ok := c.Get("/"); ok {
		t.Fatal("a page survives a content change")
	}
	// A render that overlaps a change is stored stale, never wrongly fresh.
	s := c.Begin()
	c.SetContent(8)
	c.Put("/late", c.Build(s, 0, "text/html", []byte("rendered before the change")))
	if _, ok := c.Get("/late"); ok {
		t.Fatal("a page rendered before a change is served after it")
	}
	s = c.Begin()
	c.BumpArticle(2)
	c.Put("/a2", c.Build(s, 2, "text/html", []byte("rendered before the vote")))
	if _, ok := c.Get("/a2"); ok {
		t.Fatal("an article page rendered before its vote is served after it")
	}
}

func TestFillRendersOnce(t *testing.T) {
	c := New(1 << 20)
	var renders atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := c.Fill("/", func() (*Entry, error) {
				renders.Add(1)
				<-release
				return c.Build(c.Begin(), 0, "text/html", []byte("once")), nil
			})
			if err != nil || string(e.Body) != "once" {
				t.Errorf("fill: %v", err)
			}
		}()
	}
	close(release)
	wg.Wait()
	if n := renders.Load(); n > 2 {
		t.Fatalf("%d renders for 20 requests at once", n)
	}
}

func TestServe(t *testing.T) {
	c := New(1 << 20)
	e := c.Build(c.Begin(), 0, "text/html; charset=utf-8", []byte("<p>hello</p>"))
	rec := httptest.NewRecorder()
	Serve(rec, httptest.NewRequest("GET", "/", nil), e, true)
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() != len(e.Gzip) || rec.Header().Get("ETag") == "" {
		t.Fatalf("gzip response: %v", rec.Header())
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("If-None-Match", e.ETag)
	rec = httptest.NewRecorder()
	Serve(rec, req, e, false)
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("conditional: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	Serve(rec, httptest.NewRequest("HEAD", "/", nil), e, false)
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "12" {
		t.Fatalf("HEAD: %d %d %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
}

// Pages show what time alone changes ("3 hours ago", the week's Most
// Read): with nothing else changing, a page is rendered again after MaxAge.
func TestEntriesExpire(t *testing.T) {
	c := New(1 << 20)
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	c.Put("/", c.Build(c.Begin(), 0, "text/html", []byte("page")))
	now = now.Add(MaxAge - time.Second)
	if _, ok := c.Get("/"); !ok {
		t.Fatal("a page expired early")
	}
	now = now.Add(2 * time.Second)
	if _, ok := c.Get("/"); ok {
		t.Fatal("a page outlived MaxAge")
	}
}
