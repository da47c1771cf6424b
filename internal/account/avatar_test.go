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

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
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
