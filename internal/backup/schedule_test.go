package backup_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"byline/internal/backup"
	"byline/internal/db"
	"byline/internal/dbtest"
)

// The daily backup is made once a day after its hour, by one node of
// several, keeps the newest files, and a failure is recorded with its
// reason and tried again an hour later.
func TestScheduledBackups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "backups")
		paris, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC) // 02:30 in Paris
		clock := func() time.Time { return now }
		nodes := []*backup.Schedule{{DB: d, Now: clock}, {DB: d, Now: clock}}
		plan := backup.Plan{On: true, Hour: 3, Keep: 2, Dir: dir, Loc: paris}
		tick := func(n int) *backup.Run {
			t.Helper()
			run, err := nodes[n].Tick(ctx, plan)
			if err != nil {
				t.Fatal(err)
			}
			return run
		}
		if run := tick(0); run != nil {
			t.Fatalf("a backup before its hour: %+v", run)
		}
		now = now.Add(time.Hour) // 03:30 in Paris
		run := tick(0)
		if run == nil || run.Status != "done" || run.Day != "2026-03-02" || run.Bytes == 0 {
			t.Fatalf("the day's backup: %+v", run)
		}
		f, err := os.Open(run.Path)
		if err != nil {
			t.Fatal(err)
		}
		m, err := backup.Verify(f)
		f.Close()
		if err != nil || m.Engine != string(d.Engine) {
			t.Fatalf("the scheduled file does not verify: %v", err)
		}
		if again := tick(1); again != nil {
			t.Fatalf("another node made the same day's backup again: %+v", again)
		}
		// Three more days: the two newest files stay.
		for range 3 {
			now = now.AddDate(0, 0, 1)
			if r := tick(1); r == nil || r.Status != "done" {
				t.Fatalf("day %s: %+v", now.Format(time.DateOnly), r)
			}
		}
		files, err := filepath.Glob(filepath.Join(dir, "byline-auto-*.tar.gz"))
		if err != nil || len(files) != 2 || !strings.Contains(files[1], "20260305") {
			t.Fatalf("kept %v, want the two newest", files)
		}
		// A folder that cannot be made: failed, with the reason, shown by
		// Recent; tried again only after an hour.
		plan.Dir = filepath.Join(files[0], "sub")
		now = now.AddDate(0, 0, 1)
		if r := tick(0); r == nil || r.Status != "failed" || !strings.Contains(r.Error, "folder") {
			t.Fatalf("a backup into a file: %+v", r)
		}
		runs, err := backup.Recent(ctx, d, 10)
		if err != nil || len(runs) != 5 || runs[0].Status != "failed" || runs[0].Error == "" || runs[1].Status != "done" {
			t.Fatalf("recent runs: %+v, %v", runs, err)
		}
		now = now.Add(10 * time.Minute)
		if r := tick(1); r != nil {
			t.Fatalf("retried within the hour: %+v", r)
		}
		plan.Dir = dir
		now = now.Add(time.Hour)
		if r := tick(1); r == nil || r.Status != "done" || r.Error != "" {
			t.Fatalf("the retry an hour later: %+v", r)
		}
		// Off, or without a folder: nothing.
		now = now.AddDate(0, 0, 1)
		for _, p := range []backup.Plan{{On: false, Hour: 3, Keep: 2, Dir: dir, Loc: paris}, {On: true, Hour: 3, Keep: 2, Loc: paris}} {
			if r, err := nodes[0].Tick(ctx, p); r != nil || err != nil {
				t.Fatalf("plan %+v: %+v, %v", p, r, err)
			}
		}
	})
}

// "Back up now" runs in the background, following its progress in its
// row; one runs at a time across the nodes; Stop ends it and it records
// that it stopped.
func TestBackupNow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "now")
		s := &backup.Schedule{DB: d, Now: time.Now}
		defer s.Stop()
		plan := backup.Plan{Keep: 3, Dir: dir, Loc: time.UTC} // scheduled ones off: this one is asked for
		run, err := s.Start(ctx, plan)
		if err != nil || run.ID == 0 || run.Kind != "manual" {
			t.Fatalf("start: %+v, %v", run, err)
		}
		wait := func(id int64) {
			t.Helper()
			deadline := time.Now().Add(2 * time.Minute)
			for {
				r, err := backup.RunByID(ctx, d, id)
				if err != nil {
					t.Fatal(err)
				}
				if !r.Active(time.Now()) {
					if r.Status != "done" || r.Percent() != 100 || !strings.Contains(r.Path, "byline-manual-") {
						t.Fatalf("the backup ended %+v", r)
					}
					if _, err := os.Stat(r.Path); err != nil {
						t.Fatal(err)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("still running after two minutes: %+v", r)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		wait(run.ID)
		// Another, keeping one: the older file of this kind goes.
		one := plan
		one.Keep = 1
		again, err := s.Start(ctx, one)
		if err != nil {
			t.Fatal(err)
		}
		wait(again.ID)
		if files, err := filepath.Glob(filepath.Join(dir, "byline-manual-*.tar.gz")); err != nil || len(files) != 1 {
			t.Fatalf("manual backups kept: %v, %v; want the newest only", files, err)
		}
		// Another node's backup is running: refused.
		if _, err := d.Exec(ctx, `INSERT INTO backups (day, kind, status, started_at) VALUES ('elsewhere', 'manual', 'running', $1)`, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Start(ctx, plan); !errors.Is(err, backup.ErrBusy) {
			t.Fatalf("a second backup at once: %v", err)
		}
		if _, err := d.Exec(ctx, `DELETE FROM backups WHERE day = 'elsewhere'`); err != nil {
			t.Fatal(err)
		}
		// Stopped at once: it ends recorded, never left running.
		run, err = s.Start(ctx, plan)
		if err != nil {
			t.Fatal(err)
		}
		s.Stop()
		r, err := backup.RunByID(ctx, d, run.ID)
		if err != nil || r.Status == "running" {
			t.Fatalf("after Stop: %+v, %v", r, err)
		}
		if _, err := s.Start(ctx, plan); err == nil {
			t.Fatal("a stopped schedule started a backup")
		}
	})
}
