package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/newsletter"
	"byline/internal/site"
	"byline/internal/web/core"
)

type newsletterAdminData struct {
	Counts    map[string]int
	Campaigns []campaignRow
	Settings  site.Settings
	Hours     []int
	Weekdays  []string
	Mail      bool // a mail server is set
}

type campaignRow struct {
	newsletter.Campaign
	Progress newsletter.Progress
}

func (s *Server) adminNewsletter(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.newsletterAdmin(w, r, v, http.StatusOK, nil, s.Site(r))
}

func (s *Server) newsletterAdmin(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, f *core.Form, st site.Settings) error {
	ctx := r.Context()
	d := newsletterAdminData{Settings: st, Mail: s.Site(r).SMTP.Configured(),
		Weekdays: []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}}
	for h := 0; h < 24; h++ {
		d.Hours = append(d.Hours, h)
	}
	var err error
	if d.Counts, err = s.Newsletter.Counts(ctx); err != nil {
		return err
	}
	list, err := s.Newsletter.Campaigns(ctx, 30)
	if err != nil {
		return err
	}
	for _, c := range list {
		row := campaignRow{Campaign: c}
		if c.Status == newsletter.Sending || c.Status == newsletter.Sent || c.Status == newsletter.Cancelled {
			if row.Progress, err = s.Newsletter.Progress(ctx, c.ID); err != nil {
				return err
			}
		}
		d.Campaigns = append(d.Campaigns, row)
	}
	return s.adminPage(w, r, v, status, "admin/newsletter", "Newsletter", f, d)
}

// saveNewsletterSettings stores the digest schedule and the sending pace.
func (s *Server) saveNewsletterSettings(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	st, err := s.Settings.Stored(r.Context())
	if err != nil {
		return err
	}
	if refused {
		return s.newsletterAdmin(w, r, v, http.StatusUnprocessableEntity, f, st)
	}
	st.Digests = f.Get("digests") != ""
	for _, n := range []struct {
		name string
		dst  *int
	}{{"digest_hour", &st.DigestHour}, {"digest_weekday", &st.DigestWeekday}, {"newsletter_rate", &st.NewsletterRate}, {"newsletter_conc", &st.NewsletterConc}} {
		n2, err := strconv.Atoi(strings.TrimSpace(f.Get(n.name)))
		if err != nil {
			n2 = -1 // refused by the settings' own check, with a reason
		}
		*n.dst = n2
	}
	if err := s.Settings.Save(r.Context(), st); err != nil {
		if !f.Fail(err) {
			return err
		}
		return s.newsletterAdmin(w, r, v, http.StatusUnprocessableEntity, f, st)
	}
	return s.RedirectFlash(w, r, "/admin/newsletter", flashSettingsSaved)
}

type subscribersData struct {
	Subscribers []newsletter.Subscriber
	Query       newsletter.SubscriberQuery
	Statuses    []string
	More        string
	Report      *newsletter.ImportReport
	ImportError string
}

func (s *Server) adminSubscribers(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.subscribersPage(w, r, v, http.StatusOK, nil, "")
}

func (s *Server) subscribersPage(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, rep *newsletter.ImportReport, importErr string) error {
	q := r.URL.Query()
	sq := newsletter.SubscriberQuery{Text: q.Get("q"), Status: q.Get("status"), Limit: 50}
	if a, err := strconv.ParseInt(q.Get("after"), 10, 64); err == nil {
		sq.After = a
	}
	d := subscribersData{Query: sq, Statuses: []string{newsletter.Pending, newsletter.Confirmed, newsletter.Unsubscribed, newsletter.Bounced},
		Report: rep, ImportError: importErr}
	if sq.Status != "" && !contains(d.Statuses, sq.Status) {
		return core.BadRequest{Msg: "Unknown status."}
	}
	var err error
	if d.Subscribers, err = s.Newsletter.Subscribers(r.Context(), sq); err != nil {
		return err
	}
	if len(d.Subscribers) == sq.Limit {
		next := r.URL.Query()
		next.Set("after", strconv.FormatInt(d.Subscribers[len(d.Subscribers)-1].ID, 10))
		d.More = "/admin/newsletter/subscribers?" + next.Encode()
	}
	return s.adminPage(w, r, v, status, "admin/subscribers", "Subscribers", nil, d)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (s *Server) exportSubscribers(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="subscribers-`+time.Now().Format("2006-01-02")+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	return s.Newsletter.Export(r.Context(), w)
}

// importLimit bounds an uploaded subscriber file.
const importLimit = 32 << 20

func (s *Server) importSubscribers(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, importLimit); err != nil {
		return err
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		return s.subscribersPage(w, r, v, http.StatusUnprocessableEntity, nil, "Choose a CSV file to import.")
	}
	defer file.Close()
	rep, err := s.Newsletter.Import(r.Context(), file, v.Email)
	if err != nil && rep.Added == 0 {
		return s.subscribersPage(w, r, v, http.StatusUnprocessableEntity, nil, err.Error())
	}
	s.Logger.Info("admin: subscribers imported", "by", v.ID, "added", rep.Added, "refused", len(rep.Problems))
	return s.subscribersPage(w, r, v, http.StatusOK, &rep, "")
}

