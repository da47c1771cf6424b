package web

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestRevisionDiffPairsLines(t *testing.T) {
	a := "# Plant tour\nIntro.\nOutput: 1,000 cars a day.\nOld line.\nEnd."
	b := "# Plant tour: the full notes\nIntro.\nOutput: 1,200 cars a day.\nA new line.\nEnd.\nP.S."
	want := []diffRow{
		{Left: "# Plant tour", Removed: true, LeftNo: 1, Right: "# Plant tour: the full notes", Added: true, RightNo: 1},
		{Left: "Intro.", Right: "Intro.", LeftNo: 2, RightNo: 2},
		{Left: "Output: 1,000 cars a day.", Removed: true, LeftNo: 3, Right: "Output: 1,200 cars a day.", Added: true, RightNo: 3},
		{Left: "Old line.", Removed: true, LeftNo: 4, Right: "A new line.", Added: true, RightNo: 4},
		{Left: "End.", Right: "End.", LeftNo: 5, RightNo: 5},
		{Right: "P.S.", Added: true, RightNo: 6},
	}
	if got := diffLines(a, b); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	if got := diffLines("same\ntext", "same\ntext"); len(got) != 2 || got[0].Removed || got[1].Added {
		t.Errorf("equal texts: %+v", got)
	}
	if got := diffLines("", "one"); !reflect.DeepEqual(got, []diffRow{{Removed: true, LeftNo: 1, Right: "one", Added: true, RightNo: 1}}) {
		t.Errorf("from empty: %+v", got)
	}
}

// A long text with a few changes shows just those lines changed; the
// quadratic comparison gave up on it and showed the whole text replaced.
func TestRevisionDiffLongText(t *testing.T) {
	var old []string
	for i := 1; i <= 5000; i++ {
		old = append(old, fmt.Sprintf("Line %d of a long article.", i))
	}
	edited := append([]string(nil), old...)
	edited[99] = "Line 100, rewritten."              // replaced
	edited = append(edited[:3999], edited[4000:]...) // line 4000 removed
	edited = append(edited[:4499], append([]string{"Added after line 4500."}, edited[4499:]...)...)

	rows := diffLines(strings.Join(old, "\n"), strings.Join(edited, "\n"))
	var changed []diffRow
	equal := 0
	for _, r := range rows {
		if r.Removed || r.Added {
			changed = append(changed, r)
			continue
		}
		equal++
		if r.Left != r.Right || r.Left != old[r.LeftNo-1] || r.Right != edited[r.RightNo-1] {
			t.Fatalf("equal row does not match its lines: %+v", r)
		}
	}
	want := []diffRow{
		{Left: "Line 100 of a long article.", Removed: true, LeftNo: 100, Right: "Line 100, rewritten.", Added: true, RightNo: 100},
		{Left: "Line 4000 of a long article.", Removed: true, LeftNo: 4000},
		{Right: "Added after line 4500.", Added: true, RightNo: 4500},
	}
	if !reflect.DeepEqual(changed, want) {
		t.Errorf("changed rows:\n%+v\nwant\n%+v", changed, want)
	}
	if equal != 4998 {
		t.Errorf("%d equal rows, want 4998", equal)
	}
}

// On random texts the rows give back both texts in order, and as many
// lines as can be are kept equal (the longest common subsequence).
func TestRevisionDiffRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "d", "", "e"}
	text := func() []string {
		out := make([]string, 1+rng.IntN(30))
		for i := range out {
			out[i] = words[rng.IntN(len(words))]
		}
		return out
	}
	for range 2000 {
		x, y := text(), text()
		rows := diffLines(strings.Join(x, "\n"), strings.Join(y, "\n"))
		var left, right []string
		equal := 0
		for _, r := range rows {
			if r.LeftNo > 0 {
				if r.LeftNo != len(left)+1 {
					t.Fatalf("left numbers out of order in %+v", rows)
				}
				left = append(left, r.Left)
			}
			if r.RightNo > 0 {
				if r.RightNo != len(right)+1 {
					t.Fatalf("right numbers out of order in %+v", rows)
				}
				right = append(right, r.Right)
			}
			if !r.Removed && !r.Added {
				equal++
			}
		}
		if !reflect.DeepEqual(left, x) || !reflect.DeepEqual(right, y) {
			t.Fatalf("%q / %q: rows give %q / %q", x, y, left, right)
		}
		if l := lcsLength(x, y); equal != l {
			t.Fatalf("%q / %q: %d equal rows, the longest common subsequence has %d", x, y, equal, l)
		}
	}
}

func lcsLength(x, y []string) int {
	prev, cur := make([]int, len(y)+1), make([]int, len(y)+1)
	for i := range x {
		for j := range y {
			if x[i] == y[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(cur[j], prev[j+1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(y)]
}
