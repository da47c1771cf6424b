package wpimport_test

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
	"byline/internal/picture"
	"byline/internal/wordpress"
	"byline/internal/wpimport"
)

// site builds a whole site on d, as the server does, and the deps an
// import takes from it.
func site(t testing.TB, d *db.DB) (*app.App, *wpimport.Deps) {
	t.Helper()
	cfg := config.Config{BaseURL: "http://example.test", SiteName: "x", MediaStore: "folder", MediaDir: t.TempDir(), Location: time.UTC}
	a, err := app.New(context.Background(), d, cfg, app.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Pictures: picture.NewDecoder(64<<20, 2*time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	return a, &wpimport.Deps{DB: d, People: a.People, Articles: a.Articles, Comments: a.Comments, Redirects: a.Redirects, Location: time.UTC}
}

func importFile(t *testing.T, deps *wpimport.Deps, name string) *wpimport.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := wpimport.Import(context.Background(), deps, f, wpimport.Options{})
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

// ids is every row an import may make, by table, for comparing runs.
func ids(t *testing.T, d *db.DB) map[string][]int64 {
	t.Helper()
	out := map[string][]int64{}
	for _, table := range []string{"users", "articles", "pages", "tags", "comments", "redirects", "import_keys"} {
		col := "id"
		if table == "import_keys" {
			col = "local_id"
		}
		rows, err := d.Query(context.Background(), `SELECT `+col+` FROM `+table+` ORDER BY `+col)
		if err != nil {
			t.Fatal(err)
		}
		list, err := db.Collect(rows, func(sc db.Scanner) (int64, error) {
			var id int64
			return id, sc.Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		out[table] = list
	}
	return out
}

func TestImportWordPressSite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, deps := site(t, d)
		zoe, err := a.People.Create(ctx, account.NewPerson{Email: "zoe@example.org", DisplayName: "Zoë here", Roles: []account.Role{account.RoleEditor}})
		if err != nil {
			t.Fatal(err)
		}
		rep := importFile(t, deps, "site.xml")
		var out bytes.Buffer
		if err := rep.Write(&out); err != nil {
			t.Fatal(err)
		}
		t.Logf("report:\n%s", out.String())
		want := map[string]int{
			"people new": 1, "people matched": 1, "categories": 3, "tags": 1, "pages": 1, "pinned": 1, "pingbacks": 1,
			"published": 2, "scheduled": 1, "draft": 3, "pending": 1,
			"visible": 5, "comments pending": 1, "spam": 1, "trash": 1,
		}
		got := map[string]int{
			"people new": rep.PeopleNew, "people matched": rep.PeopleMatched, "categories": rep.CategoriesNew, "tags": rep.TagsNew,
			"pages": rep.PagesNew, "pinned": rep.Pinned, "pingbacks": rep.Pingbacks,
			"published": rep.Articles[article.StatusPublished], "scheduled": rep.Articles[article.StatusScheduled],
			"draft": rep.Articles[article.StatusDraft], "pending": rep.Articles[article.StatusPending],
			"visible": rep.Comments[comment.StatusVisible], "comments pending": rep.Comments[comment.StatusPending],
			"spam": rep.Comments[comment.StatusSpam], "trash": rep.Comments[comment.StatusTrash],
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %d, want %d", k, got[k], v)
			}
		}
		if len(rep.NotPublic) != 2 {
			t.Errorf("not public: %v, want the private and the password-protected posts", rep.NotPublic)
		}
		for _, s := range []string{"post 17", "its 1 comments: pages take no comments"} {
			if !strings.Contains(out.String(), s) {
				t.Errorf("the report does not mention %q", s)
			}
		}

		// The sticky post: published at its GMT date, pinned, with its
		// primary category first (the kicker) and the parents kept.
		pub, err := a.Articles.Public(ctx, "first-drive")
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC); !pub.PublishedAt.Equal(want) {
			t.Errorf("published at %v, want %v", pub.PublishedAt, want)
		}
		if k := pub.Kicker(); k == nil || k.Slug != "road-tests" || k.Name != "Road Tests" {
			t.Errorf("kicker %+v, want Road Tests", k)
		}
		path, err := a.Articles.CategoryBySlug(ctx, "road-tests")
		if err != nil || len(path) != 2 || path[0].Slug != "motoring" {
			t.Errorf("road-tests path %+v (%v), want under motoring", path, err)
		}
		if pinned, err := a.Articles.Pinned(ctx, 10); err != nil || len(pinned) != 1 || pinned[0].ID != pub.ID {
			t.Errorf("pinned %v (%v), want the sticky post", pinned, err)
		}
		closed, err := a.Articles.Public(ctx, "closed-debate")
		if err != nil || !closed.CommentsClosed || closed.Author.ID != zoe.ID {
			t.Errorf("closed debate: closed %v, author %d (%v); want closed, by the matched person %d", closed.CommentsClosed, closed.Author.ID, err, zoe.ID)
		}
		if _, err := a.Articles.Public(ctx, "locked-story"); err == nil {
			t.Error("a password-protected post is public")
		}
		// The nested thread: 103 is written after its reply 101; 102 is
		// Zoë's, a member.
		var member, depth int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM comments WHERE author_id = $1`, zoe.ID).Scan(&member); err != nil || member != 1 {
			t.Errorf("comments by the member: %d (%v), want 1", member, err)
		}
		if err := d.QueryRow(ctx, `SELECT max(depth) FROM comments WHERE article_id = $1`, pub.ID).Scan(&depth); err != nil || depth != 3 {
			t.Errorf("deepest comment %d (%v), want 3 (100 → 103 → 101 → 102)", depth, err)
		}

		// The public site: the article at its date address with its
		// comments, and every old address a 301 to it.
		get := func(path string) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			a.Web.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://example.test"+path, nil))
			return w
		}
		page := get("/2024/03/01/first-drive/")
		if page.Code != 200 || !strings.Contains(page.Body.String(), "Reply to Günther.") || !strings.Contains(page.Body.String(), "Guest Günther") {
			t.Errorf("article page: %d, comments shown: %v", page.Code, strings.Contains(page.Body.String(), "Reply to Günther."))
		}
		if strings.Contains(page.Body.String(), "Buy pills") || strings.Contains(page.Body.String(), "Pingback text") {
			t.Error("the article page shows spam or a pingback")
		}
		for old, target := range map[string]string{
			"/motoring/road-tests/first-drive/": "/2024/03/01/first-drive/",
			"/?p=10":                            "/2024/03/01/first-drive/",
			"/?page_id=20":                      "/about/",
			"/?cat=4":                           "/category/motoring/road-tests/",
			"/category/%c3%a9t%c3%a9/":          "/category/ete/",
			"/motoring/road-tests/first-drive/spark-jpg/": "/2024/03/01/first-drive/",
		} {
			w := get(old)
			if w.Code != http.StatusMovedPermanently || !strings.HasSuffix(w.Header().Get("Location"), target) {
				t.Errorf("GET %s: %d to %q, want 301 to %s", old, w.Code, w.Header().Get("Location"), target)
			}
		}
		if w := get("/about/"); w.Code != 200 || !strings.Contains(w.Body.String(), "Who we are.") {
			t.Errorf("the page: %d", w.Code)
		}

		// Again: nothing added, nothing changed (no write moves the
		// content counter), the same ids.
		before := ids(t, d)
		version := func() int64 {
			var v int64
			if err := d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		v0 := version()
		again := importFile(t, deps, "site.xml")
		if n := again.Added(); n != 0 {
			var b bytes.Buffer
			_ = again.Write(&b)
			t.Errorf("the second run added %d:\n%s", n, b.String())
		}
		if again.ArticlesKnown != 7 || again.CommentsKnown != 8 {
			t.Errorf("second run: %d articles and %d comments known, want 7 and 8", again.ArticlesKnown, again.CommentsKnown)
		}
		if v := version(); v != v0 {
			t.Errorf("the second run moved the content counter from %d to %d: it wrote something", v0, v)
		}
		if after := ids(t, d); !equal(before, after) {
			t.Errorf("the second run changed rows:\nbefore %v\nafter  %v", before, after)
		}

		// A newer export: only its new comment comes in, under its parent.
		newer := importFile(t, deps, "site-newer.xml")
		if newer.Added() != 1 || newer.Comments[comment.StatusVisible] != 1 {
			t.Errorf("the newer export added %d (comments %v), want the one new comment", newer.Added(), newer.Comments)
		}
		var lateDepth int
		if err := d.QueryRow(ctx, `SELECT c.depth FROM comments c JOIN comment_sources s ON s.comment_id = c.id WHERE s.external_id = '108'`).Scan(&lateDepth); err != nil || lateDepth != 4 {
			t.Errorf("the new reply's depth %d (%v), want 4", lateDepth, err)
		}
	})
}

func equal(a, b map[string][]int64) bool {
	for k, v := range a {
		if len(v) != len(b[k]) {
			return false
		}
		for i := range v {
			if v[i] != b[k][i] {
				return false
			}
		}
	}
	return len(a) == len(b)
}

// The wordpress package's own fixtures (every WXR version) import, and
// again add nothing.
func TestImportReaderFixtures(t *testing.T) {
	for _, v := range []string{"1.0", "1.1", "1.2"} {
		t.Run(v, func(t *testing.T) { importFixture(t, v) })
	}
}

func importFixture(t *testing.T, v string) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		_, deps := site(t, d)
		{
			name := filepath.Join("..", "wordpress", "testdata", "wxr-"+v+".xml")
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := wpimport.Import(context.Background(), deps, f, wpimport.Options{})
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", v, err)
			}
			if rep.Added() == 0 {
				t.Errorf("%s: nothing imported", v)
			}
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			again, err := wpimport.Import(context.Background(), deps, bytes.NewReader(data), wpimport.Options{})
			if err != nil || again.Added() != 0 {
				t.Errorf("%s again: added %d (%v)", v, again.Added(), err)
			}
		}
	})
}

// A malformed file is refused with its line and column, before anything
// is written.
func TestImportMalformedFileChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		_, deps := site(t, d)
		data, err := os.ReadFile(filepath.Join("testdata", "site.xml"))
		if err != nil {
			t.Fatal(err)
		}
		// Cut inside the last item: everything before it is good.
		cut := data[:bytes.LastIndex(data, []byte("<item>"))+200]
		before := ids(t, d)
		_, err = wpimport.Import(context.Background(), deps, bytes.NewReader(cut), wpimport.Options{})
		var we *wordpress.Error
		if !errors.As(err, &we) || we.Line == 0 || we.Column == 0 {
			t.Fatalf("error %v, want a wordpress.Error with line and column", err)
		}
		if !strings.Contains(err.Error(), "line") {
			t.Errorf("the message %q does not say where", err)
		}
		if after := ids(t, d); !equal(before, after) {
			t.Errorf("a malformed file changed rows:\nbefore %v\nafter  %v", before, after)
		}
	})
}

// A dry run reads the whole file and counts, with no stores to write with.
func TestDryRun(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "site.xml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := wpimport.Import(context.Background(), nil, f, wpimport.Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.PeopleNew != 2 || sumArticles(rep) != 7 || rep.PagesNew != 1 || rep.Pingbacks != 1 || rep.Comments[comment.StatusVisible] != 5 {
		var b bytes.Buffer
		_ = rep.Write(&b)
		t.Errorf("dry run:\n%s", b.String())
	}
	if _, err := wpimport.Import(context.Background(), &wpimport.Deps{}, strings.NewReader(""), wpimport.Options{DryRun: true}); err == nil {
		t.Error("a dry run took stores")
	}
}

func sumArticles(r *wpimport.Report) int {
	n := 0
	for _, v := range r.Articles {
		n += v
	}
	return n
}

// A stream that cannot be read twice is imported as it is read: an error
// half-way keeps what came before, and the same import of the whole file
// then completes it, with nothing twice. An article made just before a
// crash, whose key was not yet written, is taken back rather than made
// again.
func TestInterruptedImportCompletes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, deps := site(t, d)
		data, err := os.ReadFile(filepath.Join("testdata", "site.xml"))
		if err != nil {
			t.Fatal(err)
		}
		cut := data[:bytes.Index(data, []byte("<title><![CDATA[spark.jpg"))]
		rep, err := wpimport.Import(ctx, deps, io.MultiReader(bytes.NewReader(cut)), wpimport.Options{})
		if err == nil || rep.Added() == 0 {
			t.Fatalf("cut stream: error %v, added %d; want an error after some items", err, rep.Added())
		}
		// The crash between an article and its key.
		if _, err := d.Exec(ctx, `DELETE FROM import_keys WHERE kind IN ('article', 'page') AND external_id IN ('13', '20')`); err != nil {
			t.Fatal(err)
		}
		rest := importFile(t, deps, "site.xml")
		if rest.Added() != 2 || rest.RedirectsNew != 2 {
			var b bytes.Buffer
			_ = rest.Write(&b)
			t.Errorf("completing added more than the attachment page's two addresses:\n%s", b.String())
		}
		var articles, comments int
		if err := d.QueryRow(ctx, `SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM comments)`).Scan(&articles, &comments); err != nil {
			t.Fatal(err)
		}
		if articles != 7 || comments != 8 {
			t.Errorf("%d articles and %d comments after completing, want 7 and 8", articles, comments)
		}
		if _, err := a.Articles.Public(ctx, "closed-debate"); err != nil {
			t.Errorf("an article after the cut: %v", err)
		}
	})
}
