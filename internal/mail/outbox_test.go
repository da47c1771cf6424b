package mail

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail/mailtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestOutboxDelivers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv := mailtest.Start(t)
		o := NewOutbox(d, "example.com")
		clock := time.Now()
		o.now = func() time.Time { return clock }
		cfg := testConfig(srv)
		configured := false
		sender := func(context.Context) (Sender, string, bool) { return NewSMTP(cfg), cfg.From, configured }

		// Mail enqueued inside a transaction that fails is never sent.
		_ = d.Tx(ctx, func(tx *db.Tx) error {
			if err := o.Enqueue(ctx, tx, Message{To: "ghost@example.com", Subject: "never", Text: "x"}); err != nil {
				t.Fatal(err)
			}
			return context.Canceled
		})
		for _, to := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			if err := o.Enqueue(ctx, d, Message{To: to, Subject: "Hello " + to, Text: "Plain text for " + to,
				HTML: "<p>HTML for " + to + "</p>", Headers: map[string]string{"X-Byline-Test": "yes"}}); err != nil {
				t.Fatal(err)
			}
		}
		// No server configured: mail waits, nothing is lost.
		o.drain(ctx, sender, quiet)
		if n, _ := o.Counts(ctx); n[StatusPending] != 3 {
			t.Fatalf("without a server: %v", n)
		}
		configured = true

		// One temporary failure, then a permanent one.
		srv.FailNext(451, 550)
		o.drain(ctx, sender, quiet)
		got := srv.Messages()
		if len(got) != 1 {
			t.Fatalf("after the first pass %d delivered, want 1", len(got))
		}
		counts, _ := o.Counts(ctx)
		if counts[StatusSent] != 1 || counts[StatusFailed] != 1 || counts[StatusPending] != 1 {
			t.Fatalf("counts after failures: %v", counts)
		}
		// The temporary failure is retried after its backoff, not before.
		o.drain(ctx, sender, quiet)
		if len(srv.Messages()) != 1 {
			t.Fatal("retried before the backoff ran out")
		}
		clock = clock.Add(Backoff(1) + time.Second)
		o.drain(ctx, sender, quiet)
		got = srv.Wait(t, 2, 5*time.Second)
		counts, _ = o.Counts(ctx)
		if counts[StatusSent] != 2 || counts[StatusFailed] != 1 {
			t.Fatalf("counts after retry: %v", counts)
		}
		m := got[1]
		if !strings.HasPrefix(m.Subject, "Hello ") || !strings.Contains(m.Text, "Plain text for") || !strings.Contains(m.HTML, "<p>HTML for") ||
			m.Header.Get("X-Byline-Test") != "yes" || !strings.HasSuffix(m.Header.Get("Message-Id"), "@example.com>") {
			t.Fatalf("received subject %q text %q html %q headers %v", m.Subject, m.Text, m.HTML, m.Header)
		}
		for _, r := range got {
			if r.To[0] == "ghost@example.com" {
				t.Fatal("mail of a rolled-back transaction was sent")
			}
		}
		// A failed message can be put back; the list shows the newest first.
		list, err := o.List(ctx, 0, 10)
		if err != nil || len(list) != 3 || list[0].ID < list[2].ID {
			t.Fatalf("list: %v %v", list, err)
		}
		var failed Stored
		for _, s := range list {
			if s.Status == StatusFailed {
				failed = s
			}
		}
		if !strings.Contains(failed.LastError, "550") {
			t.Fatalf("failed message keeps its error: %+v", failed)
		}
		if err := o.Retry(ctx, failed.ID); err != nil {
			t.Fatal(err)
		}
		o.drain(ctx, sender, quiet)
		srv.Wait(t, 3, 5*time.Second)
		if s, _ := o.Get(ctx, failed.ID); s.Status != StatusSent || s.SentAt.IsZero() {
			t.Fatalf("retried message: %+v", s)
		}
	})
}

