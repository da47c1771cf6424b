package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/dbtest/fixture"
	"byline/internal/oidctest"
)

// The end-to-end tests of social sign-in run Byline's real handlers and a
// real OpenID provider (zitadel's op, package oidctest) on 127.0.0.1; a
// browser with a cookie jar goes from the button to the provider and back.

type ssoSite struct {
	srv  *httptest.Server
	ts   testSite
	m    *magazine
	op   *oidctest.Provider
	prov account.Provider
	d    *db.DB
}

// newSSOSite serves the test magazine with one enabled provider.
func newSSOSite(t *testing.T, d *db.DB, preset string) *ssoSite {
	t.Helper()
	srv, ts, m := serveMagazine(t, d)
	s := &ssoSite{srv: srv, ts: ts, m: m, op: oidctest.New(t), d: d}
	s.prov = s.addProvider(t, "Testid", preset, s.op)
	return s
}

func (s *ssoSite) addProvider(t *testing.T, name, preset string, op *oidctest.Provider) account.Provider {
	t.Helper()
	in, err := account.ProviderInput{Name: name, Kind: account.ProviderOIDC, Preset: preset, Issuer: op.Issuer, ClientID: op.ClientID,
		ClientSecret: op.ClientSecret, Scopes: "email profile", Enabled: true}.Check(true)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.ts.accounts.SaveProvider(context.Background(), 0, in)
	if err != nil {
		t.Fatal(err)
	}
	op.AllowRedirect(fmt.Sprintf("%s/login/providers/%d/callback", s.srv.URL, p.ID))
	return p
}

// ssoBrowser follows redirects itself, so a test can stop at Byline's
// callback and alter what the provider sent.
type ssoBrowser struct {
	t    *testing.T
	site *ssoSite
	c    *http.Client
	body string
}

func (s *ssoSite) browser(t *testing.T) *ssoBrowser {
	jar, _ := cookiejar.New(nil)
	return &ssoBrowser{t: t, site: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *ssoBrowser) send(method, target string, form url.Values, headers ...string) *http.Response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.body = string(data)
	return resp
}

// post sends a form from Byline's own pages.
func (b *ssoBrowser) post(path string, form url.Values) *http.Response {
	return b.send("POST", b.site.srv.URL+path, form, "Sec-Fetch-Site", "same-origin", "Origin", b.site.srv.URL)
}

func (b *ssoBrowser) get(target string) *http.Response {
	if strings.HasPrefix(target, "/") {
		target = b.site.srv.URL + target
	}
	return b.send("GET", target, nil)
}

// start follows the provider's button (path: the sign-in or link link)
// and signs in at the provider; it returns the callback address the
// provider sent the browser to, not yet followed.
func (b *ssoBrowser) start(path string) *url.URL {
	b.t.Helper()
	resp := b.send("GET", b.site.srv.URL+path, nil, "Sec-Fetch-Site", "same-origin")
	for range 10 {
		if resp.StatusCode == http.StatusOK && strings.Contains(b.body, "<form") {
			b.t.Fatalf("the provider answered with a form, not a redirect:\n%.500s", b.body)
		}
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
			b.t.Fatalf("%s %s: %d, want a redirect\n%.800s", resp.Request.Method, resp.Request.URL, resp.StatusCode, b.body)
		}
		next, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
		if err != nil {
			b.t.Fatal(err)
		}
		if strings.HasPrefix(next.String(), b.site.srv.URL+"/login/providers/") {
			return next
		}
		resp = b.get(next.String())
	}
	b.t.Fatal("too many redirects before the callback")
	return nil
}

// signIn presses the sign-in button of prov.
func (b *ssoBrowser) signIn(prov account.Provider, returnTo string) *url.URL {
	return b.start(fmt.Sprintf("/login/providers/%d?return_to=%s", prov.ID, url.QueryEscape(returnTo)))
}

