package main

import "testing"

func TestGCPercent(t *testing.T) {
	for _, c := range []struct {
		live, headroom uint64
		want           int
	}{
		{8 << 20, 16 << 20, 200},  // a small heap grows by the headroom
		{10 << 20, 16 << 20, 160}, //
		{2 << 20, 16 << 20, 300},  // bounded
		{0, 16 << 20, 300},        // no reading yet
		{64 << 20, 16 << 20, 100}, // a large heap: Go's default
		{16 << 20, 16 << 20, 100},
	} {
		if got := gcPercent(c.live, c.headroom); got != c.want {
			t.Errorf("gcPercent(%d, %d) = %d, want %d", c.live, c.headroom, got, c.want)
		}
	}
}
