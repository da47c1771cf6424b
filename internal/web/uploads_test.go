package web_test

import (
	"context"
	"errors"
	"image"
	"net/url"
	"testing"

	"byline/internal/apperr"
	"byline/internal/dbtest"
	"byline/internal/picture"
	"byline/internal/picture/picturetest"
)

// Picture uploads are judged from their header, share one decoding budget,
// answer before the write timeout when it is taken, and are limited per
// person: a bomb is refused with a reason, a busy server says so with 503
// and saves nothing, and the eleventh avatar in an hour is refused.
func TestPictureUploads(t *testing.T) {
	srv, _, ts, m := magazineSite(t, dbtest.SQLite(t))
	ctx := context.Background()
	reader := signedIn(t, newBrowser(t, srv), m.reader.Email)
	p, err := ts.accounts.Find(ctx, m.reader.Email)
	if err != nil {
		t.Fatal(err)
	}
	noAvatar := func() {
		t.Helper()
		if _, _, _, err := ts.accounts.Avatar(ctx, p.ID); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("an avatar was stored: %v", err)
		}
	}

	// The 309 KB 6300×6300 16-bit PNG of the report.
	bomb := picturetest.PNG(6300, 6300, picturetest.Gray16)
	reader.expect(reader.upload("/account/avatar", "picture", "bomb.png", bomb), 422, "6300×6300 pixels", "at most 4096 pixels on a side")
	noAvatar()

	// 7000×7000 at 16 bits per channel to the media library.
	var before int
	if err := ts.db.QueryRow(ctx, `SELECT COUNT(*) FROM media`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	editor := signedIn(t, newBrowser(t, srv), m.editor.Email)
	editor.expect(editor.uploadWith("/admin/media", "file", "bomb.png", picturetest.PNG(7000, 7000, picturetest.RGBA16), url.Values{"alt": {"Big"}}),
		422, "7000×7000 pixels", "8 bits per channel")
	var n int
	if err := ts.db.QueryRow(ctx, `SELECT COUNT(*) FROM media`).Scan(&n); err != nil || n != before {
		t.Fatalf("%d media stored, %d before, %v", n, before, err)
	}

	// While the budget is taken, the upload gives up with a clear answer.
	holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- ts.pictures.Decode(ctx, tinyPNG(t), picture.Limits{MaxSide: 100, MaxPixels: 1e6, MaxMemory: 1 << 40,
			Out: func(int, int) (int, int) { return 1 << 15, 1 << 15 }}, func(image.Image, picture.Info) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	resp := reader.upload("/account/avatar", "picture", "me.png", pngOf(t, image.NewRGBA(image.Rect(0, 0, 300, 200))))
	reader.expect(resp, 503, "The server is busy reading other pictures, so yours was not saved.")
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	noAvatar()

	// Ten uploads an hour, refused ones included.
	for i := 2; i < 10; i++ {
		reader.expect(reader.upload("/account/avatar", "picture", "me.png", pngOf(t, image.NewRGBA(image.Rect(0, 0, 300, 200)))), 303)
	}
	resp = reader.upload("/account/avatar", "picture", "me.png", pngOf(t, image.NewRGBA(image.Rect(0, 0, 300, 200))))
	reader.expect(resp, 429, "You have uploaded 10 pictures in the last hour")
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}
