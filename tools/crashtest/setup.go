package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"byline/internal/article"
	"byline/internal/db"
	"byline/internal/demo"
	"byline/internal/mail"
	"byline/internal/newsletter"
	"byline/internal/site"
)

// The demo's readers (README) and its admin, who edits.
var (
	readerEmails = []string{"jordan.pike@example.com", "dale.whitcomb@example.com", "nadia.forsythe@example.com",
		"owen.castellano@example.com", "beatriz.lindqvist@example.com"}
	editorEmail = "helen.marsh@motorledger.example"
)

const password = "motorledger-demo"

// fixtures is what the load writes about: the demo's ids.
type fixtures struct {
	readers  []int64       // user ids, in readerEmails' order
	articles []int64       // published, open for comments
	counted  map[int64]int // their comment counters before the load
	comments []demoComment
	make_    int64
	model    int64
	year     int
	campaign int64
}

type demoComment struct{ id, author, article int64 }

// prepare loads the demo site into the fresh database, lifts the
// per-person comment limit, adds n confirmed subscribers and starts a
// newsletter to them, which the server sends once it runs.
func prepare(ctx context.Context, dsn string, n, rate int) (fixtures, error) {
	var fx fixtures
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return fx, err
	}
	defer d.Close()
	if _, err := d.Migrate(ctx); err != nil {
		return fx, err
	}
	if err := demo.Load(ctx, d, time.UTC, nil); err != nil {
		return fx, err
	}
	st, err := site.NewStore(d).Load(ctx, demo.Settings)
	if err != nil {
		return fx, err
	}
	st.PerMinute, st.CloseAfterDays, st.HoldFirst, st.HoldAll, st.HoldWords, st.BlockWords = 0, 0, 0, false, "", ""
	st.Digests, st.NewsletterRate, st.NewsletterConc = false, rate, 4
	if err := site.NewStore(d).Save(ctx, st); err != nil {
		return fx, err
	}
	for _, e := range readerEmails {
		var id int64
		if err := d.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, e).Scan(&id); err != nil {
			return fx, fmt.Errorf("demo reader %s: %w", e, err)
		}
		fx.readers = append(fx.readers, id)
	}
	rows, err := d.Query(ctx, `SELECT id FROM articles WHERE status = 'published' AND NOT comments_closed ORDER BY published_at DESC LIMIT 4`)
	if err != nil {
		return fx, err
	}
	if fx.articles, err = db.Collect(rows, func(sc db.Scanner) (int64, error) {
		var id int64
		return id, sc.Scan(&id)
	}); err != nil {
		return fx, err
	}
	if len(fx.articles) == 0 {
		return fx, errors.New("the demo has no article open for comments")
	}
	if fx.counted, err = commentCounters(ctx, d, fx.articles); err != nil {
		return fx, err
	}
	rows, err = d.Query(ctx, `SELECT c.id, c.author_id, c.article_id FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE c.status = 'visible' AND c.deleted_at IS NULL AND a.status = 'published' AND NOT a.comments_closed ORDER BY c.id LIMIT 2000`)
	if err != nil {
		return fx, err
	}
	if fx.comments, err = db.Collect(rows, func(sc db.Scanner) (demoComment, error) {
		var c demoComment
		return c, sc.Scan(&c.id, &c.author, &c.article)
	}); err != nil {
		return fx, err
	}
	if len(fx.comments) == 0 {
		return fx, errors.New("the demo has no comment to reply to")
	}
	if err := d.QueryRow(ctx, `SELECT id, make_id, year_to FROM models ORDER BY id LIMIT 1`).Scan(&fx.model, &fx.make_, &fx.year); err != nil {
		return fx, fmt.Errorf("a model to ask a quote for: %w", err)
	}

	var csv bytes.Buffer
	csv.WriteString("email,consent,frequency\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&csv, "nl%05d@list.crash.example,yes,weekly\n", i)
	}
	store := newsletter.NewStore(d, mail.NewOutbox(d, "crash.example"), article.NewStore(d))
	if _, err := store.Import(ctx, &csv, "crashtest"); err != nil {
		return fx, err
	}
	c, err := store.CreateDraft(ctx, 0, newsletter.Compose{Subject: "Crash test digest", Intro: "This week at the magazine.", ArticleIDs: fx.articles})
	if err != nil {
		return fx, err
	}
	if err := store.StartNow(ctx, c.ID); err != nil {
		return fx, err
	}
	fx.campaign = c.ID
	return fx, nil
}

// settle waits until the campaign is sent and the outbox has nothing
// left to send, or until the time is up.
func settle(ctx context.Context, dsn string, campaign int64, limit time.Duration) error {
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	deadline := time.Now().Add(limit)
	var status string
	var left, pending int
	for time.Now().Before(deadline) {
		if err := d.QueryRow(ctx, `SELECT status FROM campaigns WHERE id = $1`, campaign).Scan(&status); err != nil {
			return err
		}
		if err := d.QueryRow(ctx, `SELECT count(*) FROM deliveries WHERE campaign_id = $1 AND status IN ('queued', 'sending')`, campaign).Scan(&left); err != nil {
			return err
		}
		if err := d.QueryRow(ctx, `SELECT count(*) FROM mail_outbox WHERE status = 'pending'`).Scan(&pending); err != nil {
			return err
		}
		if status == "sent" && left == 0 && pending == 0 {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return fmt.Errorf("not settled after %s: campaign %s, %d deliveries left, %d mails pending in the outbox", limit, status, left, pending)
}

// commentCounters are the articles' stored comment counts.
func commentCounters(ctx context.Context, d *db.DB, articles []int64) (map[int64]int, error) {
	out := map[int64]int{}
	for _, id := range articles {
		var n int
		if err := d.QueryRow(ctx, `SELECT comment_count FROM articles WHERE id = $1`, id).Scan(&n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, nil
}
