// Package app builds a Byline site from its configuration: the database,
// every store wired to the others, the web and API handlers, and the
// background work a serving node runs. The server, the commands and the
// tests all build the site here, so there is one wiring to keep.
package app

import (
	"byline/internal/accesslog"
	"context"
	"log/slog"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/cars"
	"byline/internal/comment"
	"byline/internal/config"
	"byline/internal/db"
	"byline/internal/demo"
	"byline/internal/leads"
	"byline/internal/mail"
	"byline/internal/media"
	"byline/internal/newsletter"
	"byline/internal/picture"
	"byline/internal/ratelimit"
	"byline/internal/redirect"
	"byline/internal/site"
)

// Options are the parts of a site that do not come from the configuration.
type Options struct {
	Logger *slog.Logger // nil: slog.Default()
	// AccessLog buffers the request lines (Logger's output, written
	// through it); nil writes them through Logger.
	AccessLog *accesslog.Writer
	// Pictures decodes avatars and uploads; nil is the process's shared
	// decoder (picture.Shared). Tests give each site its own.
	Pictures *picture.Decoder
}

func (o Options) logger() *slog.Logger {
	if o.Logger == nil {
		return slog.Default()
	}
	return o.Logger
}

// Stores are the domain stores of one site on one database, wired to each
// other: what the commands need, and what the web and API handlers serve.
type Stores struct {
	DB         *db.DB
	Location   *time.Location
	Settings   *site.Cache
	Outbox     *mail.Outbox
	Articles   *article.Store
	People     *account.Store
	Comments   *comment.Store
	Limiter    *ratelimit.Limiter
	Newsletter *newsletter.Store
	Sender     *newsletter.Sender
	Cars       *cars.Store
	Views      *article.Views
	Media      *media.Store
	Leads      *leads.Store
	Redirects  *redirect.Store
}

// NewStores builds the stores of the site on d. cfg must have been
// validated (config.Validate).
func NewStores(d *db.DB, cfg config.Config, o Options) *Stores {
	log := o.logger()
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	settings := site.NewCache(site.NewStore(d), site.Defaults(cfg.SiteName, cfg.Tagline), cfg.BaseURL, log)
	if cfg.SMTP != "" {
		settings.SMTPOverride, _ = mail.ParseURL(cfg.SMTP) // validated with the config
	}
	// Mail names the site as it is set now: Message-IDs end in the host of
	// its address, and the sender is shown under its name.
	outbox := mail.NewOutbox(d, "").WithDomain(func(ctx context.Context) string { return mail.HostOf(settings.Current(ctx).BaseURL) })
	articles := article.NewStore(d).WithNotices(outbox, func(ctx context.Context) article.NoticeSite {
		st := settings.Current(ctx)
		return article.NoticeSite{Name: st.Name, BaseURL: st.BaseURL, Location: loc}
	})
	people := account.NewStore(d).WithMailer(outbox)
	mediaStore := media.NewStore(d, MediaStorage(cfg, d))
	if o.Pictures != nil {
		people.WithPictures(o.Pictures)
		mediaStore.WithPictures(o.Pictures)
	}
	catalogue := cars.NewStore(d)
	letters, sender := NewsletterParts(d, outbox, articles, settings, loc, log)
	return &Stores{
		DB:         d,
		Location:   loc,
		Settings:   settings,
		Outbox:     outbox,
		Articles:   articles,
		People:     people,
		Comments:   comment.NewStore(d).WithMailer(outbox),
		Limiter:    ratelimit.New(d),
		Newsletter: letters,
		Sender:     sender,
		Cars:       catalogue,
		Views:      article.NewViews(d, loc),
		Media:      mediaStore,
		Leads:      leads.NewStore(d, catalogue, outbox, loc),
		Redirects:  redirect.NewStore(d),
	}
}

// NewsletterParts builds the newsletter's store and sender on d; the sender
// reads the mail server, rate and concurrency from the settings each time
// a campaign starts.
func NewsletterParts(d *db.DB, outbox *mail.Outbox, articles *article.Store, settings *site.Cache, loc *time.Location, log *slog.Logger) (*newsletter.Store, *newsletter.Sender) {
	store := newsletter.NewStore(d, outbox, articles)
	sender := newsletter.NewSender(store, func(ctx context.Context) newsletter.Config {
		st := settings.Current(ctx)
		return newsletter.Config{SMTP: st.SMTP, Rate: float64(st.NewsletterRate), Concurrency: st.NewsletterConc,
			Site: newsletter.Site{Name: st.Name, BaseURL: st.BaseURL}, Location: loc, MessageHost: mail.HostOf(st.BaseURL)}
	}, log)
	return store, sender
}

// MediaStorage is where uploaded images are kept.
func MediaStorage(cfg config.Config, d *db.DB) media.Storage {
	if cfg.MediaStore == "database" {
		return media.Database{DB: d}
	}
	return media.Local{Dir: cfg.MediaDir}
}

// OpenDB opens and migrates the configured database; log, if set, hears
// of the migrations applied.
func OpenDB(ctx context.Context, cfg config.Config, log *slog.Logger) (*db.DB, error) {
	d, err := db.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		d.Close()
		return nil, err
	}
	if len(applied) > 0 && log != nil {
		log.Info("database migrated", "engine", d.Engine, "applied", applied)
	}
	return d, nil
}

// loadDemo loads the demo site into d if d holds no content yet.
func loadDemo(ctx context.Context, d *db.DB, cfg config.Config, log *slog.Logger) error {
	empty, err := demo.Empty(ctx, d)
	if err != nil {
		return err
	}
	if !empty {
		return nil
	}
	log.Info("loading the demo site")
	return demo.Load(ctx, d, cfg.Location, nil, demo.WithMedia(MediaStorage(cfg, d)))
}
