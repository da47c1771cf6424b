package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"byline/internal/app"
	"byline/internal/config"
)

// TestImportDisqusCommand runs `byline import disqus` on a fixture: a dry
// run writes no comment, the import prints its report, a second run adds
// nothing, and a file cut short is refused with its line and column.
func TestImportDisqusCommand(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "x.db")
	env := map[string]string{"BYLINE_DATABASE": dbPath}
	fixture := filepath.Join("..", "..", "internal", "disqusimport", "testdata", "export.xml")

	// The site: an author, the article at the thread's own address, and
	// one reached through an old address in the redirect table.
	if code, _, errOut := runCmd(t, env, "user", "add", "--email", "edith@gazette.example", "--name", "Edith Stone", "--roles", "author"); code != 0 {
		t.Fatalf("user add: %s", errOut)
	}
	for name, date := range map[string]string{"plant-closes": "2012-04-05", "motor-show": "2013-06-01"} {
		file := filepath.Join(dir, name+".md")
		body := "---\ntitle: \"" + name + "\"\nslug: " + name + "\nauthor: edith@gazette.example\ndate: " + date + "T08:00:00Z\nstatus: published\n---\nText.\n"
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := runCmd(t, env, "article", "add", file); code != 0 {
			t.Fatalf("article add: %s", errOut)
		}
	}
	ctx := context.Background()
	cfg := config.Defaults
	cfg.Database = dbPath
	d, err := app.OpenDB(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := app.NewStores(d, cfg, app.Options{})
	if _, err := s.Redirects.Add(ctx, "/archives/motor-show.html", "/2013/06/01/motor-show/"); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM comments`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	defer d.Close()

	code, out, errOut := runCmd(t, env, "import", "disqus", "--dry-run", fixture)
	if code != 0 || !strings.Contains(out, "would import (dry run: nothing written)") || !strings.Contains(out, "7 new") || count() != 0 {
		t.Fatalf("dry run: exit %d, %d comments written\n%s%s", code, count(), out, errOut)
	}

	code, out, errOut = runCmd(t, env, "import", "disqus", fixture)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("report:\n%s", out)
	for _, want := range []string{"Disqus forum gazette: imported", "threads           2 matched (1 by their own address, 1 through an old address)",
		"comments          7 new (spam 1, visible 6)", "http://localhost:8080/draft-preview/ (1 post)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = runCmd(t, env, "import", "disqus", fixture)
	if code != 0 || !strings.Contains(out, "comments          0 new, 7 already here") || count() != 7 {
		t.Errorf("second run: exit %d, %d comments\n%s%s", code, count(), out, errOut)
	}

	data, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "cut.xml")
	if err := os.WriteFile(bad, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCmd(t, env, "import", "disqus", bad)
	if code != 1 || !strings.Contains(errOut, "line") || !strings.Contains(errOut, "column") {
		t.Errorf("a truncated file: exit %d, %q; want 1 and where it broke", code, errOut)
	}
	if code, _, _ := runCmd(t, env, "import", "disqus"); code != 2 {
		t.Errorf("no file: exit %d, want 2 (usage)", code)
	}
}
