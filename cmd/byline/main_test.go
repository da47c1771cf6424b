package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/app"
	"byline/internal/config"
	"byline/internal/dbtest"
	"byline/internal/mail/mailtest"
	"byline/internal/site"
)

// runCmd runs a command line in-process and returns its exit code and output.
func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &environment{stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] }}, args)
	return code, out.String(), errb.String()
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "site.db")
	env := map[string]string{"BYLINE_DATABASE": dbPath}
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.md", "---\ntitle: \"Hello, readers\"\nauthor: ada@example.com\ndate: 2012-04-05T10:00:00-04:00\ntags: [news]\nstatus: published\n---\nThe first *story*.\n")
	noAuthor := write("noauthor.md", "---\ntitle: x\nauthor: nobody-here\n---\nbody\n")
	malformed := write("bad.md", "---\ntitle: [oops\n---\nbody\n")

	cases := []struct {
		name     string
		args     []string
		env      map[string]string
		code     int
		stdout   string // substring
		stderr   string // substring
		oneLiner bool   // stderr must be exactly one line
	}{
		{"help", []string{"help"}, env, 0, "user add", "", false},
		{"no command", nil, env, 2, "Commands:", "", false},
		{"unknown command", []string{"frobnicate"}, env, 2, "", "unknown command", false},
		{"bad flag", []string{"serve", "--no-such-flag"}, env, 2, "", "flag provided but not defined", false},
		{"bad addr", []string{"serve", "--addr", "nonsense"}, env, 2, "", "want host:port", false},
		{"bad time zone", []string{"migrate", "--timezone", "Mars/Olympus"}, env, 2, "", "not a known time zone", false},
		{"migrate", []string{"migrate"}, env, 0, "applied migrations 0001, 0002", "", false},
		{"migrate again", []string{"migrate"}, env, 0, "database is up to date", "", false},
		{"user add", []string{"user", "add", "--email", "ada@example.com", "--name", "Ada Writer", "--roles", "contributor,moderator", "--country", "Canada"}, env, 0, "added Ada Writer", "", false},
		{"user add weak password", []string{"user", "add", "--email", "weak@example.com", "--name", "Weak", "--password", "password"}, env, 1, "", "password", true},
		{"user add with password", []string{"user", "add", "--email", "strong@example.com", "--name", "Strong Editor", "--roles", "editor", "--password", "a strong passphrase"}, env, 0, "added Strong Editor", "", false},
		{"user add duplicate", []string{"user", "add", "--email", "ada@example.com", "--name", "Ada Again"}, env, 1, "", "already exists", true},
		{"user add bad role", []string{"user", "add", "--email", "b@example.com", "--name", "B", "--roles", "king"}, env, 2, "", "unknown role", false},
		{"user add bad email", []string{"user", "add", "--email", "not-an-email", "--name", "B"}, env, 1, "", "does not look like an e-mail", true},
		{"user add bad country", []string{"user", "add", "--email", "c@example.com", "--name", "C", "--country", "Atlantis"}, env, 1, "", "unknown country", true},
		{"user add missing name", []string{"user", "add", "--email", "c@example.com"}, env, 2, "", "--email and --name are required", false},
		{"article add", []string{"article", "add", good}, env, 0, "/2012/04/05/hello-readers/", "", false},
		{"article add again", []string{"article", "add", good}, env, 1, "", "already exists", true},
		{"article add unknown author", []string{"article", "add", noAuthor}, env, 1, "", "no person \"nobody-here\"", true},
		{"article add malformed", []string{"article", "add", malformed}, env, 1, "", "front matter", true},
		{"article add missing file", []string{"article", "add", filepath.Join(dir, "missing.md")}, env, 1, "", "no such file", true},
		{"article add no file", []string{"article", "add"}, env, 2, "", "at least one", false},
		{"demo on a non-empty database", []string{"demo"}, env, 1, "", "empty database", true},
		{"demo on an empty one", []string{"demo", "--database", filepath.Join(dir, "demo.db")}, env, 0, "Motor Ledger", "", false},
		{"database unreachable", []string{"migrate", "--database", "postgres://nobody@127.0.0.1:1/x?sslmode=disable"}, env, 1, "", "cannot reach database", true},
		{"database folder missing", []string{"migrate", "--database", filepath.Join(dir, "no", "such", "dir.db")}, env, 1, "", "SQLite", true},
	}
	for _, c := range cases {
		code, out, errOut := runCmd(t, c.env, c.args...)
		if code != c.code || !strings.Contains(out, c.stdout) || !strings.Contains(errOut, c.stderr) {
			t.Errorf("%s: exit %d (want %d)\nstdout: %s\nstderr: %s", c.name, code, c.code, out, errOut)
			continue
		}
		if c.oneLiner && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("%s: error is not one line:\n%s", c.name, errOut)
		}
		if strings.Contains(errOut, "goroutine ") || strings.Contains(errOut, "panic") {
			t.Errorf("%s: stack trace:\n%s", c.name, errOut)
		}
	}
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serveReady is how long a test waits for `serve` to answer: loading the
// demo under the race detector on a busy machine can take a while. A
// server that exits fails the wait at once.
const serveReady = 5 * time.Minute

