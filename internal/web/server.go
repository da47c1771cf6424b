// Package web serves the public site as server-rendered HTML: pages, feeds,
// sitemap, static files, accounts, the admin area and the operational
// endpoints. Handlers translate HTTP to calls of the domain packages and
// never write SQL.
package web

import (
	"context"
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
	"byline/internal/leads"
	"byline/internal/mail"
	"byline/internal/media"
	"byline/internal/metrics"
	"byline/internal/newsletter"
	"byline/internal/pagecache"
	"byline/internal/site"
)

// Articles is what the site needs of the article store.
type Articles interface {
	Public(ctx context.Context, slug string) (article.Article, error)
	PublicByID(ctx context.Context, id int64) (article.Article, error)
	List(ctx context.Context, q article.ListQuery) (article.Page, error)
	Search(ctx context.Context, query string, page int) (article.SearchPage, error)
	Tags(ctx context.Context, limit int) ([]article.Tag, error)
	TagBySlug(ctx context.Context, slug string) (article.Tag, error)
	LastUpdate(ctx context.Context) (time.Time, error)
	SetCommentsClosed(ctx context.Context, id int64, closed bool) error
	PublicPage(ctx context.Context, slug string) (article.StaticPage, error)
	PublicPages(ctx context.Context) ([]article.PageLink, error)
}

// People is what the public pages need of the account store.
type People interface {
	BySlug(ctx context.Context, slug string) (account.Person, error)
	Staff(ctx context.Context, roles ...account.Role) (map[account.Role][]account.Person, error)
	RolesOf(ctx context.Context, ids []int64) (map[int64][]account.Role, error)
}

// Comments is what the site needs of the comment store.
type Comments interface {
	Get(ctx context.Context, id int64) (comment.Comment, error)
	Thread(ctx context.Context, articleID int64, sort comment.Sort, page int) (comment.Page, error)
	Locate(ctx context.Context, id int64, sort comment.Sort) (comment.Place, error)
	WholeThread(ctx context.Context, rootID int64, limit int) ([]comment.Comment, error)
	LastPage(ctx context.Context, articleID int64) (int, error)
	Post(ctx context.Context, n comment.New, rules comment.Rules) (comment.Posted, error)
	Edit(ctx context.Context, id, authorID int64, body string) (comment.Comment, error)
	Delete(ctx context.Context, id, authorID int64) error
	Vote(ctx context.Context, id, userID int64, value int) (comment.Comment, error)
	Votes(ctx context.Context, userID int64, ids []int64) (map[int64]int, error)
	Report(ctx context.Context, id, userID int64, reason string, rules comment.Rules) error
	Recent(ctx context.Context, articleID int64, n int) ([]comment.Recent, error)
	ByAuthor(ctx context.Context, authorID int64, n int) ([]comment.Recent, error)
	Find(ctx context.Context, f comment.Filter, limit int) ([]comment.Queued, error)
	Counts(ctx context.Context) (map[comment.Queue]int, error)
	PerDay(ctx context.Context, start time.Time, n int) ([]int, error)
	Moderate(ctx context.Context, ids []int64, act comment.Action, actorID int64, note string, site comment.Site) error
	EditByModerator(ctx context.Context, id, actorID int64, body string) error
	History(ctx context.Context, id int64) ([]comment.Event, error)
	Ban(ctx context.Context, userID, actorID int64, until time.Time) error
}

