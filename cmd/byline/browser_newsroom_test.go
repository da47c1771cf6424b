package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"byline/internal/demo"
)

// TestBrowserNewsroom: a contributor writes a draft (autosaved as they
// type) and submits it; the editor previews it and publishes it; it is on
// the home page. Screenshots of the editor and the dashboard are kept.
func TestBrowserNewsroom(t *testing.T) {
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "w.db"))
	defer stop()
	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must, text, location, shot := b.must, b.text, b.location, b.shot
	signIn := func(email, to string) {
		must("open sign-in", chromedp.Do(ctx, chromedp.Navigate(base+"/login?return_to="+to)))
		if strings.Contains(location(), "/login") {
			must("sign in "+email, chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#login-email")),
				chromedp.SendKeys(chromedp.CSS("#login-email"), email),
				chromedp.SendKeys(chromedp.CSS("#login-password"), demo.Password),
				chromedp.Click(chromedp.CSS(`form[action="/login"] button`))))
		}
	}

	signIn("marcus.delaney@motorledger.example", "/admin/articles/new")
	must("editor", chromedp.Do(ctx, chromedp.EmulateViewport(1400, 1000), chromedp.WaitVisible(chromedp.CSS("#e-headline")),
		chromedp.SendKeys(chromedp.CSS("#e-headline"), "A Night Shift at the Paint Shop"),
		chromedp.SendKeys(chromedp.CSS("#e-body"), "The robots never sleep, but the people who tend them do.\n\n## Six hours in\n\nBy **3 a.m.** the line had painted 400 bodies."),
		chromedp.SendKeys(chromedp.CSS("#e-tags"), "Manufacturing, Nissan")))
	// The autosave makes the draft and moves the address to it.
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(text("#autosave-state"), "Draft saved") {
		if time.Now().After(deadline) {
			t.Fatalf("no autosave: %q at %s", text("#autosave-state"), location())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(location(), "/admin/articles/") || strings.HasSuffix(location(), "/new") {
		t.Fatalf("after the autosave the editor is at %s", location())
	}
	draft := location()
	// The preview frame shows the page as readers will see it (once it
	// has drawn it: polled, as the frame reloads by itself).
	var inFrame string
	for deadline := time.Now().Add(2 * time.Minute); ; {
		var err error
		inFrame, err = chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('preview').contentDocument || {}).body ? document.getElementById('preview').contentDocument.body.innerText : ''`))
		if err == nil && strings.Contains(inFrame, "Six hours in") && strings.Contains(inFrame, "A Night Shift at the Paint Shop") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("preview frame: %.300q (%v)", inFrame, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	shot("editor.png")
	// Opened again, the draft has its workflow buttons.
	must("reopen", chromedp.Do(ctx, chromedp.Navigate(draft), chromedp.WaitVisible(chromedp.CSS(`button[value="submit"]`))))
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('e-body').value`)); !strings.Contains(v, "400 bodies") {
		t.Fatalf("the autosaved text is not there: %q", v)
	}
	must("submit", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".flash"))))
	if f := text(".flash"); !strings.Contains(f, "Submitted for review") {
		t.Fatalf("after submitting: %q", f)
	}

	// Signing out lands on the site, signed out (wait for it: a navigation
	// started before it ends would cut it short).
	must("sign out", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.admin-who form button`)), chromedp.WaitVisible(chromedp.CSS(`.account-nav a[href^="/login"]`))))
	signIn("helen.marsh@motorledger.example", "/admin")
	must("dashboard", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("svg.chart"))))
	if a := text(".attention"); !strings.Contains(a, "Awaiting review 1") {
		t.Fatalf("dashboard: %q", a)
	}
	shot("dashboard.png")
	must("open", chromedp.Do(ctx, chromedp.Navigate(draft), chromedp.WaitVisible(chromedp.CSS(`button[value="publish"]`))))
	must("publish", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value="publish"]`)), chromedp.WaitVisible(chromedp.CSS(".flash"))))
	must("home", chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("main"))))
	if h := text("main"); !strings.Contains(h, "A Night Shift at the Paint Shop") {
		t.Fatalf("the home page lacks the new article: %.300q", h)
	}
	// Typing in the published article and leaving without saving: the
	// editor offers the text back on the next visit.
	must("edit published", chromedp.Do(ctx, chromedp.Navigate(draft), chromedp.WaitVisible(chromedp.CSS("#e-body")),
		chromedp.SendKeys(chromedp.CSS("#e-body"), " An unsaved last line.")))
	must("leave and come back", chromedp.Do(ctx, chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.CSS("svg.chart")),
		chromedp.Navigate(draft), chromedp.WaitVisible(chromedp.CSS(".flash button"))))
	if f := text(".flash"); !strings.Contains(f, "was not saved") {
		t.Fatalf("no offer of the unsaved text: %q", f)
	}
	must("bring it back", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".flash button"))))
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('e-body').value`)); !strings.Contains(v, "An unsaved last line.") {
		t.Fatalf("the unsaved text did not come back: %q", v)
	}
}
