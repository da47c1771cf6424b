package article

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"byline/internal/db"
)

// Views counts readings of article pages per article per day, without
// cookies, scripts or anything about the reader: a number per page per
// day. Counts are kept in memory and written every few seconds, so a
// page view costs no database write.
type Views struct {
	db  *db.DB
	loc *time.Location
	mu  sync.Mutex
	n   map[viewKey]int64
	// today is the day counted now, between dayStarts and dayEnds: a reading
	// costs no formatting of the date.
	today              string
	dayStarts, dayEnds time.Time
}

type viewKey struct {
	article int64
	day     string
}

// NewViews counts in d; days are the site's (loc).
func NewViews(d *db.DB, loc *time.Location) *Views {
	if loc == nil {
		loc = time.UTC
	}
	return &Views{db: d, loc: loc, n: map[viewKey]int64{}}
}

// bots are user agents that are not readers.
var bots = regexp.MustCompile(`(?i)bot|crawl|spider|slurp|fetch|preview|curl|wget|python|java/|go-http-client|headless|monitor|scan|feed|http_request|libwww|okhttp|axios`)

// IsBot reports whether a user agent is a program rather than a reader.
// Answers are remembered: readers' browsers send a few agents many times,
// and the expression costs microseconds on each.
func IsBot(userAgent string) bool {
	if userAgent == "" {
		return true
	}
	if is, ok := botMemo.m.Load(userAgent); ok {
		return is.(bool) // read without a lock: every page view asks
	}
	is := bots.MatchString(userAgent)
	if botMemo.n.Add(1) > maxBotMemo {
		botMemo.m.Clear() // start over rather than track use
		botMemo.n.Store(1)
	}
	botMemo.m.Store(userAgent, is)
	return is
}

const maxBotMemo = 4096

var botMemo struct {
	m sync.Map // user agent -> bool
	n atomic.Int64
}

// Count records one reading of an article now.
func (v *Views) Count(articleID int64, now time.Time) {
	if v == nil || articleID <= 0 {
		return
	}
	v.mu.Lock()
	if now.Before(v.dayStarts) || !now.Before(v.dayEnds) {
		t := now.In(v.loc)
		v.today = t.Format("2006-01-02")
		v.dayStarts = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, v.loc)
		v.dayEnds = v.dayStarts.AddDate(0, 0, 1)
	}
	v.n[viewKey{articleID, v.today}]++
	v.mu.Unlock()
}

// Flush writes the counts kept since the last flush.
func (v *Views) Flush(ctx context.Context) error {
	v.mu.Lock()
	pending := v.n
	v.n = map[viewKey]int64{}
	v.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	err := v.db.Tx(ctx, func(tx *db.Tx) error {
		for k, n := range pending {
			if _, err := tx.Exec(ctx, `INSERT INTO article_views (article_id, day, views) VALUES ($1, $2, $3)
				ON CONFLICT (article_id, day) DO UPDATE SET views = article_views.views + excluded.views`, k.article, k.day, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil { // keep them for the next try
		v.mu.Lock()
		for k, n := range pending {
			v.n[k] += n
		}
		v.mu.Unlock()
		return fmt.Errorf("article: views: %w", err)
	}
	return nil
}

// Read is an article and its readings over a period.
type Read struct {
	Article
	Views int64
}

// MostRead lists the most read articles over the days since from.
func (s *Store) MostRead(ctx context.Context, from time.Time, loc *time.Location, limit int) ([]Read, error) {
	rows, err := s.db.Query(ctx, `SELECT `+summaryCols+`, v.total FROM (SELECT article_id, sum(views) AS total FROM article_views WHERE day >= $1 GROUP BY article_id) v
		JOIN articles a ON a.id = v.article_id JOIN users u ON u.id = a.author_id
		WHERE `+visibleAt(2)+` AND a.trashed_at IS NULL
		ORDER BY v.total DESC, a.id DESC LIMIT `+fmt.Sprint(max(1, min(limit, 50))), from.In(loc).Format("2006-01-02"), s.now())
	if err != nil {
		return nil, fmt.Errorf("article: most read: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Read, error) {
		var r Read
		err := scanSummary(sc, &r.Article, &r.Views)
		return r, err
	})
}

// PublishedPerWeek counts articles published in each of the weeks (Monday
// to Sunday, the site's time) starting at start.
func (s *Store) PublishedPerWeek(ctx context.Context, start time.Time, weeks int) ([]int, error) {
	return s.db.CountBuckets(ctx, `FROM articles WHERE status = 'published' AND trashed_at IS NULL`, "published_at", db.Edges(start, 7, weeks))
}
