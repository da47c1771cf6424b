package account

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"time"

	"golang.org/x/image/draw"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/picture"
)

// Avatar limits: what may be uploaded, and the size kept.
const (
	MaxAvatarBytes = 5 << 20
	AvatarSize     = 256
)

// avatarUpload is the avatar field of the account page. Its limits refuse
// pictures that would take too much to decode, judged from the header
// (see package picture).
var avatarUpload = picture.Upload{
	Field:    "avatar",
	MaxBytes: MaxAvatarBytes,
	Limits: picture.Limits{MinSide: 32, MaxSide: 4096, MaxPixels: 16_000_000, MaxMemory: 128 << 20,
		Out: func(int, int) (int, int) { return AvatarSize, AvatarSize }},
	Empty:   "choose a picture to upload",
	TooBig:  func(int) string { return "the picture is larger than 5 MB" },
	Format:  "upload a JPEG, PNG, GIF or WebP picture",
	Damaged: "the picture could not be read: it may be damaged",
}

// WithPictures makes the Store decode avatars with d (by default the
// process's shared decoder, whose memory budget every upload shares).
func (s *Store) WithPictures(d *picture.Decoder) *Store {
	s.pictures = d
	return s
}

// SetAvatar checks an uploaded picture (type, size, dimensions and the
// memory decoding it takes), crops it square, scales it to 256×256 and
// re-encodes it as JPEG, so nothing of the original file (metadata, hidden
// payloads) is kept. It also makes the upload the person's chosen avatar.
// While the server is decoding as much as its budget allows it fails with
// apperr.ErrBusy after a short wait, and saves nothing; nor does it save
// once ctx has ended (the person was told it failed).
func (s *Store) SetAvatar(ctx context.Context, userID int64, data []byte) error {
	dec := s.pictures
	if dec == nil {
		dec = picture.Shared
	}
	var out bytes.Buffer
	err := avatarUpload.Decode(ctx, dec, data, func(img image.Image, _ picture.Info) error {
		return jpeg.Encode(&out, square(img, AvatarSize), &jpeg.Options{Quality: 88})
	})
	if err != nil {
		if _, refused := apperr.AsInvalid(err); refused {
			return err
		}
		return fmt.Errorf("account: avatar for %d: %w", userID, err)
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

// square is the middle square of img scaled to side×side.
func square(img image.Image, side int) *image.RGBA {
	b := img.Bounds()
	n := min(b.Dx(), b.Dy())
	crop := image.Rect(b.Min.X+(b.Dx()-n)/2, b.Min.Y+(b.Dy()-n)/2, 0, 0)
	crop.Max = crop.Min.Add(image.Pt(n, n))
	dst := image.NewRGBA(image.Rect(0, 0, side, side))
	picture.Scale(dst, img, crop, draw.Src)
	return dst
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
