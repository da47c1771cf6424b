package newsletter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
	"byline/internal/mail/mailtest"
)

var site = Site{Name: "Test Ledger", BaseURL: "http://news.test"}

type fixture struct {
	d      *db.DB
	s      *Store
	outbox *mail.Outbox
	clock  time.Time
	art    article.Article
}

func newFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{d: d, outbox: mail.NewOutbox(d, "news.test"), clock: time.Now().UTC()}
	arts := article.NewStore(d)
	f.s = NewStore(d, f.outbox, arts)
	f.s.now = func() time.Time { return f.clock }
	p, err := account.NewStore(d).Create(ctx, account.NewPerson{Email: "writer@example.com", DisplayName: "Wren Writer", Country: "US"})
	if err != nil {
		t.Fatal(err)
	}
	f.art, err = arts.Create(ctx, article.Draft{Headline: "Luxury SUVs Move West", AuthorID: p.ID, BodyMD: "Production moves.\n\nMore text.",
		Excerpt: "Production of the brand's SUVs moves west.", Status: article.StatusPublished, PublishedAt: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var confirmLink = regexp.MustCompile(`http://news\.test/newsletter/confirm\?t=([A-Za-z0-9_-]+)`)

// lastConfirmLink is the token of the newest confirmation mail to addr.
func (f *fixture) lastConfirmLink(t *testing.T, addr string) string {
	t.Helper()
	msgs, err := f.outbox.List(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To == addr {
			if sub := confirmLink.FindStringSubmatch(m.Text); sub != nil {
				return sub[1]
			}
		}
	}
	t.Fatalf("no confirmation mail to %s", addr)
	return ""
}

// lastMail is the newest mail to addr in the outbox.
func (f *fixture) lastMail(t *testing.T, addr string) mail.Stored {
	t.Helper()
	msgs, err := f.outbox.List(context.Background(), 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To == addr {
			return m
		}
	}
	t.Fatalf("no mail to %s", addr)
	return mail.Stored{}
}

func (f *fixture) mailsTo(t *testing.T, addr string) int {
	msgs, err := f.outbox.List(context.Background(), 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.To == addr {
			n++
		}
	}
	return n
}

func TestDoubleOptIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		if _, err := f.s.Subscribe(ctx, site, SignUp{Email: "not an address"}); err == nil {
			t.Fatal("a malformed address was accepted")
		} else if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["email"] == "" {
			t.Fatalf("malformed address: %v", err)
		}
		sub, err := f.s.Subscribe(ctx, site, SignUp{Email: " Reader@Example.com ", Consent: "form on /"})
		if err != nil || sub.Status != Pending || sub.Email != "reader@example.com" || sub.Frequency != Weekly {
			t.Fatalf("sign-up: %+v %v", sub, err)
		}
		first := f.lastConfirmLink(t, "reader@example.com")

		// The same address again is no error and no second entry, and
		// within the hour no second mail: the first link still works.
		f.clock = f.clock.Add(50 * time.Minute)
		again, err := f.s.Subscribe(ctx, site, SignUp{Email: "reader@example.com", Frequency: Daily})
		if err != nil || again.ID != sub.ID || again.Status != Pending || again.Frequency != Daily {
			t.Fatalf("second sign-up: %+v %v", again, err)
		}
		if list, _ := f.s.Subscribers(ctx, SubscriberQuery{Text: "reader@"}); len(list) != 1 {
			t.Fatalf("%d entries for one address", len(list))
		}
		if n := f.mailsTo(t, "reader@example.com"); n != 1 {
			t.Fatalf("signing up twice within the hour sent %d confirmation mails", n)
		}
		// After the hour, a fresh link replaces the first.
		f.clock = f.clock.Add(11 * time.Minute)
		if _, err := f.s.Subscribe(ctx, site, SignUp{Email: "reader@example.com"}); err != nil || f.mailsTo(t, "reader@example.com") != 2 {
			t.Fatalf("a sign-up after the hour: %v, %d mails", err, f.mailsTo(t, "reader@example.com"))
		}
		second := f.lastConfirmLink(t, "reader@example.com")
		if second == first {
			t.Fatal("the second mail has the first link")
		}
		if _, err := f.s.Confirm(ctx, site, first); !errors.Is(err, ErrBadLink) {
			t.Fatalf("a replaced link still works: %v", err)
		}
		got, err := f.s.Confirm(ctx, site, second)
		if err != nil || got.Status != Confirmed {
			t.Fatalf("confirm: %+v %v", got, err)
		}
		// Confirmed: a welcome with the preferences link.
		welcome := f.lastMail(t, "reader@example.com")
		if !strings.Contains(welcome.Subject, "Welcome") || !strings.Contains(welcome.Text, "http://news.test/newsletter/preferences?t="+got.Token) ||
			!strings.Contains(welcome.HTML, "/newsletter/preferences?t="+got.Token) || f.mailsTo(t, "reader@example.com") != 3 {
			t.Fatalf("welcome mail %q:\n%s", welcome.Subject, welcome.Text)
		}
		// The link a second time confirms nothing more, and says the
		// subscription is confirmed (with the subscriber, for their
		// preferences) rather than that the link is bad.
		if again, err := f.s.Confirm(ctx, site, second); !errors.Is(err, ErrAlreadyConfirmed) || again.ID != got.ID || again.Token != got.Token {
			t.Fatalf("a link used twice: %+v %v", again, err)
		}
		if f.mailsTo(t, "reader@example.com") != 3 {
			t.Fatal("a second click mailed again")
		}
		// Signing up once confirmed sends nothing more.
		before := f.mailsTo(t, "reader@example.com")
		if _, err := f.s.Subscribe(ctx, site, SignUp{Email: "reader@example.com"}); err != nil || f.mailsTo(t, "reader@example.com") != before {
			t.Fatalf("a confirmed address got another mail: %v", err)
		}

		// A signed-in reader's verified address needs no link: the one
		// mail is the welcome.
		v, err := f.s.Subscribe(ctx, site, SignUp{Email: "member@example.com", Verified: true, UserID: 0, Frequency: Daily})
		if err != nil || v.Status != Confirmed || f.mailsTo(t, "member@example.com") != 1 ||
			!strings.Contains(f.lastMail(t, "member@example.com").Text, "preferences?t="+v.Token) {
			t.Fatalf("verified sign-up: %+v %v", v, err)
		}

		// Preferences and unsubscribing by the link's token.
		if err := f.s.SetFrequency(ctx, got.Token, Daily); err != nil {
			t.Fatal(err)
		}
		if err := f.s.SetFrequency(ctx, got.Token, "hourly"); err == nil {
			t.Fatal("an unknown frequency was accepted")
		}
		var heard int64
		f.s.OnUnsubscribe = func(id int64) { heard = id }
		if u, err := f.s.Unsubscribe(ctx, got.Token); err != nil || u.Status != Unsubscribed || heard != got.ID {
			t.Fatalf("unsubscribe: %+v %v heard %d", u, err, heard)
		}
		if _, err := f.s.Unsubscribe(ctx, "no-such-token"); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}

		// Unconfirmed sign-ups expire, and their links with them.
		f.s.Subscribe(ctx, site, SignUp{Email: "later@example.com"})
		link := f.lastConfirmLink(t, "later@example.com")
		f.clock = f.clock.Add(confirmTTL + time.Minute)
		if _, err := f.s.Confirm(ctx, site, link); !errors.Is(err, ErrBadLink) {
			t.Fatalf("an expired link worked: %v", err)
		}
		f.clock = f.clock.Add(pendingTTL)
		if n, err := f.s.PurgePending(ctx); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		counts, _ := f.s.Counts(ctx)
		if counts[Confirmed] != 1 || counts[Unsubscribed] != 1 || counts[Pending] != 0 {
			t.Fatalf("counts %v", counts)
		}
	})
}

