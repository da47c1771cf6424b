package site

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/links"
)

// avatar serves a person's picture: their upload, a Gravatar redirect if
// they chose one and the site allows it, or a generated identicon.
func (s *Server) avatar(w http.ResponseWriter, r *http.Request) error {
	if key, ok := strings.CutPrefix(r.PathValue("slug"), guestAvatar); ok {
		return guestIdenticon(w, key)
	}
	p, err := s.People.BySlug(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	cache := "public, max-age=300"
	if r.URL.Query().Get("v") != "" {
		cache = "public, max-age=86400" // the address changes with the picture
	}
	w.Header().Set("Cache-Control", cache)
	switch {
	case p.AvatarKind == "upload" && !p.Deleted():
		ctype, data, updated, err := s.People.Avatar(r.Context(), p.ID)
		if errors.Is(err, apperr.ErrNotFound) {
			break
		}
		if err != nil {
			return err
		}
		etag := `"` + strconv.FormatInt(updated.UnixNano(), 36) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return nil
		}
		w.Header().Set("Content-Type", ctype)
		_, err = w.Write(data)
		return err
	case p.AvatarKind == "gravatar" && s.Site(r).Gravatar && !p.Deleted():
		sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(p.Email))))
		http.Redirect(w, r, "https://www.gravatar.com/avatar/"+hex.EncodeToString(sum[:])+"?s=256&d=identicon", http.StatusFound)
		return nil
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, err = w.Write([]byte(identicon(p.Slug)))
	return err
}

// guestAvatar starts the address of a guest's picture, /avatar/~KEY: a
// character no person's slug has, so the two never meet.
const guestAvatar = "~"

// guestIdenticon draws a guest's picture from their avatar key (a hash,
// never their e-mail); the same key is always the same picture, so
// browsers keep it.
func guestIdenticon(w http.ResponseWriter, key string) error {
	if len(key) != 32 || strings.Trim(key, "0123456789abcdef") != "" {
		return apperr.ErrNotFound
	}
	w.Header().Set("Cache-Control", "public, max-age=604800, immutable")
	w.Header().Set("Content-Type", "image/svg+xml")
	_, err := w.Write([]byte(identicon(key)))
	return err
}

// identicon draws a 5×5 mirrored pattern in a colour, both taken from a
// hash of key: the same person always gets the same picture, made here,
// with no request to anyone else.
func identicon(key string) string {
	sum := sha256.Sum256([]byte(key))
	hue := int(sum[0])*360/256 + int(sum[1])%12
	fg := fmt.Sprintf("hsl(%d 55%% 45%%)", hue%360)
	var b strings.Builder
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 5 5" width="256" height="256" shape-rendering="crispEdges">`)
	b.WriteString(`<rect width="5" height="5" fill="hsl(` + strconv.Itoa(hue%360) + ` 40% 92%)"/>`)
	for y := 0; y < 5; y++ {
		for x := 0; x < 3; x++ {
			if sum[2+y*3+x]&1 == 0 {
				continue
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="1" height="1" fill="%s"/>`, x, y, fg)
			if x < 2 {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="1" height="1" fill="%s"/>`, 4-x, y, fg)
			}
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// avatarURL is the address of a person's picture (links.Avatar).
func avatarURL(p account.Person) string { return links.Avatar(p.Slug, p.UpdatedAt) }