// Accounts is what sign-up, sign-in, the account page and the admin's
// People screen need of the account store.
type Accounts interface {
	Register(ctx context.Context, r account.Registration, mc account.MailContext) error
	ResendVerification(ctx context.Context, userID int64, mc account.MailContext) error
	Verify(ctx context.Context, token string) (account.Person, error)
	Authenticate(ctx context.Context, email, password string) (account.Person, error)
	RequestReset(ctx context.Context, email string, mc account.MailContext) error
	CheckResetLink(ctx context.Context, token string) error
	ResetPassword(ctx context.Context, token, password string) (account.Person, error)
	ChangePassword(ctx context.Context, userID int64, current, next string) error
	RequestEmailChange(ctx context.Context, userID int64, email, password string, mc account.MailContext) error
	UpdateProfile(ctx context.Context, userID int64, p account.Profile) (account.Person, error)
	SetAvatar(ctx context.Context, userID int64, data []byte) error
	Avatar(ctx context.Context, userID int64) (string, []byte, time.Time, error)

	StartSession(ctx context.Context, userID int64, remember bool, userAgent, ip string) (string, account.Session, error)
	SessionPerson(ctx context.Context, token string) (account.Person, account.Session, error)
	EndSession(ctx context.Context, token string) error
	EndSessionByID(ctx context.Context, userID int64, id string) error
	EndOtherSessions(ctx context.Context, userID int64, keep string) error
	Sessions(ctx context.Context, userID int64) ([]account.Session, error)

	CreateAPIToken(ctx context.Context, userID int64, name string) (string, account.APIToken, error)
	APITokens(ctx context.Context, userID int64) ([]account.APIToken, error)
	RevokeAPIToken(ctx context.Context, userID, id int64) error

	NotifyReplies(ctx context.Context, userID int64, on bool) error
	NotifiesReplies(ctx context.Context, userID int64) (bool, error)
	UnsubscribeReplies(ctx context.Context, userID int64, token string) (bool, error)

	ByID(ctx context.Context, id int64) (account.Person, error)
	Search(ctx context.Context, q account.SearchQuery) ([]account.Person, error)
	SetRolesAs(ctx context.Context, actorID, userID int64, roles []account.Role) error
	SuspendAs(ctx context.Context, actorID, userID int64, suspend bool) error
	DeleteAs(ctx context.Context, actorID, userID int64) error
}

// Limiter counts attempts for rate limits and lockouts.
type Limiter interface {
	Hit(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error)
	Locked(ctx context.Context, key string) (time.Duration, error)
	Fail(ctx context.Context, key string) (time.Duration, error)
	Clear(ctx context.Context, key string) error
}

// Outbox is the mail queue as admins see it.
type Outbox interface {
	Queue(ctx context.Context, m mail.Message) error
	List(ctx context.Context, before int64, limit int) ([]mail.Stored, error)
	Get(ctx context.Context, id int64) (mail.Stored, error)
	Counts(ctx context.Context) (map[string]int, error)
	Retry(ctx context.Context, id int64) error
}

// Settings are the site-wide settings, cached.
type Settings interface {
	Current(ctx context.Context) site.Settings
	Stored(ctx context.Context) (site.Settings, error)
	Save(ctx context.Context, st site.Settings) error
}

// Pinger checks the database for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps is everything the site is built from.
type Deps struct {
	Articles Articles
	People   People
	Comments Comments
	Accounts Accounts
	Limiter  Limiter
	Outbox   Outbox
	Settings Settings
	Events   Events           // live updates; nil turns them off
	Cache    *pagecache.Cache // the page cache; nil turns it off
	// Fresh reads the database's change counters now (see pagecache); run
	// before answering a write, so this node's next page shows it.
	Fresh       func(ctx context.Context)
	SMTPFromEnv bool // outgoing mail is set by BYLINE_SMTP, not on the settings screen
	DB          Pinger
	Location    *time.Location
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when rate limits and logs need the reader's address.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	Metrics        *metrics.Metrics
	API            http.Handler // serves /api/

	Newsletter *newsletter.Store  // the e-newsletter's list and campaigns
	Sender     *newsletter.Sender // sends campaigns (woken when one is scheduled)
	Newsroom   Newsroom           // writing, review and publishing
	Views      *article.Views     // readings of article pages; nil counts none
	Media      *media.Store       // uploaded images
	Pages      Pages              // the site's pages (About, Contact ...)
	Cars       *cars.Store        // the New Car Research catalogue
	Leads      *leads.Store       // dealers and quote requests
}

// Server is the site's HTTP handler.
type Server struct {
	Deps
	tmpl    *templates
	assets  *assets
	handler http.Handler
	mux     *http.ServeMux // the site's routes, for mayOpen

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
