package comment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// corpus builds a labelled set of comments: car talk from readers, and the
// spam a car site gets (pills, casinos, loans, replica watches, SEO), both
// with shared filler so the filter cannot win on stop words alone.
func corpus(rng *rand.Rand, n int) (ham, spam []string) {
	subjects := []string{"the new sedan", "this crossover", "the hybrid", "that pickup", "the JX", "the turbo four", "the EV", "this wagon", "the V6", "the dealer"}
	opinions := []string{"handles better than I expected", "feels underpowered on the highway", "has a cramped back seat", "gets decent mileage in winter",
		"should have kept the manual", "looks great in person", "is overpriced for what you get", "rides smoother than the old model",
		"needs a better infotainment screen", "will hold its value", "had a recall last year", "is built in Tennessee now"}
	extras := []string{"My brother owns one.", "Test drove it last weekend.", "Curious what the long-term reliability looks like.",
		"The article misses the point about the yen.", "Agree with the comment above.", "Range anxiety is real in Canada.",
		"Fuel prices change everything.", "I'd wait for the refresh.", "The plant in Smyrna has a good record.", "Nice write-up."}
	filler := []string{"honestly", "I think", "anyway", "for what it's worth", "really", "just saying"}
	pitches := []string{"Buy cheap viagra online", "Best online casino bonus", "Get fast payday loans", "Replica watches at 90% off",
		"Earn $5000 a week from home", "Cheap SEO backlinks for your site", "Hot singles in your area", "Crypto investment doubles your money",
		"Free iPhone giveaway", "Lose 20 pounds in a week with this pill"}
	calls := []string{"click here", "visit now", "limited offer", "order today", "100% guaranteed", "no prescription needed", "act fast", "sign up free"}
	domains := []string{"cheap-pills.example", "casino-royal.example", "fastloans.example", "replica-shop.example", "seo-links.example"}
	for i := 0; i < n; i++ {
		h := fmt.Sprintf("%s %s, %s. %s", strings.ToUpper(subjects[rng.IntN(len(subjects))][:1])+subjects[rng.IntN(len(subjects))][1:],
			opinions[rng.IntN(len(opinions))], filler[rng.IntN(len(filler))], extras[rng.IntN(len(extras))])
		if rng.IntN(5) == 0 {
			h += " See https://example.com/review/" + fmt.Sprint(i)
		}
		if rng.IntN(4) == 0 {
			// Readers talk money too: the hard cases for a spam filter.
			h += " " + []string{"The dealer offered free floor mats and a cheap warranty.", "Click the link in the article for the fuel numbers.",
				"Best deal I found was 90 days no payments.", "Limited offer my foot, they always have that rebate.",
				"Visit now and then I check the recall site."}[rng.IntN(5)]
		}
		ham = append(ham, h)
		s := fmt.Sprintf("%s, %s! %s https://%s/%d", pitches[rng.IntN(len(pitches))], calls[rng.IntN(len(calls))],
			filler[rng.IntN(len(filler))], domains[rng.IntN(len(domains))], i)
		if rng.IntN(3) == 0 {
			// Spam dressed as a comment.
			s = fmt.Sprintf("%s %s. %s", strings.ToUpper(subjects[rng.IntN(len(subjects))][:1])+subjects[rng.IntN(len(subjects))][1:],
				opinions[rng.IntN(len(opinions))], s)
		}
		if rng.IntN(4) == 0 {
			s = strings.ToUpper(s)
		}
		spam = append(spam, s)
	}
	return ham, spam
}

