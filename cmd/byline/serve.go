package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"byline/internal/account"
	"byline/internal/api"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/config"
	"byline/internal/demo"
	"byline/internal/events"
	"byline/internal/mail"
	"byline/internal/metrics"
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
			if err := demo.Load(ctx, d, cfg.Location, nil); err != nil {
				return err
			}
		}
	}

	settings := site.NewCache(site.NewStore(d), site.Defaults(cfg.SiteName, cfg.Tagline), cfg.BaseURL, log)
	if cfg.SMTP != "" {
		settings.SMTPOverride, _ = mail.ParseURL(cfg.SMTP) // validated with the config
	}
	host := "byline.localhost"
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	outbox := mail.NewOutbox(d, host)
	articles := article.NewStore(d)
	people := account.NewStore(d).WithMailer(outbox)
	limiter := ratelimit.New(d)
	m := metrics.New(d.Pools())
	comments := comment.NewStore(d).WithMailer(outbox)
	apiHandler := api.New(api.Deps{Articles: articles, People: people, Tokens: people, Settings: settings, Comments: comments, Location: cfg.Location, Logger: log})
	handler, err := web.New(web.Deps{Articles: articles, People: people, Comments: comments, Accounts: people, Limiter: limiter, Outbox: outbox,
		Settings: settings, Events: events.New(), SMTPFromEnv: cfg.SMTP != "", DB: d, Location: cfg.Location, Logger: log, Metrics: m, API: apiHandler})
	if err != nil {
		return err
	}
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
		return mail.NewSMTP(st.SMTP), st.SMTP.From, true
	}, 5*time.Second, log)
	go janitor(bg, people, limiter, log)

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
	log.Info("stopped")
	return nil
}

// janitor deletes expired sessions, links and counters every hour.
func janitor(ctx context.Context, people *account.Store, limiter *ratelimit.Limiter, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := people.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge sessions", "err", err)
		}
		if err := limiter.Purge(ctx); err != nil && ctx.Err() == nil {
			log.Error("purge rate limits", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
