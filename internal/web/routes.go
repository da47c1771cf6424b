package web

import (
	"net/http"
	"strings"

	"byline/internal/web/core"
)

// routes assembles the site: the public pages' routes (site.Server.Routes),
// the admin area's (admin.Server.Routes), static files, and the middleware
// every page goes through.
func (e *Server) routes() http.Handler {
	s := e.core
	mux := http.NewServeMux()
	s.Mux = mux
	h := s.Handle
	e.site.Routes(mux)
	e.admin.Routes(mux)

	mux.Handle("GET /static/{file}", http.HandlerFunc(s.Static))
	mux.Handle("GET /favicon.ico", http.HandlerFunc(s.Favicon))

	if s.Metrics != nil {
		mux.Handle("GET /metrics", s.Metrics.Handler())
	}

	// Everything else is the site's own 404 page, not the mux's plain text.
	mux.Handle(core.CatchAll, h(s.NotFound))

	// Forms are protected from cross-site posts by Fetch metadata and
	// Origin checks (plus SameSite cookies); pages know who is signed in.
	cop := http.NewCrossOriginProtection()
	// A provider answering with a form (Apple's form_post) posts from its
	// own site; the callback checks its state, bound to this browser.
	cop.AddInsecureBypassPattern("POST /login/providers/{id}/callback")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, core.ErrCrossSite)
	}))
	site := cop.Handler(s.CheckAddress(s.WithViewer(core.WithRoute(s.Addresses(mux)))))

	// The JSON API has its own routes (internal/api/routes.go) and
	// authenticates with bearer tokens, never cookies. It is dispatched by
	// prefix because its paths would otherwise overlap the date archives.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.API != nil && strings.HasPrefix(r.URL.Path, "/api/") {
			s.API.ServeHTTP(w, r)
			return
		}
		site.ServeHTTP(w, r)
	})
}
