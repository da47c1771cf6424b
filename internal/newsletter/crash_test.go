package newsletter

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
	"byline/internal/mail/mailtest"
)

// A sender killed after recording a message in flight, whether before
// its final "." went out or after the server took it, leaves nothing
// lost: the next sender sends those messages again under the same
// Message-ID, so each reader has the campaign once as a mail program
// counts it.
func TestKilledSenderLosesNoMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		smtp := mailtest.Start(t)
		f.confirmed(t, 4, Weekly)
		c, err := f.s.CreateDraft(ctx, 0, Compose{Subject: "Killed mid-send", Intro: "Hello.", ArticleIDs: []int64{f.art.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.StartNow(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		cfg := Config{SMTP: mail.SMTP{Host: "127.0.0.1", Port: smtp.Port, TLS: mail.TLSNone, From: "news@news.test"}, Concurrency: 1, Site: site,
			MessageHost: "news.test", Lease: time.Minute}
		sender := NewSender(f.s, func(context.Context) Config { return cfg }, slog.New(slog.DiscardHandler))

		// The first sender claims the batch and gets as far as it can
		// with two messages before it dies.
		jobs, err := f.s.claim(ctx, c.ID, cfg.Lease)
		if err != nil || len(jobs) != 4 {
			t.Fatalf("claim: %d jobs, %v", len(jobs), err)
		}
		r, err := f.s.Render(ctx, c, site, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		pool := newSMTPPool(sender, sender.settings(ctx), c.ID, r)
		dies := func(j job, after bool) {
			var buf bytes.Buffer
			r.WriteMIME(&buf, pool.from, j.email, j.secret, pool.messageID(j), f.clock)
			// Killed after the mark's commit: the "." is written (the
			// server takes the message) or not (the server drops it), and
			// nothing after that happens.
			mark := func(end func()) bool {
				if !pool.marks.inFlight(ctx, j, func() {}) {
					t.Errorf("the in-flight mark of %s did not hold", j.email)
				}
				if after {
					end()
					return true
				}
				return false
			}
			pool.conns[0].send(ctx, pool.envelope, j.email, buf.Bytes(), mark)
		}
		dies(jobs[0], false) // in flight, never ended
		dies(jobs[1], true)  // taken by the server, not yet marked sent
		pool.close()
		smtp.Wait(t, 1, 10*time.Second)

		// Nothing of it counts as sent, and nothing goes before the lease
		// ends.
		if p, _ := f.s.Progress(ctx, c.ID); p.Sent != 0 || p.Sending != 4 {
			t.Fatalf("after the kill: %+v", p)
		}
		f.clock = f.clock.Add(cfg.Lease + time.Second)
		if err := sender.Send(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		p, _ := f.s.Progress(ctx, c.ID)
		if got, _ := f.s.Campaign(ctx, c.ID); p.Sent != 4 || got.Status != Sent {
			t.Fatalf("after the restart: %+v, campaign %s", p, got.Status)
		}
		ids := map[string]map[string]int{} // recipient -> Message-ID -> copies
		for _, m := range smtp.Messages() {
			to := m.To[0]
			if ids[to] == nil {
				ids[to] = map[string]int{}
			}
			ids[to][m.Header.Get("Message-Id")]++
		}
		for i, j := range jobs {
			want := fmt.Sprintf("<c%d.s%d@news.test>", c.ID, j.sub)
			got := ids[j.email]
			copies := 1
			if i == 1 {
				copies = 2 // the server had it; sent again under the same ID
			}
			if len(got) != 1 || got[want] != copies {
				t.Fatalf("%s received %v, want %d under %s", j.email, got, copies, want)
			}
		}
	})
}
