// Package media keeps the newsroom's images: an upload is checked (type,
// size, dimensions), decoded and re-encoded (which drops whatever else
// the file carried), resized into variants for the page and for
// thumbnails, and stored behind one Storage interface (a local folder by
// default; a shared object store can take its place when a site runs on
// several nodes). Each variant's width and height are kept so pages can
// reserve its space.
package media

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	xdraw "golang.org/x/image/draw"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/picture"
)

// Limits of an upload.
const (
	MaxBytes  = 15 << 20
	maxSide   = 12000
	maxPixels = 50_000_000
)

// Variant widths: the article page, half a column, a thumbnail.
var widths = []struct {
	Name  string
	Width int
}{{"large", 1600}, {"medium", 800}, {"thumb", 320}}

// Storage holds the files.
type Storage interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	Delete(ctx context.Context, key string) error
}

// Local is Storage in a folder.
type Local struct{ Dir string }

var keyRe = regexp.MustCompile(`^[0-9]+/[a-z]+-[0-9]+x[0-9]+-[0-9a-f]{8}\.(jpg|png)$`)

func (l Local) path(key string) (string, error) {
	if !keyRe.MatchString(key) {
		return "", apperr.ErrNotFound
	}
	return filepath.Join(l.Dir, filepath.FromSlash(key)), nil
}

// Put writes a file (atomically: a reader never sees half of one).
func (l Local) Put(_ context.Context, key string, data []byte) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// Get reads a file.
func (l Local) Get(_ context.Context, key string) ([]byte, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, apperr.ErrNotFound
	}
	return b, err
}

// Delete removes a file.
func (l Local) Delete(_ context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// Variant is one stored size of an image.
type Variant struct {
	Name          string
	Width, Height int
	Key           string // in the storage; served at /media/{Key}
}

// FileKeys are the storage keys of a picture's files, from the variants
// column of its row as the library stores it (for a backup, which copies
// the files of the rows it read).
func FileKeys(variants string) ([]string, error) {
	var vs []Variant
	if err := json.Unmarshal([]byte(variants), &vs); err != nil {
		return nil, fmt.Errorf("media: variants: %w", err)
	}
	keys := make([]string, 0, len(vs))
	for _, v := range vs {
		if v.Key != "" {
			keys = append(keys, v.Key)
		}
	}
	return keys, nil
}

// URL is where the variant is served.
func (v Variant) URL() string { return "/media/" + v.Key }

// Media is one image.
type Media struct {
	ID            int64
	Filename      string
	ContentType   string
	Width, Height int
	Bytes         int64
	Alt           string
	Variants      []Variant
	UploadedBy    int64
	CreatedAt     time.Time
}

// Variant returns the named size (the largest there is if it is missing).
func (m Media) Variant(name string) Variant {
	for _, v := range m.Variants {
		if v.Name == name {
			return v
		}
	}
	if len(m.Variants) > 0 {
		return m.Variants[0]
	}
	return Variant{}
}

// Srcset lists the variants for a srcset attribute ("/media/… 1600w, …"),
// so the browser picks the smallest that fills the space.
func (m Media) Srcset() string {
	var b strings.Builder
	for i, v := range m.Variants {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.URL() + " " + strconv.Itoa(v.Width) + "w")
	}
	return b.String()
}

// Snippet is what to paste into an article to show the image, with its
// size for layout.
func (m Media) Snippet() string {
	v := m.Variant("large")
	return fmt.Sprintf(`<img src="%s" alt="%s" width="%d" height="%d">`, v.URL(), strings.ReplaceAll(m.Alt, `"`, "&quot;"), v.Width, v.Height)
}

// upload is the file field of the media library. Its limits refuse what
// would take too much to decode, judged from the header (see package
// picture): 256 MB is a 50-megapixel JPEG or a 7000×7000 PNG with 8 bits
// per channel, but not with 16.
var upload = picture.Upload{
	Field:    "file",
	MaxBytes: MaxBytes,
	Limits: picture.Limits{MaxSide: maxSide, MaxPixels: maxPixels, MaxMemory: 256 << 20,
		Out: func(w, h int) (int, int) {
			tw := min(widths[0].Width, w)
			return tw, max(1, h*tw/w)
		}},
	Empty:   "choose an image file",
	TooBig:  func(n int) string { return fmt.Sprintf("the file is %d MB; at most %d MB", n>>20, MaxBytes>>20) },
	Format:  "this is not a JPEG, PNG, GIF or WebP image (or it is damaged)",
	Damaged: "the image could not be read: it may be damaged",
}

// Store keeps media.
type Store struct {
	db       *db.DB
	storage  Storage
	now      func() time.Time
	pictures *picture.Decoder
}

