package demo

import (
	"context"
	"errors"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestLoad(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := Load(ctx, d, time.UTC, nil); err != nil {
			t.Fatal(err)
		}
		staff, err := account.NewStore(d).Staff(ctx, account.RoleContributor, account.RoleModerator)
		if err != nil {
			t.Fatal(err)
		}
		contrib, mods := staff[account.RoleContributor], staff[account.RoleModerator]
		if len(contrib) != 6 || len(mods) != 2 {
			t.Fatalf("%d contributors, %d moderators", len(contrib), len(mods))
		}
		canada := 0
		for _, p := range contrib {
			if p.CountryName() == "Canada" {
				canada++
			} else if p.CountryName() != "United States" {
				t.Errorf("%s is from %q", p.DisplayName, p.CountryName())
			}
		}
		both := 0
		for _, m := range mods {
			if m.CountryName() != "United States" {
				t.Errorf("moderator %s from %q", m.DisplayName, m.CountryName())
			}
			for _, c := range contrib {
				if c.ID == m.ID {
					both++
				}
			}
		}
		if canada != 1 || both != 1 {
			t.Fatalf("%d Canadian contributors, %d moderators who also contribute", canada, both)
		}
		a, err := article.NewStore(d).Public(ctx, "infiniti-to-move-production-out-of-japan")
		if err != nil {
			t.Fatal(err)
		}
		if y, m, dd := a.PublishedAt.In(time.FixedZone("EDT", -4*3600)).Date(); y != 2012 || m != time.April || dd != 5 {
			t.Fatalf("demo article dated %v", a.PublishedAt)
		}
		page, err := article.NewStore(d).List(ctx, article.ListQuery{Limit: 100})
		if err != nil || len(page.Articles) < 20 {
			t.Fatalf("%d public demo articles, err %v", len(page.Articles), err)
		}
		if err := Load(ctx, d, time.UTC, nil); !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("second load: %v", err)
		}
	})
}

func TestDemoComments(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	if err := Load(ctx, d, time.UTC, nil); err != nil {
		t.Fatal(err)
	}
	a, err := article.NewStore(d).Public(ctx, infiniti)
	if err != nil {
		t.Fatal(err)
	}
	if a.CommentCount != 4 {
		t.Fatalf("the demo article has %d comments", a.CommentCount)
	}
	page, err := comment.NewStore(d).Thread(ctx, a.ID, comment.SortOldest, 1)
	if err != nil || len(page.Comments) != 4 {
		t.Fatalf("thread: %d, %v", len(page.Comments), err)
	}
	c := page.Comments
	// 1; 2 replying to 1; 3 replying to 2; 4 on its own. Replies score 0.
	if c[0].Depth != 0 || c[1].ParentID != c[0].ID || c[2].ParentID != c[1].ID || c[2].Depth != 2 || c[3].Depth != 0 ||
		c[1].Score() != 0 || c[2].Score() != 0 || c[0].Score() <= 0 {
		t.Fatalf("nesting or scores: %+v", c)
	}
	recent, err := comment.NewStore(d).Recent(ctx, 0, 5)
	if err != nil || len(recent) != 5 {
		t.Fatalf("recent comments: %d, %v", len(recent), err)
	}
}

func TestGenerate(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := Load(ctx, d, time.UTC, nil); err != nil {
			t.Fatal(err)
		}
		size := Size{Articles: 300, People: 1200, Comments: 6000}
		if err := Generate(ctx, d, size, nil); err != nil {
			t.Fatal(err)
		}
		var articles, people, comments int
		for q, n := range map[string]*int{`SELECT count(*) FROM articles`: &articles, `SELECT count(*) FROM users`: &people, `SELECT count(*) FROM comments`: &comments} {
			if err := d.QueryRow(ctx, q).Scan(n); err != nil {
				t.Fatal(err)
			}
		}
		if articles < 300 || people < 1200 || comments < 6000 {
			t.Fatalf("%d articles, %d people, %d comments", articles, people, comments)
		}
		// Stored counts agree with the rows, and threads read in order.
		var wrong int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM articles a WHERE a.comment_count <> (SELECT count(*) FROM comments c WHERE c.article_id = a.id AND c.status = 'visible' AND c.deleted_at IS NULL)`).Scan(&wrong); err != nil {
			t.Fatal(err)
		}
		if wrong != 0 {
			t.Fatalf("%d articles with a wrong comment count", wrong)
		}
		var id int64
		if err := d.QueryRow(ctx, `SELECT id FROM articles WHERE slug = 'generated-story-7'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		p, err := comment.NewStore(d).Thread(ctx, id, comment.SortOldest, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Comments {
			if c.ArticleID != id {
				t.Fatal("a comment of another article in the thread")
			}
		}
		// New rows after the generated ones still get ids (PostgreSQL's counters).
		if _, err := article.NewStore(d).Create(ctx, article.Draft{Headline: "After generating", AuthorID: 1, BodyMD: "x", Status: article.StatusDraft}); err != nil {
			t.Fatal(err)
		}
		if res, err := article.NewStore(d).Search(ctx, "generated story engines", 1); err != nil || len(res.Hits) == 0 {
			t.Fatalf("generated articles are not searchable (%v)", err)
		}
	})
}

// The demo's stored hash is Password's, made with today's settings (when
// they change, make it again with account.HashPassword).
func TestDemoPasswordHash(t *testing.T) {
	ok, rehash := account.VerifyPassword(Password, passwordHashed)
	if !ok || rehash {
		t.Fatalf("the demo's password hash: matches %v, made with older settings %v", ok, rehash)
	}
}
