package pagecache_test

import (
	"context"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/pagecache"
)

// Two nodes' caches on one database hear every change from the database
// itself: a change to content makes every page stale on both, a vote makes
// only its article's pages stale, on both.
func TestRefreshFollowsTheDatabase(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
		mustExec(t, d, `INSERT INTO users (id, email, slug, display_name, created_at, updated_at) VALUES (1, 'a@example.com', 'a', 'A', $1, $1)`, now)
		for _, id := range []int64{1, 2} {
			mustExec(t, d, `INSERT INTO articles (id, slug, headline, author_id, status, body_md, body_html, body_text, excerpt, created_at, updated_at, published_at)
				VALUES ($1, $2, 'H', 1, 'published', '', '', '', '', $3, $3, $3)`, id, "a"+string(rune('0'+id)), now)
		}
		mustExec(t, d, `INSERT INTO comments (id, article_id, thread_id, depth, path, author_id, body_md, body_html, body_text, status, created_at)
			VALUES (1, 1, 1, 0, '1', 1, 'x', 'x', 'x', 'visible', $1)`, now)

		nodes := []*pagecache.Cache{pagecache.New(1 << 20), pagecache.New(1 << 20)}
		put := func() {
			for _, c := range nodes {
				if err := c.Refresh(ctx, d, nil); err != nil {
					t.Fatal(err)
				}
				for key, article := range map[string]int64{"/": 0, "/a1": 1, "/a2": 2} {
					c.Put(key, c.Build(c.Begin(), article, "text/html", []byte(key)))
				}
			}
		}
		fresh := func(want map[string]bool) {
			t.Helper()
			for i, c := range nodes {
				if err := c.Refresh(ctx, d, nil); err != nil {
					t.Fatal(err)
				}
				for key, ok := range want {
					if _, got := c.Get(key); got != ok {
						t.Errorf("node %d: %s fresh = %v, want %v", i+1, key, got, ok)
					}
				}
			}
		}

		put()
		fresh(map[string]bool{"/": true, "/a1": true, "/a2": true})
		mustExec(t, d, `UPDATE comments SET up = 3, down = 1 WHERE id = 1`) // a vote on article 1
		fresh(map[string]bool{"/": true, "/a1": false, "/a2": true})

		put()
		mustExec(t, d, `UPDATE comments SET status = 'trash' WHERE id = 1`) // moderation: the Recent Comments box on every page
		fresh(map[string]bool{"/": false, "/a1": false, "/a2": false})
	})
}

func mustExec(t *testing.T, d *db.DB, query string, args ...any) {
	t.Helper()
	if _, err := d.Exec(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// The settings are read again when they change, on any node, and not when
// only the content does (a comment moves the content on every post).
func TestRefreshTellsWhenTheSettingsMoved(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := pagecache.New(1 << 20)
		moves := 0
		refresh := func() {
			t.Helper()
			if err := c.Refresh(ctx, d, func() { moves++ }); err != nil {
				t.Fatal(err)
			}
		}
		refresh()
		if moves != 1 {
			t.Fatalf("first read: settings moved %d times, want 1 (nothing read before)", moves)
		}
		now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
		mustExec(t, d, `INSERT INTO users (id, email, slug, display_name, created_at, updated_at) VALUES (1, 'a@example.com', 'a', 'A', $1, $1)`, now)
		mustExec(t, d, `UPDATE users SET display_name = 'B' WHERE id = 1`) // content, not settings
		refresh()
		if moves != 1 {
			t.Fatalf("after a change to content: settings moved %d times, want still 1", moves)
		}
		for i, stmt := range []string{
			`INSERT INTO settings (key, value) VALUES ('site_name', 'Other')`,
			`UPDATE settings SET value = 'Another' WHERE key = 'site_name'`,
			`DELETE FROM settings WHERE key = 'site_name'`,
		} {
			mustExec(t, d, stmt)
			refresh()
			if moves != i+2 {
				t.Fatalf("after %q: settings moved %d times, want %d", stmt, moves, i+2)
			}
		}
	})
}
