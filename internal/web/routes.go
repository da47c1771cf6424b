package web

import (
	"net/http"
	"strings"
)

// routes lists every route of the site in one place. The addresses are
// WordPress's, so a migrated site keeps its links and feed subscribers.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	h := s.handle

	mux.Handle("GET /{$}", h(s.home))
	mux.Handle("GET /{year}/{month}/{day}/{slug}/{$}", h(s.article))
	mux.Handle("GET /{year}/{$}", h(s.archive))
	mux.Handle("GET /{year}/{month}/{$}", h(s.archive))
	mux.Handle("GET /{year}/{month}/{day}/{$}", h(s.archive))
	mux.Handle("GET /tag/{slug}/{$}", h(s.tag))
	mux.Handle("GET /author/{slug}/{$}", h(s.author))
	mux.Handle("GET /search", h(s.search))

	mux.Handle("GET /feed/{$}", h(s.siteFeed(rssFormat)))
	mux.Handle("GET /feed/atom/{$}", h(s.siteFeed(atomFormat)))
	mux.Handle("GET /tag/{slug}/feed/{$}", h(s.tagFeed(rssFormat)))
	mux.Handle("GET /tag/{slug}/feed/atom/{$}", h(s.tagFeed(atomFormat)))
	mux.Handle("GET /author/{slug}/feed/{$}", h(s.authorFeed(rssFormat)))
	mux.Handle("GET /author/{slug}/feed/atom/{$}", h(s.authorFeed(atomFormat)))
	mux.Handle("GET /sitemap.xml", h(s.sitemap))
	mux.Handle("GET /robots.txt", h(s.robots))

	mux.Handle("GET /static/{file}", http.HandlerFunc(s.static))
	mux.Handle("GET /favicon.ico", http.HandlerFunc(s.favicon))

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics.Handler())
	}

	// Everything else is the site's own 404 page, not the mux's plain text.
	mux.Handle("GET /", h(s.notFound))

	// The JSON API has its own routes (internal/api/routes.go). It is
	// dispatched by prefix because its paths would otherwise overlap the
	// date-archive patterns above.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.API != nil && strings.HasPrefix(r.URL.Path, "/api/") {
			s.API.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}
