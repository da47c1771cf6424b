package web_test

import (
	"net/url"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/dbtest/fixture"
)

// TestSignInCost prints what each way of signing in costs, in statements
// and time, from the first request to the signed-in answer, next to a
// password alone (whose time is mostly the password hash). Passkeys and
// providers print theirs in TestPasskeySignIn and
// TestProviderSignUpAndSignInAgain. Run with -v to see the figures.
func TestSignInCost(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, smtp, ts, m := magazineSite(t, d)
		measure := func(what string, steps func()) {
			before, began := d.QueryCount(), time.Now()
			steps()
			t.Logf("%s: %s: %d statements, %v", d.Engine, what, d.QueryCount()-before, time.Since(began).Round(100*time.Microsecond))
		}

		measure("password", func() {
			b := newBrowser(t, srv)
			b.expect(b.post("/login", url.Values{"email": {m.reader.Email}, "password": {fixture.Password}}), 303)
			if b.sessionOf() == "" {
				t.Fatal("not signed in")
			}
		})

		secret, _ := enrol(t, ts, m.editor)
		measure("password and authenticator code", func() {
			b := newBrowser(t, srv)
			b.expect(b.post("/login", url.Values{"email": {m.editor.Email}, "password": {fixture.Password}}), 303)
			b.expect(b.post("/login/two-factor", url.Values{"code": {nextCode(secret)}}), 303)
			if b.sessionOf() == "" {
				t.Fatal("not signed in")
			}
		})

		b := newBrowser(t, srv)
		measure("ask for an e-mailed link", func() {
			b.expect(b.post("/login/link", url.Values{"link_email": {m.commenter.Email}}), 303)
		})
		_, link := linkTo(t, smtp, m.commenter.Email)
		measure("open the link and press its button", func() {
			b.expect(b.get(link), 200)
			b.expect(b.post("/login/link/use", url.Values{"token": {signInLink.FindStringSubmatch(link)[1]}}), 303)
			if b.sessionOf() == "" {
				t.Fatal("not signed in")
			}
		})
	})
}
