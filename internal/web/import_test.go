package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/wordpress"
)

var importJobPath = regexp.MustCompile(`^/admin/import/(\d+)$`)

// TestAdminImport: an admin uploads a WordPress export, the import runs in
// the background while its JSON feed says how far it is, and the job's page
// shows the report; the imported article is on the public site. A file that
// is not WXR is refused on the form with the reader's line and column, a
// file over the size setting is refused, and only admins may import.
func TestAdminImport(t *testing.T) {
	wxr, err := os.ReadFile("../wpimport/testdata/site.xml")
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, ts, m := serveMagazine(t, d)
		admin := signedIn(t, newBrowser(t, srv), m.editor.Email)
		admin.expect(admin.get("/admin/import"), http.StatusOK, "Upload a WordPress export", "at most 200 MB", "No imports yet.")

		// Not an admin: no screen, no upload.
		writer := signedIn(t, newBrowser(t, srv), m.writer.Email)
		writer.expect(writer.get("/admin/import"), http.StatusForbidden)
		writer.expect(writer.uploadWith("/admin/import", "file", "site.xml", wxr, nil), http.StatusForbidden)

		// Not a WordPress export: the reader's place and reason, on the form.
		admin.expect(admin.uploadWith("/admin/import", "file", "feed.xml", []byte("<?xml version=\"1.0\"?>\n<html><body>hi</body></html>\n"), nil),
			http.StatusUnprocessableEntity, "Upload a WordPress export", "not a WordPress export", "line 2, column")
		// No file at all.
		admin.expect(admin.post("/admin/import", url.Values{"dry_run": {"1"}}), http.StatusUnprocessableEntity, "choose a WordPress export file")

		// Larger than the setting: refused, with the page.
		st, err := ts.settings.Stored(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		st.ImportMaxMB = 1
		if err := ts.settings.Save(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		ts.settings.Invalidate()
		big := append(bytes.Repeat([]byte(" "), 1<<20), wxr...)
		admin.expect(admin.uploadWith("/admin/import", "file", "big.xml", big, nil), http.StatusRequestEntityTooLarge,
			"larger than 1 MB", "Upload a WordPress export")

		// A dry run reports and writes nothing.
		id := startImport(t, admin, wxr, url.Values{"dry_run": {"1"}})
		waitImport(t, admin, id)
		admin.expect(admin.get("/admin/import/"+id), http.StatusOK, "done", "would import (dry run: nothing written)", "100%")
		resp, _ := get(t, srv, "/motoring/road-tests/first-drive/")
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("after a dry run, the old address answers %d", resp.StatusCode)
		}

		// The import itself.
		id = startImport(t, admin, wxr, nil)
		waitImport(t, admin, id)
		admin.expect(admin.get("/admin/import/"+id), http.StatusOK, "done", "WordPress site https://old.example.com: imported", "articles", "100%")
		admin.expect(admin.get("/admin/import"), http.StatusOK, "site.xml", "(dry run)")

		// Another node is importing: a second import is refused.
		ctx := context.Background()
		now := time.Now().UTC()
		var other int64
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, `INSERT INTO import_jobs (kind, file_name, dry_run, status, active, bytes_total, created_at, heartbeat_at)
				VALUES ('wordpress', 'other.xml', FALSE, 'running', 1, 100, $1, $1) RETURNING id`, now).Scan(&other)
		}); err != nil {
			t.Fatal(err)
		}
		admin.expect(admin.uploadWith("/admin/import", "file", "site.xml", wxr, nil), http.StatusConflict, "Another import is running")
		admin.expect(admin.get("/admin/import"), http.StatusOK, "An import is running")
		// That node dies: its job shows as interrupted, with what to do.
		if _, err := d.Exec(ctx, `UPDATE import_jobs SET heartbeat_at = $1 WHERE id = $2`, now.Add(-time.Hour), other); err != nil {
			t.Fatal(err)
		}
		admin.expect(admin.get(fmt.Sprintf("/admin/import/%d", other)), http.StatusOK, "interrupted", "upload the same file again")
		// Uploading again is taken, and brings nothing twice.
		id = startImport(t, admin, wxr, nil)
		waitImport(t, admin, id)
		admin.expect(admin.get("/admin/import/"+id), http.StatusOK, "done")
		if !regexp.MustCompile(`articles +0 new, \d+ already here`).MatchString(admin.last) {
			t.Fatalf("a second import added articles:\n%s", admin.last)
		}

		// The article is on the public site, where its old address leads.
		resp, _ = get(t, srv, "/motoring/road-tests/first-drive/")
		if resp.StatusCode != http.StatusMovedPermanently {
			t.Fatalf("old address: %d, want 301", resp.StatusCode)
		}
		loc := resp.Header.Get("Location")
		if u, err := url.Parse(loc); err == nil {
			loc = u.Path
		}
		resp, body := get(t, srv, loc)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "First Drive: the Spark") || !strings.Contains(body, "<strong>fast</strong>") {
			t.Fatalf("%s: %d\n%.500s", loc, resp.StatusCode, body)
		}
	})
}

