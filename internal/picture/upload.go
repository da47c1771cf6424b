package picture

import (
	"context"
	"errors"
	"image"

	"byline/internal/apperr"
)

// Upload is a form field that takes a picture: its limits, and what a
// person is told when the file is refused.
type Upload struct {
	Field    string // the form field a refusal names
	MaxBytes int
	Limits   Limits
	// The refusals: no file, a file over MaxBytes (given its size), not a
	// picture that can be read, a picture whose pixels do not read.
	Empty   string
	TooBig  func(bytes int) string
	Format  string
	Damaged string
}

// Check refuses a file by its size alone, before anything else is done with
// it; "" if it may be decoded.
func (u Upload) Check(data []byte) string {
	switch {
	case len(data) == 0:
		return u.Empty
	case len(data) > u.MaxBytes:
		return u.TooBig(len(data))
	}
	return ""
}

// Decode checks an upload (its size, its header against the limits),
// decodes it with d and calls fn to scale it, as Decoder.Decode does. A
// refused file is an *apperr.Invalid naming the field; a server too busy
// to decode it now is apperr.ErrBusy. Once ctx has ended it fails, so that
// nothing is saved for a request whose person was told it failed.
func (u Upload) Decode(ctx context.Context, d *Decoder, data []byte, fn func(img image.Image, in Info) error) error {
	if msg := u.Check(data); msg != "" {
		return apperr.Field(u.Field, msg)
	}
	err := d.Decode(ctx, data, u.Limits, fn)
	var tl *TooLarge
	switch {
	case errors.As(err, &tl):
		return apperr.Field(u.Field, tl.Error())
	case errors.Is(err, ErrFormat):
		return apperr.Field(u.Field, u.Format)
	case errors.Is(err, ErrDamaged):
		return apperr.Field(u.Field, u.Damaged)
	case err != nil:
		return err
	}
	return ctx.Err()
}
