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
	"strconv"
	"strings"
	"sync"
	"time"

	"byline/internal/apperr"
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

// Run is one backup the site made: scheduled, or asked for on the
// dashboard.
type Run struct {
	ID         int64
	Kind       string // scheduled or manual
	Day        string // the site's date it was made for (a manual one's: its date and time)
	Status     string // running, done, failed
	Done       int64  // rows and files written so far, of Total
	Total      int64
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

// Active reports whether the run is still going.
func (r Run) Active(now time.Time) bool { return r.Status == "running" && !r.Interrupted(now) }

// Percent is how far the run is, 0 to 100 (100 once done).
func (r Run) Percent() int {
	switch {
	case r.Status == "done":
		return 100
	case r.Total <= 0:
		return 0
	}
	return min(int(r.Done*100/r.Total), 99)
}

// Schedule makes the daily backup: the first node to see the hour claims
// the day and writes the file; it keeps the newest files and deletes the
// older ones of its own making.
type Schedule struct {
	DB    *db.DB
	Files media.Storage
	Log   *slog.Logger
	Now   func() time.Time

	mu      sync.Mutex
	running sync.WaitGroup
	cancels map[int64]context.CancelFunc // backups started with Start, by run
	stopped bool
}

// ErrBusy refuses a backup while another one is running.
var ErrBusy = errors.New("another backup is running")

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
	run.Kind = "scheduled"
	s.make(ctx, run, p, autoPrefix+now.Format("20060102-150405")+".tar.gz")
	return run, s.record(ctx, run)
}