// startImport uploads wxr and returns the job's id from the redirect.
func startImport(t *testing.T, b *browser, wxr []byte, values url.Values) string {
	t.Helper()
	resp := b.uploadWith("/admin/import", "file", "site.xml", wxr, values)
	b.expect(resp, http.StatusSeeOther)
	sub := importJobPath.FindStringSubmatch(resp.Header.Get("Location"))
	if sub == nil {
		t.Fatalf("upload led to %q", resp.Header.Get("Location"))
	}
	return sub[1]
}

// waitImport polls the job's progress feed until it ends, as its page's
// bar does; the percentage never goes back.
func waitImport(t *testing.T, b *browser, id string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	last := -1
	for {
		b.expect(b.get("/admin/import/"+id+"/progress"), http.StatusOK)
		var p struct {
			Status  string
			Percent int
			Active  bool
		}
		if err := json.Unmarshal([]byte(b.last), &p); err != nil {
			t.Fatalf("progress: %v: %s", err, b.last)
		}
		if p.Percent < last {
			t.Fatalf("progress went back from %d%% to %d%%", last, p.Percent)
		}
		last = p.Percent
		if !p.Active {
			if p.Status != "done" || p.Percent != 100 {
				t.Fatalf("import ended %s at %d%%", p.Status, p.Percent)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("import still %s at %d%% after two minutes", p.Status, p.Percent)
		}
		time.Sleep(50 * time.Millisecond) // polling, as the page does
	}
}

// TestAdminImportUploadsFolder: Admin → Import takes a copy of the old
// site's uploads on the server; a folder it cannot use is refused on the
// form with what was typed kept, and one it can brings the pictures into
// the media library, where the old picture addresses lead.
func TestAdminImportUploadsFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "2024", "05"), 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var pic bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2024", "05", "cover.png"), pic.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var wxr bytes.Buffer
	w := wordpress.NewWriter(&wxr)
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, err := range []error{
		w.Site(&wordpress.Site{Title: "Old", Link: "https://old.example", BaseSiteURL: "https://old.example"}),
		w.Author(&wordpress.Author{ID: 1, Login: "ada", Email: "ada@old.example", DisplayName: "Ada"}),
		w.Item(&wordpress.Item{ID: 1, Type: "post", Name: "cover-story", Title: "Cover story", Status: "publish", Creator: "ada",
			Content:  `<p>See <img src="https://old.example/wp-content/uploads/2024/05/cover.png" alt="The cover"></p>`,
			PostDate: at, PostDateGMT: at, PostModified: at, PostModifiedGMT: at, Link: "https://old.example/?p=1", CommentStatus: "open"}),
		w.Close(),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, m := serveMagazine(t, d)
		admin := signedIn(t, newBrowser(t, srv), m.editor.Email)
		for typed, want := range map[string]string{
			"old-site/uploads":                            "full path on the server",
			filepath.Join(dir, "missing"):                 "there is no folder at this path",
			filepath.Join(dir, "2024", "05", "cover.png"): "this is a file, not a folder",
		} {
			admin.expect(admin.uploadWith("/admin/import", "file", "site.xml", wxr.Bytes(), url.Values{"uploads": {typed}}),
				http.StatusUnprocessableEntity, want, `value="`+typed+`"`)
		}
		id := startImport(t, admin, wxr.Bytes(), url.Values{"uploads": {dir}})
		waitImport(t, admin, id)
		admin.expect(admin.get("/admin/import/"+id), http.StatusOK, "done", dir)
		if !regexp.MustCompile(`media files +1 new`).MatchString(admin.last) {
			t.Fatalf("the report does not count the picture:\n%s", admin.last)
		}
		resp, _ := get(t, srv, "/wp-content/uploads/2024/05/cover.png")
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusMovedPermanently || !strings.Contains(loc, "/media/") {
			t.Fatalf("old picture address: %d to %q, want 301 to the media library", resp.StatusCode, loc)
		}
		resp, _ = get(t, srv, "/?p=1")
		loc := resp.Header.Get("Location")
		if u, err := url.Parse(loc); err == nil {
			loc = u.Path
		}
		resp, body := get(t, srv, loc)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "/media/") || strings.Contains(body, "/wp-content/uploads/") {
			t.Fatalf("%s: %d, the article does not show the imported picture", loc, resp.StatusCode)
		}
	})
}
