package media

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/picture/picturetest"
)

func testPicture(t *testing.T, w, h int, format string) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	if format == "png" {
		png.Encode(&b, img)
	} else {
		jpeg.Encode(&b, img, nil)
	}
	return b.Bytes()
}

func TestUploads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		for _, storage := range []Storage{Local{Dir: t.TempDir()}, Database{DB: d}} {
			testUploads(t, d, storage)
		}
	})
}

func testUploads(t *testing.T, d *db.DB, storage Storage) {
	{
		ctx := context.Background()
		s := NewStore(d, storage)
		photo := testPicture(t, 2400, 1350, "jpeg")

		// Alt text is required; the typed file is not lost by the refusal.
		if _, err := s.Upload(ctx, "plant.jpg", photo, "  ", 0); err == nil {
			t.Fatal("an image without alt text was accepted")
		}
		m, err := s.Upload(ctx, "../../etc/plant.jpg", photo, "The assembly line at Smyrna", 0)
		if err != nil {
			t.Fatal(err)
		}
		if m.Filename != "plant.jpg" || m.Width != 2400 || m.Height != 1350 || len(m.Variants) != 3 {
			t.Fatalf("upload: %+v", m)
		}
		for _, v := range m.Variants {
			data, err := s.storage.Get(ctx, v.Key)
			if err != nil {
				t.Fatalf("%s: %v", v.Key, err)
			}
			cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
			if err != nil || format != "jpeg" || cfg.Width != v.Width || cfg.Height != v.Height {
				t.Fatalf("%s: %v %s %dx%d, recorded %dx%d", v.Name, err, format, cfg.Width, cfg.Height, v.Width, v.Height)
			}
		}
		if l := m.Variant("large"); l.Width != 1600 || l.Height != 900 {
			t.Fatalf("large %+v", l)
		}
		if !strings.Contains(m.Snippet(), `width="1600" height="900"`) || !strings.Contains(m.Snippet(), `alt="The assembly line at Smyrna"`) {
			t.Fatalf("snippet %s", m.Snippet())
		}
		// A small PNG is not enlarged, and keeps its format.
		small, err := s.Upload(ctx, "logo.png", testPicture(t, 500, 200, "png"), "Logo", 0)
		if err != nil || small.ContentType != "image/png" || small.Variant("large").Width != 500 || small.Variant("thumb").Width != 320 {
			t.Fatalf("small png: %+v %v", small, err)
		}
		// Broken, oversized, too many pixels, not an image.
		for name, data := range map[string][]byte{
			"broken":   photo[:len(photo)/3],
			"huge":     bytes.Repeat([]byte{0xff}, MaxBytes+1),
			"too wide": testPicture(t, 13000, 4, "png"),
			"text":     []byte("GIF89a? no, just text"),
		} {
			_, err := s.Upload(ctx, name, data, "Alt", 0)
			if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["file"] == "" {
				t.Errorf("%s: %v", name, err)
			}
		}
		list, more, err := s.List(ctx, 1, 10)
		if err != nil || len(list) != 2 || more || list[0].ID != small.ID {
			t.Fatalf("list: %d %v %v", len(list), more, err)
		}
		if err := s.SetAlt(ctx, m.ID, "Smyrna's line"); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.storage.Get(ctx, m.Variants[0].Key); err == nil {
			t.Fatal("a deleted image's file is still there")
		}
		if _, err := s.storage.Get(ctx, "../../secret"); err == nil {
			t.Fatal("a key outside the folder was read")
		}
		d.Exec(ctx, `DELETE FROM media`)
	}
}

// A decompression bomb (381 KB of PNG, 7000×7000 pixels at 16 bits per
// channel: 392 MB decoded) is refused from its header with a reason, and
// nothing is stored. It used to be decoded, taking the server to 984 MB.
func TestBombRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d, Local{Dir: t.TempDir()})
		_, err := s.Upload(ctx, "bomb.png", picturetest.PNG(7000, 7000, picturetest.RGBA16), "Alt", 0)
		inv, ok := apperr.AsInvalid(err)
		if !ok || !strings.Contains(inv.Fields["file"], "7000×7000") || !strings.Contains(inv.Fields["file"], "8 bits per channel") {
			t.Fatalf("bomb: %v", err)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM media`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d media rows, %v", n, err)
		}
	})
}

// A new alt text moves the content counter in its own transaction, so the
// page caches of every node show it (the featured image on article pages).
func TestAltTextReachesEveryCache(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d, Database{DB: d})
		m, err := s.Upload(ctx, "car.png", testPicture(t, 400, 300, "png"), "A red car", 0)
		if err != nil {
			t.Fatal(err)
		}
		version := func() int64 {
			var v int64
			if err := d.QueryRow(ctx, `SELECT version FROM content_version WHERE id = 1`).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		before := version()
		if err := s.SetAlt(ctx, m.ID, "A red coupe at dusk"); err != nil {
			t.Fatal(err)
		}
		if after := version(); after == before {
			t.Fatal("changing alt text left the content counter where it was")
		}
	})
}