// expect checks the answer's status and words.
func (b *ssoBrowser) expect(resp *http.Response, status int, contains ...string) {
	b.t.Helper()
	if resp.StatusCode != status {
		b.t.Fatalf("%s %s: status %d, want %d\n%.1500s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, b.body)
	}
	for _, c := range contains {
		if !strings.Contains(b.body, c) {
			b.t.Fatalf("%s %s: body lacks %q\n%.3000s", resp.Request.Method, resp.Request.URL.Path, c, b.body)
		}
	}
}

// who returns the e-mail address of the signed-in person, or "".
func (b *ssoBrowser) who() string {
	b.t.Helper()
	resp := b.get("/account")
	if resp.StatusCode == http.StatusSeeOther {
		return ""
	}
	b.expect(resp, http.StatusOK)
	m := regexp.MustCompile(`<p class="profile-meta">([^ <]+) ·`).FindStringSubmatch(b.body)
	if m == nil {
		b.t.Fatalf("no address on /account:\n%.2000s", b.body)
	}
	return m[1]
}

func (b *ssoBrowser) cookie(name string) string {
	u, _ := url.Parse(b.site.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (s *ssoSite) identities(t *testing.T, userID int64) []account.LinkedIdentity {
	t.Helper()
	ids, err := s.ts.accounts.Identities(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (s *ssoSite) events(t *testing.T, userID int64) string {
	t.Helper()
	evs, err := s.ts.accounts.Events(context.Background(), userID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind+"="+e.Detail)
	}
	return strings.Join(out, "; ")
}

func TestProviderSignUpAndSignInAgain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSSOSite(t, d, "")
		ctx := context.Background()
		s.op.SignInAs(oidctest.User{Subject: "sub-ada", Email: "Ada.Byron@Example.net", EmailVerified: true, Name: "Ada Byron"})

		b := s.browser(t)
		b.expect(b.get("/login?return_to=/x"), http.StatusOK, "Sign in with Testid", fmt.Sprintf(`href="/login/providers/%d?return_to=%%2Fx"`, s.prov.ID))
		// Another site cannot start a sign-in: the reader sees the buttons.
		b.expect(b.send("GET", fmt.Sprintf("%s/login/providers/%d", s.srv.URL, s.prov.ID), nil, "Sec-Fetch-Site", "cross-site"), http.StatusOK, "Sign in with Testid")
		queries := d.QueryCount()
		cb := b.signIn(s.prov, s.m.leadPath)
		t.Logf("start (to the provider and back to the callback): %d queries", d.QueryCount()-queries)
		queries = d.QueryCount()
		began := time.Now()
		resp := b.get(cb.String())
		took, spent := time.Since(began), d.QueryCount()-queries
		b.expect(resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/account#profile" {
			t.Fatalf("a new account goes to its profile, went to %q", loc)
		}
		t.Logf("sign-up callback: %d queries, %s (exchange and key fetch included)", spent, took)
		b.expect(b.get("/account"), http.StatusOK, "Welcome! Your account is made", "Ada Byron", "ada.byron@example.net (confirmed)", "Sign-in providers", "Testid")

		p, err := s.ts.accounts.ByEmail(ctx, "ada.byron@example.net")
		if err != nil {
			t.Fatal(err)
		}
		if !p.Verified() || len(p.Roles) != 1 || p.Roles[0] != account.RoleReader || p.Country != "" {
			t.Fatalf("new account: verified %v, roles %v, country %q", p.Verified(), p.Roles, p.Country)
		}
		if ev := s.events(t, p.ID); !strings.Contains(ev, "signin=provider: Testid") || !strings.Contains(ev, "provider-linked=Testid") {
			t.Fatalf("history: %s", ev)
		}
		evs, err := s.ts.accounts.Events(ctx, p.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if e.IP != "127.0.0.1" {
				t.Fatalf("event %s recorded from %q: the GET callback must carry the address", e.Kind, e.IP)
			}
		}
		if ids := s.identities(t, p.ID); len(ids) != 1 || ids[0].Email != "ada.byron@example.net" {
			t.Fatalf("identities: %+v", ids)
		}

		// Signed out, the same identity signs in to the same account,
		// and returns where it started.
		b.post("/logout", url.Values{})
		if w := b.who(); w != "" {
			t.Fatalf("still signed in as %s", w)
		}
		cb = b.signIn(s.prov, s.m.leadPath)
		queries, began = d.QueryCount(), time.Now()
		resp = b.get(cb.String())
		took, spent = time.Since(began), d.QueryCount()-queries
		b.expect(resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != s.m.leadPath {
			t.Fatalf("sign-in returned to %q, want %q", loc, s.m.leadPath)
		}
		t.Logf("sign-in again callback: %d queries, %s", spent, took)
		if w := b.who(); w != "ada.byron@example.net" {
			t.Fatalf("signed in as %q", w)
		}
		// For comparison: a password sign-in.
		pw := s.browser(t)
		queries, began = d.QueryCount(), time.Now()
		pw.passwordSignIn(s.m.reader)
		t.Logf("password sign-in: %d queries, %s", d.QueryCount()-queries, time.Since(began))
		var n int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM users WHERE email = 'ada.byron@example.net'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d accounts for the address (%v)", n, err)
		}
	})
}

func TestProviderLinksByVerifiedEmailOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSSOSite(t, d, "")
		reader := s.m.reader // has a password and a confirmed address

		// The provider has not confirmed the address: no link, no sign-in,
		// and the same answer for an address without an account.
		for _, email := range []string{reader.Email, "nobody.here@example.net"} {
			s.op.SignInAs(oidctest.User{Subject: "sub-" + email, Email: email, EmailVerified: false})
			b := s.browser(t)
			b.expect(b.get(b.signIn(s.prov, "/").String()), http.StatusForbidden,
				"Testid has not confirmed that address; sign in with your password and link Testid from your account page", `action="/login"`)
			if w := b.who(); w != "" {
				t.Fatalf("signed in as %s with an unconfirmed address", w)
			}
		}
		if ids := s.identities(t, reader.ID); len(ids) != 0 {
			t.Fatalf("linked with an unconfirmed address: %+v", ids)
		}
		if _, err := s.ts.accounts.ByEmail(context.Background(), "nobody.here@example.net"); err == nil {
			t.Fatal("an account was made for an unconfirmed address")
		}

		// Confirmed: linked to the existing account and signed in.
		s.op.SignInAs(oidctest.User{Subject: "sub-reader", Email: strings.ToUpper(reader.Email), EmailVerified: true})
		b := s.browser(t)
		b.expect(b.get(b.signIn(s.prov, "/").String()), http.StatusSeeOther)
		if w := b.who(); w != reader.Email {
			t.Fatalf("signed in as %q, want %q", w, reader.Email)
		}
		if ids := s.identities(t, reader.ID); len(ids) != 1 {
			t.Fatalf("identities: %+v", ids)
		}
		if ev := s.events(t, reader.ID); !strings.Contains(ev, "provider-linked=Testid") || !strings.Contains(ev, "signin=provider: Testid") {
			t.Fatalf("history: %s", ev)
		}
	})
}

