package redirect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Redirect leads an old address to its new place.
type Redirect struct {
	ID        int64
	OldPath   string // normalised (see Normalize)
	Target    string // a path on this site or an http(s) address
	CreatedAt time.Time
	Hits      int64     // requests answered, as of the last flush
	LastHitAt time.Time // zero: never
}

// Store keeps the redirects, and remembers lookups for a few seconds:
// the site asks only for addresses that would be a 404, and a crawler
// asks for the same dead ones again and again.
//
// Freshness: a change made through this store forgets this node's
// lookups at once and calls OnChange, which the server wires to an event
// every node hears (relayed by PostgreSQL's NOTIFY), so the other nodes
// forget theirs. A change made by another process (an import command)
// reaches every node when its remembered lookups expire, after
// rememberFor at most.
type Store struct {
	db  *db.DB
	now func() time.Time
	// OnChange hears of every change, to tell the other nodes (Forget).
	OnChange func()

	mu     sync.Mutex
	gen    uint64 // moves on every change, so a lookup racing one is not kept
	memory map[string]remembered
	hits   map[int64]hit // counted since the last FlushHits
}

type remembered struct {
	r     Redirect
	found bool
	at    time.Time
}

type hit struct {
	n    int64
	last time.Time
}

const (
	rememberFor = 10 * time.Second
	maxMemory   = 10_000
)

// NewStore returns a Store on d.
func NewStore(d *db.DB) *Store {
	return &Store{db: d, now: time.Now, memory: map[string]remembered{}, hits: map[int64]hit{}}
}

const cols = `id, old_path, target, created_at, hits, last_hit_at`

func scan(sc db.Scanner) (Redirect, error) {
	var r Redirect
	var last sql.NullTime
	if err := sc.Scan(&r.ID, &r.OldPath, &r.Target, &r.CreatedAt, &r.Hits, &last); err != nil {
		return Redirect{}, err
	}
	if last.Valid {
		r.LastHitAt = last.Time
	}
	return r, nil
}

// entry is a checked redirect: the old address's key, the tidied target
// and, for a target on this site, its key.
type entry struct{ key, target, targetKey string }

// check reads an entry, as typed or imported.
func check(old, target string) (entry, error) {
	v := apperr.NewInvalid()
	e := entry{key: checkOld(v, old), target: target}
	if e.key != "" {
		e.target, e.targetKey = checkTarget(v, e.key, target)
	}
	return e, v.Err()
}

// noCircle refuses a target on this site that is itself an old address
// leading straight back to k: the two would send readers round forever.
func noCircle(ctx context.Context, tx *db.Tx, e entry) error {
	if e.targetKey == "" {
		return nil // an address elsewhere
	}
	k, tk := e.key, e.targetKey
	var back string
	err := tx.QueryRow(ctx, `SELECT target FROM redirects WHERE old_path = $1`, tk).Scan(&back)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	// A target that does not normalise is an address elsewhere: no circle.
	if bk, err := Normalize(back); err == nil && bk == k {
		return apperr.Field("target", "the target is an old address that leads back here ("+tk+" → "+back+"): the two would send readers round in circles")
	}
	return nil
}

// Add makes old lead to target. It is idempotent: the same old address
// (in any spelling Normalize folds together) keeps one row, and a new
// target for it replaces the old one. The importer calls it for every
// address an item had.
func (s *Store) Add(ctx context.Context, old, target string) (Redirect, error) {
	e, err := check(old, target)
	if err != nil {
		return Redirect{}, err
	}
	var r Redirect
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := noCircle(ctx, tx, e); err != nil {
			return err
		}
		var err error
		r, err = scan(tx.QueryRow(ctx, `INSERT INTO redirects (old_path, target, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (old_path) DO UPDATE SET target = excluded.target RETURNING `+cols, e.key, e.target, s.now()))
		return err
	})
	if err != nil {
		return Redirect{}, fmt.Errorf("redirect: add %s: %w", e.key, db.MapError(s.db.Engine, err))
	}
	s.changed()
	return r, nil
}

// Entry is one redirect to add: an old address and its target.
type Entry struct{ Old, Target string }

