package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/cars"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/leads"
)

// staffFor makes a verified person with only role, signed in.
func staffFor(t *testing.T, b *browser, m *magazine, role account.Role) (*browser, int64) {
	t.Helper()
	p := m.Person(string(role)+"-only@gazette.test", "Only "+string(role), role)
	return signedIn(t, b, p.Email), p.ID
}

var (
	hrefRe = regexp.MustCompile(`<a [^>]*href="([^"]+)"`)
	tileRe = regexp.MustCompile(`<h3><a href="([^"]+)">([^<]+)</a></h3><p class="big">(\d+)</p>`)
)

// The dashboard shows each role only the tiles whose pages it may open,
// with figures that count what those pages list, and the newsletter tile
// says when the schedule makes the next digests.
func TestDashboardPerRole(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, ts, m := magazineSite(t, d)
		ctx := context.Background()
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := ts.db.QueryRow(ctx, q, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		// More unrouted requests than a capped list would hold (one from the
		// quote form, copied), a failed mail, and articles awaiting review
		// from two writers.
		cat, err := cars.NewStore(d).Catalogue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		qx60, _ := cat.Model(m.qx60)
		if _, err := ts.leads.Submit(ctx, leads.Request{MakeID: qx60.MakeID, ModelID: qx60.ID, Year: 2026, Postal: "99501", FirstName: "Kai",
			LastName: "North", Email: "kai.north@example.com", Timeframe: "month", Consent: true}, leads.Provider{Name: siteName, URL: srv.URL + "/"}); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.db.Exec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1005)
			INSERT INTO leads (created_at, make_id, model_id, year, postal, country, first_name, last_name, email, timeframe, consent, status, thanks_token)
			SELECT l.created_at, l.make_id, l.model_id, l.year, l.postal, l.country, l.first_name, l.last_name, l.email, l.timeframe, l.consent, 'unrouted', 'bulk-' || n.i
			FROM n, (SELECT * FROM leads ORDER BY id LIMIT 1) l`); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.db.Exec(ctx, `UPDATE mail_outbox SET status = 'failed' WHERE id = (SELECT min(id) FROM mail_outbox)`); err != nil {
			t.Fatal(err)
		}
		writer := signedIn(t, newBrowser(t, srv), m.writer.Email)
		for _, h := range []string{"Priya's pending piece", "Priya's draft"} {
			resp := writer.post("/admin/articles", url.Values{"headline": {h}, "body": {"Text."}})
			writer.expect(resp, 303)
			if strings.Contains(h, "pending") {
				writer.expect(writer.post(resp.Header.Get("Location"), url.Values{"action": {"submit"}}), 303)
			}
		}
		if n := count(`SELECT count(*) FROM leads WHERE status = 'unrouted'`); n <= 1000 {
			t.Fatalf("%d unrouted leads: the fixture needs more than 1,000", n)
		}

		roles := []account.Role{account.RoleReader, account.RoleContributor, account.RoleAuthor, account.RoleModerator, account.RoleEditor, account.RoleAdmin}
		for _, role := range roles {
			t.Run(string(role), func(t *testing.T) {
				b, id := staffFor(t, newBrowser(t, srv), m, role)
				b.t = t
				if role == account.RoleReader {
					b.expect(b.get("/admin"), 403)
					return
				}
				b.expect(b.get("/admin"), 200, "Dashboard")
				page := b.last
				checkHTML(t, "/admin", page)
				if strings.Contains(page, "January 1, 0001") || strings.Contains(page, "0001") {
					t.Fatal("a zero date on the dashboard")
				}
				// Every link answers 200 for this person.
				seen := map[string]bool{}
				for _, m := range hrefRe.FindAllStringSubmatch(page, -1) {
					href := strings.ReplaceAll(m[1], "&amp;", "&")
					if !strings.HasPrefix(href, "/") || strings.HasPrefix(href, "//") || seen[href] {
						continue
					}
					seen[href] = true
					if resp := b.get(href); resp.StatusCode != 200 {
						t.Errorf("%s: %s answers %d", role, href, resp.StatusCode)
					}
				}
				// Each tile's figure is what a direct count says.
				tiles := map[string]int{}
				for _, m := range tileRe.FindAllStringSubmatch(page, -1) {
					n, _ := strconv.Atoi(m[3])
					tiles[m[1]] = n
				}
				want := map[string]int{}
				p := account.Person{ID: id, Roles: []account.Role{role}, VerifiedAt: time.Now()}
				if p.Can(account.PermWriteArticles) {
					if p.Can(account.PermEditOthers) || p.Can(account.PermPublish) {
						want["/admin/articles?status=pending"] = count(`SELECT count(*) FROM articles WHERE status = 'pending' AND trashed_at IS NULL`)
					} else {
						want["/admin/articles?status=pending"] = count(`SELECT count(*) FROM articles WHERE status = 'pending' AND trashed_at IS NULL AND author_id = $1`, id)
					}
				}
				if p.Can(account.PermModerate) {
					want["/admin/comments"] = count(`SELECT count(*) FROM comments WHERE status = 'pending'`)
				}
				if p.Can(account.PermSeeLeads) {
					want["/admin/leads?status=unrouted"] = count(`SELECT count(*) FROM leads WHERE status = 'unrouted'`)
				}
				if p.Can(account.PermViewMail) {
					want["/admin/mail"] = count(`SELECT count(*) FROM mail_outbox WHERE status = 'failed'`)
				}
				if fmt.Sprint(tiles) != fmt.Sprint(want) {
					t.Fatalf("%s: tiles %v, want %v", role, tiles, want)
				}
				if got := strings.Contains(page, "Next newsletter"); got != p.Can(account.PermSendNewsletters) {
					t.Fatalf("%s: newsletter tile shown %v", role, got)
				}
			})
		}
		// The contributor's own pending piece counts; the admin's figure is the site's.
		if n := count(`SELECT count(*) FROM articles WHERE status = 'pending' AND trashed_at IS NULL`); n < 1 {
			t.Fatal("no article awaits review")
		}
	})
}

// A contributor's article list counts their own articles, offers only the
// steps their role allows, and the answer to a bulk step says what changed.
func TestContributorArticleList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, ts, m := magazineSite(t, d)
		ctx := context.Background()
		writer := signedIn(t, newBrowser(t, srv), m.writer.Email) // contributor
		var ids []string
		for _, h := range []string{"First draft", "Second draft"} {
			resp := writer.post("/admin/articles", url.Values{"headline": {h}, "body": {"Text."}})
			writer.expect(resp, 303)
			ids = append(ids, strings.TrimPrefix(resp.Header.Get("Location"), "/admin/articles/"))
		}
		var mine, site int
		ts.db.QueryRow(ctx, `SELECT count(*) FROM articles a JOIN users u ON u.id = a.author_id WHERE a.status = 'draft' AND a.trashed_at IS NULL AND u.email = $1`, m.writer.Email).Scan(&mine)
		ts.db.QueryRow(ctx, `SELECT count(*) FROM articles WHERE status = 'draft' AND trashed_at IS NULL`).Scan(&site)
		if mine == site {
			t.Fatal("the fixture needs drafts by others too")
		}
		writer.expect(writer.get("/admin/articles"), 200, fmt.Sprintf("Drafts (%d)", mine), `value="submit"`, `value="trash"`)
		for _, refused := range []string{`value="publish"`, `value="unpublish"`, `value="restore"`} {
			if strings.Contains(writer.last, refused) {
				t.Fatalf("a contributor is offered %s", refused)
			}
		}
		writer.expect(writer.get("/admin/articles?status=draft"), 200, "First draft", "Second draft")

		// Posting a step the role refuses changes nothing, and says so.
		writer.expect(writer.post("/admin/articles/bulk", url.Values{"action": {"publish"}, "id": ids}), 303)
		writer.expect(writer.get("/admin/articles"), 200, "Nothing changed. 2 articles could not be published: your role does not allow it.")
		// Someone else's article is not the contributor's to trash.
		var other string
		ts.db.QueryRow(ctx, `SELECT CAST(min(a.id) AS TEXT) FROM articles a JOIN users u ON u.id = a.author_id WHERE u.email <> $1`, m.writer.Email).Scan(&other)
		writer.expect(writer.post("/admin/articles/bulk", url.Values{"action": {"trash"}, "id": append(ids, other)}), 303)
		writer.expect(writer.get("/admin/articles"), 200, "2 articles moved to the trash. 1 article could not be moved to the trash: your role does not allow it.")
		writer.expect(writer.get("/admin/articles?status=trashed"), 200, "Trash (2)", "First draft", `value="restore"`)
		// A step that does not apply as the article stands.
		writer.expect(writer.post("/admin/articles/bulk", url.Values{"action": {"trash"}, "id": ids[:1]}), 303)
		writer.expect(writer.get("/admin/articles"), 200, "Nothing changed. 1 article could not be moved to the trash: the step does not apply to it as it stands.")
	})
}

var kickerRe = regexp.MustCompile(`<p class="kicker"><a href="/tag/([^/]+)/">([^<]+)</a></p>`)

// The kicker is the same in the preview, the editor and on the page, and
// the tags keep the spelling and order the writer typed, through saving,
// publishing and unticking a model.
func TestTagsAndKickerAsTyped(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, _, _, m := magazineSite(t, d)
	editor := signedIn(t, newBrowser(t, srv), m.editor.Email)
	// "japan" and "infiniti" are tags of the lead article, spelt as slugs.
	form := url.Values{"headline": {"Infiniti builds the QX60 at home"}, "body": {"Text."}, "tags": {"INFINITI, Japan, factories"},
		"models": {"Infiniti QX60"}}
	kicker := func(body string) string {
		t.Helper()
		m := kickerRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no kicker in\n%.2000s", body)
		}
		return m[1] + " " + m[2]
	}
	editor.expect(editor.post("/admin/articles/preview", form), 200)
	want := kicker(editor.last)
	if want != "infiniti INFINITI" {
		t.Fatalf("preview kicker %q", want)
	}
	resp := editor.post("/admin/articles", form)
	editor.expect(resp, 303)
	page := resp.Header.Get("Location")
	editor.expect(editor.get(page), 200, `value="INFINITI, Japan, factories, Infiniti QX60"`, `id="kicker-sample">INFINITI</span>`)
	// Saved again from the editor as drawn: nothing moves.
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(editor.last)[1]
	resave := url.Values{"version": {version}, "headline": form["headline"], "body": form["body"], "tags": {"INFINITI, Japan, factories, Infiniti QX60"},
		"models": {"Infiniti QX60"}, "models_shown": {"Infiniti QX60"}, "action": {"save"}}
	editor.expect(editor.post(page, resave), 303)
	editor.expect(editor.get(page), 200, `value="INFINITI, Japan, factories, Infiniti QX60"`, `id="kicker-sample">INFINITI</span>`)
	editor.expect(editor.post(page, url.Values{"action": {"publish"}}), 303)
	editor.expect(editor.get(page), 200, "On the site")
	public := regexp.MustCompile(`<dt>On the site</dt><dd><a href="([^"]+)"`).FindStringSubmatch(editor.last)[1]
	_, body := anonGet(t, srv.URL+public, nil)
	if got := kicker(body); got != want {
		t.Fatalf("page kicker %q, preview %q", got, want)
	}
	if !strings.Contains(body, `rel="tag">INFINITI</a>`) || strings.Index(body, `rel="tag">Japan</a>`) > strings.Index(body, `rel="tag">factories</a>`) {
		t.Fatalf("tags not as typed:\n%.3000s", body)
	}
	// Unticking the model in the list takes its tag away; the rest stay.
	editor.expect(editor.get(page), 200)
	version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(editor.last)[1]
	resave.Set("version", version)
	resave.Del("models")
	editor.expect(editor.post(page, resave), 303)
	editor.expect(editor.get(page), 200, `value="INFINITI, Japan, factories"`)
}

