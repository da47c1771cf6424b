package db

import (
	"slices"
	"testing"
)

// A small rest goes in one statement as it is (a batch of posts: one
// round trip); a large one in powers of two, so few statement texts are
// ever prepared.
func TestRuns(t *testing.T) {
	for _, c := range []struct {
		n, max int
		want   []int
	}{
		{0, 64, nil},
		{1, 64, []int{1}},
		{11, 64, []int{11}},
		{64, 64, []int{64}},
		{1000, 64, append(slices.Repeat([]int{64}, 15), 40)},
		{1000, 256, []int{256, 256, 256, 128, 64, 32, 8}},
		{1237, 512, []int{512, 512, 128, 64, 16, 4, 1}},
	} {
		if got := runs(c.n, c.max); !slices.Equal(got, c.want) {
			t.Errorf("runs(%d, %d) = %v, want %v", c.n, c.max, got, c.want)
		}
	}
}
