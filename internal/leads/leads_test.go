package leads

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"byline/internal/apperr"
	"byline/internal/cars"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
	"byline/internal/mail/mailtest"
)

var provider = Provider{Name: "Test Ledger", URL: "http://news.test/", Email: "leads@news.test"}

type fixture struct {
	s        *Store
	outbox   *mail.Outbox
	clock    time.Time
	infiniti int64
	qx60     int64
	toyota   int64
	camry    int64
}

func newFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	c := cars.NewStore(d)
	f := &fixture{outbox: mail.NewOutbox(d, "news.test"), clock: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)}
	f.s = NewStore(d, c, f.outbox, time.UTC)
	f.s.now = func() time.Time { return f.clock }
	var err error
	if f.qx60, err = c.AddModel(ctx, cars.NewModel{Make: "Infiniti", Name: "QX60", BodyStyle: "SUV", YearFrom: 2022, YearTo: 2026, PriceMin: 49000, PriceMax: 66000,
		Trims: []string{"Pure", "Luxe", "Autograph"}}); err != nil {
		t.Fatal(err)
	}
	if f.camry, err = c.AddModel(ctx, cars.NewModel{Make: "Toyota", Name: "Camry", BodyStyle: "Sedan", YearFrom: 2024, YearTo: 2026, PriceMin: 28000, PriceMax: 36000}); err != nil {
		t.Fatal(err)
	}
	cat, _ := c.Catalogue(ctx)
	inf, _ := cat.Make("infiniti")
	toy, _ := cat.Make("toyota")
	f.infiniti, f.toyota = inf.ID, toy.ID
	return f
}

