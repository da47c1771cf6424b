package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportWordPressCommand runs `byline import wordpress` on a fixture:
// a dry run writes nothing (the database file is not even made), the
// import prints its report, a second run adds nothing, and a truncated
// file is refused with its line and column.
func TestImportWordPressCommand(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "x.db")
	env := map[string]string{"BYLINE_DATABASE": dbPath}
	fixture := filepath.Join("..", "..", "internal", "wpimport", "testdata", "site.xml")

	code, out, errOut := runCmd(t, env, "import", "wordpress", "--dry-run", fixture)
	if code != 0 || !strings.Contains(out, "would import (dry run: nothing written)") || !strings.Contains(out, "7 new") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(dbPath); !os.IsNotExist(err) {
		t.Errorf("the dry run made the database (%v)", err)
	}

	code, out, errOut = runCmd(t, env, "import", "wordpress", fixture, "--zone", "Europe/Paris")
	if code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"https://old.example.com: imported", "articles          7 new", "comments          8 new", "pingbacks         1 skipped", `post 14 "Private Notes"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = runCmd(t, env, "import", "wordpress", fixture)
	if code != 0 || !strings.Contains(out, "articles          0 new") || !strings.Contains(out, "comments          0 new") {
		t.Errorf("second run: exit %d\n%s%s", code, out, errOut)
	}

	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "cut.xml")
	if err := os.WriteFile(bad, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCmd(t, env, "import", "wordpress", bad)
	if code != 1 || !strings.Contains(errOut, "line") || !strings.Contains(errOut, "column") {
		t.Errorf("a truncated file: exit %d, %q; want 1 and where it broke", code, errOut)
	}
	if code, _, _ := runCmd(t, env, "import", "wordpress"); code != 2 {
		t.Errorf("no file: exit %d, want 2 (usage)", code)
	}
	if code, _, _ := runCmd(t, env, "import", "wordpress", "--zone", "Nowhere/Town", fixture); code != 2 {
		t.Errorf("an unknown zone: exit %d, want 2 (usage)", code)
	}
}

// TestImportWordPressUploads imports the fixture with --uploads: its one
// attachment's file comes into the media library once, and a folder that
// is not there is a usage error.
func TestImportWordPressUploads(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"BYLINE_DATABASE": filepath.Join(dir, "x.db"), "BYLINE_MEDIA_DIR": filepath.Join(dir, "media")}
	fixture := filepath.Join("..", "..", "internal", "wpimport", "testdata", "site.xml")
	uploads := filepath.Join(dir, "uploads")
	if err := os.MkdirAll(filepath.Join(uploads, "2024", "03"), 0o755); err != nil {
		t.Fatal(err)
	}
	var pic bytes.Buffer
	if err := jpeg.Encode(&pic, image.NewGray(image.Rect(0, 0, 16, 9)), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(uploads, "2024", "03", "spark.jpg"), pic.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := runCmd(t, env, "import", "wordpress", "--uploads", uploads, fixture)
	if code != 0 || !strings.Contains(out, "media files       1 new") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	if entries, err := os.ReadDir(filepath.Join(dir, "media")); err != nil || len(entries) == 0 {
		t.Errorf("no file in the media folder (%v)", err)
	}
	code, out, errOut = runCmd(t, env, "import", "wordpress", "--uploads", uploads, fixture)
	if code != 0 || !strings.Contains(out, "media files       0 new, 1 already here") {
		t.Errorf("second run: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := runCmd(t, env, "import", "wordpress", "--uploads", filepath.Join(dir, "nowhere"), fixture); code != 2 {
		t.Errorf("a missing uploads folder: exit %d, want 2 (usage)", code)
	}
}
