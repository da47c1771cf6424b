package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"byline/internal/app"
	"byline/internal/config"
	"byline/internal/disqusimport"
)

// runImportDisqus imports a Disqus export file, with a progress bar of the
// bytes read, and prints the report. A dry run opens the database too (a
// thread is matched to an article there) but writes no comment.
func runImportDisqus(ctx context.Context, env *environment, args []string) error {
	cfg := config.Defaults
	fs := flags(env, "import disqus")
	cfg.BindDatabase(fs, env.getenv)
	dry := fs.Bool("dry-run", false, "read and check the whole file, match its threads and print what would be imported, writing no comment")
	// Flags may come before or after the file's name.
	var files []string
	for {
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		return usageError{"name one Disqus export file (XML, from the Disqus admin's Export)"}
	}
	cfg.Addr = ""
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	f, err := os.Open(files[0])
	if err != nil {
		return fmt.Errorf("%s: %w", files[0], errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	d, err := app.OpenDB(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	s := app.NewStores(d, cfg, app.Options{})
	deps := &disqusimport.Deps{People: s.People, Articles: s.Articles, Comments: s.Comments, Redirects: s.Redirects, Location: s.Location}
	return runImport(env, files[0], st.Size(), func(progress func(int64, bool)) (*disqusimport.Report, error) {
		return disqusimport.Import(ctx, deps, f, disqusimport.Options{DryRun: *dry, Progress: progress})
	})
}
