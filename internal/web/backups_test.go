package web_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"byline/internal/backup"
	"byline/internal/db"
	"byline/internal/dbtest"
)

// TestDashboardBackups: an admin sets the scheduled backups in Settings (a
// folder that is not a full path is refused with the typed value kept),
// and the dashboard shows the plan, each run, and a failure as an alert.
func TestDashboardBackups(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, m := serveMagazine(t, d)
		admin := signedIn(t, newBrowser(t, srv), m.editor.Email)
		base := url.Values{"name": {"Magazine"}, "comment_depth": {"4"}, "comments_open": {"1"}, "backup_form": {"1"}, "backups": {"1"},
			"backup_hour": {"3"}, "backup_keep": {"5"}}
		bad := url.Values{"backup_dir": {"backups/here"}}
		for k, v := range base {
			bad[k] = v
		}
		admin.expect(admin.post("/admin/settings", bad), http.StatusUnprocessableEntity, "full path on the server", `value="backups/here"`)
		dir := filepath.Join(t.TempDir(), "nightly")
		good := url.Values{"backup_dir": {dir}}
		for k, v := range base {
			good[k] = v
		}
		admin.expect(admin.post("/admin/settings", good), http.StatusSeeOther)
		admin.expect(admin.get("/admin"), http.StatusOK, "Backups", "Every day at 03:00 into", dir, "the newest 5 kept", "No scheduled backup yet.")

		ctx := context.Background()
		at := time.Now().Add(-24 * time.Hour)
		s := &backup.Schedule{DB: d, Now: func() time.Time { return at }}
		plan := backup.Plan{On: true, Hour: 0, Keep: 5, Dir: dir, Loc: time.UTC}
		if r, err := s.Tick(ctx, plan); err != nil || r == nil || r.Status != "done" {
			t.Fatalf("yesterday's backup: %+v, %v", r, err)
		}
		admin.expect(admin.get("/admin"), http.StatusOK, "done", r0(t, dir))
		// Today's fails: the dashboard says so at the top.
		at = time.Now()
		plan.Dir = filepath.Join(r0(t, dir), "inside-a-file")
		if r, err := s.Tick(ctx, plan); err != nil || r == nil || r.Status != "failed" {
			t.Fatalf("today's backup: %+v, %v", r, err)
		}
		admin.expect(admin.get("/admin"), http.StatusOK, `role="alert"`, "failed", "tried again every hour")

		// Back up now: the run's page follows it to its end.
		resp := admin.post("/admin/backups", url.Values{})
		admin.expect(resp, http.StatusSeeOther)
		loc := resp.Header.Get("Location")
		if !strings.HasPrefix(loc, "/admin/backups/") {
			t.Fatalf("back up now led to %q", loc)
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			admin.expect(admin.get(loc+"/progress"), http.StatusOK)
			if strings.Contains(admin.last, `"active":false`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the backup still runs after two minutes: %s", admin.last)
			}
			time.Sleep(20 * time.Millisecond)
		}
		admin.expect(admin.get(loc), http.StatusOK, "from the dashboard", "done", "byline-manual-", "byline restore")
		admin.expect(admin.get("/admin"), http.StatusOK, "(now)", "Back up now")

		// Not for writers.
		writer := signedIn(t, newBrowser(t, srv), m.writer.Email)
		writer.expect(writer.get("/admin"), http.StatusOK)
		writer.expect(writer.post("/admin/backups", url.Values{}), http.StatusForbidden)
		if strings.Contains(writer.last, "backups-heading") {
			t.Fatal("a writer's dashboard shows the backups")
		}
	})
}

// r0 is the one backup file in dir.
func r0(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "byline-auto-*.tar.gz"))
	if err != nil || len(files) != 1 {
		t.Fatalf("backup files %v, %v", files, err)
	}
	return files[0]
}
