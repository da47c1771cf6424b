package core

import (
	"errors"
	"testing"
)

func TestMemoMapKeepsValuesUntilTheContentMoves(t *testing.T) {
	version := int64(1)
	s := &Server{Deps: Deps{ContentVersion: func() int64 { return version }}}
	var m MemoMap[string, int]
	made := 0
	get := func(k string) int {
		t.Helper()
		v, err := m.Get(s, k, func() (int, error) { made++; return len(k) * 10, nil })
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	first := get("ab")
	if again := get("ab"); first != 20 || again != 20 || made != 1 {
		t.Fatalf("made %d times for one key, want once", made)
	}
	if get("abc") != 30 || made != 2 {
		t.Fatalf("a second key: made %d, want 2", made)
	}
	version++ // the content moved: every value is made again
	if get("ab") != 20 || made != 3 {
		t.Fatalf("after a change: made %d, want 3", made)
	}

	// An error is returned and not kept.
	boom := errors.New("boom")
	if _, err := m.Get(s, "x", func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if get("x") != 10 || made != 4 {
		t.Fatalf("after an error: made %d, want 4", made)
	}

	// Full, it starts over rather than grow.
	m.Max = 2
	get("y")
	if len(m.m) > m.Max {
		t.Fatalf("holds %d values, more than %d", len(m.m), m.Max)
	}

	// Without a content version nothing is kept.
	s.ContentVersion = nil
	before := made
	get("ab")
	get("ab")
	if made != before+2 {
		t.Fatalf("without a content version: made %d, want %d", made-before, 2)
	}
}
