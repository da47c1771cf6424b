package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/demo"
)

// TestBrowserDeleteAccount: a reader looks at the Your data panel, opens
// the deletion page, mistypes the password (the choice stays), then deletes
// the account with their comments and lands on the home page, signed out.
func TestBrowserDeleteAccount(t *testing.T) {
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "d.db"))
	defer stop()
	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must, text, location := b.must, b.text, b.location
	elementShot := func(sel, name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
		must("screenshot "+sel, err)
		must("save screenshot", writeArtifact(t, name, png))
	}
	recall := base + "/2012/05/15/supplier-fuel-line-fitting-prompts-compact-car-recall/"
	must("open the article", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(recall), chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	if c := text("#comments"); !strings.Contains(c, "Checked my VIN this morning") {
		t.Fatalf("the reader's comment is not on the article: %q", c)
	}

	must("sign in", chromedp.Do(ctx, chromedp.Navigate(base+"/login?return_to=/account"), chromedp.WaitVisible(chromedp.CSS("#login-email")),
		chromedp.SendKeys(chromedp.CSS("#login-email"), "jordan.pike@example.com"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#data-heading"))))
	if d := text("#data"); !strings.Contains(d, "Download my data") || !strings.Contains(d, "Delete my account") {
		t.Fatalf("data panel: %q", d)
	}
	elementShot("#data", "account-data-panel.png")

	must("to the deletion page", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#data a[href="/account/delete"]`)), chromedp.WaitVisible(chromedp.CSS("#delete-heading"))))
	b.shot("account-delete.png")
	must("wrong password", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#d-remove")),
		chromedp.SendKeys(chromedp.CSS("#d-password"), "not my password"),
		chromedp.Click(chromedp.CSS(`form[action="/account/delete"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".field-error"))))
	if e := text(".field-error"); !strings.Contains(e, "not your password") {
		t.Fatalf("wrong password: %q", e)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#d-remove').checked`))
	must("read the choice", err)
	if !kept {
		t.Fatal("the choice to remove comments was lost")
	}
	b.shot("account-delete-error.png")

	must("delete", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#d-password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/account/delete"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash"))))
	if f := text(".flash"); !strings.Contains(f, "Your account is deleted") || location() != base+"/" {
		t.Fatalf("after deletion: %q at %s", f, location())
	}
	if n := text(".account-nav"); !strings.Contains(n, "Sign in") && !strings.Contains(n, "Log in") {
		t.Fatalf("still signed in: %q", n)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must("screenshot", err)
	must("save screenshot", writeArtifact(t, "account-deleted.png", png))
	must("the article again", chromedp.Do(ctx, chromedp.Navigate(recall), chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	if c := text("article, main"); strings.Contains(c, "Checked my VIN this morning") || strings.Contains(c, "Jordan Pike") {
		t.Fatal("the removed comment is still shown")
	}
}

// TestBrowserPasswordlessAccount: a reader whose account has no password
// (made without one, as passkey and provider sign-ups are) sees "Set a
// password" and an address form without a password field, sets one, and
// sees the usual Password panel.
func TestBrowserPasswordlessAccount(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	base, stop := startServe(t, "--demo", "--database", path)
	defer stop()
	bg := context.Background()
	d, err := db.Open(bg, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	people := account.NewStore(d)
	kai, err := people.Create(bg, account.NewPerson{Email: "kai.lee@example.com", DisplayName: "Kai Lee", Country: "US", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := people.SignIn(bg, kai.ID, account.MethodLink, false, "test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}

	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must, text := b.must, b.text
	elementShot := func(sel, name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel)))
		must("screenshot "+sel, err)
		must("save screenshot", writeArtifact(t, name, png))
	}
	must("open the site", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/robots.txt")))
	_, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie = "byline_session=`+token+`; path=/"`))
	must("cookie", err)
	must("account", chromedp.Do(ctx, chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.CSS("#password-heading"))))
	if h := text("#password-heading"); h != "Set a password" {
		t.Fatalf("password panel: %q", h)
	}
	if e := text("#email"); strings.Contains(e, "Your password") {
		t.Fatalf("the address form asks for a password: %q", e)
	}
	elementShot("#email", "account-passwordless-email.png")
	elementShot("#password", "account-passwordless-password.png")
	must("deletion page without a password", chromedp.Do(ctx, chromedp.Navigate(base+"/account/delete"), chromedp.WaitVisible(chromedp.CSS("#d-email"))))
	b.shot("account-delete-passwordless.png")
	must("back to the account", chromedp.Do(ctx, chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.CSS("#password-heading"))))
	must("set a password", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#pw-new"), "a first good passphrase"),
		chromedp.Click(chromedp.CSS(`form[action="/account/password/set"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash"))))
	if f := text(".flash"); !strings.Contains(f, "Your password is set") {
		t.Fatalf("after setting a password: %q", f)
	}
	if h := text("#password-heading"); h != "Password" {
		t.Fatalf("password panel after setting one: %q", h)
	}
	must("deletion page", chromedp.Do(ctx, chromedp.Navigate(base+"/account/delete"), chromedp.WaitVisible(chromedp.CSS("#d-password"))))
}
