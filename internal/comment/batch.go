package comment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Posts arriving together are stored together: one transaction, one
// commit, however many readers post at the same moment (group commit),
// and a few statements for the whole batch rather than a few per post.
// Each post's rules are checked on what the batch read before anything is
// written, so one refused post leaves the others untouched; one that
// fails in the database sends the batch round again, each post in its own
// savepoint. Each poster hears its own answer only after the commit that
// made its comment durable. A commit that fails fails every post of its
// batch: nothing is acknowledged that was not stored.
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
// The batch is written in a few statements whatever its size (writePosts):
// every check that can refuse a post is made on what was read before
// anything is written, so a refusal leaves nothing to undo. Only when the
// database fails something (which on PostgreSQL spoils the whole
// transaction) is the batch written again, each post alone in its
// savepoint, so that the failure stays that post's own.
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

// postFailed is a failure in the database while writing a batch without
// savepoints.
type postFailed struct{ err error }

func (e postFailed) Error() string { return e.err.Error() }
func (e postFailed) Unwrap() error { return e.err }

// batchState is what the posts of one batch share: the counts to add to
// each article.
type batchState struct {
	counts map[int64]*articleCounts
}

// authorState is what decides whether a person may comment.
type authorState struct {
	found  bool
	banned *time.Time
}

func (s *Store) writeBatch(ctx context.Context, tx *db.Tx, batch []*pending, savepoints bool) error {
	b := &batchState{counts: map[int64]*articleCounts{}}
	if !savepoints {
		if err := s.writePosts(ctx, tx, b, batch); err != nil {
			return postFailed{err}
		}
		return b.flush(ctx, tx)
	}
	for i, p := range batch {
		sp := "post_" + strconv.Itoa(i)
		if _, err := tx.Exec(ctx, "SAVEPOINT "+sp); err != nil {
			return err
		}
		if err := s.writePosts(ctx, tx, b, batch[i:i+1]); err != nil {
			p.out, p.err = Posted{}, err
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
			return err
		}
	}
	return b.flush(ctx, tx)
}

// flush adds the batch's comments to their articles' counts and tells
// each shown post the page its thread lands on.
func (b *batchState) flush(ctx context.Context, tx *db.Tx) error {
	threads, err := addToArticles(ctx, tx, b.counts)
	if err != nil {
		return err
	}
	for id, c := range b.counts {
		// The threads before this batch, then each post's own.
		n := threads[id] - c.threads
		for _, p := range c.posts {
			n += b2i(p.out.Depth == 0)
			p.out.LastPage = pageOf(n)
		}
	}
	return nil
}

// fate is what writePosts decided for one post.
type fate struct {
	d       draft // the post's draft, placed in its thread
	err     error // refused
	dupOf   int64 // a double submission of this stored comment
	dupPost int   // or of this earlier post of the same call (-1: none)
	row     int   // its row among those written (-1: none)
}

