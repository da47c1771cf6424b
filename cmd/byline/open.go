package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"byline/internal/app"
	"byline/internal/config"
	"byline/internal/db"
)

// openCommand parses a database command's flags (the shared ones and its
// own, from extra), lets check refuse the arguments before anything is
// touched, then opens and migrates the database. The caller closes it.
func openCommand(ctx context.Context, env *environment, name string, args []string,
	extra func(*flag.FlagSet), check func(rest []string) error) (*config.Config, *db.DB, []string, error) {
	cfg, rest, err := dbConfig(env, name, args, extra)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := check(rest); err != nil {
		return nil, nil, nil, err
	}
	d, err := app.OpenDB(ctx, *cfg, nil)
	if err != nil {
		return nil, nil, nil, err
	}
	return cfg, d, rest, nil
}

// noArgs is a check for commands that take flags only.
func noArgs(rest []string) error {
	if len(rest) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
	}
	return nil
}

// dbConfig parses the flags every database command shares.
func dbConfig(env *environment, name string, args []string, extra func(*flag.FlagSet)) (*config.Config, []string, error) {
	cfg := config.Defaults
	fs := flags(env, name)
	cfg.BindDatabase(fs, env.getenv)
	cfg.BindMedia(fs, env.getenv)
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
	return loggerTo(env.stderr, cfg)
}

// loggerTo logs to w in the configured format and level.
func loggerTo(w io.Writer, cfg *config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	if cfg.LogJSON {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
