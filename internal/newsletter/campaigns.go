package newsletter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/article"
	"byline/internal/db"
)

// Campaign statuses.
const (
	Draft     = "draft"
	Scheduled = "scheduled"
	Sending   = "sending"
	Sent      = "sent"
	Cancelled = "cancelled"
	Skipped   = "skipped" // an automatic digest with nothing new to send
)

// Campaign kinds and audiences.
const (
	KindDigest = "digest" // built on a schedule
	KindManual = "manual" // composed by an editor
	All        = "all"
)

// Campaign is one newsletter, sent once to its audience.
type Campaign struct {
	ID          int64
	Kind        string
	Audience    string // all, daily or weekly subscribers
	Period      string // an automatic digest's day or week, e.g. 2026-11-21 or 2026-W47
	Subject     string
	Intro       string
	Status      string
	ScheduledAt time.Time
	StartedAt   time.Time
	FinishedAt  time.Time
	CreatedBy   int64
	CreatedAt   time.Time
	ArticleIDs  []int64
}

// Articles is what digests need of the article store.
type Articles interface {
	List(ctx context.Context, q article.ListQuery) (article.Page, error)
	PublicByID(ctx context.Context, id int64) (article.Article, error)
}

const campCols = `id, kind, audience, COALESCE(period, ''), subject, intro, status, scheduled_at, started_at, finished_at, COALESCE(created_by, 0), created_at`

func scanCampaign(sc db.Scanner) (Campaign, error) {
	var c Campaign
	var sched, started, finished *time.Time
	err := sc.Scan(&c.ID, &c.Kind, &c.Audience, &c.Period, &c.Subject, &c.Intro, &c.Status, &sched, &started, &finished, &c.CreatedBy, &c.CreatedAt)
	for _, f := range []struct {
		src *time.Time
		dst *time.Time
	}{{sched, &c.ScheduledAt}, {started, &c.StartedAt}, {finished, &c.FinishedAt}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return c, err
}

func scanID(sc db.Scanner) (int64, error) {
	var id int64
	return id, sc.Scan(&id)
}

// Compose is what an editor writes: a subject, an intro, the articles.
type Compose struct {
	Subject    string
	Intro      string
	Audience   string
	ArticleIDs []int64
}

func (c Compose) validate() (Compose, error) {
	v := apperr.NewInvalid()
	c.Subject = strings.Join(strings.Fields(c.Subject), " ")
	c.Intro = strings.TrimSpace(c.Intro)
	if c.Subject == "" || utf8.RuneCountInString(c.Subject) > 150 {
		v.Add("subject", "the subject must be 1 to 150 characters")
	}
	if utf8.RuneCountInString(c.Intro) > 5000 {
		v.Add("intro", "the introduction can be at most 5,000 characters")
	}
	if c.Audience == "" {
		c.Audience = All
	}
	if c.Audience != All && c.Audience != Daily && c.Audience != Weekly {
		v.Add("audience", "choose everyone, daily or weekly readers")
	}
	if len(c.ArticleIDs) == 0 && c.Intro == "" {
		v.Add("articles", "pick at least one article, or write an introduction")
	}
	if len(c.ArticleIDs) > 50 {
		v.Add("articles", "a newsletter can list at most 50 articles")
	}
	return c, v.Err()
}

// CreateDraft stores a composed newsletter as a draft.
func (s *Store) CreateDraft(ctx context.Context, by int64, in Compose) (Campaign, error) {
	in, err := in.validate()
	if err != nil {
		return Campaign{}, err
	}
	var id int64
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO campaigns (kind, audience, subject, intro, status, created_by, created_at)
			VALUES ('manual', $1, $2, $3, 'draft', $4, $5) RETURNING id`, in.Audience, in.Subject, in.Intro, nullID(by), s.now()).Scan(&id); err != nil {
			return err
		}
		return setArticles(ctx, tx, id, in.ArticleIDs)
	})
	if err != nil {
		return Campaign{}, fmt.Errorf("newsletter: create: %w", err)
	}
	return s.Campaign(ctx, id)
}

// UpdateDraft changes a draft (or a scheduled campaign not yet started).
func (s *Store) UpdateDraft(ctx context.Context, id int64, in Compose) error {
	in, err := in.validate()
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE campaigns SET subject = $2, intro = $3, audience = $4 WHERE id = $1 AND status IN ('draft', 'scheduled')`,
			id, in.Subject, in.Intro, in.Audience)
		if err := affected(res, err); err != nil {
			return ErrNotEditable
		}
		return setArticles(ctx, tx, id, in.ArticleIDs)
	})
}