// writePosts applies the rules to posts (a batch, or one post of it in its
// savepoint) and stores those they let through, each as if the ones
// before it were stored already, in a few statements whatever their
// number: their articles, authors and recent comments are read in one
// query, the parents they name in another, and their comments and events are written many
// to a statement. Their answers are set only when all is written; the
// counts they add to their articles are left in b, for flush. An error is
// a failure of the database, for the caller to undo.
func (s *Store) writePosts(ctx context.Context, tx *db.Tx, b *batchState, posts []*pending) error {
	seen, err := readSeen(ctx, tx, posts)
	if err != nil {
		return err
	}
	fates := make([]fate, len(posts))
	var live []int
	for i, p := range posts {
		fates[i] = fate{d: p.d, dupPost: -1, row: -1}
		if fates[i].err = check(p.d, p.rules, seen[i]); fates[i].err == nil {
			live = append(live, i)
		}
	}
	parents, err := readParents(ctx, tx, posts, live)
	if err != nil {
		return err
	}
	var rows []row
	mine := map[int64][]int{} // an author's posts written by this call so far
	for _, i := range live {
		p, f := posts[i], &fates[i]
		d := &f.d
		// A double submission is answered with the first comment, before
		// the pace is checked, so it is never refused.
		if f.dupPost = sameText(posts, mine[d.AuthorID], *d); f.dupPost >= 0 {
			continue
		}
		if f.dupOf = seen[i].dup; f.dupOf > 0 {
			continue
		}
		if p.rules.PerMinute > 0 && seen[i].pace+since(posts, mine[d.AuthorID], d.at.Add(-time.Minute)) >= p.rules.PerMinute {
			f.err = apperr.Field("body", "you are commenting very fast; please wait a minute and send it again")
			continue
		}
		if f.err = placeReply(d, parents); f.err != nil {
			continue
		}
		mine[d.AuthorID] = append(mine[d.AuthorID], i)
		f.row = len(rows)
		st := d.status()
		rows = append(rows, row{article: d.ArticleID, parent: d.ParentID, depth: d.depth, thread: d.thread, path: d.path, author: d.AuthorID,
			md: d.md, html: d.html, text: d.text, status: st, ip: d.IP, score: d.score, at: d.at, replyNotified: st == StatusVisible})
	}
	ids, err := tx.ReserveIDs(ctx, "comments", len(rows))
	if err != nil {
		return err
	}
	for k := range rows {
		r := &rows[k]
		r.id = ids[k]
		if r.thread == 0 {
			r.thread, r.path = r.id, pad(r.id)
		} else {
			r.path = childPath(r.path, r.id)
		}
	}
	// A held comment's history starts with why it waits (a shown one's
	// with the comment itself).
	var held [][]any
	for _, f := range fates {
		if f.row >= 0 && f.d.held != "" {
			held = append(held, []any{rows[f.row].id, nil, "held", f.d.held, f.d.at})
		}
	}
	if err := writeRows(ctx, tx, rows); err != nil {
		return err
	}
	if err := tx.InsertRows(ctx, `INSERT INTO comment_events (comment_id, actor_id, action, note, created_at)`, "", held); err != nil {
		return err
	}
	out := make([]Posted, len(posts))
	for i, f := range fates {
		switch {
		case f.err != nil:
			continue
		case f.row >= 0:
			r, d := rows[f.row], f.d
			out[i] = Posted{HeldFor: d.held, Comment: Comment{ID: r.id, ArticleID: d.ArticleID, ParentID: d.ParentID, ThreadID: r.thread, Depth: d.depth,
				Author: Author{ID: d.AuthorID, Name: d.AuthorName}, BodyMD: d.md, BodyHTML: d.html, Status: r.status, CreatedAt: d.at.UTC()}}
			// A shown reply tells its parent's author, in the transaction
			// that stores it.
			if r.status == StatusVisible && d.ParentID > 0 {
				if err := s.notifyReply(ctx, tx, d.Site, d.ParentID, r.id, d.AuthorID, d.AuthorName, d.text); err != nil {
					return err
				}
			}
			continue
		case f.dupPost >= 0:
			f.dupOf = rows[fates[f.dupPost].row].id
		}
		c, err := s.getTx(ctx, tx, f.dupOf)
		if err != nil {
			return err
		}
		out[i] = Posted{Comment: c, Duplicate: true}
	}
	// All is written: the answers, and the counts for flush.
	for i, p := range posts {
		if fates[i].err == nil {
			a := seen[i].article
			out[i].ArticleSlug, out[i].ArticlePublished = a.slug, a.published
		}
		p.out, p.err = out[i], fates[i].err
		if p.err != nil || out[i].Duplicate || out[i].Status != StatusVisible {
			continue
		}
		c := b.counts[out[i].ArticleID]
		if c == nil {
			c = &articleCounts{}
			b.counts[out[i].ArticleID] = c
		}
		c.comments++
		c.threads += b2i(out[i].Depth == 0)
		c.posts = append(c.posts, p)
	}
	return nil
}

// check says whether the article is public and open to comments, and
// whether its author may comment at the time of the comment.
func check(d draft, rules Rules, seen seen) error {
	a := seen.article
	if !a.found || (a.status != "published" && a.status != "scheduled") || a.published.After(d.at) {
		return apperr.ErrNotFound
	}
	if rules.ClosedFor(a.closed, a.published, d.at) {
		return ErrClosed
	}
	switch u := seen.author; {
	case !u.found:
		return fmt.Errorf("comment: author %d: %w", d.AuthorID, apperr.ErrNotFound)
	case u.banned != nil && u.banned.After(d.at):
		return ErrBanned
	}
	return nil
}