// Start begins a backup now, in the background, into the plan's folder
// (on or off), and returns its run at once; the run's row follows its
// progress. ErrBusy while another backup runs.
func (s *Schedule) Start(ctx context.Context, p Plan) (Run, error) {
	if p.Dir == "" {
		return Run{}, errors.New("no folder is set for backups")
	}
	now := s.Now()
	local := now.In(p.Loc)
	run := &Run{Kind: "manual", Day: local.Format("2006-01-02 15:04:05"), Status: "running", StartedAt: now.UTC()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return Run{}, errors.New("the server is stopping")
	}
	err := s.DB.Tx(ctx, func(tx *db.Tx) error {
		var busy int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM backups WHERE status = 'running' AND started_at > $1`, now.Add(-12*time.Hour)).Scan(&busy); err != nil {
			return err
		}
		if busy > 0 {
			return ErrBusy
		}
		// Two in one second (one ended, the next asked for) are told apart.
		base := run.Day
		for n := 2; ; n++ {
			err := tx.QueryRow(ctx, `INSERT INTO backups (day, kind, status, started_at) VALUES ($1, 'manual', 'running', $2)
				ON CONFLICT (day) DO NOTHING RETURNING id`, run.Day, run.StartedAt).Scan(&run.ID)
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			run.Day = fmt.Sprintf("%s (%d)", base, n)
		}
	})
	if err != nil {
		return Run{}, err
	}
	// The backup outlives the request that asked for it; Stop ends it.
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if s.cancels == nil {
		s.cancels = map[int64]context.CancelFunc{}
	}
	s.cancels[run.ID] = cancel
	started := *run // what the caller gets, before the backup changes run
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		defer cancel()
		s.make(bg, run, p, fmt.Sprintf("%s%s-%d.tar.gz", manualPrefix, local.Format("20060102-150405"), run.ID))
		if err := s.record(bg, run); err != nil && s.Log != nil {
			s.Log.Error("backup", "err", err)
		}
		s.mu.Lock()
		delete(s.cancels, run.ID)
		s.mu.Unlock()
	}()
	return started, nil
}

// Stop ends the backups Start began and waits for them to record that
// they stopped.
func (s *Schedule) Stop() {
	s.mu.Lock()
	s.stopped = true
	for _, c := range s.cancels {
		c()
	}
	s.mu.Unlock()
	s.running.Wait()
}

// make writes the run's file into the plan's folder, following its
// progress in the run's row, and keeps the newest scheduled files.
func (s *Schedule) make(ctx context.Context, run *Run, p Plan, name string) {
	run.Path = filepath.Join(p.Dir, name)
	var last time.Time
	progress := func(done, total int64) {
		if now := time.Now(); now.Sub(last) >= time.Second {
			last = now
			if _, err := s.DB.Exec(ctx, `UPDATE backups SET done_units = $2, total_units = $3 WHERE id = $1`, run.ID, done, total); err != nil && s.Log != nil && ctx.Err() == nil {
				s.Log.Warn("backup progress", "err", err)
			}
		}
	}
	m, size, err := s.write(ctx, run.Path, progress)
	switch {
	case err == nil:
		run.Status, run.Bytes, run.Rows, run.MediaFiles = "done", size, m.Rows(), m.Media.Files
		run.Done, run.Total = m.Rows()+int64(m.Media.Files), m.Rows()+int64(m.Media.Files)
		if err := prune(p.Dir, prefixes[run.Kind], p.Keep); err != nil {
			run.Error = "the backup was made, but older ones could not be deleted: " + err.Error()
		}
	case ctx.Err() != nil:
		run.Status, run.Error, run.Path = "failed", "the server stopped during the backup", ""
	default:
		run.Status, run.Error, run.Path = "failed", err.Error(), ""
	}
	run.FinishedAt = s.Now().UTC()
	if s.Log != nil {
		if run.Status == "failed" {
			s.Log.Error("backup failed", "kind", run.Kind, "day", run.Day, "err", run.Error)
		} else {
			s.Log.Info("backup", "kind", run.Kind, "file", run.Path, "bytes", run.Bytes, "rows", run.Rows, "media", run.MediaFiles)
		}
	}
}

// record writes the run's end to its row, even when ctx has ended, so
// that it is not left running.
func (s *Schedule) record(ctx context.Context, run *Run) error {
	_, err := s.DB.Exec(context.WithoutCancel(ctx), `UPDATE backups SET status = $2, path = $3, bytes = $4, row_count = $5, media_files = $6, error = $7, finished_at = $8,
		done_units = $9, total_units = $10 WHERE id = $1`,
		run.ID, run.Status, run.Path, run.Bytes, run.Rows, run.MediaFiles, run.Error, run.FinishedAt, run.Done, run.Total)
	if err != nil {
		return fmt.Errorf("backup: record run: %w", err)
	}
	return nil
}

func (s *Schedule) write(ctx context.Context, path string, progress Progress) (*Manifest, int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, 0, fmt.Errorf("the backup folder cannot be made: %w", err)
	}
	return WriteFile(ctx, path, s.DB, s.Files, progress)
}

// prefixes name the files of each kind of run, which prune keeps apart:
// the newest keep of the scheduled ones, and of those made at once.
var prefixes = map[string]string{"scheduled": autoPrefix, "manual": manualPrefix}

const manualPrefix = "byline-manual-"

// prune deletes the files in dir named with prefix (the site's own) but
// the newest keep.
func prune(dir, prefix string, keep int) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var mine []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ".tar.gz") {
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

const runCols = `id, kind, day, status, path, bytes, row_count, media_files, error, started_at, finished_at, done_units, total_units`

func scanRun(sc db.Scanner) (Run, error) {
	var r Run
	var fin *time.Time
	err := sc.Scan(&r.ID, &r.Kind, &r.Day, &r.Status, &r.Path, &r.Bytes, &r.Rows, &r.MediaFiles, &r.Error, &r.StartedAt, &fin, &r.Done, &r.Total)
	if fin != nil {
		r.FinishedAt = *fin
	}
	return r, err
}

// Recent returns the latest runs, newest first.
func Recent(ctx context.Context, d *db.DB, limit int) ([]Run, error) {
	rows, err := d.Query(ctx, `SELECT `+runCols+` FROM backups ORDER BY started_at DESC, id DESC LIMIT `+strconv.Itoa(max(limit, 0)))
	if err != nil {
		return nil, fmt.Errorf("backup: recent: %w", err)
	}
	return db.Collect(rows, scanRun)
}

// RunByID returns one run; apperr.ErrNotFound if there is none.
func RunByID(ctx context.Context, d *db.DB, id int64) (Run, error) {
	r, err := scanRun(d.QueryRow(ctx, `SELECT `+runCols+` FROM backups WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, apperr.ErrNotFound
	}
	if err != nil {
		return Run{}, fmt.Errorf("backup: run %d: %w", id, err)
	}
	return r, nil
}
