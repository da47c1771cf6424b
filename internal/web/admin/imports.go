package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/importjob"
	"byline/internal/input"
	"byline/internal/web/core"
	"byline/internal/wordpress"
)

// Admin → Import: a WordPress export uploaded and imported in the
// background (importjob), with a page per job that follows its progress.

// importPerm opens the import screen: an import brings people, articles
// and addresses into the whole site, so it is the settings' keepers'.
const importPerm = account.PermManageSettings

type importData struct {
	MaxMB  int
	Active *importjob.Job // the import queued or running, if any
	Jobs   []importjob.Job
}

type importJobData struct {
	Job importjob.Job
}

func (s *Server) adminImport(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.importPage(w, r, v, http.StatusOK, nil)
}

// importPage shows the upload form and the latest imports; f is a refused
// upload.
func (s *Server) importPage(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, f *core.Form) error {
	if s.Imports == nil {
		return core.BadRequest{Msg: "This site takes no imports."}
	}
	jobs, err := s.Imports.Store.Recent(r.Context())
	if err != nil {
		return err
	}
	d := importData{MaxMB: s.Settings.Current(r.Context()).ImportMaxMB, Jobs: jobs}
	for i := range jobs {
		if jobs[i].Active() {
			d.Active = &jobs[i]
			break
		}
	}
	return s.adminPage(w, r, v, status, "admin/import", "Import", f, d)
}

// startImport takes an uploaded WordPress export: streamed to a file on
// this node's disk (never held in memory), its beginning read to tell a
// wrong file at once, then imported in the background.
func (s *Server) startImport(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if s.Imports == nil {
		return core.BadRequest{Msg: "This site takes no imports."}
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		// Not an upload: read as any form, so bad text is answered as
		// everywhere, and ask for the file.
		f, refused, err := core.PostedForm(w, r, core.FormLimit)
		if err != nil {
			return err
		}
		if !refused {
			f.Errors["file"] = "choose a WordPress export file (WXR, from Tools → Export)"
			f.Error = "Please correct the fields marked below."
		}
		return s.importPage(w, r, v, http.StatusUnprocessableEntity, f)
	}
	f := &core.Form{Values: url.Values{}, Errors: map[string]string{}}
	// Refused before the file is sent, when it could not run.
	if _, busy, err := s.Imports.Store.Busy(r.Context()); err != nil {
		return err
	} else if busy {
		f.Error = busyMsg
		return s.importPage(w, r, v, http.StatusConflict, f)
	}
	// A file of hundreds of megabytes takes longer to send than the
	// server's read and write timeouts allow any other request.
	rc := http.NewResponseController(w)
	until := time.Now().Add(uploadTime)
	for _, set := range []func(time.Time) error{rc.SetReadDeadline, rc.SetWriteDeadline} {
		if err := set(until); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
	}
	maxMB := s.Settings.Current(r.Context()).ImportMaxMB
	limit := int64(maxMB) << 20
	// The other fields and the parts' headers are small.
	r.Body = http.MaxBytesReader(w, r.Body, limit+core.FormLimit)
	up, err := s.receiveImport(r, f, limit)
	if up.Path != "" && (err != nil || len(f.Errors) > 0) {
		removeUpload(s, up.Path)
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), errors.Is(err, errTooLarge):
		f.Errors["file"] = fmt.Sprintf("the file is larger than %d MB, the most this site takes (Settings → Imports)", maxMB)
		f.Error = "The file was not imported."
		return s.importPage(w, r, v, http.StatusRequestEntityTooLarge, f)
	case err != nil:
		return err
	case len(f.Errors) > 0:
		if f.Error == "" {
			f.Error = "The file was not imported."
		}
		return s.importPage(w, r, v, http.StatusUnprocessableEntity, f)
	}
	up.PersonID = v.ID
	job, err := s.Imports.Start(r.Context(), up)
	if err != nil {
		removeUpload(s, up.Path)
		if errors.Is(err, importjob.ErrBusy) {
			f.Error = busyMsg
			return s.importPage(w, r, v, http.StatusConflict, f)
		}
		return err
	}
	s.Logger.Info("admin: import started", "by", v.ID, "job", job.ID, "file", up.Name, "bytes", up.Size, "dry_run", up.DryRun)
	return s.RedirectFlash(w, r, "/admin/import/"+strconv.FormatInt(job.ID, 10), flashImportStarted)
}

var errTooLarge = errors.New("upload too large")

const busyMsg = "Another import is running: wait for it to finish, then upload this file again."

// uploadTime is how long an upload may take: 200 MB at 2 Mbit/s.
const uploadTime = 15 * time.Minute

