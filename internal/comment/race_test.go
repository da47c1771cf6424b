package comment

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/dbtest"
)

// Readers voting on and reporting one comment at the same moment: its
// stored counts are the votes and reports there are. (On PostgreSQL each
// transaction counted without the others' rows and the last write won.)
func TestConcurrentVotesAndReportsAllCount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		c := f.post(t, 0, 0, "Vote on this.")
		const n = 12
		ps := account.NewStore(d)
		var voters []int64
		for i := 0; i < n; i++ {
			p, err := ps.Create(ctx, account.NewPerson{Email: fmt.Sprintf("voter%d@example.com", i), DisplayName: fmt.Sprintf("Voter %d", i), Verified: true})
			if err != nil {
				t.Fatal(err)
			}
			voters = append(voters, p.ID)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 2*n)
		start := make(chan struct{})
		for i, id := range voters {
			wg.Go(func() {
				<-start
				value := 1
				if i%3 == 0 {
					value = -1
				}
				if _, err := f.s.Vote(ctx, c.ID, id, value); err != nil {
					errs <- fmt.Errorf("vote %d: %w", i, err)
				}
				if err := f.s.Report(ctx, c.ID, id, "off topic", Rules{}); err != nil {
					errs <- fmt.Errorf("report %d: %w", i, err)
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, err := f.s.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Up != n-n/3 || got.Down != n/3 || got.Reports != n {
			t.Fatalf("stored up %d down %d reports %d; want %d, %d, %d", got.Up, got.Down, got.Reports, n-n/3, n/3, n)
		}
	})
}