// confirmed adds n confirmed subscribers sub0@example.com...
func (f *fixture) confirmed(t *testing.T, n int, frequency string) []Subscriber {
	t.Helper()
	var out []Subscriber
	for i := 0; i < n; i++ {
		s, err := f.s.Subscribe(context.Background(), site, SignUp{Email: fmt.Sprintf("sub%d@example.com", i), Verified: true, Frequency: frequency})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestSendCampaign(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		smtp := mailtest.Start(t)
		subs := f.confirmed(t, 12, Weekly)
		f.s.Subscribe(ctx, site, SignUp{Email: "pending@example.com"}) // never confirmed: gets nothing
		left := subs[11]
		smtp.RefuseRecipient("sub3@example.com", 451) // try later
		smtp.RefuseRecipient("sub4@example.com", 550) // no such mailbox

		c, err := f.s.CreateDraft(ctx, 0, Compose{Subject: "This week at Test Ledger", Intro: "Hello readers.\n\nA busy week.", ArticleIDs: []int64{f.art.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.StartNow(ctx, c.ID); err != nil { // its readers are fixed now
			t.Fatal(err)
		}
		cfg := Config{SMTP: mail.SMTP{Host: "127.0.0.1", Port: smtp.Port, TLS: mail.TLSNone, From: "Test Ledger <news@news.test>"},
			Concurrency: 3, Site: site, MessageHost: "news.test"}
		sender := NewSender(f.s, func(context.Context) Config { return cfg }, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if _, err := f.s.Unsubscribe(ctx, left.Token); err != nil { // after the start, before sending: skipped
			t.Fatal(err)
		}
		sender.Gone(left.ID)
		if err := sender.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		p, _ := f.s.Progress(ctx, c.ID)
		if p.Total != 12 || p.Sent != 9 || p.Bounced != 1 || p.Skipped != 1 || p.Queued != 1 {
			t.Fatalf("after the first pass: %+v", p)
		}
		if b, _ := f.s.ByEmail(ctx, "sub4@example.com"); b.Status != Bounced {
			t.Fatalf("a hard bounce left the address %s", b.Status)
		}
		// The temporary failure is tried again after its backoff.
		f.clock = f.clock.Add(time.Hour)
		if err := sender.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		p, _ = f.s.Progress(ctx, c.ID)
		got, _ := f.s.Campaign(ctx, c.ID)
		if p.Sent != 10 || p.Remaining() != 0 || got.Status != Sent {
			t.Fatalf("after the retry: %+v, campaign %s", p, got.Status)
		}
		if fails, _ := f.s.Failures(ctx, c.ID, 10); len(fails) != 1 || fails[0].Email != "sub4@example.com" || !strings.Contains(fails[0].Error, "550") {
			t.Fatalf("failures %+v", fails)
		}

		// Each recipient got exactly one message, with both parts, their
		// own links and the one-click unsubscribe headers.
		msgs := smtp.Messages()
		if len(msgs) != 10 {
			t.Fatalf("%d messages", len(msgs))
		}
		seen := map[string]int{}
		for _, m := range msgs {
			to := m.To[0]
			seen[to]++
			s, _ := f.s.ByEmail(ctx, to)
			if m.Subject != "This week at Test Ledger" || !strings.Contains(m.Text, "Luxury SUVs Move West") || !strings.Contains(m.HTML, "Luxury SUVs Move West") ||
				!strings.Contains(m.HTML, "By Wren Writer") || !strings.Contains(m.Text, "Hello readers.") {
				t.Fatalf("message to %s:\n%s", to, m.Raw)
			}
			if m.Header.Get("List-Unsubscribe") != "<http://news.test/newsletter/unsubscribe?t="+s.Token+">" ||
				m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
				t.Fatalf("unsubscribe headers of %s: %q %q", to, m.Header.Get("List-Unsubscribe"), m.Header.Get("List-Unsubscribe-Post"))
			}
			if !strings.Contains(m.HTML, "http://news.test/newsletter/preferences?t="+s.Token) || !strings.Contains(m.Text, "preferences?t="+s.Token) {
				t.Fatalf("the mail to %s lacks their preferences link", to)
			}
			if !strings.Contains(m.Header.Get("From"), "news@news.test") || !strings.HasPrefix(m.Header.Get("Message-Id"), "<c") {
				t.Fatalf("headers: %v", m.Header)
			}
		}
		for addr, n := range seen {
			if n != 1 {
				t.Fatalf("%s got %d copies", addr, n)
			}
		}
		if seen[left.Email] != 0 || seen["pending@example.com"] != 0 || seen["sub4@example.com"] != 0 {
			t.Fatal("mail went to someone off the list")
		}
		// Sending again sends nothing: the campaign is done.
		if err := sender.Tick(ctx); err != nil || len(smtp.Messages()) != 10 {
			t.Fatalf("a finished campaign sent again: %v, %d", err, len(smtp.Messages()))
		}
	})
}

// Without a mail server, a campaign lands in the outbox, once per reader.
func TestSendToOutbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.confirmed(t, 5, Daily)
		c, _ := f.s.CreateDraft(ctx, 0, Compose{Subject: "Outbox news", ArticleIDs: []int64{f.art.ID}})
		f.s.Schedule(ctx, c.ID, time.Time{})
		sender := NewSender(f.s, func(context.Context) Config { return Config{Site: site} }, nil)
		for i := 0; i < 2; i++ {
			if err := sender.Tick(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 5; i++ {
			n := 0
			msgs, _ := f.outbox.List(ctx, 0, 500)
			for _, m := range msgs {
				if m.To == fmt.Sprintf("sub%d@example.com", i) && m.Subject == "Outbox news" {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("sub%d has %d copies in the outbox", i, n)
			}
		}
	})
}

// Two senders on one campaign (two nodes) share it: every reader gets one
// copy.
func TestTwoSendersShareACampaign(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		smtp := mailtest.Start(t)
		smtp.CountOnly()
		f.confirmed(t, 600, Weekly)
		c, _ := f.s.CreateDraft(ctx, 0, Compose{Subject: "Shared", ArticleIDs: []int64{f.art.ID}})
		f.s.Schedule(ctx, c.ID, time.Time{})
		cfg := Config{SMTP: mail.SMTP{Host: "127.0.0.1", Port: smtp.Port, TLS: mail.TLSNone, From: "news@news.test"}, Concurrency: 2, Site: site}
		conf := func(context.Context) Config { return cfg }
		one, two := NewSender(f.s, conf, nil), NewSender(f.s, conf, nil)
		if err := f.s.startDue(ctx); err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 2)
		for _, s := range []*Sender{one, two} {
			go func() { errs <- s.Send(ctx, c.ID) }()
		}
		for i := 0; i < 2; i++ {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		p, _ := f.s.Progress(ctx, c.ID)
		if p.Sent != 600 || smtp.Total() != 600 {
			t.Fatalf("sent %d, server got %d", p.Sent, smtp.Total())
		}
	})
}

func TestDueDigests(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		loc := time.UTC
		f.clock = time.Date(2026, 11, 16, 9, 30, 0, 0, loc) // a Monday, in the past
		f.art.PublishedAt = f.clock.Add(-2 * time.Hour)
		d.Exec(ctx, `UPDATE articles SET published_at = $2 WHERE id = $1`, f.art.ID, f.art.PublishedAt)
		sched := DigestSchedule{Enabled: true, Hour: 8, Weekday: time.Monday}
		ids, err := f.s.DueDigests(ctx, sched, loc, "Test Ledger")
		if err != nil || len(ids) != 2 {
			t.Fatalf("due digests: %v %v", ids, err)
		}
		c, _ := f.s.Campaign(ctx, ids[0])
		if c.Status != Scheduled || len(c.ArticleIDs) != 1 || c.ArticleIDs[0] != f.art.ID || c.Period != "2026-11-16" {
			t.Fatalf("daily digest %+v", c)
		}
		// Asked again (another node, the next minute): nothing new.
		if ids, err := f.s.DueDigests(ctx, sched, loc, "Test Ledger"); err != nil || len(ids) != 0 {
			t.Fatalf("again: %v %v", ids, err)
		}
		// The next day has nothing new: its digest is skipped, not sent.
		f.clock = f.clock.Add(24 * time.Hour)
		if ids, err := f.s.DueDigests(ctx, sched, loc, "Test Ledger"); err != nil || len(ids) != 0 {
			t.Fatalf("a quiet day: %v %v", ids, err)
		}
		var skipped int
		d.QueryRow(ctx, `SELECT count(*) FROM campaigns WHERE status = 'skipped'`).Scan(&skipped)
		if skipped != 1 {
			t.Fatalf("%d skipped digests", skipped)
		}
	})
}

func TestImportExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.confirmed(t, 1, Weekly) // sub0@example.com, already there
		in := "\ufeffEmail,Name,Consent,Frequency\n" +
			"ann@example.com,Ann,yes,daily\n" +
			"not-an-address,Bob,yes,\n" +
			"cy@example.com,Cy,,weekly\n" +
			"sub0@example.com,Zed,2024-03-01 web form,\n" +
			"\"dee@example.com\",Dee,2024-03-01 web form,hourly\n" +
			"ann@example.com,Ann again,yes,\n" +
			"eve@example.com,Eve,TRUE\n"
		rep, err := f.s.Import(ctx, strings.NewReader(in), "admin@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Added != 2 || rep.Existing != 1 || len(rep.Problems) != 4 {
			t.Fatalf("report %+v", rep)
		}
		lines := []int{}
		for _, p := range rep.Problems {
			lines = append(lines, p.Line)
		}
		if fmt.Sprint(lines) != "[3 4 6 7]" || !strings.Contains(rep.Problems[1].Reason, "no consent") {
			t.Fatalf("problems %+v", rep.Problems)
		}
		ann, _ := f.s.ByEmail(ctx, "ann@example.com")
		if ann.Status != Confirmed || ann.Frequency != Daily || !strings.Contains(ann.Consent, "admin@example.com") {
			t.Fatalf("imported %+v", ann)
		}
		if _, err := f.s.Import(ctx, strings.NewReader("address,agreed\nx@example.com,yes\n"), "a"); err == nil {
			t.Fatal("a file without email and consent columns was accepted")
		}

		// Export, then import into an empty list: the same people.
		var out strings.Builder
		if err := f.s.Export(ctx, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(out.String(), "email,consent,frequency,status") || strings.Count(out.String(), "\n") != 4 {
			t.Fatalf("export:\n%s", out.String())
		}
		for _, e := range []string{"ann@example.com", "eve@example.com", "sub0@example.com"} {
			s, _ := f.s.ByEmail(ctx, e)
			if err := f.s.Forget(ctx, s.ID); err != nil {
				t.Fatal(err)
			}
		}
		rep, err = f.s.Import(ctx, strings.NewReader(out.String()), "admin@example.com")
		if err != nil || rep.Added != 3 || len(rep.Problems) != 0 {
			t.Fatalf("re-import: %+v %v", rep, err)
		}
	})
}

