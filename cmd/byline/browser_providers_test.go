package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"byline/internal/demo"
	"byline/internal/oidctest"
)

// TestBrowserSignInProvider: an admin adds an OpenID Connect provider in
// Settings (a dead issuer first, refused with the reason), a reader
// signs in with it from /login through a real provider, and finds it on
// the account page.
func TestBrowserSignInProvider(t *testing.T) {
	op := oidctest.New(t)
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "p.db"))
	defer stop()
	dead := httptest.NewServer(http.NotFoundHandler())
	defer dead.Close()
	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must, text, location, shot := b.must, b.text, b.location, b.shot

	must("admin sign in", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/admin/settings/providers"),
		chromedp.WaitVisible(chromedp.CSS("#login-email")),
		chromedp.SendKeys(chromedp.CSS("#login-email"), "helen.marsh@motorledger.example"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".preset-list"))))
	shot("providers-list.png")
	must("new provider", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.preset-list a[href="/admin/settings/providers/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#pv-issuer")),
		chromedp.SendKeys(chromedp.CSS("#pv-name"), "Example ID"),
		chromedp.SendKeys(chromedp.CSS("#pv-label"), "Sign in with Example ID"),
		chromedp.SendKeys(chromedp.CSS("#pv-issuer"), dead.URL),
		chromedp.SendKeys(chromedp.CSS("#pv-client"), op.ClientID),
		chromedp.SendKeys(chromedp.CSS("#pv-secret"), op.ClientSecret),
		chromedp.SetValue(chromedp.CSS("#pv-scopes"), "email profile"),
		chromedp.Click(chromedp.CSS(`form.settings button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".form-error"))))
	if e := text("#pv-issuer-error"); !strings.Contains(e, "Could not read it") || !strings.Contains(e, "404") {
		t.Fatalf("issuer error: %q", e)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#pv-client').value + '|' + document.querySelector('#pv-secret').value`))
	must("kept values", err)
	if kept != op.ClientID+"|" {
		t.Fatalf("kept %q: the client ID stays, the secret is not sent back", kept)
	}
	shot("provider-discovery-failed.png")
	must("fix issuer", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#pv-issuer"), op.Issuer),
		chromedp.SendKeys(chromedp.CSS("#pv-secret"), op.ClientSecret),
		chromedp.Click(chromedp.CSS(`form.settings button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash"))))
	if f := text(".flash"); f != "Sign-in provider saved." {
		t.Fatalf("flash %q", f)
	}
	callback := text("form.settings fieldset:nth-of-type(2) code")
	if !strings.HasPrefix(callback, base+"/login/providers/") || !strings.HasSuffix(callback, "/callback") {
		t.Fatalf("callback address %q", callback)
	}
	op.AllowRedirect(callback)
	shot("provider-form.png")

	// Signed out, a reader uses the button.
	must("sign out", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.account-nav a[href^="/login"]`))))
	must("login page", chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(".provider-buttons"))))
	if l := text(".provider-buttons a"); l != "Sign in with Example ID" {
		t.Fatalf("button %q", l)
	}
	shot("login-providers.png")
	must("register page", chromedp.Do(ctx, chromedp.Navigate(base+"/register"), chromedp.WaitVisible(chromedp.CSS(".provider-buttons"))))
	shot("register-providers.png")
	must("back to login", chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS(".provider-buttons"))))
	op.SignInAs(oidctest.User{Subject: "reader-1", Email: "grace.ho@example.net", EmailVerified: true, Name: "Grace Ho"})
	must("sign in with the provider", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".provider-buttons a")),
		chromedp.WaitVisible(chromedp.CSS("#providers"))))
	if l := location(); l != base+"/account#profile" {
		t.Fatalf("landed on %s", l)
	}
	if f := text(".flash"); !strings.HasPrefix(f, "Welcome!") {
		t.Fatalf("flash %q", f)
	}
	if p := text("#providers"); !strings.Contains(p, "Example ID") || !strings.Contains(p, "grace.ho@example.net") || !strings.Contains(p, "Unlink") {
		t.Fatalf("providers panel: %q", p)
	}
	must("scroll", chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#providers"))))
	shot("account-providers.png")

	// The address the provider confirmed is a way in of its own (a link by
	// mail), so the provider can be unlinked, and linked again after. (The
	// refusal to unlink a last way in is tested in internal/web.)
	must("unlink", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".flash").forEach(e => e.remove())`),
		chromedp.Click(chromedp.CSS(`form[action="/account/providers/unlink"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash"))))
	if f := text(".flash"); !strings.Contains(f, "unlinked") {
		t.Fatalf("after unlinking: %q", f)
	}
	if p := text("#providers"); !strings.Contains(p, "Link Example ID") {
		t.Fatalf("providers panel after unlinking: %q", p)
	}
	shot("account-providers-unlinked.png")
}
