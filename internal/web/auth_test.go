package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/dbtest/fixture"
	"byline/internal/mail/mailtest"
)

// browser is a client with a cookie jar that sends same-origin headers the
// way a browser does for a form on the site.
type browser struct {
	t    *testing.T
	srv  *httptest.Server
	c    *http.Client
	last string // body of the last response
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) *http.Response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.last = string(body)
	return resp
}

func (b *browser) get(path string) *http.Response {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.srv.URL+path, nil)
	return b.do(req)
}

// post sends a form as the site's own page would (Sec-Fetch-Site: same-origin).
func (b *browser) post(path string, form url.Values) *http.Response {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.srv.URL)
	return b.do(req)
}

// upload posts a file field as a browser form would.
func (b *browser) upload(path, field, filename string, data []byte) *http.Response {
	b.t.Helper()
	return b.uploadWith(path, field, filename, data, nil)
}

// uploadWith posts a file field with other fields.
func (b *browser) uploadWith(path, field, filename string, data []byte, values url.Values) *http.Response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range values {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.srv.URL+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

func (b *browser) expect(resp *http.Response, status int, contains ...string) {
	b.t.Helper()
	if resp.StatusCode != status {
		b.t.Fatalf("%s %s: status %d, want %d\n%.600s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, b.last)
	}
	for _, c := range contains {
		if !strings.Contains(b.last, c) {
			b.t.Fatalf("%s %s: body lacks %q\n%.3000s", resp.Request.Method, resp.Request.URL.Path, c, b.last)
		}
	}
}

var tokenLink = regexp.MustCompile(`/(verify|password/reset)\?token=([A-Za-z0-9_-]+)`)

func linkIn(t *testing.T, m mailtest.Received) string {
	t.Helper()
	sub := tokenLink.FindStringSubmatch(m.Text)
	if sub == nil {
		t.Fatalf("no link in mail %q:\n%s", m.Subject, m.Text)
	}
	return sub[0]
}

func TestSignUpVerifySignInOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, smtp, _, m := magazineSite(t, d)
		b := newBrowser(t, srv)
		article := m.leadPath

		// Bad input keeps what was typed, says what is wrong, never a 500.
		b.expect(b.post("/register", url.Values{"email": {"not-an-address"}, "display_name": {"Casey Reader"}, "country": {"CA"}, "password": {"short"}}),
			422, "does not look like an e-mail", "at least 10 characters", `value="Casey Reader"`, `<option value="CA" selected>`)
		if strings.Contains(b.last, `value="short"`) {
			t.Fatal("the password is sent back in the form")
		}
		// A taken address answers as a new one would (see TestAnswersDoNotTellWhoHasAnAccount).
		b.expect(b.post("/register", url.Values{"email": {m.author.Email}, "display_name": {"Copycat"}, "country": {"US"}, "password": {"a fine long passphrase"}}),
			303)
		b.expect(b.post("/register", url.Values{"email": {"casey@example.com"}, "display_name": {strings.Repeat("x", 81)}, "country": {"US"}, "password": {"a fine long passphrase"}}),
			422, "at most 80 characters")
		b.expect(b.post("/register", url.Values{"email": {"casey@example.com"}, "display_name": {"Casey"}, "country": {"US"}, "password": {"password123"}}),
			422, "too common")

		// Sign up, coming from the article: asked to check the mail, then to
		// sign in and go back there. Nobody is signed in by signing up.
		resp := b.post("/register", url.Values{"email": {"Casey@Example.com"}, "display_name": {"Casey Reader"}, "country": {"CA"},
			"password": {"a fine long passphrase"}, "return_to": {article + "#respond"}})
		b.expect(resp, 303)
		if loc := resp.Header.Get("Location"); loc != "/login?return_to="+url.QueryEscape(article+"#respond") {
			t.Fatalf("after sign-up: %s", loc)
		}
		b.expect(b.get(resp.Header.Get("Location")), 200, "Check your mail to finish", `name="return_to" value="`+article+`#respond"`)

		// The verification mail arrives through SMTP (the taken address's owner
		// got a notice); its link verifies.
		msgs := smtp.Wait(t, 2, 10*time.Second)
		var verifyMail mailtest.Received
		for _, msg := range msgs {
			if msg.To[0] == "casey@example.com" {
				verifyMail = msg
			} else if msg.To[0] != m.author.Email || !strings.Contains(msg.Subject, "Someone tried to register") {
				t.Fatalf("mail to %v: %s", msg.To, msg.Subject)
			}
		}
		if !strings.Contains(verifyMail.Subject, "Confirm your e-mail") || verifyMail.HTML == "" {
			t.Fatalf("verification mail: %+v", verifyMail.Subject)
		}
		link := linkIn(t, verifyMail)
		b.expect(b.get(link), 200, "your address casey@example.com is confirmed")
		// A second click before signing in: done already, sign in from here.
		b.expect(b.get(link), 200, "Your address casey@example.com is already confirmed", `href="/login"`)
		resp = b.post("/login", url.Values{"email": {"casey@example.com"}, "password": {"a fine long passphrase"}, "return_to": {article + "#respond"}})
		b.expect(resp, 303)
		b.expect(b.get(article), 200, `id="comment-form"`, "Casey Reader")
		// A second click, signed in: the reader is told it is done, not to sign in.
		b.expect(b.get(link), 200, "Your address casey@example.com is already confirmed", `href="/account"`)
		if strings.Contains(b.last, "invalid") {
			t.Fatalf("a used link tells a confirmed, signed-in reader it is invalid:\n%s", b.last)
		}
		b.expect(b.get("/verify?token=no-such-token"), 200, "already confirmed") // signed in and confirmed: whatever the link

		// Sign out, then sign in again with return_to.
		b.expect(b.post("/logout", url.Values{"return_to": {article}}), 303)
		b.expect(b.get(link), 200, "Your address casey@example.com is already confirmed", `href="/login"`)
		b.expect(b.get("/verify?token=no-such-token"), 410, "invalid, has expired, or was already used")
		b.expect(b.get(article), 200, `action="/comments/hold"`, "Sign in to post")
		b.expect(b.get("/account"), 303)

		b.expect(b.post("/login", url.Values{"email": {"casey@example.com"}, "password": {"wrong password!!"}}), 401, "do not match an account")
		b.expect(b.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password!!"}}), 401, "do not match an account")
		resp = b.post("/login", url.Values{"email": {"casey@example.com"}, "password": {"a fine long passphrase"}, "remember": {"1"}, "return_to": {article}})
		b.expect(resp, 303)
		if resp.Header.Get("Location") != article {
			t.Fatalf("after sign-in: %s", resp.Header.Get("Location"))
		}
		var session *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "byline_session" {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.MaxAge < 29*24*3600 || len(session.Value) < 43 {
			t.Fatalf("session cookie: %+v", session)
		}
		// Off-site return_to goes home instead.
		for _, bad := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
			b.post("/logout", nil)
			resp = b.post("/login", url.Values{"email": {"casey@example.com"}, "password": {"a fine long passphrase"}, "return_to": {bad}})
			if loc := resp.Header.Get("Location"); loc != "/" {
				t.Fatalf("return_to %q sent to %q", bad, loc)
			}
		}
	})
}

