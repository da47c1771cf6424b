package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/dbtest/fixture"
	"byline/internal/mail/mailtest"
)

var signInLink = regexp.MustCompile(`/login/link\?token=([A-Za-z0-9_-]+)`)

// linkTo waits for the mail to addr among what the SMTP server received
// and returns it with its sign-in link.
func linkTo(t *testing.T, smtp *mailtest.Server, addr string) (mailtest.Received, string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // generous: the outbox sends on its own schedule
	for time.Now().Before(deadline) {
		msgs := smtp.Messages()
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].To[0] == addr {
				if sub := signInLink.FindStringSubmatch(msgs[i].Text); sub != nil {
					return msgs[i], sub[0]
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no sign-in link mailed to %s", addr)
	return mailtest.Received{}, ""
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSignInLinkKnownAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, smtp, ts, m := magazineSite(t, d)
		ctx := context.Background()
		b := newBrowser(t, srv)
		back := m.leadPath + "#respond"
		b.expect(b.get("/login?return_to="+url.QueryEscape(back)), 200, "E-mail me a sign-in link", `action="/login/link"`)

		// The same answer for an address with an account and one without.
		known := b.post("/login/link", url.Values{"link_email": {strings.ToUpper(m.reader.Email)}, "return_to": {back}})
		b.expect(known, 303)
		bind := cookieNamed(known, "byline_link")
		if bind == nil || !bind.HttpOnly || bind.MaxAge != 900 || bind.Path != "/login/link" || len(bind.Value) < 43 {
			t.Fatalf("binding cookie: %+v", bind)
		}
		knownPage := b.get(known.Header.Get("Location"))
		b.expect(knownPage, 200, "Check your mail")
		checkHTML(t, "/login/link/sent", b.last)
		knownBody := b.last
		other := newBrowser(t, srv)
		unknown := other.post("/login/link", url.Values{"link_email": {"nobody.here@example.com"}, "return_to": {back}})
		other.expect(unknown, 303)
		if known.Header.Get("Location") != unknown.Header.Get("Location") {
			t.Fatalf("answers differ: %s / %s", known.Header.Get("Location"), unknown.Header.Get("Location"))
		}
		other.get(unknown.Header.Get("Location"))
		if other.last != knownBody {
			t.Fatalf("the page after asking differs for an unknown address:\n%s", firstDiff(knownBody, other.last))
		}
		// Both got a mail; the unknown address's invites them to make an account.
		if msg, _ := linkTo(t, smtp, "nobody.here@example.com"); !strings.Contains(msg.Subject, "Finish creating") {
			t.Fatalf("unknown address's mail: %s", msg.Subject)
		}
		msg, link := linkTo(t, smtp, m.reader.Email)
		if !strings.Contains(msg.Subject, "sign-in link") || !strings.Contains(msg.Text, "15 minutes") {
			t.Fatalf("known address's mail: %s\n%s", msg.Subject, msg.Text)
		}

		// Opening the link signs nobody in; in the asking browser the page
		// continues by itself (a POST), elsewhere the person clicks.
		resp := b.get(link)
		b.expect(resp, 200, "data-autosubmit", `action="/login/link/use"`)
		if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("link page headers: %v", resp.Header)
		}
		b.expect(b.get("/account"), 303)
		phone := newBrowser(t, srv)
		phone.expect(phone.get(link), 200, "You are signing in on this device", "Sign in")
		checkHTML(t, "/login/link", phone.last)
		if strings.Contains(phone.last, "data-autosubmit") {
			t.Fatal("another browser continues without a click")
		}
		phone.expect(phone.get("/account"), 303)
		token := signInLink.FindStringSubmatch(link)[1]

		// The click in the other browser signs it in, and back to the article.
		resp = phone.post("/login/link/use", url.Values{"token": {token}})
		phone.expect(resp, 303)
		if c := cookieNamed(resp, "byline_link"); c == nil || c.MaxAge >= 0 || c.Path != "/login/link" {
			t.Fatalf("the binding cookie is not cleared: %+v", c)
		}
		if loc := resp.Header.Get("Location"); loc != back {
			t.Fatalf("after the link: %s", loc)
		}
		phone.expect(phone.get("/account"), 200, m.reader.DisplayName)
		// Once only.
		b.expect(b.post("/login/link/use", url.Values{"token": {token}}), 410, "cannot be used", "E-mail me a sign-in link")
		b.expect(b.get(link), 410, "already used")
		checkHTML(t, "/login/link (used)", b.last)
		b.expect(b.get("/account"), 303)
		events, err := ts.accounts.Events(ctx, m.reader.ID, 5)
		if err != nil || len(events) == 0 || events[0].Kind != account.EventSignIn || events[0].Detail != account.MethodLink {
			t.Fatalf("history: %+v %v", events, err)
		}

		// An expired link: a clear page and a way to ask again, not a sign-in.
		b.expect(b.post("/login/link", url.Values{"link_email": {m.reader.Email}}), 303)
		_, late := waitNewLink(t, smtp, m.reader.Email, link)
		if _, err := d.Exec(ctx, `UPDATE signin_links SET expires_at = $1`, time.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		b.expect(b.get(late), 410, "has expired", `action="/login/link"`)
		b.expect(b.post("/login/link/use", url.Values{"token": {signInLink.FindStringSubmatch(late)[1]}}), 410)
		b.expect(b.get("/account"), 303)

		// Bad tokens and addresses: 4xx, never a 500.
		for _, q := range []string{"", "?token=", "?token=made-up", "?token=" + strings.Repeat("A", 5000), "?token=%00%ff", "?token=a&token=b"} {
			resp := b.get("/login/link" + q)
			if resp.StatusCode != 410 && resp.StatusCode != 400 { // 400: text no form may hold
				t.Fatalf("GET /login/link%.40s: %d", q, resp.StatusCode)
			}
		}
		for _, form := range []url.Values{{}, {"token": {""}}, {"token": {"\x00\xff"}}, {"token": {strings.Repeat("z", 60000)}}} {
			if resp := b.post("/login/link/use", form); resp.StatusCode < 400 || resp.StatusCode >= 500 {
				t.Fatalf("POST use %.40v: %d", form, resp.StatusCode)
			}
		}
		b.expect(b.post("/login/link", url.Values{"link_email": {"not an address"}, "return_to": {back}}), 422, "does not look like an e-mail", `value="not an address"`)
		b.expect(b.post("/login/link", url.Values{"link_email": {"\x00"}}), 422)
	})
}