func (s *Server) forgetSubscriber(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	id, err := core.FormFor(w, r)
	if err != nil {
		return err
	}
	if err := s.Newsletter.Forget(r.Context(), id); err != nil {
		return err
	}
	s.Logger.Info("admin: subscriber forgotten", "by", v.ID, "subscriber", id)
	return s.RedirectFlash(w, r, "/admin/newsletter/subscribers", flashSubscriberForgotten)
}

type campaignData struct {
	Campaign  newsletter.Campaign
	New       bool
	Editable  bool
	Articles  []article.Article // to pick from
	Picked    map[int64]bool
	Progress  newsletter.Progress
	Rate      float64 // messages a second so far
	Left      string  // time left, in words
	Failures  []newsletter.Failure
	Audiences []string
	Now       string // for the schedule field
	// Questions asks, for each audience, before it is sent to ("Send to
	// 1,234 readers?"); Confirm is the one asked now, when a send waits
	// for the editor's yes.
	Questions map[string]string
	Confirm   string
}

// readersQuestion is asked before a newsletter goes out to n readers.
func readersQuestion(n int) string {
	if n == 1 {
		return "Send to 1 reader?"
	}
	return "Send to " + core.Thousands(n) + " readers?"
}

// questions fills in the question for each audience.
func (s *Server) questions(ctx context.Context, d *campaignData) error {
	n, err := s.Newsletter.Audiences(ctx)
	if err != nil {
		return err
	}
	d.Questions = map[string]string{}
	for _, a := range d.Audiences {
		d.Questions[a] = readersQuestion(n[a])
	}
	return nil
}

// orderPicked lists the picked articles first, in the newsletter's order,
// then the others as they came.
func orderPicked(arts []article.Article, ids []int64) []article.Article {
	byID := make(map[int64]article.Article, len(arts))
	for _, a := range arts {
		byID[a.ID] = a
	}
	out := make([]article.Article, 0, len(arts))
	picked := map[int64]bool{}
	for _, id := range ids {
		if a, ok := byID[id]; ok && !picked[id] {
			out = append(out, a)
			picked[id] = true
		}
	}
	for _, a := range arts {
		if !picked[a.ID] {
			out = append(out, a)
		}
	}
	return out
}

// moveArticle applies an up or down button ("up:12", "down:12") to the
// picked articles' order and returns the article moved.
func moveArticle(ids []int64, move string) ([]int64, int64) {
	dir, idText, _ := strings.Cut(move, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return ids, 0
	}
	out := append([]int64(nil), ids...)
	for i, a := range out {
		if a != id {
			continue
		}
		switch {
		case dir == "up" && i > 0:
			out[i-1], out[i] = out[i], out[i-1]
		case dir == "down" && i < len(out)-1:
			out[i+1], out[i] = out[i], out[i+1]
		}
		break
	}
	return out, id
}

// recentArticles are the articles a newsletter may list: the latest 40.
func (s *Server) recentArticles(r *http.Request) ([]article.Article, error) {
	p, err := s.Articles.List(r.Context(), article.ListQuery{Limit: 40})
	return p.Articles, err
}

func (s *Server) newCampaign(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	arts, err := s.recentArticles(r)
	if err != nil {
		return err
	}
	d := campaignData{New: true, Editable: true, Articles: arts, Picked: map[int64]bool{}, Audiences: []string{newsletter.All, newsletter.Weekly, newsletter.Daily}}
	d.Campaign.Subject = s.Site(r).Name + " e-Newsletter, " + time.Now().In(s.Location).Format("January 2, 2006")
	d.Campaign.Audience = newsletter.All
	for i, a := range arts { // the week's articles, picked to start with
		if i < 10 && time.Since(a.PublishedAt) < 7*24*time.Hour {
			d.Picked[a.ID] = true
		}
	}
	if err := s.questions(r.Context(), &d); err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/campaign", "New newsletter", nil, d)
}

func (s *Server) adminCampaign(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	id, err := core.PathID(r)
	if err != nil {
		return err
	}
	return s.campaignPage(w, r, v, id, http.StatusOK, nil, false)
}

