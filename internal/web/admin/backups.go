package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"byline/internal/account"
	"byline/internal/backup"
	"byline/internal/web/core"
)

// backupPlan is what the settings ask of backups.
func (s *Server) backupPlan(r *http.Request) backup.Plan {
	st := s.Site(r)
	return backup.Plan{On: st.Backups, Hour: st.BackupHour, Keep: st.BackupKeep, Dir: st.BackupFolder(s.BackupDefault), Loc: s.Location}
}

// startBackup makes a backup now ("Back up now" on the dashboard), in the
// background, and shows its page with the live bar.
func (s *Server) startBackup(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	if s.Backups == nil {
		return core.BadRequest{Msg: "This site makes no backups."}
	}
	plan := s.backupPlan(r)
	if plan.Dir == "" {
		return s.RedirectFlash(w, r, "/admin#backups-heading", flashBackupNoFolder)
	}
	run, err := s.Backups.Start(r.Context(), plan)
	if errors.Is(err, backup.ErrBusy) {
		return s.RedirectFlash(w, r, "/admin#backups-heading", flashBackupBusy)
	}
	if err != nil {
		return err
	}
	s.Logger.Info("admin: backup started", "by", v.ID, "run", run.ID)
	http.Redirect(w, r, "/admin/backups/"+strconv.FormatInt(run.ID, 10), http.StatusSeeOther)
	return nil
}

type backupRunData struct {
	Run backup.Run
	Now time.Time
}

func (s *Server) runByPath(r *http.Request) (backup.Run, error) {
	return core.ByPath(r, func(ctx context.Context, id int64) (backup.Run, error) { return backup.RunByID(ctx, s.DB, id) })
}

// adminBackup shows one backup: its live bar while it runs, then where it
// went or why it failed.
func (s *Server) adminBackup(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	run, err := s.runByPath(r)
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/backup", "Backup of "+run.Day, nil, backupRunData{Run: run, Now: time.Now()})
}

// backupProgress is the backup page's live bar's feed.
func (s *Server) backupProgress(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	run, err := s.runByPath(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(map[string]any{"status": run.Status, "percent": run.Percent(), "done": run.Done,
		"total": run.Total, "active": run.Active(time.Now())})
}

// backupPerm is who may see and make backups: those who manage settings.
const backupPerm = account.PermManageSettings
