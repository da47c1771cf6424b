package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"byline/internal/demo"
	"byline/internal/mail/mailtest"
)

// newChromium starts a headless Chromium for a test and returns a context
// whose actions run in it, bounded by timeout.
func newChromium(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	timeout = max(timeout, 5*time.Minute) // a busy machine is slow, not broken
	exe := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.Headless,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true), chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	// Start the browser without a deadline (a deadline on the first run
	// would end the browser with it); later steps get one.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(cancel)
	return ctx
}

// tab is a browser tab in a test, with the steps every browser test uses.
type tab struct {
	t   *testing.T
	ctx context.Context
}

// must stops the test when a step failed.
func (b tab) must(step string, err error) {
	b.t.Helper()
	if err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// text is the visible text of the first element sel matches, spaces folded.
// It is found and read in one script, waiting until there is one: live
// updates may replace an element between a lookup and a read.
func (b tab) text(sel string) string {
	b.t.Helper()
	q, err := json.Marshal(sel)
	b.must("selector "+sel, err)
	got, err := chromedp.Run(b.ctx, chromedp.Poll[[]string](`(() => { const e = document.querySelector(`+string(q)+`); return e ? [e.innerText] : null })()`,
		chromedp.WithPollingTimeout(time.Minute)))
	b.must("read "+sel, err)
	if len(got) != 1 {
		b.t.Fatalf("read %s: %v", sel, got)
	}
	return strings.Join(strings.Fields(got[0]), " ")
}

// waitFor polls a condition across navigations (a form post reloads the
// page; a check started on the old page must not pass), with a generous
// deadline for a busy machine.
func (b tab) waitFor(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("waiting for %s", what)
}

// shot keeps a full-page screenshot with the test's artifacts.
func (b tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	b.must("screenshot", err)
	b.must("save screenshot", writeArtifact(b.t, name, png))
}

// location is the tab's address.
func (b tab) location() string {
	b.t.Helper()
	l, err := chromedp.Run(b.ctx, chromedp.Location())
	b.must("location", err)
	return l
}

// TestBrowserAccount: a reader registers from an article, gets the
// confirmation mail from the SMTP server, confirms, signs out, signs in
// and lands back on the article; then an admin looks at People and Mail.
func TestBrowserAccount(t *testing.T) {
	smtp := mailtest.Start(t)
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "a.db"), "--smtp", smtp.URL())
	defer stop()
	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must, text, location, shot := b.must, b.text, b.location, b.shot
	article := base + "/2012/04/05/infiniti-to-move-production-out-of-japan/"

	// From the article's "Sign in with a password" link to the sign-in page, then to sign-up.
	must("open article", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(article),
		chromedp.Click(chromedp.CSS(`#respond a[href^="/login"]`)), chromedp.WaitVisible(chromedp.CSS("#login-email"))))
	must("to register", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.aside a[href^="/register"]`)), chromedp.WaitVisible(chromedp.CSS("#reg-email"))))
	// A mistake first: the form keeps what was typed.
	must("fill", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#reg-email"), "sam.rivera@example.com"),
		chromedp.SendKeys(chromedp.CSS("#reg-name"), "Sam Rivera"),
		chromedp.SetValue(chromedp.CSS("#reg-country"), "CA"),
		chromedp.SendKeys(chromedp.CSS("#reg-password"), "short"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".form-error"))))
	if e := text(".field-error"); !strings.Contains(e, "at least 10 characters") {
		t.Fatalf("password error: %q", e)
	}
	name, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#reg-name').value`))
	must("kept name", err)
	if name != "Sam Rivera" {
		t.Fatalf("the form lost the name: %q", name)
	}
	shot("register-error.png")
	must("fix", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#reg-password"), "my first passphrase"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash"))))
	// Signing up signs nobody in (the answer is the same for a taken
	// address): the reader is asked to check the mail, on the sign-in page.
	if f := text(".flash"); !strings.Contains(f, "Check your mail to finish") || !strings.HasPrefix(location(), base+"/login") {
		t.Fatalf("after sign-up: %q at %s", f, location())
	}
	shot("register-check.png")

	// The mail arrives at the SMTP server; its link confirms the address.
	msgs := smtp.Wait(t, 1, 2*time.Minute)
	link := regexp.MustCompile(`http://[^\s]+/verify\?token=[A-Za-z0-9_-]+`).FindString(msgs[0].Text)
	if link == "" || msgs[0].To[0] != "sam.rivera@example.com" {
		t.Fatalf("verification mail to %v:\n%s", msgs[0].To, msgs[0].Text)
	}
	must("verify", chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(".lede"))))
	if f := text(".lede"); !strings.Contains(f, "confirmed") {
		t.Fatalf("after verifying: %q", f)
	}
	must("first sign in", chromedp.Do(ctx,
		chromedp.Navigate(article), chromedp.WaitVisible(chromedp.CSS("h1#headline")),
		chromedp.Click(chromedp.CSS(`#respond a[href^="/login"]`)), chromedp.WaitVisible(chromedp.CSS("#login-email")),
		chromedp.SendKeys(chromedp.CSS("#login-email"), "sam.rivera@example.com"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "my first passphrase"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	must("account", chromedp.Do(ctx, chromedp.Navigate(base+"/account"), chromedp.WaitVisible(chromedp.CSS("#profile-heading, h1"))))
	shot("account.png")

	// Sign out from the article, sign in again, and land back on it.
	must("back to article", chromedp.Do(ctx, chromedp.Navigate(article), chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	if r := text("#respond"); !strings.Contains(r, "Post Comment") {
		t.Fatalf("verified reply box: %q", r)
	}
	signedOut := chromedp.WaitVisible(chromedp.CSS(`.account-nav a[href^="/login"]`)) // only on the page after signing out
	must("sign out", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.account-nav form button`)), signedOut))
	must("sign in", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#respond a[href^="/login"]`)), chromedp.WaitVisible(chromedp.CSS("#login-email")),
		chromedp.SendKeys(chromedp.CSS("#login-email"), "sam.rivera@example.com"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "my first passphrase"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS("h1#headline"))))
	if l := location(); !strings.HasPrefix(l, article) {
		t.Fatalf("after sign-in the reader is at %s", l)
	}
	must("sign out again", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.account-nav form button`)), signedOut))

	// The editor-in-chief looks at People and at the mail that went out.
	must("admin sign in", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/people"), chromedp.WaitVisible(chromedp.CSS("#login-email")),
		chromedp.SendKeys(chromedp.CSS("#login-email"), "helen.marsh@motorledger.example"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS("table.dense"))))
	if p := text("table.dense"); !strings.Contains(p, "Sam Rivera") || !strings.Contains(p, "Canada") {
		t.Fatalf("People screen: %q", p)
	}
	shot("admin-people.png")
	must("admin mail", chromedp.Do(ctx, chromedp.Navigate(base+"/admin/mail"), chromedp.WaitVisible(chromedp.CSS("table.dense"))))
	if m := text("table.dense"); !strings.Contains(m, "sam.rivera@example.com") || !strings.Contains(m, "sent") {
		t.Fatalf("Mail screen: %q", m)
	}
	shot("admin-mail.png")
}
