package web_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/cars"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/dbtest/fixture"
	"byline/internal/leads"
	"byline/internal/mail"
	"byline/internal/mail/mailtest"
)

// The test magazine: a small site the web tests start from, made through
// the stores (package fixture) rather than the demo, so that each figure a
// test checks can be read here.
const siteName = "The Test Gazette"

// magazine is what newMagazine made.
type magazine struct {
	*fixture.Fixture

	editor    account.Person // admin and editor
	modWriter account.Person // contributor and moderator
	writer    account.Person // contributor only, in Canada
	author    account.Person // contributor and author: publishes their own
	moderator account.Person // moderator only
	reader    account.Person // a reader: no comments, one up vote (on first)
	// Readers who wrote the lead article's thread.
	commenter, replier, third, fourth account.Person

	lead     article.Article // the article with a thread
	leadPath string          // its address
	// The lead thread, oldest first: first, a reply to it, a reply to
	// that, and fourth, a thread of its own. first has 3 up votes.
	first, reply, replyToReply, fourthC comment.Comment

	qx60 int64 // a model in the car catalogue, with dealers near 12550

	published int             // published articles (the lead's among them)
	draft     article.Article // modWriter's
	scheduled article.Article // by author, a month to come
}

// The site's zone, as buildSite sets it.
var siteZone = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// leadDate is when the lead article came out: 10:15 in New York.
var leadDate = time.Date(2024, 4, 5, 14, 15, 0, 0, time.UTC)

