package admin

import (
	"context"
	"net/http"
	"time"

	"byline/internal/article"
	"byline/internal/backup"
	"byline/internal/comment"
	"byline/internal/leads"
	"byline/internal/newsletter"
	"byline/internal/site"
	"byline/internal/web/core"
)

type adminHomeData struct {
	Tiles      []dashTile // what needs attention, each a page the viewer may open
	Newsletter *newsletterTile
	Charts     []chart
	MostRead   []article.Read
	Backups    *backupTile
}

// backupTile is the scheduled backups: the plan, the latest runs, and a
// failure that must not go unseen.
type backupTile struct {
	On         bool
	Dir        string
	Hour, Keep int
	Next       time.Time
	Runs       []backup.Run
	Failed     *backup.Run // the latest run, when it failed or was cut off
	Now        time.Time
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

// adminHome is the dashboard: what needs attention, the figures people
// compare over time as charts, and the most read articles of the week.
// A tile shows only when its page would open for the viewer (the route's
// own guard decides), and its figure is counted by the domain package
// that owns it, for what that page lists.
func (s *Server) adminHome(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	ctx := r.Context()
	st := s.Site(r)
	var d adminHomeData
	var err error
	if d.Tiles, err = s.dashTiles(ctx, v, st); err != nil {
		return err
	}
	if s.MayOpen(v, "/admin/newsletter") {
		if d.Newsletter, err = s.nextNewsletter(ctx, st); err != nil {
			return err
		}
	}
	if d.Charts, d.MostRead, err = s.dashCharts(ctx, v, d.Newsletter != nil); err != nil {
		return err
	}
	if s.MayOpen(v, "/admin/settings") {
		if d.Backups, err = s.backupTile(ctx, st); err != nil {
			return err
		}
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/home", "Dashboard", nil, d)
}

// dashTiles counts what needs attention, on the pages v may open.
func (s *Server) dashTiles(ctx context.Context, v *core.Viewer, st site.Settings) ([]dashTile, error) {
	var tiles []dashTile
	tile := func(title, href, unit string, count func() (int, error)) error {
		if !s.MayOpen(v, href) {
			return nil
		}
		n, err := count()
		if err != nil {
			return err
		}
		tiles = append(tiles, dashTile{Title: title, Href: href, Count: n, Unit: unit})
		return nil
	}
	var author int64
	unit := "articles"
	if !seesAllArticles(v) {
		author, unit = v.ID, "of your articles"
	}
	mailUnit := "failed"
	if !st.SMTP.Configured() {
		mailUnit = "no mail server is set: mail waits"
	}
	for _, t := range []struct {
		title, href, unit string
		count             func() (int, error)
	}{
		{"Awaiting review", "/admin/articles?status=pending", unit, func() (int, error) {
			c, err := s.Articles.StatusCounts(ctx, author)
			return c[string(article.StatusPending)], err
		}},
		{"Awaiting moderation", "/admin/comments", "comments", func() (int, error) {
			q, err := s.Comments.Counts(ctx)
			return q[comment.QueuePending], err
		}},
		{"Quote requests not placed", "/admin/leads?status=unrouted", "no dealer covers them", func() (int, error) {
			c, err := s.Leads.StatusCounts(ctx)
			return c[leads.Unrouted], err
		}},
		{"Mail not delivered", "/admin/mail", mailUnit, func() (int, error) {
			c, err := s.Outbox.Counts(ctx)
			return c["failed"], err
		}},
	} {
		if err := tile(t.title, t.href, t.unit, t.count); err != nil {
			return nil, err
		}
	}
	return tiles, nil
}

// nextNewsletter is what goes out next: a scheduled campaign, and when the
// digests' schedule makes the next ones.
func (s *Server) nextNewsletter(ctx context.Context, st site.Settings) (*newsletterTile, error) {
	nt := &newsletterTile{Href: "/admin/newsletter", Digests: st.Digests}
	c, ok, err := s.Newsletter.NextScheduled(ctx)
	if err != nil {
		return nil, err
	}
	if ok {
		nt.Next = &c
	}
	sched := newsletter.DigestSchedule{Enabled: st.Digests, Hour: st.DigestHour, Weekday: time.Weekday(st.DigestWeekday)}
	now := time.Now()
	nt.NextDaily, nt.NextWeekly = sched.Next(now, s.Location, newsletter.Daily), sched.Next(now, s.Location, newsletter.Weekly)
	return nt, nil
}

// Chart spans: weeks end with this one (starting on Monday), days with today.
const (
	chartWeeks = 12
	chartDays  = 30
)

// dashCharts draws the figures people compare over time, and reads the
// week's most read articles.
func (s *Server) dashCharts(ctx context.Context, v *core.Viewer, subscribers bool) ([]chart, []article.Read, error) {
	now := time.Now().In(s.Location)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, s.Location)
	monday := today
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, -1)
	}
	weekStart := monday.AddDate(0, 0, -7*(chartWeeks-1))
	dayStart := today.AddDate(0, 0, -(chartDays - 1))
	weekLabels, dayLabels := labels(weekStart, 7, chartWeeks), labels(dayStart, 1, chartDays)

	var charts []chart
	per, err := s.Articles.PublishedPerWeek(ctx, weekStart, chartWeeks)
	if err != nil {
		return nil, nil, err
	}
	charts = append(charts, chart{Title: "Articles published per week", Unit: "articles", Labels: weekLabels, Series: []chartSeries{{Name: "Articles", Values: per}}})
	mostRead, err := s.Articles.MostRead(ctx, today.AddDate(0, 0, -6), s.Location, 10)
	if err != nil {
		return nil, nil, err
	}
	perDay, err := s.Comments.PerDay(ctx, dayStart, chartDays)
	if err != nil {
		return nil, nil, err
	}
	charts = append(charts, chart{Title: "Comments per day", Unit: "comments", Period: "Day", Labels: dayLabels, Series: []chartSeries{{Name: "Comments", Values: perDay}}})
	if subscribers {
		subs, err := s.Newsletter.ConfirmedOverTime(ctx, weekStart, chartWeeks)
		if err != nil {
			return nil, nil, err
		}
		charts = append(charts, chart{Title: "Newsletter subscribers over time", Unit: "confirmed subscribers", Labels: weekLabels, Series: []chartSeries{{Name: "Confirmed", Values: subs}}})
	}
	if s.MayOpen(v, "/admin/leads") {
		wk, err := s.Leads.PerMakePerWeek(ctx, chartWeeks)
		if err != nil {
			return nil, nil, err
		}
		charts = append(charts, leadsChart(wk, chartWeeks, s.Location))
	}
	return charts, mostRead, nil
}

