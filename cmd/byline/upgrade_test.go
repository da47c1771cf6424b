package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/dbtest"
	"byline/internal/demo"
)

// previousRelease is the last commit whose schema sites may be running
// (migrations up to 0023): a node of it must keep working on a database
// this version has migrated, while the nodes are upgraded one by one.
const previousRelease = "67dfc87ce1cd3b3b871a6126482c08ccdec658ae"

// TestRollingUpgrade builds the previous release from the repository's
// history, lets it make and fill a PostgreSQL database, migrates that
// database with this version, and runs both side by side on it: the old
// node still serves its pages, its admin and its sign-in, and a comment
// posted on the new node shows on the old node's page.
func TestRollingUpgrade(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the previous release: not in -short")
	}
	dir := t.TempDir()
	old := buildRelease(t, previousRelease, dir)
	dsn := dbtest.PostgresSchema(t)
	ctx := context.Background()
	for _, args := range [][]string{{"migrate", "--database", dsn}, {"demo", "--database", dsn}} {
		if out, err := exec.CommandContext(ctx, old, args...).CombinedOutput(); err != nil {
			t.Fatalf("the previous release's %s: %v\n%s", args[0], err, out)
		}
	}
	var out, errb syncBuffer
	if code := run(ctx, &environment{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, []string{"migrate", "--database", dsn}); code != 0 {
		t.Fatalf("migrate with this version: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "applied migrations 0024, 0025") {
		t.Fatalf("this version's migrate said %q, want the migrations since the previous release", out.String())
	}

	oldBase := startBinary(t, old, "serve", "--database", dsn)
	newBase, stop := startServe(t, "--database", dsn)
	defer stop()

	article := "/2012/04/05/infiniti-to-move-production-out-of-japan/"
	for _, path := range []string{"/", article, "/feed/", "/sitemap.xml", "/tag/electric-vehicles/", "/cars/", "/api/v1/articles", "/api/v1/people"} {
		for _, base := range []string{oldBase, newBase} {
			resp, body := fetch(t, http.DefaultClient, base+path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s%s: %d\n%.300s", base, path, resp.StatusCode, body)
			}
		}
	}
	// An admin signs in on the old node and works there.
	jar, _ := cookiejar.New(nil)
	admin := &http.Client{Jar: jar}
	resp, err := admin.PostForm(oldBase+"/login", url.Values{"email": {"helen.marsh@motorledger.example"}, "password": {demo.Password}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in on the old node: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, path := range []string{"/admin", "/admin/articles", "/admin/comments", "/admin/settings"} {
		if resp, body := fetch(t, admin, oldBase+path); resp.StatusCode != http.StatusOK {
			t.Fatalf("old node %s: %d\n%.300s", path, resp.StatusCode, body)
		}
	}
	// A reader comments on the new node; the old node's page shows it.
	jar2, _ := cookiejar.New(nil)
	reader := &http.Client{Jar: jar2}
	resp, err = reader.PostForm(newBase+"/login", url.Values{"email": {"jordan.pike@example.com"}, "password": {demo.Password}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in on the new node: %v %v", resp, err)
	}
	resp.Body.Close()
	_, page := fetch(t, reader, newBase+article)
	id := regexp.MustCompile(`data-article="(\d+)"`).FindStringSubmatch(page)
	if id == nil {
		t.Fatal("no article id on the page")
	}
	text := "Posted during the upgrade " + time.Now().Format("150405.000")
	resp, err = reader.PostForm(newBase+"/comments", url.Values{"article_id": {id[1]}, "body": {text}})
	if err != nil || resp.StatusCode >= 400 {
		t.Fatalf("comment on the new node: %v %v", resp, err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, body := fetch(t, http.DefaultClient, oldBase+article); strings.Contains(body, text) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the old node's page never showed the comment posted on the new node")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func fetch(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// buildRelease writes the tree of commit from the repository's history
// into dir and builds its byline there.
func buildRelease(t *testing.T, commit, dir string) string {
	t.Helper()
	git, err := exec.LookPath("git")
	if err != nil {
		t.Fatal("git is needed to build the previous release: ", err)
	}
	top, err := exec.Command(git, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatal("the test runs in the repository, to build the previous release: ", err)
	}
	root := strings.TrimSpace(string(top))
	if exec.Command(git, "-C", root, "cat-file", "-e", commit+"^{commit}").Run() != nil {
		// A shallow clone: fetch the history from where it was cloned, if
		// that can be reached; without it there is no previous release
		// to build.
		if out, err := exec.Command(git, "-C", root, "fetch", "--quiet", "--unshallow").CombinedOutput(); err != nil {
			t.Skipf("the previous release %.12s is not in this clone's history and cannot be fetched (%v: %s): clone with history to run this test", commit, err, bytes.TrimSpace(out))
		}
	}
	var archive bytes.Buffer
	cmd := exec.Command(git, "archive", "--format=tar", commit)
	cmd.Dir = root
	cmd.Stdout = &archive
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git archive %s (the repository must hold its history): %v\n%s", commit, err, stderr.String())
	}
	src := filepath.Join(dir, "src")
	tr := tar.NewReader(&archive)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(src, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
				var data []byte
				if data, err = io.ReadAll(tr); err == nil {
					err = os.WriteFile(p, data, 0o644)
				}
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "byline-previous")
	build := exec.Command("go", "build", "-o", bin, "./cmd/byline")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the previous release: %v\n%s", err, out)
	}
	return bin
}

// startBinary runs a byline binary's serve and waits until it is ready;
// it is stopped when the test ends.
func startBinary(t *testing.T, bin string, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, append(args, "--addr", addr)...)
	var errb syncBuffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if err := cmd.Process.Signal(os.Interrupt); err == nil {
			select {
			case <-exited:
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
			}
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(serveReady)
	for {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("%s exited: %v\n%s", bin, err, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not become ready: %s", bin, errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