func (f *fixture) dealer(t testing.TB, name, makes, coverage string, cap int) int64 {
	t.Helper()
	id, err := f.s.SaveDealer(context.Background(), 0, DealerForm{Name: name, Street: "1 Auto Row", City: "Springfield", Region: "NJ", Postal: "07081",
		Phone: "973-555-0100", LeadEmails: strings.ToLower(strings.ReplaceAll(name, " ", "")) + "@crm.example", Makes: strings.Split(makes, ","),
		Coverage: coverage, DailyCap: cap, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) request(email, postal string) Request {
	return Request{MakeID: f.infiniti, ModelID: f.qx60, Year: 2026, Trim: "Luxe", Postal: postal, FirstName: "Jane", LastName: "Doe",
		Email: email, Timeframe: "month", Comments: "Looking for a white one.", Consent: true}
}

func names(l Lead) string {
	var out []string
	for _, d := range l.Deliveries {
		s := d.DealerName
		if d.Duplicate {
			s += "(dup)"
		}
		out = append(out, s)
	}
	return strings.Join(out, ",")
}

func TestValidation(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	ctx := context.Background()
	_, err := f.s.Submit(ctx, Request{MakeID: f.toyota, ModelID: f.qx60, Year: 1990, Postal: "ABCDE", Email: "x", Phone: "12", Timeframe: "someday",
		Comments: strings.Repeat("x", 2001)}, provider)
	inv, ok := apperr.AsInvalid(err)
	if !ok {
		t.Fatalf("bad request: %v", err)
	}
	for _, field := range []string{"model", "postal", "first_name", "last_name", "email", "phone", "timeframe", "comments", "consent"} {
		if inv.Fields[field] == "" {
			t.Errorf("no reason for %s: %v", field, inv.Fields)
		}
	}
	r := f.request("a@example.com", "07030")
	r.Year, r.Trim = 2019, "Sport"
	_, err = f.s.Submit(ctx, r, provider)
	if inv, _ := apperr.AsInvalid(err); inv == nil || !strings.Contains(inv.Fields["year"], "2022 to 2026") || inv.Fields["trim"] == "" {
		t.Fatalf("year and trim: %v", err)
	}
	for in, want := range map[string]string{"07030": "07030", "07030-1234": "07030", " m5v 2t6 ": "M5V 2T6", "M5V2T6": "M5V 2T6"} {
		if got, _, ok := NormalizePostal(in); !ok || got != want {
			t.Errorf("postal %q: %q %v", in, got, ok)
		}
	}
	for _, bad := range []string{"0703", "D5V 2T6", "123456", ""} {
		if _, _, ok := NormalizePostal(bad); ok {
			t.Errorf("postal %q accepted", bad)
		}
	}
}

func TestRouting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		a := f.dealer(t, "Alpha Infiniti", "Infiniti", "070 071", 100)
		f.dealer(t, "Bravo Infiniti", "infiniti", "07030", 100)
		f.dealer(t, "Charlie Infiniti", "Infiniti", "07", 100)
		f.dealer(t, "Delta Infiniti", "Infiniti", "070", 100)
		f.dealer(t, "Echo Toyota", "Toyota", "07", 100)        // another make
		f.dealer(t, "Foxtrot Infiniti", "Infiniti", "10", 100) // another area
		f.dealer(t, "Canada Infiniti", "Infiniti", "M5V", 100)

		// Up to three dealers that sell the make and cover the code, in
		// turn: the fourth waits for the next request.
		seen := map[string]int{}
		for i := 0; i < 8; i++ {
			l, err := f.s.Submit(ctx, f.request(fmt.Sprintf("buyer%d@example.com", i), "07030"), provider)
			if err != nil {
				t.Fatal(err)
			}
			if l.Status != Routed || len(l.Deliveries) != 3 {
				t.Fatalf("lead %d: %s to %s", i, l.Status, names(l))
			}
			for _, dl := range l.Deliveries {
				seen[dl.DealerName]++
			}
			f.clock = f.clock.Add(time.Minute)
		}
		// 24 deliveries over four equal dealers: six each.
		for _, n := range []string{"Alpha Infiniti", "Bravo Infiniti", "Charlie Infiniti", "Delta Infiniti"} {
			if seen[n] != 6 {
				t.Fatalf("uneven turns: %v", seen)
			}
		}
		if seen["Echo Toyota"]+seen["Foxtrot Infiniti"]+seen["Canada Infiniti"] != 0 {
			t.Fatalf("a dealer got a lead it should not: %v", seen)
		}
		// Bravo covers 07030 only.
		l, _ := f.s.Submit(ctx, f.request("other@example.com", "07002"), provider)
		if strings.Contains(names(l), "Bravo") {
			t.Fatalf("07002 went to a dealer covering only 07030: %s", names(l))
		}
		// Canadian postal codes route by their first characters.
		l, _ = f.s.Submit(ctx, f.request("canuck@example.com", "m5v 2t6"), provider)
		if names(l) != "Canada Infiniti" || l.Postal != "M5V 2T6" || l.Country != "CA" {
			t.Fatalf("Toronto: %s %s %s", names(l), l.Postal, l.Country)
		}
		// Nobody covers Alaska: kept, unrouted, no mail.
		l, err := f.s.Submit(ctx, f.request("north@example.com", "99501"), provider)
		if err != nil || l.Status != Unrouted || len(l.Deliveries) != 0 {
			t.Fatalf("uncovered: %v %s %s", err, l.Status, names(l))
		}
		if got, _ := f.s.List(ctx, Query{Status: Unrouted}); len(got) != 1 || got[0].Email != "north@example.com" {
			t.Fatalf("unrouted list: %+v", got)
		}

		// Caps: Alpha takes at most 7 a day.
		if _, err := f.s.SaveDealer(ctx, a, DealerForm{Name: "Alpha Infiniti", Country: "US", LeadEmails: "alpha@crm.example", Makes: []string{"Infiniti"},
			Coverage: "070", DailyCap: 7, Active: true}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			l, _ := f.s.Submit(ctx, f.request(fmt.Sprintf("capped%d@example.com", i), "07030"), provider)
			f.clock = f.clock.Add(time.Minute)
			for _, dl := range l.Deliveries {
				seen[dl.DealerName]++
			}
		}
		today, _ := f.s.LeadsToday(ctx)
		if today[a] > 7 {
			t.Fatalf("Alpha got %d leads today, cap 7", today[a])
		}
		// A new day resets the caps.
		f.clock = f.clock.Add(24 * time.Hour)
		today, _ = f.s.LeadsToday(ctx)
		if today[a] != 0 {
			t.Fatalf("yesterday's leads count today: %d", today[a])
		}
	})
}

