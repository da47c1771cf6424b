package main

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"byline/internal/app"
	"byline/internal/config"
	"byline/internal/wordpress"
)

// The demo site exported to a file reads back with as many records of
// each kind as the database holds.
func TestExportWordPressDemo(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "demo.db")
	env := map[string]string{"BYLINE_DATABASE": dbPath}
	if code, out, errOut := runCmd(t, env, "demo"); code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errOut)
	}
	out := filepath.Join(dir, "site.xml")
	code, stdout, stderr := runCmd(t, env, "export", "wordpress", "--base-url", "https://motor.example", out)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "exported ") {
		t.Fatalf("export: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	t.Log(strings.TrimSpace(stderr))

	ctx := context.Background()
	cfg := config.Defaults
	cfg.Database = dbPath
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d, err := app.OpenDB(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	count := func(q string) int {
		var n int
		if err := d.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := map[string]int{
		"authors":    count(`SELECT COUNT(*) FROM users u WHERE EXISTS (SELECT 1 FROM articles a WHERE a.author_id = u.id) OR EXISTS (SELECT 1 FROM pages p WHERE p.author_id = u.id)`),
		"categories": count(`SELECT COUNT(*) FROM tags WHERE kind = 'category'`),
		"tags":       count(`SELECT COUNT(*) FROM tags WHERE kind = 'tag'`),
		"post":       count(`SELECT COUNT(*) FROM articles`),
		"page":       count(`SELECT COUNT(*) FROM pages`),
		"attachment": count(`SELECT COUNT(*) FROM media WHERE variants <> '[]'`),
		"comments":   count(`SELECT COUNT(*) FROM comments`),
	}
	if want["post"] == 0 || want["comments"] == 0 || want["authors"] == 0 {
		t.Fatalf("the demo has nothing to export: %v", want)
	}

	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]int{}
	r := wordpress.NewReader(f)
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch v := rec.(type) {
		case *wordpress.Site:
			if v.Link != "https://motor.example" || v.Title == "" {
				t.Errorf("site %+v", v)
			}
		case *wordpress.Author:
			got["authors"]++
		case *wordpress.Category:
			got["categories"]++
		case *wordpress.Tag:
			got["tags"]++
		case *wordpress.Item:
			got[v.Type]++
			got["comments"] += len(v.Comments)
		}
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: %d in the file, %d in the database", k, got[k], n)
		}
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the file's mode: %v, %v (it holds e-mail addresses: owner only)", info, err)
	}
}

func TestExportWordPressToStdout(t *testing.T) {
	env := map[string]string{"BYLINE_DATABASE": filepath.Join(t.TempDir(), "e.db")}
	code, stdout, stderr := runCmd(t, env, "export", "wordpress")
	if code != 0 || !strings.HasPrefix(stdout, "<?xml") || !strings.Contains(stdout, "<wp:wxr_version>1.2</wp:wxr_version>") ||
		!strings.Contains(stderr, "exported 0 people") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if code, _, stderr := runCmd(t, env, "export", "wordpress", "a.xml", "b.xml"); code != 2 || !strings.Contains(stderr, "one FILE") {
		t.Errorf("two files: exit %d, %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, env, "export", "wordpress", "--base-url", "example.com"); code != 2 || !strings.Contains(stderr, "absolute") {
		t.Errorf("bad address: exit %d, %s", code, stderr)
	}
	if code, stdout, stderr := runCmd(t, env, "export", "wordpress", "-h"); code != 0 || !strings.Contains(stdout+stderr, "e-mail addresses") {
		t.Errorf("help: exit %d; it must say the file holds e-mail addresses: %s", code, stdout+stderr)
	}
	missing := filepath.Join(t.TempDir(), "no", "such", "dir", "x.xml")
	if code, _, stderr := runCmd(t, env, "export", "wordpress", missing); code != 1 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
		t.Errorf("missing folder: exit %d, %s", code, stderr)
	}
}