// receiveImport reads the upload's parts: the file to a temporary file,
// the dry-run box. Mistakes go on f; what it returns is the file saved.
func (s *Server) receiveImport(r *http.Request, f *core.Form, limit int64) (importjob.Upload, error) {
	var up importjob.Upload
	mr, err := r.MultipartReader()
	if err != nil {
		return up, core.BadRequest{Msg: "The form could not be read."}
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return up, readErr(err)
		}
		name := p.FormName()
		if name != "file" {
			b, err := io.ReadAll(io.LimitReader(p, 1024))
			if err != nil {
				return up, readErr(err)
			}
			val := string(b)
			if !input.Valid(val) {
				f.Errors[name] = input.Reason
				f.Error = "Some of what you typed cannot be kept. Please correct the fields marked below."
				val = input.Clean(val)
			}
			f.Values.Set(name, val)
			continue
		}
		if up.Path != "" {
			continue // one file
		}
		if up, err = saveUpload(p, limit); err != nil {
			return up, err
		}
		if !input.Valid(up.Name) {
			f.Errors["file"] = "the file's name " + input.Reason
			f.Error = "Some of what you typed cannot be kept. Please correct the fields marked below."
		}
	}
	up.DryRun = f.Values.Get("dry_run") != ""
	if dir := strings.TrimSpace(f.Values.Get("uploads")); dir != "" {
		if msg := uploadsDirProblem(dir); msg != "" {
			f.Errors["uploads"] = msg
		} else {
			up.UploadsDir = filepath.Clean(dir)
		}
	}
	if up.Path == "" || up.Size == 0 {
		f.Errors["file"] = "choose a WordPress export file (WXR, from Tools → Export)"
		return up, nil
	}
	if len(f.Errors) == 0 {
		if err := checkWXR(up.Path); err != nil {
			f.Errors["file"] = "this is not a WordPress export that can be read: " + err.Error()
		}
	}
	return up, nil
}

// uploadsDirProblem says why dir cannot be the uploads folder, or "".
func uploadsDirProblem(dir string) string {
	if !filepath.IsAbs(dir) {
		return "give the folder's full path on the server, from the root (/srv/old-site/wp-content/uploads)"
	}
	d, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "there is no folder at this path on the server"
		}
		return "the server cannot open this folder (" + withoutPath(err) + ")"
	}
	defer d.Close()
	st, err := d.Stat()
	if err != nil || !st.IsDir() {
		return "this is a file, not a folder: give the folder that holds the year folders (2019, 2020 …)"
	}
	if _, err := d.Readdirnames(1); err != nil && !errors.Is(err, io.EOF) {
		return "the server cannot read this folder (" + withoutPath(err) + ")"
	}
	return ""
}

// withoutPath is err's reason, without the path the form shows already.
func withoutPath(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func readErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return core.BadRequest{Msg: "The form could not be read."}
}

// saveUpload copies the file part to a temporary file, at most limit
// bytes.
func saveUpload(p *multipart.Part, limit int64) (importjob.Upload, error) {
	up := importjob.Upload{Name: p.FileName()}
	tmp, err := os.CreateTemp("", "byline-import-*.xml")
	if err != nil {
		return up, fmt.Errorf("import: keep the upload: %w", err)
	}
	up.Path = tmp.Name()
	n, err := io.Copy(tmp, io.LimitReader(p, limit+1))
	up.Size = n
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("import: keep the upload: %w", cerr)
	}
	if err != nil {
		return up, readErr(err)
	}
	if n > limit {
		return up, errTooLarge
	}
	return up, nil
}

// checkWXR reads the file's beginning: a file that is not a WordPress
// export at all is refused on the form, with the line and column where
// the reader gave up. A fault further in fails the job.
func checkWXR(path string) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("import: read the upload: %w", err)
	}
	defer file.Close()
	if _, err := wordpress.NewReader(file).Next(); err != nil && !errors.Is(err, io.EOF) {
		var we *wordpress.Error
		if errors.As(err, &we) {
			return we
		}
		return err
	}
	return nil
}

func removeUpload(s *Server, path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.Logger.Error("admin: remove an upload", "path", path, "err", err)
	}
}

// adminImportJob shows one import: its progress while it runs, its report
// when it is done.
func (s *Server) adminImportJob(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if s.Imports == nil {
		return core.BadRequest{Msg: "This site takes no imports."}
	}
	j, err := core.ByPath(r, s.Imports.Store.Job)
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/importjob", "Import "+j.FileName, nil, importJobData{Job: j})
}

// importProgress is the job page's live bar's feed.
func (s *Server) importProgress(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if s.Imports == nil {
		return core.BadRequest{Msg: "This site takes no imports."}
	}
	j, err := core.ByPath(r, s.Imports.Store.Job)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(map[string]any{"status": j.Status, "percent": j.Percent(), "done": j.BytesDone,
		"total": j.BytesTotal, "checking": j.Checking, "active": j.Active()})
}