// AddMany adds entries as Add does, in one transaction, so an import's
// thousands of addresses cost one commit. Entries the rules refuse are
// skipped and returned with their reasons, by index in list; the others
// are written (all of them, or none if the database fails).
func (s *Store) AddMany(ctx context.Context, list []Entry) (map[int]error, error) {
	refused := map[int]error{}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		clear(refused)
		now := s.now()
		for i, in := range list {
			e, err := check(in.Old, in.Target)
			if err == nil {
				err = noCircle(ctx, tx, e)
			}
			if _, ok := apperr.AsInvalid(err); ok {
				refused[i] = err
				continue
			}
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO redirects (old_path, target, created_at) VALUES ($1, $2, $3)
				ON CONFLICT (old_path) DO UPDATE SET target = excluded.target`, e.key, e.target, now); err != nil {
				return fmt.Errorf("%s: %w", e.key, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redirect: add %d: %w", len(list), err)
	}
	if len(refused) < len(list) {
		s.changed()
	}
	return refused, nil
}

// Save changes a redirect's old address and target (the admin's edit).
// An old address another redirect has is an *apperr.Invalid on "old".
func (s *Store) Save(ctx context.Context, id int64, old, target string) (Redirect, error) {
	e, err := check(old, target)
	if err != nil {
		return Redirect{}, err
	}
	var r Redirect
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := noCircle(ctx, tx, e); err != nil {
			return err
		}
		var err error
		r, err = scan(tx.QueryRow(ctx, `UPDATE redirects SET old_path = $2, target = $3 WHERE id = $1 RETURNING `+cols, id, e.key, e.target))
		return db.MapError(tx.Engine(), err)
	})
	switch {
	case errors.Is(err, apperr.ErrConflict):
		return Redirect{}, apperr.Field("old", "another redirect already starts at this address: edit that one")
	case err != nil:
		return Redirect{}, fmt.Errorf("redirect: save %d: %w", id, err)
	}
	s.changed()
	return r, nil
}

// Delete removes a redirect.
func (s *Store) Delete(ctx context.Context, id int64) error {
	res, err := s.db.Exec(ctx, `DELETE FROM redirects WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("redirect: delete %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("redirect: delete %d: %w", id, err)
	} else if n == 0 {
		return apperr.ErrNotFound
	}
	s.changed()
	return nil
}

// ByID returns one redirect.
func (s *Store) ByID(ctx context.Context, id int64) (Redirect, error) {
	r, err := scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM redirects WHERE id = $1`, id))
	if err != nil {
		return Redirect{}, fmt.Errorf("redirect: %d: %w", id, db.MapError(s.db.Engine, err))
	}
	return r, nil
}

// ListQuery selects redirects for the admin, newest first.
type ListQuery struct {
	Text   string // in the old address or the target
	Before int64  // keyset: ids below this one
	Limit  int    // default 50, at most 200
}

// Page is a page of redirects and the cursor of the next, 0 on the last.
type Page struct {
	Redirects []Redirect
	Next      int64
}

// List returns a page of redirects, newest first.
func (s *Store) List(ctx context.Context, q ListQuery) (Page, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	var where db.Where
	if t := strings.TrimSpace(q.Text); t != "" {
		where.Add(`(lower(old_path) LIKE $1 ESCAPE '\' OR lower(target) LIKE $1 ESCAPE '\')`, db.Contains(strings.ToLower(t)))
	}
	if q.Before > 0 {
		where.Add("id < $1", q.Before)
	}
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM redirects `+where.SQL()+` ORDER BY id DESC LIMIT `+fmt.Sprint(q.Limit+1), where.Args()...)
	if err != nil {
		return Page{}, fmt.Errorf("redirect: list: %w", err)
	}
	list, err := db.Collect(rows, scan)
	if err != nil {
		return Page{}, fmt.Errorf("redirect: list: %w", err)
	}
	var p Page
	if len(list) > q.Limit {
		list = list[:q.Limit]
		p.Next = list[q.Limit-1].ID
	}
	p.Redirects = list
	return p, nil
}

// Lookup finds where an old address leads: path as a request has it
// (unescaped) and its raw query. The table is asked for the address with
// the parameters WordPress routes by, then for the path alone; then the
// built-in WordPress addresses (feeds, search, month archives) answer.
// A built-in answer has ID 0. Answers, found or not, are remembered for
// a few seconds.
func (s *Store) Lookup(ctx context.Context, path, rawQuery string) (Redirect, bool, error) {
	k := key(path, rawQuery)
	now := s.now()
	s.mu.Lock()
	m, ok := s.memory[k]
	gen := s.gen
	s.mu.Unlock()
	if ok && now.Sub(m.at) < rememberFor {
		return m.r, m.found, nil
	}
	// The candidates, best first: the address, in lower case (WordPress
	// found its slugs whatever their case), then the path alone.
	bare, _, _ := strings.Cut(k, "?")
	if bare == "/" {
		bare = k // the home page itself is never an old address
	}
	cands := []string{k, strings.ToLower(k), bare, strings.ToLower(bare)}
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM redirects WHERE old_path IN ($1, $2, $3, $4)`, cands[0], cands[1], cands[2], cands[3])
	if err != nil {
		return Redirect{}, false, fmt.Errorf("redirect: lookup %s: %w", k, err)
	}
	list, err := db.Collect(rows, scan)
	if err != nil {
		return Redirect{}, false, fmt.Errorf("redirect: lookup %s: %w", k, err)
	}
	var r Redirect
	found := false
	for _, cand := range cands {
		if i := slices.IndexFunc(list, func(x Redirect) bool { return x.OldPath == cand }); i >= 0 {
			r, found = list[i], true
			break
		}
	}
	if !found {
		if to, ok := builtin(k); ok {
			r, found = Redirect{OldPath: k, Target: to}, true
		}
	}
	s.mu.Lock()
	if s.gen == gen { // no change since the query began
		if len(s.memory) >= maxMemory {
			s.memory = map[string]remembered{} // start over rather than track use
		}
		s.memory[k] = remembered{r: r, found: found, at: now}
	}
	s.mu.Unlock()
	return r, found, nil
}

