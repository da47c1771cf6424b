package main

import (
	"context"
	"flag"
	"log/slog"

	"byline/internal/config"
	"byline/internal/db"
)

// openDB opens and migrates the configured database.
func openDB(ctx context.Context, cfg *config.Config, log *slog.Logger) (*db.DB, error) {
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

// dbConfig parses the flags every database command shares.
func dbConfig(env *environment, name string, args []string, extra func(*flag.FlagSet)) (*config.Config, []string, error) {
	cfg := config.Defaults
	fs := flags(env, name)
	cfg.BindDatabase(fs, env.getenv)
	if extra != nil {
		extra(fs)
	}
	if err := parse(fs, args); err != nil {
		return nil, nil, err
	}
	cfg.Addr = ""
	if err := cfg.Validate(); err != nil {
		return nil, nil, usageError{err.Error()}
	}
	return &cfg, fs.Args(), nil
}

func newLogger(env *environment, cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(env.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(env.stderr, opts))
}
