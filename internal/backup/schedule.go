package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"byline/internal/db"
	"byline/internal/media"
	"byline/internal/safefile"
)

// WriteFile writes a backup to path, never leaving half of one under the
// name (see safefile). It returns the manifest and the size.
func WriteFile(ctx context.Context, path string, d *db.DB, files media.Storage, progress Progress) (*Manifest, int64, error) {
	var m *Manifest
	n, err := safefile.Write(path, func(w io.Writer) error {
		var err error
		m, err = Write(ctx, d, files, w, progress)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return m, n, nil
}

// Run is one scheduled backup.
type Run struct {
	ID         int64
	Day        string // the site's date it was made for
	Status     string // running, done, failed
	Path       string
	Bytes      int64
	Rows       int64
	MediaFiles int
	Error      string
	StartedAt  time.Time
	FinishedAt time.Time
}

// Interrupted reports whether a run still marked running has gone on so
// long that its node must have stopped.
func (r Run) Interrupted(now time.Time) bool {
	return r.Status == "running" && now.Sub(r.StartedAt) > 12*time.Hour
}

// Schedule makes the daily backup: the first node to see the hour claims
// the day and writes the file; it keeps the newest files and deletes the
// older ones of its own making.
type Schedule struct {
	DB    *db.DB
	Files media.Storage
	Log   *slog.Logger
	Now   func() time.Time
}

// Plan is what the settings ask of the schedule.
type Plan struct {
	On   bool
	Hour int // of the site's day
	Keep int // files kept
	Dir  string
	Loc  *time.Location
}

// retryAfter is how long a failed day waits before it is tried again.
const retryAfter = time.Hour

// autoPrefix names the files the schedule makes (and may delete).
const autoPrefix = "byline-auto-"

// Tick makes today's backup if it is due and no node has taken it, and
// returns the run it made (nil if none was due).
func (s *Schedule) Tick(ctx context.Context, p Plan) (*Run, error) {
	if !p.On || p.Dir == "" {
		return nil, nil
	}
	now := s.Now().In(p.Loc)
	if now.Hour() < p.Hour {
		return nil, nil
	}
	run := &Run{Day: now.Format("2006-01-02"), Status: "running", StartedAt: s.Now().UTC()}
	claimed := false
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		// A day that failed is tried again an hour later (the folder may
		// have been fixed); one done or running is left alone.
		err := tx.QueryRow(ctx, `INSERT INTO backups (day, status, started_at) VALUES ($1, 'running', $2)
			ON CONFLICT (day) DO UPDATE SET status = 'running', started_at = excluded.started_at, error = '', finished_at = NULL
			WHERE backups.status = 'failed' AND backups.finished_at < $3 RETURNING id`, run.Day, run.StartedAt, run.StartedAt.Add(-retryAfter)).Scan(&run.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		claimed = err == nil
		return err
	})
	if err != nil || !claimed {
		return nil, err
	}
	run.Path = filepath.Join(p.Dir, autoPrefix+now.Format("20060102-150405")+".tar.gz")
	m, size, err := s.write(ctx, run.Path)
	if err == nil {
		run.Status, run.Bytes, run.Rows, run.MediaFiles = "done", size, m.Rows(), m.Media.Files
		if err := prune(p.Dir, p.Keep); err != nil {
			run.Error = "the backup was made, but older ones could not be deleted: " + err.Error()
		}
	} else {
		run.Status, run.Error, run.Path = "failed", err.Error(), ""
	}
	run.FinishedAt = s.Now().UTC()
	if s.Log != nil {
		if run.Status == "failed" {
			s.Log.Error("scheduled backup failed", "day", run.Day, "err", run.Error)
		} else {
			s.Log.Info("scheduled backup", "file", run.Path, "bytes", run.Bytes, "rows", run.Rows, "media", run.MediaFiles)
		}
	}
	// Recorded even when the context ended, so that it is not left
	// running.
	_, uerr := s.DB.Exec(context.WithoutCancel(ctx), `UPDATE backups SET status = $2, path = $3, bytes = $4, row_count = $5, media_files = $6, error = $7, finished_at = $8 WHERE id = $1`,
		run.ID, run.Status, run.Path, run.Bytes, run.Rows, run.MediaFiles, run.Error, run.FinishedAt)
	if uerr != nil {
		return run, fmt.Errorf("backup: record run: %w", uerr)
	}
	return run, nil
}

func (s *Schedule) write(ctx context.Context, path string) (*Manifest, int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, 0, fmt.Errorf("the backup folder cannot be made: %w", err)
	}
	return WriteFile(ctx, path, s.DB, s.Files, nil)
}

// prune deletes the schedule's files in dir but the newest keep.
func prune(dir string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var mine []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, autoPrefix) && strings.HasSuffix(n, ".tar.gz") {
			mine = append(mine, n)
		}
	}
	slices.Sort(mine) // the names hold the time
	var errs []error
	for len(mine) > max(keep, 1) {
		errs = append(errs, os.Remove(filepath.Join(dir, mine[0])))
		mine = mine[1:]
	}
	return errors.Join(errs...)
}

// Recent returns the latest scheduled runs, newest first.
func Recent(ctx context.Context, d *db.DB, limit int) ([]Run, error) {
	rows, err := d.Query(ctx, `SELECT id, day, status, path, bytes, row_count, media_files, error, started_at, finished_at
		FROM backups ORDER BY day DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("backup: recent: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Run, error) {
		var r Run
		var fin *time.Time
		err := sc.Scan(&r.ID, &r.Day, &r.Status, &r.Path, &r.Bytes, &r.Rows, &r.MediaFiles, &r.Error, &r.StartedAt, &fin)
		if fin != nil {
			r.FinishedAt = *fin
		}
		return r, err
	})
}
