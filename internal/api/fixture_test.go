package api_test

import (
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/dbtest/fixture"
)

// desk is the content the API tests start from, made through the stores
// (package fixture), so each figure a test checks can be read here.
type desk struct {
	*fixture.Fixture

	editor    account.Person // admin and editor
	modWriter account.Person // contributor and moderator
	writer    account.Person // contributor
	author    account.Person // contributor and author
	moderator account.Person // moderator
	reader    account.Person
	// Readers who wrote the lead article's thread.
	commenter, replier, third, fourth account.Person

	contributors int // people with the contributor role

	lead article.Article // the article with a thread, the only one tagged infiniti
	// The lead thread: first (two up votes) with a reply, which has a
	// reply; fourth, a thread of its own.
	first, reply, replyToReply, fourthC comment.Comment

	published        int // published articles, the lead's among them
	draft, scheduled article.Article
}

// newDesk fills d with the API tests' content.
func newDesk(t testing.TB, d *db.DB) *desk {
	t.Helper()
	f := fixture.New(t, d)
	k := &desk{Fixture: f}
	k.editor = f.Person("edith.stone@gazette.test", "Edith Stone", account.RoleAdmin, account.RoleEditor)
	k.modWriter = f.Person("marco.bell@gazette.test", "Marco Bell", account.RoleContributor, account.RoleModerator)
	k.writer = f.PersonWith(account.NewPerson{Email: "pia.lund@gazette.test", DisplayName: "Pia Lund", Country: "CA",
		Roles: []account.Role{account.RoleContributor}})
	k.author = f.Person("eli.ward@gazette.test", "Eli Ward", account.RoleContributor, account.RoleAuthor)
	k.contributors = 3
	k.moderator = f.Person("rosa.quinn@gazette.test", "Rosa Quinn", account.RoleModerator)
	k.reader = f.Person("jo.park@example.com", "Jo Park")
	k.commenter = f.Person("dan.webb@example.com", "Dan Webb")
	k.replier = f.Person("nia.ford@example.com", "Nia Ford")
	k.third = f.Person("owen.hale@example.com", "Owen Hale")
	k.fourth = f.Person("bea.lind@example.com", "Bea Lind")

	start := time.Date(2024, 4, 1, 13, 0, 0, 0, time.UTC)
	for i, s := range []struct {
		by       account.Person
		headline string
		tags     []string
	}{
		{k.writer, "Winter Tyres Tested on a Frozen Lake", []string{"reviews"}},
		{k.modWriter, "Dealers Report a Quiet Spring", []string{"sales"}},
		{k.modWriter, "Luxury Sedan Sales Slip Again", []string{"sales", "luxury"}},
		{k.writer, "Recall Widens to Compact Cars", []string{"safety"}},
		{k.author, "Battery Plant Breaks Ground in Ontario", []string{"manufacturing"}},
		{k.writer, "Fuel Economy Rules Tighten", []string{"regulation"}},
		{k.modWriter, "Auto Show Crowds Return", []string{"auto-shows"}},
		{k.author, "Supplier Shortage Slows Truck Output", []string{"manufacturing"}},
	} {
		f.Published(s.by, s.headline, start.AddDate(0, 0, 3*i), s.tags...)
	}
	at := start.AddDate(0, 0, 30)
	k.lead = f.Article(article.Draft{Headline: "Carmaker Moves Production Out of Japan", AuthorID: k.author.ID, Status: article.StatusPublished,
		PublishedAt: at, UpdatedAt: at, Tags: []string{"manufacturing", "luxury", "japan", "infiniti"},
		BodyMD: "The carmaker will build its crossovers in Tennessee.\n\n> We build where we sell.\n\nThe plants are named in the report."})
	k.published = 9
	k.draft = f.Draft(k.modWriter, "Review: A Full-Size Pickup That Tows With Ease")
	k.scheduled = f.Scheduled(k.author, "Preview: What to Expect From the New Pickups", time.Now().AddDate(0, 1, 0))

	k.first = f.Comment(k.lead, k.commenter, "Moving the factories is the easy half.", at.Add(time.Hour))
	k.reply = f.Reply(k.first, k.replier, "I would wait for the second model year.", at.Add(2*time.Hour))
	k.replyToReply = f.Reply(k.reply, k.third, "That plant has built cars for forty years.", at.Add(3*time.Hour))
	k.fourthC = f.Comment(k.lead, k.fourth, "I would rather my car came from home.", at.Add(4*time.Hour))
	f.Vote(k.first, k.reader, 1)
	f.Vote(k.first, k.fourth, 1)
	return k
}
