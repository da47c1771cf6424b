package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"byline/internal/accesslog"
	"byline/internal/app"
	"byline/internal/config"
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
	// Request lines are buffered and written a few times a second; every
	// other line at once. Deferred first, so it runs last: nothing logged
	// before the process ends is lost.
	logw := accesslog.NewWriter(env.stderr, cfg.LogJSON, 200*time.Millisecond)
	defer func() {
		if err := logw.Close(); err != nil {
			fmt.Fprintf(env.stderr, "byline serve: writing the log: %v\n", err)
		}
	}()
	log := loggerTo(logw, &cfg)
	a, err := app.Open(ctx, cfg, app.Options{Logger: log, AccessLog: logw})
	if err != nil {
		return err
	}
	defer func() {
		if err := a.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", cfg.Addr, err)
	}

	// Background work, until the server has stopped.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	workers := make(chan struct{})
	go func() { a.Run(bg); close(workers) }()
	go keepGCHeadroom(bg)
	defer func() { stopBG(); <-workers }()

	srv := &http.Server{
		Handler:           a.Web,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	srv.RegisterOnShutdown(a.Web.CloseStreams)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	st := a.Settings.Current(ctx)
	log.Info("serving", "url", "http://"+ln.Addr().String(), "base_url", st.BaseURL, "database", a.DB.Engine, "site", st.Name,
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
	if err := a.Finish(sctx); err != nil { // the last seconds' readings
		log.Error("page views", "err", err)
	}
	log.Info("stopped")
	return nil
}
