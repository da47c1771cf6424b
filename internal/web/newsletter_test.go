package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/mail/mailtest"
	"byline/internal/newsletter"
)

var newsletterLink = regexp.MustCompile(`http://[^/\s]+(/newsletter/confirm\?t=[A-Za-z0-9_-]+)`)

// mailsTo waits for n mails to addr and returns them.
func mailsTo(t *testing.T, smtp *mailtest.Server, addr string, n int) []mailtest.Received {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
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

func TestNewsletterSignUp(t *testing.T) {
	srv, smtp, ts := newAuthSite(t)
	anon := newBrowser(t, srv)

	// Every public page has the box; the article has a second one.
	anon.expect(anon.get("/"), 200, `id="widget-newsletter"`, `action="/newsletter"`)
	anon.expect(anon.get(infiniti), 200, `id="newsletter-heading"`, `id="article-email"`, `id="side-email"`)

	// A malformed address is refused, with what was typed kept.
	anon.expect(anon.post("/newsletter", url.Values{"email": {"fan at example"}, "return_to": {infiniti}}), 422,
		`value="fan at example"`, "does not look like an e-mail address")

	// A bot that fills the hidden field is thanked and ignored.
	anon.expect(anon.post("/newsletter", url.Values{"email": {"bot@example.com"}, "website": {"http://spam.example"}}), 303)
	if _, err := ts.letters.ByEmail(context.Background(), "bot@example.com"); err == nil {
		t.Fatal("the honeypot let a bot on the list")
	}

	// Sign up from the article: back to it, with a notice and a mail.
	resp := anon.post("/newsletter", url.Values{"email": {"Fan@Example.com"}, "return_to": {infiniti}})
	anon.expect(resp, 303)
	if resp.Header.Get("Location") != infiniti {
		t.Fatalf("sign-up went to %q", resp.Header.Get("Location"))
	}
	anon.expect(anon.get(infiniti), 200, "we sent it a link to confirm")
	m := mailsTo(t, smtp, "fan@example.com", 1)[0]
	link := newsletterLink.FindStringSubmatch(m.Text)
	if link == nil || !strings.Contains(m.HTML, "Confirm my subscription") {
		t.Fatalf("confirmation mail:\n%s", m.Text)
	}
	// Nothing goes out before confirmation.
	if sub, _ := ts.letters.ByEmail(context.Background(), "fan@example.com"); sub.Status != newsletter.Pending {
		t.Fatalf("status before confirming: %s", sub.Status)
	}

	// Confirm: a page with a button (link scanners only GET), then the
	// preferences page.
	anon.expect(anon.get(link[1]), 200, "Confirm my subscription")
	secret := strings.TrimPrefix(link[1], "/newsletter/confirm?t=")
	resp = anon.post("/newsletter/confirm", url.Values{"t": {secret}})
	anon.expect(resp, 303)
	prefs := resp.Header.Get("Location")
	anon.expect(anon.get(prefs), 200, "subscribed, weekly", "Thank you: your subscription is confirmed.")
	anon.expect(anon.post("/newsletter/confirm", url.Values{"t": {secret}}), 400, "not valid")

	// The same address again: no error, no second entry, no mail.
	anon.expect(anon.post("/newsletter", url.Values{"email": {"fan@example.com"}}), 303)
	time.Sleep(100 * time.Millisecond)
	mailsTo(t, smtp, "fan@example.com", 1)

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
	reader := signedIn(t, newBrowser(t, srv), "owen.castellano@example.com")
	reader.expect(reader.get(infiniti), 200, "Send it to owen.castellano@example.com")
	resp = reader.post("/newsletter", url.Values{"me": {"1"}, "return_to": {infiniti}})
	reader.expect(resp, 303)
	reader.expect(reader.get(resp.Header.Get("Location")), 200, "You are subscribed.", "subscribed, weekly")
	if sub, _ := ts.letters.ByEmail(context.Background(), "owen.castellano@example.com"); sub.Status != newsletter.Confirmed || sub.UserID == 0 {
		t.Fatalf("one-click sign-up: %+v", sub)
	}
	time.Sleep(100 * time.Millisecond)
	mailsTo(t, smtp, "owen.castellano@example.com", 0)
}
