package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"byline/internal/demo"
	"byline/internal/leads"
	"byline/internal/mail/mailtest"
)

// TestBrowserQuote: a buyer picks a make and model in the sidebar's box,
// fills the full form on the model's page, sees the thank-you page naming
// the dealer, and the dealer's CRM address receives the ADF document;
// then an admin looks at the leads screen and its chart.
func TestBrowserQuote(t *testing.T) {
	smtp := mailtest.Start(t)
	base, stop := startServe(t, "--demo", "--database", filepath.Join(t.TempDir(), "q.db"), "--smtp", smtp.URL())
	defer stop()
	ctx := newChromium(t, 120*time.Second)
	b := tab{t, ctx}
	must, text, location, shot := b.must, b.text, b.location, b.shot

	// The box: choosing a make narrows the models (JavaScript).
	must("home", chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#qb-make"))))
	must("pick", chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS("#qb-make"), "1")))
	_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#qb-make').dispatchEvent(new Event('change')), true`))
	must("change", err)
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#qb-model optgroup[hidden]').length`))
	must("count", err)
	if hidden < 5 {
		t.Fatalf("choosing a make left %d makes' models hidden", hidden)
	}
	must("model page", chromedp.Do(ctx, chromedp.Navigate(base+"/cars/infiniti/qx60/"), chromedp.WaitVisible(chromedp.CSS("#q-first"))))
	shot("car-model.png")
	// A mistake first: the form says so and keeps what was typed.
	must("fill", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#q-postal"), "1255"),
		chromedp.SendKeys(chromedp.CSS("#q-first"), "Maya"),
		chromedp.SendKeys(chromedp.CSS("#q-last"), "Lindgren"),
		chromedp.SendKeys(chromedp.CSS("#q-email"), "maya@example.com"),
		chromedp.SetValue(chromedp.CSS("#q-when"), "month"),
		chromedp.Click(chromedp.CSS(".quote-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".form-error"))))
	if e := strings.ToLower(text(".quote-form")); !strings.Contains(e, "zip code") || !strings.Contains(e, "tick the box") {
		t.Fatalf("errors: %q", e)
	}
	shot("quote-error.png")
	must("fix", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#q-postal"), "12550"),
		chromedp.Click(chromedp.CSS("#q-consent")),
		chromedp.Click(chromedp.CSS(".quote-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".quote-thanks"))))
	if th := text(".quote-thanks"); !strings.Contains(th, "Thank you, Maya") || !strings.Contains(th, "Hudson Valley Infiniti") || !strings.Contains(location(), "/cars/quote/thanks") {
		t.Fatalf("thank-you page at %s: %q", location(), th)
	}
	shot("quote-thanks.png")
	// The dealer's ADF document, and the shopper's confirmation saying the same as the page.
	var dealer, shopper *mailtest.Received
	for _, m := range smtp.Wait(t, 2, 2*time.Minute) {
		switch m.To[0] {
		case "leads@hudsonvalleyinfiniti.example":
			dealer = &m
		case "maya@example.com":
			shopper = &m
		}
	}
	if dealer == nil || leads.CheckADF([]byte(dealer.Text)) != nil {
		t.Fatalf("the dealer's mail: %+v", dealer)
	}
	if shopper == nil || !strings.Contains(shopper.Text, "Hudson Valley Infiniti") || !strings.Contains(shopper.Text, "We have sent your request") {
		t.Fatalf("the shopper's confirmation: %+v", shopper)
	}

	must("sign in", chromedp.Do(ctx, chromedp.Navigate(base+"/login?return_to=/admin/leads"),
		chromedp.SendKeys(chromedp.CSS("#login-email"), "helen.marsh@motorledger.example"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS("svg.chart"))))
	if l := text("table.leads-table tbody tr"); !strings.Contains(l, "Lindgren") {
		t.Fatalf("the newest lead: %q", l)
	}
	shot("admin-leads.png")
}