// TestSpamFilterQuality trains on 70% of a labelled set and reports
// precision and recall on the other 30%.
func TestSpamFilterQuality(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	ham, spam := corpus(rng, 300)
	cut := len(ham) * 7 / 10
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for i := 0; i < cut; i++ {
			if err := train(ctx, tx, ham[i], "ham", 1); err != nil {
				return err
			}
			if err := train(ctx, tx, spam[i], "spam", 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var tp, fp, fn, tn int
	for i := cut; i < len(ham); i++ {
		for _, c := range []struct {
			text   string
			isSpam bool
		}{{ham[i], false}, {spam[i], true}} {
			score, err := spamScore(ctx, d, c.text)
			if err != nil {
				t.Fatal(err)
			}
			held := score > SpamThreshold
			switch {
			case held && c.isSpam:
				tp++
			case held && !c.isSpam:
				fp++
			case !held && c.isSpam:
				fn++
			default:
				tn++
			}
		}
	}
	precision := float64(tp) / float64(max(tp+fp, 1))
	recall := float64(tp) / float64(max(tp+fn, 1))
	t.Logf("spam filter on %d held-out comments: precision %.3f, recall %.3f (tp %d, fp %d, fn %d, tn %d)", tp+fp+fn+tn, precision, recall, tp, fp, fn, tn)
	if precision < 0.9 || recall < 0.75 {
		t.Fatalf("spam filter too weak: precision %.3f, recall %.3f", precision, recall)
	}
}

// TestSpamFilterLearnsFromModerators: moderators' verdicts train the
// filter; once trained, new spam waits for a moderator.
func TestSpamFilterLearnsFromModerators(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		rng := rand.New(rand.NewPCG(3, 5))
		ham, spam := corpus(rng, 40)
		open := Rules{Open: true, MaxLinks: -1}
		var hamIDs, spamIDs []int64
		for i := range ham {
			p, err := f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[1+i%3].ID, Body: ham[i]}, open)
			if err != nil {
				t.Fatal(err)
			}
			hamIDs = append(hamIDs, p.ID)
			p, err = f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[1+i%3].ID, Body: spam[i]}, open)
			if err != nil {
				t.Fatal(err)
			}
			spamIDs = append(spamIDs, p.ID)
		}
		if err := f.s.Moderate(ctx, spamIDs, ActSpam, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Moderate(ctx, hamIDs, ActApprove, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		// Marking again changes nothing; changing the verdict moves the count.
		f.s.Moderate(ctx, spamIDs[:1], ActSpam, f.people[0].ID, "", Site{})
		var docs int
		d.QueryRow(ctx, `SELECT docs FROM spam_totals WHERE label = 'spam'`).Scan(&docs)
		if docs != len(spamIDs) {
			t.Fatalf("spam docs %d, want %d", docs, len(spamIDs))
		}
		p, err := f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[2].ID, Body: "Best online casino bonus, click here! https://casino-royal.example/x"}, open)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != StatusPending || !strings.HasPrefix(p.HeldFor, "likely spam") {
			t.Fatalf("trained filter let spam through: %s %q", p.Status, p.HeldFor)
		}
		p, _ = f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[3].ID, Body: "The hybrid gets decent mileage in winter, I think."}, open)
		if p.Status != StatusVisible {
			t.Fatalf("trained filter held a normal comment: %q", p.HeldFor)
		}
	})
}

// Whether an article takes comments is one rule for the reply box and Post.
func TestClosedFor(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	old, fresh := now.AddDate(0, 0, -31), now.AddDate(0, 0, -29)
	for _, c := range []struct {
		rules  Rules
		byHand bool
		pub    time.Time
		want   bool
	}{
		{Rules{Open: true}, false, old, false},
		{Rules{Open: true}, true, fresh, true},
		{Rules{Open: false}, false, fresh, true},
		{Rules{Open: true, CloseAfterDays: 30}, false, old, true},
		{Rules{Open: true, CloseAfterDays: 30}, false, fresh, false},
	} {
		if got := c.rules.ClosedFor(c.byHand, c.pub, now); got != c.want {
			t.Errorf("%+v by hand %v published %s: closed %v, want %v", c.rules, c.byHand, c.pub, got, c.want)
		}
	}
}

// A node reads the filter's totals at most once a second, but what it
// teaches the filter itself it sees at once, and another node's lesson
// within the second.
func TestSpamTotalsKeptBriefly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		a := f.post(t, 1, 0, "Cheap watches at my site")
		b := f.post(t, 2, 0, "The new engine is quieter than the old one")
		spam0, ham0, err := f.s.spamTotals(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		// Another node's moderator marks a spam: seen here within the second.
		other := NewStore(d)
		if err := other.Moderate(ctx, []int64{a.ID}, ActSpam, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			spam, _, err := f.s.spamTotals(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			if spam == spam0+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("spam total %d, want %d", spam, spam0+1)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// This node's own lesson is seen at once.
		if err := f.s.Moderate(ctx, []int64{b.ID}, ActApprove, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		if spam, ham, err := f.s.spamTotals(ctx, d); err != nil || spam != spam0+1 || ham != ham0+1 {
			t.Fatalf("after approving here: spam %d ham %d (%v), want %d and %d", spam, ham, err, spam0+1, ham0+1)
		}
	})
}