// Refusals of the message or the sender are not held against readers;
// a reader who leaves and comes back gets the next campaign; a stopped
// campaign sends nothing more; a broken CSV row is reported, not fatal.
func TestSenderEdges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		smtp := mailtest.Start(t)
		subs := f.confirmed(t, 3, Weekly)
		cfg := Config{SMTP: mail.SMTP{Host: "127.0.0.1", Port: smtp.Port, TLS: mail.TLSNone, From: "news@news.test"}, Concurrency: 1, Site: site}
		sender := NewSender(f.s, func(context.Context) Config { return cfg }, nil)
		campaign := func(subject string) int64 {
			c, err := f.s.CreateDraft(ctx, 0, Compose{Subject: subject, Intro: "Hello."})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.s.StartNow(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		// The server rejects every message as spam (554 after the "."):
		// deliveries fail, nobody is bounced off the list.
		smtp.FailNext(554, 554, 554)
		c1 := campaign("Rejected")
		if err := sender.Send(ctx, c1); err != nil {
			t.Fatal(err)
		}
		p, _ := f.s.Progress(ctx, c1)
		if p.Failed != 3 || p.Bounced != 0 {
			t.Fatalf("content refused: %+v", p)
		}
		if counts, _ := f.s.Counts(ctx); counts[Confirmed] != 3 {
			t.Fatalf("a refused message took readers off the list: %v", counts)
		}
		// Leaving and coming back: the sender heard "gone", the reader is
		// confirmed again and gets the next campaign.
		f.s.Unsubscribe(ctx, subs[0].Token)
		sender.Gone(subs[0].ID)
		if _, err := f.s.Subscribe(ctx, site, SignUp{Email: subs[0].Email, Verified: true}); err != nil {
			t.Fatal(err)
		}
		c2 := campaign("Back")
		if err := sender.Send(ctx, c2); err != nil {
			t.Fatal(err)
		}
		if p, _ := f.s.Progress(ctx, c2); p.Sent != 3 {
			t.Fatalf("after coming back: %+v", p)
		}
		// Stopped after its batch was claimed: nothing more goes out.
		c3 := campaign("Stopped")
		if _, err := f.s.claim(ctx, c3, time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Cancel(ctx, c3); err != nil {
			t.Fatal(err)
		}
		before := smtp.Total()
		if err := sender.Send(ctx, c3); err != nil {
			t.Fatal(err)
		}
		if p, _ := f.s.Progress(ctx, c3); smtp.Total() != before || p.Sent != 0 || p.Skipped != 3 {
			t.Fatalf("a stopped campaign: %d sent to the server, %+v", smtp.Total()-before, p)
		}
		// A row with a stray quote is reported with its line.
		rep, err := f.s.Import(ctx, strings.NewReader("email,consent\nok@example.com,yes\n\"bad@example.com,yes\nlast@example.com,yes\n"), "t")
		if err != nil || len(rep.Problems) == 0 {
			t.Fatalf("malformed row: %+v %v", rep, err)
		}
	})
}