// seen is what the database holds that decides a post: its article, its
// author, the stored comment it repeats (0: none) and how many its author
// wrote in the minute before it.
type seen struct {
	article articleState
	author  authorState
	dup     int64
	pace    int
}

// All that decides the posts is asked for in one statement, a row a post:
// the article and the author (posting changes neither), a double
// submission (the same text as one of the author's comments on the
// article within ten minutes, found by the text's hash, so the question
// reads the index entries of that one text however much the author
// writes) and the author's comments of the last minute (counted up to the
// most the rules allow, for the same reason).
//
// On PostgreSQL the posts go as arrays, one row each: one statement text
// whatever their number, planned once per connection (a text per number,
// each branch planned anew, cost more to plan than to run). SQLite, which
// plans in microseconds and has no arrays, takes a branch per post.
const (
	seenPostgres = `SELECT v.i, a.id IS NOT NULL, COALESCE(a.status, ''), a.published_at, COALESCE(a.comments_closed, false), COALESCE(a.slug, ''),
	u.id IS NOT NULL, u.banned_until,
	(SELECT id FROM comments WHERE author_id = v.author AND body_hash = v.hash AND created_at > v.dup_from
		AND article_id = v.article AND body_md = v.body ORDER BY created_at DESC LIMIT 1),
	(SELECT count(*) FROM (SELECT 1 FROM comments WHERE author_id = v.author AND created_at > v.pace_from LIMIT v.pace_max) pace)
FROM unnest($1::int[], $2::bigint[], $3::timestamptz[], $4::bigint[], $5::text[], $6::timestamptz[], $7::int[], $8::bigint[])
	AS v(i, author, dup_from, article, body, pace_from, pace_max, hash)
	LEFT JOIN articles a ON a.id = v.article LEFT JOIN users u ON u.id = v.author`
	// Parameters: the post's place, author, the ten minutes' start,
	// article, text, the minute's start and the text's hash; the rules'
	// most is written in (%[8]d), as every LIMIT on SQLite (db.Query).
	seenSQLiteBranch = `SELECT $%[1]d, a.id IS NOT NULL, COALESCE(a.status, ''), (a.published_at || ''), COALESCE(a.comments_closed, 0), COALESCE(a.slug, ''),
	u.id IS NOT NULL, (u.banned_until || ''),
	(SELECT id FROM comments WHERE author_id = $%[2]d AND body_hash = $%[7]d AND created_at > $%[3]d
		AND article_id = $%[4]d AND body_md = $%[5]d ORDER BY created_at DESC LIMIT 1),
	(SELECT count(*) FROM (SELECT 1 FROM comments WHERE author_id = $%[2]d AND created_at > $%[6]d LIMIT %[8]d) pace)
FROM (SELECT 1) one LEFT JOIN articles a ON a.id = $%[4]d LEFT JOIN users u ON u.id = $%[2]d`
)

// seenQuery is the statement asking what decides the posts, and its
// arguments.
func seenQuery(e db.Engine, posts []*pending) (string, []any) {
	if e == db.Postgres {
		var cols struct {
			i, pace           []int32
			author, article   []int64
			body              []string
			dupFrom, paceFrom []time.Time
			hash              []int64
		}
		for i, p := range posts {
			d := p.d
			cols.i = append(cols.i, int32(i))
			cols.author = append(cols.author, d.AuthorID)
			cols.dupFrom = append(cols.dupFrom, micro(d.at.Add(-10*time.Minute)))
			cols.article = append(cols.article, d.ArticleID)
			cols.body = append(cols.body, d.md)
			cols.paceFrom = append(cols.paceFrom, micro(d.at.Add(-time.Minute)))
			cols.pace = append(cols.pace, int32(max(p.rules.PerMinute, 0)))
			cols.hash = append(cols.hash, bodyHash(d.md))
		}
		return seenPostgres, []any{cols.i, cols.author, cols.dupFrom, cols.article, cols.body, cols.paceFrom, cols.pace, cols.hash}
	}
	// Padded to a power of two (the last asked again), so that few
	// statement texts are prepared (one set for each per-minute rule).
	n := 1
	for n < len(posts) {
		n *= 2
	}
	branches := make([]string, n)
	args := make([]any, 0, 7*n)
	for k := range n {
		i := min(k, len(posts)-1)
		p := posts[i]
		d := p.d
		branches[k] = fmt.Sprintf(seenSQLiteBranch, 7*k+1, 7*k+2, 7*k+3, 7*k+4, 7*k+5, 7*k+6, 7*k+7, max(p.rules.PerMinute, 0))
		args = append(args, i, d.AuthorID, d.at.Add(-10*time.Minute), d.ArticleID, d.md, d.at.Add(-time.Minute), bodyHash(d.md))
	}
	return strings.Join(branches, "\nUNION ALL\n"), args
}

