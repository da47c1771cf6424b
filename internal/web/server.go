// Package web serves the public site as server-rendered HTML: pages, feeds,
// sitemap, static files and the operational endpoints. Handlers translate
// HTTP to calls of the domain packages and never write SQL.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/metrics"
	"byline/internal/site"
)

// Articles is what the site needs of the article store.
type Articles interface {
	Public(ctx context.Context, slug string) (article.Article, error)
	List(ctx context.Context, q article.ListQuery) (article.Page, error)
	Search(ctx context.Context, query string, page int) (article.SearchPage, error)
	Tags(ctx context.Context, limit int) ([]article.Tag, error)
	TagBySlug(ctx context.Context, slug string) (article.Tag, error)
	LastUpdate(ctx context.Context) (time.Time, error)
}

// People is what the site needs of the account store.
type People interface {
	BySlug(ctx context.Context, slug string) (account.Person, error)
	Staff(ctx context.Context, roles ...account.Role) (map[account.Role][]account.Person, error)
}

// Pinger checks the database for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps is everything the site is built from.
type Deps struct {
	Articles Articles
	People   People
	DB       Pinger
	Site     site.Settings
	BaseURL  string // absolute, no trailing slash
	Location *time.Location
	Logger   *slog.Logger
	Metrics  *metrics.Metrics
	API      http.Handler // mounted at /api/v1/
}

// Server is the site's HTTP handler.
type Server struct {
	Deps
	tmpl    *templates
	assets  *assets
	handler http.Handler
}

// New builds the site. It fails if a template is missing or broken.
func New(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	s := &Server{Deps: d}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.tmpl, err = parseTemplates(s.funcs()); err != nil {
		return nil, err
	}
	s.handler = s.middleware(s.routes())
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}
