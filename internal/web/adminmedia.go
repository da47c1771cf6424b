package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/media"
)

// mediaLimit bounds an upload's request.
const mediaLimit = media.MaxBytes + 1<<20

type mediaData struct {
	Media []media.Media
	More  string
}

func (s *Server) adminMedia(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return s.mediaPage(w, r, v, http.StatusOK, nil)
}

func (s *Server) mediaPage(w http.ResponseWriter, r *http.Request, v *viewer, status int, f *form) error {
	page := 1
	if p := r.URL.Query().Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return badRequest{"Malformed page."}
		}
		page = n
	}
	list, more, err := s.Media.List(r.Context(), page, 24)
	if err != nil {
		return err
	}
	d := mediaData{Media: list}
	if more {
		d.More = "/admin/media?page=" + strconv.Itoa(page+1)
	}
	return s.adminPage(w, r, v, status, "admin/media", "Media", f, d)
}

// uploadMedia takes an image with its alt text.
func (s *Server) uploadMedia(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f, refused, err := postedForm(w, r, mediaLimit)
	if err != nil {
		return err
	}
	if refused {
		return s.mediaPage(w, r, v, http.StatusUnprocessableEntity, f)
	}
	if no, err := s.uploadAllowed(w, r, "media", v.ID, mediaPerHour); err != nil {
		return err
	} else if no != nil {
		f.Errors["file"], f.Error = no.msg, no.msg
		return s.mediaPage(w, r, v, no.status, f)
	}
	var data []byte
	name := ""
	if file, hdr, err := r.FormFile("file"); err == nil {
		defer file.Close()
		if data, err = io.ReadAll(io.LimitReader(file, media.MaxBytes+1)); err != nil {
			return badRequest{"The file could not be read."}
		}
		name = hdr.Filename
	}
	var m media.Media
	no, err := saveUpload(w, r, func(ctx context.Context) (err error) {
		m, err = s.Media.Upload(ctx, name, data, f.Get("alt"), v.ID)
		return err
	})
	if no != nil {
		f.Errors["file"], f.Error = no.msg, no.msg
		return s.mediaPage(w, r, v, no.status, f)
	}
	if err != nil {
		if !f.fail(err) {
			return err
		}
		return s.mediaPage(w, r, v, http.StatusUnprocessableEntity, f)
	}
	s.Logger.Info("media: uploaded", "by", v.ID, "media", m.ID, "bytes", m.Bytes)
	return s.redirectFlash(w, r, "/admin/media", "media-uploaded")
}

// mediaAction changes an image's alt text or deletes it.
func (s *Server) mediaAction(w http.ResponseWriter, r *http.Request, v *viewer) error {
	id, err := formFor(w, r)
	if err != nil {
		return err
	}
	f := newForm(r)
	m, err := s.Media.ByID(r.Context(), id)
	if err != nil {
		return err
	}
	// Others' images are the editors'.
	if m.UploadedBy != v.ID && !v.Can(account.PermEditOthers) && !v.Can(account.PermPublish) {
		return errForbidden
	}
	switch f.Get("action") {
	case "alt":
		if err := s.Media.SetAlt(r.Context(), id, f.Get("alt")); err != nil {
			if inv, ok := apperr.AsInvalid(err); ok {
				return badRequest{inv.Error()}
			}
			return err
		}
		return s.redirectFlash(w, r, "/admin/media", "media-saved")
	case "delete":
		if err := s.Media.Delete(r.Context(), id); err != nil {
			return err
		}
		return s.redirectFlash(w, r, "/admin/media", "media-deleted")
	}
	return badRequest{"Unknown action."}
}

// serveMedia serves a stored image. Its address changes with every upload,
// so browsers may keep it for a year.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("id") + "/" + r.PathValue("file")
	body, ctype, err := s.Media.Open(r.Context(), key)
	if errors.Is(err, apperr.ErrNotFound) || (err == nil && strings.Contains(key, "..")) {
		return apperr.ErrNotFound
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, body)
	return nil
}