func TestDuplicates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		for _, n := range []string{"One", "Two", "Three", "Four"} {
			f.dealer(t, n+" Motors", "Infiniti", "07", 100)
		}
		r := f.request("same@example.com", "07030")
		r.Phone = "(201) 555-0147"
		first, err := f.s.Submit(ctx, r, provider)
		if err != nil || first.Status != Routed {
			t.Fatal(err, first.Status)
		}
		mails := func() int { // to dealers
			m, _ := f.outbox.List(ctx, 0, 500)
			n := 0
			for _, x := range m {
				if strings.HasSuffix(x.To, "@crm.example") {
					n++
				}
			}
			return n
		}
		before := mails()
		// The same person, the same model, two weeks later, by phone only
		// matching: recorded, not sent again to the dealers who have it.
		f.clock = f.clock.Add(14 * 24 * time.Hour)
		r = f.request("different@example.com", "07030")
		r.Phone = "201.555.0147"
		again, err := f.s.Submit(ctx, r, provider)
		if err != nil {
			t.Fatal(err)
		}
		dups, fresh := 0, 0
		for _, dl := range again.Deliveries {
			if dl.Duplicate {
				dups++
			} else {
				fresh++
			}
		}
		if dups != 3 || fresh != 0 || again.Status != Duplicate || mails() != before {
			t.Fatalf("repeat: %s %s, %d mails (was %d)", again.Status, names(again), mails(), before)
		}
		// After 30 days it is a new request.
		f.clock = f.clock.Add(17 * 24 * time.Hour)
		later, _ := f.s.Submit(ctx, f.request("same@example.com", "07030"), provider)
		if later.Status != Routed || strings.Contains(names(later), "dup") {
			t.Fatalf("a month later: %s %s", later.Status, names(later))
		}
	})
}

func TestADFDocuments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.dealer(t, "Garden State Infiniti", "Infiniti", "07", 100)
		l, err := f.s.Submit(ctx, f.request("jane@example.com", "07030"), provider)
		if err != nil {
			t.Fatal(err)
		}
		all, _ := f.outbox.List(ctx, 0, 10)
		var msgs []mail.Stored
		for _, m := range all {
			if m.To != "jane@example.com" { // the shopper's confirmation
				msgs = append(msgs, m)
			}
		}
		if len(msgs) != 1 || msgs[0].To != "gardenstateinfiniti@crm.example" || !strings.Contains(msgs[0].Subject, "2026 Infiniti QX60") {
			t.Fatalf("delivery mail %+v", msgs)
		}
		doc := []byte(msgs[0].Text)
		if err := CheckADF(doc); err != nil {
			t.Fatalf("the delivered document is not ADF 1.0: %v\n%s", err, doc)
		}
		for _, want := range []string{`<?adf version="1.0"?>`, `<prospect status="new">`, `<vehicle interest="buy" status="new">`, "<year>2026</year>",
			"<make>Infiniti</make>", "<model>QX60</model>", "<trim>Luxe</trim>", `<name part="first">Jane</name>`, `<name part="last">Doe</name>`,
			"<email>jane@example.com</email>", "<postalcode>07030</postalcode>",
			"<description>Within a month</description>", "<vendorname>Garden State Infiniti</vendorname>", "Test Ledger", "Consent: I agree",
			"<requestdate>" + l.CreatedAt.Format(time.RFC3339) + "</requestdate>"} {
			if !strings.Contains(string(doc), want) {
				t.Errorf("the document lacks %s\n%s", want, doc)
			}
		}
		// The lead keeps the document as sent, even when the dealer changes.
		dl, _ := f.s.Dealers(ctx)
		if _, err := f.s.SaveDealer(ctx, dl[0].ID, DealerForm{Name: "Renamed Motors", LeadEmails: "gardenstateinfiniti@crm.example", Makes: []string{"Infiniti"},
			Coverage: "07", DailyCap: 100, Active: true}); err != nil {
			t.Fatal(err)
		}
		stored, _ := f.s.ByID(ctx, l.ID)
		docs, err := f.s.Documents(ctx, stored, provider)
		if err != nil || len(docs) != 1 || string(docs[0].XML) != string(doc) {
			t.Fatalf("the kept document differs from the sent one: %v", err)
		}
		// As an attachment, when the dealer's CRM asks for it.
		if _, err := f.s.SaveDealer(ctx, dl[0].ID, DealerForm{Name: "Garden State Infiniti", LeadEmails: "crm@dealer.example", Makes: []string{"Infiniti"}, Coverage: "07",
			DailyCap: 100, Active: true, ADFAttachment: true}); err != nil {
			t.Fatal(err)
		}
		f.s.Submit(ctx, f.request("john@example.com", "07030"), provider)
		msgs, _ = f.outbox.List(ctx, 0, 10)
		if msgs[0].To == "john@example.com" { // the shopper's confirmation, queued after the dealer's mail
			msgs = msgs[1:]
		}
		att := msgs[0].Attachments
		if len(att) != 1 || att[0].ContentType != "application/x-adf+xml" || CheckADF(att[0].Data) != nil || strings.Contains(msgs[0].Text, "<adf>") {
			t.Fatalf("attachment: %+v", msgs[0])
		}
	})
}