// campaignPage shows a newsletter: the form while it may change, its
// delivery once it goes out; with confirm, the question asked before
// sending it, and a button that says yes.
func (s *Server) campaignPage(w http.ResponseWriter, r *http.Request, v *core.Viewer, id int64, status int, f *core.Form, confirm bool) error {
	ctx := r.Context()
	c, err := s.Newsletter.Campaign(ctx, id)
	if err != nil {
		return err
	}
	d := campaignData{Campaign: c, Editable: c.Status == newsletter.Draft || c.Status == newsletter.Scheduled, Picked: map[int64]bool{},
		Audiences: []string{newsletter.All, newsletter.Weekly, newsletter.Daily}}
	picked := c.ArticleIDs
	if f != nil && f.Get("subject") != "" { // a refused edit keeps what was picked, in its order
		picked = composeOf(f).ArticleIDs
	}
	for _, a := range picked {
		d.Picked[a] = true
	}
	if d.Editable {
		if d.Articles, err = s.recentArticles(r); err != nil {
			return err
		}
		// The campaign's own articles are listed even when older than the
		// recent ones, so saving it keeps them.
		listed := map[int64]bool{}
		for _, a := range d.Articles {
			listed[a.ID] = true
		}
		for _, id := range c.ArticleIDs {
			if !listed[id] {
				a, err := s.Articles.PublicByID(ctx, id)
				switch {
				case err == nil:
					d.Articles = append(d.Articles, a)
				case !errors.Is(err, apperr.ErrNotFound): // no longer public: left out
					return err
				}
			}
		}
		d.Articles = orderPicked(d.Articles, picked)
		if err := s.questions(ctx, &d); err != nil {
			return err
		}
		if confirm {
			d.Confirm = d.Questions[c.Audience]
		}
	} else {
		if d.Progress, err = s.Newsletter.Progress(ctx, id); err != nil {
			return err
		}
		d.Rate, d.Left = pace(c, d.Progress)
		if d.Failures, err = s.Newsletter.Failures(ctx, id, 200); err != nil {
			return err
		}
	}
	return s.adminPage(w, r, v, status, "admin/campaign", c.Subject, f, d)
}

// pace is a campaign's sending rate so far and the time it needs still.
func pace(c newsletter.Campaign, p newsletter.Progress) (float64, string) {
	if c.StartedAt.IsZero() {
		return 0, ""
	}
	end := time.Now()
	if !c.FinishedAt.IsZero() {
		end = c.FinishedAt
	}
	elapsed := end.Sub(c.StartedAt).Seconds()
	done := p.Sent + p.Failed + p.Bounced + p.Skipped
	if elapsed <= 0 || done == 0 {
		return 0, ""
	}
	rate := float64(done) / elapsed
	if p.Remaining() == 0 {
		return rate, ""
	}
	left := time.Duration(float64(p.Remaining())/rate) * time.Second
	return rate, left.Round(time.Second).String()
}

// campaignProgress is the live bar's feed, polled by the campaign page.
func (s *Server) campaignProgress(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	c, err := core.ByPath(r, s.Newsletter.Campaign)
	if err != nil {
		return err
	}
	p, err := s.Newsletter.Progress(r.Context(), c.ID)
	if err != nil {
		return err
	}
	rate, left := pace(c, p)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(map[string]any{"status": c.Status, "total": p.Total, "sent": p.Sent, "failed": p.Failed,
		"bounced": p.Bounced, "skipped": p.Skipped, "remaining": p.Remaining(), "percent": p.Percent(),
		"rate": fmt.Sprintf("%.0f", rate), "left": left})
}

func (s *Server) campaignPreview(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	c, err := core.ByPath(r, s.Newsletter.Campaign)
	if err != nil {
		return err
	}
	rendered, err := s.Newsletter.Render(r.Context(), c, s.NewsletterSite(r), s.Location)
	if err != nil {
		return err
	}
	// Shown in a sandboxed frame: no scripts, nothing of the admin reachable.
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src * data:; style-src 'unsafe-inline'")
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write([]byte(rendered.Preview()))
	return err
}

// composeOf reads the compose form: the picked articles in the order the
// form lists them, with an up or down button's move applied.
func composeOf(f *core.Form) newsletter.Compose {
	c := newsletter.Compose{Subject: f.Get("subject"), Intro: f.Get("intro"), Audience: f.Get("audience")}
	for _, a := range f.Values["article"] {
		if id, err := strconv.ParseInt(a, 10, 64); err == nil {
			c.ArticleIDs = append(c.ArticleIDs, id)
		}
	}
	if mv := f.Get("move"); mv != "" {
		c.ArticleIDs, _ = moveArticle(c.ArticleIDs, mv)
	}
	return c
}

