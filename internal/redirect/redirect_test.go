package redirect

import (
	"context"
	"errors"
	"testing"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"/?p=123":                             "/?p=123",
		"/?p=123&utm_source=x&utm_medium=y":   "/?p=123",
		"/?utm_campaign=z&page_id=7&fbclid=q": "/?page_id=7",
		"/?feed=rss2":                         "/?feed=rss2",
		"/?tag=cars&cat=4":                    "/?cat=4&tag=cars",
		"/?p=1&p=2":                           "/?p=1",
		"/?p=":                                "/",
		"/old/2011/05/slug/":                  "/old/2011/05/slug",
		"/old/2011/05/slug":                   "/old/2011/05/slug",
		"/old/2011/05/slug/?replytocom=55":    "/old/2011/05/slug",
		"/wp-content/uploads/2011/05/a.jpg":   "/wp-content/uploads/2011/05/a.jpg",
		"/category/news/cars/":                "/category/news/cars",
		"/caf%C3%A9/":                         "/caf%C3%A9",
		"/café/":                              "/caf%C3%A9",
		"/a%20b":                              "/a%20b",
		"/?attachment_id=9&bad=%zz":           "/?attachment_id=9",
		"/index.php?p=5":                      "/?p=5",
	} {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"old/path", "//evil.example/x", "https://x.example/", ""} {
		if _, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) took it", bad)
		}
	}
	if !Routed("p=5&utm_source=x") || Routed("utm_source=x&before=3") || Routed("") {
		t.Error("Routed tells WordPress's parameters wrong")
	}
}

func TestStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		clock := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return clock }
		changes := 0
		s.OnChange = func() { changes++ }

		// Add is idempotent, and a new target replaces the old one.
		a, err := s.Add(ctx, "/old/2011/05/slug/", "/2011/05/05/slug/")
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.Add(ctx, "/old/2011/05/slug", "/2011/05/05/slug/")
		if err != nil || again.ID != a.ID {
			t.Fatalf("second add: %+v, %v (first %+v)", again, err, a)
		}
		moved, err := s.Add(ctx, "/old/2011/05/slug/?utm_source=feed", "/2011/05/06/slug/")
		if err != nil || moved.ID != a.ID || moved.Target != "/2011/05/06/slug/" {
			t.Fatalf("new target: %+v, %v", moved, err)
		}
		if changes != 3 {
			t.Errorf("OnChange heard %d changes, want 3", changes)
		}
		p, err := s.Add(ctx, "/?p=123", "https://elsewhere.example/story")
		if err != nil {
			t.Fatal(err)
		}

		// Lookups fold the spellings of one address.
		for _, c := range []struct{ path, query, want string }{
			{"/old/2011/05/slug/", "", "/2011/05/06/slug/"},
			{"/old/2011/05/slug", "", "/2011/05/06/slug/"},
			{"/old/2011/05/slug/", "utm_source=x&fbclid=y", "/2011/05/06/slug/"},
			{"/old/2011/05/slug/", "cat=3", "/2011/05/06/slug/"}, // the path alone, when the query names nothing
			{"/", "p=123", "https://elsewhere.example/story"},
			{"/", "utm_medium=mail&p=123", "https://elsewhere.example/story"},
			{"/", "feed=rss2", "/feed/"},
			{"/", "feed=atom", "/feed/atom/"},
			{"/feed/rss2/", "", "/feed/"},
			{"/", "s=electric+cars", "/search?q=electric+cars"},
			{"/", "m=201105", "/2011/05/"},
			{"/Old/2011/05/SLUG/", "", "/2011/05/06/slug/"}, // WordPress found slugs whatever their case
			{"/index.php", "p=123", "https://elsewhere.example/story"},
		} {
			r, ok, err := s.Lookup(ctx, c.path, c.query)
			if err != nil || !ok || r.Target != c.want {
				t.Errorf("Lookup(%q, %q) = %+v, %v, %v; want %q", c.path, c.query, r, ok, err, c.want)
			}
		}
		for _, c := range []struct{ path, query string }{{"/", "p=124"}, {"/", ""}, {"/", "utm_source=x"}, {"/nothing/", ""}} {
			if r, ok, err := s.Lookup(ctx, c.path, c.query); err != nil || ok {
				t.Errorf("Lookup(%q, %q) = %+v, %v, %v; want none", c.path, c.query, r, ok, err)
			}
		}

		// A remembered miss is forgotten when the table changes.
		if _, err := s.Add(ctx, "/nothing/", "/"); err != nil {
			t.Fatal(err)
		}
		if r, ok, err := s.Lookup(ctx, "/nothing", ""); err != nil || !ok || r.Target != "/" {
			t.Errorf("after an add: %+v, %v, %v", r, ok, err)
		}
		// A change from another process is seen when the memory expires.
		if _, err := d.Exec(ctx, `UPDATE redirects SET target = '/elsewhere/' WHERE old_path = '/nothing'`); err != nil {
			t.Fatal(err)
		}
		if r, _, _ := s.Lookup(ctx, "/nothing", ""); r.Target != "/" {
			t.Errorf("remembered lookup: %+v", r)
		}
		clock = clock.Add(rememberFor)
		if r, _, _ := s.Lookup(ctx, "/nothing", ""); r.Target != "/elsewhere/" {
			t.Errorf("expired lookup: %+v", r)
		}

		// Refusals name the field.
		for _, c := range []struct{ old, target, field string }{
			{"old/x", "/y/", "old"},
			{"/", "/y/", "old"},
			{"", "/y/", "old"},
			{"/a b", "/y/", "old"},
			{"/x/", "", "target"},
			{"/x/", "y", "target"},
			{"/x/", "//evil.example/", "target"},
			{"/x/", "javascript:alert(1)", "target"},
			{"/x/", "ftp://files.example/", "target"},
			{"/x/", "/x", "target"},
			{"/?p=5&utm_source=a", "/?p=5", "target"},
		} {
			_, err := s.Add(ctx, c.old, c.target)
			inv, ok := apperr.AsInvalid(err)
			if !ok || inv.Fields[c.field] == "" {
				t.Errorf("Add(%q, %q) = %v; want a mistake in %s", c.old, c.target, err, c.field)
			}
		}

		// Two redirects leading to each other are refused.
		if _, err := s.Add(ctx, "/ping/", "/pong/"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Add(ctx, "/pong", "/ping/?utm_source=x"); err == nil {
			t.Error("Add took a circle of two")
		} else if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["target"] == "" {
			t.Errorf("a circle of two: %v", err)
		}
		if _, err := s.Add(ctx, "/pong", "/elsewhere/"); err != nil {
			t.Errorf("a redirect after the refused one: %v", err)
		}

		// Save edits; another row's address is refused.
		if _, err := s.Save(ctx, p.ID, "/old/2011/05/slug", "/x/"); err == nil {
			t.Error("Save took another redirect's old address")
		} else if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["old"] == "" {
			t.Errorf("Save to a taken address: %v", err)
		}
		saved, err := s.Save(ctx, p.ID, "/?p=123", "/2012/01/01/story/")
		if err != nil || saved.Target != "/2012/01/01/story/" {
			t.Fatalf("save: %+v, %v", saved, err)
		}
		if r, _, _ := s.Lookup(ctx, "/", "p=123"); r.Target != "/2012/01/01/story/" {
			t.Errorf("lookup after save: %+v", r)
		}

		// Hits are counted in memory and written in one go.
		s.Hit(p.ID)
		s.Hit(p.ID)
		s.Hit(0)
		if err := s.FlushHits(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := s.ByID(ctx, p.ID)
		if err != nil || got.Hits != 2 || !got.LastHitAt.Equal(clock) {
			t.Errorf("after two hits: %+v, %v", got, err)
		}

		// List pages and searches.
		for i := range 5 {
			if _, err := s.Add(ctx, "/wp-content/uploads/2011/05/pic-"+string(rune('a'+i))+".jpg", "/media/1/pic.jpg"); err != nil {
				t.Fatal(err)
			}
		}
		first, err := s.List(ctx, ListQuery{Limit: 3})
		if err != nil || len(first.Redirects) != 3 || first.Next == 0 {
			t.Fatalf("first page: %+v, %v", first, err)
		}
		rest, err := s.List(ctx, ListQuery{Limit: 3, Before: first.Next})
		if err != nil || len(rest.Redirects) != 3 || rest.Next == 0 || rest.Redirects[0].ID >= first.Redirects[2].ID {
			t.Fatalf("second page: %+v, %v", rest, err)
		}
		found, err := s.List(ctx, ListQuery{Text: "UPLOADS/2011"})
		if err != nil || len(found.Redirects) != 5 || found.Next != 0 {
			t.Fatalf("search: %+v, %v", found, err)
		}
		if none, err := s.List(ctx, ListQuery{Text: "100%"}); err != nil || len(none.Redirects) != 0 {
			t.Errorf("search for a literal %%: %+v, %v", none, err)
		}

		// Many at once: one transaction, refusals reported by index.
		refused, err := s.AddMany(ctx, []Entry{{"/?cat=4", "/category/news/"}, {"bad", "/x/"}, {"/?tag=ev", "/tag/ev/"},
			{"/?cat=4", "/category/news/cars/"}, {"/self/", "/self"}})
		if err != nil || len(refused) != 2 || refused[1] == nil || refused[4] == nil {
			t.Fatalf("AddMany: %v, %v", refused, err)
		}
		if r, ok, _ := s.Lookup(ctx, "/", "cat=4"); !ok || r.Target != "/category/news/cars/" {
			t.Errorf("after AddMany: %+v, %v", r, ok)
		}
		if r, ok, _ := s.Lookup(ctx, "/", "tag=ev&utm_source=x"); !ok || r.Target != "/tag/ev/" {
			t.Errorf("after AddMany: %+v, %v", r, ok)
		}

		// Delete.
		if err := s.Delete(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, p.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if _, ok, _ := s.Lookup(ctx, "/", "p=123"); ok {
			t.Error("a deleted redirect still answers")
		}
		s.Hit(p.ID) // a hit racing the delete is dropped quietly
		if err := s.FlushHits(ctx); err != nil {
			t.Error(err)
		}
	})
}
