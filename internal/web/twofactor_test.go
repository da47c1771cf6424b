package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/dbtest/fixture"
)

// enrol sets up and confirms an authenticator app for p through the
// store, as the account page does, and returns its secret and recovery
// codes.
func enrol(t testing.TB, ts testSite, p account.Person) (string, []string) {
	t.Helper()
	ctx := context.Background()
	setup, err := ts.accounts.BeginTOTP(ctx, p, siteName)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := account.TOTPCode(setup.Secret, time.Now())
	codes, err := ts.accounts.ConfirmTOTP(ctx, p.ID, code)
	if err != nil {
		t.Fatal(err)
	}
	return setup.Secret, codes
}

// nextCode is the app's code of the next time step: newer than any code
// used before now, and within the step of skew the site allows.
func nextCode(secret string) string {
	c, _ := account.TOTPCode(secret, time.Now().Add(30*time.Second))
	return c
}

// wrongCode is six digits that are no code of secret near now.
func wrongCode(secret string) string {
	near := map[string]bool{}
	for _, d := range []time.Duration{-60, -30, 0, 30, 60} {
		c, _ := account.TOTPCode(secret, time.Now().Add(d*time.Second))
		near[c] = true
	}
	for i := 0; ; i++ {
		if c := fmt.Sprintf("%06d", 123456+i); !near[c] {
			return c
		}
	}
}

// sessionOf is the browser's session cookie, or "".
func (b *browser) sessionOf() string {
	u, _ := url.Parse(b.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "byline_session" {
			return c.Value
		}
	}
	return ""
}

func location(resp *http.Response) string { return resp.Header.Get("Location") }

func TestTwoFactorSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, ts, m := serveMagazine(t, d)
		ctx := context.Background()
		secret, codes := enrol(t, ts, m.editor)

		// The password is right, but nobody is signed in yet: the second
		// step asks for the code.
		b := newBrowser(t, srv)
		resp := b.post("/login", url.Values{"email": {m.editor.Email}, "password": {fixture.Password}, "return_to": {"/admin/articles"}})
		if resp.StatusCode != http.StatusSeeOther || location(resp) != "/login/two-factor" || b.sessionOf() != "" {
			t.Fatalf("password step: %d %q session %q", resp.StatusCode, location(resp), b.sessionOf())
		}
		if resp := b.get("/admin/articles"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(location(resp), "/login") {
			t.Fatalf("admin before the code: %d %q", resp.StatusCode, location(resp))
		}
		b.expect(b.get("/login/two-factor"), 200, `autocomplete="one-time-code"`, `inputmode="numeric"`, "Use a recovery code")
		checkHTML(t, "/login/two-factor", b.last)
		if strings.Contains(b.last, "data-passkey-login") {
			t.Fatal("a passkey offered to a person without one")
		}

		// A wrong code is refused and counted; still no session.
		b.expect(b.post("/login/two-factor", url.Values{"code": {wrongCode(secret)}}), 401, "not right", "4 more tries")
		if b.sessionOf() != "" {
			t.Fatal("signed in after a wrong code")
		}
		// The right code signs in and goes where the sign-in was going.
		code := nextCode(secret)
		resp = b.post("/login/two-factor", url.Values{"code": {code[:3] + " " + code[3:]}})
		if resp.StatusCode != http.StatusSeeOther || location(resp) != "/admin/articles" || b.sessionOf() == "" {
			t.Fatalf("right code: %d %q\n%.500s", resp.StatusCode, location(resp), b.last)
		}
		b.expect(b.get("/admin/articles"), 200)
		// The waiting sign-in is spent.
		b.expect(b.post("/login/two-factor", url.Values{"code": {code}}), 410, "sign in again")
		evs, _ := ts.accounts.Events(ctx, m.editor.ID, 10)
		if len(evs) < 2 || evs[0].Kind != account.EventSignIn || evs[0].Detail != account.MethodPassword || evs[1].Kind != account.EventSignInFailed {
			t.Fatalf("history %+v", evs)
		}

		// The same code on another sign-in is refused: one use per step.
		b2 := newBrowser(t, srv)
		b2.post("/login", url.Values{"email": {m.editor.Email}, "password": {fixture.Password}})
		b2.expect(b2.post("/login/two-factor", url.Values{"code": {code}}), 401, "already used")
		// A recovery code instead: the link switches the form; the code
		// works once, and the notice says how many are left.
		b2.expect(b2.get("/login/two-factor?recovery=1"), 200, "Recovery code", `name="recovery"`)
		resp = b2.post("/login/two-factor", url.Values{"recovery": {"1"}, "code": {strings.ToUpper(codes[0])}})
		if resp.StatusCode != http.StatusSeeOther || location(resp) != "/" || b2.sessionOf() == "" {
			t.Fatalf("recovery code: %d %q\n%.500s", resp.StatusCode, location(resp), b2.last)
		}
		b2.expect(b2.get("/"), 200, "You have 9 left")
		evs, _ = ts.accounts.Events(ctx, m.editor.ID, 3)
		if evs[0].Kind != account.EventSignIn || evs[1].Kind != account.EventRecoveryCodeUsed {
			t.Fatalf("history after a recovery code %+v", evs)
		}
		b3 := newBrowser(t, srv)
		b3.post("/login", url.Values{"email": {m.editor.Email}, "password": {fixture.Password}})
		b3.expect(b3.post("/login/two-factor", url.Values{"recovery": {"1"}, "code": {codes[0]}}), 401, "recovery code is not right")

		// Five wrong codes end the waiting sign-in (and lock the account
		// for a while, as five wrong passwords would).
		w := newBrowser(t, srv)
		if resp := w.post("/login", url.Values{"email": {m.modWriter.Email}, "password": {fixture.Password}}); location(resp) != "/" || w.sessionOf() == "" {
			t.Fatalf("a person without a second factor: %d %q", resp.StatusCode, location(resp))
		}
		modSecret, _ := enrol(t, ts, m.moderator)
		w = newBrowser(t, srv)
		w.post("/login", url.Values{"email": {m.moderator.Email}, "password": {fixture.Password}})
		for i := 1; i < account.PendingAttempts; i++ {
			left := fmt.Sprintf("%d more tries", account.PendingAttempts-i)
			if account.PendingAttempts-i == 1 {
				left = "1 more try "
			}
			w.expect(w.post("/login/two-factor", url.Values{"code": {wrongCode(modSecret)}}), 401, left)
		}
		w.expect(w.post("/login/two-factor", url.Values{"code": {wrongCode(modSecret)}}), 401, "Too many wrong codes")
		w.expect(w.post("/login/two-factor", url.Values{"code": {nextCode(modSecret)}}), 410)
		if w.sessionOf() != "" {
			t.Fatal("signed in after the attempts ran out")
		}
		w.expect(w.post("/login", url.Values{"email": {m.moderator.Email}, "password": {fixture.Password}}), 429, "Too many attempts")
	})
}