// createCampaign saves a new newsletter, then does what its button says.
func (s *Server) createCampaign(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	var c newsletter.Campaign
	if refused {
		err = f.Bad
	} else {
		c, err = s.Newsletter.CreateDraft(r.Context(), v.ID, composeOf(f))
	}
	if err != nil {
		if !f.Fail(err) {
			return err
		}
		arts, aerr := s.recentArticles(r)
		if aerr != nil {
			return aerr
		}
		d := campaignData{New: true, Editable: true, Articles: orderPicked(arts, composeOf(f).ArticleIDs), Picked: map[int64]bool{},
			Audiences: []string{newsletter.All, newsletter.Weekly, newsletter.Daily}}
		for _, a := range composeOf(f).ArticleIDs {
			d.Picked[a] = true
		}
		d.Campaign.Subject, d.Campaign.Intro, d.Campaign.Audience = f.Get("subject"), f.Get("intro"), f.Get("audience")
		if err := s.questions(r.Context(), &d); err != nil {
			return err
		}
		return s.adminPage(w, r, v, http.StatusUnprocessableEntity, "admin/campaign", "New newsletter", f, d)
	}
	return s.campaignAct(w, r, v, c.ID, f)
}

// campaignAction saves an edited newsletter (while it may change) and
// does what its button says: save, test, schedule, send or cancel.
func (s *Server) campaignAction(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	id, err := core.PathID(r)
	if err != nil {
		return err
	}
	if refused {
		return s.campaignPage(w, r, v, id, http.StatusUnprocessableEntity, f, false)
	}
	if f.Get("subject") != "" {
		if err := s.Newsletter.UpdateDraft(r.Context(), id, composeOf(f)); err != nil {
			if f.Fail(err) {
				return s.campaignPage(w, r, v, id, http.StatusUnprocessableEntity, f, false)
			}
			if errors.Is(err, newsletter.ErrNotEditable) {
				return core.BadRequest{Msg: err.Error()}
			}
			return err
		}
	}
	return s.campaignAct(w, r, v, id, f)
}

func (s *Server) campaignAct(w http.ResponseWriter, r *http.Request, v *core.Viewer, id int64, f *core.Form) error {
	ctx := r.Context()
	back := "/admin/newsletter/campaigns/" + strconv.FormatInt(id, 10)
	if mv := f.Get("move"); mv != "" { // an up or down button: saved, back at the article moved
		_, moved := moveArticle(nil, mv)
		http.Redirect(w, r, back+"#a-"+strconv.FormatInt(moved, 10), http.StatusSeeOther)
		return nil
	}
	switch f.Get("action") {
	case "", "save":
		return s.RedirectFlash(w, r, back, flashNewsletterDraftSaved)
	case "test":
		c, err := s.Newsletter.Campaign(ctx, id)
		if err != nil {
			return err
		}
		rendered, err := s.Newsletter.Render(ctx, c, s.NewsletterSite(r), s.Location)
		if err != nil {
			return err
		}
		if err := s.Newsletter.SendTest(ctx, rendered, v.Email); err != nil {
			return err
		}
		return s.RedirectFlash(w, r, back, flashNewsletterTestSent)
	case "send", "schedule":
		var at time.Time
		if f.Get("action") == "schedule" {
			t, err := time.ParseInLocation("2006-01-02T15:04", f.Get("at"), s.Location)
			if err != nil || t.Before(time.Now().Add(-time.Minute)) {
				f.Errors["at"] = "choose a date and time to come"
				f.Error = "Please correct the fields marked below."
				return s.campaignPage(w, r, v, id, http.StatusUnprocessableEntity, f, false)
			}
			at = t
		} else if f.Get("confirm") != "yes" {
			// Sending now asks first, naming how many readers it reaches
			// (the page's script asks in a dialog and says yes for it).
			return s.campaignPage(w, r, v, id, http.StatusOK, nil, true)
		}
		start := s.Newsletter.Schedule
		if at.IsZero() { // now: its readers are fixed at once, and the page shows it going out
			start = func(ctx context.Context, id int64, _ time.Time) error { return s.Newsletter.StartNow(ctx, id) }
		}
		if err := start(ctx, id, at); err != nil {
			return core.BadRequest{Msg: err.Error()}
		}
		if s.Sender != nil && at.IsZero() {
			s.Sender.Wake()
		}
		s.Logger.Info("admin: newsletter scheduled", "by", v.ID, "campaign", id, "at", at)
		if at.IsZero() {
			return s.RedirectFlash(w, r, back, flashNewsletterSending)
		}
		return s.RedirectFlash(w, r, back, flashNewsletterScheduled)
	case "cancel":
		if err := s.Newsletter.Cancel(ctx, id); err != nil {
			return core.BadRequest{Msg: err.Error()}
		}
		s.Logger.Info("admin: newsletter cancelled", "by", v.ID, "campaign", id)
		return s.RedirectFlash(w, r, back, flashNewsletterCancelled)
	}
	return core.BadRequest{Msg: "Unknown action."}
}