func TestCheckADFRefuses(t *testing.T) {
	l := Lead{ID: 7, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), MakeName: "Infiniti", ModelName: "QX60", Year: 2026, Postal: "07030", Country: "US",
		FirstName: "A", LastName: "B", Email: "a@b.example", Timeframe: "month"}
	good := string(ADF(l, Dealer{ID: 1, Name: "D", LeadEmails: []string{"d@x.example"}}, provider))
	if err := CheckADF([]byte(good)); err != nil {
		t.Fatalf("a good document refused: %v", err)
	}
	for name, bad := range map[string]string{
		"no instruction":   strings.Replace(good, `<?adf version="1.0"?>`, "", 1),
		"wrong version":    strings.Replace(good, `<?adf version="1.0"?>`, `<?adf version="2.0"?>`, 1),
		"status value":     strings.Replace(good, `status="new">`+"\n    <id", `status="old">`+"\n    <id", 1),
		"order":            strings.Replace(strings.Replace(good, "<year>2026</year>", "", 1), "<model>QX60</model>", "<model>QX60</model><year>2026</year>", 1),
		"missing make":     strings.Replace(good, "<make>Infiniti</make>", "", 1),
		"unknown element":  strings.Replace(good, "<year>2026</year>", "<year>2026</year><color>red</color>", 1),
		"name part":        strings.Replace(good, `part="first"`, `part="given"`, 1),
		"no way to reach":  strings.Replace(good, "<email>a@b.example</email>", "", 1),
		"bad date":         strings.Replace(good, "2026-01-02T03:04:05Z", "yesterday", 1),
		"two requestdates": strings.Replace(good, "<requestdate>", "<requestdate>2026-01-01</requestdate><requestdate>", 1),
		"not xml":          good[:len(good)/2],
		"no street":        strings.Replace(good, `<street line="1"></street>`, "", 1),
	} {
		if err := CheckADF([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzADF: whatever a buyer types, the document is ADF 1.0.
func FuzzADF(f *testing.F) {
	f.Add("Jane", "Doe", "jane@example.com", "2015550147", "Hello <b>&</b> \"quotes\"", "D & Sons <Infiniti>")
	f.Add("", "", "", "", "", "")
	f.Add("\x00\x01", "]]>", "a@b", "+1", "\uFFFE", "x")
	f.Fuzz(func(t *testing.T, first, last, email, phone, comments, dealer string) {
		l := Lead{ID: 1, CreatedAt: time.Now(), MakeName: "Infiniti", ModelName: "QX60", Year: 2026, Postal: "07030", Country: "US",
			FirstName: first, LastName: last, Email: email, Phone: phone, Comments: comments, Timeframe: "now"}
		doc := ADF(l, Dealer{ID: 2, Name: dealer, LeadEmails: []string{"d@x.example"}, Street: dealer}, provider)
		if err := CheckADF(doc); err != nil {
			t.Fatalf("%v\n%s", err, doc)
		}
	})
}

func TestImportDealers(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t))
	in := "name,street,city,region,postal,country,phone,lead_emails,makes,coverage,daily_cap,active,adf_attachment\n" +
		"Hudson Infiniti,1 River Rd,Jersey City,NJ,07302,US,201-555-0100,leads@hudson.example;crm@hudson.example,Infiniti,073 070,25,yes,no\n" +
		"No Mail Motors,,,,,US,,,Infiniti,070,10,yes,no\n" +
		"Wrong Make,,,,,US,,x@y.example,Lada,070,10,yes,no\n" +
		"Toronto Toyota,1 Queen St,Toronto,ON,M5V 2T6,CA,,toyota@to.example,Toyota,M5V M5H,,,yes\n"
	rep, err := f.s.ImportDealers(context.Background(), strings.NewReader(in))
	if err != nil || rep.Added != 2 || len(rep.Problems) != 2 || !strings.HasPrefix(rep.Problems[0], "line 3") || !strings.Contains(rep.Problems[1], "Lada") {
		t.Fatalf("import: %+v %v", rep, err)
	}
	ds, _ := f.s.Dealers(context.Background())
	if len(ds) != 2 || len(ds[0].LeadEmails) != 2 || !ds[1].ADFAttachment || ds[1].Postal != "M5V 2T6" || ds[1].DailyCap != 50 {
		t.Fatalf("imported %+v", ds)
	}
	if _, err := f.s.ImportDealers(context.Background(), strings.NewReader("who,what\n")); err == nil {
		t.Fatal("a file without the columns was accepted")
	}
}

// A lead reaches the dealer through a real SMTP server that is down at
// first and comes back: nothing is lost, nothing is sent twice.
func TestDeliveryWhenTheServerComesBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.dealer(t, "Harbor Infiniti", "Infiniti", "07", 100)
		l, err := f.s.Submit(ctx, f.request("jane@example.com", "07030"), provider)
		if err != nil {
			t.Fatal(err)
		}
		// A port with nothing listening: the mail server is down.
		probe := mailtest.Start(t)
		addr := probe.Addr
		probe.Close()
		clock := time.Now()
		f.outbox.SetClock(func() time.Time { return clock })
		cfg := mail.SMTP{Host: "127.0.0.1", Port: probe.Port, TLS: mail.TLSNone, From: "leads@news.test", Timeout: 2 * time.Second}
		sender := func(context.Context) (mail.Sender, string, bool) { return mail.NewSMTP(cfg), cfg.From, true }
		f.outbox.DrainOnce(ctx, sender, nil)
		got, _ := f.s.ByID(ctx, l.ID)
		if got.Deliveries[0].Status != "pending" || got.Deliveries[0].LastError == "" {
			t.Fatalf("with the server down: %+v", got.Deliveries[0])
		}
		// It comes back; once the backoff has passed the lead goes out, once.
		srv := mailtest.StartOn(t, addr)
		clock = clock.Add(time.Minute)
		f.outbox.DrainOnce(ctx, sender, nil)
		f.outbox.DrainOnce(ctx, sender, nil)
		var msgs []mailtest.Received
		for _, m := range srv.Messages() {
			if m.To[0] != "jane@example.com" { // the shopper's confirmation
				msgs = append(msgs, m)
			}
		}
		if len(msgs) != 1 || msgs[0].To[0] != "harborinfiniti@crm.example" || CheckADF([]byte(msgs[0].Text)) != nil {
			t.Fatalf("after the server came back: %d messages %+v", len(msgs), msgs)
		}
		got, _ = f.s.ByID(ctx, l.ID)
		if got.Deliveries[0].Status != "sent" {
			t.Fatalf("delivery status %q", got.Deliveries[0].Status)
		}
	})
}

