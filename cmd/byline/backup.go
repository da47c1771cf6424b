package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"byline/internal/app"
	"byline/internal/backup"
	"byline/internal/config"
	"byline/internal/db"
)

const backupHelp = `Usage: byline backup [flags] [FILE]

Writes a backup of the whole site to FILE (default byline-YYYYMMDD-HHMMSS.tar.gz
in this folder), while the site runs: every table read in one snapshot,
readers and writers not held up, and the media library's files. The file
is a gzip-compressed tar in Byline's own format, which 'byline restore'
puts back onto SQLite or PostgreSQL; its manifest.json lists the version,
the schema, the rows of each table and a SHA-256 of every entry.

The file holds the site's personal data (e-mail addresses, sessions,
subscribers, leads): keep it as you keep the database.

Flags:
`

func runBackup(ctx context.Context, env *environment, args []string) error {
	cfg, d, rest, err := openCommand(ctx, env, "backup", args, func(fs *flag.FlagSet) {
		fs.Usage = func() {
			fmt.Fprint(fs.Output(), backupHelp)
			fs.PrintDefaults()
		}
	}, func(rest []string) error {
		if len(rest) > 1 {
			return usageError{fmt.Sprintf("unexpected argument %q: give one FILE", rest[1])}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer d.Close()
	path := fmt.Sprintf("byline-%s.tar.gz", time.Now().UTC().Format("20060102-150405"))
	if len(rest) == 1 {
		path = rest[0]
	}
	began := time.Now()
	bar := newProgress(env.stderr, "rows and files")
	m, size, err := backup.WriteFile(ctx, path, d, app.MediaStorage(*cfg, d), progressInts(bar))
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "backed up %d tables, %d rows and %d media files (%s) to %s: %s in %s\n",
		len(m.Tables), m.Rows(), m.Media.Files, megabytes(m.Media.Bytes), path, megabytes(size), time.Since(began).Round(time.Millisecond))
	if n := len(m.Media.Missing); n > 0 {
		fmt.Fprintf(env.stderr, "warning: %d media files named by the library were not in its storage (first: %s)\n", n, m.Media.Missing[0])
	}
	return nil
}

const restoreHelp = `Usage: byline restore [flags] FILE

Puts a backup made by 'byline backup' onto the database named by --database
(SQLite or PostgreSQL, whichever engine the backup came from), with its
media files. The whole file is checked against its manifest first: a
damaged or truncated file is refused and nothing changes. A database that
already holds a site is refused unless --force. Every table is read back
and compared with the backup at the end. Stop the site's servers first.

Flags:
`

func runRestore(ctx context.Context, env *environment, args []string) error {
	var force bool
	cfg, rest, err := dbConfig(env, "restore", args, func(fs *flag.FlagSet) {
		fs.BoolVar(&force, "force", false, "replace the site the database holds")
		fs.Usage = func() {
			fmt.Fprint(fs.Output(), restoreHelp)
			fs.PrintDefaults()
		}
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageError{"name one backup FILE"}
	}
	// Not migrated here: the restore brings the database to the backup's
	// schema, loads the rows, then applies the later migrations.
	d, err := db.Open(ctx, cfg.Database)
	if err != nil {
		return err
	}
	defer d.Close()
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	began := time.Now()
	bar := newProgress(env.stderr, "rows and files")
	m, err := backup.Restore(ctx, d, app.MediaStorage(*cfg, d), f, backup.RestoreOptions{Force: force, Progress: progressInts(bar)})
	bar.done()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stderr, "restored %d tables, %d rows and %d media files from %s (made %s, schema %d), each table checked: %s\n",
		len(m.Tables), m.Rows(), m.Media.Files, rest[0], m.CreatedAt.Format(time.RFC3339), m.Schema, time.Since(began).Round(time.Millisecond))
	return nil
}

const copyHelp = `Usage: byline copy --to DATABASE [flags]

Copies the whole site in --database onto the database --to names, typically
from the embedded SQLite file to PostgreSQL when the site outgrows one
machine (or back): every row with its id, dates, sessions, subscribers,
leads and counters, and the media library's files, into the storage the
target uses (with PostgreSQL, the database itself, which every node shares).
At the end each table and file is compared with the source.

Each table is committed as it is copied: an interrupted copy, run again,
checks the tables already there and goes on from the first that differs.
A target that holds another site is refused unless --force. Stop the
site's servers (or take them out of service) first, so that nothing
written after the copy began is left behind.

Flags:
`

func runCopy(ctx context.Context, env *environment, args []string) error {
	var to config.Config
	var force bool
	cfg, d, _, err := openCommand(ctx, env, "copy", args, func(fs *flag.FlagSet) {
		fs.StringVar(&to.Database, "to", "", "the database to copy onto: a postgres:// URL or an SQLite file")
		fs.StringVar(&to.MediaStore, "to-media-store", "", "where the target keeps media files: folder or database (default: database with PostgreSQL, folder with SQLite)")
		fs.StringVar(&to.MediaDir, "to-media-dir", "", "the target's media folder with --to-media-store folder (default: media/ beside the SQLite file)")
		fs.BoolVar(&force, "force", false, "replace another site the target holds")
		fs.Usage = func() {
			fmt.Fprint(fs.Output(), copyHelp)
			fs.PrintDefaults()
		}
	}, func(rest []string) error {
		if len(rest) > 0 {
			return usageError{fmt.Sprintf("unexpected argument %q", rest[0])}
		}
		if to.Database == "" {
			return usageError{"name the database to copy onto with --to"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer d.Close()
	to.TimeZone, to.LogLevel = cfg.TimeZone, cfg.LogLevel
	if err := to.Validate(); err != nil {
		return usageError{"--to: " + err.Error()}
	}
	if to.Database == cfg.Database {
		return usageError{"--to names the database being copied"}
	}
	dst, err := app.OpenDB(ctx, to, nil)
	if err != nil {
		return err
	}
	defer dst.Close()
	began := time.Now()
	bar := newProgress(env.stderr, "rows")
	res, err := backup.Copy(ctx, d, app.MediaStorage(*cfg, d), dst, app.MediaStorage(to, dst), backup.CopyOptions{Force: force, Progress: progressInts(bar)})
	bar.done()
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range res.Tables {
		rows += t.Rows
	}
	switch {
	case res.Resumed != "":
		fmt.Fprintf(env.stderr, "an earlier copy was interrupted: the %d tables before %s were already there and checked\n", res.Already, res.Resumed)
	case res.Already == len(res.Tables):
		fmt.Fprintf(env.stderr, "the target already held this site: every table checked, nothing rewritten\n")
	}
	fmt.Fprintf(env.stderr, "copied %d tables, %d rows and %d media files (%s, %d already there) onto %s, each table and file checked: %s\n",
		len(res.Tables), rows, res.Media.Files, megabytes(res.Media.Bytes), res.Reused, dst.Where(), time.Since(began).Round(time.Millisecond))
	if n := len(res.Media.Missing); n > 0 {
		fmt.Fprintf(env.stderr, "warning: %d media files named by the library were not in its storage (first: %s)\n", n, res.Media.Missing[0])
	}
	return nil
}

// progressInts adapts the bar to the int64 counts of a backup.
func progressInts(bar *progress) backup.Progress {
	return func(done, total int64) { bar.update(int(done), int(total)) }
}
