package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/leads"
	"byline/internal/mail"
	"byline/internal/newsletter"
	"byline/internal/site"
)

// adminNav is the admin area's navigation; each screen shows for the
// permission it needs. Later screens add their line here.
var adminNav = []struct {
	Label, Href string
	Perm        account.Permission
}{
	{"Dashboard", "/admin", account.PermAccessAdmin},
	{"Articles", "/admin/articles", account.PermWriteArticles},
	{"Media", "/admin/media", account.PermWriteArticles},
	{"Pages", "/admin/pages", pagePerm},
	{"Comments", "/admin/comments", account.PermModerate},
	{"Newsletter", "/admin/newsletter", account.PermSendNewsletters},
	{"Leads", "/admin/leads", account.PermSeeLeads},
	{"People", "/admin/people", account.PermManagePeople},
	{"Mail", "/admin/mail", account.PermViewMail},
	{"Settings", "/admin/settings", account.PermManageSettings},
}

// adminTitle is an admin screen's <title>; the editor's script sets the
// same one after an autosave changes the headline.
func adminTitle(title string) string { return title + " · Admin" }

// adminPage renders an admin screen in the admin layout.
func (s *Server) adminPage(w http.ResponseWriter, r *http.Request, v *viewer, status int, name, title string, f *form, data any) error {
	p := &page{Title: adminTitle(title), NoIndex: true, Form: f, Data: data}
	s.fill(w, r, p)
	for _, n := range adminNav {
		if v.Can(n.Perm) {
			cur := r.URL.Path == n.Href || (n.Href != "/admin" && len(r.URL.Path) > len(n.Href) && r.URL.Path[:len(n.Href)+1] == n.Href+"/")
			p.Nav = append(p.Nav, navItem{Label: n.Label, Href: n.Href, Current: cur})
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.render(w, status, name, p)
}

type adminHomeData struct {
	Tiles      []dashTile // what needs attention, each a page the viewer may open
	Newsletter *newsletterTile
	Charts     []chart
	MostRead   []article.Read
}

// dashTile is a figure on the dashboard and the page that lists it.
type dashTile struct {
	Title, Href string
	Count       int
	Unit        string
}

// newsletterTile is what goes out next: a campaign, else the digests the
// schedule will make.
type newsletterTile struct {
	Href       string
	Next       *newsletter.Campaign
	Digests    bool
	NextDaily  time.Time
	NextWeekly time.Time
}

// seesAllArticles says whether v's article list (and its counts) holds
// everyone's articles, or only v's own.
func seesAllArticles(v *viewer) bool {
	return v.Can(account.PermEditOthers) || v.Can(account.PermPublish)
}

// adminHome is the dashboard: what needs attention, the figures people
// compare over time as charts, and the most read articles of the week.
// A tile shows only when its page would open for the viewer (the route's
// own guard decides), and its figure is counted by the domain package
// that owns it, for what that page lists.
func (s *Server) adminHome(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	st := s.site(r)
	var d adminHomeData
	tile := func(title, href, unit string, count func() (int, error)) error {
		if !s.mayOpen(v, href) {
			return nil
		}
		n, err := count()
		if err != nil {
			return err
		}
		d.Tiles = append(d.Tiles, dashTile{Title: title, Href: href, Count: n, Unit: unit})
		return nil
	}
	if s.Newsroom != nil {
		var author int64
		unit := "articles"
		if !seesAllArticles(v) {
			author, unit = v.ID, "of your articles"
		}
		if err := tile("Awaiting review", "/admin/articles?status=pending", unit, func() (int, error) {
			c, err := s.Newsroom.StatusCounts(ctx, author)
			return c[string(article.StatusPending)], err
		}); err != nil {
			return err
		}
	}
	if err := tile("Awaiting moderation", "/admin/comments", "comments", func() (int, error) {
		q, err := s.Comments.Counts(ctx)
		return q[comment.QueuePending], err
	}); err != nil {
		return err
	}
	if s.Leads != nil {
		if err := tile("Quote requests not placed", "/admin/leads?status=unrouted", "no dealer covers them", func() (int, error) {
			c, err := s.Leads.StatusCounts(ctx)
			return c[leads.Unrouted], err
		}); err != nil {
			return err
		}
	}
	unit := "failed"
	if !st.SMTP.Configured() {
		unit = "no mail server is set: mail waits"
	}
	if err := tile("Mail not delivered", "/admin/mail", unit, func() (int, error) {
		c, err := s.Outbox.Counts(ctx)
		return c["failed"], err
	}); err != nil {
		return err
	}
	if s.Newsletter != nil && s.mayOpen(v, "/admin/newsletter") {
		nt := &newsletterTile{Href: "/admin/newsletter", Digests: st.Digests}
		if c, ok, err := s.Newsletter.NextScheduled(ctx); err != nil {
			return err
		} else if ok {
			nt.Next = &c
		}
		sched := newsletter.DigestSchedule{Enabled: st.Digests, Hour: st.DigestHour, Weekday: time.Weekday(st.DigestWeekday)}
		now := time.Now()
		nt.NextDaily, nt.NextWeekly = sched.Next(now, s.Location, newsletter.Daily), sched.Next(now, s.Location, newsletter.Weekly)
		d.Newsletter = nt
	}
	now := time.Now().In(s.Location)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.Location)
	monday := today
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, -1)
	}
	const weeks = 12
	weekStart := monday.AddDate(0, 0, -7*(weeks-1))
	weekLabels := make([]string, weeks)
	for i := range weekLabels {
		weekLabels[i] = weekStart.AddDate(0, 0, 7*i).Format("Jan 2")
	}
	if a := s.Newsroom; a != nil {
		per, err := a.PublishedPerWeek(ctx, weekStart, weeks)
		if err != nil {
			return err
		}
		d.Charts = append(d.Charts, chart{Title: "Articles published per week", Unit: "articles", Labels: weekLabels, Series: []chartSeries{{Name: "Articles", Values: per}}})
		if d.MostRead, err = a.MostRead(ctx, today.AddDate(0, 0, -6), s.Location, 10); err != nil {
			return err
		}
	}
	const days = 30
	dayStart := today.AddDate(0, 0, -(days - 1))
	if perDay, err := s.Comments.PerDay(ctx, dayStart, days); err != nil {
		return err
	} else {
		labels := make([]string, days)
		for i := range labels {
			labels[i] = dayStart.AddDate(0, 0, i).Format("Jan 2")
		}
		d.Charts = append(d.Charts, chart{Title: "Comments per day", Unit: "comments", Period: "Day", Labels: labels, Series: []chartSeries{{Name: "Comments", Values: perDay}}})
	}
	if d.Newsletter != nil {
		subs, err := s.Newsletter.ConfirmedOverTime(ctx, weekStart, weeks)
		if err != nil {
			return err
		}
		d.Charts = append(d.Charts, chart{Title: "Newsletter subscribers over time", Unit: "confirmed subscribers", Labels: weekLabels, Series: []chartSeries{{Name: "Confirmed", Values: subs}}})
	}
	if s.Leads != nil && s.mayOpen(v, "/admin/leads") {
		wk, err := s.Leads.PerMakePerWeek(ctx, weeks)
		if err != nil {
			return err
		}
		d.Charts = append(d.Charts, leadsChart(wk, weeks, s.Location))
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/home", "Dashboard", nil, d)
}

