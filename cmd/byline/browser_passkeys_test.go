package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"byline/internal/mail/mailtest"
)

// authenticator gives the tab a virtual platform authenticator (DevTools'
// WebAuthn domain): resident keys, user verification that succeeds, no
// prompt. With cred, it starts out holding that passkey.
func authenticator(id *webauthn.AuthenticatorID, cred *webauthn.Credential) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		off := false
		if _, err := cdp.Call(ctx, tg, webauthn.Enable, webauthn.EnableParams{EnableUI: &off}); err != nil {
			return chromedp.Void{}, err
		}
		res, err := cdp.Call(ctx, tg, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol: webauthn.AuthenticatorProtocolCtap2, Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
			HasCmtgKey: cred != nil}}) // a passkey exported from another authenticator carries that extension's fields
		if err != nil {
			return chromedp.Void{}, err
		}
		*id = res.AuthenticatorID
		if cred != nil {
			_, err = cdp.Call(ctx, tg, webauthn.AddCredential, webauthn.AddCredentialParams{AuthenticatorID: *id, Credential: cred})
		}
		return chromedp.Void{}, err
	}
}

// presence turns the authenticator's automatic answer on or off: off, a
// request waits, as one does for a person who has not touched anything.
func presence(id webauthn.AuthenticatorID, on bool) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, webauthn.SetAutomaticPresenceSimulation, webauthn.SetAutomaticPresenceSimulationParams{AuthenticatorID: id, Enabled: on})
		return chromedp.Void{}, err
	}
}

// removeAuthenticator takes a virtual authenticator away (a lost phone),
// returning the passkeys it held.
func removeAuthenticator(id webauthn.AuthenticatorID, held *[]*webauthn.Credential) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		res, err := cdp.Call(ctx, tg, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id})
		if err != nil {
			return chromedp.Void{}, err
		}
		*held = res.Credentials
		_, err = cdp.Call(ctx, tg, webauthn.RemoveVirtualAuthenticator, webauthn.RemoveVirtualAuthenticatorParams{AuthenticatorID: id})
		return chromedp.Void{}, err
	}
}

