package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/leads"
)

func TestCarResearchAndQuotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, smtp, ts, m := magazineSite(t, d)
		b := newBrowser(t, srv)

		b.expect(b.get("/"), 200, `id="widget-quote"`, `action="/cars/quote"`, `<optgroup label="Infiniti"`)
		b.expect(b.get("/cars/"), 200, "New Car Research", `href="/cars/infiniti/"`, "Toyota")
		b.expect(b.get("/cars/infiniti/"), 200, `href="/cars/infiniti/qx60/"`, "QX80", "$50,000", "From our reporting", m.lead.Headline)
		b.expect(b.get("/cars/infiniti/qx60/"), 200, "Infiniti QX60", "Midsize SUV", "9-speed automatic", "Autograph", `name="fixed"`,
			"Get a Free Dealer Quote on the Infiniti QX60", leads.ConsentText)
		qx60 := regexp.MustCompile(`name="model" value="(\d+)"`).FindStringSubmatch(b.last)[1]
		mk := regexp.MustCompile(`name="make" value="(\d+)"`).FindStringSubmatch(b.last)[1]
		b.expect(b.get("/cars/infiniti/nope/"), 404)
		b.expect(b.get("/cars/lada/"), 404)

		// The sidebar's box leads to the full form, filled in.
		b.expect(b.get("/cars/quote?make="+mk+"&model="+qx60+"&postal=12550"), 200, `value="12550"`, `value="`+qx60+`" data-years="2013-2026" selected`)

		// Mistakes: each field says what is wrong; what was typed stays.
		toyota := regexp.MustCompile(`<option value="(\d+)"[^>]*>Toyota</option>`).FindStringSubmatch(b.last)[1]
		b.expect(b.post("/cars/quote", url.Values{"make": {toyota}, "model": {qx60}, "year": {"2026"}, "postal": {"1255"}, "first_name": {"Maya"},
			"last_name": {""}, "email": {"maya@"}, "timeframe": {"month"}, "comments": {"Kept words."}}), 422,
			"not one of Toyota", "ZIP code", "last name", "e-mail address", "tick the box", `value="Maya"`, "Kept words.")

		// A good request from a model page goes to the dealer covering 12550,
		// with an ADF document in the mail's text.
		form := url.Values{"fixed": {"1"}, "make": {mk}, "model": {qx60}, "year": {"2026"}, "trim": {"Luxe"}, "postal": {"12550"}, "first_name": {"Maya"},
			"last_name": {"Lindgren"}, "email": {"maya@example.com"}, "phone": {"845-555-0199"}, "timeframe": {"month"}, "comments": {"White, please."}, "consent": {"1"}}
		resp := b.post("/cars/quote", form)
		b.expect(resp, 303)
		sentTo := "We have sent your request for a 2026 Infiniti QX60 Luxe near 12550 to one dealer."
		b.expect(b.get(resp.Header.Get("Location")), 200, "Thank you, Maya", sentTo, "Hudson Valley Infiniti", "845-555-0142",
			"The dealer will contact you at maya@example.com or by phone")
		thanks(t, b.last)
		// The shopper's mail says the same as the page.
		shopper := mailsTo(t, smtp, "maya@example.com", 1)[0]
		if !strings.Contains(shopper.Text, sentTo) || !strings.Contains(shopper.Text, "Hudson Valley Infiniti") || !strings.Contains(shopper.Text, "845-555-0142") ||
			!strings.Contains(shopper.Subject, "sent to one dealer") {
			t.Fatalf("shopper's confirmation %q:\n%s", shopper.Subject, shopper.Text)
		}
		adf := mailsTo(t, smtp, "leads@hudsonvalleyinfiniti.example", 1)[0]
		if err := leads.CheckADF([]byte(adf.Text)); err != nil || !strings.Contains(adf.Text, "<trim>Luxe</trim>") || !strings.Contains(adf.Text, "<postalcode>12550</postalcode>") {
			t.Fatalf("ADF mail: %v\n%s", err, adf.Text)
		}
		// The same request again within 30 days: recorded, not sent again.
		resp = b.post("/cars/quote", form)
		b.expect(resp, 303)
		b.expect(b.get(resp.Header.Get("Location")), 200, "Hudson Valley Infiniti", "we have not sent your request again")
		thanks(t, b.last)
		list, _ := ts.leads.List(context.Background(), leads.Query{Status: leads.Duplicate})
		if len(list) != 1 || list[0].Email != "maya@example.com" {
			t.Fatalf("duplicates: %+v", list)
		}
		settleOutbox(t, ts, smtp)
		mailsTo(t, smtp, "leads@hudsonvalleyinfiniti.example", 1)
		if again := mailsTo(t, smtp, "maya@example.com", 2)[1]; !strings.Contains(again.Text, "we have not sent your request again") {
			t.Fatalf("shopper's second confirmation:\n%s", again.Text)
		}

		// No dealer in Alaska: kept, and the buyer is told so and why, on the
		// page and by mail; nothing says it went anywhere.
		form.Set("postal", "99501")
		form.Set("email", "north@example.com")
		resp = b.post("/cars/quote", form)
		kept := "We have kept your request for a 2026 Infiniti QX60 Luxe near 99501, but not sent it to any dealer yet: no dealer in our network sells Infiniti near 99501 yet."
		b.expect(b.get(resp.Header.Get("Location")), 200, kept)
		thanks(t, b.last)
		if strings.Contains(b.last, "on its way") || strings.Contains(b.last, "will contact you") {
			t.Fatalf("the page for a kept request says it was sent:\n%s", b.last)
		}
		if msg := mailsTo(t, smtp, "north@example.com", 1)[0]; !strings.Contains(msg.Text, kept) || !strings.Contains(msg.Subject, "kept for now") {
			t.Fatalf("kept request's confirmation %q:\n%s", msg.Subject, msg.Text)
		}

		// The admin's screens.
		admin := signedIn(t, newBrowser(t, srv), m.editor.Email)
		admin.expect(admin.get("/admin/leads"), 200, `<svg class="chart"`, "Leads per make per week", "Lindgren", "unrouted", "The numbers")
		admin.expect(admin.get("/admin/leads?status=unrouted"), 200, "99501")
		id := regexp.MustCompile(`href="/admin/leads/(\d+)">`).FindStringSubmatch(admin.last)[1]
		admin.expect(admin.get("/admin/leads?status=bogus"), 400)
		admin.expect(admin.get("/admin/leads?from=yesterday"), 400)
		admin.expect(admin.get("/admin/leads/"+id), 200, "Deliveries", "Consent")
		resp = admin.get("/admin/leads/export.csv?make=" + mk)
		if resp.StatusCode != 200 || !strings.HasPrefix(admin.last, "id,created_at,status") || !strings.Contains(admin.last, "maya@example.com") {
			t.Fatalf("export %d:\n%.300s", resp.StatusCode, admin.last)
		}
		admin.expect(admin.get("/admin/dealers"), 200, "Hudson Valley Infiniti", "Queen Street Infiniti Nissan", "ADF attached")
		admin.expect(admin.post("/admin/dealers/new", url.Values{"name": {"Empty Motors"}, "daily_cap": {"ten"}, "coverage": {"!!"}}), 422,
			"lead address", "choose the makes", "is not a postal code", `value="Empty Motors"`)
		admin.expect(admin.post("/admin/dealers/new", url.Values{"name": {"Anchorage Infiniti"}, "country": {"US"}, "lead_emails": {"crm@anchorage.example"},
			"makes": {mk}, "coverage": {"995"}, "daily_cap": {"10"}, "active": {"1"}}), 303)
		form.Set("email", "north2@example.com")
		resp = b.post("/cars/quote", form)
		b.expect(b.get(resp.Header.Get("Location")), 200, "Anchorage Infiniti", "to one dealer")
		reader := signedIn(t, newBrowser(t, srv), m.third.Email)
		reader.expect(reader.get("/admin/leads"), 403)
	})
}

// thanks checks that a thank-you page says one thing: sent or kept.
func thanks(t *testing.T, page string) {
	t.Helper()
	sent := strings.Contains(page, "We have sent your request") || strings.Contains(page, "not sent your request again")
	kept := strings.Contains(page, "We have kept your request")
	if sent == kept {
		t.Fatalf("the thank-you page says both or neither of sent and kept:\n%s", page)
	}
}