// Whatever is sent to the second step, the answer is a clear 4xx.
func TestTwoFactorBadInput(t *testing.T) {
	srv, ts, m := serveMagazine(t, dbtest.SQLite(t))
	enrol(t, ts, m.editor)
	anon := newBrowser(t, srv)
	anon.expect(anon.get("/login/two-factor"), 410, "Sign in again")
	anon.expect(anon.post("/login/two-factor", url.Values{"code": {"123456"}}), 410)
	b := newBrowser(t, srv)
	b.post("/login", url.Values{"email": {m.editor.Email}, "password": {fixture.Password}})
	for _, c := range []struct {
		code   string
		status int
	}{
		{strings.Repeat("7", 5000), 422},
		{"\x00\x01\xfe\xff", 422},
		{"12345", 422},
		{"", 422},
		{"<script>alert(1)</script>", 422},
	} {
		resp := b.post("/login/two-factor", url.Values{"code": {c.code}})
		if resp.StatusCode != c.status {
			t.Errorf("code %.20q: status %d, want %d\n%.300s", c.code, resp.StatusCode, c.status, b.last)
		}
		if strings.Contains(b.last, "<script>alert") {
			t.Errorf("code %.20q shown unescaped", c.code)
		}
	}
	// A form too large, a cookie that names nothing.
	req, _ := http.NewRequest("POST", srv.URL+"/login/two-factor", strings.NewReader("code="+strings.Repeat("1", 200<<10)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp := b.do(req); resp.StatusCode != 400 {
		t.Errorf("huge form: %d", resp.StatusCode)
	}
	for _, cookie := range []string{"nope", strings.Repeat("x", 4000), "%00%ff"} {
		req, _ := http.NewRequest("POST", srv.URL+"/login/two-factor", strings.NewReader("code=123456"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Cookie", "byline_2fa="+cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 410 {
			t.Errorf("cookie %.10q: %d", cookie, resp.StatusCode)
		}
	}
	// The enrolment forms too.
	r := newBrowser(t, srv)
	r.post("/login", url.Values{"email": {m.reader.Email}, "password": {fixture.Password}})
	r.expect(r.post("/account/two-factor/confirm", url.Values{"code": {"\xff\xfe"}}), 422)
	r.expect(r.post("/account/two-factor/confirm", url.Values{"code": {"123456"}}), 422, "no setup waiting")
	r.expect(r.post("/account/two-factor/disable", url.Values{"code": {strings.Repeat("1", 100)}}), 422)
}

var secretRe = regexp.MustCompile(`<code class="secret">([A-Z2-7 ]+)</code>`)

func TestTwoFactorRequiredOfStaff(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, ts, m := serveMagazine(t, d)
		ctx := context.Background()
		// The staff have been here a while (an account newer than the rule
		// gets a grace of its own).
		if _, err := ts.db.Exec(ctx, `UPDATE users SET created_at = $1`, time.Now().AddDate(0, -1, 0)); err != nil {
			t.Fatal(err)
		}
		// Off by default: nobody is asked.
		mod := newBrowser(t, srv)
		mod.post("/login", url.Values{"email": {m.moderator.Email}, "password": {fixture.Password}})
		mod.expect(mod.get("/admin/comments"), 200)
		if strings.Contains(mod.last, "requires staff to use two-factor") {
			t.Fatal("a banner while the rule is off")
		}

		// The admin turns it on from Settings, with the default grace.
		ed := newBrowser(t, srv)
		enrol(t, ts, m.editor)
		ed.post("/login", url.Values{"email": {m.editor.Email}, "password": {fixture.Password}})
		ed.post("/login/two-factor", url.Values{"code": {nextCode(mustSecret(t, ts, m.editor))}})
		ed.expect(ed.get("/admin/settings"), 200, "Require two-factor for staff")
		form := settingsForm(t, ed.last)
		form.Set("two_factor_staff", "1")
		form.Set("two_factor_grace", "400")
		ed.expect(ed.post("/admin/settings", form), 422, "choose a number from 0 to 365")
		form.Set("two_factor_grace", "7")
		if resp := ed.post("/admin/settings", form); resp.StatusCode != 303 {
			t.Fatalf("save settings: %d\n%.800s", resp.StatusCode, ed.last)
		}
		st, _ := ts.settings.Stored(ctx)
		if !st.TwoFactorStaff || st.TwoFactorGraceDays != 7 || time.Since(st.TwoFactorSince) > time.Minute {
			t.Fatalf("stored %v %d %v", st.TwoFactorStaff, st.TwoFactorGraceDays, st.TwoFactorSince)
		}

		// Within the grace: staff pages with a banner; readers see nothing.
		mod.expect(mod.get("/admin/comments"), 200, "requires staff to use two-factor", "within 7 days", `href="/account/two-factor"`)
		ed.expect(ed.get("/admin"), 200)
		if strings.Contains(ed.last, "requires staff to use two-factor") {
			t.Fatal("a banner for an admin with an app")
		}
		rd := newBrowser(t, srv)
		rd.post("/login", url.Values{"email": {m.reader.Email}, "password": {fixture.Password}})
		rd.expect(rd.get("/account"), 200, "Set up an authenticator app")

		// After it: every staff page and action goes to the setup.
		st.TwoFactorSince = time.Now().Add(-8 * 24 * time.Hour)
		if err := ts.settings.Save(ctx, st); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/admin", "/admin/comments", fmt.Sprintf("/admin/comments/%d", m.first.ID)} {
			if resp := mod.get(path); resp.StatusCode != 303 || location(resp) != "/account/two-factor?required=1" {
				t.Fatalf("%s after the grace: %d %q", path, resp.StatusCode, location(resp))
			}
		}
		if resp := mod.post("/admin/comments", url.Values{"action": {"approve"}, "id": {fmt.Sprint(m.first.ID)}}); resp.StatusCode != 303 || !strings.HasPrefix(location(resp), "/account/two-factor") {
			t.Fatalf("a staff action after the grace: %d %q", resp.StatusCode, location(resp))
		}
		rd.expect(rd.get("/account"), 200) // readers are never forced

		// The setup walks them through: a QR code and the key, a code,
		// then ten recovery codes with a download.
		mod.expect(mod.get("/account/two-factor?required=1"), 200, "Set up a second factor to continue")
		checkHTML(t, "/account/two-factor", mod.last)
		if resp := mod.post("/account/two-factor/setup", nil); resp.StatusCode != 303 {
			t.Fatalf("setup: %d", resp.StatusCode)
		}
		mod.expect(mod.get("/account/two-factor"), 200, `src="data:image/png;base64,`, "Confirm and turn on")
		checkHTML(t, "/account/two-factor (setup)", mod.last)
		sub := secretRe.FindStringSubmatch(mod.last)
		if sub == nil {
			t.Fatalf("no key on the page:\n%.2000s", mod.last)
		}
		key := strings.ReplaceAll(sub[1], " ", "")
		before := mod.sessionOf()
		mod.expect(mod.post("/account/two-factor/confirm", url.Values{"code": {wrongCode(key)}}), 422, "not right")
		code, _ := account.TOTPCode(key, time.Now())
		mod.expect(mod.post("/account/two-factor/confirm", url.Values{"code": {code}}), 200, "Your recovery codes", `download="recovery-codes.txt"`, `href="data:text/plain;charset=utf-8,`)
		if n := strings.Count(mod.last, "<li><code>"); n != account.RecoveryCodeCount {
			t.Fatalf("%d recovery codes shown", n)
		}
		if mod.sessionOf() == before || mod.sessionOf() == "" {
			t.Fatal("the session was not rotated")
		}
		mod.expect(mod.get("/admin/comments"), 200)
		if strings.Contains(mod.last, "requires staff to use two-factor") {
			t.Fatal("a banner after setting it up")
		}
		// Staff cannot turn it off while the site requires it.
		mod.expect(mod.get("/account/two-factor"), 200, "the app stays until you add a passkey")
		mod.expect(mod.post("/account/two-factor/disable", url.Values{"code": {nextCode(key)}}), 422, "requires staff")
	})
}

