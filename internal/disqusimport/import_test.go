package disqusimport_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/app"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/config"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/disqus"
	"byline/internal/disqusimport"
	"byline/internal/picture"
)

// fixture is a site with the three articles the export's threads lead to
// (one at its own address, two through old addresses in the redirect
// table), a member with a confirmed address and one without.
type fixture struct {
	app                  *app.App
	deps                 *disqusimport.Deps
	plant, motor, street int64
	carl, dora           int64
	ctx                  context.Context
	d                    *db.DB
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	cfg := config.Config{BaseURL: "http://example.test", SiteName: "x", MediaStore: "folder", MediaDir: t.TempDir(), Location: time.UTC}
	a, err := app.New(ctx, d, cfg, app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Pictures: picture.NewDecoder(64<<20, 2*time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{app: a, ctx: ctx, d: d,
		deps: &disqusimport.Deps{People: a.People, Articles: a.Articles, Comments: a.Comments, Redirects: a.Redirects, Location: time.UTC}}
	edith, err := a.People.Create(ctx, account.NewPerson{Email: "edith@gazette.example", DisplayName: "Edith Stone", Roles: []account.Role{account.RoleAuthor}, Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	carl, err := a.People.Create(ctx, account.NewPerson{Email: "carl@readers.example", DisplayName: "Carl Here", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	dora, err := a.People.Create(ctx, account.NewPerson{Email: "dora@readers.example", DisplayName: "Dora Unconfirmed"})
	if err != nil {
		t.Fatal(err)
	}
	f.carl, f.dora = carl.ID, dora.ID
	for _, x := range []struct {
		id   *int64
		slug string
		at   time.Time
	}{
		{&f.plant, "plant-closes", time.Date(2012, 4, 5, 8, 0, 0, 0, time.UTC)},
		{&f.motor, "motor-show", time.Date(2013, 6, 1, 8, 0, 0, 0, time.UTC)},
		{&f.street, "quiet-street", time.Date(2014, 2, 1, 8, 0, 0, 0, time.UTC)},
	} {
		art, err := a.Articles.Create(ctx, article.Draft{Headline: strings.ReplaceAll(x.slug, "-", " "), Slug: x.slug, AuthorID: edith.ID,
			BodyMD: "Text of " + x.slug + ".", Status: article.StatusPublished, PublishedAt: x.at})
		if err != nil {
			t.Fatal(err)
		}
		*x.id = art.ID
	}
	// What a WordPress import leaves: the old permalink and ?p=.
	if _, err := a.Redirects.Add(ctx, "/archives/motor-show.html", "/2013/06/01/motor-show/"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Redirects.Add(ctx, "/?p=42", "/2014/02/01/quiet-street/"); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) importFile(t *testing.T, name string, opts disqusimport.Options) *disqusimport.Report {
	t.Helper()
	file, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	rep, err := disqusimport.Import(f.ctx, f.deps, file, opts)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

func (f *fixture) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.d.QueryRow(f.ctx, `SELECT count(*) FROM comments`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// byPost is the comment a Disqus post became.
func (f *fixture) byPost(t *testing.T, id string) (articleID int64, depth int, author int64, guest, status string, deleted bool) {
	t.Helper()
	var a sql64
	var deletedAt any
	if err := f.d.QueryRow(f.ctx, `SELECT c.article_id, c.depth, c.author_id, c.guest_name, c.status, c.deleted_at FROM comments c
		JOIN comment_sources s ON s.comment_id = c.id WHERE s.source = 'disqus:gazette' AND s.external_id = $1`, id).
		Scan(&articleID, &depth, &a, &guest, &status, &deletedAt); err != nil {
		t.Fatalf("post %s: %v", id, err)
	}
	return articleID, depth, int64(a), guest, status, deletedAt != nil
}

// sql64 reads a nullable id as 0.
type sql64 int64

func (s *sql64) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*s = 0
	case int64:
		*s = sql64(x)
	default:
		return errors.New("not an id")
	}
	return nil
}

func TestImportDisqus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		rep := f.importFile(t, "export.xml", disqusimport.Options{BatchSize: 3})
		var out bytes.Buffer
		if err := rep.Write(&out); err != nil {
			t.Fatal(err)
		}
		t.Logf("report:\n%s", out.String())
		if rep.ThreadsMatched != 3 || rep.ThreadsByRedirect != 2 || rep.ThreadsEmpty != 1 {
			t.Errorf("threads: %d matched, %d by redirect, %d empty; want 3, 2, 1", rep.ThreadsMatched, rep.ThreadsByRedirect, rep.ThreadsEmpty)
		}
		if len(rep.Unmatched) != 1 || rep.Unmatched[0].Link != "https://old.example.com/2010/01/01/gone/" || rep.Unmatched[0].Posts != 1 {
			t.Errorf("unmatched: %+v, want the thread of /2010/01/01/gone/ with its 1 post", rep.Unmatched)
		}
		if rep.Comments[comment.StatusVisible] != 7 || rep.Comments[comment.StatusSpam] != 1 || rep.Deleted != 1 || rep.Members != 1 || len(rep.Skipped) != 0 {
			t.Errorf("comments %v, deleted %d, members %d, skipped %v; want 7 visible, 1 spam, 1 deleted, 1 member, none skipped",
				rep.Comments, rep.Deleted, rep.Members, rep.Skipped)
		}
		for _, s := range []string{"Disqus forum gazette: imported", "gone/ (1 post)"} {
			if !strings.Contains(out.String(), s) {
				t.Errorf("the report lacks %q", s)
			}
		}

		// The thread as Disqus had it, replies under their parents.
		for _, w := range []struct {
			post    string
			article int64
			depth   int
			author  int64
			guest   string
			status  string
			deleted bool
		}{
			{"6001", f.plant, 0, 0, "Ann Guest", "visible", false},
			{"6002", f.plant, 1, 0, "Bob", "visible", true},
			{"6003", f.plant, 2, f.carl, "", "visible", false}, // a confirmed address: the member
			{"6007", f.plant, 3, 0, "Guest Ed", "visible", false},
			{"6004", f.plant, 0, 0, "Watches", "spam", false},
			{"6006", f.plant, 0, 0, "Dora", "visible", false}, // an unconfirmed address: a guest
			{"6005", f.motor, 0, 0, "Zoë Ünal", "visible", false},
			{"6008", f.street, 0, 0, "Hal", "visible", false},
		} {
			art, depth, author, guest, status, deleted := f.byPost(t, w.post)
			if art != w.article || depth != w.depth || author != w.author || guest != w.guest || status != w.status || deleted != w.deleted {
				t.Errorf("post %s: article %d depth %d author %d guest %q %s deleted %v; want %d %d %d %q %s %v",
					w.post, art, depth, author, guest, status, deleted, w.article, w.depth, w.author, w.guest, w.status, w.deleted)
			}
		}
		var ip string
		var at time.Time
		if err := d.QueryRow(f.ctx, `SELECT c.ip, c.created_at FROM comments c JOIN comment_sources s ON s.comment_id = c.id WHERE s.external_id = '6005'`).Scan(&ip, &at); err != nil ||
			ip != "2001:db8::1" || !at.Equal(time.Date(2013, 6, 1, 12, 0, 0, 0, time.UTC)) {
			t.Errorf("post 6005: ip %q at %v (%v)", ip, at, err)
		}

		page, err := f.app.Comments.Thread(f.ctx, f.plant, comment.SortOldest, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Comments) != 5 {
			t.Errorf("the plant's thread shows %d comments, want 5 (the spam hidden)", len(page.Comments))
		}

		// The public page shows the thread, the deleted one as a
		// placeholder, and neither the spam nor a guest's address.
		w := httptest.NewRecorder()
		f.app.Web.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://example.test/2012/04/05/plant-closes/", nil))
		body := w.Body.String()
		if w.Code != http.StatusOK {
			t.Fatalf("article page: %d", w.Code)
		}
		for _, s := range []string{"The plant built <b>good</b> cars.", "Guest Ed", "Carl Here", "Fourth level, from a guest"} {
			if !strings.Contains(body, s) {
				t.Errorf("the article page lacks %q", s)
			}
		}
		for _, s := range []string{"BUY CHEAP", "ann@readers.example", "A reply, deleted since"} {
			if strings.Contains(body, s) {
				t.Errorf("the article page shows %q", s)
			}
		}

		// Again: nothing new.
		n := f.count(t)
		again := f.importFile(t, "export.xml", disqusimport.Options{})
		if again.Added() != 0 || again.CommentsKnown != 8 || f.count(t) != n {
			t.Errorf("the second run added %d (known %d), comments %d -> %d", again.Added(), again.CommentsKnown, n, f.count(t))
		}

		// A newer export: only the posts written since, the reply under
		// its parent imported by the first run.
		newer := f.importFile(t, "export-newer.xml", disqusimport.Options{})
		if newer.Added() != 2 || newer.CommentsKnown != 8 {
			t.Errorf("the newer export added %d (known %d), want 2 (8)", newer.Added(), newer.CommentsKnown)
		}
		if art, depth, _, guest, _, _ := f.byPost(t, "6010"); art != f.street || depth != 1 || guest != "Jo" {
			t.Errorf("post 6010: article %d depth %d guest %q", art, depth, guest)
		}
		if _, _, _, guest, _, _ := f.byPost(t, "6011"); guest != "Kim" {
			t.Errorf("post 6011: guest %q, want Kim (an anonymous post keeps the name Disqus shows)", guest)
		}
	})
}

// TestImportDisqusDryRun matches and counts, writing nothing.
func TestImportDisqusDryRun(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		deps := *f.deps
		deps.Comments = nil // a dry run does not need to write
		file, err := os.Open(filepath.Join("testdata", "export.xml"))
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		rep, err := disqusimport.Import(f.ctx, &deps, file, disqusimport.Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.ThreadsMatched != 3 || rep.Added() != 8 || f.count(t) != 0 {
			t.Errorf("dry run: %d threads, %d comments counted, %d written; want 3, 8, 0", rep.ThreadsMatched, rep.Added(), f.count(t))
		}
	})
}

// TestImportDisqusMalformed: a file cut short names where, and nothing
// of it is imported, though its first posts were whole.
func TestImportDisqusMalformed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		data, err := os.ReadFile(filepath.Join("testdata", "export.xml"))
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(t.TempDir(), "cut.xml")
		if err := os.WriteFile(cut, data[:len(data)*3/4], 0o644); err != nil {
			t.Fatal(err)
		}
		file, err := os.Open(cut)
		if err != nil {
			t.Fatal(err)
		}
		defer file.Close()
		_, err = disqusimport.Import(f.ctx, f.deps, file, disqusimport.Options{BatchSize: 1})
		var bad *disqus.Error
		if !errors.As(err, &bad) || bad.Line == 0 || bad.Column == 0 || !strings.Contains(err.Error(), "cut short") {
			t.Fatalf("a file cut short: %v, want a disqus.Error with its line and column", err)
		}
		if n := f.count(t); n != 0 {
			t.Errorf("a malformed file imported %d comments", n)
		}
	})
}

