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
	mux.Handle("GET /api/v1/articles/{id}/comments", a.handle(a.listComments))
	mux.Handle("POST /api/v1/articles/{id}/comments", a.handle(a.postComment))
	mux.Handle("GET /api/v1/comments/{id}", a.handle(a.getComment))
	mux.Handle("PATCH /api/v1/comments/{id}", a.handle(a.editComment))
	mux.Handle("DELETE /api/v1/comments/{id}", a.handle(a.deleteComment))
	mux.Handle("GET /api/v1/comments/{id}/thread", a.handle(a.getThread))
	mux.Handle("POST /api/v1/comments/{id}/vote", a.handle(a.voteComment))
	mux.Handle("POST /api/v1/comments/{id}/moderate", a.handle(a.moderateComment))
	mux.HandleFunc("GET /api/v1/openapi.json", a.openAPI)
	mux.Handle("/api/", a.handle(func(w http.ResponseWriter, r *http.Request) error { return errNoRoute }))
	return mux
}
