package comment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// TestSmallDiscussionsReadAsLarge pins that a small discussion, read whole
// and paged here, shows what the large discussions' query shows: the same
// threads in each order, on every page, with the same replies, counts of
// hidden replies and names, whatever is held, deleted or voted on.
func TestSmallDiscussionsReadAsLarge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		rng := rand.New(rand.NewPCG(7, 11))
		at := time.Now().Add(-time.Hour)
		var ids []int64
		for i := range 170 {
			var parent int64
			if i >= 20 && rng.IntN(3) > 0 {
				parent = ids[rng.IntN(len(ids))]
			}
			p, err := f.s.Post(ctx, New{ArticleID: f.art.ID, ParentID: parent, AuthorID: f.people[i%4].ID,
				Body: fmt.Sprintf("Comment %d", i), At: at.Add(time.Duration(i) * time.Second), Trusted: true}, Rules{Open: true, MaxLinks: -1})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, p.ID)
		}
		// Held comments (a thread's top among them), deleted ones, votes.
		for _, i := range []int{3, 25, 40, 77, 120} {
			if err := f.s.Moderate(ctx, []int64{ids[i]}, ActHold, f.people[0].ID, "", Site{}); err != nil {
				t.Fatal(err)
			}
		}
		for _, i := range []int{5, 31, 64, 99} {
			c, err := f.s.Get(ctx, ids[i])
			if err != nil {
				t.Fatal(err)
			}
			if err := f.s.Delete(ctx, c.ID, c.Author.ID); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 60 {
			c, err := f.s.Get(ctx, ids[rng.IntN(len(ids))])
			if err != nil {
				t.Fatal(err)
			}
			voter := f.people[(i+1)%4]
			if voter.ID == c.Author.ID || c.Status != StatusVisible || c.Deleted() {
				continue
			}
			if _, err := f.s.Vote(ctx, c.ID, voter.ID, 1-2*rng.IntN(2)); err != nil {
				t.Fatal(err)
			}
		}
		defer func(n int) { smallDiscussion = n }(smallDiscussion)
		for _, srt := range []Sort{SortOldest, SortNewest, SortBest} {
			for n := 1; ; n++ {
				smallDiscussion = 0
				f.s.pages.forget() // each read from the database
				large, errLarge := f.s.Thread(ctx, f.art.ID, srt, n)
				smallDiscussion = 1000
				f.s.pages.forget()
				small, errSmall := f.s.Thread(ctx, f.art.ID, srt, n)
				if fmt.Sprint(errLarge) != fmt.Sprint(errSmall) {
					t.Fatalf("%s page %d: errors %v and %v", srt, n, errLarge, errSmall)
				}
				if errLarge != nil {
					if n < 2 {
						t.Fatalf("%s: only %d pages", srt, n-1)
					}
					break
				}
				if len(large.Comments) == 0 || (n == 1 && len(large.Comments) < 100) || !reflect.DeepEqual(large, small) {
					t.Fatalf("%s page %d differs:\nlarge %d comments %+v\nsmall %d comments %+v", srt, n, len(large.Comments), large, len(small.Comments), small)
				}
			}
		}
	})
}
