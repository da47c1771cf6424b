package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