// NewStore returns a Store on d keeping files in storage.
func NewStore(d *db.DB, storage Storage) *Store {
	return &Store{db: d, storage: storage, now: time.Now, pictures: picture.Shared}
}

// WithPictures makes the Store decode uploads with d instead of the
// process's shared decoder (whose memory budget every upload shares).
func (s *Store) WithPictures(d *picture.Decoder) *Store {
	s.pictures = d
	return s
}

// Storage is where the files are.
func (s *Store) Storage() Storage { return s.storage }

// Upload checks, re-encodes and stores an image with its variants.
func (s *Store) Upload(ctx context.Context, filename string, data []byte, alt string, by int64) (Media, error) {
	v := apperr.NewInvalid()
	alt = strings.Join(strings.Fields(alt), " ")
	if alt == "" {
		v.Add("alt", "describe the image for readers who cannot see it (alt text is required)")
	} else if utf8.RuneCountInString(alt) > 300 {
		v.Add("alt", "alt text can be at most 300 characters")
	}
	if msg := upload.Check(data); msg != "" {
		v.Add(upload.Field, msg)
	}
	if err := v.Err(); err != nil {
		return Media{}, err
	}
	var p Prepared
	err := upload.Decode(ctx, s.pictures, data, func(img image.Image, in picture.Info) error {
		// PNGs keep transparency; everything else becomes JPEG.
		var err error
		p, err = prepare(filename, img, in.Format == "png", alt)
		return err
	})
	if err != nil {
		if _, refused := apperr.AsInvalid(err); refused {
			return Media{}, err
		}
		return Media{}, fmt.Errorf("media: upload: %w", err)
	}
	p.m.Bytes = int64(len(data))
	return s.Put(ctx, p, by)
}

// Prepared is an image resized and encoded into its variants, ready to be
// stored (any number of times: the demo prepares its pictures once).
type Prepared struct {
	m     Media
	files [][]byte
}

// WithAlt is the same picture described by alt (one picture may serve
// several uses, each with its own words).
func (p Prepared) WithAlt(alt string) (Prepared, error) {
	alt = strings.Join(strings.Fields(alt), " ")
	if alt == "" || utf8.RuneCountInString(alt) > 300 {
		return Prepared{}, apperr.Field("alt", "describe the image for readers who cannot see it (alt text is required, at most 300 characters)")
	}
	p.m.Alt = alt
	return p, nil
}

// Prepare resizes and encodes an image the site made itself (no upload to
// distrust): as PNG if png, else JPEG. Alt text is required as for uploads.
func Prepare(filename string, img image.Image, png bool, alt string) (Prepared, error) {
	return prepare(filename, img, png, alt)
}

// PrepareDrawn is Prepare for a picture drawn by code at any size
// (width×height at most): each variant is drawn at its own size, which is
// sharper and much faster than resampling the largest. Encoded as JPEG.
func PrepareDrawn(filename string, width, height int, paint func(w, h int) image.Image, alt string) (Prepared, error) {
	return prepareWith(filename, image.Rect(0, 0, width, height), func(w, h int) image.Image { return paint(w, h) }, false, alt)
}

func prepare(filename string, img image.Image, asPNG bool, alt string) (Prepared, error) {
	b := img.Bounds()
	return prepareWith(filename, b, func(tw, th int) image.Image {
		dst := image.NewRGBA(image.Rect(0, 0, tw, th))
		if !asPNG {
			draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src) // JPEG has no transparency
		}
		if tw == b.Dx() && th == b.Dy() {
			draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Over) // the same size: a copy, not a resample
		} else {
			picture.Scale(dst, img, b, xdraw.Over) // bounded memory for tall sources
		}
		return dst
	}, asPNG, alt)
}

// prepareWith makes the variants of a picture of bounds b, each drawn by
// variant at its size.
func prepareWith(filename string, b image.Rectangle, variant func(w, h int) image.Image, asPNG bool, alt string) (Prepared, error) {
	alt = strings.Join(strings.Fields(alt), " ")
	if alt == "" || utf8.RuneCountInString(alt) > 300 {
		return Prepared{}, apperr.Field("alt", "describe the image for readers who cannot see it (alt text is required, at most 300 characters)")
	}
	ctype := "image/jpeg"
	if asPNG {
		ctype = "image/png"
	}
	p := Prepared{m: Media{Filename: cleanName(filename), ContentType: ctype, Width: b.Dx(), Height: b.Dy(), Alt: alt}}
	for _, w := range widths {
		if len(p.m.Variants) > 0 && w.Width >= b.Dx() && w.Name != "thumb" {
			continue // no upscaling: the original width is already there
		}
		tw := min(w.Width, b.Dx())
		th := max(1, b.Dy()*tw/b.Dx())
		dst := variant(tw, th)
		var out bytes.Buffer
		var err error
		if ctype == "image/png" {
			err = png.Encode(&out, dst)
		} else {
			err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 85})
		}
		if err != nil {
			return Prepared{}, fmt.Errorf("media: encode: %w", err)
		}
		p.m.Variants = append(p.m.Variants, Variant{Name: w.Name, Width: tw, Height: th})
		p.files = append(p.files, out.Bytes())
	}
	p.m.Bytes = int64(len(p.files[0])) // the largest kept
	return p, nil
}

