package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/demo"
)

// BenchmarkThreads compares the first page of a 10,000-comment article with
// the demo's 4-comment one, and a permalink to the 9,000th comment, from
// the page cache; "uncached" renders the page on every request (the small
// discussion beside the big one, as make bench has them).
//
//	go test -run '^$' -bench Threads -benchmem ./internal/web/
func BenchmarkThreads(b *testing.B) {
	d := dbtest.SQLite(b)
	h := newHandler(b, d, "http://127.0.0.1:8080")
	uncached, _ := buildSite(b, d, "http://127.0.0.1:8080", "", false, false) // the same site, every request rendered
	ctx := context.Background()
	bigPath := "/2012/05/30/the-most-discussed-story/"
	start := time.Now()
	big, err := demo.BigThread(ctx, d, 10_000, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("posted 10,000 comments in %v", time.Since(start))
	var nth int64
	d.QueryRow(ctx, `SELECT id FROM comments WHERE article_id = $1 ORDER BY id LIMIT 1 OFFSET 8999`, big.ID).Scan(&nth)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf("/comments/%d", nth), nil))
	permalink := rec.Header().Get("Location")
	if !strings.Contains(permalink, "#comment-") {
		b.Fatalf("permalink of the 9,000th comment: %q", permalink)
	}
	b.Logf("the 9,000th comment is at %s", permalink)
	for _, p := range []struct{ name, path string }{
		{"4-comments", demoArticle}, {"10000-comments", bigPath}, {"10000-comments-page-10", bigPath + "?cpage=10"},
		{"10000-comments-permalink-page", permalink[:strings.Index(permalink, "#")]},
		{"permalink-redirect", fmt.Sprintf("/comments/%d", nth)},
	} {
		b.Run(p.name, func(b *testing.B) { benchPageStatus(b, h, d, p.path) })
	}
	b.Run("4-comments-uncached", func(b *testing.B) { benchPageStatus(b, uncached, d, demoArticle) })
	b.Run("10000-comments-uncached", func(b *testing.B) { benchPageStatus(b, uncached, d, bigPath) })
	// A vote on the discussion before each render (not timed): the page
	// is read from the database every time, as on a story being voted on.
	var top int64
	if err := d.QueryRow(ctx, `SELECT id FROM comments WHERE article_id = $1 AND depth = 0 ORDER BY id LIMIT 1`, big.ID).Scan(&top); err != nil {
		b.Fatal(err)
	}
	b.Run("10000-comments-uncached-voted", func(b *testing.B) {
		benchPageAfter(b, uncached, d, bigPath, func() {
			if _, err := d.Exec(ctx, `UPDATE comments SET up = up + 1 WHERE id = $1`, top); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// benchPageStatus is benchPage for pages that answer 200 or a redirect.
func benchPageStatus(b *testing.B, h http.Handler, d *db.DB, path string) {
	benchPageAfter(b, h, d, path, nil)
}

// benchPageAfter is benchPageStatus with change called before each
// request, its time and queries not counted.
func benchPageAfter(b *testing.B, h http.Handler, d *db.DB, path string, change func()) {
	var changes int64
	lat := make([]time.Duration, 0, b.N)
	q0 := d.QueryCount()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if change != nil {
			b.StopTimer()
			q := d.QueryCount()
			change()
			changes += d.QueryCount() - q
			b.StartTimer()
		}
		t := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 && rec.Code != 303 {
			b.Fatalf("%s: %d", path, rec.Code)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	reportLatency(b, lat, float64(d.QueryCount()-q0-changes)/float64(b.N))
}

// BenchmarkPostComments posts comments through the whole handler stack,
// as signed-in readers sending the form, from every core at once.
//
//	go test -run '^$' -bench PostComments -benchtime 3s ./internal/web/
func BenchmarkPostComments(b *testing.B) {
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			var d *db.DB
			if engine == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			h, ts := newSiteWith(b, d, "http://127.0.0.1:8080", "")
			ctx := context.Background()
			st, _ := ts.settings.Stored(ctx)
			st.PerMinute = 0 // the benchmark is one very fast reader per session
			ts.settings.Save(ctx, st)
			a, err := article.NewStore(d).Public(ctx, "infiniti-to-move-production-out-of-japan")
			if err != nil {
				b.Fatal(err)
			}
			var tokens []string
			for i := 0; i < 16; i++ {
				p, err := ts.accounts.Create(ctx, account.NewPerson{Email: fmt.Sprintf("poster%d@example.com", i), DisplayName: fmt.Sprintf("Poster %d", i), Verified: true})
				if err != nil {
					b.Fatal(err)
				}
				tok, _, err := ts.accounts.StartSession(ctx, p.ID, false, "bench", "127.0.0.1")
				if err != nil {
					b.Fatal(err)
				}
				tokens = append(tokens, tok)
			}
			var seq, who atomic.Int64
			b.SetParallelism(16) // many readers at once, as on a busy story, not one per core
			q0 := d.QueryCount()
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				tok := tokens[int(who.Add(1))%len(tokens)]
				for pb.Next() {
					n := seq.Add(1)
					form := url.Values{"article_id": {fmt.Sprint(a.ID)}, "body": {fmt.Sprintf("Benchmark comment %d says something new.", n)}}
					req := httptest.NewRequest("POST", "/comments", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Sec-Fetch-Site", "same-origin")
					req.AddCookie(&http.Cookie{Name: "byline_session", Value: tok})
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusSeeOther {
						b.Fatalf("post: %d %s", rec.Code, rec.Body.String())
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "comments/s")
			b.ReportMetric(float64(d.QueryCount()-q0)/float64(b.N), "queries/op")
		})
	}
}
