package comment

import (
	"context"
	"fmt"
	"sync"

	"byline/internal/db"
)

// Posts arriving together are stored together: one transaction, one
// commit, however many readers post at the same moment (group commit).
// Each post runs its rules and writes inside its own savepoint, so one
// refused or failing post leaves the others in the batch untouched, and
// each poster hears its own answer only after the commit that made its
// comment durable. A commit that fails fails every post of its batch:
// nothing is acknowledged that was not stored.
//
// Whoever posts while no batch is being stored stores the batch (theirs
// and whatever arrived meanwhile), then hands the next batch to one of
// the posters waiting in it. No goroutine of its own, nothing to stop.

// maxBatch bounds the posts in one transaction, so a writer does not
// hold the database for long and a failed commit fails few.
const maxBatch = 64

type pending struct {
	d     draft
	rules Rules
	out   Posted
	err   error
	// turn says what the poster does next: true, store the next batch
	// (it leads); closed with false, its answer is in out and err.
	turn chan bool
}

type batcher struct {
	mu      sync.Mutex
	queue   []*pending
	leading bool
}

// post stores p with the batch it arrives in and returns when its answer
// is known.
func (s *Store) post(p *pending) {
	b := &s.batch
	p.turn = make(chan bool, 1)
	b.mu.Lock()
	b.queue = append(b.queue, p)
	lead := !b.leading
	b.leading = true
	b.mu.Unlock()
	for !lead {
		if lead = <-p.turn; !lead {
			return // answered by a batch another poster stored
		}
	}
	// This poster stores the next batch, which holds its own post (the
	// queue keeps arrival order and the leader is always its first).
	b.mu.Lock()
	n := min(len(b.queue), maxBatch)
	batch := b.queue[:n:n]
	b.queue = b.queue[n:]
	b.mu.Unlock()

	panicked := s.storeBatchSafely(batch)

	b.mu.Lock()
	var next *pending
	if len(b.queue) > 0 {
		next = b.queue[0]
	} else {
		b.leading = false
	}
	b.mu.Unlock()
	for _, q := range batch {
		if q != p {
			close(q.turn)
		}
	}
	if next != nil {
		next.turn <- true
	}
	if panicked != nil {
		panic(panicked) // after the others have their answers and the next batch its leader
	}
}

// storeBatchSafely is storeBatch, turning a panic into every post's error
// (and returning it), so that no poster waits for ever on a batch that
// will not finish.
func (s *Store) storeBatchSafely(batch []*pending) (panicked any) {
	defer func() {
		if panicked = recover(); panicked != nil {
			for _, q := range batch {
				q.out, q.err = Posted{}, fmt.Errorf("comment: storing posts: %v", panicked)
			}
		}
	}()
	s.storeBatch(batch)
	return nil
}

// storeBatch writes a batch in one transaction and sets each post's
// answer. It runs without the poster's context: once a post is taken, its
// answer is what was stored, whether or not the poster still waits.
func (s *Store) storeBatch(batch []*pending) {
	ctx := context.Background()
	if len(batch) == 1 {
		p := batch[0]
		p.err = s.db.Tx(ctx, func(tx *db.Tx) error {
			var err error
			p.out, err = s.postTx(ctx, tx, p.d, p.rules)
			return err
		})
		if p.err != nil {
			p.out = Posted{}
		}
		return
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		for i, p := range batch {
			sp := fmt.Sprintf("post_%d", i)
			if _, err := tx.Exec(ctx, "SAVEPOINT "+sp); err != nil {
				return err
			}
			p.out, p.err = s.postTx(ctx, tx, p.d, p.rules)
			if p.err != nil {
				p.out = Posted{}
				if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for _, p := range batch {
			p.out, p.err = Posted{}, err
		}
	}
}
