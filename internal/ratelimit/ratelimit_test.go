package ratelimit

import (
	"context"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestLimits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		l := New(d)
		clock := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		l.now = func() time.Time { return clock }
		for i := 1; i <= 3; i++ {
			if ok, _, err := l.Hit(ctx, "ip:1", 3, time.Minute); !ok || err != nil {
				t.Fatalf("hit %d refused: %v", i, err)
			}
		}
		ok, retry, err := l.Hit(ctx, "ip:1", 3, time.Minute)
		if ok || err != nil || retry <= 0 || retry > time.Minute {
			t.Fatalf("fourth hit: ok %v retry %v err %v", ok, retry, err)
		}
		if ok, _, _ := l.Hit(ctx, "ip:2", 3, time.Minute); !ok {
			t.Fatal("another key is limited too")
		}
		clock = clock.Add(61 * time.Second)
		if ok, _, _ := l.Hit(ctx, "ip:1", 3, time.Minute); !ok {
			t.Fatal("a new window is still limited")
		}

		// Lockouts double after the free failures.
		var locks []time.Duration
		for i := 0; i < FreeFailures+2; i++ {
			lock, err := l.Fail(ctx, "acct:a")
			if err != nil {
				t.Fatal(err)
			}
			locks = append(locks, lock)
		}
		if locks[FreeFailures-2] != 0 || locks[FreeFailures-1] != BaseLock || locks[FreeFailures+1] != 4*BaseLock {
			t.Fatalf("lockouts %v", locks)
		}
		if left, _ := l.Locked(ctx, "acct:a"); left != 4*BaseLock {
			t.Fatalf("locked for %v", left)
		}
		clock = clock.Add(5 * BaseLock)
		if left, _ := l.Locked(ctx, "acct:a"); left != 0 {
			t.Fatalf("still locked after it ran out: %v", left)
		}
		if err := l.Clear(ctx, "acct:a"); err != nil {
			t.Fatal(err)
		}
		if lock, _ := l.Fail(ctx, "acct:a"); lock != 0 {
			t.Fatalf("failures not cleared: %v", lock)
		}
	})
}

// A lockout that cannot be read is an error, not "not locked": failing
// open would let a broken query lift every lockout.
func TestLockedReportsQueryErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		l := New(d)
		if left, err := l.Locked(context.Background(), "acct:never"); left != 0 || err != nil {
			t.Fatalf("unknown key: %v %v", left, err)
		}
		d.Close()
		if _, err := l.Locked(context.Background(), "acct:a"); err == nil {
			t.Fatal("a failed query read as not locked")
		}
	})
}
