package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
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
	msgs := smtp.Wait(t, 1, 2*time.Minute)
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
		chromedp.Click(chromedp.CSS(`.bulk button[value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS("iframe.mail-html"))))
	shot("admin-campaign-draft.png")
	// "Send now" asks, naming the readers; the test says yes.
	asked := make(chan string, 1)
	must("listen for dialogs", chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			select {
			case asked <- e.Message:
			default:
			}
			go chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
				_, err := cdp.Call(ctx, tg, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
				return chromedp.Void{}, err
			}))
		}
	}))
	must("send", chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[value="send"]`)), chromedp.WaitVisible(chromedp.CSS("#send-bar"))))
	select {
	case q := <-asked:
		if !regexp.MustCompile(`^Send to [\d,]+ readers\?$`).MatchString(q) {
			t.Fatalf("the question before sending: %q", q)
		}
	default:
		t.Fatal("the newsletter went out without asking")
	}
	// The page follows the sender and reloads itself when it is done: the
	// test reads it as it is, and never reloads it underneath the script.
	figures := `(() => { const p = document.getElementById("campaign-progress"), f = document.getElementById("send-figures");
		return p && f ? p.dataset.status + "|" + f.innerText : ""; })()`
	deadline := time.Now().Add(3 * time.Minute)
	for {
		state, err := chromedp.Run(ctx, chromedp.Evaluate[string](figures))
		if err == nil && regexp.MustCompile(`a second\S`).MatchString(state) {
			t.Fatalf("the delivery line runs words together: %q", state)
		}
		if err == nil && strings.HasPrefix(state, "sent|") {
			if !strings.Contains(state, "100%") {
				t.Fatalf("report: %q", state)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the newsletter did not finish: %q (%v)", state, err)
		}
		time.Sleep(200 * time.Millisecond) // polling for a page that changes by itself; errors while it reloads are retried
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
