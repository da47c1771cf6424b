package wpimport_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/wordpress"
	"byline/internal/wpimport"
)

// uploadsFolder writes a tiny wp-content/uploads: a PNG for the featured
// image, a JPEG shown in the text and its resized copy.
func uploadsFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "2024", "05"), 0o755); err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.Set(x, y, color.RGBA{uint8(x * 6), uint8(y * 8), 90, 255})
		}
	}
	var p, j, small bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&small, img.SubImage(image.Rect(0, 0, 20, 15)), nil); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"2024/05/cover.png": p.Bytes(), "2024/05/photo.jpg": j.Bytes(), "2024/05/photo-20x15.jpg": small.Bytes()} {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mediaFile is a post whose featured image's attachment comes after it
// (before it with attachmentFirst), with a picture, its resized copy and a
// missing file in its text.
func mediaFile(t *testing.T, attachmentFirst bool) []byte {
	t.Helper()
	var b bytes.Buffer
	w := wordpress.NewWriter(&b)
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Site(&wordpress.Site{Title: "Old", Link: "https://old.example", BaseSiteURL: "https://old.example"}))
	must(w.Author(&wordpress.Author{ID: 1, Login: "ada", Email: "ada@old.example", DisplayName: "Ada"}))
	post := &wordpress.Item{ID: 1, Type: "post", Name: "pictures", Title: "Pictures", Status: "publish", Creator: "ada",
		Content: `<p><img src="https://old.example/wp-content/uploads/2024/05/photo.jpg" alt="A photo"></p>` + "\n\n" +
			`<p><img src="https://old.example/wp-content/uploads/2024/05/photo-20x15.jpg" alt="Small photo"></p>` + "\n\n" +
			`<p><img src="https://old.example/wp-content/uploads/2024/05/gone.jpg" alt="Gone"></p>`,
		PostDate: at, PostDateGMT: at, PostModified: at, PostModifiedGMT: at, Link: "https://old.example/?p=1", CommentStatus: "open",
		Meta: []wordpress.Meta{{Key: "_thumbnail_id", Value: "2"}}}
	if !attachmentFirst {
		must(w.Item(post))
	}
	must(w.Item(&wordpress.Item{ID: 2, Type: "attachment", Name: "cover", Title: "Cover", Status: "inherit", Creator: "ada", Parent: 1,
		PostDate: at, PostDateGMT: at, PostModified: at, PostModifiedGMT: at, Link: "https://old.example/pictures/cover/",
		AttachmentURL: "https://old.example/wp-content/uploads/2024/05/cover.png",
		Meta:          []wordpress.Meta{{Key: "_wp_attached_file", Value: "2024/05/cover.png"}, {Key: "_wp_attachment_image_alt", Value: "The cover"}}}))
	if attachmentFirst {
		must(w.Item(post))
	}
	must(w.Close())
	return b.Bytes()
}

func TestImportUploads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, deps := site(t, d)
		deps.Media = a.Media
		dir := uploadsFolder(t)
		file := mediaFile(t, false)
		run := func() *wpimport.Report {
			t.Helper()
			rep, err := wpimport.Import(ctx, deps, bytes.NewReader(file), wpimport.Options{Uploads: dir})
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		dry, err := wpimport.Import(ctx, nil, bytes.NewReader(file), wpimport.Options{DryRun: true, Uploads: dir})
		if err != nil {
			t.Fatal(err)
		}
		if dry.MediaNew != 2 || len(dry.MediaMissing) != 1 {
			t.Errorf("dry run: media %d, missing %q; want 2 and gone.jpg", dry.MediaNew, dry.MediaMissing)
		}
		rep := run()
		if rep.MediaNew != 2 || rep.MediaKnown != 0 {
			t.Errorf("media new %d, known %d; want 2 (the cover, the photo once for both sizes), 0", rep.MediaNew, rep.MediaKnown)
		}
		if len(rep.MediaMissing) != 1 || !strings.Contains(rep.MediaMissing[0], "2024/05/gone.jpg") || !strings.Contains(rep.MediaMissing[0], "no such file") {
			t.Errorf("missing = %q, want gone.jpg with its reason", rep.MediaMissing)
		}
		var text bytes.Buffer
		if err := rep.Write(&text); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text.String(), "media files") || !strings.Contains(text.String(), "gone.jpg") {
			t.Errorf("report does not tell the media:\n%s", text.String())
		}

		get := func(path string) *httptest.ResponseRecorder {
			w := httptest.NewRecorder()
			a.Web.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://example.test"+path, nil))
			return w
		}
		w := get("/?p=1")
		if w.Code != http.StatusMovedPermanently {
			t.Fatalf("/?p=1: %d", w.Code)
		}
		page := get(w.Header().Get("Location"))
		if page.Code != http.StatusOK {
			t.Fatalf("article page: %d", page.Code)
		}
		body := page.Body.String()
		if strings.Contains(body, "/wp-content/uploads/2024/05/photo") {
			t.Error("the article still shows the old photo addresses")
		}
		if !strings.Contains(body, "/wp-content/uploads/2024/05/gone.jpg") {
			t.Error("the missing file's old address was not kept")
		}
		if !strings.Contains(body, `alt="A photo"`) || !strings.Contains(body, `alt="Small photo"`) {
			t.Error("the pictures' alt text was lost")
		}
		if !strings.Contains(body, `alt="The cover"`) {
			t.Error("the article page does not show its featured image")
		}
		for _, old := range []string{"/wp-content/uploads/2024/05/photo.jpg", "/wp-content/uploads/2024/05/photo-20x15.jpg", "/wp-content/uploads/2024/05/cover.png"} {
			w := get(old)
			loc := w.Header().Get("Location")
			if w.Code != http.StatusMovedPermanently || !strings.Contains(loc, "/media/") {
				t.Errorf("%s: %d to %q, want 301 to the media", old, w.Code, loc)
				continue
			}
			if !strings.Contains(body, strings.TrimPrefix(loc, "http://example.test")) && !strings.Contains(old, "cover") {
				t.Errorf("the article does not show %s", loc)
			}
			if got := get(strings.TrimPrefix(loc, "http://example.test")); got.Code != http.StatusOK {
				t.Errorf("%s: %d", loc, got.Code)
			}
		}
		if w := get("/wp-content/uploads/2024/05/gone.jpg"); w.Code == http.StatusMovedPermanently {
			t.Error("a file that did not come across has a redirect")
		}

		before := ids(t, d)
		var media int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM media`).Scan(&media); err != nil {
			t.Fatal(err)
		}
		rep = run()
		if rep.Added() != 0 || rep.MediaNew != 0 {
			t.Errorf("second run added %d (media %d)", rep.Added(), rep.MediaNew)
		}
		var again int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM media`).Scan(&again); err != nil {
			t.Fatal(err)
		}
		if again != media || !equal(before, ids(t, d)) {
			t.Errorf("second run changed rows: media %d → %d", media, again)
		}
	})
}

