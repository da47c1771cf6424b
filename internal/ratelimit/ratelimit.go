// Package ratelimit counts attempts in the database, so every node sees the
// same counts: fixed-window limits per key (an address, an account) and
// lockouts that double with each further failure.
package ratelimit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"byline/internal/db"
)

// Limiter keeps counters in the rate_limits table.
type Limiter struct {
	db  *db.DB
	now func() time.Time
}

// New returns a Limiter on d.
func New(d *db.DB) *Limiter { return &Limiter{db: d, now: time.Now} }

// Hit counts one attempt for key and reports whether it is within limit
// attempts per window; when not, how long until the window resets.
func (l *Limiter) Hit(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	now := l.now()
	var hits int
	var start time.Time
	err := l.db.Tx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO rate_limits (key, hits, window_start) VALUES ($1, 1, $2)
			ON CONFLICT (key) DO UPDATE SET
				hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END,
				window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 ELSE rate_limits.window_start END
			RETURNING hits, window_start`, key, now, now.Add(-window)).Scan(&hits, &start)
	})
	if err != nil {
		return false, 0, fmt.Errorf("ratelimit: %s: %w", key, err)
	}
	if hits > limit {
		return false, start.Add(window).Sub(now), nil
	}
	return true, 0, nil
}

// Lockout policy: after FreeFailures failures in a row, each further one
// locks the key for BaseLock, doubling, up to MaxLock.
const (
	FreeFailures = 5
	BaseLock     = 30 * time.Second
	MaxLock      = time.Hour
)

// Locked returns how long key stays locked (0: not locked).
func (l *Limiter) Locked(ctx context.Context, key string) (time.Duration, error) {
	var until *time.Time
	err := l.db.QueryRow(ctx, `SELECT locked_until FROM rate_limits WHERE key = $1`, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && until == nil) {
		return 0, nil // never failed
	}
	if err != nil {
		return 0, fmt.Errorf("ratelimit: locked %s: %w", key, err)
	}
	if d := until.Sub(l.now()); d > 0 {
		return d, nil
	}
	return 0, nil
}

// Fail records a failure for key and returns the lockout it now has.
func (l *Limiter) Fail(ctx context.Context, key string) (time.Duration, error) {
	now := l.now()
	var failures int
	err := l.db.Tx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO rate_limits (key, hits, window_start, failures) VALUES ($1, 0, $2, 1)
			ON CONFLICT (key) DO UPDATE SET failures = rate_limits.failures + 1
			RETURNING failures`, key, now).Scan(&failures)
	})
	if err != nil {
		return 0, fmt.Errorf("ratelimit: fail %s: %w", key, err)
	}
	if failures < FreeFailures {
		return 0, nil
	}
	lock := BaseLock
	for i := FreeFailures; i < failures && lock < MaxLock; i++ {
		lock *= 2
	}
	lock = min(lock, MaxLock)
	if _, err := l.db.Exec(ctx, `UPDATE rate_limits SET locked_until = $2 WHERE key = $1`, key, now.Add(lock)); err != nil {
		return 0, err
	}
	return lock, nil
}

// Clear forgets failures for key (after a successful sign-in).
func (l *Limiter) Clear(ctx context.Context, key string) error {
	_, err := l.db.Exec(ctx, `UPDATE rate_limits SET failures = 0, locked_until = NULL WHERE key = $1`, key)
	return err
}

// Purge deletes counters idle for longer than a day.
func (l *Limiter) Purge(ctx context.Context) error {
	now := l.now()
	_, err := l.db.Exec(ctx, `DELETE FROM rate_limits WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $2)`, now.Add(-24*time.Hour), now)
	return err
}