// TestBrowserPasskeys: a new reader signs up with a passkey alone, signs in
// with it, adds a passkey from a second device and removes the first (the
// last is kept), signs in with the second, and a sign-in with the removed
// one is refused with a clear message.
func TestBrowserPasskeys(t *testing.T) {
	smtp := mailtest.Start(t)
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "p.db"), "--smtp", smtp.URL())
	defer stop()
	// Passkeys need a host name: the same server, as localhost.
	site := "http://localhost:" + base[strings.LastIndex(base, ":")+1:]
	ctx := newChromium(t, 180*time.Second)
	b := tab{t, ctx}
	must, text, location := b.must, b.text, b.location
	status := func() string {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("[data-passkey-status]")).map(e => e.textContent).join(" ")`))
		must("read status", err)
		return s
	}
	panel := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("#passkeys")))
		must("screenshot panel", err)
		must("save", writeArtifact(t, name, png))
	}

	var first, second, third webauthn.AuthenticatorID
	must("open sign-up", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(site+"/register"),
		authenticator(&first, nil), chromedp.WaitVisible(chromedp.CSS("[data-passkey-signup]"))))

	// Sign up with a passkey alone: no password, no country.
	must("sign up", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#reg-email"), "robin.key@example.com"),
		chromedp.SendKeys(chromedp.CSS("#reg-name"), "Robin Key")))
	b.shot("passkey-register.png")
	// The passkey is made; the page asks to check the mail and moves to
	// the sign-in page, where the browser's autofill request (conditional
	// mediation) finds the new passkey: this virtual authenticator answers
	// it at once, as a person picking it from the e-mail field would.
	signedIn := chromedp.WaitVisible(chromedp.CSS(`.account-nav form[action="/logout"]`))
	must("create with a passkey", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-passkey-signup]")), signedIn))
	if f := text(".flash"); !strings.Contains(f, "You are signed in") {
		t.Fatalf("after sign-up and autofill: %q at %s", f, location())
	}
	msgs := smtp.Wait(t, 1, 2*time.Minute)
	link := regexp.MustCompile(`http://[^\s]+/verify\?token=[A-Za-z0-9_-]+`).FindString(msgs[0].Text)
	if link == "" || msgs[0].To[0] != "robin.key@example.com" {
		t.Fatalf("verification mail to %v:\n%s", msgs[0].To, msgs[0].Text)
	}
	must("verify", chromedp.Do(ctx, chromedp.Navigate(strings.Replace(link, base, site, 1)), chromedp.WaitVisible(chromedp.CSS("h1"))))
	signedOut := chromedp.WaitVisible(chromedp.CSS(`.account-nav a[href^="/login"]`))
	must("sign out", chromedp.Do(ctx, chromedp.Navigate(site+"/"), chromedp.Click(chromedp.CSS(`.account-nav form button`)), signedOut))

	// /login, with the device not answering by itself: the page has asked
	// for a passkey for the autofill, and shows the button, in light and dark.
	must("login page", chromedp.Do(ctx, presence(first, false), chromedp.Navigate(site+"/login"), chromedp.WaitVisible(chromedp.CSS("[data-passkey-login]"))))
	if auto, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#login-email").autocomplete`)); err != nil || auto != "username webauthn" {
		t.Fatalf("e-mail field autocomplete %q, %v", auto, err)
	}
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](`performance.getEntriesByType("resource").some(e => e.name.endsWith("/passkeys/login/begin"))`, chromedp.WithPollingTimeout(time.Minute)))
	must("the page asked for a passkey for the autofill", err)
	b.shot("passkey-login.png")
	must("dark", chromedp.Do(ctx, colorScheme("dark")))
	b.shot("passkey-login-dark.png")
	must("light", chromedp.Do(ctx, colorScheme("light")))
	if s := status(); s != "" {
		t.Fatalf("the page says %q before anything was asked", s)
	}

	// Sign in with the button: no address typed.
	must("presence", chromedp.Do(ctx, presence(first, true)))
	start := time.Now()
	must("sign in", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-passkey-login]")), signedIn))
	t.Logf("a passkey sign-in took %v from the click to the signed-in page", time.Since(start))
	if f := text(".flash"); !strings.Contains(f, "You are signed in") {
		t.Fatalf("after passkey sign-in: %q", f)
	}

	// A second device: the first goes away (its passkey kept aside), the
	// second adds a passkey from the account page.
	var lost []*webauthn.Credential
	must("second device", chromedp.Do(ctx, removeAuthenticator(first, &lost), authenticator(&second, nil),
		chromedp.Navigate(site+"/account#passkeys"), chromedp.WaitVisible(chromedp.CSS("form[data-passkey-add] button"))))
	if len(lost) != 1 {
		t.Fatalf("the first authenticator held %d passkeys", len(lost))
	}
	must("add passkey", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#pk-new-name"), "Robin's phone"),
		chromedp.Click(chromedp.CSS("form[data-passkey-add] button")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.WaitVisible(chromedp.CSS("#passkeys table"))))
	if f := text(".flash"); !strings.Contains(f, "passkey is added") {
		t.Fatalf("after adding: %q / %q", f, status())
	}
	if p := text("#passkeys table"); !strings.Contains(p, "Passkey") || !strings.Contains(p, "Robin's phone") {
		t.Fatalf("passkeys panel: %q", p)
	}
	dismiss := chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".flash").forEach(e => e.remove())`)
	must("dismiss", chromedp.Do(ctx, dismiss))
	panel("passkey-account.png")
	must("dark", chromedp.Do(ctx, colorScheme("dark")))
	panel("passkey-account-dark.png")
	must("light", chromedp.Do(ctx, colorScheme("light")))

	// Remove the first passkey with the plain form; the last one stays.
	must("remove first", chromedp.Do(ctx, dismiss, chromedp.Click(chromedp.CSS(`#passkeys tbody tr:first-child form[action="/account/passkeys/remove"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash"))))
	if f := text(".flash"); !strings.Contains(f, "removed") {
		t.Fatalf("after removing: %q", f)
	}
	if p := text("#passkeys table"); strings.Contains(p, "Passkey ") || !strings.Contains(p, "Robin's phone") {
		t.Fatalf("passkeys panel after removing: %q", p)
	}
	// (The address is confirmed, which is a way in of its own, so the last
	// passkey could go too; the refusal to remove a last way in is tested
	// in internal/account and internal/web.)

	// Sign out, and in again with the second device's passkey (through
	// the autofill request, which it answers at once).
	// (From the home page: signing out of /account would lead to /login,
	// where this device's autofill signs straight back in.)
	must("sign out", chromedp.Do(ctx, chromedp.Navigate(site+"/"), chromedp.Click(chromedp.CSS(`.account-nav form button`)), signedOut))
	must("sign in again", chromedp.Do(ctx, chromedp.Navigate(site+"/login"), signedIn))
	if f := text(".flash"); !strings.Contains(f, "You are signed in") {
		t.Fatalf("after signing in with the second passkey: %q", f)
	}
	must("sign out again", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.account-nav form button`)), signedOut))

	// The removed passkey, on a device that still holds it: refused, and
	// the page says why.
	var gone []*webauthn.Credential
	must("old device", chromedp.Do(ctx, removeAuthenticator(second, &gone), authenticator(&third, lost[0]),
		chromedp.Navigate(site+"/login"), chromedp.WaitVisible(chromedp.CSS("[data-passkey-login]"))))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`!document.querySelector("[data-passkey-status]").textContent.startsWith("Checking") && document.querySelector("[data-passkey-status]").textContent.length > 0`, chromedp.WithPollingTimeout(time.Minute)))
	must("wait for the refusal", err)
	if s := status(); !strings.Contains(s, "not known here") {
		t.Fatalf("sign-in with the removed passkey: %q", s)
	}
	if !strings.HasPrefix(location(), site+"/login") {
		t.Fatalf("left the sign-in page: %s", location())
	}
	b.shot("passkey-refused.png")
}
