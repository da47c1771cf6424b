// Package web serves the public site as server-rendered HTML: pages, feeds,
// sitemap, static files, accounts, the admin area and the operational
// endpoints. Handlers translate HTTP to calls of the domain packages and
// never write SQL.
package web

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/cars"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/events"
	"byline/internal/leads"
	"byline/internal/mail"
	"byline/internal/media"
	"byline/internal/metrics"
	"byline/internal/newsletter"
	"byline/internal/pagecache"
	"byline/internal/ratelimit"
	"byline/internal/site"
)

// Deps is everything the site is built from.
type Deps struct {
	Articles *article.Store // articles, the newsroom and the site's pages
	People   *account.Store // accounts, sessions and public profiles
	Comments *comment.Store
	Limiter  *ratelimit.Limiter
	Outbox   *mail.Outbox
	Settings *site.Cache
	Events   *events.Broker   // live updates; nil turns them off
	Cache    *pagecache.Cache // the page cache; nil turns it off
	// Fresh reads the database's change counters now (see pagecache); run
	// before answering a write, so this node's next page shows it.
	Fresh       func(ctx context.Context)
	SMTPFromEnv bool // outgoing mail is set by BYLINE_SMTP, not on the settings screen
	DB          *db.DB
	Location    *time.Location
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when rate limits and logs need the reader's address.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	Metrics        *metrics.Metrics
	API            http.Handler // serves /api/

	Newsletter *newsletter.Store  // the e-newsletter's list and campaigns
	Sender     *newsletter.Sender // sends campaigns (woken when one is scheduled)
	Views      *article.Views     // readings of article pages; nil counts none
	Media      *media.Store       // uploaded images
	Cars       *cars.Store        // the New Car Research catalogue
	Leads      *leads.Store       // dealers and quote requests
}

// Server is the site's HTTP handler.
type Server struct {
	Deps
	tmpl     *templates
	assets   *assets
	handler  http.Handler
	mux      *http.ServeMux // the site's routes, for mayOpen
	adminNav []adminScreen  // the admin navigation, from the routes

	closing   chan struct{} // closed when the server shuts down
	closeOnce sync.Once

	navs  navMemo  // signed-in readers' account menus, rendered once each
	reads mostRead // the sidebar's Most Read box
	quote struct { // the sidebar's quote box, drawn once per catalogue
		mu   sync.Mutex
		cat  *cars.Catalogue
		html template.HTML
	}
}

// CloseStreams ends the live-update streams, which would otherwise keep a
// graceful shutdown waiting for clients that never hang up. Register it
// with http.Server.RegisterOnShutdown.
func (s *Server) CloseStreams() {
	s.closeOnce.Do(func() { close(s.closing) })
}

// New builds the site. It fails if a template is missing or broken.
func New(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	s := &Server{Deps: d, closing: make(chan struct{})}
	for _, step := range articleActions {
		if _, ok := flashArticleStep[step]; !ok {
			return nil, fmt.Errorf("web: the newsroom's step %q has no notice", step)
		}
	}
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

// site returns the current site-wide settings.
func (s *Server) site(r *http.Request) site.Settings {
	return s.Settings.Current(r.Context())
}

// mailContext is what account mails need to know of the site.
func (s *Server) mailContext(r *http.Request) account.MailContext {
	st := s.site(r)
	return account.MailContext{SiteName: st.Name, BaseURL: st.BaseURL}
}

// rules are the comment rules in force, from the settings.
func (s *Server) rules(r *http.Request) comment.Rules { return s.site(r).CommentRules() }
