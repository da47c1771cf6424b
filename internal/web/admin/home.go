package admin

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/mail"
	"byline/internal/site"
	"byline/internal/web/core"
)

// adminTitle is an admin screen's <title>; the editor's script sets the
// same one after an autosave changes the headline.
func adminTitle(title string) string { return title + " · Admin" }

// adminPage renders an admin screen in the admin layout.
func (s *Server) adminPage(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, name, title string, f *core.Form, data any) error {
	p := &core.Page{Title: adminTitle(title), NoIndex: true, Form: f, Data: data}
	s.Fill(w, r, p)
	for _, n := range s.nav {
		if v.Can(n.Perm) {
			cur := r.URL.Path == n.Href || (n.Href != "/admin" && len(r.URL.Path) > len(n.Href) && r.URL.Path[:len(n.Href)+1] == n.Href+"/")
			p.Nav = append(p.Nav, core.NavItem{Label: n.Label, Href: n.Href, Current: cur})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.Render(w, status, name, p)
}

// seesAllArticles says whether v's article list (and its counts) holds
// everyone's articles, or only v's own.
func seesAllArticles(v *core.Viewer) bool {
	return v.Can(account.PermEditOthers) || v.Can(account.PermPublish)
}

type peopleData struct {
	People  []account.Person
	Query   account.SearchQuery
	Roles   []account.Role
	More    string
	Statuss []string
}

func (s *Server) adminPeople(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	q := r.URL.Query()
	sq := account.SearchQuery{Text: q.Get("q"), Status: q.Get("status"), Limit: 50}
	if role := q.Get("role"); role != "" {
		rr, err := account.ParseRole(role)
		if err != nil {
			return core.BadRequest{Msg: err.Error()}
		}
		sq.Role = rr
	}
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return core.BadRequest{Msg: "Malformed page."}
		}
		sq.After = n
	}
	people, err := s.People.Search(r.Context(), sq)
	if err != nil {
		if _, ok := apperr.AsInvalid(err); ok {
			return core.BadRequest{Msg: "Unknown filter."}
		}
		return err
	}
	d := peopleData{People: people, Query: sq, Roles: account.Roles, Statuss: []string{"active", "unverified", "suspended", "deleted"}}
	if len(people) == sq.Limit {
		next := r.URL.Query()
		next.Set("after", strconv.FormatInt(people[len(people)-1].ID, 10))
		d.More = "/admin/people?" + next.Encode()
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/people", "People", nil, d)
}

type personData struct {
	Person account.Person
	Roles  []account.Role
	Self   bool
	Events []account.Event // the security history, newest first

	// Two-factor.
	TwoFactor account.TwoFactor
}

func (s *Server) adminPerson(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	p, err := core.ByPath(r, s.People.ByID)
	if err != nil {
		return err
	}
	d := personData{Person: p, Roles: account.Roles, Self: p.ID == v.ID}
	if d.Events, err = s.People.Events(r.Context(), p.ID, 50); err != nil {
		return err
	}
	// Two-factor.
	if d.TwoFactor, err = s.People.TwoFactorOf(r.Context(), p.ID); err != nil {
		return err
	}

	return s.adminPage(w, r, v, http.StatusOK, "admin/person", p.DisplayName, nil, d)
}

// adminPersonAction applies one of the People screen's buttons.
func (s *Server) adminPersonAction(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	p, err := core.ByPath(r, s.People.ByID)
	if err != nil {
		return err
	}
	ctx := r.Context()
	back := "/admin/people/" + strconv.FormatInt(p.ID, 10)
	var flash core.Notice
	switch r.PathValue("action") {
	case "roles":
		var roles []account.Role
		for _, x := range r.PostForm["role"] {
			role, err := account.ParseRole(x)
			if err != nil {
				return core.BadRequest{Msg: err.Error()}
			}
			roles = append(roles, role)
		}
		err, flash = s.People.SetRolesAs(ctx, v.ID, p.ID, roles), flashRolesSaved
	case "suspend":
		err, flash = s.People.SuspendAs(ctx, v.ID, p.ID, true), flashSuspended
	case "unsuspend":
		err, flash = s.People.SuspendAs(ctx, v.ID, p.ID, false), flashUnsuspended
	case "delete":
		if r.PostForm.Get("confirm") != "yes" {
			return core.BadRequest{Msg: "Tick the box to confirm the deletion."}
		}
		err, flash, back = s.People.DeleteAs(ctx, v.ID, p.ID), flashDeleted, "/admin/people"
	default:
		return apperr.ErrNotFound
	}
	if err != nil {
		return err
	}
	s.Logger.Info("admin: person changed", "by", v.ID, "person", p.ID, "action", r.PathValue("action"))
	return s.RedirectFlash(w, r, back, flash)
}

type settingsData struct {
	Settings      site.Settings
	SMTPFromEnv   bool
	TLSModes      []string
	BackupDefault string
}

func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	st, err := s.Settings.Stored(r.Context())
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/settings", "Settings", nil, s.settingsData(st))
}

