package account

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for uploaded avatars
	"image/jpeg"
	_ "image/png"
	"time"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Avatar limits: what may be uploaded, and the size kept.
const (
	MaxAvatarBytes  = 5 << 20
	maxAvatarPixels = 40_000_000 // refuse decompression bombs before decoding
	AvatarSize      = 256
)

// SetAvatar checks an uploaded picture (type, size, dimensions), crops it
// square, scales it to 256×256 and re-encodes it as JPEG, so nothing of the
// original file (metadata, hidden payloads) is kept. It also makes the
// upload the person's chosen avatar.
func (s *Store) SetAvatar(ctx context.Context, userID int64, data []byte) error {
	if len(data) == 0 {
		return apperr.Field("avatar", "choose a picture to upload")
	}
	if len(data) > MaxAvatarBytes {
		return apperr.Field("avatar", "the picture is larger than 5 MB")
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return apperr.Field("avatar", "upload a JPEG, PNG, GIF or WebP picture")
	}
	if cfg.Width < 32 || cfg.Height < 32 || cfg.Width*cfg.Height > maxAvatarPixels {
		return apperr.Field("avatar", fmt.Sprintf("the picture is %d×%d pixels; use one between 32×32 and about 6000×6000", cfg.Width, cfg.Height))
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return apperr.Field("avatar", "the "+format+" picture could not be read")
	}
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	crop := image.Rect(b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2, 0, 0)
	crop.Max = crop.Min.Add(image.Pt(side, side))
	dst := image.NewRGBA(image.Rect(0, 0, AvatarSize, AvatarSize))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, crop, draw.Src, nil)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: 88}); err != nil {
		return fmt.Errorf("account: encode avatar: %w", err)
	}
	now := s.now()
	return s.write(ctx, userID, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO avatars (user_id, content_type, data, updated_at) VALUES ($1, 'image/jpeg', $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, updated_at = excluded.updated_at`,
			userID, out.Bytes(), now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE users SET avatar_kind = 'upload', updated_at = $2 WHERE id = $1`, userID, now)
		return err
	})
}

// Avatar returns a person's uploaded picture.
func (s *Store) Avatar(ctx context.Context, userID int64) (contentType string, data []byte, updated time.Time, err error) {
	err = s.db.QueryRow(ctx, `SELECT content_type, data, updated_at FROM avatars WHERE user_id = $1`, userID).Scan(&contentType, &data, &updated)
	if err != nil {
		err = db.MapError(s.db.Engine, err)
		if !errors.Is(err, apperr.ErrNotFound) {
			err = fmt.Errorf("account: avatar %d: %w", userID, err)
		}
	}
	return contentType, data, updated, err
}
