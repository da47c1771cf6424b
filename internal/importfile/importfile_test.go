package importfile

import (
	"context"
	"errors"
	"io"
	"testing"
)

// items is a file of n items and then err (io.EOF for a good file).
type items struct {
	n, at int
	err   error
}

func (f *items) Next() (int, error) {
	if f.at == f.n {
		return 0, f.err
	}
	f.at++
	return f.at, nil
}

func (f *items) At() int64 { return int64(f.at * 10) }

func TestRun(t *testing.T) {
	ctx := context.Background()
	var got []int
	var marks []int64
	var checked int
	if err := Check[int](&items{n: 3, err: io.EOF}, func(at int64, checking bool) {
		if checking {
			checked++
		}
	}); err != nil || checked != 3 {
		t.Fatalf("check: %v, %d marks", err, checked)
	}
	err := Run[int](ctx, &items{n: 3, err: io.EOF}, func(i int) error { got = append(got, i); return nil },
		func() error { t.Fatal("whole called on a good file"); return nil }, nil,
		func(at int64) error { marks = append(marks, at); return nil })
	if err != nil || len(got) != 3 || len(marks) != 3 || marks[2] != 30 {
		t.Fatalf("good file: %v, items %v, marks %v", err, got, marks)
	}
	// A reading error: what came before is written, and both errors told.
	bad, wrote := errors.New("line 9, column 2: unexpected EOF"), errors.New("disk full")
	wholeCalled := false
	err = Run[int](ctx, &items{n: 2, err: bad}, func(int) error { return nil }, func() error { wholeCalled = true; return wrote }, nil, nil)
	if !wholeCalled || !errors.Is(err, bad) || !errors.Is(err, wrote) {
		t.Fatalf("bad file: %v, whole called %v", err, wholeCalled)
	}
	if err := Check[int](&items{n: 2, err: bad}, nil); !errors.Is(err, bad) {
		t.Fatalf("check of a bad file: %v", err)
	}
	// Stopped: nothing more is read.
	stopped, cancel := context.WithCancel(ctx)
	cancel()
	f := &items{n: 5, err: io.EOF}
	if err := Run[int](stopped, f, func(int) error { return nil }, nil, nil, nil); !errors.Is(err, context.Canceled) || f.at != 0 {
		t.Fatalf("stopped: %v, read %d", err, f.at)
	}
}
