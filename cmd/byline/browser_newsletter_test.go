package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"byline/internal/demo"
	"byline/internal/mail/mailtest"
)

// TestBrowserNewsletter: a reader signs up from the box under an article,
// confirms from the mail the SMTP server received, and lands on the
// preferences page; then the editor writes a newsletter, sends it and
// watches it go out.
func TestBrowserNewsletter(t *testing.T) {
	smtp := mailtest.Start(t)
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "n.db"), "--smtp", smtp.URL())
	defer stop()
	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must, text, location, shot := b.must, b.text, b.location, b.shot
	article := base + "/2012/04/05/infiniti-to-move-production-out-of-japan/"

	must("sign up", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(article),
		chromedp.WaitVisible(chromedp.CSS("#article-email")),
		chromedp.SendKeys(chromedp.CSS("#article-email"), "kim.oduya@example.com"),
		chromedp.Click(chromedp.CSS(`#newsletter button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash"))))
	if f := text(".flash"); !strings.Contains(f, "link to confirm") || !strings.HasPrefix(location(), article) {
		t.Fatalf("after signing up at %s: %q", location(), f)
	}
	msgs := smtp.Wait(t, 1, 20*time.Second)
	link := regexp.MustCompile(`http://[^\s]+/newsletter/confirm\?t=[A-Za-z0-9_-]+`).FindString(msgs[0].Text)
	if link == "" || msgs[0].To[0] != "kim.oduya@example.com" {
		t.Fatalf("confirmation mail to %v:\n%s", msgs[0].To, msgs[0].Text)
	}
	must("confirm", chromedp.Do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`form[action="/newsletter/confirm"] button`))))
	shot("newsletter-confirm.png")
	must("press confirm", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form[action="/newsletter/confirm"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#unsubscribe"))))
	if l := text(".lede"); !strings.Contains(l, "kim.oduya@example.com") || !strings.Contains(l, "subscribed, weekly") {
		t.Fatalf("preferences: %q", l)
	}
	shot("newsletter-preferences.png")
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('.flash').remove(), true`))
	must("clear the notice", err)
	must("daily", chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#pref-daily")), chromedp.Click(chromedp.CSS(`form[action="/newsletter/preferences"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash"))))
	if l := text(".lede"); !strings.Contains(l, "subscribed, daily") {
		t.Fatalf("after choosing daily: %q", l)
	}

	// The editor writes a newsletter and sends it; the bar follows.
	must("sign in", chromedp.Do(ctx, chromedp.Navigate(base+"/login?return_to=/admin/newsletter"),
		chromedp.SendKeys(chromedp.CSS("#login-email"), "helen.marsh@motorledger.example"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/admin/newsletter/new"]`))))
	shot("admin-newsletter.png")
	must("compose", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/admin/newsletter/new"]`)), chromedp.WaitVisible(chromedp.CSS("#c-subject")),
		chromedp.SendKeys(chromedp.CSS("#c-intro"), "The spring's big stories, in one place."),
		chromedp.Click(chromedp.CSS(`input[name="article"]`)),
		chromedp.Click(chromedp.CSS(`button[value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS("iframe.mail-html"))))
	shot("admin-campaign-draft.png")
	must("send", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value="send"]`)), chromedp.WaitVisible(chromedp.CSS("#send-bar"))))
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(text(".facts"), "sent") || strings.Contains(text(".facts"), "sending") {
		if time.Now().After(deadline) {
			t.Fatalf("the newsletter did not finish: %q / %q", text(".facts"), text("#send-figures"))
		}
		time.Sleep(300 * time.Millisecond)
		must("reload", chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#send-bar"))))
	}
	if f := text("#send-figures"); !strings.Contains(f, "100%") {
		t.Fatalf("report: %q", f)
	}
	shot("admin-campaign-sent.png")
	var got int
	for _, m := range smtp.Messages() {
		if m.Subject != "" && strings.Contains(m.Text, "The spring's big stories") {
			got++
		}
	}
	if got < 100 {
		t.Fatalf("only %d readers got the newsletter", got)
	}
}