// waitNewLink waits for a sign-in link to addr other than old.
func waitNewLink(t *testing.T, smtp *mailtest.Server, addr, old string) (mailtest.Received, string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // generous: the outbox sends on its own schedule
	for time.Now().Before(deadline) {
		if msg, link := linkTo(t, smtp, addr); link != old {
			return msg, link
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no new link to %s", addr)
	return mailtest.Received{}, ""
}

func TestSignInLinkMakesAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, smtp, ts, m := magazineSite(t, d)
		ctx := context.Background()
		b := newBrowser(t, srv)
		back := m.leadPath + "#respond"
		b.expect(b.post("/login/link", url.Values{"link_email": {"jordan.pike@example.com"}, "return_to": {back}}), 303)
		_, link := linkTo(t, smtp, "jordan.pike@example.com")
		b.expect(b.get(link), 200, "Create your account", "Create my account and sign in")
		if _, err := ts.accounts.Find(ctx, "jordan.pike@example.com"); err == nil {
			t.Fatal("opening the link made the account")
		}
		resp := b.post("/login/link/use", url.Values{"token": {signInLink.FindStringSubmatch(link)[1]}})
		b.expect(resp, 303)
		name := "/login/link/name?return_to=" + url.QueryEscape(back)
		if loc := resp.Header.Get("Location"); loc != name {
			t.Fatalf("a new account goes to %s", loc)
		}
		b.expect(b.get(name), 200, "Welcome: your account is ready", `value="Jordan Pike"`, "Country (optional)")
		checkHTML(t, name, b.last)
		p, err := ts.accounts.Find(ctx, "jordan.pike@example.com")
		if err != nil || !p.Verified() || !p.Can(account.PermComment) {
			t.Fatalf("the new account: %+v %v", p, err)
		}
		// A bad name is said so, and what was typed stays.
		b.expect(b.post("/login/link/name", url.Values{"display_name": {strings.Repeat("j", 81)}, "return_to": {back}}), 422, "at most 80 characters")
		resp = b.post("/login/link/name", url.Values{"display_name": {"Jordan P."}, "country": {""}, "return_to": {back}})
		b.expect(resp, 303)
		if loc := resp.Header.Get("Location"); loc != back {
			t.Fatalf("after the name: %s", loc)
		}
		b.expect(b.get(m.leadPath), 200, "Jordan P.", `action="/comments#comment-form"`)

		// Asked once: the next link signs in and goes straight back.
		b.post("/logout", nil)
		b.expect(b.post("/login/link", url.Values{"link_email": {"jordan.pike@example.com"}, "return_to": {back}}), 303)
		_, again := waitNewLink(t, smtp, "jordan.pike@example.com", link)
		b.expect(b.get(again), 200, "data-autosubmit")
		if strings.Contains(b.last, "Create your account") {
			t.Fatal("a known address is offered a new account")
		}
		resp = b.post("/login/link/use", url.Values{"token": {signInLink.FindStringSubmatch(again)[1]}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != back {
			t.Fatalf("second sign-in: %d %s", resp.StatusCode, loc)
		}
		// The name page is only for the signed in.
		newBrowser(t, srv).expect(newBrowser(t, srv).get(name), 303)
	})
}

func TestSignInLinkLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, ts, m := serveMagazine(t, d)
		ctx := context.Background()
		b := newBrowser(t, srv)
		mailsTo := func(addr string) int {
			msgs, err := ts.outbox.List(ctx, 0, 200)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, msg := range msgs {
				if msg.To == addr {
					n++
				}
			}
			return n
		}
		// Per address, quietly: the fourth request in 15 minutes answers the
		// same and sends nothing, for an account or not.
		for _, addr := range []string{m.reader.Email, "nobody@example.com"} {
			for i := 0; i < 4; i++ {
				resp := b.post("/login/link", url.Values{"link_email": {addr}})
				if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login/link/sent") {
					t.Fatalf("request %d for %s: %d %s", i, addr, resp.StatusCode, resp.Header.Get("Location"))
				}
			}
			if n := mailsTo(addr); n != 3 {
				t.Fatalf("%d mails to %s, want 3", n, addr)
			}
		}
		// Per address (IP), shared with every way of signing in: 30 in 15
		// minutes, then a clear refusal.
		for i := 8; i < 30; i++ {
			b.expect(b.post("/login/link", url.Values{"link_email": {"someone" + strconv.Itoa(i) + "@example.com"}}), 303)
		}
		b.expect(b.post("/login/link", url.Values{"link_email": {"one.more@example.com"}}), 429, "Too many attempts")
		b.expect(b.post("/login", url.Values{"email": {m.reader.Email}, "password": {fixture.Password}}), 429)
		b.expect(b.post("/login/link/use", url.Values{"token": {"whatever"}}), 429)
	})
}

