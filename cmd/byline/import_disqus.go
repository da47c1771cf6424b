package main

import (
	"context"

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
	file, err := importFileArg(fs, args, "Disqus export file (XML, from the Disqus admin's Export)")
	if err != nil {
		return err
	}
	cfg.Addr = ""
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	f, size, err := openImportFile(file)
	if err != nil {
		return err
	}
	defer f.Close()
	d, err := app.OpenDB(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer d.Close()
	s := app.NewStores(d, cfg, app.Options{})
	deps := &disqusimport.Deps{DB: d, People: s.People, Articles: s.Articles, Comments: s.Comments, Redirects: s.Redirects, Location: s.Location}
	return runImport(env, file, size, func(progress func(int64, bool)) (*disqusimport.Report, error) {
		return disqusimport.Import(ctx, deps, f, disqusimport.Options{DryRun: *dry, Progress: progress})
	})
}