func TestProviderStateChecks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSSOSite(t, d, "")
		s.op.SignInAs(oidctest.User{Subject: "sub-s", Email: "s@example.net", EmailVerified: true})

		t.Run("tampered state", func(t *testing.T) {
			b := s.browser(t)
			cb := b.signIn(s.prov, "/")
			q := cb.Query()
			q.Set("state", q.Get("state")+"x")
			cb.RawQuery = q.Encode()
			b.expect(b.get(cb.String()), http.StatusBadRequest, "is not known here", `href="/password/forgot"`)
			if w := b.who(); w != "" {
				t.Fatalf("signed in as %s", w)
			}
		})
		t.Run("state from another browser", func(t *testing.T) {
			a, other := s.browser(t), s.browser(t)
			cb := a.signIn(s.prov, "/")
			other.expect(other.get(cb.String()), http.StatusBadRequest, "started in another browser")
			if w := other.who(); w != "" {
				t.Fatalf("the other browser is signed in as %s", w)
			}
			// Not spent by the other browser: the one that started finishes.
			a.expect(a.get(cb.String()), http.StatusSeeOther)
			if w := a.who(); w != "s@example.net" {
				t.Fatalf("signed in as %q", w)
			}
		})
		t.Run("replayed state and code", func(t *testing.T) {
			b := s.browser(t)
			cb := b.signIn(s.prov, "/")
			b.expect(b.get(cb.String()), http.StatusSeeOther)
			b.post("/logout", url.Values{})
			b.expect(b.get(cb.String()), http.StatusBadRequest, "was already used")
			if w := b.who(); w != "" {
				t.Fatalf("a replayed state signed in %s", w)
			}
			// The spent code with a fresh state of this browser: the
			// provider refuses it.
			fresh := b.signIn(s.prov, "/")
			q := fresh.Query()
			q.Set("code", cb.Query().Get("code"))
			fresh.RawQuery = q.Encode()
			before := s.op.TokenRequests()
			b.expect(b.get(fresh.String()), http.StatusBadRequest, "The answer from Testid could not be accepted")
			if s.op.TokenRequests() <= before {
				t.Fatal("the code was not taken to the provider")
			}
			if w := b.who(); w != "" {
				t.Fatalf("a replayed code signed in %s", w)
			}
		})
		t.Run("denied at the provider", func(t *testing.T) {
			b := s.browser(t)
			cb := b.signIn(s.prov, "/")
			q := url.Values{"state": {cb.Query().Get("state")}, "error": {"access_denied"}}
			cb.RawQuery = q.Encode()
			b.expect(b.get(cb.String()), http.StatusBadRequest, "You did not sign in at Testid.")
		})
	})
}