// TestImportUploadsAfterAKill: a run killed between storing a picture and
// noting its key left the picture in the library; the next run takes it
// instead of storing it again.
func TestImportUploadsAfterAKill(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, deps := site(t, d)
		deps.Media = a.Media
		dir := uploadsFolder(t)
		data, err := os.ReadFile(filepath.Join(dir, "2024", "05", "cover.png"))
		if err != nil {
			t.Fatal(err)
		}
		// What the killed run stored, as the importer stores it: by no one.
		left, err := a.Media.Upload(ctx, "cover.png", data, "The cover", 0)
		if err != nil {
			t.Fatal(err)
		}
		// A picture someone uploaded with the same name and size is not
		// the importer's to take.
		staff, err := a.People.Create(ctx, account.NewPerson{Email: "staff@example.test", DisplayName: "Staff", Roles: []account.Role{account.RoleAuthor}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Media.Upload(ctx, "photo.jpg", mustRead(t, filepath.Join(dir, "2024", "05", "photo.jpg")), "Staff photo", staff.ID); err != nil {
			t.Fatal(err)
		}
		rep, err := wpimport.Import(ctx, deps, bytes.NewReader(mediaFile(t, false)), wpimport.Options{Uploads: dir})
		if err != nil {
			t.Fatal(err)
		}
		if rep.MediaNew != 1 || rep.MediaKnown != 1 {
			t.Errorf("media new %d, known %d; want the photo new and the cover taken from the killed run", rep.MediaNew, rep.MediaKnown)
		}
		var media int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM media`).Scan(&media); err != nil {
			t.Fatal(err)
		}
		if media != 3 {
			t.Errorf("%d pictures in the library, want 3 (the cover once, the staff photo, the imported photo)", media)
		}
		var featured int64
		if err := d.QueryRow(ctx, `SELECT COALESCE(featured_media_id, 0) FROM articles`).Scan(&featured); err != nil {
			t.Fatal(err)
		}
		if featured != left.ID {
			t.Errorf("featured image %d, want the killed run's %d", featured, left.ID)
		}
	})
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestImportUploadsAttachmentFirst: an attachment read before its post is
// the post's featured image from the start.
func TestImportUploadsAttachmentFirst(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a, deps := site(t, d)
		deps.Media = a.Media
		rep, err := wpimport.Import(ctx, deps, bytes.NewReader(mediaFile(t, true)), wpimport.Options{Uploads: uploadsFolder(t)})
		if err != nil {
			t.Fatal(err)
		}
		if rep.MediaNew != 2 {
			t.Errorf("media new %d, want 2", rep.MediaNew)
		}
		var featured int64
		if err := d.QueryRow(ctx, `SELECT COALESCE(a.featured_media_id, 0) FROM articles a`).Scan(&featured); err != nil {
			t.Fatal(err)
		}
		m, err := a.Media.ByID(ctx, featured)
		if err != nil || m.Alt != "The cover" {
			t.Errorf("featured image %d: %+v, %v; want the cover", featured, m, err)
		}
	})
}