// startServe runs `byline serve` in-process and waits until it answers.
func startServe(t testing.TB, args ...string) (base string, stop func() int) {
	t.Helper()
	base, stop, _ = startServeLog(t, args...)
	return base, stop
}

// startServeLog is startServe, with what the server writes to stderr.
func startServeLog(t testing.TB, args ...string) (base string, stop func() int, stderr *syncBuffer) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var out syncBuffer
	errb := &syncBuffer{}
	go func() {
		done <- run(ctx, &environment{stdout: &out, stderr: errb, getenv: func(string) string { return "" }},
			append([]string{"serve", "--addr", addr}, args...))
	}()
	base = "http://" + addr
	deadline := time.Now().Add(serveReady)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited with %d: %s", code, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not become ready in %v: %s", serveReady, errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return base, func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(2 * time.Minute):
			t.Fatal("serve did not stop")
			return -1
		}
	}, errb
}

func TestServeDemoAndGracefulShutdown(t *testing.T) {
	base, stop, stderr := startServeLog(t, "--demo", "--database", filepath.Join(t.TempDir(), "x.db"))
	const articlePath = "/2012/04/05/infiniti-to-move-production-out-of-japan/"
	var body []byte
	for range 2 { // rendered, then a hit on the page cache
		resp, err := http.Get(base + articlePath)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Motor Ledger")) {
			t.Fatalf("demo article: %d", resp.StatusCode)
		}
	}
	// A response in flight when the stop comes still arrives whole: the
	// stop waits until its first byte came (a request the server has not
	// yet accepted is refused by a stopping server, as it should be).
	inflight, started, stopped := make(chan error, 1), make(chan struct{}), make(chan struct{})
	go func() {
		req, _ := http.NewRequest("GET", base+"/feed/", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotFirstResponseByte: func() { close(started) },
		}))
		r, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Do(req)
		if err == nil {
			<-stopped
			var b []byte
			b, err = io.ReadAll(r.Body)
			r.Body.Close()
			switch {
			case err != nil:
			case r.StatusCode != 200:
				err = fmt.Errorf("status %d", r.StatusCode)
			case !bytes.HasSuffix(bytes.TrimSpace(b), []byte("</rss>")):
				err = fmt.Errorf("the feed was cut short after %d bytes", len(b))
			}
		}
		inflight <- err
	}()
	// An open live-update stream must not hold the shutdown up.
	m := regexp.MustCompile(`name="article_id" value="(\d+)"|data-article="(\d+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatal("no article id on the page")
	}
	id := string(m[1]) + string(m[2])
	stream, err := http.Get(base + "/comments/live?article=" + id)
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("live stream: %v", err)
	}
	defer stream.Body.Close() // its headers came: the server holds it open now
	select {
	case <-started:
	case err := <-inflight:
		t.Fatalf("in-flight request: %v", err)
	}
	began := time.Now()
	code := stop()
	close(stopped)
	if code != 0 {
		t.Fatalf("serve exited %d after stop", code)
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("shutdown took %v with a live stream open", d)
	}
	if err := <-inflight; err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
	// The request lines are buffered, and all written by the time serve
	// returns, before its last line.
	log := stderr.String()
	route := `route="GET /{year}/{month}/{day}/{slug}/{$}" status=200`
	if n := strings.Count(log, "path="+articlePath+" "+route); n != 2 {
		t.Errorf("%d request lines for the article (a render and a hit), want 2:\n%s", n, log)
	}
	if !strings.Contains(log, "path=/feed/ ") {
		t.Errorf("no request line for the feed answered during the stop:\n%s", log)
	}
	if last := strings.LastIndex(log, "msg=request"); last > strings.LastIndex(log, "msg=stopped") {
		t.Errorf("a request line after the last line:\n%s", log)
	}
}

// TestServeOnPostgres runs the same binary wiring against PostgreSQL.
func TestServeOnPostgres(t *testing.T) {
	url := dbtest.PostgresSchema(t)
	base, stop := startServe(t, "--demo", "--database", url)
	defer stop()
	resp, err := http.Get(base + "/search?q=tochigi")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Infiniti to Move Production")) {
		t.Fatalf("search on postgres: %d", resp.StatusCode)
	}
}

// TestScheduledPublishing: a scheduled article appears on the cached home
// page when its time comes, though nothing else on the site changes.
func TestScheduledPublishing(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "x.db")
	base, stop := startServe(t, "--demo", "--database", dbPath)
	defer stop()
	at := time.Now().Add(3 * time.Second).Truncate(time.Second)
	file := filepath.Join(dir, "timed.md")
	os.WriteFile(file, []byte("---\ntitle: \"Timed for the morning\"\nauthor: ruth.okafor@motorledger.example\ndate: "+
		at.UTC().Format(time.RFC3339)+"\nstatus: published\n---\nRight on time.\n"), 0o644)
	if code, _, errOut := runCmd(t, map[string]string{"BYLINE_DATABASE": dbPath}, "article", "add", file); code != 0 {
		t.Fatalf("article add: %s", errOut)
	}
	home := func() string {
		resp, err := http.Get(base + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	for range 2 { // the second from the cache
		if page := home(); strings.Contains(page, "Timed for the morning") && time.Now().Before(at) {
			t.Fatal("the scheduled article is listed before its time")
		}
	}
	for deadline := at.Add(2 * time.Minute); !strings.Contains(home(), "Timed for the morning"); {
		if time.Now().After(deadline) {
			t.Fatal("the cached home page did not list the article once its time came")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestMailNamesTheSite: mail from `serve` shows the site's name as the
// sender's and ends its Message-ID in the host of the site's address, not
// of the address the server listens on.
func TestMailNamesTheSite(t *testing.T) {
	smtp := mailtest.Start(t)
	// The site's name and address as an admin set them on the settings screen.
	path := filepath.Join(t.TempDir(), "m.db")
	ctx := context.Background()
	cfg := config.Defaults
	cfg.Database = path
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	d, err := app.OpenDB(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := site.Defaults("Car Magazine", "")
	st.BaseURL = "https://cars.example.com"
	if err := app.NewStores(d, cfg, app.Options{}).Settings.Save(ctx, st); err != nil {
		t.Fatal(err)
	}
	d.Close()
	base, stop := startServe(t, "--database", path, "--smtp", smtp.URL())
	defer stop()
	req, _ := http.NewRequest("POST", base+"/register", strings.NewReader(url.Values{"email": {"reader@example.com"}, "display_name": {"Rea Der"},
		"country": {"US"}, "password": {"a fine long passphrase"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %v %v", resp, err)
	}
	resp.Body.Close()
	m := smtp.Wait(t, 1, 2*time.Minute)[0]
	if from := m.Header.Get("From"); from != `"Car Magazine" <noreply@example.com>` {
		t.Errorf("From: %q", from)
	}
	if id := m.Header.Get("Message-Id"); !strings.HasSuffix(id, "@cars.example.com>") {
		t.Errorf("Message-Id: %q", id)
	}
}
