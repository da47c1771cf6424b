// Package importfile is the loop both importers (WordPress, Disqus) run
// over an export read item by item: checked to its end first, then
// imported, with the progress bar and the planner's statistics told how
// far into the file it is.
package importfile

import (
	"context"
	"errors"
	"io"
)

// Reader is an export read one item at a time: Next returns io.EOF at
// the end, and At is how many bytes of the file are read.
type Reader[T any] interface {
	Next() (T, error)
	At() int64
}

// Progress hears how far into the file a reading is; checking is true
// during the first reading of a file that is read twice.
type Progress func(at int64, checking bool)

// Check reads the whole file, writing nothing, and returns the first error
// of its reading (with the reader's line and column).
func Check[T any](rd Reader[T], progress Progress) error {
	for {
		_, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if progress != nil {
			progress(rd.At(), true)
		}
	}
}

// Run hands every item to handle, then tells progress and after (the
// planner's statistics; nil for none) how far it is. On a reading error
// it calls whole, which writes what was read before the error (whole
// items, as after a good file), and returns both errors.
func Run[T any](ctx context.Context, rd Reader[T], handle func(T) error, whole func() error, progress Progress, after func(at int64) error) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		item, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return errors.Join(err, whole())
		}
		if err := handle(item); err != nil {
			return err
		}
		if progress != nil {
			progress(rd.At(), false)
		}
		if after != nil {
			if err := after(rd.At()); err != nil {
				return err
			}
		}
	}
}