// A connection cut in the middle of a message (the server resets it after
// its 354, while the body is on its way) leaves that delivery unsent: it
// is tried again later and arrives exactly once.
func TestSendSurvivesAConnectionCutMidMessage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		smtp := mailtest.Start(t)
		f.confirmed(t, 3, Weekly)
		c, err := f.s.CreateDraft(ctx, 0, Compose{Subject: "Cut short", Intro: "Hello.", ArticleIDs: []int64{f.art.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.StartNow(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		cfg := Config{SMTP: mail.SMTP{Host: "127.0.0.1", Port: smtp.Port, TLS: mail.TLSNone, From: "news@news.test"}, Concurrency: 1, Site: site,
			MessageHost: mail.HostOf(site.BaseURL)}
		sender := NewSender(f.s, func(context.Context) Config { return cfg }, slog.New(slog.DiscardHandler))
		smtp.DropNext(1)
		if err := sender.Send(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		p, _ := f.s.Progress(ctx, c.ID)
		if smtp.Dropped() != 1 || len(smtp.Messages()) != 2 || p.Sent != 2 || p.Queued != 1 {
			t.Fatalf("after a cut connection: %d dropped, %d delivered, progress %+v (the lost message must not count as sent)",
				smtp.Dropped(), len(smtp.Messages()), p)
		}
		f.clock = f.clock.Add(time.Hour) // past its backoff
		if err := sender.Send(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		p, _ = f.s.Progress(ctx, c.ID)
		if got, _ := f.s.Campaign(ctx, c.ID); p.Sent != 3 || got.Status != Sent {
			t.Fatalf("after the retry: %+v, campaign %s", p, got.Status)
		}
		seen := map[string]int{}
		for _, m := range smtp.Messages() {
			seen[m.To[0]]++
			// The sender is shown under the site's name; Message-IDs name the site's host.
			if from, id := m.Header.Get("From"), m.Header.Get("Message-Id"); from != `"Test Ledger" <news@news.test>` || !strings.HasSuffix(id, "@news.test>") {
				t.Fatalf("From %q, Message-Id %q", from, id)
			}
		}
		for i := 0; i < 3; i++ {
			if n := seen[fmt.Sprintf("sub%d@example.com", i)]; n != 1 {
				t.Fatalf("sub%d got %d copies: %v", i, n, seen)
			}
		}
	})
}

// An imported row with a NUL or bytes that are not UTF-8 is reported and
// left out (SQLite stored them, as U+FFFD; PostgreSQL failed the import).
func TestImportRefusesUnkeepableText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		in := "email,consent,frequency\n" +
			"ok@example.com,yes,weekly\n" +
			"\xff\xfe@example.com,yes,weekly\n" +
			"nul\x00@example.com,yes,weekly\n" +
			"fine@example.com,yes \x1b,daily\n"
		rep, err := f.s.Import(ctx, strings.NewReader(in), "admin@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if rep.Added != 1 || len(rep.Problems) != 3 || !strings.Contains(rep.Problems[0].Reason, "cannot be kept") || rep.Problems[0].Line != 3 {
			t.Fatalf("report %+v", rep)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM subscribers`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d subscribers stored, %v", n, err)
		}
	})
}
