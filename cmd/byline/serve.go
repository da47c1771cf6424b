package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"byline/internal/account"
	"byline/internal/api"
	"byline/internal/article"
	"byline/internal/config"
	"byline/internal/demo"
	"byline/internal/metrics"
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
	settings, err := site.NewStore(d).Load(ctx, site.Settings{Name: cfg.SiteName, Tagline: cfg.Tagline})
	if err != nil {
		return err
	}
	articles, people := article.NewStore(d), account.NewStore(d)
	m := metrics.New(d.Pools())
	apiHandler := api.New(api.Deps{Articles: articles, People: people, BaseURL: cfg.BaseURL, Location: cfg.Location, Logger: log})
	site, err := web.New(web.Deps{Articles: articles, People: people, DB: d, Site: settings, BaseURL: cfg.BaseURL,
		Location: cfg.Location, Logger: log, Metrics: m, API: apiHandler})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           site,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("serving", "url", "http://"+ln.Addr().String(), "base_url", cfg.BaseURL, "database", d.Engine, "site", settings.Name)
	fmt.Fprintf(env.stdout, "Byline is serving %s at http://%s/ (press Ctrl+C to stop)\n", settings.Name, ln.Addr())

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