// labels names n periods of step days from start ("Jan 2").
func labels(start time.Time, step, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = start.AddDate(0, 0, step*i).Format("Jan 2")
	}
	return out
}

func (s *Server) backupTile(ctx context.Context, st site.Settings) (*backupTile, error) {
	runs, err := backup.Recent(ctx, s.DB, 7)
	if err != nil {
		return nil, err
	}
	now := time.Now().In(s.Location)
	t := &backupTile{On: st.Backups, Dir: st.BackupFolder(s.BackupDefault), Hour: st.BackupHour, Keep: st.BackupKeep, Runs: runs, Now: now}
	today := now.Format("2006-01-02")
	if len(runs) > 0 && (runs[0].Status == "failed" || runs[0].Interrupted(now)) {
		t.Failed = &runs[0]
	}
	// The next scheduled one: today at the hour, unless today's is done
	// (or running); later today if today's is due and not yet made.
	doneToday := false
	for _, r := range runs {
		if r.Kind == "scheduled" {
			doneToday = r.Day == today && r.Status != "failed"
			break
		}
	}
	t.Next = time.Date(now.Year(), now.Month(), now.Day(), t.Hour, 0, 0, 0, s.Location)
	switch {
	case doneToday:
		t.Next = t.Next.AddDate(0, 0, 1)
	case t.Next.Before(now):
		t.Next = now.Add(time.Minute).Truncate(time.Minute) // due: within the minute
	}
	return t, nil
}
