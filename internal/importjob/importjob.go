// Package importjob runs imports started from the admin (Admin → Import)
// in the background, and keeps their state in the import_jobs table so
// that every node can show how far one got.
//
// A job runs on the node that took the upload, in a goroutine the Runner
// owns (Stop ends it at shutdown). Only one job is queued or running at a
// time across all nodes: the table's active column is unique. A running
// job writes a heartbeat; a job whose heartbeat stopped was on a node that
// died, and shows as interrupted. An import is idempotent, so uploading
// the same file again completes it.
package importjob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/wpimport"
)

// Status is where a job stands.
type Status string

const (
	Queued      Status = "queued"
	Running     Status = "running"
	Done        Status = "done"
	Failed      Status = "failed"
	Interrupted Status = "interrupted" // its node stopped writing the heartbeat
)

// Stale is how long a running job's heartbeat may be silent before the job
// counts as interrupted; Heartbeat is how often a running job writes it.
const (
	Heartbeat = time.Second
	Stale     = 30 * time.Second
)

// KindWordPress is a WordPress export (WXR) file.
const KindWordPress = "wordpress"

// ErrBusy is returned by Start while another import is queued or running.
var ErrBusy = fmt.Errorf("importjob: another import is running: %w", apperr.ErrConflict)

// Job is one import.
type Job struct {
	ID         int64
	Kind       string
	FileName   string
	DryRun     bool
	UploadsDir string // the copy of wp-content/uploads on the server, or ""
	Status     Status
	Checking   bool // reading the file through before writing anything
	BytesDone  int64
	BytesTotal int64
	StartedBy  int64
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	Heartbeat  time.Time
	Report     string // the import's report (wpimport.Report.Write)
	Error      string
}

// Active reports whether the job is still queued or running.
func (j Job) Active() bool { return j.Status == Queued || j.Status == Running }

// Percent is how far the job is, 0 to 100. An import reads a file twice
// (checked to its end, then imported), so each reading is half the bar;
// a dry run reads it once.
func (j Job) Percent() int {
	if j.Status == Done {
		return 100
	}
	if j.BytesTotal <= 0 {
		return 0
	}
	done, total := j.BytesDone, j.BytesTotal
	if !j.DryRun {
		total *= 2
		if j.Status == Running && !j.Checking {
			done += j.BytesTotal // checked to the end, now importing
		}
	}
	p := int(done * 100 / total)
	if p > 99 {
		p = 99 // 100 is for a finished job: the end of the import still writes
	}
	return max(p, 0)
}

// Store reads and writes import_jobs.
type Store struct {
	db  *db.DB
	now func() time.Time
}

// NewStore returns a Store on d.
func NewStore(d *db.DB) *Store { return &Store{db: d, now: time.Now} }

const cols = `id, kind, file_name, dry_run, uploads_dir, status, checking, bytes_done, bytes_total, COALESCE(started_by, 0),
	created_at, started_at, finished_at, heartbeat_at, report, error`

func scan(row db.Scanner) (Job, error) {
	var j Job
	var started, finished *time.Time
	err := row.Scan(&j.ID, &j.Kind, &j.FileName, &j.DryRun, &j.UploadsDir, &j.Status, &j.Checking, &j.BytesDone, &j.BytesTotal, &j.StartedBy,
		&j.CreatedAt, &started, &finished, &j.Heartbeat, &j.Report, &j.Error)
	if started != nil {
		j.StartedAt = *started
	}
	if finished != nil {
		j.FinishedAt = *finished
	}
	return j, err
}

// seen marks a job whose heartbeat stopped as interrupted, as read.
func (s *Store) seen(j Job) Job {
	if j.Active() && s.now().Sub(j.Heartbeat) > Stale {
		j.Status = Interrupted
	}
	return j
}