type peopleData struct {
	People  []account.Person
	Query   account.SearchQuery
	Roles   []account.Role
	More    string
	Statuss []string
}

func (s *Server) adminPeople(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q := r.URL.Query()
	sq := account.SearchQuery{Text: q.Get("q"), Status: q.Get("status"), Limit: 50}
	if role := q.Get("role"); role != "" {
		rr, err := account.ParseRole(role)
		if err != nil {
			return badRequest{err.Error()}
		}
		sq.Role = rr
	}
	if a := q.Get("after"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			return badRequest{"Malformed page."}
		}
		sq.After = n
	}
	people, err := s.Accounts.Search(r.Context(), sq)
	if err != nil {
		if _, ok := apperr.AsInvalid(err); ok {
			return badRequest{"Unknown filter."}
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
}

func (s *Server) personFromPath(r *http.Request) (account.Person, error) {
	id, err := pathID(r)
	if err != nil {
		return account.Person{}, err
	}
	return s.Accounts.ByID(r.Context(), id)
}

func (s *Server) adminPerson(w http.ResponseWriter, r *http.Request, v *viewer) error {
	p, err := s.personFromPath(r)
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/person", p.DisplayName, nil, personData{Person: p, Roles: account.Roles, Self: p.ID == v.ID})
}

// adminPersonAction applies one of the People screen's buttons.
func (s *Server) adminPersonAction(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := parseForm(w, r, formLimit); err != nil {
		return err
	}
	p, err := s.personFromPath(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	back := "/admin/people/" + strconv.FormatInt(p.ID, 10)
	var flash string
	switch r.PathValue("action") {
	case "roles":
		var roles []account.Role
		for _, x := range r.PostForm["role"] {
			role, err := account.ParseRole(x)
			if err != nil {
				return badRequest{err.Error()}
			}
			roles = append(roles, role)
		}
		err, flash = s.Accounts.SetRolesAs(ctx, v.ID, p.ID, roles), "roles-saved"
	case "suspend":
		err, flash = s.Accounts.SuspendAs(ctx, v.ID, p.ID, true), "suspended"
	case "unsuspend":
		err, flash = s.Accounts.SuspendAs(ctx, v.ID, p.ID, false), "unsuspended"
	case "delete":
		if r.PostForm.Get("confirm") != "yes" {
			return badRequest{"Tick the box to confirm the deletion."}
		}
		err, flash, back = s.Accounts.DeleteAs(ctx, v.ID, p.ID), "deleted", "/admin/people"
	default:
		return apperr.ErrNotFound
	}
	if err != nil {
		return err
	}
	s.Logger.Info("admin: person changed", "by", v.ID, "person", p.ID, "action", r.PathValue("action"))
	return s.redirectFlash(w, r, back, flash)
}

type settingsData struct {
	Settings    site.Settings
	SMTPFromEnv bool
	TLSModes    []string
}

func (s *Server) adminSettings(w http.ResponseWriter, r *http.Request, v *viewer) error {
	st, err := s.Settings.Stored(r.Context())
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/settings", "Settings", nil, s.settingsData(st))
}

func (s *Server) settingsData(st site.Settings) settingsData {
	return settingsData{Settings: st, SMTPFromEnv: s.SMTPFromEnv, TLSModes: []string{mail.TLSStartTLS, mail.TLSImplicit, mail.TLSNone}}
}

func (s *Server) saveSettings(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f, refused, err := postedForm(w, r, formLimit)
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
	for _, n := range []struct {
		name string
		dst  *int
	}{{"hold_first", &st.HoldFirst}, {"max_links", &st.MaxLinks}, {"close_after_days", &st.CloseAfterDays},
		{"per_minute", &st.PerMinute}, {"reports_to_hold", &st.ReportsToHold}} {
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
		st.SMTP.Port, _ = strconv.Atoi(f.Get("smtp_port"))
		if pw := f.Get("smtp_password"); pw != "" {
			st.SMTP.Password = pw // empty keeps the stored one
		}
		if f.Get("smtp_clear_password") != "" {
			st.SMTP.Password = ""
		}
	}
	if err := s.Settings.Save(r.Context(), st); err != nil {
		if !f.fail(err) {
			return err
		}
		return s.adminPage(w, r, v, http.StatusUnprocessableEntity, "admin/settings", "Settings", f, s.settingsData(st))
	}
	s.Logger.Info("admin: settings saved", "by", v.ID)
	return s.redirectFlash(w, r, "/admin/settings", "settings-saved")
}

type mailData struct {
	Messages   []mail.Stored
	More       string
	MailServer bool
}

func (s *Server) adminMail(w http.ResponseWriter, r *http.Request, v *viewer) error {
	var before int64
	if b := r.URL.Query().Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil {
			return badRequest{"Malformed page."}
		}
		before = n
	}
	msgs, err := s.Outbox.List(r.Context(), before, 50)
	if err != nil {
		return err
	}
	d := mailData{Messages: msgs, MailServer: s.site(r).SMTP.Configured()}
	if len(msgs) == 50 {
		d.More = "/admin/mail?before=" + strconv.FormatInt(msgs[len(msgs)-1].ID, 10)
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/mail", "Mail", nil, d)
}

func (s *Server) mailFromPath(r *http.Request) (mail.Stored, error) {
	id, err := pathID(r)
	if err != nil {
		return mail.Stored{}, err
	}
	return s.Outbox.Get(r.Context(), id)
}

func (s *Server) adminMessage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	m, err := s.mailFromPath(r)
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/message", m.Subject, nil, m)
}

// adminMessageHTML serves a message's HTML part for a sandboxed frame:
// no scripts, no forms, nothing of the admin's session reachable.
func (s *Server) adminMessageHTML(w http.ResponseWriter, r *http.Request, v *viewer) error {
	m, err := s.mailFromPath(r)
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

func (s *Server) adminMailRetry(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := parseForm(w, r, formLimit); err != nil {
		return err
	}
	m, err := s.mailFromPath(r)
	if err != nil {
		return err
	}
	if err := s.Outbox.Retry(r.Context(), m.ID); err != nil {
		return err
	}
	return s.redirectFlash(w, r, "/admin/mail/"+strconv.FormatInt(m.ID, 10), "mail-retry")
}
