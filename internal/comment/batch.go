package comment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"byline/internal/apperr"
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
//
// A post's rules are all checked before it writes anything, so a refusal
// leaves nothing to undo, and the batch is first written without a
// savepoint per post (two round trips each, on PostgreSQL). Only when a
// post fails in the database (which on PostgreSQL spoils the whole
// transaction) is the batch written again, each post in its savepoint.
func (s *Store) storeBatch(batch []*pending) {
	ctx := context.Background()
	err := s.db.Tx(ctx, func(tx *db.Tx) error { return s.writeBatch(ctx, tx, batch, false) })
	var failed postFailed
	if errors.As(err, &failed) {
		err = s.db.Tx(ctx, func(tx *db.Tx) error { return s.writeBatch(ctx, tx, batch, true) })
	}
	if err != nil {
		for _, p := range batch {
			p.out, p.err = Posted{}, err
		}
	}
}

// postFailed is a post's failure in the database, in a batch written
// without savepoints.
type postFailed struct{ err error }

func (e postFailed) Error() string { return e.err.Error() }
func (e postFailed) Unwrap() error { return e.err }

// refusal says whether err is a post refused by the rules (which write
// nothing before they refuse), not a failure of the database.
func refusal(err error) bool {
	var inv *apperr.Invalid
	return errors.Is(err, apperr.ErrNotFound) || errors.Is(err, ErrClosed) || errors.Is(err, ErrBanned) || errors.As(err, &inv)
}

// batchState is what the posts of one batch share: the articles and
// authors already checked, and the counts to add to each article.
type batchState struct {
	articles map[int64]articleState
	banned   map[int64]*time.Time
	counts   map[int64]*articleCounts
}

// articleCounts are a batch's shown comments and new threads on an
// article, and the posts among them (for the page each lands on).
type articleCounts struct {
	comments, threads int
	posts             []*pending
}

func (s *Store) writeBatch(ctx context.Context, tx *db.Tx, batch []*pending, savepoints bool) error {
	b := &batchState{articles: map[int64]articleState{}, banned: map[int64]*time.Time{}, counts: map[int64]*articleCounts{}}
	for i, p := range batch {
		sp := "post_" + strconv.Itoa(i)
		if savepoints {
			if _, err := tx.Exec(ctx, "SAVEPOINT "+sp); err != nil {
				return err
			}
		}
		out, err := s.postTx(ctx, tx, b, p.d, p.rules)
		switch {
		case err == nil:
			p.out, p.err = out, nil
		case refusal(err):
			p.out, p.err = Posted{}, err
		case !savepoints:
			return postFailed{err}
		default:
			p.out, p.err = Posted{}, err
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
				return err
			}
		}
		if savepoints {
			if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
				return err
			}
		}
		if p.err == nil && !p.out.Duplicate && p.out.Status == StatusVisible {
			c := b.counts[p.out.ArticleID]
			if c == nil {
				c = &articleCounts{}
				b.counts[p.out.ArticleID] = c
			}
			c.comments++
			c.threads += b2i(p.out.Depth == 0)
			c.posts = append(c.posts, p)
		}
	}
	return b.flush(ctx, tx)
}

// flush adds the batch's comments to their articles' counts, one statement
// an article (in id order, so batches on several nodes lock alike), and
// tells each shown post the page its thread lands on.
func (b *batchState) flush(ctx context.Context, tx *db.Tx) error {
	ids := make([]int64, 0, len(b.counts))
	for id := range b.counts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		c := b.counts[id]
		var threads int
		if err := tx.QueryRow(ctx, `UPDATE articles SET comment_count = comment_count + $2, comment_threads = comment_threads + $3 WHERE id = $1
			RETURNING comment_threads`, id, c.comments, c.threads).Scan(&threads); err != nil {
			return fmt.Errorf("comment: count on article %d: %w", id, err)
		}
		// The threads before this batch, then each post's own.
		n := threads - c.threads
		for _, p := range c.posts {
			n += b2i(p.out.Depth == 0)
			p.out.LastPage = pageOf(n)
		}
	}
	return nil
}
