package api

import "net/http"

// routes lists every route of the JSON API v1.
func (a *API) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /api/v1/articles", a.handle(a.listArticles))
	mux.Handle("GET /api/v1/articles/{id}", a.handle(a.getArticle))
	mux.Handle("GET /api/v1/people", a.handle(a.listPeople))
	mux.Handle("GET /api/v1/people/{slug}", a.handle(a.getPerson))
	mux.Handle("GET /api/v1/tags", a.handle(a.listTags))
	mux.Handle("GET /api/v1/me", a.handle(a.me))
	mux.HandleFunc("GET /api/v1/openapi.json", a.openAPI)
	mux.Handle("/api/", a.handle(func(w http.ResponseWriter, r *http.Request) error { return errNoRoute }))
	return mux
}