// mustSecret reads p's stored secret back (the test knows it from enrol
// normally; this keeps the settings test short).
func mustSecret(t *testing.T, ts testSite, p account.Person) string {
	t.Helper()
	var secret string
	if err := ts.db.QueryRow(context.Background(), `SELECT secret FROM account_totp WHERE user_id = $1`, p.ID).Scan(&secret); err != nil {
		t.Fatal(err)
	}
	return secret
}

var inputRe = regexp.MustCompile(`<(?:input|textarea|select)[^>]*\bname="([^"]+)"[^>]*>`)

// settingsForm is the settings form as shown: its fields' current values
// (text inputs and ticked boxes), to post back with one change.
func settingsForm(t *testing.T, page string) url.Values {
	t.Helper()
	form := url.Values{}
	valRe := regexp.MustCompile(`\bvalue="([^"]*)"`)
	for _, m := range inputRe.FindAllStringSubmatch(page, -1) {
		tag, name := m[0], m[1]
		if strings.Contains(tag, `type="checkbox"`) && !strings.Contains(tag, " checked") {
			continue
		}
		if strings.Contains(tag, `type="password"`) {
			continue
		}
		v := ""
		if vm := valRe.FindStringSubmatch(tag); vm != nil {
			v = html.UnescapeString(vm[1])
		}
		form.Set(name, v)
	}
	return form
}

