package demo

import (
	"context"
	"fmt"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/comment"
)

// Readers are the demo's commenters.
var Readers = []account.NewPerson{
	{Email: "dale.whitcomb@example.com", DisplayName: "Dale Whitcomb", Country: "US", Bio: "Weekend autocrosser, weekday minivan pilot."},
	{Email: "nadia.forsythe@example.com", DisplayName: "Nadia Forsythe", Country: "CA", Bio: "Engineer in Windsor. Reads recall notices for fun."},
	{Email: "owen.castellano@example.com", DisplayName: "Owen Castellano", Country: "US", Bio: "Middle Tennessee born and raised."},
	{Email: "beatriz.lindqvist@example.com", DisplayName: "Beatriz Lindqvist", Country: "US", Bio: "Two Volvos, one Miata, no regrets."},
}

// demoComment is one comment of the demo: key names it for replies.
type demoComment struct {
	article, key, parent, author, body string
	at                                 time.Time
	up, down                           []string // voters' e-mail addresses
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

const infiniti = "infiniti-to-move-production-out-of-japan"

// demoComments: the Infiniti article's four, nested as on the reference
// page (1; 2 replying to 1; 3 replying to 2; 4 on its own), then a few on
// other stories so Recent Comments is full.
var demoComments = []demoComment{
	{article: infiniti, key: "c1", author: "dale.whitcomb@example.com", at: at("2012-04-05T11:02:00-04:00"),
		up: []string{"nadia.forsythe@example.com", "jordan.pike@example.com", "beatriz.lindqvist@example.com"},
		body: "Moving the factories is the easy half. If Infiniti wants to be a real global luxury name it needs a lineup with a point of view: " +
			"a rear-drive sport sedan that doesn't feel like a Nissan in a nicer suit, a hybrid that can match Lexus for refinement, and cabins " +
			"that earn the sticker price. Building the JX in Tennessee makes sense for buyers here, but nobody cross-shops a crossover on the " +
			"address of its plant. They buy the one they want to drive.\n\nGet the cars right first. Where they're bolted together matters a lot less."},
	{article: infiniti, key: "c2", parent: "c1", author: "nadia.forsythe@example.com", at: at("2012-04-05T12:40:00-04:00"),
		body: "Agreed on the lineup, but I'd be wary of the first couple of model years off a new line. Launch glitches on a fresh product " +
			"at a plant that has never built it are almost a tradition. I'd wait for year two before buying one."},
	{article: infiniti, key: "c3", parent: "c2", author: "owen.castellano@example.com", at: at("2012-04-05T14:15:00-04:00"),
		body: "Smyrna has been building cars since the early eighties. It's not a new plant and the people on that line know exactly what " +
			"they're doing. Plenty of cars out of there have aged better than the imports parked next to them. Give the workforce some credit."},
	{article: infiniti, key: "c4", author: "beatriz.lindqvist@example.com", at: at("2012-04-05T16:48:00-04:00"),
		up:   []string{"dale.whitcomb@example.com"},
		body: "Call me old-fashioned, but I'd rather my Japanese car came from Japan."},
	{article: "ontario-plant-adds-production-compact-crossover", key: "o1", author: "nadia.forsythe@example.com", at: at("2012-05-02T13:10:00-04:00"),
		body: "Good news for the region. Saturday shifts mean the suppliers around here get busy too."},
	{article: "supplier-fuel-line-fitting-prompts-compact-car-recall", key: "s1", author: "jordan.pike@example.com", at: at("2012-05-15T10:05:00-04:00"),
		body: "Checked my VIN this morning. Not affected, but I appreciate that the notice said exactly what to look for."},
	{article: "first-drive-california-startup-electric-sedan", key: "e1", author: "dale.whitcomb@example.com", at: at("2012-05-22T18:30:00-04:00"),
		up:   []string{"owen.castellano@example.com"},
		body: "The real test is year three, when the first owners need service. Quick is easy; supported is hard."},
	{article: "first-drive-california-startup-electric-sedan", key: "e2", parent: "e1", author: "beatriz.lindqvist@example.com", at: at("2012-05-22T20:12:00-04:00"),
		body: "Fair, though the same was said about every brand that's now a household name."},
	{article: "indianapolis-500-record-lead-changes-last-lap-thriller", key: "i1", author: "owen.castellano@example.com", at: at("2012-05-28T21:05:00-04:00"),
		body: "Best finish in years. The new car finally lets them race wheel to wheel."},
}

// loadComments posts the demo's comments and votes.
func loadComments(ctx context.Context, people *account.Store, articles *article.Store, comments *comment.Store) error {
	ids := map[string]int64{}
	person := func(email string) (int64, error) {
		p, err := people.Find(ctx, email)
		return p.ID, err
	}
	for _, dc := range demoComments {
		a, err := articles.Public(ctx, dc.article)
		if err != nil {
			return fmt.Errorf("demo comment %s: article %s: %w", dc.key, dc.article, err)
		}
		author, err := person(dc.author)
		if err != nil {
			return err
		}
		p, err := comments.Post(ctx, comment.New{ArticleID: a.ID, ParentID: ids[dc.parent], AuthorID: author, Body: dc.body, At: dc.at, Trusted: true},
			comment.Rules{Open: true, MaxLinks: -1})
		if err != nil {
			return fmt.Errorf("demo comment %s: %w", dc.key, err)
		}
		ids[dc.key] = p.ID
		for _, v := range []struct {
			who   []string
			value int
		}{{dc.up, 1}, {dc.down, -1}} {
			for _, email := range v.who {
				voter, err := person(email)
				if err != nil {
					return err
				}
				if _, err := comments.Vote(ctx, p.ID, voter, v.value); err != nil {
					return fmt.Errorf("demo vote on %s: %w", dc.key, err)
				}
			}
		}
	}
	return nil
}
