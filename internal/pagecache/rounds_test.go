package pagecache

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// gatedReader counts the reads of the counters and holds the first one
// until released.
type gatedReader struct {
	*db.DB
	reads   atomic.Int32
	started chan struct{}
	release chan struct{}
}

func (g *gatedReader) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if g.reads.Add(1) == 1 {
		close(g.started)
		<-g.release
	}
	return g.DB.QueryRow(ctx, query, args...)
}

// Writers refreshing at once share reads: everyone who asks while a read
// is under way waits for the one next read, and each sees the change it
// made before asking.
func TestRefreshSharesRounds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
		if _, err := d.Exec(ctx, `INSERT INTO users (id, email, slug, display_name, created_at, updated_at) VALUES (1, 'a@example.com', 'a', 'A', $1, $1)`, now); err != nil {
			t.Fatal(err)
		}
		c := New(1 << 20)
		g := &gatedReader{DB: d, started: make(chan struct{}), release: make(chan struct{})}
		first := make(chan error, 1)
		go func() { first <- c.Refresh(ctx, g, nil) }()
		<-g.started

		const writers = 8
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := range writers {
			wg.Go(func() {
				// A change to content, then the version it made, then the
				// refresh that must see it.
				if _, err := d.Exec(ctx, `UPDATE users SET display_name = $1 WHERE id = 1`, "W"+string(rune('a'+i))); err != nil {
					errs <- err
					return
				}
				var v int64
				if err := d.QueryRow(ctx, `SELECT version FROM content_version WHERE id = 1`).Scan(&v); err != nil {
					errs <- err
					return
				}
				if err := c.Refresh(ctx, g, nil); err != nil {
					errs <- err
					return
				}
				if got := c.Content(); got < v {
					t.Errorf("after a refresh asked for after version %d was written: cache at %d", v, got)
				}
			})
		}
		// Every writer waits on the read that follows the held one.
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
			c.rounds.Lock()
			n := 0
			if c.queued != nil {
				n = c.queued.callers
			}
			c.rounds.Unlock()
			if n == writers {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d writers waiting", n, writers)
			}
		}
		close(g.release)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		if n := g.reads.Load(); n != 2 {
			t.Errorf("%d reads of the counters for %d refreshes, want 2", n, writers+1)
		}
	})
}