func TestTwoFactorAdminReset(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, ts, m := serveMagazine(t, d)
		ctx := context.Background()
		edSecret, _ := enrol(t, ts, m.editor)
		enrol(t, ts, m.moderator)
		mod := newBrowser(t, srv)
		token, _, err := ts.accounts.StartSession(ctx, m.moderator.ID, false, "test", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(srv.URL)
		mod.c.Jar.SetCookies(u, []*http.Cookie{{Name: "byline_session", Value: token, Path: "/"}})
		mod.expect(mod.get("/account"), 200)

		ed := newBrowser(t, srv)
		ed.post("/login", url.Values{"email": {m.editor.Email}, "password": {fixture.Password}})
		ed.post("/login/two-factor", url.Values{"code": {nextCode(edSecret)}})
		path := fmt.Sprintf("/admin/people/%d", m.moderator.ID)
		ed.expect(ed.get(path), 200, "Two-factor", "10 of 10", "Reset two-factor")
		checkHTML(t, path, ed.last)
		// Not without the box ticked; not one's own; not by a non-admin.
		ed.expect(ed.post(path+"/two-factor/reset", nil), 400, "Tick the box")
		ed.expect(ed.post(fmt.Sprintf("/admin/people/%d/two-factor/reset", m.editor.ID), url.Values{"confirm": {"yes"}}), 400, "your own")
		ed.expect(ed.get(fmt.Sprintf("/admin/people/%d", m.editor.ID)), 200, "cannot reset your own")
		mod.expect(mod.post(fmt.Sprintf("/admin/people/%d/two-factor/reset", m.editor.ID), url.Values{"confirm": {"yes"}}), 403)

		if resp := ed.post(path+"/two-factor/reset", url.Values{"confirm": {"yes"}}); resp.StatusCode != 303 {
			t.Fatalf("reset: %d %.500s", resp.StatusCode, ed.last)
		}
		tf, err := ts.accounts.TwoFactorOf(ctx, m.moderator.ID)
		if err != nil || tf.Has() || tf.RecoveryLeft != 0 {
			t.Fatalf("after reset %+v %v", tf, err)
		}
		evs, _ := ts.accounts.Events(ctx, m.moderator.ID, 1)
		if len(evs) != 1 || evs[0].Kind != account.EventSecondFactorReset || evs[0].ActorID != m.editor.ID {
			t.Fatalf("reset recorded as %+v", evs)
		}
		// Their sessions ended; they sign in with the password alone now.
		if resp := mod.get("/account"); resp.StatusCode != 303 {
			t.Fatalf("the reset person's session lives on: %d", resp.StatusCode)
		}
		again := newBrowser(t, srv)
		if resp := again.post("/login", url.Values{"email": {m.moderator.Email}, "password": {fixture.Password}}); location(resp) != "/" || again.sessionOf() == "" {
			t.Fatalf("sign-in after reset: %d %q", resp.StatusCode, location(resp))
		}
		ed.expect(ed.get(path), 200, "Nothing to reset", "Second factor reset by an admin")
	})
}

