package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/newsletter"
)

// badText are the values no form field may bring in: a NUL (PostgreSQL
// refuses it, so it used to be a 500 there) and a byte that is not UTF-8
// (SQLite kept it, and strings.ToLower turned it into U+FFFD).
var badText = map[string]string{"nul": "a\x00b", "not-utf8": "a\xffb\xfe"}

// formFields are the fields the site's forms have; each walk posts all of
// them, so whatever field a handler reads holds the bad value.
var formFields = []string{"email", "display_name", "password", "new_password", "current_password", "country", "bio", "name",
	"body", "reason", "note", "alt", "headline", "slug", "excerpt", "tags", "subject", "intro", "first_name", "last_name",
	"phone", "postal", "trim", "comments", "street", "city", "region", "lead_emails", "coverage", "tagline", "base_url",
	"hold_words", "block_words", "mail_from", "smtp_host", "t", "token", "return_to", "frequency", "action", "id", "value"}

// noTypedText are POST routes whose fields no person types: a provider's
// answer, or a link's token from the page.
var noTypedText = map[string]string{
	"/login/providers/{id}/callback": "a provider's answer",
	"/login/link/use":                "the token of a mailed link",
}

var postRoute = regexp.MustCompile(`"POST (/[^"]*)"`)

// TestFormsRefuseUnkeepableText posts a NUL and a byte that is not UTF-8
// to every POST route the site has (read from the routes files, so a new form is
// covered without being listed) on both engines: each answer is a 422
// that says what is wrong, never a 500, and nothing of it is stored.
func TestFormsRefuseUnkeepableText(t *testing.T) {
	var routes []string
	for _, file := range []string{"site/routes.go", "admin/routes.go"} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range postRoute.FindAllStringSubmatch(string(src), -1) {
			routes = append(routes, m[1])
		}
	}
	if len(routes) < 40 {
		t.Fatalf("found only %d POST routes in the routes files", len(routes))
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, ts, m := serveMagazine(t, d)
		ctx := context.Background()
		admin := signedIn(t, newBrowser(t, srv), m.editor.Email)
		// A message in the outbox, for the mail routes.
		admin.expect(newBrowser(t, srv).post("/password/forgot", url.Values{"email": {m.reader.Email}}), 303)
		// A newsletter, a subscriber and a picture, for their routes.
		if _, err := ts.letters.CreateDraft(ctx, m.editor.ID, newsletter.Compose{Subject: "Weekly", ArticleIDs: []int64{m.lead.ID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := ts.letters.Subscribe(ctx, newsletter.Site{Name: siteName, BaseURL: srv.URL}, newsletter.SignUp{Email: "fan@example.com", Verified: true}); err != nil {
			t.Fatal(err)
		}
		admin.expect(admin.uploadWith("/admin/media", "file", "a.png", tinyPNG(t), url.Values{"alt": {"A picture"}}), http.StatusSeeOther)
		before := unkeepableCells(t, d)

		first := func(q string) string {
			var id int64
			if err := d.QueryRow(ctx, q).Scan(&id); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return fmt.Sprint(id)
		}
		// A sign-in provider, for its admin form (a GitHub one: saving it
		// reads no discovery document).
		if _, err := d.Exec(ctx, `INSERT INTO sign_in_providers (name, label, kind, client_id, created_at, updated_at)
			VALUES ('Forge', 'Sign in with Forge', 'github', 'client', $1, $1)`, time.Now()); err != nil {
			t.Fatal(err)
		}
		ids := map[string]string{
			"/admin/settings/providers/":     first(`SELECT MIN(id) FROM sign_in_providers`),
			"/login/providers/":              first(`SELECT MIN(id) FROM sign_in_providers`),
			"/comments/":                     first(`SELECT MIN(id) FROM comments`),
			"/admin/comments/":               first(`SELECT MIN(id) FROM comments`),
			"/admin/articles/":               first(`SELECT MIN(id) FROM articles`),
			"/admin/people/":                 fmt.Sprint(m.reader.ID),
			"/admin/mail/":                   first(`SELECT MIN(id) FROM mail_outbox`),
			"/admin/dealers/":                first(`SELECT MIN(id) FROM dealers`),
			"/admin/newsletter/campaigns/":   first(`SELECT MIN(id) FROM campaigns`),
			"/admin/newsletter/subscribers/": first(`SELECT MIN(id) FROM subscribers`),
			"/admin/media/":                  first(`SELECT MIN(id) FROM media`),
		}
		for _, route := range routes {
			path := route
			for prefix, id := range ids {
				if strings.HasPrefix(path, prefix) {
					path = strings.Replace(path, "{id}", id, 1)
				}
			}
			path = strings.Replace(path, "{action}", "roles", 1)
			if why, ok := noTypedText[route]; ok {
				// No person types into these: bad bytes are a bad request,
				// answered as such, never a 500.
				for kind, bad := range badText {
					vals := url.Values{}
					for _, k := range formFields {
						vals.Set(k, "Ok "+bad)
					}
					if resp := admin.post(path, vals); resp.StatusCode < 400 || resp.StatusCode >= 500 {
						t.Errorf("POST %s (%s, %s): %d, want a 4xx", path, kind, why, resp.StatusCode)
					}
				}
				continue
			}
			if strings.HasPrefix(route, "/passkeys/") {
				// The passkey steps take JSON: a NUL in a text field is refused
				// by name. (JSON cannot carry bytes that are not UTF-8: the
				// decoder makes them U+FFFD, which is text.)
				for _, k := range []string{"email", "display_name", "name", "country", "return_to", "ceremony"} {
					req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(`{"`+k+`":"Ok \u0000"}`))
					if err != nil {
						t.Fatal(err)
					}
					req.Header.Set("Content-Type", "application/json")
					resp, err := admin.c.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "cannot be kept") {
						t.Errorf("POST %s (NUL in %s): %d, want 422 with a reason\n%.300s", path, k, resp.StatusCode, body)
					}
				}
				continue
			}
			for kind, bad := range badText {
				vals := url.Values{}
				for _, k := range formFields {
					vals.Set(k, "Ok "+bad)
				}
				resp := admin.post(path, vals)
				if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(admin.last, "cannot be kept") {
					t.Errorf("POST %s (%s): %d, want 422 with a reason\n%.400s", path, kind, resp.StatusCode, admin.last)
				}
			}
		}
		// A multipart form (its fields and its file's name) is read the same way.
		resp := admin.uploadWith("/admin/media", "file", "a\xff.png", tinyPNG(t), url.Values{"alt": {"fine"}})
		admin.expect(resp, http.StatusUnprocessableEntity, "cannot be kept")
		resp = admin.uploadWith("/admin/media", "file", "a.png", tinyPNG(t), url.Values{"alt": {"a\xffb"}})
		admin.expect(resp, http.StatusUnprocessableEntity, "cannot be kept", `aria-invalid="true"`)

		if after := unkeepableCells(t, d); after != before {
			t.Errorf("unkeepable text stored: %d cells before the walk, %d after", before, after)
		}
	})
}

