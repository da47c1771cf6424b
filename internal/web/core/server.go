// Package core is what the public site (package site) and the admin
// (package admin) share: the stores they are built on, templates and
// rendering, forms, the signed-in viewer, notices after a redirect, errors
// and the middleware.
package core

import (
	"byline/internal/accesslog"
	"byline/internal/importjob"
	"context"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/backup"
	"byline/internal/cars"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/events"
	"byline/internal/leads"
	"byline/internal/mail"
	"byline/internal/media"
	"byline/internal/metrics"
	"byline/internal/newsletter"
	"byline/internal/oidcclient"
	"byline/internal/ratelimit"
	"byline/internal/redirect"
	"byline/internal/site"
)

// Deps is what the public site and the admin are built from.
type Deps struct {
	Articles *article.Store // articles, the newsroom and the site's pages
	People   *account.Store // accounts, sessions and public profiles
	Comments *comment.Store
	Limiter  *ratelimit.Limiter
	Outbox   *mail.Outbox
	Settings *site.Cache
	Events   *events.Broker // live updates; nil turns them off
	// Fresh reads the database's change counters now (see pagecache); run
	// before answering a write, so this node's next page shows it.
	Fresh func(ctx context.Context)
	// ContentVersion is the content version last read (see pagecache):
	// what is made from the content stays right until it moves. nil keeps
	// nothing made from the content between requests.
	ContentVersion func() int64
	SMTPFromEnv    bool // outgoing mail is set by BYLINE_SMTP, not on the settings screen
	DB             *db.DB
	Location       *time.Location
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when rate limits and logs need the reader's address.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	// AccessLog takes the request lines, buffered; nil writes them
	// through Logger.
	AccessLog *accesslog.Writer
	Metrics   *metrics.Metrics
	API       http.Handler // serves /api/

	Newsletter *newsletter.Store  // the e-newsletter's list and campaigns
	Sender     *newsletter.Sender // sends campaigns (woken when one is scheduled)
	Views      *article.Views     // readings of article pages; nil counts none
	Media      *media.Store       // uploaded images
	Cars       *cars.Store        // the New Car Research catalogue
	Leads      *leads.Store       // dealers and quote requests
	Redirects  *redirect.Store    // old addresses answered with a 301; nil: none
	Imports    *importjob.Runner  // imports started from the admin; nil: none
	// BackupDefault is the folder scheduled backups go to when the
	// settings name none ("" with PostgreSQL).
	BackupDefault string
	Backups       *backup.Schedule // makes backups (the daily one, and "Back up now"); nil: none
	// Providers speaks to the sign-in providers; nil: a default client.
	Providers *oidcclient.Client
}

// Server is the shared core of the site, which the public site (site.Server)
// and the admin (admin.Server) embed: the stores, the templates, rendering,
// forms, the viewer and the middleware.
type Server struct {
	Deps
	Tmpl   *Templates
	assets *assets
	Mux    *http.ServeMux // the site's routes, for mayOpen
	// Deep are GET routes by address prefix, for addresses of any depth
	// that no ServeMux pattern can take beside the date archives ("GET
	// /category/{path...}" would overlap "GET /{year}/{month}/{$}"): the
	// pattern is the route's name in logs and the page cache.
	Deep []DeepRoute
	// Filled, if set, hears of each page fill completed (the page cache
	// notes where its sign-in links return to).
	Filled func(r *http.Request, p *Page)

	closing   chan struct{} // closed when the server shuts down
	closeOnce sync.Once

	routeTexts sync.Map // route -> the route as the text log writes it

	reads    mostRead // the sidebar's Most Read box
	chromeMu sync.Mutex
	chrome   *chrome  // what pages show around their content (see Chrome)
	quote    struct { // the sidebar's quote box, drawn once per catalogue
		mu   sync.Mutex
		cat  *cars.Catalogue
		html template.HTML
	}
}

// New builds the shared core of the site on d: the handlers of the public
// site and the admin are methods of types embedding it. ParseTemplates
// completes it.
func New(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	if d.Providers == nil {
		d.Providers = oidcclient.New(oidcclient.Options{})
	}
	s := &Server{Deps: d, closing: make(chan struct{})}
	var err error
	if s.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	// The layout links these by name; a missing one stops the start, as a
	// template naming it did.
	for _, name := range layoutAssets {
		if _, err := s.assets.url(name); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// ParseTemplates parses the templates with the shared template functions
// and those of the site and the admin (funcs). It fails if a template is
// broken or a partial the code executes is missing.
func (s *Server) ParseTemplates(funcs ...template.FuncMap) error {
	t, err := parseTemplates(append([]template.FuncMap{s.Funcs()}, funcs...)...)
	if err != nil {
		return err
	}
	s.Tmpl = t
	return nil
}

// CloseStreams ends the live-update streams, which would otherwise keep a
// graceful shutdown waiting for clients that never hang up. Register it
// with http.Server.RegisterOnShutdown.
func (s *Server) CloseStreams() {
	s.closeOnce.Do(func() { close(s.closing) })
}

// Site returns the current site-wide settings.
func (s *Server) Site(r *http.Request) site.Settings {
	return s.Settings.Current(r.Context())
}

// MailContext is what account mails need to know of the site.
func (s *Server) MailContext(r *http.Request) account.MailContext {
	st := s.Site(r)
	return account.MailContext{SiteName: st.Name, BaseURL: st.BaseURL}
}

// Rules are the comment rules in force, from the settings.
func (s *Server) Rules(r *http.Request) comment.Rules { return s.Site(r).CommentRules() }

func (s *Server) NewsletterSite(r *http.Request) newsletter.Site {
	st := s.Site(r)
	return newsletter.Site{Name: st.Name, BaseURL: st.BaseURL}
}

// DeepRoute serves every GET address under Prefix (see Server.Deep).
type DeepRoute struct {
	Prefix, Pattern string
	Handler         http.Handler
}