// Put stores a prepared image and its files, uploaded by by (0: the site).
func (s *Store) Put(ctx context.Context, p Prepared, by int64) (Media, error) {
	m := p.m
	m.Variants = append([]Variant(nil), p.m.Variants...)
	m.UploadedBy, m.CreatedAt = by, s.now()
	ext := "jpg"
	if m.ContentType == "image/png" {
		ext = "png"
	}
	// A random part in each address: browsers keep files for a year, and an
	// id may come again after a delete (SQLite).
	nb := make([]byte, 4)
	rand.Read(nb)
	nonce := hex.EncodeToString(nb)
	// The row first, for its id; then the files (outside any transaction:
	// the storage may be this same database); then the row says where they
	// are. Until then the library does not list it.
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO media (filename, content_type, width, height, bytes, alt, variants, uploaded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, $8) RETURNING id`, m.Filename, m.ContentType, m.Width, m.Height, m.Bytes, m.Alt, nullID(by), m.CreatedAt).Scan(&m.ID)
	})
	if err != nil {
		return Media{}, fmt.Errorf("media: upload: %w", err)
	}
	undo := func(err error) (Media, error) {
		bg := context.WithoutCancel(ctx)
		for _, vr := range m.Variants {
			if vr.Key != "" {
				if derr := s.storage.Delete(bg, vr.Key); derr != nil {
					err = errors.Join(err, derr)
				}
			}
		}
		if _, derr := s.db.Exec(bg, `DELETE FROM media WHERE id = $1`, m.ID); derr != nil {
			err = errors.Join(err, derr)
		}
		return Media{}, fmt.Errorf("media: upload: %w", err)
	}
	for i := range m.Variants {
		vr := &m.Variants[i]
		vr.Key = fmt.Sprintf("%d/%s-%dx%d-%s.%s", m.ID, vr.Name, vr.Width, vr.Height, nonce, ext)
		if err := s.storage.Put(ctx, vr.Key, p.files[i]); err != nil {
			return undo(fmt.Errorf("store %s: %w", vr.Key, err))
		}
	}
	vj, _ := json.Marshal(m.Variants)
	if _, err := s.db.Exec(ctx, `UPDATE media SET variants = $2 WHERE id = $1`, m.ID, string(vj)); err != nil {
		return undo(err)
	}
	return m, nil
}

// IDByFile is the newest picture stored whole from a file of this name
// and size by no one (an import), for an import that was stopped before it
// noted what it had stored. apperr.ErrNotFound if there is none.
func (s *Store) IDByFile(ctx context.Context, filename string, size int64) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT id FROM media WHERE filename = $1 AND bytes = $2 AND uploaded_by IS NULL AND variants <> '[]'
		ORDER BY id DESC LIMIT 1`, cleanName(filename), size).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.ErrNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("media: by file %q: %w", filename, err)
	}
	return id, nil
}

func cleanName(s string) string {
	s = filepath.Base(strings.ReplaceAll(s, `\`, "/"))
	if utf8.RuneCountInString(s) > 120 {
		s = string([]rune(s)[:120])
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

const cols = `id, filename, content_type, width, height, bytes, alt, variants, COALESCE(uploaded_by, 0), created_at`

func scan(sc db.Scanner) (Media, error) {
	var m Media
	var variants string
	if err := sc.Scan(&m.ID, &m.Filename, &m.ContentType, &m.Width, &m.Height, &m.Bytes, &m.Alt, &variants, &m.UploadedBy, &m.CreatedAt); err != nil {
		return m, err
	}
	if err := json.Unmarshal([]byte(variants), &m.Variants); err != nil {
		return m, fmt.Errorf("media %d: variants: %w", m.ID, err)
	}
	return m, nil
}

// ByID returns one image.
func (s *Store) ByID(ctx context.Context, id int64) (Media, error) {
	m, err := scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM media WHERE id = $1`, id))
	if err != nil {
		return Media{}, db.MapError(s.db.Engine, err)
	}
	return m, nil
}