func TestProviderTokenChecks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSSOSite(t, d, "")
		s.op.SignInAs(oidctest.User{Subject: "sub-t", Email: "t@example.net", EmailVerified: true})
		for _, c := range []struct {
			name   string
			bad    oidctest.Misbehaviour
			status int
			says   string
		}{
			{"wrong issuer", oidctest.Misbehaviour{WrongIssuer: true}, http.StatusBadRequest, "could not be accepted"},
			{"expired ID token", oidctest.Misbehaviour{Expired: true}, http.StatusBadRequest, "could not be accepted"},
			{"wrong nonce", oidctest.Misbehaviour{WrongNonce: true}, http.StatusBadRequest, "could not be accepted"},
			{"unknown signing key", oidctest.Misbehaviour{RogueKey: true}, http.StatusBadRequest, "could not be accepted"},
			{"provider down", oidctest.Misbehaviour{Down: true}, http.StatusBadGateway, "Testid could not be reached just now"},
		} {
			t.Run(c.name, func(t *testing.T) {
				b := s.browser(t)
				cb := b.signIn(s.prov, "/")
				s.op.Misbehave(c.bad)
				defer s.op.Misbehave(oidctest.Misbehaviour{})
				b.expect(b.get(cb.String()), c.status, c.says, `action="/login"`)
				if w := b.who(); w != "" {
					t.Fatalf("signed in as %s", w)
				}
			})
		}
		if _, err := s.ts.accounts.ByEmail(context.Background(), "t@example.net"); err == nil {
			t.Fatal("a refused token made an account")
		}
		// A provider that is down before its first use: its discovery
		// fails when the button is followed.
		downOP := oidctest.New(t)
		downOP.Misbehave(oidctest.Misbehaviour{Down: true})
		down := s.addProvider(t, "Downid", "", downOP)
		b0 := s.browser(t)
		b0.expect(b0.send("GET", fmt.Sprintf("%s/login/providers/%d", s.srv.URL, down.ID), nil, "Sec-Fetch-Site", "same-origin"),
			http.StatusBadGateway, "Downid could not be reached just now", "Sign in with Testid")
		// And with nothing wrong, the same identity signs in.
		b := s.browser(t)
		b.expect(b.get(b.signIn(s.prov, "/").String()), http.StatusSeeOther)
		if w := b.who(); w != "t@example.net" {
			t.Fatalf("signed in as %q", w)
		}
	})
}

// passwordSignIn signs b in as p with the fixture's password.
func (b *ssoBrowser) passwordSignIn(p account.Person) {
	b.t.Helper()
	b.expect(b.post("/login", url.Values{"email": {p.Email}, "password": {fixture.Password}, "return_to": {"/account"}}), http.StatusSeeOther)
}