// Job returns the job with id.
func (s *Store) Job(ctx context.Context, id int64) (Job, error) {
	j, err := scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM import_jobs WHERE id = $1`, id))
	if err != nil {
		return Job{}, fmt.Errorf("importjob: job %d: %w", id, db.MapError(s.db.Engine, err))
	}
	return s.seen(j), nil
}

// Recent returns the latest jobs, newest first.
func (s *Store) Recent(ctx context.Context) ([]Job, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM import_jobs ORDER BY id DESC LIMIT 20`)
	if err != nil {
		return nil, fmt.Errorf("importjob: recent jobs: %w", err)
	}
	list, err := db.Collect(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("importjob: recent jobs: %w", err)
	}
	for i := range list {
		list[i] = s.seen(list[i])
	}
	return list, nil
}

// Busy returns the job queued or running, if any (a job whose node died
// is not).
func (s *Store) Busy(ctx context.Context) (Job, bool, error) {
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM import_jobs WHERE active = 1`)
	if err != nil {
		return Job{}, false, fmt.Errorf("importjob: active job: %w", err)
	}
	list, err := db.Collect(rows, scan)
	if err != nil {
		return Job{}, false, fmt.Errorf("importjob: active job: %w", err)
	}
	for _, j := range list {
		if j = s.seen(j); j.Active() {
			return j, true, nil
		}
	}
	return Job{}, false, nil
}

// create records a queued job, or returns ErrBusy when one is queued or
// running. A job whose heartbeat stopped is marked interrupted first, so a
// dead node does not block imports for ever.
func (s *Store) create(ctx context.Context, j Job) (Job, error) {
	now := s.now()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE import_jobs SET status = $1, active = NULL, finished_at = $2,
			error = 'The server stopped during the import.' WHERE active = 1 AND heartbeat_at < $3`,
			string(Interrupted), now, now.Add(-Stale)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO import_jobs (kind, file_name, dry_run, uploads_dir, status, active, bytes_total, started_by, created_at, heartbeat_at)
			VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $8) RETURNING id`,
			j.Kind, j.FileName, j.DryRun, j.UploadsDir, string(Queued), j.BytesTotal, nullID(j.StartedBy), now).Scan(&j.ID)
	})
	if err != nil {
		if errors.Is(db.MapError(s.db.Engine, err), apperr.ErrConflict) {
			return Job{}, ErrBusy
		}
		return Job{}, fmt.Errorf("importjob: create: %w", err)
	}
	j.Status, j.CreatedAt, j.Heartbeat = Queued, now, now
	return j, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// progress records how far a running job is, and its heartbeat.
func (s *Store) progress(ctx context.Context, id int64, checking bool, done int64) error {
	now := s.now()
	_, err := s.db.Exec(ctx, `UPDATE import_jobs SET status = $1, started_at = COALESCE(started_at, $2), checking = $3,
		bytes_done = $4, heartbeat_at = $2 WHERE id = $5 AND active = 1`, string(Running), now, checking, done, id)
	if err != nil {
		return fmt.Errorf("importjob: progress of %d: %w", id, err)
	}
	return nil
}

// finish records the end of a job: its report, and its error if it failed.
func (s *Store) finish(ctx context.Context, id int64, report string, failure error) error {
	now := s.now()
	st, msg := Done, ""
	if failure != nil {
		st, msg = Failed, failure.Error()
	}
	_, err := s.db.Exec(ctx, `UPDATE import_jobs SET status = $1, active = NULL, started_at = COALESCE(started_at, $2),
		finished_at = $2, heartbeat_at = $2, checking = FALSE, bytes_done = CASE WHEN $1 = 'done' THEN bytes_total ELSE bytes_done END,
		report = $3, error = $4 WHERE id = $5`, string(st), now, report, msg, id)
	if err != nil {
		return fmt.Errorf("importjob: finish %d: %w", id, err)
	}
	return nil
}

// Runner runs import jobs in the background on this node.
type Runner struct {
	Store *Store
	deps  *wpimport.Deps
	log   *slog.Logger

	mu     sync.Mutex // orders Start's new goroutine before Stop's wait
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewRunner returns a Runner that imports through deps; Stop ends its jobs.
func NewRunner(store *Store, deps *wpimport.Deps, log *slog.Logger) *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{Store: store, deps: deps, log: log, ctx: ctx, cancel: cancel}
}

// Upload is a file taken for import, on this node's disk.
type Upload struct {
	Path   string // the file, which the job deletes when it ends
	Name   string // its name as uploaded
	Size   int64
	DryRun bool
	// UploadsDir is a copy of the old site's wp-content/uploads on the
	// server, whose pictures come into the media library ("" for none).
	UploadsDir string
	PersonID   int64
}

// Start records a job for the uploaded file and runs it in the background.
// It returns ErrBusy, and leaves the file, when another import is running.
func (r *Runner) Start(ctx context.Context, up Upload) (Job, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx.Err() != nil {
		return Job{}, errors.New("importjob: the server is shutting down")
	}
	j, err := r.Store.create(ctx, Job{Kind: KindWordPress, FileName: up.Name, DryRun: up.DryRun, UploadsDir: up.UploadsDir, BytesTotal: up.Size, StartedBy: up.PersonID})
	if err != nil {
		return Job{}, err
	}
	r.wg.Go(func() { r.run(j, up) })
	return j, nil
}

// Stop ends the running job, if any, and waits for it to record why.
func (r *Runner) Stop() {
	r.mu.Lock()
	r.cancel()
	r.mu.Unlock()
	r.wg.Wait()
}

// run imports the file of job j and records the outcome.
func (r *Runner) run(j Job, up Upload) {
	ctx := r.ctx
	defer func() {
		if err := os.Remove(up.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			r.log.Error("import: remove the uploaded file", "job", j.ID, "err", err)
		}
	}()
	failure := r.importFile(ctx, j, up)
	var report string
	if failure.rep != nil {
		var b bytes.Buffer
		if err := failure.rep.Write(&b); err != nil {
			failure.err = errors.Join(failure.err, err)
		}
		report = b.String()
	}
	err := failure.err
	if err != nil && ctx.Err() != nil {
		err = errors.New("the server stopped during the import; upload the file again to complete it")
	}
	// Recorded even when the node is stopping: the page must not show a
	// running job that no node runs.
	rec, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if ferr := r.Store.finish(rec, j.ID, report, err); ferr != nil {
		r.log.Error("import: record the end", "job", j.ID, "err", ferr)
	}
	if err != nil {
		r.log.Warn("import failed", "job", j.ID, "file", up.Name, "err", err)
	} else {
		r.log.Info("import done", "job", j.ID, "file", up.Name, "dry_run", up.DryRun)
	}
}

type outcome struct {
	rep *wpimport.Report
	err error
}

// importFile runs the import, writing progress and the heartbeat as it
// goes (at most every Heartbeat, and every Heartbeat even when the import
// is busy between two records, such as writing comments at the end).
func (r *Runner) importFile(ctx context.Context, j Job, up Upload) outcome {
	f, err := os.Open(up.Path)
	if err != nil {
		return outcome{err: fmt.Errorf("open the uploaded file: %w", err)}
	}
	defer f.Close()
	var mu sync.Mutex
	var off int64
	checking := !up.DryRun
	beat := func() {
		mu.Lock()
		c, o := checking, off
		mu.Unlock()
		if err := r.Store.progress(ctx, j.ID, c, o); err != nil && ctx.Err() == nil {
			r.log.Warn("import: progress", "job", j.ID, "err", err)
		}
	}
	beat()
	stop := make(chan struct{})
	var beats sync.WaitGroup
	beats.Go(func() {
		t := time.NewTicker(Heartbeat)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				beat()
			}
		}
	})
	defer func() {
		close(stop)
		beats.Wait()
	}()
	var deps *wpimport.Deps
	if !up.DryRun {
		deps = r.deps
	}
	opts := wpimport.Options{DryRun: up.DryRun, Uploads: up.UploadsDir, Progress: func(o int64, c bool) {
		mu.Lock()
		off, checking = o, c
		mu.Unlock()
	}}
	rep, err := wpimport.Import(ctx, deps, f, opts)
	if err != nil {
		err = plain(err)
	}
	return outcome{rep: rep, err: err}
}

// plain drops the package prefixes from an error for the page; the
// reader's line and column stay.
func plain(err error) error {
	msg := err.Error()
	for _, p := range []string{"wpimport: ", "wordpress: "} {
		msg = strings.ReplaceAll(msg, p, "")
	}
	return errors.New(msg)
}
