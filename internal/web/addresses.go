package web

import (
	"net/http"
	"strings"
)

// addresses settles paths that differ from a page's address by their last
// slash before the mux sees them. ServeMux answers "/x" with a redirect to
// "/x/" whenever a pattern ending in "/{$}" would match; with the date
// archives ("/{year}/{$}") that is every single-segment path, so an unknown
// "/nonexistent" was sent to "/nonexistent/" only to be told it does not
// exist. Here a redirect is made only towards an address that can exist,
// and "/login/" (a page whose address has no final slash) leads to "/login".
func (s *Server) addresses(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			mux.ServeHTTP(w, r)
			return
		}
		p := r.URL.Path
		_, pat := mux.Handler(r)
		switch {
		case !strings.HasSuffix(p, "/") && strings.HasSuffix(pat, "/{$}") && !plausible(pat, p+"/"):
			// The mux would redirect to an address that cannot be a page.
			s.handle(s.notFound).ServeHTTP(w, r)
			return
		case strings.HasSuffix(p, "/") && len(p) > 1 && (pat == catchAll || !plausible(pat, p)):
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = strings.TrimSuffix(p, "/"), ""
			if _, alt := mux.Handler(r2); alt != catchAll && alt != "" && !strings.HasSuffix(alt, "/{$}") {
				to := r2.URL.Path
				if r.URL.RawQuery != "" {
					to += "?" + r.URL.RawQuery
				}
				http.Redirect(w, r, to, http.StatusMovedPermanently)
				return
			}
		}
		if !plausible(pat, p) {
			s.handle(s.notFound).ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// catchAll is the pattern of the site's own 404 page.
const catchAll = "GET /"

// plausible reports whether path could be a page of pattern: the date
// wildcards of the archives and article addresses must be numbers.
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
			if got[i] == "" || strings.Trim(got[i], "0123456789") != "" {
				return false
			}
		}
	}
	return true
}