func TestProviderLinkAndUnlink(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSSOSite(t, d, "")
		reader := s.m.reader
		b := s.browser(t)
		b.passwordSignIn(reader)
		b.expect(b.get("/account"), http.StatusOK, "Sign-in providers", "No provider is linked", "Link Testid")
		before := b.cookie("byline_session")

		// Linking needs no matching address: the person proved both sides.
		s.op.SignInAs(oidctest.User{Subject: "sub-linked", Email: "elsewhere@example.org", EmailVerified: false})
		cb := b.start(fmt.Sprintf("/account/providers/%d/link", s.prov.ID))
		resp := b.get(cb.String())
		b.expect(resp, http.StatusSeeOther)
		if loc := resp.Header.Get("Location"); loc != "/account#providers" {
			t.Fatalf("after linking: %q", loc)
		}
		if after := b.cookie("byline_session"); after == "" || after == before {
			t.Fatal("the session was not rotated after linking")
		}
		b.expect(b.get("/account"), http.StatusOK, "The sign-in provider is linked", "elsewhere@example.org", "Unlink")
		ids := s.identities(t, reader.ID)
		if len(ids) != 1 {
			t.Fatalf("identities: %+v", ids)
		}
		if ev := s.events(t, reader.ID); !strings.Contains(ev, "provider-linked=Testid") {
			t.Fatalf("history: %s", ev)
		}

		// Another account cannot take the same identity.
		other := s.browser(t)
		other.passwordSignIn(s.m.commenter)
		cb = other.start(fmt.Sprintf("/account/providers/%d/link", s.prov.ID))
		other.expect(other.get(cb.String()), http.StatusConflict, "already linked to another account")

		// The identity signs in to the reader's account.
		fresh := s.browser(t)
		fresh.expect(fresh.get(fresh.signIn(s.prov, "/").String()), http.StatusSeeOther)
		if w := fresh.who(); w != reader.Email {
			t.Fatalf("signed in as %q", w)
		}

		// Unlinking is allowed: the password remains.
		before = b.cookie("byline_session")
		b.expect(b.post("/account/providers/unlink", url.Values{"identity": {fmt.Sprint(ids[0].ID)}}), http.StatusSeeOther)
		if after := b.cookie("byline_session"); after == "" || after == before {
			t.Fatal("the session was not rotated after unlinking")
		}
		if ids := s.identities(t, reader.ID); len(ids) != 0 {
			t.Fatalf("still linked: %+v", ids)
		}
		if ev := s.events(t, reader.ID); !strings.Contains(ev, "provider-unlinked=Testid") {
			t.Fatalf("history: %s", ev)
		}
		b.expect(b.post("/account/providers/unlink", url.Values{"identity": {"abc"}}), http.StatusUnprocessableEntity, "choose a linked provider")
		b.expect(b.post("/account/providers/unlink", url.Values{"identity": {fmt.Sprint(ids[0].ID)}}), http.StatusUnprocessableEntity, "not linked to your account")

		// An account made by a provider has a password only if it sets one.
		s.op.SignInAs(oidctest.User{Subject: "sub-only", Email: "only@example.net", EmailVerified: true, Username: "only"})
		only := s.browser(t)
		only.expect(only.get(only.signIn(s.prov, "/").String()), http.StatusSeeOther)
		p, err := s.ts.accounts.ByEmail(context.Background(), "only@example.net")
		if err != nil {
			t.Fatal(err)
		}
		if p.DisplayName != "only" {
			t.Fatalf("display name %q, want the user name", p.DisplayName)
		}
		// Its address is confirmed, which is a way in of its own (a link by
		// mail); without it, the provider is the last way in: refused.
		if _, err := s.ts.db.Exec(context.Background(), `UPDATE users SET email_verified_at = NULL WHERE id = $1`, p.ID); err != nil {
			t.Fatal(err)
		}
		oid := s.identities(t, p.ID)
		only.expect(only.post("/account/providers/unlink", url.Values{"identity": {fmt.Sprint(oid[0].ID)}}), http.StatusUnprocessableEntity,
			"this is your last way to sign in")
		if ids := s.identities(t, p.ID); len(ids) != 1 {
			t.Fatalf("the last way in was removed: %+v", ids)
		}
	})
}