// The editor offers a date and time picker in the site's zone, named, and
// the library's images as Markdown to put in the text; an autosave says
// the page's new title and kicker.
func TestEditorDateImagesAndTitle(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, _, _, m := magazineSite(t, d)
	author := signedIn(t, newBrowser(t, srv), m.author.Email)
	var png bytes.Buffer
	encodePNG(&png, image.NewRGBA(image.Rect(0, 0, 40, 30)))
	author.expect(author.uploadWith("/admin/media", "file", "grille.png", png.Bytes(), url.Values{"alt": {"The new [grille]"}}), 303)
	resp := author.post("/admin/articles", url.Values{"headline": {"Old headline"}, "body": {"Text."}, "published_at": {"2030-01-02T09:30"}})
	author.expect(resp, 303)
	page := resp.Header.Get("Location")
	author.expect(author.get(page), 200, `type="datetime-local" id="e-date" name="published_at" step="60" value="2030-01-02T09:30"`,
		`<span id="e-date-zone" class="zone">America/New_York time</span>`, `![The new \[grille\]](/media/`, `class="insert-image"`)
	req, _ := http.NewRequest("POST", srv.URL+page, strings.NewReader(url.Values{"version": {"1"}, "headline": {"New  headline"}, "body": {"Text."},
		"tags": {"Grilles, Design"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if r := author.do(req); r.StatusCode != 200 || !strings.Contains(author.last, `"title":"New headline · Admin – `+siteName+`"`) || !strings.Contains(author.last, `"kicker":"Grilles"`) {
		t.Fatalf("autosave: %d %s", r.StatusCode, author.last)
	}
	author.expect(author.get(page), 200, "<title>New headline · Admin – "+siteName+"</title>")
	checkHTML(t, page, author.last)
	author.expect(author.get("/admin/articles"), 200)
	checkHTML(t, "/admin/articles", author.last)
}
