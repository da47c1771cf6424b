package account

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/picture"
	"byline/internal/picture/picturetest"
)

func pngOf(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func TestAvatarUpload(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		p, err := s.Create(ctx, NewPerson{Email: "pic@example.com", DisplayName: "Pic Person"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := s.Avatar(ctx, p.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("avatar before upload: %v", err)
		}
		for name, data := range map[string][]byte{"empty": nil, "not an image": []byte("GIF89a but not really"), "too small": pngOf(8, 8),
			"too large": make([]byte, MaxAvatarBytes+1)} {
			if err := s.SetAvatar(ctx, p.ID, data); err == nil {
				t.Errorf("%s accepted", name)
			} else if _, ok := apperr.AsInvalid(err); !ok {
				t.Errorf("%s: not a field error: %v", name, err)
			}
		}
		if err := s.SetAvatar(ctx, p.ID, pngOf(640, 480)); err != nil {
			t.Fatal(err)
		}
		ctype, data, _, err := s.Avatar(ctx, p.ID)
		if err != nil || ctype != "image/jpeg" {
			t.Fatalf("stored avatar: %s %v", ctype, err)
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds().Dx() != AvatarSize || img.Bounds().Dy() != AvatarSize {
			t.Fatalf("re-encoded avatar: %v %v", img.Bounds(), err)
		}
		if got, _ := s.ByID(ctx, p.ID); got.AvatarKind != "upload" {
			t.Fatalf("avatar kind %q", got.AvatarKind)
		}
	})
}

// Picture bombs are refused from their header, with a reason and nothing
// stored: the 309 KB 6300×6300 16-bit PNG that took the server from 71 to
// 423 MB, and one within the sides whose 16-bit pixels would take too much.
// While the decoding budget is taken, an upload waits a little, then fails
// with apperr.ErrBusy and saves nothing; nor is anything saved for a
// request that has ended.
func TestAvatarBombs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dec := picture.NewDecoder(256<<20, 100*time.Millisecond)
		s := NewStore(d).WithPictures(dec)
		p, err := s.Create(ctx, NewPerson{Email: "pic@example.com", DisplayName: "Pic Person"})
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range map[string][]byte{
			"6300×6300 16-bit": picturetest.PNG(6300, 6300, picturetest.Gray16),
			"4096×4096 16-bit": picturetest.PNG(4096, 4096, picturetest.RGBA16),
		} {
			err := s.SetAvatar(ctx, p.ID, data)
			if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["avatar"] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		// Hold the whole budget with a decode of our own.
		holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
		go func() {
			done <- dec.Decode(ctx, pngOf(40, 40), picture.Limits{MaxSide: 100, MaxPixels: 1e6, MaxMemory: 1 << 40,
				Out: func(int, int) (int, int) { return 1 << 15, 1 << 15 }}, func(image.Image, picture.Info) error {
				close(holding)
				<-release
				return nil
			})
		}()
		<-holding
		if err := s.SetAvatar(ctx, p.ID, pngOf(640, 480)); !errors.Is(err, apperr.ErrBusy) {
			t.Fatalf("upload while busy: %v", err)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		ended, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.SetAvatar(ended, p.ID, pngOf(640, 480)); err == nil {
			t.Fatal("an ended request's avatar was saved")
		}
		if _, _, _, err := s.Avatar(ctx, p.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("an avatar was stored: %v", err)
		}
	})
}