// ErrNotEditable is a change to a campaign that has started.
var ErrNotEditable = errors.New("this newsletter has already been sent or is being sent")

func setArticles(ctx context.Context, tx *db.Tx, id int64, ids []int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM campaign_articles WHERE campaign_id = $1`, id); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for i, a := range ids {
		if seen[a] {
			continue
		}
		seen[a] = true
		if _, err := tx.Exec(ctx, `INSERT INTO campaign_articles (campaign_id, article_id, position) VALUES ($1, $2, $3)`, id, a, i); err != nil {
			return err
		}
	}
	return nil
}

// Schedule sets a draft to go out at a time (now or later); Unschedule
// takes it back to draft.
func (s *Store) Schedule(ctx context.Context, id int64, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	res, err := s.db.Exec(ctx, `UPDATE campaigns SET status = 'scheduled', scheduled_at = $2 WHERE id = $1 AND status IN ('draft', 'scheduled')`, id, at)
	if affected(res, err) != nil {
		return ErrNotEditable
	}
	return nil
}

// Cancel stops a campaign: a draft or scheduled one never goes out; one
// being sent stops where it is (what was sent stays sent).
func (s *Store) Cancel(ctx context.Context, id int64) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE campaigns SET status = 'cancelled', finished_at = $2 WHERE id = $1 AND status IN ('draft', 'scheduled', 'sending')`, id, s.now())
		if affected(res, err) != nil {
			return ErrNotEditable
		}
		// Claimed ones too: their mark then fails, and they are dropped
		// before their final ".".
		_, err = tx.Exec(ctx, `UPDATE deliveries SET status = 'skipped', error = 'cancelled' WHERE campaign_id = $1 AND status IN ('queued', 'sending')`, id)
		return err
	})
}

// Campaign returns one campaign with its articles.
func (s *Store) Campaign(ctx context.Context, id int64) (Campaign, error) {
	c, err := scanCampaign(s.db.QueryRow(ctx, `SELECT `+campCols+` FROM campaigns WHERE id = $1`, id))
	if err != nil {
		return Campaign{}, db.MapError(s.db.Engine, err)
	}
	rows, err := s.db.Query(ctx, `SELECT article_id FROM campaign_articles WHERE campaign_id = $1 ORDER BY position`, id)
	if err != nil {
		return Campaign{}, err
	}
	if c.ArticleIDs, err = db.Collect(rows, scanID); err != nil {
		return Campaign{}, err
	}
	return c, nil
}

// Campaigns lists campaigns, newest first, skipping automatic digests that
// had nothing to send.
func (s *Store) Campaigns(ctx context.Context, limit int) ([]Campaign, error) {
	rows, err := s.db.Query(ctx, `SELECT `+campCols+` FROM campaigns WHERE status <> 'skipped' ORDER BY created_at DESC, id DESC LIMIT `+fmt.Sprint(max(1, min(limit, 500))))
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, scanCampaign)
}

// Schedule of automatic digests, in the site's time zone.
type DigestSchedule struct {
	Enabled bool
	Hour    int          // the hour of day digests go out, 0-23
	Weekday time.Weekday // the weekly digest's day
}