func TestServerDownLosesNothing(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	o := NewOutbox(d, "")
	down := SMTP{Host: "127.0.0.1", Port: 1, TLS: TLSNone, From: "x@example.com", Timeout: time.Second}
	if err := o.Enqueue(ctx, d, Message{To: "a@example.com", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	o.drain(ctx, func(context.Context) (Sender, string, bool) { return NewSMTP(down), down.From, true }, quiet)
	list, _ := o.List(ctx, 0, 10)
	if len(list) != 1 || list[0].Status != StatusPending || list[0].Attempts != 1 || list[0].LastError == "" {
		t.Fatalf("after a refused connection: %+v", list)
	}
	// The worker started later picks it up.
	srv := mailtest.Start(t)
	o.now = func() time.Time { return time.Now().Add(time.Hour) }
	cfg := testConfig(srv)
	wctx, cancel := context.WithCancel(ctx)
	go o.Run(wctx, func(context.Context) (Sender, string, bool) { return NewSMTP(cfg), cfg.From, true }, 50*time.Millisecond, quiet)
	srv.Wait(t, 1, 10*time.Second)
	cancel()
}

func TestParseURL(t *testing.T) {
	c, err := ParseURL("smtp://user:secret@mail.example.com:2525?tls=none&from=news@example.com")
	if err != nil || c.Host != "mail.example.com" || c.Port != 2525 || c.TLS != TLSNone || c.Username != "user" || c.Password != "secret" || c.From != "news@example.com" {
		t.Fatalf("%+v %v", c, err)
	}
	c, err = ParseURL("smtps://mail.example.com?from=a@example.com")
	if err != nil || c.Port != 465 || c.TLS != TLSImplicit {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"http://x", "smtp://", "smtp://h?tls=maybe&from=a@b.c", "smtp://h:99999?from=a@b.c", "smtp://h"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParseURL("smtp://u:hunter2@h?tls=x"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("password in error: %v", err)
	}
}

func testConfig(srv *mailtest.Server) SMTP {
	c, err := ParseURL(srv.URL())
	if err != nil {
		panic(err)
	}
	c.Timeout = 5 * time.Second
	return c
}

// Mail carries the site's name as the sender's display name and the host
// of the site's address in its Message-ID, both read when it is sent or
// queued (an admin may change them).
func TestSiteNameAndHostInHeaders(t *testing.T) {
	for _, c := range []struct{ from, name, want string }{
		{"news@example.com", "Car Magazine", `"Car Magazine" <news@example.com>`},
		{"Desk <news@example.com>", "Car Magazine", `"Desk" <news@example.com>`},
		{"news@example.com", "Revue Automobile Genève", `=?utf-8?q?Revue_Automobile_Gen=C3=A8ve?= <news@example.com>`},
		{"news@example.com", "", `<news@example.com>`},
		{"not an address", "Car Magazine", "not an address"},
	} {
		if got := SiteFrom(c.from, c.name); got != c.want {
			t.Errorf("SiteFrom(%q, %q) = %q, want %q", c.from, c.name, got, c.want)
		}
	}
	for in, want := range map[string]string{"https://news.example.com": "news.example.com", "http://127.0.0.1:8080/": "127.0.0.1", "": "", "::": ""} {
		if got := HostOf(in); got != want {
			t.Errorf("HostOf(%q) = %q, want %q", in, got, want)
		}
	}

	d := dbtest.SQLite(t)
	ctx := context.Background()
	srv := mailtest.Start(t)
	host := "news.example.com"
	o := NewOutbox(d, "").WithDomain(func(context.Context) string { return host })
	cfg := testConfig(srv)
	for _, h := range []string{"news.example.com", "cars.example.org"} {
		host = h
		if err := o.Enqueue(ctx, d, Message{To: "a@example.com", Subject: "s", Text: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	o.drain(ctx, func(context.Context) (Sender, string, bool) {
		return NewSMTP(cfg), SiteFrom(cfg.From, "Car Magazine"), true
	}, quiet)
	got := srv.Wait(t, 2, 10*time.Second)
	for i, h := range []string{"news.example.com", "cars.example.org"} {
		m := got[i]
		if from := m.Header.Get("From"); from != `"Car Magazine" <noreply@example.com>` {
			t.Errorf("From: %q", from)
		}
		if id := m.Header.Get("Message-Id"); !strings.HasSuffix(id, "@"+h+">") {
			t.Errorf("Message-Id %q, want one at %s", id, h)
		}
	}
}
