package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"byline/internal/account"
	"byline/internal/api"
	"byline/internal/article"
	"byline/internal/cars"
	"byline/internal/comment"
	"byline/internal/config"
	"byline/internal/db"
	"byline/internal/demo"
	"byline/internal/events"
	"byline/internal/leads"
	"byline/internal/mail"
	"byline/internal/media"
	"byline/internal/metrics"
	"byline/internal/newsletter"
	"byline/internal/pagecache"
	"byline/internal/ratelimit"
	"byline/internal/site"
	"byline/internal/web"
)

func runServe(ctx context.Context, env *environment, args []string) error {
	cfg := config.Defaults
	fs := flags(env, "serve")
	cfg.BindDatabase(fs, env.getenv)
	cfg.BindServe(fs, env.getenv)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	log := newLogger(env, &cfg)
	d, err := openDB(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()

	if cfg.Demo {
		empty, err := demo.Empty(ctx, d)
		if err != nil {
			return err
		}
		if empty {
			log.Info("loading the demo site")
			if err := demo.Load(ctx, d, cfg.Location, nil, demo.WithMedia(mediaStorage(cfg, d))); err != nil {
				return err
			}
		}
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
		return article.NoticeSite{Name: st.Name, BaseURL: st.BaseURL, Location: cfg.Location}
	})
	people := account.NewStore(d).WithMailer(outbox)
	limiter := ratelimit.New(d)
	m := metrics.New(d.Pools())
	comments := comment.NewStore(d).WithMailer(outbox)
	apiHandler := api.New(api.Deps{Articles: articles, People: people, Tokens: people, Settings: settings, Comments: comments, Location: cfg.Location, Logger: log})
	// The page cache follows the database's change counters: read every
	// quarter second, at once when PostgreSQL announces a change, and before
	// answering any write this node takes.
	broker := events.New()
	people.OnChange = func(id int64) { announce(broker, peopleTopic, id) }
	catalogue := cars.NewStore(d)
	views := article.NewViews(d, cfg.Location)
	letters, sender := newsletterParts(d, outbox, articles, settings, cfg.Location, log)
	letters.OnUnsubscribe = func(id int64) { announce(broker, newsletterTopic, id) }
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

	handler, err := web.New(web.Deps{Articles: articles, People: people, Comments: comments, Accounts: people, Limiter: limiter, Outbox: outbox,
		Settings: settings, Events: broker, Cache: cache, Fresh: readVersion, SMTPFromEnv: cfg.SMTP != "", DB: d, Location: cfg.Location, TrustedProxies: cfg.Proxies, Logger: log, Metrics: m, API: apiHandler,
		Newsletter: letters, Sender: sender, Newsroom: articles, Pages: articles, Views: views, Media: media.NewStore(d, mediaStorage(cfg, d)), Cars: catalogue, Leads: leads.NewStore(d, catalogue, outbox, cfg.Location)})
	if err != nil {
		return err
	}
	apiHandler.CommentChanged = handler.CommentChanged
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}

	// Background work: mail delivery and clean-up, until shutdown.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBG()
	go outbox.Run(bg, func(ctx context.Context) (mail.Sender, string, bool) {
		st := settings.Current(ctx)
		if !st.SMTP.Configured() {
			return nil, "", false
		}
		return mail.NewSMTP(st.SMTP), mail.SiteFrom(st.SMTP.From, st.Name), true
	}, 5*time.Second, log)
	go janitor(bg, people, limiter, letters, log)
	go sender.Run(bg, 5*time.Second)
	go every(bg, 5*time.Second, func() {
		if err := views.Flush(bg); err != nil && bg.Err() == nil {
			log.Error("page views", "err", err)
		}
	})
	go every(bg, time.Minute, func() { makeDigests(bg, letters, sender, settings, cfg.Location, log) })
	go follow(bg, broker, newsletterTopic, sender.Gone)
	go every(bg, time.Second, func() { publishScheduled(bg, articles, func() { readVersion(bg) }, log) })
	go every(bg, 250*time.Millisecond, func() { readVersion(bg) })
	go follow(bg, broker, peopleTopic, people.Forget)
	if d.Engine == db.Postgres {
		go events.NewBridge(cfg.Database, broker, log).Run(bg, func() { readVersion(bg) })
	}

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(handler.CloseStreams)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	st := settings.Current(ctx)
	log.Info("serving", "url", "http://"+ln.Addr().String(), "base_url", st.BaseURL, "database", d.Engine, "site", st.Name,
		"mail", map[bool]string{true: "smtp " + st.SMTP.Host, false: "kept in the outbox (no SMTP server set)"}[st.SMTP.Configured()])
	fmt.Fprintf(env.stdout, "Byline is serving %s at http://%s/ (press Ctrl+C to stop)\n", st.Name, ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Finish in-flight requests, then stop.
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := views.Flush(sctx); err != nil { // the last seconds' readings
		log.Error("page views", "err", err)
	}
	log.Info("stopped")
	return nil
}

// janitor deletes expired sessions, links and counters every hour.
func janitor(ctx context.Context, people *account.Store, limiter *ratelimit.Limiter, letters *newsletter.Store, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := people.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge sessions", "err", err)
		}
		if err := limiter.Purge(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge rate limits", "err", err)
		}
		if _, err := letters.PurgePending(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge newsletter sign-ups", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publishScheduled publishes scheduled articles whose time has come and
// refreshes this node's cache at once; the other nodes see the content
// counter move.
func publishScheduled(ctx context.Context, articles *article.Store, refresh func(), log *slog.Logger) {
	n, err := articles.PublishDue(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error("publish scheduled articles", "err", err)
	case n > 0:
		log.Info("published scheduled articles", "count", n)
		refresh()
	}
}

// every runs fn every d until ctx ends.
func every(ctx context.Context, d time.Duration, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

// Topics that carry changes between nodes: one person or their sessions
// (kept in memory by each node), a subscriber leaving the list.
const (
	peopleTopic     = "people"
	newsletterTopic = "newsletter" // a subscriber left the list: senders skip them
)

func announce(broker *events.Broker, topic string, id int64) {
	broker.Publish(events.Event{Topic: topic, Kind: topic, Data: []byte(strconv.FormatInt(id, 10))})
}

// follow applies the ids announced on topic, from any node, to fn.
func follow(ctx context.Context, broker *events.Broker, topic string, fn func(id int64)) {
	ch, cancel := broker.Subscribe(topic)
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-ch:
			if !ok {
				return
			}
			if id, err := strconv.ParseInt(string(e.Data), 10, 64); err == nil {
				fn(id)
			}
		}
	}
}

// mediaStorage is where uploaded images are kept.
func mediaStorage(cfg config.Config, d *db.DB) media.Storage {
	if cfg.MediaStore == "database" {
		return media.Database{DB: d}
	}
	return media.Local{Dir: cfg.MediaDir}
}
