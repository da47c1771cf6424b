package picture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"testing"
	"time"

	"byline/internal/apperr"
)

func TestUploadRefusesNamingTheField(t *testing.T) {
	u := Upload{Field: "file", MaxBytes: 1 << 20,
		Limits:  Limits{MinSide: 8, MaxSide: 100, MaxPixels: 10_000, MaxMemory: 8 << 20, Out: square},
		Empty:   "choose one",
		TooBig:  func(n int) string { return fmt.Sprintf("%d bytes is too many", n) },
		Format:  "not a picture",
		Damaged: "damaged",
	}
	pic := func(w, h int) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	good := pic(20, 20)
	d := NewDecoder(8<<20, time.Second)
	ctx := context.Background()
	for _, c := range []struct {
		data []byte
		want string
	}{
		{nil, "choose one"},
		{make([]byte, 1<<20+1), "1048577 bytes is too many"},
		{[]byte("text, not a picture"), "not a picture"},
		{good[:len(good)-20], "damaged"},
		{pic(200, 20), "the picture is 200×20 pixels; use one at most 100 pixels on a side"},
	} {
		err := u.Decode(ctx, d, c.data, func(image.Image, Info) error { t.Error("fn called for a refused file"); return nil })
		inv, ok := apperr.AsInvalid(err)
		if !ok || inv.Fields["file"] != c.want {
			t.Errorf("got %v, want the file field refused with %q", err, c.want)
		}
	}
	if got := u.Check(good); got != "" {
		t.Errorf("Check(good) = %q", got)
	}
	var size image.Point
	if err := u.Decode(ctx, d, good, func(img image.Image, in Info) error { size = img.Bounds().Size(); return nil }); err != nil || size != image.Pt(20, 20) {
		t.Errorf("good picture: %v, %v", err, size)
	}
	// fn's own error comes back as it is.
	boom := errors.New("boom")
	if err := u.Decode(ctx, d, good, func(image.Image, Info) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("fn's error: %v", err)
	}
	// A request that has ended is not to be saved.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if err := u.Decode(done, d, good, func(image.Image, Info) error { return nil }); err == nil {
		t.Error("an ended request's picture was accepted")
	}
}
