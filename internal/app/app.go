package app

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"byline/internal/api"
	"byline/internal/backup"
	"byline/internal/config"
	"byline/internal/db"
	"byline/internal/events"
	"byline/internal/importjob"
	"byline/internal/mail"
	"byline/internal/metrics"
	"byline/internal/pagecache"
	"byline/internal/web"
	"byline/internal/web/core"
	"byline/internal/wpimport"
)

// App is one serving node: the stores, the handlers, and the background
// work that keeps them going (Run).
type App struct {
	*Stores
	Config  config.Config
	Log     *slog.Logger
	Metrics *metrics.Metrics
	Events  *events.Broker   // this node's publish/subscribe hub, bridged to the others on PostgreSQL
	Cache   *pagecache.Cache // the page cache; nil when turned off (CacheMB 0)
	API     *api.API
	Web     *web.Server       // serves the whole site, /api/ included
	Imports *importjob.Runner // imports started from Admin → Import, run on this node
	Backups *backup.Schedule  // the daily backup, and those asked for on the dashboard

	readVersion func(ctx context.Context) // reads the database's content counter now
	ownsDB      bool                      // Close closes the database (Open opened it)
}

// Open opens and migrates the configured database, loads the demo site
// into it if cfg.Demo asks and it is empty, and builds the site on it.
// Close closes the database.
func Open(ctx context.Context, cfg config.Config, o Options) (*App, error) {
	log := o.logger()
	d, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if cfg.Demo {
		if err := loadDemo(ctx, d, cfg, log); err != nil {
			d.Close()
			return nil, err
		}
	}
	a, err := New(ctx, d, cfg, o)
	if err != nil {
		d.Close()
		return nil, err
	}
	a.ownsDB = true
	return a, nil
}

// New builds the site on d, which the caller keeps (and closes). cfg must
// have been validated; its CacheMB sizes the page cache (0 turns it off).
func New(ctx context.Context, d *db.DB, cfg config.Config, o Options) (*App, error) {
	log := o.logger()
	stores := NewStores(d, cfg, o)
	if cfg.Location == nil {
		cfg.Location = stores.Location
	}
	a := &App{Stores: stores, Config: cfg, Log: log, Metrics: metrics.New(d.Pools())}
	settings, articles, people, comments := stores.Settings, stores.Articles, stores.People, stores.Comments
	m := a.Metrics
	a.API = api.New(api.Deps{Articles: articles, People: people, Tokens: people, Settings: settings, Comments: comments, Location: cfg.Location, Logger: log})
	// The page cache follows the database's change counters: read every
	// quarter second, at once when PostgreSQL announces a change, and before
	// answering any write this node takes.
	broker := events.New()
	a.Events = broker
	people.OnChange = func(id int64) { announce(broker, peopleTopic, id) }
	stores.Newsletter.OnUnsubscribe = func(id int64) { announce(broker, newsletterTopic, id) }
	// Redirects are not page content: each node remembers lookups briefly
	// and forgets them when any node changes the table (redirect.Store).
	stores.Redirects.OnChange = func() { announce(broker, redirectsTopic, 0) }
	var cache *pagecache.Cache
	if cfg.CacheMB > 0 {
		cache = pagecache.New(cfg.CacheMB << 20)
	}
	version := cache
	if version == nil {
		version = pagecache.New(0) // still follows the counter, for the settings
	}
	readVersion := func(ctx context.Context) {
		if err := version.Refresh(ctx, d, settings.Invalidate); err != nil && ctx.Err() == nil {
			log.Warn("read content version", "err", err)
		}
	}
	readVersion(ctx)
	if cache != nil {
		m.WatchCache(func() (int64, int64, int64, int, int) {
			st := cache.Stats()
			return st.Hits, st.Misses, st.Evictions, st.Entries, st.Bytes
		})
	}
	a.Cache, a.readVersion = cache, readVersion
	a.Imports = importjob.NewRunner(importjob.NewStore(d), &wpimport.Deps{DB: d, People: people, Articles: articles, Comments: comments,
		Redirects: stores.Redirects, Media: stores.Media, Location: stores.Location}, log)

	a.Backups = &backup.Schedule{DB: d, Files: MediaStorage(cfg, d), Log: log, Now: time.Now}

	handler, err := web.New(web.Deps{Cache: cache, Deps: core.Deps{Articles: articles, People: people, Comments: comments, Limiter: stores.Limiter, Outbox: stores.Outbox,
		Settings: settings, Events: broker, Fresh: readVersion, ContentVersion: version.Content, SMTPFromEnv: cfg.SMTP != "", DB: d, Location: cfg.Location, TrustedProxies: cfg.Proxies, Logger: log, AccessLog: o.AccessLog, Metrics: m, API: a.API,
		Newsletter: stores.Newsletter, Sender: stores.Sender, Views: stores.Views, Media: stores.Media, Cars: stores.Cars, Leads: stores.Leads,
		Redirects: stores.Redirects, Imports: a.Imports, BackupDefault: BackupDefault(cfg), Backups: a.Backups}})
	if err != nil {
		return nil, err
	}
	a.API.CommentChanged = handler.CommentChanged
	a.Web = handler
	return a, nil
}

