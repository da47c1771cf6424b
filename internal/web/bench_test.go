package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/dbtest"
)

// BenchmarkPages measures the server-side cost of public pages, uncached,
// over the real handler stack (middleware, domain stores, templates) on an
// SQLite file: time and allocations per request, p50/p99 latency, the
// queries each request runs, and throughput with every core busy. The
// "large" site adds 5,000 articles to show the cost does not grow with size.
//
//	go test -run '^$' -bench Pages -benchmem ./internal/web/
func BenchmarkPages(b *testing.B) {
	pages := []struct{ name, path string }{
		{"article", demoArticle},
		{"home", "/"},
		{"tag", "/tag/luxury/"},
		{"search", "/search?q=infiniti"},
		{"feed", "/feed/"},
	}
	for _, size := range []string{"demo", "large"} {
		d := dbtest.SQLite(b)
		h, _ := buildSite(b, d, "http://127.0.0.1:8080", "", false, true) // every request renders
		if size == "large" {
			addArticles(b, d, 5000)
		}
		for _, p := range pages {
			b.Run(size+"/"+p.name, func(b *testing.B) { benchPage(b, h, d, p.path) })
		}
		b.Run(size+"/article-parallel", func(b *testing.B) {
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					serve(b, h, demoArticle)
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}

func serve(b *testing.B, h http.Handler, path string) {
	req := httptest.NewRequest("GET", path, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("%s: %d", path, rec.Code)
	}
}

func benchPage(b *testing.B, h http.Handler, d *db.DB, path string) {
	lat := make([]time.Duration, 0, b.N)
	q0 := d.QueryCount()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		serve(b, h, path)
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	reportLatency(b, lat, float64(d.QueryCount()-q0)/float64(b.N))
}

// reportLatency adds p50, p99 and queries per request to a benchmark's line.
func reportLatency(b *testing.B, lat []time.Duration, queries float64) {
	slices.Sort(lat)
	b.ReportMetric(queries, "queries/op")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// addArticles adds n published articles over 50 tags and 20 authors.
func addArticles(b *testing.B, d *db.DB, n int) {
	ctx := context.Background()
	people := account.NewStore(d)
	var authors []int64
	for i := 0; i < 20; i++ {
		p, err := people.Create(ctx, account.NewPerson{Email: fmt.Sprintf("w%d@example.com", i), DisplayName: fmt.Sprintf("Writer %d", i),
			Roles: []account.Role{account.RoleContributor}})
		if err != nil {
			b.Fatal(err)
		}
		authors = append(authors, p.ID)
	}
	s := article.NewStore(d)
	at := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		_, err := s.Create(ctx, article.Draft{Headline: fmt.Sprintf("Generated story %d about engines", i), AuthorID: authors[i%len(authors)],
			BodyMD: "A paragraph about **engines**, gearboxes and the people who build them.\n\nAnother paragraph.",
			Tags:   []string{fmt.Sprintf("topic-%d", i%50), "generated"}, Status: article.StatusPublished,
			PublishedAt: at.Add(time.Duration(i) * time.Hour)})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRerender measures what a change costs the page cache: an
// article page rendered, compressed and stored again, as after a comment
// or a vote. "page" drops only the page (what a vote does: the sidebar
// stays current); "content" moves the content version, so the sidebar's
// boxes are read and drawn again too (what a comment does, for the first
// page rendered after it).
//
//	go test -run '^$' -bench Rerender -benchmem ./internal/web/
func BenchmarkRerender(b *testing.B) {
	d := dbtest.SQLite(b)
	h, ts := buildSite(b, d, "http://127.0.0.1:8080", "", true, true)
	for _, kind := range []string{"page", "content"} {
		b.Run(kind, func(b *testing.B) {
			serve(b, h, demoArticle)
			lat := make([]time.Duration, 0, b.N)
			q0 := d.QueryCount()
			v := ts.cache.Content()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if kind == "content" {
					v++
					ts.cache.SetContent(v)
				} else {
					ts.cache.Clear()
				}
				t := time.Now()
				serve(b, h, demoArticle)
				lat = append(lat, time.Since(t))
			}
			b.StopTimer()
			reportLatency(b, lat, float64(d.QueryCount()-q0)/float64(b.N))
		})
	}
}

// BenchmarkCachedArticle is an anonymous reader's hit on the page cache,
// through every middleware.
//
//	go test -run '^$' -bench CachedArticle -benchmem ./internal/web/
func BenchmarkCachedArticle(b *testing.B) {
	h, _ := newSiteWith(b, dbtest.SQLite(b), "http://127.0.0.1:8080", "")
	serve(b, h, demoArticle)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", demoArticle, nil)
		w := &nullWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			w.code, w.n = 0, 0
			h.ServeHTTP(w, req)
			if w.code != 200 || w.n < 10000 {
				b.Fatalf("%d, %d bytes", w.code, w.n)
			}
		}
	})
}

// nullWriter is a ResponseWriter that keeps only the status and the size,
// so a benchmark measures the server's work, not a recorder's copying.
type nullWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *nullWriter) Header() http.Header { return w.h }
func (w *nullWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *nullWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = 200
	}
	w.n += len(p)
	return len(p), nil
}

// BenchmarkSignedInArticle is a signed-in reader's article page drawn from
// the cache: their session, their votes, their parts of the page.
//
//	go test -run '^$' -bench SignedInArticle -benchmem ./internal/web/
func BenchmarkSignedInArticle(b *testing.B) {
	h, ts := newSiteWith(b, dbtest.SQLite(b), "http://127.0.0.1:8080", "")
	p, err := ts.accounts.Find(context.Background(), "jordan.pike@example.com")
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := ts.accounts.StartSession(context.Background(), p.ID, false, "bench", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest("GET", demoArticle, nil)
	req.AddCookie(&http.Cookie{Name: "byline_session", Value: tok})
	w := &nullWriter{h: http.Header{}}
	get := func() {
		clear(w.h)
		w.code, w.n = 0, 0
		h.ServeHTTP(w, req)
		if w.code != 200 || w.n < 10000 {
			b.Fatalf("%d, %d bytes", w.code, w.n)
		}
	}
	get()
	q0 := ts.db.QueryCount()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		get()
	}
	b.ReportMetric(float64(ts.db.QueryCount()-q0)/float64(b.N), "queries/op")
}
