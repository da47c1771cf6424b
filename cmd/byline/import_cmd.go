package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"byline/internal/app"
	"byline/internal/config"
	"byline/internal/wpimport"
)

// runImportWordPress imports a WordPress export file, with a progress bar
// of the bytes read, and prints the report. With --dry-run the database is
// not even opened: the file is read and checked, and the report says what
// it would bring.
func runImportWordPress(ctx context.Context, env *environment, args []string) error {
	cfg := config.Defaults
	fs := flags(env, "import wordpress")
	cfg.BindDatabase(fs, env.getenv)
	// The uploads go where the server keeps its media: the same flags and
	// environment.
	cfg.BindMedia(fs, env.getenv)
	dry := fs.Bool("dry-run", false, "read and check the whole file and print what would be imported, writing nothing")
	uploads := fs.String("uploads", "", "a copy of the old site's wp-content/uploads folder: attachments and the content's pictures come into the media library")
	zone := fs.String("zone", "UTC", "the WordPress site's time zone (Settings → General), e.g. Europe/Paris, for dates it wrote only in local time")
	file, err := importFileArg(fs, args, "WordPress export file (WXR, from Tools → Export)")
	if err != nil {
		return err
	}
	cfg.Addr = ""
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return usageError{fmt.Sprintf("--zone %q is not a known time zone", *zone)}
	}
	f, size, err := openImportFile(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if *uploads != "" {
		if st, err := os.Stat(*uploads); err != nil || !st.IsDir() {
			return usageError{fmt.Sprintf("--uploads %q is not a folder", *uploads)}
		}
	}
	var deps *wpimport.Deps
	if !*dry {
		d, err := app.OpenDB(ctx, cfg, nil)
		if err != nil {
			return err
		}
		defer d.Close()
		s := app.NewStores(d, cfg, app.Options{})
		deps = &wpimport.Deps{DB: d, People: s.People, Articles: s.Articles, Comments: s.Comments, Redirects: s.Redirects, Media: s.Media, Location: s.Location}
	}
	return runImport(env, file, size, func(progress func(int64, bool)) (*wpimport.Report, error) {
		return wpimport.Import(ctx, deps, f, wpimport.Options{Zone: loc, DryRun: *dry, Uploads: *uploads, Progress: progress})
	})
}