func TestRegisterWithoutCountryOrName(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, ts, _ := serveMagazine(t, d)
		b := newBrowser(t, srv)
		b.expect(b.get("/register"), 200, "Country (optional)")
		b.expect(b.post("/register", url.Values{"email": {"casey.reader@example.com"}, "password": {"a fine long passphrase"}}), 303)
		p, err := ts.accounts.Find(context.Background(), "casey.reader@example.com")
		if err != nil || p.DisplayName != "Casey Reader" || p.Country != "" {
			t.Fatalf("registered: %+v %v", p, err)
		}
		b.expect(b.post("/register", url.Values{"email": {"dana@example.com"}, "display_name": {"Dana K"}, "country": {"CA"}, "password": {"a fine long passphrase"}}), 303)
		if p, err := ts.accounts.Find(context.Background(), "dana@example.com"); err != nil || p.DisplayName != "Dana K" || p.Country != "CA" {
			t.Fatalf("registered with name and country: %+v %v", p, err)
		}
	})
}

// A signed-out reader without JavaScript writes, posts the box, signs in,
// and finds the text in the box; nobody else ever sees it, cached or not.
func TestDraftSurvivesSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, m := serveMagazine(t, d)
		b := newBrowser(t, srv)
		words := "Held words about the Tennessee plant."
		back := m.leadPath + "#respond"
		b.expect(b.get(m.leadPath), 200, `action="/comments/hold"`, "E-mail me a sign-in link", `name="return_to" value="`+back+`"`)
		checkHTML(t, m.leadPath, b.last)
		b.expect(b.get("/login"), 200)
		checkHTML(t, "/login", b.last)
		if strings.Contains(b.last, "You must be") {
			t.Fatal("the bare sign-in line is still there")
		}
		resp := b.post("/comments/hold", url.Values{"article_id": {strconv.FormatInt(m.lead.ID, 10)}, "parent_id": {"0"}, "body": {words}})
		b.expect(resp, 303)
		if loc := resp.Header.Get("Location"); loc != "/login?return_to="+url.QueryEscape(back) {
			t.Fatalf("after holding: %s", loc)
		}
		if c := cookieNamed(resp, "byline_draft"); c == nil || !c.HttpOnly || c.MaxAge != 3600 {
			t.Fatalf("draft cookie: %+v", c)
		}
		// Signed out still, the text is in the box; the page is nobody else's.
		resp = b.get(m.leadPath)
		b.expect(resp, 200, words)
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Fatalf("a page with a draft may be stored: %q", cc)
		}
		anon := newBrowser(t, srv)
		for i := 0; i < 2; i++ { // the second from the cache
			anon.expect(anon.get(m.leadPath), 200, `action="/comments/hold"`)
			if strings.Contains(anon.last, words) {
				t.Fatal("another reader sees the draft")
			}
		}
		other := newBrowser(t, srv)
		other.expect(other.post("/login", url.Values{"email": {m.fourth.Email}, "password": {fixture.Password}}), 303)
		other.expect(other.get(m.leadPath), 200, `action="/comments#comment-form"`)
		if strings.Contains(other.last, words) {
			t.Fatal("a signed-in reader sees another's draft")
		}

		// Sign in: back to the box, the text in it, ready to post.
		resp = b.post("/login", url.Values{"email": {m.reader.Email}, "password": {fixture.Password}, "return_to": {back}})
		if loc := resp.Header.Get("Location"); loc != back {
			t.Fatalf("after sign-in: %s", loc)
		}
		b.expect(b.get(m.leadPath), 200, `action="/comments#comment-form"`, ">"+words+"</textarea>")
		b.expect(b.get(m.leadPath), 200) // taken: no longer held
		if strings.Contains(b.last, words) {
			t.Fatal("the draft is held after it was handed over")
		}
		other.get(m.leadPath)
		if strings.Contains(other.last, words) {
			t.Fatal("the draft reached the cached page")
		}
		b.expect(b.post("/comments", url.Values{"article_id": {strconv.FormatInt(m.lead.ID, 10)}, "parent_id": {"0"}, "body": {words}}), 303)
		b.expect(b.get(m.leadPath), 200, words)

		// A reply: held for the reply page, which is where sign-in returns.
		r := newBrowser(t, srv)
		reply := "/comments/" + strconv.FormatInt(m.first.ID, 10) + "/reply"
		r.expect(r.get(reply), 200, `action="/comments/hold"`, `name="return_to" value="`+reply+`"`)
		checkHTML(t, reply, r.last)
		resp = r.post("/comments/hold", url.Values{"article_id": {strconv.FormatInt(m.lead.ID, 10)}, "parent_id": {strconv.FormatInt(m.first.ID, 10)}, "body": {"A held reply."}})
		if loc := resp.Header.Get("Location"); loc != "/login?return_to="+url.QueryEscape(reply) {
			t.Fatalf("after holding a reply: %s", loc)
		}
		r.expect(r.post("/login", url.Values{"email": {m.third.Email}, "password": {fixture.Password}, "return_to": {reply}}), 303)
		r.expect(r.get(reply), 200, ">A held reply.</textarea>", `name="parent_id" value="`+strconv.FormatInt(m.first.ID, 10)+`"`)

		// Bad input: 4xx, what was typed kept where there is a form.
		for _, c := range []struct {
			form   url.Values
			status int
		}{
			{url.Values{"body": {"x"}}, 400},
			{url.Values{"article_id": {"999999"}, "body": {"x"}}, 404},
			{url.Values{"article_id": {"-1"}, "body": {"x"}}, 400},
			{url.Values{"article_id": {strconv.FormatInt(m.lead.ID, 10)}, "parent_id": {"99999"}, "body": {"to the article"}}, 303},
			{url.Values{"article_id": {strconv.FormatInt(m.lead.ID, 10)}, "body": {"bad \x00 byte"}}, 422},
			{url.Values{"article_id": {strconv.FormatInt(m.lead.ID, 10)}, "body": {strings.Repeat("x", 70000)}}, 400},
		} {
			if resp := anon.post("/comments/hold", c.form); resp.StatusCode != c.status {
				t.Fatalf("hold %.60v: %d, want %d\n%.400s", c.form, resp.StatusCode, c.status, anon.last)
			}
		}
	})
}

