package newsletter

import (
	"context"
	"testing"
	"time"
)

// The rate setting spaces messages: one every 1/rate, with no burst after
// a pause; 0 is no limit; a stopped pass stops waiting, and one with a
// deadline waits until it.
func TestPaceKeepsTheRate(t *testing.T) {
	ctx := context.Background()
	l := newLimiter(50) // one every 20 ms
	began := time.Now()
	for i := 0; i < 6; i++ {
		if err := pace(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(began); took < 95*time.Millisecond {
		t.Fatalf("6 messages at 50 a second took %v, want at least 100ms", took)
	}
	// After a pause, no burst: the next two are spaced again.
	time.Sleep(60 * time.Millisecond)
	began = time.Now()
	for i := 0; i < 2; i++ {
		if err := pace(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(began); took < 15*time.Millisecond {
		t.Fatalf("two messages after a pause took %v: a burst", took)
	}

	free := newLimiter(0)
	for i := 0; i < 1000; i++ {
		if err := pace(ctx, free); err != nil {
			t.Fatal(err)
		}
	}

	stopped, cancel := context.WithCancel(ctx)
	cancel()
	if err := pace(stopped, newLimiter(1)); err == nil {
		t.Fatal("a stopped pass waited for its turn")
	}
	slow := newLimiter(0.5)
	if err := pace(ctx, slow); err != nil {
		t.Fatal(err)
	}
	soon, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := pace(soon, slow); err != context.DeadlineExceeded {
		t.Fatalf("waiting past the deadline: %v", err)
	}
}