// TestRefusedFormShownAgain: a refused form comes back as the form, with
// the reason next to the field and the rest of what was typed.
func TestRefusedFormShownAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _ := startSite(t, d, "", false) // no content needed
		b := newBrowser(t, srv)
		b.expect(b.post("/login", url.Values{"email": {"a\x00b@example.com"}, "password": {"x"}}), 422,
			`id="login-email-error"`, "cannot be kept", `value="ab@example.com"`)
		b.expect(b.post("/register", url.Values{"email": {"new@example.com"}, "display_name": {"Bad\xffName"},
			"country": {"US"}, "password": {"a long enough password"}}), 422, "cannot be kept", `value="new@example.com"`, `value="BadName"`)
		b.expect(b.post("/newsletter", url.Values{"email": {"\xff\xfe@example.com"}, "frequency": {"weekly"}}), 422, "cannot be kept")
		var n int
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM users WHERE email = 'new@example.com'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("refused registration stored: %d, %v", n, err)
		}
		if err := d.QueryRow(context.Background(), `SELECT COUNT(*) FROM subscribers WHERE email LIKE '%example.com' AND email NOT LIKE '%@example.com'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if got := unkeepableCells(t, d); got != 0 {
			t.Fatalf("%d cells hold unkeepable text", got)
		}
	})
}

// unkeepableCells counts the text values in every table that hold a
// control character, U+FFFD or bytes that are not UTF-8.
func unkeepableCells(t *testing.T, d *db.DB) int {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if d.Engine == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	rows, err := d.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	bad := 0
	for _, table := range tables {
		rows, err := d.Query(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if s, ok := v.(string); ok && !keepable(s) {
					t.Logf("%s.%s holds %q", table, cols[i], s)
					bad++
				}
			}
		}
		rows.Close()
	}
	return bad
}

func keepable(s string) bool {
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}

// pngOf encodes img, for uploads made in a test.
func pngOf(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func tinyPNG(t testing.TB) []byte { return pngOf(t, image.NewRGBA(image.Rect(0, 0, 40, 30))) }

// TestAddressesWithUnkeepableText: a path or query that is not text is
// refused before it reaches the database (PostgreSQL answered 500).
func TestAddressesWithUnkeepableText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _ := startSite(t, d, "", false) // no content needed
		for path, want := range map[string]int{
			"/author/a%00b/": 404, "/tag/a%ffb/": 404, "/avatar/a%00": 404, "/2012/04/05/a%00b/": 404,
			"/newsletter/preferences?t=%00": 400, "/search?q=a%ffb": 400, "/password/reset?token=%00": 400,
		} {
			if resp, _ := get(t, srv, path); resp.StatusCode != want {
				t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
			}
		}
	})
}