// micro is t as every time is stored (db.Tx does so for times passed one
// by one, not in arrays).
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// readSeen asks what decides each post, in one statement.
func readSeen(ctx context.Context, tx *db.Tx, posts []*pending) ([]seen, error) {
	out := make([]seen, len(posts))
	if len(posts) == 0 {
		return out, nil
	}
	q, args := seenQuery(tx.Engine(), posts)
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("comment: duplicate check: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var published *time.Time
		var dup sql.NullInt64
		var s seen
		a := &s.article
		if err := rows.Scan(&i, &a.found, &a.status, db.ScanNullTime(&published), &a.closed, &a.slug,
			&s.author.found, db.ScanNullTime(&s.author.banned), &dup, &s.pace); err != nil {
			return nil, fmt.Errorf("comment: duplicate check: %w", err)
		}
		if published != nil {
			a.published = *published
		}
		s.dup = dup.Int64
		out[i] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("comment: duplicate check: %w", err)
	}
	return out, nil
}

// sameText finds, among earlier posts of the same call by the author
// (mine), one with the same text on the same article within ten minutes:
// a double submission inside one batch.
func sameText(posts []*pending, mine []int, d draft) int {
	for k := len(mine) - 1; k >= 0; k-- {
		e := posts[mine[k]].d
		if e.ArticleID == d.ArticleID && e.md == d.md && e.at.After(d.at.Add(-10*time.Minute)) {
			return mine[k]
		}
	}
	return -1
}

// since counts the posts among mine written after from.
func since(posts []*pending, mine []int, from time.Time) int {
	n := 0
	for _, i := range mine {
		n += b2i(posts[i].d.at.After(from))
	}
	return n
}

// parent is what a reply needs of the comment it answers.
type parent struct {
	article int64
	status  string
	deleted *time.Time
	depth   int
	thread  int64
	path    string
}

// readParents reads the comments the live posts reply to, in one query.
func readParents(ctx context.Context, tx *db.Tx, posts []*pending, live []int) (map[int64]parent, error) {
	out := map[int64]parent{}
	var ids []any
	for _, i := range live {
		if id := posts[i].d.ParentID; id > 0 {
			if _, ok := out[id]; !ok {
				out[id] = parent{}
				ids = append(ids, id)
			}
		}
	}
	clear(out)
	err := tx.QueryIn(ctx, `SELECT id, article_id, status, deleted_at, depth, thread_id, path FROM comments WHERE id IN $LIST`, nil, ids, func(r *sql.Rows) error {
		var id int64
		var p parent
		if err := r.Scan(&id, &p.article, &p.status, &p.deleted, &p.depth, &p.thread, &p.path); err != nil {
			return err
		}
		out[id] = p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("comment: parents: %w", err)
	}
	return out, nil
}

// placeReply puts a reply under its parent, which must be shown on the
// same article; a top-level comment stays at depth 0.
func placeReply(d *draft, parents map[int64]parent) error {
	if d.ParentID <= 0 {
		return nil
	}
	p, ok := parents[d.ParentID]
	if !ok || p.article != d.ArticleID || p.status != string(StatusVisible) || p.deleted != nil {
		return apperr.Field("parent", "you can only reply to a comment that is shown on this article")
	}
	d.depth, d.thread, d.path = p.depth+1, p.thread, p.path
	return nil
}