// Run does the node's background work until ctx ends, and returns when all
// of it has stopped: mail delivery, clean-up, newsletters and digests, page
// views, scheduled publishing, and following the database's content counter
// and the other nodes' announcements.
func (a *App) Run(ctx context.Context) {
	bg, log := ctx, a.Log
	outbox, settings, people, limiter, letters, sender, views, articles, broker, cfg, d, readVersion :=
		a.Outbox, a.Settings, a.People, a.Limiter, a.Newsletter, a.Sender, a.Views, a.Articles, a.Events, a.Config, a.DB, a.readVersion
	var wg sync.WaitGroup

	wg.Go(func() {
		outbox.Run(bg, func(ctx context.Context) (mail.Sender, string, bool) {
			st := settings.Current(ctx)
			if !st.SMTP.Configured() {
				return nil, "", false
			}
			return mail.NewSMTP(st.SMTP), mail.SiteFrom(st.SMTP.From, st.Name), true
		}, 5*time.Second, log)
	})
	wg.Go(func() { janitor(bg, people, limiter, letters, log) })
	wg.Go(func() {
		finishCommentRemovals(bg, people, a.Comments, log)
		every(bg, time.Minute, func() { finishCommentRemovals(bg, people, a.Comments, log) })
	})
	wg.Go(func() { sender.Run(bg, 5*time.Second) })
	wg.Go(func() {
		every(bg, 5*time.Second, func() {
			if err := views.Flush(bg); err != nil && bg.Err() == nil {
				log.Error("page views", "err", err)
			}
			if err := a.Redirects.FlushHits(bg); err != nil && bg.Err() == nil {
				log.Error("redirect hits", "err", err)
			}
		})
	})
	wg.Go(func() {
		every(bg, time.Minute, func() { makeDigests(bg, letters, sender, settings, cfg.Location, log) })
	})
	wg.Go(func() { follow(bg, broker, newsletterTopic, sender.Gone) })
	wg.Go(func() {
		every(bg, time.Second, func() { publishScheduled(bg, articles, func() { readVersion(bg) }, log) })
	})
	wg.Go(func() { every(bg, 250*time.Millisecond, func() { readVersion(bg) }) })
	wg.Go(func() {
		sched := a.Backups
		every(bg, time.Minute, func() {
			st := settings.Current(bg)
			plan := backup.Plan{On: st.Backups, Hour: st.BackupHour, Keep: st.BackupKeep, Dir: st.BackupFolder(BackupDefault(cfg)), Loc: cfg.Location}
			if _, err := sched.Tick(bg, plan); err != nil && bg.Err() == nil {
				log.Error("scheduled backup", "err", err)
			}
		})
	})
	wg.Go(func() { follow(bg, broker, peopleTopic, people.Forget) })
	wg.Go(func() { follow(bg, broker, redirectsTopic, func(int64) { a.Redirects.Forget() }) })
	wg.Go(func() {
		<-bg.Done()
		a.Imports.Stop() // a running import records that it stopped
		a.Backups.Stop() // and so does a backup asked for on the dashboard
	})
	if d.Engine == db.Postgres {
		wg.Go(func() { events.NewBridge(cfg.Database, broker, log).Run(bg, func() { readVersion(bg) }) })
	}
	wg.Wait()
}

// BackupDefault is the folder scheduled backups go to when the settings
// name none: beside the SQLite file; with PostgreSQL none is assumed (a
// node's working folder is no place for the site's backups).
func BackupDefault(cfg config.Config) string {
	if db.IsPostgresURL(cfg.Database) {
		return ""
	}
	return filepath.Join(filepath.Dir(cfg.Database), "backups")
}

// Finish saves what the node holds in memory (the last seconds' page
// views, redirects' hits); call it after the server stopped taking
// requests.
func (a *App) Finish(ctx context.Context) error {
	return errors.Join(a.Views.Flush(ctx), a.Redirects.FlushHits(ctx))
}

// Close stops a running import and closes the database if Open opened it.
func (a *App) Close() error {
	a.Imports.Stop()
	a.Backups.Stop()
	if a.ownsDB {
		return a.DB.Close()
	}
	return nil
}