func (s *Server) settingsData(st site.Settings) settingsData {
	return settingsData{Settings: st, SMTPFromEnv: s.SMTPFromEnv, TLSModes: []string{mail.TLSStartTLS, mail.TLSImplicit, mail.TLSNone}, BackupDefault: s.BackupDefault}
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	st, err := s.Settings.Stored(r.Context())
	if err != nil {
		return err
	}
	if refused {
		return s.adminPage(w, r, v, http.StatusUnprocessableEntity, "admin/settings", "Settings", f, s.settingsData(st))
	}
	st.Name, st.Tagline, st.BaseURL = f.Get("name"), f.Get("tagline"), f.Get("base_url")
	st.CommentsOpen, st.Gravatar, st.HoldAll = f.Get("comments_open") != "", f.Get("gravatar") != "", f.Get("hold_all") != ""
	st.HoldWords, st.BlockWords = f.Get("hold_words"), f.Get("block_words")
	if f.Get("deletion_form") != "" { // the account deletion fieldset was on the form
		st.ReadersRemoveComments = f.Get("readers_remove_comments") != ""
	}
	if f.Get("backup_form") != "" { // the backups fieldset was on the form
		st.Backups, st.BackupDir = f.Get("backups") != "", f.Get("backup_dir")
	}
	if f.Get("two_factor_form") != "" { // the two-factor fieldset was on the form
		st.RequireTwoFactor(f.Get("two_factor_staff") != "", time.Now())
	}
	for _, n := range []struct {
		name string
		dst  *int
	}{{"hold_first", &st.HoldFirst}, {"max_links", &st.MaxLinks}, {"close_after_days", &st.CloseAfterDays},
		{"per_minute", &st.PerMinute}, {"reports_to_hold", &st.ReportsToHold}, {"import_max_mb", &st.ImportMaxMB},
		{"backup_hour", &st.BackupHour}, {"backup_keep", &st.BackupKeep}, {"two_factor_grace", &st.TwoFactorGraceDays}} {
		if _, ok := f.Values[n.name]; !ok {
			continue // not on the form: keep the stored value
		}
		v, err := strconv.Atoi(strings.TrimSpace(f.Get(n.name)))
		if err != nil {
			v = -1000 // refused by the settings' own check, with a reason
		}
		*n.dst = v
	}
	depth, derr := strconv.Atoi(f.Get("comment_depth"))
	st.CommentDepth = depth
	if derr != nil {
		st.CommentDepth = 0 // refused below with a reason
	}
	if !s.SMTPFromEnv {
		st.SMTP.Host, st.SMTP.Username, st.SMTP.TLS, st.SMTP.From = f.Get("smtp_host"), f.Get("smtp_username"), f.Get("smtp_tls"), f.Get("mail_from")
		port, err := strconv.Atoi(strings.TrimSpace(f.Get("smtp_port")))
		if err != nil {
			port = 0 // refused by the settings' own check, with a reason
		}
		st.SMTP.Port = port
		if pw := f.Get("smtp_password"); pw != "" {
			st.SMTP.Password = pw // empty keeps the stored one
		}
		if f.Get("smtp_clear_password") != "" {
			st.SMTP.Password = ""
		}
	}
	if err := s.Settings.Save(r.Context(), st); err != nil {
		if !f.Fail(err) {
			return err
		}
		return s.adminPage(w, r, v, http.StatusUnprocessableEntity, "admin/settings", "Settings", f, s.settingsData(st))
	}
	s.Logger.Info("admin: settings saved", "by", v.ID)
	return s.RedirectFlash(w, r, "/admin/settings", flashSettingsSaved)
}

type mailData struct {
	Messages   []mail.Stored
	More       string
	MailServer bool
}

func (s *Server) adminMail(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			return core.BadRequest{Msg: "Malformed page."}
		}
		before = n
	}
	msgs, err := s.Outbox.List(r.Context(), before, 50)
	if err != nil {
		return err
	}
	d := mailData{Messages: msgs, MailServer: s.Site(r).SMTP.Configured()}
	if len(msgs) == 50 {
		d.More = "/admin/mail?before=" + strconv.FormatInt(msgs[len(msgs)-1].ID, 10)
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/mail", "Mail", nil, d)
}

func (s *Server) adminMessage(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	m, err := core.ByPath(r, s.Outbox.Get)
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/message", m.Subject, nil, m)
}

// adminMessageHTML serves a message's HTML part for a sandboxed frame:
// no scripts, no forms, nothing of the admin's session reachable.
func (s *Server) adminMessageHTML(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	m, err := core.ByPath(r, s.Outbox.Get)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-ancestors 'self'")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "no-store")
	_, err = w.Write([]byte(m.HTML))
	return err
}

func (s *Server) adminMailRetry(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	m, err := core.ByPath(r, s.Outbox.Get)
	if err != nil {
		return err
	}
	if err := s.Outbox.Retry(r.Context(), m.ID); err != nil {
		return err
	}
	return s.RedirectFlash(w, r, "/admin/mail/"+strconv.FormatInt(m.ID, 10), flashMailRetry)
}