func TestLockoutAndSuspension(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, ts, m := magazineSite(t, d)
		b := newBrowser(t, srv)
		for i := 0; i < 5; i++ {
			b.post("/login", url.Values{"email": {m.reader.Email}, "password": {"not the password"}})
		}
		// Locked now: even the right password waits.
		b.expect(b.post("/login", url.Values{"email": {m.reader.Email}, "password": {fixture.Password}}), 429, "Too many attempts")

		// A suspended person cannot sign in.
		p, err := ts.accounts.Find(context.Background(), m.moderator.Email)
		if err != nil {
			t.Fatal(err)
		}
		ts.accounts.Suspend(context.Background(), p.ID, true)
		b.expect(b.post("/login", url.Values{"email": {m.moderator.Email}, "password": {fixture.Password}}), 403, "suspended")
	})
}

func TestPasswordReset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, smtp, _, m := magazineSite(t, d)
		b := newBrowser(t, srv)
		// Same answer for an unknown address; its mail says there is no account.
		b.expect(b.post("/password/forgot", url.Values{"email": {"nobody@example.com"}}), 303)
		b.expect(b.post("/password/forgot", url.Values{"email": {m.reader.Email}}), 303)
		msgs := smtp.Wait(t, 2, 10*time.Second)
		var reset mailtest.Received
		for _, msg := range msgs {
			switch msg.To[0] {
			case m.reader.Email:
				reset = msg
			case "nobody@example.com":
				if tokenLink.MatchString(msg.Text) {
					t.Fatalf("a link went to an address without an account:\n%s", msg.Text)
				}
			}
		}
		link := linkIn(t, reset)
		token := strings.TrimPrefix(link, "/password/reset?token=")
		b.expect(b.get(link), 200, "Choose a new password")
		b.expect(b.post("/password/reset", url.Values{"token": {token}, "password": {"tiny"}}), 422, "at least 10 characters")
		b.expect(b.post("/password/reset", url.Values{"token": {token}, "password": {"my new wagon passphrase"}}), 303)
		b.expect(b.get("/account"), 200, m.reader.DisplayName, "Your password is changed")
		// Reused link.
		b.expect(b.post("/password/reset", url.Values{"token": {token}, "password": {"another new passphrase"}}), 410, "already used")
		b.expect(b.get(link), 410)
		b.expect(b.get("/password/reset?token=made-up"), 410)
	})
}

func TestCrossSiteAndPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, _, m := magazineSite(t, d)
		b := newBrowser(t, srv)
		// A form posted from another site is refused before anything happens.
		req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(url.Values{"email": {m.reader.Email}, "password": {fixture.Password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		b.expect(b.do(req), 403, "sent from another site")
		req, _ = http.NewRequest("POST", srv.URL+"/login", strings.NewReader("email=x"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		b.expect(b.do(req), 403)

		// An over-long form is a 400, not a 500.
		b.expect(b.post("/login", url.Values{"email": {strings.Repeat("a", 70_000)}}), 400, "too large")

		// Staff screens need the role.
		b.expect(b.get("/admin"), 303)
		b.expect(b.post("/login", url.Values{"email": {m.reader.Email}, "password": {fixture.Password}}), 303)
		b.expect(b.get("/admin"), 403, "Not allowed")
		b.expect(b.get("/admin/people"), 403)
		b.expect(b.post("/admin/people/1/suspend", nil), 403)
		b.post("/logout", nil)

		// A moderator reaches the admin but not People or Settings.
		b.expect(b.post("/login", url.Values{"email": {m.moderator.Email}, "password": {fixture.Password}}), 303)
		b.expect(b.get("/admin"), 200, "Dashboard")
		if strings.Contains(b.last, `href="/admin/people"`) {
			t.Fatal("moderator sees the People screen in the navigation")
		}
		b.expect(b.get("/admin/settings"), 403)
		b.post("/logout", nil)

		// The admin manages people and settings.
		b.expect(b.post("/login", url.Values{"email": {m.editor.Email}, "password": {fixture.Password}}), 303)
		b.expect(b.get("/admin/people?q=park"), 200, m.reader.DisplayName)
		link := regexp.MustCompile(`/admin/people/(\d+)">` + m.reader.DisplayName).FindStringSubmatch(b.last)
		if link == nil {
			t.Fatal("no link to the reader")
		}
		b.expect(b.get("/admin/people?status=bogus"), 400)
		id := link[1]
		b.expect(b.post("/admin/people/"+id+"/roles", url.Values{"role": {"reader", "moderator"}}), 303)
		b.expect(b.get("/admin/people/"+id), 200, `value="moderator" checked`, "Roles saved.")
		b.expect(b.post("/admin/people/"+id+"/roles", url.Values{"role": {"emperor"}}), 400)
		b.expect(b.post("/admin/people/"+id+"/delete", nil), 400, "Tick the box")
		b.expect(b.post("/admin/settings", url.Values{"name": {""}, "comment_depth": {"0"}}), 422, "1 to 80 characters", "from 1 to 10")
		b.expect(b.post("/admin/settings", url.Values{"name": {siteName + " Weekly"}, "tagline": {"New tagline"}, "comment_depth": {"4"}, "comments_open": {"1"}}), 303)
		b.expect(b.get("/"), 200, "<title>"+siteName+" Weekly</title>", "New tagline")
		b.expect(b.get("/admin/mail"), 200, "Mail")
		for _, path := range []string{"/admin", "/admin/people", "/admin/people/" + id, "/admin/settings", "/admin/mail"} {
			b.expect(b.get(path), 200)
			checkHTML(t, path, b.last)
		}
	})
}

func TestAccountPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, smtp, ts, m := magazineSite(t, d)
		b := newBrowser(t, srv)
		other := newBrowser(t, srv)
		login := url.Values{"email": {m.reader.Email}, "password": {fixture.Password}}
		b.expect(b.post("/login", login), 303)
		other.expect(other.post("/login", login), 303)

		b.expect(b.post("/account/profile", url.Values{"display_name": {"Jo P."}, "country": {"Atlantis"}, "bio": {"x"}, "avatar": {"generated"}}),
			422, "unknown country", `value="Jo P."`)
		b.expect(b.post("/account/profile", url.Values{"display_name": {"Jo P."}, "country": {"CA"}, "bio": {"Wagon owner."}, "avatar": {"generated"}}), 303)
		b.expect(b.get("/author/"+m.reader.Slug+"/"), 200, "Jo P.", "Canada", "Wagon owner.")

		// Pictures: a pattern by default, an upload once chosen.
		resp := b.get("/avatar/" + m.reader.Slug)
		if resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(b.last, "<svg") {
			t.Fatalf("generated avatar: %s", resp.Header.Get("Content-Type"))
		}
		b.expect(b.upload("/account/avatar", "picture", "x.txt", []byte("not a picture")), 422, "JPEG, PNG, GIF or WebP")
		img := image.NewRGBA(image.Rect(0, 0, 300, 200))
		var pngData bytes.Buffer
		png.Encode(&pngData, img)
		b.expect(b.upload("/account/avatar", "picture", "me.png", pngData.Bytes()), 303)
		if resp := b.get("/avatar/" + m.reader.Slug); resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("uploaded avatar: %s", resp.Header.Get("Content-Type"))
		}
		// Gravatar only when the site allows it.
		b.expect(b.post("/account/profile", url.Values{"display_name": {"Jo P."}, "country": {"CA"}, "avatar": {"gravatar"}}), 303)
		if resp := b.get("/avatar/" + m.reader.Slug); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
			t.Fatalf("gravatar while the site forbids it: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		st, _ := ts.settings.Stored(context.Background())
		st.Gravatar = true
		if err := ts.settings.Save(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		b.expect(b.post("/account/profile", url.Values{"display_name": {"Jo P."}, "country": {"CA"}, "avatar": {"gravatar"}}), 303)
		if resp := b.get("/avatar/" + m.reader.Slug); resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), "https://www.gravatar.com/avatar/") {
			t.Fatalf("gravatar: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}

		// Sessions: two devices; sign out everywhere else ends the other one.
		b.expect(b.get("/account"), 200, "(this device)", "Sign out everywhere else")
		checkHTML(t, "/account", b.last)
		// Signed-in requests are counted under their route too.
		b.expect(b.get("/metrics"), 200, `route="GET /account"`)
		b.expect(b.post("/account/sessions/end-others", nil), 303)
		other.expect(other.get("/account"), 303)

		// A password change needs the current one and keeps this device signed in.
		b.expect(b.post("/account/password", url.Values{"current_password": {"nope"}, "new_password": {"a brand new passphrase"}}), 422, "not your current password")
		b.expect(b.post("/account/password", url.Values{"current_password": {fixture.Password}, "new_password": {"a brand new passphrase"}}), 303)
		b.expect(b.get("/account"), 200, "Your password is changed")

		// E-mail change: confirmed from the new inbox.
		b.expect(b.post("/account/email", url.Values{"email": {"jo@new.example"}, "password": {"a brand new passphrase"}}), 303)
		msgs := smtp.Wait(t, 1, 10*time.Second)
		b.expect(b.get(linkIn(t, msgs[0])), 303)
		b.expect(b.get("/account"), 200, "jo@new.example")

		// API tokens: shown once, work as bearer tokens, can be revoked.
		b.expect(b.post("/account/tokens", url.Values{"name": {""}}), 422, "give the token a name")
		b.expect(b.post("/account/tokens", url.Values{"name": {"my script"}}), 200, "shown only once")
		secret := regexp.MustCompile(`byl_[A-Za-z0-9_-]+`).FindString(b.last)
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp = newBrowser(t, srv).do(req)
		if resp.StatusCode != 200 {
			t.Fatalf("/api/v1/me with token: %d", resp.StatusCode)
		}
		tokenID := regexp.MustCompile(`name="id" value="(\d+)"><button class="link" type="submit">Revoke`).FindStringSubmatch(b.last)
		b.expect(b.post("/account/tokens/revoke", url.Values{"id": {tokenID[1]}}), 303)
		req, _ = http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		if resp := newBrowser(t, srv).do(req); resp.StatusCode != 401 {
			t.Fatalf("revoked token: %d", resp.StatusCode)
		}
	})
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))
