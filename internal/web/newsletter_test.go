package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
	"byline/internal/mail/mailtest"
	"byline/internal/newsletter"
)

var newsletterLink = regexp.MustCompile(`http://[^/\s]+(/newsletter/confirm\?t=[A-Za-z0-9_-]+)`)

// mailsTo waits for n mails to addr and returns them.
func mailsTo(t *testing.T, smtp *mailtest.Server, addr string, n int) []mailtest.Received {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var out []mailtest.Received
		for _, m := range smtp.Messages() {
			if len(m.To) > 0 && m.To[0] == addr {
				out = append(out, m)
			}
		}
		if len(out) >= n || time.Now().After(deadline) {
			if len(out) != n {
				t.Fatalf("%d mails to %s, want %d", len(out), addr, n)
			}
			return out
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settleOutbox returns once the outbox worker has handled everything
// queued before the call: it queues a marker message and waits for it to
// arrive. The worker takes due mail oldest first, so a check that some
// mail did not come, made after this, cannot pass just because the worker
// was slow.
func settleOutbox(t *testing.T, ts testSite, smtp *mailtest.Server) {
	t.Helper()
	to := fmt.Sprintf("marker%d@example.invalid", markers.Add(1))
	if err := ts.outbox.Queue(context.Background(), mail.Message{To: to, Subject: "marker", Text: "marker"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for _, m := range smtp.Messages() {
			if len(m.To) > 0 && m.To[0] == to {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox did not deliver %s within two minutes", to)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var markers atomic.Int64

// waitReal waits for n mails other than markers.
func waitReal(t *testing.T, smtp *mailtest.Server, n int) []mailtest.Received {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for len(realMails(smtp)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d mails after a minute, want %d", len(realMails(smtp)), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return realMails(smtp)
}

// realMails is what the server received, less settleOutbox's markers.
func realMails(smtp *mailtest.Server) []mailtest.Received {
	var out []mailtest.Received
	for _, m := range smtp.Messages() {
		if len(m.To) == 0 || !strings.HasSuffix(m.To[0], "@example.invalid") {
			out = append(out, m)
		}
	}
	return out
}

func TestNewsletterSignUp(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, smtp, ts, m := magazineSite(t, d)
	anon := newBrowser(t, srv)

	// Every public page has the box; the article has a second one.
	anon.expect(anon.get("/"), 200, `id="widget-newsletter"`, `action="/newsletter"`)
	anon.expect(anon.get(m.leadPath), 200, `id="newsletter-heading"`, `id="article-email"`, `id="side-email"`)

	// A malformed address is refused, with what was typed kept.
	anon.expect(anon.post("/newsletter", url.Values{"email": {"fan at example"}, "return_to": {m.leadPath}}), 422,
		`value="fan at example"`, "does not look like an e-mail address")

	// A bot that fills the hidden field is thanked and ignored.
	anon.expect(anon.post("/newsletter", url.Values{"email": {"bot@example.com"}, "website": {"http://spam.example"}}), 303)
	if _, err := ts.letters.ByEmail(context.Background(), "bot@example.com"); err == nil {
		t.Fatal("the honeypot let a bot on the list")
	}

	// Sign up from the article: back to it, with a notice and a mail.
	resp := anon.post("/newsletter", url.Values{"email": {"Fan@Example.com"}, "return_to": {m.leadPath}})
	anon.expect(resp, 303)
	if resp.Header.Get("Location") != m.leadPath {
		t.Fatalf("sign-up went to %q", resp.Header.Get("Location"))
	}
	anon.expect(anon.get(m.leadPath), 200, "we sent it a link to confirm")
	firstAnswer := anon.last
	confirm := mailsTo(t, smtp, "fan@example.com", 1)[0]
	link := newsletterLink.FindStringSubmatch(confirm.Text)
	if link == nil || !strings.Contains(confirm.HTML, "Confirm my subscription") {
		t.Fatalf("confirmation mail:\n%s", confirm.Text)
	}
	// Nothing goes out before confirmation.
	if sub, _ := ts.letters.ByEmail(context.Background(), "fan@example.com"); sub.Status != newsletter.Pending {
		t.Fatalf("status before confirming: %s", sub.Status)
	}

	// Signing up again while the link is fresh: the same answer, but no
	// second mail.
	resp = anon.post("/newsletter", url.Values{"email": {"fan@example.com"}, "return_to": {m.leadPath}})
	anon.expect(resp, 303)
	if resp.Header.Get("Location") != m.leadPath {
		t.Fatalf("second sign-up went to %q", resp.Header.Get("Location"))
	}
	anon.expect(anon.get(m.leadPath), 200, "we sent it a link to confirm")
	if anon.last != firstAnswer {
		t.Fatal("the answer to a second sign-up differs from the first")
	}
	settleOutbox(t, ts, smtp)
	mailsTo(t, smtp, "fan@example.com", 1)

	// Confirm: a page with a button (link scanners only GET), then the
	// preferences page.
	anon.expect(anon.get(link[1]), 200, "Confirm my subscription")
	secret := strings.TrimPrefix(link[1], "/newsletter/confirm?t=")
	resp = anon.post("/newsletter/confirm", url.Values{"t": {secret}})
	anon.expect(resp, 303)
	prefs := resp.Header.Get("Location")
	anon.expect(anon.get(prefs), 200, "subscribed, weekly", "Thank you: your subscription is confirmed.")
	// A welcome follows, with the preferences link.
	welcome := mailsTo(t, smtp, "fan@example.com", 2)[1]
	if !strings.Contains(welcome.Subject, "Welcome") || !strings.Contains(welcome.Text, prefs) {
		t.Fatalf("welcome mail %q:\n%s", welcome.Subject, welcome.Text)
	}
	// The link again (a second click): already confirmed, with the
	// preferences, whether the page or its button is used.
	anon.expect(anon.post("/newsletter/confirm", url.Values{"t": {secret}}), 200, "already confirmed", `href="`+prefs+`"`)
	anon.expect(anon.get(link[1]), 200, "already confirmed", `href="`+prefs+`"`)
	anon.expect(anon.post("/newsletter/confirm", url.Values{"t": {"no-such-link"}}), 400, "not valid")

	// The same address again: no error, no second entry, no mail.
	anon.expect(anon.post("/newsletter", url.Values{"email": {"fan@example.com"}}), 303)
	settleOutbox(t, ts, smtp)
	mailsTo(t, smtp, "fan@example.com", 2)

	// Preferences: daily instead of weekly.
	token := strings.TrimPrefix(prefs, "/newsletter/preferences?t=")
	anon.expect(anon.post("/newsletter/preferences", url.Values{"t": {token}, "frequency": {"daily"}}), 303)
	anon.expect(anon.get(prefs), 200, "subscribed, daily")

	// One click from a mail program: a bare POST, no cookies, no sign-in.
	req, _ := http.NewRequest("POST", srv.URL+"/newsletter/unsubscribe?t="+token, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	oneClick, err := http.DefaultTransport.RoundTrip(req)
	if err != nil || oneClick.StatusCode != 200 {
		t.Fatalf("one-click unsubscribe: %v %v", oneClick.StatusCode, err)
	}
	oneClick.Body.Close()
	if sub, _ := ts.letters.ByEmail(context.Background(), "fan@example.com"); sub.Status != newsletter.Unsubscribed {
		t.Fatalf("after one click: %s", sub.Status)
	}
	anon.expect(anon.get(prefs), 200, "unsubscribed.", "Subscribe again")
	anon.expect(anon.get("/newsletter/preferences?t=nonsense"), 400, "not valid")

	// A signed-in reader with a confirmed address subscribes in one click,
	// from the cached page with their own box drawn in.
	reader := signedIn(t, newBrowser(t, srv), m.third.Email)
	reader.expect(reader.get(m.leadPath), 200, "Send it to "+m.third.Email)
	resp = reader.post("/newsletter", url.Values{"me": {"1"}, "return_to": {m.leadPath}})
	reader.expect(resp, 303)
	reader.expect(reader.get(resp.Header.Get("Location")), 200, "You are subscribed.", "subscribed, weekly")
	if sub, _ := ts.letters.ByEmail(context.Background(), m.third.Email); sub.Status != newsletter.Confirmed || sub.UserID == 0 {
		t.Fatalf("one-click sign-up: %+v", sub)
	}
	// No link to confirm: only the welcome, with the preferences link.
	settleOutbox(t, ts, smtp)
	if msg := mailsTo(t, smtp, m.third.Email, 1)[0]; !strings.Contains(msg.Subject, "Welcome") {
		t.Fatalf("one-click sign-up mailed %q", msg.Subject)
	}
}

// A signed-in, confirmed reader who follows a used confirmation link is
// told the subscription is confirmed, not asked to sign in or sign up.
func TestNewsletterLinkUsedTwiceWhileSignedIn(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, smtp, _, m := magazineSite(t, d)
	reader := signedIn(t, newBrowser(t, srv), m.third.Email)
	reader.expect(reader.post("/newsletter", url.Values{"email": {m.third.Email}, "me": {"1"}, "return_to": {"/"}}), 303)
	anon := newBrowser(t, srv)
	anon.expect(anon.post("/newsletter", url.Values{"email": {"second@example.com"}}), 303)
	link := newsletterLink.FindStringSubmatch(mailsTo(t, smtp, "second@example.com", 1)[0].Text)[1]
	secret := strings.TrimPrefix(link, "/newsletter/confirm?t=")
	reader.expect(reader.post("/newsletter/confirm", url.Values{"t": {secret}}), 303)
	for _, resp := range []*http.Response{reader.post("/newsletter/confirm", url.Values{"t": {secret}}), reader.get(link)} {
		reader.expect(resp, 200, "Your subscription is already confirmed", "Your newsletter preferences")
		if strings.Contains(reader.last, "Sign in") || strings.Contains(reader.last, "not valid") {
			t.Fatalf("a used link tells a signed-in reader to sign in or that it is bad:\n%s", reader.last)
		}
	}
	// A link that was replaced or expired: the reader's own subscription.
	reader.expect(reader.post("/newsletter/confirm", url.Values{"t": {"stale-link"}}), 200, "already confirmed", m.third.Email)
}

func TestNewsletterAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, smtp, ts, m := magazineSite(t, d)
		ctx := context.Background()
		for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			if _, err := ts.letters.Subscribe(ctx, newsletter.Site{Name: "x", BaseURL: srv.URL}, newsletter.SignUp{Email: e, Verified: true}); err != nil {
				t.Fatal(err)
			}
		}
		// Readers and writers without the permission are kept out.
		reader := signedIn(t, newBrowser(t, srv), m.third.Email)
		reader.expect(reader.get("/admin/newsletter"), 403)

		ed := signedIn(t, newBrowser(t, srv), m.editor.Email)
		ed.expect(ed.get("/admin/newsletter"), 200, "<strong>3</strong> confirmed", "New newsletter", `href="/admin/newsletter"`)

		// A newsletter with no subject is refused, with the choices kept.
		ed.expect(ed.get("/admin/newsletter/new"), 200, "Send a test to me")
		picks := regexp.MustCompile(`name="article" value="(\d+)"`).FindAllStringSubmatch(ed.last, -1)
		if len(picks) < 2 {
			t.Fatal("no articles to pick")
		}
		ed.expect(ed.post("/admin/newsletter/campaigns", url.Values{"subject": {""}, "intro": {"Kept intro."}, "article": {picks[1][1]}, "action": {"save"}}), 422,
			"the subject must be", "Kept intro.", `value="`+picks[1][1]+`" checked`)

		// Save, preview, test, then send now.
		resp := ed.post("/admin/newsletter/campaigns", url.Values{"subject": {"Spring round-up"}, "intro": {"Hello from the newsroom."},
			"article": {picks[1][1], picks[0][1]}, "audience": {"all"}, "action": {"save"}})
		ed.expect(resp, 303)
		page := resp.Header.Get("Location")
		ed.expect(ed.get(page), 200, "Spring round-up", "draft", "/preview", `data-confirm="Send to 3 readers?"`, `data-question="Send to 3 readers?"`)

		// The picked articles come first, in the newsletter's order, each with
		// up and down buttons that work as plain form posts.
		order := func() []string {
			var ids []string
			for _, x := range regexp.MustCompile(`name="move" value="up:(\d+)"`).FindAllStringSubmatch(ed.last, -1) {
				ids = append(ids, x[1])
			}
			return ids
		}
		if got := order(); strings.Join(got, ",") != picks[1][1]+","+picks[0][1] {
			t.Fatalf("picked articles listed %v, want %s then %s", got, picks[1][1], picks[0][1])
		}
		resp = ed.post(page, url.Values{"subject": {"Spring round-up"}, "intro": {"Hello from the newsroom."}, "article": {picks[1][1], picks[0][1]},
			"audience": {"all"}, "move": {"down:" + picks[1][1]}})
		ed.expect(resp, 303)
		if loc := resp.Header.Get("Location"); loc != page+"#a-"+picks[1][1] {
			t.Fatalf("after moving an article: %s", loc)
		}
		ed.expect(ed.get(page), 200)
		if got := order(); strings.Join(got, ",") != picks[0][1]+","+picks[1][1] {
			t.Fatalf("after moving down: %v", got)
		}
		id, _ := strconv.ParseInt(strings.TrimPrefix(page, "/admin/newsletter/campaigns/"), 10, 64)
		if c, _ := ts.letters.Campaign(ctx, id); len(c.ArticleIDs) != 2 || strconv.FormatInt(c.ArticleIDs[0], 10) != picks[0][1] {
			t.Fatalf("the order is not kept in the newsletter: %v", c.ArticleIDs)
		}
		ed.post(page, url.Values{"subject": {"Spring round-up"}, "intro": {"Hello from the newsroom."}, "article": {picks[0][1], picks[1][1]},
			"audience": {"all"}, "move": {"up:" + picks[1][1]}})
		if c, _ := ts.letters.Campaign(ctx, id); strconv.FormatInt(c.ArticleIDs[0], 10) != picks[1][1] {
			t.Fatalf("after moving up: %v", c.ArticleIDs)
		}
		ed.expect(ed.get(page+"/preview"), 200, "Hello from the newsroom.")
		if csp := ed.get(page + "/preview").Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
			t.Fatalf("preview CSP %q", csp)
		}
		ed.expect(ed.post(page, url.Values{"subject": {"Spring round-up"}, "intro": {"Hello from the newsroom."}, "article": {picks[1][1]}, "action": {"test"}}), 303)
		test := mailsTo(t, smtp, m.editor.Email, 1)[0]
		if !strings.HasPrefix(test.Subject, "[Test] Spring round-up") || test.Header.Get("List-Unsubscribe-Post") == "" {
			t.Fatalf("test mail %q %v", test.Subject, test.Header)
		}
		ed.expect(ed.post(page, url.Values{"action": {"schedule"}, "at": {"2001-01-01T09:00"}}), 422, "choose a date and time to come")
		// Sending asks first, naming the readers; nothing goes before the yes.
		ed.expect(ed.post(page, url.Values{"action": {"send"}}), 200, "Send to 3 readers?", "Yes, send it now", `name="confirm" value="yes"`)
		if c, _ := ts.letters.Campaign(ctx, id); c.Status != newsletter.Draft {
			t.Fatalf("the newsletter went out before the editor said yes: %s", c.Status)
		}
		ed.expect(ed.post(page, url.Values{"action": {"send"}, "confirm": {"yes"}}), 303)
		if err := ts.sender.Tick(ctx); err != nil {
			t.Fatal(err)
		}
		for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			var got *mailtest.Received
			for _, x := range mailsTo(t, smtp, e, 2) { // the welcome, and the newsletter
				if x.Subject == "Spring round-up" {
					got = &x
				}
			}
			if got == nil || !strings.Contains(got.Text, "Hello from the newsroom.") {
				t.Fatalf("no newsletter to %s", e)
			}
		}
		ed.expect(ed.get(page), 200, "Delivery", `data-k="sent">3<`, "sent")
		// The rate and the time left read as words apart, also when the page's
		// script fills in the time left: "17 a second · about 14s left".
		if !regexp.MustCompile(`a second<span id="send-left" hidden> · about <span data-k="left"></span> left</span>`).MatchString(ed.last) {
			t.Fatalf("the delivery line's time left is not in its words:\n%s", ed.last)
		}
		ed.expect(ed.get(page+"/progress"), 200, `"sent":3`, `"status":"sent"`, `"percent":100`)
		// A sent newsletter cannot change.
		ed.expect(ed.post(page, url.Values{"subject": {"Changed"}, "intro": {"New words."}, "action": {"save"}}), 400, "already been sent")

		// Subscribers: import with a bad row, filter, export, forget.
		ed.expect(ed.upload("/admin/newsletter/subscribers/import", "file", "list.csv", []byte("email,consent\nd@example.com,yes\nnope,yes\ne@example.com,no\n")), 200,
			"Imported 1", "Line 3:", "Line 4:")
		ed.expect(ed.upload("/admin/newsletter/subscribers/import", "file", "bad.csv", []byte("who,what\n")), 422, "must name an")
		ed.expect(ed.get("/admin/newsletter/subscribers?status=confirmed&q=d%40"), 200, "d@example.com")
		if strings.Contains(ed.last, "a@example.com") {
			t.Fatal("the filter let through an address it should not")
		}
		ed.expect(ed.get("/admin/newsletter/subscribers?status=nonsense"), 400)
		resp = ed.get("/admin/newsletter/subscribers/export.csv")
		if resp.StatusCode != 200 || !strings.Contains(ed.last, "d@example.com,yes,weekly,confirmed,import") || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("export %d:\n%s", resp.StatusCode, ed.last)
		}
		forgotten, _ := ts.letters.ByEmail(ctx, "d@example.com")
		ed.expect(ed.post("/admin/newsletter/subscribers/"+strconv.FormatInt(forgotten.ID, 10)+"/forget", nil), 303)
		if _, err := ts.letters.ByEmail(ctx, "d@example.com"); err == nil {
			t.Fatal("a forgotten subscriber is still there")
		}

		// The schedule and pace, with a bad value refused.
		ed.expect(ed.post("/admin/newsletter/settings", url.Values{"digests": {"1"}, "digest_hour": {"6"}, "digest_weekday": {"5"}, "newsletter_rate": {"-5"}, "newsletter_conc": {"4"}}), 422, "choose a number from 0")
		ed.expect(ed.post("/admin/newsletter/settings", url.Values{"digests": {"1"}, "digest_hour": {"6"}, "digest_weekday": {"5"}, "newsletter_rate": {"250"}, "newsletter_conc": {"8"}}), 303)
		if st, _ := ts.settings.Stored(ctx); st.DigestHour != 6 || st.DigestWeekday != 5 || st.NewsletterRate != 250 || st.NewsletterConc != 8 {
			t.Fatalf("saved settings %+v", st)
		}
	})
}