// TestParentsInAnyOrder: a reply read before its parent, and a reply to a
// post imported by an earlier run, both land under their parent.
func TestParentsInAnyOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		head := `<?xml version="1.0"?><disqus xmlns:dsq="http://disqus.com/disqus-internals">
<thread dsq:id="1"><forum>gazette</forum><link>https://old.example.com/2012/04/05/plant-closes/</link><createdAt>2012-04-05T08:00:00Z</createdAt></thread>`
		post := func(id, parent string) string {
			p := ""
			if parent != "" {
				p = `<parent dsq:id="` + parent + `"/>`
			}
			return `<post dsq:id="` + id + `"><message>&lt;p&gt;post ` + id + `&lt;/p&gt;</message><createdAt>2012-04-05T09:00:00Z</createdAt><author><name>N` + id + `</name></author><thread dsq:id="1"/>` + p + `</post>`
		}
		first := head + post("c", "b") + post("b", "a") + post("a", "") + "</disqus>"
		if _, err := disqusimport.Import(f.ctx, f.deps, strings.NewReader(first), disqusimport.Options{}); err != nil {
			t.Fatal(err)
		}
		second := head + post("d", "c") + "</disqus>"
		rep, err := disqusimport.Import(f.ctx, f.deps, strings.NewReader(second), disqusimport.Options{})
		if err != nil || rep.Added() != 1 {
			t.Fatalf("second file: %v, added %d", err, rep.Added())
		}
		for id, want := range map[string]int{"a": 0, "b": 1, "c": 2, "d": 3} {
			if _, depth, _, _, _, _ := f.byPost(t, id); depth != want {
				t.Errorf("post %s at depth %d, want %d", id, depth, want)
			}
		}
	})
}