// formPost reads the auto-submitting form a provider answers with for
// response_mode=form_post: its action and fields.
func formPost(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var action string
	vals := url.Values{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			switch n.Data {
			case "form":
				action = attr["action"]
			case "input":
				if attr["name"] != "" {
					vals.Set(attr["name"], attr["value"])
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if action == "" {
		t.Fatalf("no form in:\n%.1000s", page)
	}
	return action, vals
}

// Apple answers with a POST from its own site (form_post): the callback
// takes it, though cross-site, and checks it like a GET.
func TestProviderFormPostCallback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSSOSite(t, d, "apple")
		s.op.SignInAs(oidctest.User{Subject: "sub-apple", Email: "fp@example.net", EmailVerified: true})
		b := s.browser(t)
		resp := b.get(fmt.Sprintf("/login/providers/%d?return_to=/", s.prov.ID))
		if to, _ := url.Parse(resp.Header.Get("Location")); to == nil || to.Query().Get("response_mode") != "form_post" {
			t.Fatalf("Apple is asked to answer with a form: %s", resp.Header.Get("Location"))
		}
		for range 10 {
			if resp.StatusCode == http.StatusOK {
				break
			}
			next, _ := resp.Request.URL.Parse(resp.Header.Get("Location"))
			resp = b.get(next.String())
		}
		action, vals := formPost(t, b.body)
		if !strings.HasPrefix(action, s.srv.URL+"/login/providers/") || vals.Get("code") == "" || vals.Get("state") == "" {
			t.Fatalf("form_post to %q with %v", action, vals)
		}
		// Apple sends the person's name once, in the form, never in the token.
		vals.Set("user", `{"name":{"firstName":"Fiona","lastName":"Park"},"email":"fp@example.net"}`)
		opURL, _ := url.Parse(s.op.Issuer)
		resp = b.send("POST", action, vals, "Sec-Fetch-Site", "cross-site", "Origin", opURL.Scheme+"://"+opURL.Host)
		b.expect(resp, http.StatusSeeOther)
		if w := b.who(); w != "fp@example.net" {
			t.Fatalf("signed in as %q", w)
		}
		if p, err := s.ts.accounts.ByEmail(context.Background(), "fp@example.net"); err != nil || p.DisplayName != "Fiona Park" {
			t.Fatalf("the name Apple sent: %q %v", p.DisplayName, err)
		}
		// The same form posted again is refused.
		b.post("/logout", url.Values{})
		b.expect(b.send("POST", action, vals, "Sec-Fetch-Site", "cross-site"), http.StatusBadRequest, "was already used")
	})
}

