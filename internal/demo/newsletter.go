package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/mail"
	"byline/internal/newsletter"
)

// discard is a mailer for the demo's invented sign-ups: nobody to mail.
type discard struct{}

func (discard) Enqueue(context.Context, db.Querier, mail.Message) error { return nil }

var firstNames = []string{"ada", "ben", "carla", "dev", "elena", "farid", "grace", "hugo", "iris", "jamal", "kenji", "lena", "mateo", "nora", "omar", "priya", "quinn", "rosa", "sam", "tess"}
var lastNames = []string{"abbott", "brennan", "castillo", "dubois", "eriksen"}

// loadNewsletter adds a few hundred subscribers (most confirmed, some
// waiting, some gone) and past digests, so the Newsletter screens have
// something to show.
func loadNewsletter(ctx context.Context, d *db.DB, articles *article.Store) error {
	store := newsletter.NewStore(d, discard{}, articles)
	site := newsletter.Site{Name: Settings.Name, BaseURL: "http://localhost:8080"}
	// The confirmed and the departed come in as one import (one
	// transaction); the few still pending sign up as readers do.
	list := "email,consent,frequency,status\n"
	var pending []newsletter.SignUp
	n := 0
	for r := 0; r < 3; r++ {
		for _, f := range firstNames {
			for _, l := range lastNames {
				n++
				email := fmt.Sprintf("%s.%s%d@example.net", f, l, r)
				freq := newsletter.Weekly
				if n%4 == 0 {
					freq = newsletter.Daily
				}
				switch {
				case n%15 == 0: // every fifteenth never confirmed
					pending = append(pending, newsletter.SignUp{Email: email, Frequency: freq, Source: "demo", Consent: "demo data"})
				case n%23 == 0:
					list += email + ",yes," + freq + ",unsubscribed\n"
				default:
					list += email + ",yes," + freq + ",confirmed\n"
				}
			}
		}
	}
	rep, err := store.Import(ctx, strings.NewReader(list), "the demo")
	if err != nil {
		return fmt.Errorf("demo: subscribers: %w", err)
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("demo: subscribers: %v", rep.Problems)
	}
	for _, in := range pending {
		if _, err := store.Subscribe(ctx, site, in); err != nil {
			return fmt.Errorf("demo: subscriber: %w", err)
		}
	}
	// Three weekly digests of the demo's spring 2012.
	page, err := articles.List(ctx, article.ListQuery{Limit: 30})
	if err != nil {
		return err
	}
	for i, week := range []string{"2012-04-09", "2012-05-07", "2012-05-28"} {
		at, _ := time.Parse("2006-01-02", week)
		at = at.Add(11 * time.Hour) // 7:00 in New York
		var ids []int64
		for _, a := range page.Articles {
			if a.PublishedAt.Before(at) && a.PublishedAt.After(at.Add(-14*24*time.Hour)) {
				ids = append(ids, a.ID)
			}
		}
		if len(ids) == 0 {
			ids = []int64{page.Articles[len(page.Articles)-1-i].ID}
		}
		c, err := store.CreateDraft(ctx, 0, newsletter.Compose{Subject: fmt.Sprintf("%s: your weekly digest, %s", Settings.Name, at.Format("January 2, 2006")),
			Audience: newsletter.Weekly, ArticleIDs: ids})
		if err != nil {
			return err
		}
		if err := store.RecordPast(ctx, c.ID, at, true); err != nil {
			return err
		}
	}
	return nil
}
