package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// faultOps is one way of breaking the site's storage for a while.
type faultOps struct {
	name, what string       // short name; what it does, in words
	begin, end func() error // break and mend
	// probe makes one request that needs what broke, and says whether the
	// site took it; probeWhat names it.
	probe      func(ctx context.Context, l *load, c *client) bool
	probeWhat  string
	probeEvery time.Duration
	uploads    bool // the load uploads pictures
}

// pgOutage stops the soak's own PostgreSQL server.
func pgOutage(pg *cluster) *faultOps {
	return &faultOps{name: "pg-outage", what: "stopping the soak's PostgreSQL server (pg_ctl stop -m fast)",
		begin: pg.stop, end: pg.start, probeWhat: "a signed-in page", probeEvery: 100 * time.Millisecond,
		probe: func(ctx context.Context, l *load, c *client) bool {
			a := c.do(ctx, "GET", "/admin", nil)
			return a.err == nil && a.status == http.StatusOK
		}}
}

// diskFull fills the file system of dir with a file, then removes it.
func diskFull(dir string) *faultOps {
	filler := filepath.Join(dir, "filler")
	return &faultOps{name: "disk-full", what: "filling the file system of the SQLite file and the pictures",
		begin: func() error {
			f, err := os.Create(filler)
			if err != nil {
				return err
			}
			defer f.Close()
			chunk := make([]byte, 1<<20)
			for {
				if _, err := f.Write(chunk); err != nil {
					if errors.Is(err, syscall.ENOSPC) {
						return nil // full
					}
					return err
				}
			}
		},
		end:       func() error { return os.Remove(filler) },
		probeWhat: "an article save", probeEvery: time.Second, uploads: true,
		probe: func(ctx context.Context, l *load, c *client) bool {
			return l.saveArticle(ctx, c, l.site.adminArticles[0]) == http.StatusSeeOther
		}}
}

// mediaReadOnly remounts the pictures' folder read-only, then writable.
func mediaReadOnly(dir string) *faultOps {
	remount := func(mode string) func() error {
		return func() error {
			var err error
			for range 20 { // a picture being written keeps it busy for a moment
				var out []byte
				if out, err = exec.Command("mount", "-o", "remount,"+mode, dir).CombinedOutput(); err == nil {
					return nil
				}
				err = fmt.Errorf("remount %s %s: %w: %s", mode, dir, err, out)
				time.Sleep(100 * time.Millisecond)
			}
			return err
		}
	}
	return &faultOps{name: "media-ro", what: "making the pictures' folder read-only (mount -o remount,ro)",
		begin: remount("ro"), end: remount("rw"), probeWhat: "a picture upload", probeEvery: 2 * time.Second, uploads: true,
		probe: func(ctx context.Context, l *load, c *client) bool {
			return l.upload(ctx, c) == http.StatusSeeOther
		}}
}

// tmpfs mounts a small tmpfs on dir and returns how to unmount it.
func tmpfs(dir, size string) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mount a tmpfs on %s: %w: %s", dir, err, out)
	}
	return func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "soak: umount %s: %v: %s\n", dir, err, out)
		}
	}, nil
}

// uploader uploads a picture every gap, and every 3 s during a fault (the
// site takes 60 an hour from one person).
func (l *load) uploader(ctx context.Context, c *client, gap time.Duration) {
	last := time.Now()
	for ctx.Err() == nil {
		pause(ctx, time.Second)
		every := gap
		if l.faultFrom.Load() != 0 && l.faultTo.Load() == 0 {
			every = 3 * time.Second
		}
		if time.Since(last) >= every && ctx.Err() == nil {
			last = time.Now()
			l.upload(ctx, c)
		}
	}
}

// upload sends a small PNG of its own to the media library and returns
// the status.
func (l *load) upload(ctx context.Context, c *client) int {
	n := l.seq.Add(1)
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for y := range 64 {
		for x := range 96 {
			img.Set(x, y, color.RGBA{uint8(n), uint8(x * 2), uint8(y * 3), 255})
		}
	}
	var pic, body bytes.Buffer
	if err := png.Encode(&pic, img); err != nil {
		panic(err) // encoding an in-memory RGBA image does not fail
	}
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("alt", fmt.Sprintf("Test pattern %d", n)); err != nil {
		panic(err)
	}
	fw, err := mw.CreateFormFile("file", fmt.Sprintf("pattern-%d.png", n))
	if err != nil {
		panic(err)
	}
	fw.Write(pic.Bytes())
	mw.Close()
	req, err := http.NewRequestWithContext(ctx, "POST", c.base+"/admin/media", &body)
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", c.base)
	a := c.send(req)
	if ctx.Err() != nil {
		return 0
	}
	l.record(kUpload, "/admin/media", a, 303)
	return a.status
}