// newMagazine fills d with the test magazine.
func newMagazine(t testing.TB, d *db.DB) *magazine {
	t.Helper()
	f := fixture.New(t, d)
	f.Site(siteName, "Cars, and the people who build them")
	m := &magazine{Fixture: f}
	m.editor = f.Person("edith.stone@gazette.test", "Edith Stone", account.RoleAdmin, account.RoleEditor)
	m.modWriter = f.Person("marco.bell@gazette.test", "Marco Bell", account.RoleContributor, account.RoleModerator)
	m.writer = f.PersonWith(account.NewPerson{Email: "pia.lund@gazette.test", DisplayName: "Pia Lund", Country: "CA",
		Roles: []account.Role{account.RoleContributor}})
	m.author = f.Person("eli.ward@gazette.test", "Eli Ward", account.RoleContributor, account.RoleAuthor)
	m.moderator = f.Person("rosa.quinn@gazette.test", "Rosa Quinn", account.RoleModerator)
	m.reader = f.Person("jo.park@example.com", "Jo Park")
	m.commenter = f.Person("dan.webb@example.com", "Dan Webb")
	m.replier = f.Person("nia.ford@example.com", "Nia Ford")
	m.third = f.Person("owen.hale@example.com", "Owen Hale")
	m.fourth = f.Person("bea.lind@example.com", "Bea Lind")

	// Fourteen published articles, a few days apart, so lists run to a
	// second page (ten a page); tags spelt as slugs, as article files do.
	day := func(n int) time.Time { return leadDate.AddDate(0, 0, n) }
	stories := []struct {
		by       account.Person
		headline string
		at       time.Time
		tags     []string
	}{
		{m.writer, "Winter Tyres Tested on a Frozen Lake", day(-9), []string{"reviews"}},
		{m.modWriter, "Dealers Report a Quiet Spring", day(-3), []string{"sales"}},
		{m.modWriter, "Luxury Sedan Sales Slip Again", day(-1), []string{"sales", "luxury"}},
		{m.writer, "Recall Widens to Compact Cars", day(4), []string{"safety"}},
		{m.author, "Battery Plant Breaks Ground in Ontario", day(6), []string{"manufacturing", "electric-vehicles"}},
		{m.writer, "Fuel Economy Rules Tighten", day(9), []string{"regulation"}},
		{m.modWriter, "Auto Show Crowds Return", day(12), []string{"auto-shows"}},
		{m.author, "Supplier Shortage Slows Truck Output", day(15), []string{"manufacturing"}},
		{m.writer, "Crash Tests Reward Smaller Crossovers", day(18), []string{"safety"}},
		{m.modWriter, "Used Car Prices Ease", day(21), []string{"sales"}},
		{m.author, "Startup Sedan Takes Its First Drive", day(24), []string{"reviews", "electric-vehicles"}},
		{m.writer, "Rain Decides a Close Race", day(27), []string{"motorsport"}},
		{m.modWriter, "Compact Crossover Adds a Hybrid", day(30), []string{"reviews"}},
	}
	var newest article.Article
	for _, s := range stories {
		newest = f.Published(s.by, s.headline, s.at, s.tags...)
	}
	m.lead = f.Article(article.Draft{Headline: "Carmaker Moves Production Out of Japan", AuthorID: m.author.ID, Status: article.StatusPublished,
		PublishedAt: leadDate, UpdatedAt: leadDate, Tags: []string{"manufacturing", "luxury", "japan", "infiniti"},
		BodyMD: "The carmaker's luxury brand will build its crossovers in Tennessee from next year.\n\n> We build where we sell.\n\n" +
			"The [full report](https://example.com/business-daily/carmaker-production) names the plants."})
	m.leadPath = fixture.Path(m.lead, siteZone)
	m.published = len(stories) + 1
	m.draft = f.Draft(m.modWriter, "Review: A Full-Size Pickup That Tows With Ease", "reviews")
	f.Page(m.editor, "about", "About "+siteName, "Who we are, and how to reach the newsroom.", day(-60))
	f.Page(m.editor, "contact", "Contact", "Write to the newsroom.", day(-45))
	m.scheduled = f.Scheduled(m.author, "Preview: What to Expect From the New Pickups", time.Now().AddDate(0, 1, 0), "trucks")

	at := func(minutes int) time.Time { return leadDate.Add(time.Duration(minutes) * time.Minute) }
	m.first = f.Comment(m.lead, m.commenter, "Moving the factories is the easy half. Get the cars right first.", at(47))
	m.reply = f.Reply(m.first, m.replier, "Agreed, but I would wait for the second model year off a new line.", at(145))
	m.replyToReply = f.Reply(m.reply, m.third, "That plant has built cars for forty years. Give the workforce some credit.", at(240))
	m.fourthC = f.Comment(m.lead, m.fourth, "Call me old-fashioned, but I would rather my car came from home.", at(393))
	for _, voter := range []account.Person{m.replier, m.reader, m.fourth} {
		f.Vote(m.first, voter, 1)
	}
	f.Comment(newest, m.third, "A hybrid at last. The wait was long.", newest.PublishedAt.Add(3*time.Hour))

	// A small car catalogue, and two dealers for its first make.
	m.qx60 = f.Model(cars.NewModel{Make: "Infiniti", MakeCountry: "Japan", Name: "QX60", BodyStyle: "Midsize SUV, three rows", YearFrom: 2013, YearTo: 2026,
		PriceMin: 50000, PriceMax: 66000, Trims: []string{"Pure", "Luxe", "Sensory", "Autograph"},
		Specs: fixture.Specs("Engine", "2.0-liter turbo four, 268 hp", "Transmission", "9-speed automatic", "Seats", "7")})
	f.Model(cars.NewModel{Make: "Infiniti", Name: "QX80", BodyStyle: "Full-size SUV", YearFrom: 2014, YearTo: 2026, PriceMin: 83000, PriceMax: 112000,
		Trims: []string{"Luxe", "Sensory", "Autograph"}, Specs: fixture.Specs("Towing", "8,500 lb")})
	f.Model(cars.NewModel{Make: "Toyota", MakeCountry: "Japan", Name: "Camry", BodyStyle: "Midsize sedan", YearFrom: 2018, YearTo: 2026,
		PriceMin: 29000, PriceMax: 37000, Trims: []string{"LE", "SE", "XLE"}})
	f.Dealer(leads.DealerForm{Name: "Hudson Valley Infiniti", Street: "120 Route 9W", City: "Newburgh", Region: "NY", Postal: "12550", Country: "US",
		Phone: "845-555-0142", LeadEmails: "leads@hudsonvalleyinfiniti.example", Makes: []string{"Infiniti"}, Coverage: "125 124 126", DailyCap: 40, Active: true})
	f.Dealer(leads.DealerForm{Name: "Queen Street Infiniti Nissan", Street: "500 King St W", City: "Toronto", Region: "ON", Postal: "M5V 1L9", Country: "CA",
		Phone: "416-555-0130", LeadEmails: "leads@queenstreetinfiniti.example", Makes: []string{"Infiniti"}, Coverage: "M5 M4", DailyCap: 40,
		Active: true, ADFAttachment: true})
	return m
}

// magazineSite serves the test magazine from d with its mail delivered
// to a test SMTP server by the outbox worker, as the server does.
func magazineSite(t *testing.T, d *db.DB) (*httptest.Server, *mailtest.Server, testSite, *magazine) {
	t.Helper()
	m := newMagazine(t, d)
	smtp := mailtest.Start(t)
	srv, ts := startSite(t, d, smtp.URL(), false)
	runOutbox(t, ts)
	return srv, smtp, ts, m
}

// serveMagazine serves the test magazine from d; its mail stays in the
// outbox.
func serveMagazine(t *testing.T, d *db.DB) (*httptest.Server, testSite, *magazine) {
	t.Helper()
	m := newMagazine(t, d)
	srv, ts := startSite(t, d, "", false)
	return srv, ts, m
}

// runOutbox delivers the site's mail as the server's worker does, until
// the test ends.
func runOutbox(t *testing.T, ts testSite) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go ts.outbox.Run(ctx, func(ctx context.Context) (mail.Sender, string, bool) {
		st := ts.settings.Current(ctx)
		return mail.NewSMTP(st.SMTP), st.SMTP.From, true
	}, 20*time.Millisecond, quietLog)
}