// Next is when the schedule next makes a digest for audience (Daily or
// Weekly) after now, in loc: the next day at the hour, or for the weekly
// one the next of its weekdays at the hour. Zero when digests are off.
func (d DigestSchedule) Next(now time.Time, loc *time.Location, audience string) time.Time {
	if !d.Enabled {
		return time.Time{}
	}
	now = now.In(loc)
	for i := 0; i <= 7; i++ {
		at := time.Date(now.Year(), now.Month(), now.Day()+i, d.Hour, 0, 0, 0, loc)
		if !at.After(now) || (audience == Weekly && at.Weekday() != d.Weekday) {
			continue
		}
		return at
	}
	return time.Time{} // not reached: a week holds every weekday
}

// period names the day or week a digest covers at t (local time).
func period(audience string, t time.Time) string {
	if audience == Daily {
		return t.Format("2006-01-02")
	}
	y, w := t.ISOWeek()
	return fmt.Sprintf("%04d-W%02d", y, w)
}

// DueDigests creates the automatic digests whose time has come: daily
// ones every day at the hour, weekly ones on the day at the hour. Each
// lists the articles published since the previous digest of its kind
// (at most a period back); a period with nothing new is recorded as
// skipped. Each period's digest is created once, whichever node gets there
// first. It returns the digests created to be sent.
func (s *Store) DueDigests(ctx context.Context, sched DigestSchedule, loc *time.Location, siteName string) ([]int64, error) {
	if !sched.Enabled {
		return nil, nil
	}
	now := s.now().In(loc)
	var out []int64
	for _, aud := range []string{Daily, Weekly} {
		at := time.Date(now.Year(), now.Month(), now.Day(), sched.Hour, 0, 0, 0, loc)
		if now.Before(at) || (aud == Weekly && now.Weekday() != sched.Weekday) {
			continue
		}
		id, err := s.makeDigest(ctx, aud, at, now, siteName)
		if err != nil {
			return out, err
		}
		if id != 0 {
			out = append(out, id)
		}
	}
	return out, nil
}

// makeDigest creates aud's digest for the period of now, due at at,
// unless it exists. It returns the new digest if it has anything to send,
// else 0.
func (s *Store) makeDigest(ctx context.Context, aud string, at, now time.Time, siteName string) (int64, error) {
	per := period(aud, now)
	var exists int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM campaigns WHERE kind = 'digest' AND audience = $1 AND period = $2`, aud, per).Scan(&exists); err != nil {
		return 0, err
	}
	if exists > 0 {
		return 0, nil
	}
	ids, err := s.digestArticles(ctx, aud, at)
	if err != nil {
		return 0, err
	}
	subject := fmt.Sprintf("%s: your %s digest, %s", siteName, aud, now.Format("January 2, 2006"))
	status := Scheduled
	if len(ids) == 0 {
		status = Skipped
	}
	id, err := s.createDigest(ctx, aud, per, subject, status, ids)
	if err != nil {
		return 0, fmt.Errorf("newsletter: %s digest: %w", aud, err)
	}
	if status != Scheduled {
		return 0, nil
	}
	return id, nil
}

// digestArticles are the articles published since aud's previous digest
// (at most a period before at), oldest first, as they appeared.
func (s *Store) digestArticles(ctx context.Context, aud string, at time.Time) ([]int64, error) {
	span := 24 * time.Hour
	if aud == Weekly {
		span = 7 * 24 * time.Hour
	}
	since := at.Add(-span)
	// (The column, not max() of it: SQLite hands an aggregate back as text.)
	var last time.Time
	err := s.db.QueryRow(ctx, `SELECT scheduled_at FROM campaigns WHERE kind = 'digest' AND audience = $1 AND status <> 'cancelled' AND scheduled_at IS NOT NULL
		ORDER BY scheduled_at DESC LIMIT 1`, aud).Scan(&last)
	switch {
	case err == nil && last.After(since):
		since = last
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	page, err := s.arts.List(ctx, article.ListQuery{From: since, To: s.now(), Limit: 50})
	if err != nil {
		return nil, err
	}
	var ids []int64
	for i := len(page.Articles) - 1; i >= 0; i-- {
		ids = append(ids, page.Articles[i].ID)
	}
	return ids, nil
}

// createDigest stores a digest; each audience's period gets one, whichever
// node gets there first (0 when another node made it).
func (s *Store) createDigest(ctx context.Context, aud, per, subject, status string, ids []int64) (int64, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO campaigns (kind, audience, period, subject, status, scheduled_at, created_at)
			VALUES ('digest', $1, $2, $3, $4, $5, $5) ON CONFLICT (kind, audience, period) DO NOTHING RETURNING id`,
			aud, per, subject, status, s.now()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // another node made it
		}
		if err != nil {
			return err
		}
		return setArticles(ctx, tx, id, ids)
	})
	return id, err
}