// FuzzTwoFactorForm posts arbitrary bodies and cookies to the second step
// of a sign-in: whatever arrives, the answer is never a 5xx and nobody is
// signed in by it.
func FuzzTwoFactorForm(f *testing.F) {
	d := dbtest.SQLite(f)
	m := newMagazine(f, d)
	h, ts := buildSite(f, d, "http://127.0.0.1:8080", "", false, false)
	enrol(f, ts, m.editor)
	f.Add("code=123456", true)
	f.Add("code=12+34+56&recovery=1", true)
	f.Add("code=abcd-efgh-jkmn-pqrs&recovery=1", true)
	f.Add("code=%ff%fe%00", false)
	f.Add("code="+strings.Repeat("9", 70), true)
	f.Add("code=1&code=2&code=3", true)
	f.Add(";;;&&&===", false)
	f.Fuzz(func(t *testing.T, body string, withCookie bool) {
		req := httptest.NewRequest(http.MethodPost, "/login/two-factor", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if withCookie {
			token, err := ts.accounts.StartPendingSignIn(context.Background(), account.PendingSignIn{UserID: m.editor.ID, Method: account.MethodPassword})
			if err != nil {
				t.Fatal(err)
			}
			req.AddCookie(&http.Cookie{Name: "byline_2fa", Value: token})
		} else {
			req.AddCookie(&http.Cookie{Name: "byline_2fa", Value: body})
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST %q: %d\n%s", body, rec.Code, rec.Body.String())
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == "byline_session" && c.Value != "" {
				t.Fatalf("POST %q signed someone in", body)
			}
		}
	})
}

// A reader opts in from the account page, makes a new set of recovery
// codes, and turns it off again with one of them.
func TestTwoFactorManage(t *testing.T) {
	codeRe := regexp.MustCompile(`<li><code>([0-9a-z-]+)</code></li>`)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, ts, m := serveMagazine(t, d)
		ctx := context.Background()
		b := newBrowser(t, srv)
		b.post("/login", url.Values{"email": {m.reader.Email}, "password": {fixture.Password}})
		b.expect(b.get("/account"), 200, `id="two-factor"`, "Set up an authenticator app")
		b.expect(b.post("/account/two-factor/setup", nil), 303)
		b.expect(b.get("/account"), 200, "Finish setting up your app")
		b.get("/account/two-factor")
		sub := secretRe.FindStringSubmatch(b.last)
		if sub == nil {
			t.Fatalf("no key:\n%.1500s", b.last)
		}
		key := strings.ReplaceAll(sub[1], " ", "")
		code, _ := account.TOTPCode(key, time.Now())
		b.expect(b.post("/account/two-factor/confirm", url.Values{"code": {code}}), 200, "Your recovery codes")
		old := codeRe.FindStringSubmatch(b.last)[1]
		b.expect(b.get("/account"), 200, "On: signing in asks for a code", "10 recovery codes left")
		checkHTML(t, "/account", b.last)

		// New codes need a current code; the old ones stop working.
		b.expect(b.post("/account/two-factor/codes", url.Values{"code": {wrongCode(key)}}), 422, "not right")
		before := b.sessionOf()
		b.expect(b.post("/account/two-factor/codes", url.Values{"code": {nextCode(key)}}), 200, "Your recovery codes")
		if b.sessionOf() == before {
			t.Fatal("the session was not rotated after new codes")
		}
		fresh := codeRe.FindAllStringSubmatch(b.last, -1)
		if len(fresh) != account.RecoveryCodeCount {
			t.Fatalf("%d new codes shown", len(fresh))
		}
		b.expect(b.post("/account/two-factor/disable", url.Values{"code": {old}}), 422, "not right or was used")
		if codeRe.MatchString(b.last) {
			t.Fatal("codes shown again on a refused form")
		}
		// Off, with a code of the new set.
		before = b.sessionOf()
		resp := b.post("/account/two-factor/disable", url.Values{"code": {fresh[4][1]}})
		if resp.StatusCode != 303 || b.sessionOf() == before {
			t.Fatalf("turn off: %d, rotated %v\n%.500s", resp.StatusCode, b.sessionOf() != before, b.last)
		}
		b.expect(b.get("/account"), 200, "authenticator app is removed", "Set up an authenticator app")
		if tf, err := ts.accounts.TwoFactorOf(ctx, m.reader.ID); err != nil || tf.Has() || tf.RecoveryLeft != 0 {
			t.Fatalf("after turning off: %+v %v", tf, err)
		}
		evs, _ := ts.accounts.Events(ctx, m.reader.ID, 10)
		kinds := map[string]int{}
		for _, e := range evs {
			kinds[e.Kind]++
		}
		if kinds[account.EventTOTPEnabled] != 1 || kinds[account.EventRecoveryCodesMade] != 2 || kinds[account.EventTOTPDisabled] != 1 ||
			kinds[account.EventRecoveryCodeUsed] != 1 {
			t.Fatalf("history %v", kinds)
		}
		// Signing in asks for a password only again.
		again := newBrowser(t, srv)
		if resp := again.post("/login", url.Values{"email": {m.reader.Email}, "password": {fixture.Password}}); location(resp) != "/" || again.sessionOf() == "" {
			t.Fatalf("sign-in after turning off: %d %q", resp.StatusCode, location(resp))
		}
	})
}