func TestAdminProviderForm(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSSOSite(t, d, "")
		b := s.browser(t)
		b.passwordSignIn(s.m.editor)
		b.expect(b.get("/admin/settings"), http.StatusOK, `href="/admin/settings/providers"`)
		b.expect(b.get("/admin/settings/providers"), http.StatusOK, "Testid", "OpenID Connect", "Google", "Microsoft", "Apple", "GitHub")
		b.expect(b.get("/admin/settings/providers/new?preset=apple"), http.StatusOK, `value="https://appleid.apple.com"`, "a JWT you generate")

		// A provider whose discovery fails: the reason, and what was typed.
		dead := httptest.NewServer(http.NotFoundHandler())
		defer dead.Close()
		form := url.Values{"name": {"Broken"}, "label": {"Sign in with Broken"}, "kind": {"oidc"}, "issuer": {dead.URL},
			"client_id": {"cid-123"}, "client_secret": {"very-secret-value-1"}, "scopes": {"email"}, "position": {"3"}, "enabled": {"1"}}
		b.expect(b.post("/admin/settings/providers", form), http.StatusUnprocessableEntity,
			"Could not read it", "404 Not Found", `value="cid-123"`, `value="Sign in with Broken"`, `value="`+dead.URL+`"`)
		if strings.Contains(b.body, "very-secret-value-1") {
			t.Fatal("the secret was sent back")
		}
		form.Set("issuer", "ftp://x")
		b.expect(b.post("/admin/settings/providers", form), http.StatusUnprocessableEntity, "the issuer must use https")

		// A working one is saved; its secret is never shown again, and a
		// blank secret keeps it.
		op := oidctest.New(t)
		form.Set("issuer", op.Issuer)
		form.Set("client_secret", op.ClientSecret)
		resp := b.post("/admin/settings/providers", form)
		b.expect(resp, http.StatusSeeOther)
		b.expect(b.get(resp.Header.Get("Location")), http.StatusOK, "Sign-in provider saved", "/callback", "stored (")
		if strings.Contains(b.body, op.ClientSecret) {
			t.Fatal("the stored secret is shown")
		}
		form.Set("client_secret", "")
		form.Set("label", "Use Broken")
		b.expect(b.post(resp.Header.Get("Location"), form), http.StatusSeeOther)
		ps, err := s.ts.accounts.Providers(context.Background(), false)
		if err != nil {
			t.Fatal(err)
		}
		var saved account.Provider
		for _, p := range ps {
			if p.Name == "Broken" {
				saved = p
			}
		}
		if saved.Label != "Use Broken" || saved.Secret() != op.ClientSecret || saved.Position != 3 || !saved.Enabled {
			t.Fatalf("saved: %+v (secret kept: %v)", saved, saved.Secret() == op.ClientSecret)
		}
		anon := s.browser(t)
		anon.expect(anon.get("/login"), http.StatusOK, "Use Broken", "Sign in with Testid")

		// GitHub needs no issuer: nothing to discover.
		gh := url.Values{"name": {"GitHub"}, "kind": {"github"}, "client_id": {"gh-id"}, "client_secret": {"gh-secret"},
			"scopes": {"read:user user:email"}, "position": {"1"}, "preset": {"github"}}
		b.expect(b.post("/admin/settings/providers", gh), http.StatusSeeOther)

		// Same name: refused with the reason.
		form.Set("name", "Testid")
		form.Set("client_secret", op.ClientSecret)
		b.expect(b.post("/admin/settings/providers", form), http.StatusUnprocessableEntity, "another provider has that name")

		// Readers may not open it.
		r := s.browser(t)
		r.passwordSignIn(s.m.reader)
		r.expect(r.get("/admin/settings/providers"), http.StatusForbidden)
	})
}

// FuzzProviderCallback sends arbitrary state, code and error values, huge
// or binary, by GET and by POST: the answer is never a 5xx.
func FuzzProviderCallback(f *testing.F) {
	d := dbtest.SQLite(f)
	h := newHandler(f, d, "http://127.0.0.1:8080")
	op := oidctest.New(f)
	in, err := account.ProviderInput{Name: "Fuzzid", Kind: account.ProviderOIDC, Issuer: op.Issuer, ClientID: op.ClientID,
		ClientSecret: op.ClientSecret, Enabled: true}.Check(true)
	if err != nil {
		f.Fatal(err)
	}
	p, err := account.NewStore(d).SaveProvider(context.Background(), 0, in)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(false, "abc", "code", "", "")
	f.Add(true, "", "", "access_denied", "")
	f.Add(false, strings.Repeat("s", 70000), strings.Repeat("c", 5000), "", "x")
	f.Add(true, "\x00\xff\xfe", "\x80", "server_error\n", "\x00")
	f.Add(false, "%zz", "a&b=c", "<script>", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")
	f.Fuzz(func(t *testing.T, post bool, state, code, errParam, cookie string) {
		v := url.Values{"state": {state}, "code": {code}}
		if errParam != "" {
			v.Set("error", errParam)
		}
		target := fmt.Sprintf("/login/providers/%d/callback", p.ID)
		var req *http.Request
		if post {
			req = httptest.NewRequest(http.MethodPost, target, strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
		} else {
			req = httptest.NewRequest(http.MethodGet, target+"?"+v.Encode(), nil)
		}
		if cookie != "" {
			req.AddCookie(&http.Cookie{Name: "byline_signin_flow", Value: url.QueryEscape(cookie)})
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s: %d\n%.500s", req.Method, rec.Code, rec.Body.String())
		}
	})
}
