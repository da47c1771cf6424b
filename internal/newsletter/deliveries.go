package newsletter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/mail"
)

// The queue of deliveries, one row per recipient of a campaign: how a
// campaign starts, and how senders claim, settle and give back its rows.

// Delivery statuses.
const (
	dQueued  = "queued"
	dSending = "sending"
	dSent    = "sent"
	dFailed  = "failed"
	dBounced = "bounced"
	dSkipped = "skipped"
)

const (
	claimBatch   = 200
	defaultLease = 30 * time.Second
	maxAttempts  = 6
)

// startDue moves scheduled campaigns whose time has come to sending, with a
// delivery row for each recipient; one node wins each.
func (st *Store) startDue(ctx context.Context) error {
	rows, err := st.db.Query(ctx, `SELECT id FROM campaigns WHERE status = 'scheduled' AND scheduled_at <= $1 ORDER BY scheduled_at LIMIT 10`, st.now())
	if err != nil {
		return err
	}
	ids, err := db.Collect(rows, scanID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := st.start(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// StartNow starts a draft or scheduled campaign at once: its recipients
// are fixed, and senders may take it.
func (st *Store) StartNow(ctx context.Context, id int64) error {
	if err := st.Schedule(ctx, id, time.Time{}); err != nil {
		return err
	}
	return st.start(ctx, id)
}

func (st *Store) start(ctx context.Context, id int64) error {
	now := st.now()
	return st.db.Tx(ctx, func(tx *db.Tx) error {
		var audience string
		err := tx.QueryRow(ctx, `UPDATE campaigns SET status = 'sending', started_at = $2 WHERE id = $1 AND status = 'scheduled' RETURNING audience`, id, now).Scan(&audience)
		if err != nil {
			if errors.Is(db.MapError(tx.Engine(), err), apperr.ErrNotFound) {
				return nil // another node started it
			}
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO deliveries (campaign_id, subscriber_id, status, next_at)
			SELECT $1, id, 'queued', $2 FROM subscribers WHERE status = 'confirmed' AND ($3 = 'all' OR frequency = $3)
			ON CONFLICT DO NOTHING`, id, now, audience)
		return err
	})
}

func (st *Store) sendingIDs(ctx context.Context) ([]int64, error) {
	rows, err := st.db.Query(ctx, `SELECT id FROM campaigns WHERE status = 'sending' ORDER BY started_at`)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, scanID)
}

// job is one message to send.
type job struct {
	sub    int64
	email  string
	secret string
	claim  string
	again  bool // it was in flight before: the server may have it already
}

// claimSQL takes a batch of due deliveries for one sender. On PostgreSQL
// rows another node holds are skipped, not waited for.
var claimSQL = map[db.Engine]string{
	db.SQLite: `UPDATE deliveries SET status = 'sending', claim = $2, lease_until = $3, attempts = attempts + 1
		WHERE campaign_id = $1 AND subscriber_id IN (SELECT subscriber_id FROM deliveries
			WHERE campaign_id = $1 AND ((status = 'queued' AND next_at <= $4) OR (status = 'sending' AND lease_until < $4))
			ORDER BY subscriber_id LIMIT ` + strconv.Itoa(claimBatch) + `)`,
	db.Postgres: `UPDATE deliveries SET status = 'sending', claim = $2, lease_until = $3, attempts = attempts + 1
		WHERE campaign_id = $1 AND subscriber_id IN (SELECT subscriber_id FROM deliveries
			WHERE campaign_id = $1 AND ((status = 'queued' AND next_at <= $4) OR (status = 'sending' AND lease_until < $4))
			ORDER BY subscriber_id LIMIT ` + strconv.Itoa(claimBatch) + ` FOR UPDATE SKIP LOCKED)`,
}

// claimed is a claimed delivery as read back, with its subscriber's status
// now.
type claimed struct {
	job
	status string
}

// claim takes a batch; subscribers who left the list are settled as skipped.
func (st *Store) claim(ctx context.Context, campaign int64, lease time.Duration) ([]job, error) {
	b := make([]byte, 12)
	rand.Read(b)
	token := hex.EncodeToString(b)
	now := st.now()
	res, err := st.db.Exec(ctx, claimSQL[st.db.Engine], campaign, token, now.Add(lease), now)
	if err != nil {
		return nil, fmt.Errorf("newsletter: claim: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	rows, err := st.db.Query(ctx, `SELECT d.subscriber_id, COALESCE(s.email, ''), COALESCE(s.token, ''), COALESCE(s.status, ''), d.sent_at IS NOT NULL
		FROM deliveries d LEFT JOIN subscribers s ON s.id = d.subscriber_id
		WHERE d.campaign_id = $1 AND d.status = 'sending' AND d.claim = $2 ORDER BY d.subscriber_id`, campaign, token)
	if err != nil {
		return nil, err
	}
	batch, err := db.Collect(rows, func(sc db.Scanner) (claimed, error) {
		c := claimed{job: job{claim: token}}
		return c, sc.Scan(&c.sub, &c.email, &c.secret, &c.status, &c.again)
	})
	if err != nil {
		return nil, err
	}
	var out []job
	for _, c := range batch {
		if c.status == Confirmed {
			out = append(out, c.job)
			continue
		}
		if err := st.settle(ctx, campaign, c.job, dSkipped, "left the list"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// release returns a claim's unsent deliveries to the queue.
func (st *Store) release(ctx context.Context, campaign int64, claim string) error {
	_, err := st.db.Exec(ctx, `UPDATE deliveries SET status = 'queued', lease_until = NULL WHERE campaign_id = $1 AND claim = $2 AND status = 'sending'`, campaign, claim)
	return err
}

// settle records how one delivery ended (or that it waits for another try).
func (st *Store) settle(ctx context.Context, campaign int64, j job, status, why string) error {
	_, err := st.db.Exec(ctx, `UPDATE deliveries SET status = $4, error = $5, lease_until = NULL
		WHERE campaign_id = $1 AND subscriber_id = $2 AND claim = $3`, campaign, j.sub, j.claim, status, why)
	return err
}

// retry puts a delivery back in the queue after a temporary failure, or
// gives up after maxAttempts.
func (st *Store) retry(ctx context.Context, campaign int64, j job, why string) error {
	var attempts int
	if err := st.db.QueryRow(ctx, `SELECT attempts FROM deliveries WHERE campaign_id = $1 AND subscriber_id = $2`, campaign, j.sub).Scan(&attempts); err != nil {
		return err
	}
	if attempts >= maxAttempts {
		return st.settle(ctx, campaign, j, dFailed, why)
	}
	_, err := st.db.Exec(ctx, `UPDATE deliveries SET status = 'queued', next_at = $4, error = $5, lease_until = NULL
		WHERE campaign_id = $1 AND subscriber_id = $2 AND claim = $3`, campaign, j.sub, j.claim, st.now().Add(mail.Backoff(attempts)), why)
	return err
}

// refusedInFlight puts an in-flight delivery back in the queue when the
// server refused it for now or never had its final ".": not delivered, so
// no longer in flight.
func (st *Store) refusedInFlight(ctx context.Context, campaign int64, j job, why string) error {
	if _, err := st.db.Exec(ctx, `UPDATE deliveries SET sent_at = NULL WHERE campaign_id = $1 AND subscriber_id = $2 AND claim = $3 AND status = 'sending'`,
		campaign, j.sub, j.claim); err != nil {
		return err
	}
	return st.retry(ctx, campaign, j, why)
}

// bounce settles a delivery the server refused for good and takes the
// address off the list.
func (st *Store) bounce(ctx context.Context, campaign int64, j job, why string) error {
	if err := st.settle(ctx, campaign, j, dBounced, why); err != nil {
		return err
	}
	return st.setStatus(ctx, j.sub, Bounced, why)
}

// markSentSQL records one delivery sent if its claim still holds (no other
// sender took it over, the campaign was not cancelled).
const markSentSQL = `UPDATE deliveries SET status = 'sent', sent_at = $4, lease_until = NULL
	WHERE campaign_id = $1 AND subscriber_id = $2 AND claim = $3 AND status = 'sending'`

// markInFlightSQL records that a delivery's message is in flight: the
// server has all of it but its final ".", which comes next. The row stays
// 'sending' with sent_at set, so a sender that takes it over after a crash
// knows the server may have it, and sends it again under the same
// Message-ID. Its lease starts again ($5), so a sender slow to reach it in
// its batch still has the time to hear the server's answer and mark it
// sent before another may take it over.
const markInFlightSQL = `UPDATE deliveries SET sent_at = $4, lease_until = $5
	WHERE campaign_id = $1 AND subscriber_id = $2 AND claim = $3 AND status = 'sending'`

// markSent runs markSentSQL for j in tx and reports whether the claim held.
func markSent(ctx context.Context, tx *db.Tx, campaign int64, j job, now time.Time) (bool, error) {
	return mark(ctx, tx, markSentSQL, campaign, j.sub, j.claim, now)
}

// markInFlight runs markInFlightSQL for j in tx, leased until until, and
// reports whether the claim held.
func markInFlight(ctx context.Context, tx *db.Tx, campaign int64, j job, now, until time.Time) (bool, error) {
	return mark(ctx, tx, markInFlightSQL, campaign, j.sub, j.claim, now, until)
}

func mark(ctx context.Context, tx *db.Tx, query string, args ...any) (bool, error) {
	res, err := tx.Exec(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// finish marks a campaign sent once nothing of it is left to send.
func (st *Store) finish(ctx context.Context, campaign int64) (bool, error) {
	res, err := st.db.Exec(ctx, `UPDATE campaigns SET status = 'sent', finished_at = $2 WHERE id = $1 AND status = 'sending'
		AND NOT EXISTS (SELECT 1 FROM deliveries WHERE campaign_id = $1 AND status IN ('queued', 'sending'))`, campaign, st.now())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
