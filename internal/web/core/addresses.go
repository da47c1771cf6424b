package core

import (
	"errors"
	"net/http"
	"strings"

	"byline/internal/apperr"
	"byline/internal/article"
)

// Addresses settles paths that differ from a page's address by their last
// slash before the mux sees them. ServeMux answers "/x" with a redirect to
// "/x/" whenever a pattern ending in "/{$}" would match; with the date
// archives ("/{year}/{$}") that is every single-segment path, so an unknown
// "/nonexistent" was sent to "/nonexistent/" only to be told it does not
// exist. Here a redirect is made only towards an address that can exist,
// and "/login/" (a page whose address has no final slash) leads to "/login".
func (s *Server) Addresses(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			mux.ServeHTTP(w, r)
			return
		}
		p := r.URL.Path
		for _, d := range s.Deep {
			if strings.HasPrefix(p, d.Prefix) {
				r.Pattern = d.Pattern // as the mux would, for the logs and the page cache
				d.Handler.ServeHTTP(w, r)
				return
			}
		}
		_, pat := mux.Handler(r)
		switch {
		case !strings.HasSuffix(p, "/") && strings.HasSuffix(pat, "/{$}") && !s.exists(r, pat, p+"/"):
			// The mux would redirect to an address that is no page.
			s.Handle(s.NotFound).ServeHTTP(w, r)
			return
		case strings.HasSuffix(p, "/") && len(p) > 1 && (pat == CatchAll || !plausible(pat, p)):
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = strings.TrimSuffix(p, "/"), ""
			if _, alt := mux.Handler(r2); alt != CatchAll && alt != "" && !strings.HasSuffix(alt, "/{$}") {
				to := r2.URL.Path
				if r.URL.RawQuery != "" {
					to += "?" + r.URL.RawQuery
				}
				http.Redirect(w, r, to, http.StatusMovedPermanently)
				return
			}
		}
		if !plausible(pat, p) {
			s.Handle(s.NotFound).ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// CatchAll is the pattern of the site's own 404 page.
const CatchAll = "GET /"

// plausible reports whether path could be a page of pattern: the date
// wildcards of the archives and article addresses must be numbers, and a
// single segment is a year or could be a site page's address (/about/).
func plausible(pattern, path string) bool {
	_, pp, _ := strings.Cut(pattern, " ")
	want := strings.Split(strings.Trim(pp, "/"), "/")
	got := strings.Split(strings.Trim(path, "/"), "/")
	for i, seg := range want {
		if i >= len(got) {
			break
		}
		switch seg {
		case "{year}", "{month}", "{day}":
			digits := got[i] != "" && strings.Trim(got[i], "0123456789") == ""
			if !digits && (pp != singleSegment || !article.PageSlugFree(got[i])) {
				return false
			}
		}
	}
	return true
}

// singleSegment is the pattern of year archives and site pages.
const singleSegment = "/{year}/{$}"

// exists reports whether path, which the mux would redirect to, can be
// answered: a site page's address is looked up, so an unknown "/x" is a
// 404 at once rather than a redirect to one.
func (s *Server) exists(r *http.Request, pattern, path string) bool {
	if !plausible(pattern, path) {
		return false
	}
	seg := strings.Trim(path, "/")
	if _, pp, _ := strings.Cut(pattern, " "); pp != singleSegment || strings.Trim(seg, "0123456789") == "" {
		return true
	}
	// A failed lookup is left to the page's own handler, which reports it.
	_, err := s.Articles.PublicPage(r.Context(), seg)
	return !errors.Is(err, apperr.ErrNotFound)
}

// redirected answers a request that would be a 404 with a 301 to where its
// old address leads now, if the redirect table (or WordPress's built-in
// addresses) knows it. Only GET and HEAD are redirected. The table is
// consulted here only, so pages that exist never pay for it; a failed
// lookup is logged and the 404 shown.
func (s *Server) redirected(w http.ResponseWriter, r *http.Request) bool {
	if s.Redirects == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	rd, ok, err := s.Redirects.Lookup(r.Context(), r.URL.Path, r.URL.RawQuery)
	if err != nil {
		s.Logger.Warn("redirect lookup", "request_id", RequestID(r.Context()), "path", r.URL.Path, "err", err)
		return false
	}
	if !ok {
		return false
	}
	s.Redirects.Hit(rd.ID)
	http.Redirect(w, r, rd.Target, http.StatusMovedPermanently)
	return true
}
