package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"byline/internal/mail/mailtest"
)

// TestBrowserSignInLinkKeepsReply: a signed-out reader starts a reply in
// place, asks for a sign-in link from the comment box, follows the link
// from the SMTP server's mail in the same browser (which continues by
// itself), names their new account, and finds the reply back in its box,
// then posts it. Then the same link's page as another device sees it,
// and a used link.
func TestBrowserSignInLinkKeepsReply(t *testing.T) {
	smtp := mailtest.Start(t)
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "l.db"), "--smtp", smtp.URL())
	defer stop()
	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must, text, location, shot := b.must, b.text, b.location, b.shot
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		must(js, err)
		return s
	}
	waitFor := b.waitFor
	// both keeps a screenshot in light and in dark: of the page, or of
	// the part of it sel selects.
	both := func(name string, sel ...string) {
		t.Helper()
		for _, scheme := range []string{"light", "dark"} {
			must(scheme, chromedp.Do(ctx, colorScheme(scheme)))
			if len(sel) == 0 {
				shot(name + "-" + scheme + ".png")
				continue
			}
			png, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS(sel[0])))
			must("screenshot "+sel[0], err)
			must("save screenshot", writeArtifact(t, name+"-"+scheme+".png", png))
		}
		must("light", chromedp.Do(ctx, colorScheme("light")))
	}
	linkRe := regexp.MustCompile(`http://[^\s]+/login/link\?token=[A-Za-z0-9_-]+`)
	article := base + "/2012/04/05/infiniti-to-move-production-out-of-japan/"
	words := "Typed before signing in: the Tennessee plant knows its trade."

	must("open article", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(article),
		chromedp.WaitVisible(chromedp.CSS("#comment-body"))))
	if r := text("#respond"); !strings.Contains(r, "E-mail me a sign-in link") || strings.Contains(r, "You must be") {
		t.Fatalf("signed-out box: %q", r)
	}
	both("comment-box-signed-out", "#respond")

	// Reply in place: the box and the ways in move under the comment, and
	// signing in will come back to the reply.
	parent := eval(`document.querySelector('a.reply-link').dataset.reply`)
	must("reply", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a.reply-link[data-reply="`+parent+`"]`)),
		chromedp.SendKeys(chromedp.CSS("#comment-body"), words)))
	if rt := eval(`document.querySelector('#comment-signin input[name=return_to]').value`); rt != "/comments/"+parent+"/reply" {
		t.Fatalf("the ways in return to %q", rt)
	}
	both("reply-signed-out", "#comment-"+parent)
	must("ask for a link", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#link-email"), "riley.quinn@example.com"),
		chromedp.Click(chromedp.CSS(`form[action="/login/link"] button`)),
		chromedp.WaitVisible(chromedp.CSS("h1#auth-heading"))))
	if h := text("h1"); h != "Check your mail" {
		t.Fatalf("after asking: %q", h)
	}
	both("link-sent")

	// The mail; its link, in this browser, goes on by itself to the name.
	msgs := smtp.Wait(t, 1, 2*time.Minute)
	link := linkRe.FindString(msgs[0].Text)
	if link == "" || msgs[0].To[0] != "riley.quinn@example.com" {
		t.Fatalf("link mail to %v:\n%s", msgs[0].To, msgs[0].Text)
	}
	must("follow the link", chromedp.Do(ctx, chromedp.Navigate(link)))
	waitFor("the name page", `!!document.querySelector('#name-display')`)
	if v := eval(`document.querySelector('#name-display').value`); v != "Riley Quinn" {
		t.Fatalf("suggested name %q", v)
	}
	both("link-name")
	must("name", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/login/link/name"] button`))))
	waitFor("the reply page with the text back", `location.pathname === '/comments/`+parent+`/reply' && !!document.querySelector('#comment-body') && document.querySelector('#comment-body').value === `+"`"+words+"`")
	if a := eval(`new URL(document.querySelector('#comment-form').action).pathname`); a != "/comments" {
		t.Fatalf("the box posts to %s", a)
	}
	must("post", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#comment-form button[type=submit]:not([data-preview])`))))
	waitFor("the posted reply", `location.pathname.startsWith('/2012/04/05/') && [...document.querySelectorAll('.comment-text')].some(e => e.textContent.includes('Tennessee plant knows its trade'))`)
	if left := eval(`String(Object.keys(localStorage).filter(k => k.startsWith('byline-draft:')).length)`); left != "0" {
		t.Fatalf("%s drafts kept after posting", left)
	}

	// Signed out, the sign-in page; a link opened where it was not asked
	// for asks for a click; a used link says so.
	must("sign out", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.account-nav form button`)),
		chromedp.WaitVisible(chromedp.CSS(`.account-nav a[href^="/login"]`))))
	must("login page", chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.CSS("#link-email"))))
	both("login")
	must("another link", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#link-email"), "riley.quinn@example.com"),
		chromedp.Click(chromedp.CSS(`form[action="/login/link"] button`)),
		chromedp.WaitVisible(chromedp.CSS("h1#auth-heading"))))
	// The second link to the same address (a reply notice to someone else
	// may arrive between the two mails, in either order).
	second := ""
	for deadline := time.Now().Add(2 * time.Minute); second == "" && time.Now().Before(deadline); {
		for _, m := range smtp.Messages() {
			if l := linkRe.FindString(m.Text); l != "" && l != link && m.To[0] == "riley.quinn@example.com" {
				second = l
			}
		}
		if second == "" {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if second == "" {
		t.Fatal("no second sign-in link mailed")
	}
	must("another device", chromedp.Do(ctx, forget("byline_link", base+"/login/link"), chromedp.Navigate(second),
		chromedp.WaitVisible(chromedp.CSS(".link-device"))))
	if l := location(); l != second {
		t.Fatalf("the link went on by itself on another device: %s", l)
	}
	both("link-other-device")
	must("click", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/login/link/use"] button`))))
	waitFor("signed in", `!!document.querySelector('.account-nav a[href="/account"]')`)
	must("used link", chromedp.Do(ctx, chromedp.Navigate(second), chromedp.WaitVisible(chromedp.CSS(".form-error"))))
	if e := text(".form-error"); !strings.Contains(e, "already used") {
		t.Fatalf("used link: %q", e)
	}
	both("link-used")
}

// forget deletes a cookie, as another device would not have it.
func forget(name, url string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.DeleteCookies, network.DeleteCookiesParams{Name: name, URL: url})
		return chromedp.Void{}, err
	}
}