// ByIDs returns the images with the given ids (those that exist), for a
// list of articles: one query.
func (s *Store) ByIDs(ctx context.Context, ids []int64) (map[int64]*Media, error) {
	out := map[int64]*Media{}
	var args []any
	var marks []string
	for _, id := range ids {
		if id > 0 && out[id] == nil {
			out[id] = &Media{}
			args = append(args, id)
			marks = append(marks, "$"+strconv.Itoa(len(args)))
		}
	}
	clear(out)
	if len(args) == 0 {
		return out, nil
	}
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM media WHERE variants <> '[]' AND id IN (`+strings.Join(marks, ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("media: by ids: %w", err)
	}
	list, err := db.Collect(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("media: by ids: %w", err)
	}
	for i := range list {
		out[list[i].ID] = &list[i]
	}
	return out, nil
}

// List returns the newest images first, page by page.
func (s *Store) List(ctx context.Context, page, perPage int) ([]Media, bool, error) {
	page = max(page, 1)
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM media WHERE variants <> '[]' ORDER BY created_at DESC, id DESC LIMIT `+strconv.Itoa(perPage+1)+` OFFSET `+strconv.Itoa((page-1)*perPage))
	if err != nil {
		return nil, false, err
	}
	out, err := db.Collect(rows, scan)
	if err != nil {
		return nil, false, err
	}
	more := len(out) > perPage
	if more {
		out = out[:perPage]
	}
	return out, more, nil
}

// SetAlt changes an image's alt text.
func (s *Store) SetAlt(ctx context.Context, id int64, alt string) error {
	alt = strings.Join(strings.Fields(alt), " ")
	if alt == "" || utf8.RuneCountInString(alt) > 300 {
		return apperr.Field("alt", "alt text is required, at most 300 characters")
	}
	res, err := s.db.Exec(ctx, `UPDATE media SET alt = $2 WHERE id = $1`, id, alt)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}

// Delete removes an image and its files (articles that featured it lose
// their featured image).
func (s *Store) Delete(ctx context.Context, id int64) error {
	m, err := s.ByID(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `UPDATE articles SET featured_media_id = NULL WHERE featured_media_id = $1`, id); err != nil {
		return err
	}
	if _, err := s.db.Exec(ctx, `DELETE FROM media WHERE id = $1`, id); err != nil {
		return err
	}
	for _, v := range m.Variants {
		if err := s.storage.Delete(ctx, v.Key); err != nil {
			return err
		}
	}
	return nil
}

// Open reads a stored file for serving.
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeeker, string, error) {
	b, err := s.storage.Get(ctx, key)
	if err != nil {
		return nil, "", err
	}
	ctype := "image/jpeg"
	if strings.HasSuffix(key, ".png") {
		ctype = "image/png"
	}
	return bytes.NewReader(b), ctype, nil
}

// Database is Storage in the site's database: every node of a site on
// one PostgreSQL reads the same files, with no shared folder to set up.
type Database struct{ DB *db.DB }

// Put stores a file.
func (d Database) Put(ctx context.Context, key string, data []byte) error {
	if !keyRe.MatchString(key) {
		return apperr.ErrNotFound
	}
	_, err := d.DB.Exec(ctx, `INSERT INTO media_files (key, data) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET data = excluded.data`, key, data)
	return err
}

// Get reads a file.
func (d Database) Get(ctx context.Context, key string) ([]byte, error) {
	var data []byte
	err := d.DB.QueryRow(ctx, `SELECT data FROM media_files WHERE key = $1`, key).Scan(&data)
	if err != nil {
		return nil, db.MapError(d.DB.Engine, err)
	}
	return data, nil
}

// Delete removes a file.
func (d Database) Delete(ctx context.Context, key string) error {
	_, err := d.DB.Exec(ctx, `DELETE FROM media_files WHERE key = $1`, key)
	return err
}

// Upload is a library image's id and who uploaded it (their slug, "" if
// unknown), as a whole-site export lists them.
type Upload struct {
	ID           int64
	UploaderSlug string
}

// Uploads lists the images that have their sizes made, in id order, a page
// at a time (after is the last id of the previous page).
func (s *Store) Uploads(ctx context.Context, after int64, limit int) ([]Upload, error) {
	rows, err := s.db.Query(ctx, `SELECT m.id, COALESCE(u.slug, '') FROM media m LEFT JOIN users u ON u.id = m.uploaded_by
		WHERE m.variants <> '[]' AND m.id > $1 ORDER BY m.id LIMIT `+strconv.Itoa(limit), after)
	if err != nil {
		return nil, fmt.Errorf("media: uploads: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Upload, error) {
		var u Upload
		err := sc.Scan(&u.ID, &u.UploaderSlug)
		return u, err
	})
}
