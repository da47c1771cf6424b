package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/demo"
	"byline/internal/site"
)

// TestBrowserTwoFactor: the editor-in-chief sets up an authenticator app
// from the account page (QR code, key, a code, recovery codes), signs out,
// signs in again with the password and a code computed as the app would,
// resets a moderator's second factor from People, and requires two-factor
// of staff, whose pages then carry the banner.
func TestBrowserTwoFactor(t *testing.T) {
	ctx0 := context.Background()
	path := filepath.Join(t.TempDir(), "tf.db")
	base, stop := startServe(t, "--demo", "--database", path)
	defer stop()
	// A moderator with an app already, for the admin's reset.
	d, err := db.Open(ctx0, path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	people := account.NewStore(d)
	marcus, err := people.Find(ctx0, "marcus.delaney@motorledger.example")
	if err != nil {
		t.Fatal(err)
	}
	setup, err := people.BeginTOTP(ctx0, marcus, "Motor Ledger")
	if err != nil {
		t.Fatal(err)
	}
	code, _ := account.TOTPCode(setup.Secret, time.Now())
	if _, err := people.ConfirmTOTP(ctx0, marcus.ID, code); err != nil {
		t.Fatal(err)
	}

	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must, text, location, shot := b.must, b.text, b.location, b.shot
	// signIn opens path, signs in on the form it leads to, and waits for sel.
	signIn := func(path, email, password, sel string) {
		t.Helper()
		must("sign in at "+path, chromedp.Do(ctx, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS("#login-email")),
			chromedp.SendKeys(chromedp.CSS("#login-email"), email),
			chromedp.SendKeys(chromedp.CSS("#login-password"), password),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button`)), chromedp.WaitVisible(chromedp.CSS(sel))))
	}

	// Set up: the account page's panel leads to the walk-through.
	must("viewport", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
	signIn("/account", "helen.marsh@motorledger.example", demo.Password, "#two-factor-heading")
	must("set up", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#two-factor form[action="/account/two-factor/setup"] button`)),
		chromedp.WaitVisible(chromedp.CSS("img.qr"))))
	shot("twofactor-setup.png")
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('img.qr').naturalWidth === 240`))
	must("QR code", err)
	if !loaded {
		t.Fatal("the QR code did not load")
	}
	secret := strings.ReplaceAll(text("code.secret"), " ", "")
	code, _ = account.TOTPCode(secret, time.Now())
	must("confirm", chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#setup-code"), code),
		chromedp.Click(chromedp.CSS(`form[action="/account/two-factor/confirm"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".recovery-codes"))))
	shot("twofactor-codes.png")
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.recovery-codes li').length`)); err != nil || n != 10 {
		t.Fatalf("%d recovery codes shown (%v)", n, err)
	}
	must("account", chromedp.Do(ctx, chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.CSS("#two-factor-heading"))))
	if p := text("#two-factor"); !strings.Contains(p, "On:") || !strings.Contains(p, "10 recovery codes left") {
		t.Fatalf("account panel: %q", p)
	}
	must("scroll", chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#two-factor"))))
	shot("account-twofactor.png")

	// Sign out, and in again: the password, then the app's code.
	must("sign out", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.account-nav form button`)),
		chromedp.WaitVisible(chromedp.CSS(`.account-nav a[href^="/login"]`))))
	signIn("/admin/people", "helen.marsh@motorledger.example", demo.Password, "#tf-code")
	if l := location(); l != base+"/login/two-factor" {
		t.Fatalf("after the password: %s", l)
	}
	shot("twofactor-signin.png")
	code, _ = account.TOTPCode(secret, time.Now().Add(30*time.Second)) // the confirming code's step is spent
	must("code", chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#tf-code"), code),
		chromedp.Click(chromedp.CSS(`form[action="/login/two-factor"] button`)), chromedp.WaitVisible(chromedp.CSS("table.dense"))))
	if l := location(); l != base+"/admin/people" {
		t.Fatalf("after the code: %s", l)
	}

	// The moderator lost their phone: the admin resets it.
	must("person", chromedp.Do(ctx, chromedp.Navigate(fmt.Sprintf("%s/admin/people/%d", base, marcus.ID)),
		chromedp.WaitVisible(chromedp.CSS("#two-factor-heading"))))
	if p := text("#two-factor"); !strings.Contains(p, "10 of 10") {
		t.Fatalf("person panel: %q", p)
	}
	must("scroll", chromedp.Do(ctx, chromedp.ScrollIntoView(chromedp.CSS("#two-factor"))))
	shot("admin-person-twofactor.png")
	must("reset", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#tf-reset-confirm")),
		chromedp.Click(chromedp.CSS(`form[action$="/two-factor/reset"] button`)), chromedp.WaitVisible(chromedp.CSS(".flash"))))
	if f := text(".flash"); !strings.Contains(f, "second factor is reset") {
		t.Fatalf("after reset: %q", f)
	}
	if tf, err := people.TwoFactorOf(ctx0, marcus.ID); err != nil || tf.TOTP {
		t.Fatalf("the moderator's app after the reset: %+v %v", tf, err)
	}

	// Require it of staff; another staff member without one sees the banner.
	must("settings", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/settings"), chromedp.WaitVisible(chromedp.CSS("#s-2fa")),
		chromedp.Click(chromedp.CSS("#s-2fa")), chromedp.Submit(chromedp.CSS("#s-2fa")), chromedp.WaitVisible(chromedp.CSS(".flash"))))
	must("sign out", chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.Click(chromedp.CSS(`.account-nav form button`)),
		chromedp.WaitVisible(chromedp.CSS(`.account-nav a[href^="/login"]`))))
	signIn("/admin/comments", "ruth.okafor@motorledger.example", demo.Password, `.admin-main .notice a[href="/account/two-factor"]`)
	if n := text(".admin-main .notice"); !strings.Contains(n, "within 7 days") {
		t.Fatalf("banner: %q", n)
	}
	shot("admin-twofactor-banner.png")

	// The grace is over (turned on eight days ago, for staff older than
	// that): staff pages send her to the setup, which says why.
	if _, err := d.Exec(ctx0, `UPDATE users SET created_at = $1`, time.Now().AddDate(0, -1, 0)); err != nil {
		t.Fatal(err)
	}
	settings := site.NewStore(d)
	st, err := settings.Load(ctx0, site.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	st.TwoFactorSince = time.Now().Add(-8 * 24 * time.Hour)
	if err := settings.Save(ctx0, st); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute) // the server rereads its settings every few seconds
	for {
		must("staff page", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/comments"), chromedp.WaitReady(chromedp.CSS("h1"))))
		if strings.HasPrefix(location(), base+"/account/two-factor") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("staff pages still open after the grace: %s", location())
		}
		time.Sleep(500 * time.Millisecond)
	}
	if n := text("main .notice"); !strings.Contains(n, "Set up a second factor to continue") {
		t.Fatalf("the setup page says %q", n)
	}
	shot("twofactor-required.png")
}