// FuzzSignInLinkParams sends the link endpoints anything: huge, binary or
// missing values answer 4xx (or a redirect), never a 5xx.
func FuzzSignInLinkParams(f *testing.F) {
	h := newHandler(f, dbtest.SQLite(f), "http://127.0.0.1:8080")
	f.Add(uint8(0), "token=abc")
	f.Add(uint8(1), "token=%00%ff&token=x")
	f.Add(uint8(2), "link_email=a%40b.c&return_to=%2F%2Fevil")
	f.Add(uint8(3), "article_id=1&parent_id=-5&body=%ff")
	f.Add(uint8(4), "display_name=&country=ZZ")
	f.Add(uint8(5), "token="+strings.Repeat("A", 3000))
	f.Add(uint8(2), "link_email="+strings.Repeat("a", 400)+"%40b.c")
	var calls int
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		var req *http.Request
		switch which % 6 {
		case 0, 5:
			target := "/login/link?" + body
			u, err := url.ParseRequestURI(target)
			if err != nil {
				return // not something a client can send
			}
			req = httptest.NewRequest(http.MethodGet, "/login/link", nil)
			req.URL, req.RequestURI = u, target
		case 1:
			req = httptest.NewRequest(http.MethodPost, "/login/link/use", strings.NewReader(body))
		case 2:
			req = httptest.NewRequest(http.MethodPost, "/login/link", strings.NewReader(body))
		case 3:
			req = httptest.NewRequest(http.MethodPost, "/comments/hold", strings.NewReader(body))
		case 4:
			req = httptest.NewRequest(http.MethodPost, "/login/link/name", strings.NewReader(body))
		}
		// Each input from its own address, so the per-address limit does not
		// stop every input after the first few at the gate.
		calls++
		req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:4000", calls>>16&255, calls>>8&255, calls&255)
		if req.Method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d\n%.300s", req.Method, req.URL.Path, body, rec.Code, rec.Body.String())
		}
	})
}
