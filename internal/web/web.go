// Package web serves the site as server-rendered HTML: the public site
// (package site), the admin area (package admin), static files and the
// operational endpoints, on a shared core (package core). Handlers
// translate HTTP to calls of the domain packages and never write SQL.
package web

import (
	"net/http"

	"byline/internal/comment"
	"byline/internal/pagecache"
	"byline/internal/web/admin"
	"byline/internal/web/core"
	"byline/internal/web/site"
)

// Server is the whole site: the public pages and the admin on the shared
// core, behind the middleware.
type Server struct {
	core    *core.Server
	site    *site.Server
	admin   *admin.Server
	handler http.Handler
}

// Deps is everything the site is built from: what the public site and the
// admin share, and the page cache, which only the public site reaches.
type Deps struct {
	core.Deps
	Cache *pagecache.Cache // the page cache; nil turns it off
}

// New builds the site. It fails if a template is missing or broken.
func New(d Deps) (*Server, error) {
	c, err := core.New(d.Deps)
	if err != nil {
		return nil, err
	}
	if err := core.CheckNotices(); err != nil {
		return nil, err
	}
	e := &Server{core: c, site: &site.Server{Server: c, Cache: d.Cache}}
	if e.admin, err = admin.New(c, e.site); err != nil {
		return nil, err
	}
	c.Filled = e.site.NoteReturn
	if err := c.ParseTemplates(e.site.Funcs(), e.admin.Funcs()); err != nil {
		return nil, err
	}
	e.handler = c.Middleware(e.routes(), e.site.PageCache, e.site.Hit)
	return e, nil
}

func (e *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.handler.ServeHTTP(w, r)
}

// CloseStreams ends the live-update streams (see core.Server.CloseStreams).
func (e *Server) CloseStreams() { e.core.CloseStreams() }

// CommentChanged tells open discussions of a change to a comment (see
// core.Server.CommentChanged).
func (e *Server) CommentChanged(kind string, c comment.Comment) { e.core.CommentChanged(kind, c) }