// Progress is where a campaign's sending stands.
type Progress struct {
	Total, Queued, Sending, Sent, Failed, Bounced, Skipped int
}

// Remaining is what is still to be sent.
func (p Progress) Remaining() int { return p.Queued + p.Sending }

// Done is what is settled.
func (p Progress) Done() int { return p.Total - p.Remaining() }

// Percent is the share settled, 0-100.
func (p Progress) Percent() int {
	if p.Total == 0 {
		return 100
	}
	return p.Done() * 100 / p.Total
}

// Progress counts a campaign's deliveries by status.
func (s *Store) Progress(ctx context.Context, id int64) (Progress, error) {
	n, err := s.db.CountBy(ctx, `SELECT status, count(*) FROM deliveries WHERE campaign_id = $1 GROUP BY status`, id)
	if err != nil {
		return Progress{}, err
	}
	p := Progress{Queued: n[dQueued], Sending: n[dSending], Sent: n[dSent], Failed: n[dFailed], Bounced: n[dBounced], Skipped: n[dSkipped]}
	p.Total = p.Queued + p.Sending + p.Sent + p.Failed + p.Bounced + p.Skipped
	return p, nil
}

// Failure is one recipient a campaign could not reach.
type Failure struct {
	Email  string
	Status string
	Error  string
}

// Failures lists a campaign's failed and bounced deliveries.
func (s *Store) Failures(ctx context.Context, id int64, limit int) ([]Failure, error) {
	rows, err := s.db.Query(ctx, `SELECT COALESCE(s.email, '(forgotten)'), d.status, d.error FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
		WHERE d.campaign_id = $1 AND d.status IN ('failed', 'bounced') ORDER BY d.subscriber_id LIMIT `+fmt.Sprint(max(1, min(limit, 1000))), id)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, func(sc db.Scanner) (Failure, error) {
		var f Failure
		return f, sc.Scan(&f.Email, &f.Status, &f.Error)
	})
}

// RecordPast records a draft as sent at a time in the past to its
// audience as it is now (as a digest of its period if digest is set),
// without sending anything: for history brought over from another
// newsletter tool, and the demo site.
func (s *Store) RecordPast(ctx context.Context, id int64, at time.Time, digest bool) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		kind, per := KindManual, any(nil)
		var audience string
		if err := tx.QueryRow(ctx, `SELECT audience FROM campaigns WHERE id = $1`, id).Scan(&audience); err != nil {
			return err
		}
		if digest && audience != All {
			kind, per = KindDigest, period(audience, at)
		}
		err := tx.QueryRow(ctx, `UPDATE campaigns SET status = 'sent', kind = $4, period = $5, scheduled_at = $2, started_at = $2, finished_at = $3, created_at = $2
			WHERE id = $1 AND status = 'draft' RETURNING audience`, id, at, at.Add(90*time.Second), kind, per).Scan(&audience)
		if err != nil {
			return ErrNotEditable
		}
		_, err = tx.Exec(ctx, `INSERT INTO deliveries (campaign_id, subscriber_id, status, attempts, next_at, sent_at)
			SELECT $1, id, 'sent', 1, $2, $2 FROM subscribers WHERE status = 'confirmed' AND ($3 = 'all' OR frequency = $3)`, id, at, audience)
		return err
	})
}
