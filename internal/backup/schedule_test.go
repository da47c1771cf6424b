package backup_test

import (
	"context"
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