// Forget drops the remembered lookups (another node changed the table).
func (s *Store) Forget() {
	s.mu.Lock()
	s.gen++
	s.memory = map[string]remembered{}
	s.mu.Unlock()
}

// changed forgets this node's lookups and tells the others.
func (s *Store) changed() {
	s.Forget()
	if s.OnChange != nil {
		s.OnChange()
	}
}

// Hit counts one request answered by the redirect id, in memory:
// FlushHits writes the counts, so a redirect costs no write.
func (s *Store) Hit(id int64) {
	if id <= 0 {
		return // a built-in address
	}
	now := s.now()
	s.mu.Lock()
	h := s.hits[id]
	h.n++
	h.last = now
	s.hits[id] = h
	s.mu.Unlock()
}

// FlushHits writes the hits counted since the last flush. A redirect
// deleted since is skipped; on failure the counts are kept for the next.
func (s *Store) FlushHits(ctx context.Context) error {
	s.mu.Lock()
	pending := s.hits
	s.hits = map[int64]hit{}
	s.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		for id, h := range pending {
			if _, err := tx.Exec(ctx, `UPDATE redirects SET hits = hits + $2,
				last_hit_at = CASE WHEN last_hit_at IS NULL OR last_hit_at < $3 THEN $3 ELSE last_hit_at END WHERE id = $1`, id, h.n, h.last); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.mu.Lock()
		for id, h := range pending {
			cur := s.hits[id]
			cur.n += h.n
			if h.last.After(cur.last) {
				cur.last = h.last
			}
			s.hits[id] = cur
		}
		s.mu.Unlock()
		return fmt.Errorf("redirect: hits: %w", err)
	}
	return nil
}

// Has reports whether an old address (in any spelling Normalize folds)
// already has a row, whatever its target: an import leaves rows an admin
// may have changed alone.
func (s *Store) Has(ctx context.Context, old string) (bool, error) {
	key, err := Normalize(old)
	if err != nil {
		return false, err
	}
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM redirects WHERE old_path = $1`, key).Scan(&n); err != nil {
		return false, fmt.Errorf("redirect: %w", err)
	}
	return n > 0, nil
}