// The shopper is mailed, with the lead, what became of the request: the
// dealers it went to, or that it is kept and why (none covers the area,
// or those who do are full for the day).
func TestShopperConfirmation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d)
		f.dealer(t, "Harbor Infiniti", "Infiniti", "07", 1)
		shopperMail := func(to string) mail.Stored {
			t.Helper()
			list, err := f.outbox.List(ctx, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var found []mail.Stored
			for _, m := range list {
				if m.To == to {
					found = append(found, m)
				}
			}
			if len(found) != 1 {
				t.Fatalf("%d mails to %s, want 1", len(found), to)
			}
			return found[0]
		}
		check := func(l Lead, to string, want ...string) {
			t.Helper()
			m := shopperMail(to)
			a, err := f.s.Answer(ctx, l)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, a.Lede()) // the page's words are the mail's
			for _, w := range want {
				if !strings.Contains(m.Subject+"\n"+m.Text, w) {
					t.Fatalf("mail to %s lacks %q:\n%s\n%s", to, w, m.Subject, m.Text)
				}
			}
		}
		l, err := f.s.Submit(ctx, f.request("sent@example.com", "07030"), provider)
		if err != nil {
			t.Fatal(err)
		}
		check(l, "sent@example.com", "sent to one dealer", "We have sent your request for a 2026 Infiniti QX60 Luxe near 07030 to one dealer.",
			"Harbor Infiniti", "1 Auto Row, Springfield, NJ 07081", "973-555-0100")

		// The only dealer has had its one lead today: kept, and why.
		l, err = f.s.Submit(ctx, f.request("capped@example.com", "07030"), provider)
		if err != nil || l.Status != Unrouted {
			t.Fatalf("capped: %v %s", err, l.Status)
		}
		check(l, "capped@example.com", "kept for now", "have taken all the requests they can today")
		// Nobody covers Alaska.
		l, err = f.s.Submit(ctx, f.request("north@example.com", "99501"), provider)
		if err != nil {
			t.Fatal(err)
		}
		check(l, "north@example.com", "kept for now", "no dealer in our network sells Infiniti near 99501 yet")
		if got, _ := f.s.ByThanks(ctx, l.ThanksToken); got.HeldReason != l.HeldReason || got.HeldReason == "" {
			t.Fatalf("the reason is not kept with the lead: %q", got.HeldReason)
		}
		// A request refused for a mistake mails nobody.
		bad := f.request("typo@example.com", "0703")
		if _, err := f.s.Submit(ctx, bad, provider); err == nil {
			t.Fatal("a bad postal code was accepted")
		}
		if list, _ := f.outbox.List(ctx, 0, 100); len(list) != 4 {
			t.Fatalf("%d mails in the outbox, want 4 (one dealer mail, three confirmations)", len(list))
		}
	})
}

// A dealer row with a NUL or bytes that are not UTF-8 is reported and
// left out, on both engines.
func TestImportDealersRefusesUnkeepableText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		in := "name,lead_emails,makes,coverage,country\n" +
			"Hudson Infiniti,leads@hudson.example,Infiniti,073,US\n" +
			"Bad\x00 Motors,leads@bad.example,Infiniti,073,US\n" +
			"Caf\xe9 Infiniti,leads@cafe.example,Infiniti,073,US\n"
		rep, err := f.s.ImportDealers(context.Background(), strings.NewReader(in))
		if err != nil || rep.Added != 1 || len(rep.Problems) != 2 || !strings.Contains(rep.Problems[1], "line 4: column 1 contains characters that cannot be kept") {
			t.Fatalf("import: %+v %v", rep, err)
		}
		ds, err := f.s.Dealers(context.Background())
		if err != nil || len(ds) != 1 {
			t.Fatalf("dealers %+v %v", ds, err)
		}
	})
}
