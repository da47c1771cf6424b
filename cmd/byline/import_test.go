package main

import (
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
