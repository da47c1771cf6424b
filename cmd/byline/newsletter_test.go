package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/mail"
	"byline/internal/mail/mailtest"
	"byline/internal/newsletter"
)

// TestMain lets a test run this binary as the byline command in a child
// process (to kill it with SIGKILL).
func TestMain(m *testing.M) {
	if os.Getenv("BYLINE_TEST_AS_COMMAND") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// child starts the byline command in a child process.
func child(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "BYLINE_TEST_AS_COMMAND=1")
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

// TestNewsletterSurvivesKill kills the sender with SIGKILL twice in the
// middle of a campaign, then lets it finish: every subscriber gets the
// newsletter, under one Message-ID. Each kill comes while the mail server
// holds back its answers to messages it has already taken: the sender has
// them in flight, not known to be delivered, so the next run sends them
// again under the same Message-ID (a mail program shows one message);
// whatever it had not ended yet is sent by the next run. See
// internal/newsletter/send.go.
func TestNewsletterSurvivesKill(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "site.db")
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const n = 1500
	store := newsletter.NewStore(d, mail.NewOutbox(d, "example.com"), nil)
	site := newsletter.Site{Name: "Kill Test", BaseURL: "http://news.test"}
	for i := 0; i < n; i++ {
		if _, err := store.Subscribe(ctx, site, newsletter.SignUp{Email: fmt.Sprintf("reader%04d@example.com", i), Verified: true}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := store.CreateDraft(ctx, 0, newsletter.Compose{Subject: "Survives a crash", Intro: "Exactly once, whatever happens."})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()

	smtp := mailtest.Start(t)
	args := []string{"newsletter", "send", "--database", path, "--campaign", fmt.Sprint(c.ID), "--smtp", smtp.URL(),
		"--rate", "0", "--concurrency", "4", "--lease", "1s", "--log-level", "error"}
	for _, at := range []int{300, 800} {
		smtp.HoldAfter(at)
		cmd, out := child(t, args...)
		deadline := time.Now().Add(60 * time.Second)
		for smtp.Total() < at+4 { // each of the 4 connections waits for an answer
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("only %d messages arrived before the kill at %d: %s", smtp.Total(), at, out.String())
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		smtp.Release()
		t.Logf("killed after %d messages", smtp.Total())
	}
	time.Sleep(1100 * time.Millisecond) // the dead sender's claims run out
	cmd, out := child(t, args...)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the last run failed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "0 left") {
		t.Fatalf("report: %s", out.String())
	}
	ids := map[string]map[string]bool{} // recipient -> Message-IDs
	for _, m := range smtp.Messages() {
		if ids[m.To[0]] == nil {
			ids[m.To[0]] = map[string]bool{}
		}
		ids[m.To[0]][m.Header.Get("Message-Id")] = true
	}
	for i := 0; i < n; i++ {
		addr := fmt.Sprintf("reader%04d@example.com", i)
		if len(ids[addr]) != 1 {
			t.Errorf("%s got %d different messages", addr, len(ids[addr]))
		}
	}
	// Sent again: at most the messages held at each kill, one per connection.
	if again := len(smtp.Messages()) - n; again < 0 || again > 2*4 {
		t.Fatalf("%d messages for %d readers", len(smtp.Messages()), n)
	}
}
