package comment

import (
	"context"
	"fmt"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Queue names a moderation list.
type Queue string

const (
	QueuePending  Queue = "pending"
	QueueReported Queue = "reported"
	QueueSpam     Queue = "spam"
	QueueTrash    Queue = "trash"
	QueueAll      Queue = "all"
)

// Queues lists them in the order the screen shows.
var Queues = []Queue{QueuePending, QueueReported, QueueSpam, QueueTrash, QueueAll}

var queueWhere = map[Queue]string{
	QueuePending:  "c.status = 'pending'",
	QueueReported: "c.status = 'visible' AND c.reports > 0",
	QueueSpam:     "c.status = 'spam'",
	QueueTrash:    "c.status = 'trash'",
	QueueAll:      "1 = 1",
}

// Queued is a comment in a moderation list, with its article and the
// reports readers made of it.
type Queued struct {
	Comment
	ArticleHeadline  string
	ArticleSlug      string
	ArticlePublished time.Time
	ReportList       []Report
}

// Report is one reader's report of a comment.
type Report struct {
	Reason   string
	Reporter string
	At       time.Time
}

// Filter narrows a moderation list.
type Filter struct {
	Queue  Queue
	Before int64  // only comments older than this id (0: from the newest)
	Search string // words in the text, the author's name, a guest's e-mail or the article's headline
}

// Find returns the comments of a filtered moderation list, newest first,
// each with its reports.
func (s *Store) Find(ctx context.Context, f Filter, limit int) ([]Queued, error) {
	queue, ok := queueWhere[f.Queue]
	if !ok {
		return nil, apperr.Field("queue", "unknown queue")
	}
	var where db.Where
	where.Add(queue)
	if f.Before > 0 {
		where.Add("c.id < $1", f.Before)
	}
	words := strings.Fields(strings.ToLower(f.Search))
	for _, w := range words[:min(len(words), 8)] {
		where.Add(`(lower(c.body_text) LIKE $1 ESCAPE '\' OR lower(COALESCE(u.display_name, c.guest_name)) LIKE $1 ESCAPE '\'
			OR lower(c.guest_email) LIKE $1 ESCAPE '\' OR lower(a.headline) LIKE $1 ESCAPE '\')`,
			db.Contains(w))
	}
	rows, err := s.db.Query(ctx, `SELECT `+cols+`, a.headline, a.slug, a.published_at
		FROM comments c`+authors+` JOIN articles a ON a.id = c.article_id
		`+where.SQL()+` ORDER BY c.id DESC LIMIT `+fmt.Sprint(min(max(limit, 1), 200)), where.Args()...)
	if err != nil {
		return nil, fmt.Errorf("comment: queue %s: %w", f.Queue, err)
	}
	out, err := db.Collect(rows, func(rows db.Scanner) (Queued, error) {
		var c Queued
		var pub *time.Time
		if err := scan(rows, &c.Comment, &c.ArticleHeadline, &c.ArticleSlug, &pub); err != nil {
			return c, err
		}
		if pub != nil {
			c.ArticlePublished = *pub
		}
		return c, nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	return out, s.attachReports(ctx, out)
}

// attachReports reads the reports of the listed comments in one query.
func (s *Store) attachReports(ctx context.Context, list []Queued) error {
	at := map[int64]int{}
	var ids []string
	for i, c := range list {
		if c.Reports > 0 {
			at[c.ID] = i
			ids = append(ids, fmt.Sprint(c.ID))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	// The ids are numbers from the database, written into the text.
	rows, err := s.db.Query(ctx, `SELECT r.comment_id, r.reason, u.display_name, r.created_at
		FROM comment_reports r JOIN users u ON u.id = r.user_id
		WHERE r.comment_id IN (`+strings.Join(ids, ",")+`) ORDER BY r.created_at`)
	if err != nil {
		return fmt.Errorf("comment: reports: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var r Report
		if err := rows.Scan(&id, &r.Reason, &r.Reporter, &r.At); err != nil {
			return err
		}
		list[at[id]].ReportList = append(list[at[id]].ReportList, r)
	}
	return rows.Err()
}

// Counts returns how many comments wait in each queue.
func (s *Store) Counts(ctx context.Context) (map[Queue]int, error) {
	out := map[Queue]int{}
	for _, q := range []Queue{QueuePending, QueueReported, QueueSpam} {
		var n int
		if err := s.db.QueryRow(ctx, `SELECT count(*) FROM comments c WHERE `+queueWhere[q]).Scan(&n); err != nil {
			return nil, err
		}
		out[q] = n
	}
	return out, nil
}

// Action is a moderator's decision.
type Action string

const (
	ActApprove Action = "approve" // show it (from any queue); clears reports
	ActHold    Action = "hold"    // back to pending
	ActSpam    Action = "spam"
	ActTrash   Action = "trash"
	ActRestore Action = "restore" // out of trash or spam, shown again
)

var actionStatus = map[Action]Status{ActApprove: StatusVisible, ActHold: StatusPending, ActSpam: StatusSpam,
	ActTrash: StatusTrash, ActRestore: StatusVisible}

// StatusOf is the status an action leaves a comment in.
func StatusOf(a Action) Status { return actionStatus[a] }

// Moderate applies an action to comments, records it in each one's history
// and keeps the articles' comment counts right. A held reply shown for the
// first time tells its parent's author, as it would have when posted.
func (s *Store) Moderate(ctx context.Context, ids []int64, act Action, actorID int64, note string, site Site) error {
	to, ok := actionStatus[act]
	if !ok {
		return apperr.Field("action", "unknown action")
	}
	now := s.now()
	if verdicts[act] != "" {
		defer s.forgetTotals() // the filter learns; after the commit
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		for _, id := range ids {
			c, err := s.getTx(ctx, tx, id)
			if err != nil {
				return apperr.ErrNotFound
			}
			if err := recount(ctx, tx, c, to); err != nil {
				return err
			}
			if err := setStatus(ctx, tx, c, act, to); err != nil {
				return err
			}
			if err := event(ctx, tx, id, actorID, string(act), note, now); err != nil {
				return err
			}
			if to == StatusVisible && !c.Deleted() && c.ParentID > 0 {
				if err := s.notifyOnce(ctx, tx, site, c); err != nil {
					return err
				}
			}
			if err := learnVerdict(ctx, tx, id, act); err != nil {
				return err
			}
		}
		return nil
	})
}

// recount keeps the article's stored counts right as c moves to status to.
func recount(ctx context.Context, tx *db.Tx, c Comment, to Status) error {
	if c.Depth == 0 {
		// Top-level comments are threads whether deleted or not.
		if d := b2i(to == StatusVisible) - b2i(c.Status == StatusVisible); d != 0 {
			if _, err := tx.Exec(ctx, `UPDATE articles SET comment_threads = comment_threads + $2 WHERE id = $1`, c.ArticleID, d); err != nil {
				return err
			}
		}
	}
	counted := c.Status == StatusVisible && !c.Deleted()
	willCount := to == StatusVisible && !c.Deleted()
	if delta := b2i(willCount) - b2i(counted); delta != 0 {
		if _, err := tx.Exec(ctx, `UPDATE articles SET comment_count = comment_count + $2 WHERE id = $1`, c.ArticleID, delta); err != nil {
			return err
		}
	}
	return nil
}

// setStatus moves c to status to; approving or restoring it answers its
// reports, which are then forgotten.
func setStatus(ctx context.Context, tx *db.Tx, c Comment, act Action, to Status) error {
	cleared := act == ActApprove || act == ActRestore
	reports := c.Reports
	if cleared {
		reports = 0
	}
	if _, err := tx.Exec(ctx, `UPDATE comments SET status = $2, reports = $3 WHERE id = $1`, c.ID, string(to), reports); err != nil {
		return err
	}
	if cleared {
		if _, err := tx.Exec(ctx, `DELETE FROM comment_reports WHERE comment_id = $1`, c.ID); err != nil {
			return err
		}
	}
	return nil
}

// verdicts are what the spam filter learns from a moderator's action.
var verdicts = map[Action]string{ActSpam: "spam", ActApprove: "ham", ActRestore: "ham"}

// learnVerdict teaches the spam filter the comment's text as spam or ham,
// if the action says which.
func learnVerdict(ctx context.Context, tx *db.Tx, id int64, act Action) error {
	label := verdicts[act]
	if label == "" {
		return nil
	}
	var text, prev string
	if err := tx.QueryRow(ctx, `SELECT body_text, spam_label FROM comments WHERE id = $1`, id).Scan(&text, &prev); err != nil {
		return err
	}
	return learn(ctx, tx, id, text, prev, label)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// EditByModerator changes a comment's text as a moderator, with a note.
func (s *Store) EditByModerator(ctx context.Context, id, actorID int64, body string) error {
	md, html, text, _, err := render(body)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE comments SET body_md = $2, body_html = $3, body_text = $4, edited_at = $5, body_hash = $6
			WHERE id = $1 AND deleted_at IS NULL`,
			id, md, html, text, now, bodyHash(md))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.ErrNotFound
		}
		return event(ctx, tx, id, actorID, "edited by moderator", "", now)
	})
}

// Report records a reader's flag with a reason; after ReportsToHold
// reports the comment waits for a moderator.
func (s *Store) Report(ctx context.Context, id, userID int64, reason string, rules Rules) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return apperr.Field("reason", "say in a few words what is wrong with the comment")
	}
	now := s.now()
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.getTx(ctx, tx, id)
		if err != nil || c.Status != StatusVisible || c.Deleted() {
			return apperr.ErrNotFound
		}
		if c.Author.ID == userID {
			return apperr.Field("reason", "you cannot report your own comment; delete or edit it instead")
		}
		res, err := tx.Exec(ctx, `INSERT INTO comment_reports (comment_id, user_id, reason, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, id, userID, reason, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // one report per person
		}
		reports := c.Reports + 1
		if _, err := tx.Exec(ctx, `UPDATE comments SET reports = $2 WHERE id = $1`, id, reports); err != nil {
			return err
		}
		if err := event(ctx, tx, id, userID, "reported", reason, now); err != nil {
			return err
		}
		if rules.ReportsToHold > 0 && reports >= rules.ReportsToHold {
			if _, err := tx.Exec(ctx, `UPDATE comments SET status = 'pending' WHERE id = $1`, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE articles SET comment_count = comment_count - 1, comment_threads = comment_threads - $2 WHERE id = $1`,
				c.ArticleID, b2i(c.Depth == 0)); err != nil {
				return err
			}
			return event(ctx, tx, id, 0, "hold", fmt.Sprintf("held after %d reports", reports), now)
		}
		return nil
	})
}

// Event is one line of a comment's history.
type Event struct {
	Actor     string // "" for the system
	Action    string
	Note      string
	CreatedAt time.Time
}

// History returns what happened to a comment, oldest first.
func (s *Store) History(ctx context.Context, id int64) ([]Event, error) {
	rows, err := s.db.Query(ctx, `SELECT COALESCE(u.display_name, ''), e.action, e.note, e.created_at
		FROM comment_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.comment_id = $1 ORDER BY e.id`, id)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, func(sc db.Scanner) (Event, error) {
		var e Event
		err := sc.Scan(&e.Actor, &e.Action, &e.Note, &e.CreatedAt)
		return e, err
	})
}

// Ban stops a person commenting until the given time (zero lifts it).
func (s *Store) Ban(ctx context.Context, userID, actorID int64, until time.Time) error {
	var u any
	if !until.IsZero() {
		u = until
	}
	_, err := s.db.Exec(ctx, `UPDATE users SET banned_until = $2 WHERE id = $1`, userID, u)
	return err
}

// PerDay counts the comments shown in each of n days from start.
func (s *Store) PerDay(ctx context.Context, start time.Time, n int) ([]int, error) {
	return s.db.CountBuckets(ctx, `FROM comments WHERE status = 'visible' AND deleted_at IS NULL`, "created_at", db.Edges(start, 1, n))
}
