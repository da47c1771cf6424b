package comment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"byline/internal/dbtest"
)

// BenchmarkThreadQuery is the store's side of a 10,000-comment page.
//
//	go test -run '^$' -bench ThreadQuery -benchmem ./internal/comment/
func BenchmarkThreadQuery(b *testing.B) {
	d := dbtest.SQLite(b)
	t := &testing.T{}
	f := setup(t, d)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	var ids []int64
	depth := map[int64]int{}
	at := time.Now().Add(-time.Hour)
	for i := 0; i < 10_000; i++ {
		var parent int64
		if i >= 500 {
			for {
				parent = ids[rng.IntN(len(ids))]
				if depth[parent] < 7 {
					break
				}
			}
		}
		p, err := f.s.Post(ctx, New{ArticleID: f.art.ID, ParentID: parent, AuthorID: f.people[1+i%3].ID,
			Body: fmt.Sprintf("Comment %d with *words* and a [link](https://example.com/%d).", i, i), At: at.Add(time.Duration(i) * time.Millisecond), Trusted: true},
			Rules{Open: true, MaxLinks: -1})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, p.ID)
		if parent > 0 {
			depth[p.ID] = depth[parent] + 1
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := f.s.Thread(ctx, f.art.ID, SortOldest, 1)
		if err != nil || len(p.Comments) < 100 {
			b.Fatalf("%d comments, %v", len(p.Comments), err)
		}
	}
}
