package core

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"byline/internal/apperr"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files under content-hashed names
// (style.3f2a1b9c.css), so they can be cached for a year and still change
// the moment a new version ships.
type assets struct {
	urls  map[string]string // style.css -> /static/style.3f2a1b9c.css
	files map[string]asset  // style.3f2a1b9c.css -> content
}

type asset struct {
	body  []byte
	ctype string
}

func loadAssets() (*assets, error) {
	a := &assets{urls: map[string]string{}, files: map[string]asset{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "static/")
		sum := sha256.Sum256(body)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.urls[name] = "/static/" + hashed
		a.files[hashed] = asset{body: body, ctype: ct}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static files: %w", err)
	}
	return a, nil
}

// url returns the hashed address of a static file; templates call it, and
// an unknown name fails the template, which fails the start.
func (a *assets) url(name string) (string, error) {
	u, ok := a.urls[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return u, nil
}

func (s *Server) Static(w http.ResponseWriter, r *http.Request) {
	f, ok := s.assets.files[r.PathValue("file")]
	if !ok {
		s.Fail(w, r, apperr.ErrNotFound)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(f.body)
}

func (s *Server) Favicon(w http.ResponseWriter, r *http.Request) {
	u, _ := s.assets.url("favicon.svg")
	http.Redirect(w, r, u, http.StatusMovedPermanently)
}
