package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Status of a message in the outbox.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// maxAttempts is how often a temporary failure is retried before the
// message is marked failed.
const maxAttempts = 12

// Stored is a message in the outbox.
type Stored struct {
	ID        int64
	MessageID string
	Message
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	CreatedAt     time.Time
	SentAt        time.Time
}

// Outbox is the durable queue of outgoing mail.
type Outbox struct {
	db     *db.DB
	now    func() time.Time
	wake   chan struct{}
	domain func(ctx context.Context) string
}

// NewOutbox returns the outbox in d. Message-IDs end in @domain.
func NewOutbox(d *db.DB, domain string) *Outbox {
	o := &Outbox{db: d, now: time.Now, wake: make(chan struct{}, 1)}
	return o.WithDomain(func(context.Context) string { return domain })
}

// WithDomain makes Message-IDs end in what domain says when a message is
// queued (the host of the site's address, which an admin may change), and
// returns o.
func (o *Outbox) WithDomain(domain func(ctx context.Context) string) *Outbox {
	o.domain = func(ctx context.Context) string {
		if d := domain(ctx); d != "" {
			return d
		}
		return FallbackHost
	}
	return o
}

// Enqueue stores m to be sent, inside q's transaction when q is a Tx, so
// the mail exists exactly when the change that caused it does.
func (o *Outbox) Enqueue(ctx context.Context, q db.Querier, m Message) error {
	_, err := o.EnqueueID(ctx, q, m)
	return err
}

// Queue stores m to be sent, on its own (not part of another change).
func (o *Outbox) Queue(ctx context.Context, m Message) error { return o.Enqueue(ctx, o.db, m) }

// EnqueueID is Enqueue, returning the message's Message-ID, by which its
// delivery can be followed.
func (o *Outbox) EnqueueID(ctx context.Context, q db.Querier, m Message) (string, error) {
	if strings.TrimSpace(m.To) == "" || m.Subject == "" || m.Text == "" {
		return "", errors.New("mail: a message needs a recipient, a subject and a text part")
	}
	headers, err := json.Marshal(m.Headers)
	if err != nil {
		return "", err
	}
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	attachments, err := json.Marshal(m.Attachments)
	if err != nil {
		return "", err
	}
	b := make([]byte, 12)
	rand.Read(b)
	id := hex.EncodeToString(b) + "@" + o.domain(ctx) // go-mail adds the angle brackets
	now := o.now()
	if _, err := q.Exec(ctx, `INSERT INTO mail_outbox (message_id, to_addr, subject, text_body, html_body, headers, attachments, status, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8)`, id, m.To, m.Subject, m.Text, m.HTML, string(headers), string(attachments), now); err != nil {
		return "", fmt.Errorf("mail: enqueue to %s: %w", m.To, err)
	}
	o.Wake()
	return id, nil
}

// SetClock makes the outbox read the time from now (tests).
func (o *Outbox) SetClock(now func() time.Time) { o.now = now }

// Wake tells the worker to look for new mail now rather than at its next poll.
func (o *Outbox) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

const storedCols = `id, message_id, to_addr, subject, text_body, html_body, headers, attachments, status, attempts, next_attempt_at, last_error, created_at, sent_at`

func scanStored(sc db.Scanner) (Stored, error) {
	var s Stored
	var headers, attachments string
	var sent *time.Time
	if err := sc.Scan(&s.ID, &s.MessageID, &s.To, &s.Subject, &s.Text, &s.HTML, &headers, &attachments, &s.Status, &s.Attempts,
		&s.NextAttemptAt, &s.LastError, &s.CreatedAt, &sent); err != nil {
		return s, err
	}
	if sent != nil {
		s.SentAt = *sent
	}
	if err := json.Unmarshal([]byte(headers), &s.Headers); err != nil {
		return s, fmt.Errorf("mail %d: headers: %w", s.ID, err)
	}
	if err := json.Unmarshal([]byte(attachments), &s.Attachments); err != nil {
		return s, fmt.Errorf("mail %d: attachments: %w", s.ID, err)
	}
	return s, nil
}

// List returns messages newest first, older than before (0: from the newest).
func (o *Outbox) List(ctx context.Context, before int64, limit int) ([]Stored, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := `SELECT ` + storedCols + ` FROM mail_outbox`
	args := []any{}
	if before > 0 {
		q += ` WHERE id < $1`
		args = append(args, before)
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit)
	rows, err := o.db.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("mail: list: %w", err)
	}
	out, err := db.Collect(rows, scanStored)
	if err != nil {
		return nil, fmt.Errorf("mail: list: %w", err)
	}
	return out, nil
}

// Get returns one message.
func (o *Outbox) Get(ctx context.Context, id int64) (Stored, error) {
	s, err := scanStored(o.db.QueryRow(ctx, `SELECT `+storedCols+` FROM mail_outbox WHERE id = $1`, id))
	if err != nil {
		return s, fmt.Errorf("mail: message %d: %w", id, db.MapError(o.db.Engine, err))
	}
	return s, nil
}

// Counts returns how many messages are in each status.
func (o *Outbox) Counts(ctx context.Context) (map[string]int, error) {
	return o.db.CountBy(ctx, `SELECT status, count(*) FROM mail_outbox GROUP BY status`)
}

// claimSQL takes one due message and leases it, so that no other worker
// (on this node or another) sends it meanwhile. PostgreSQL skips rows
// another node has locked; SQLite has a single writer, so the plain
// subquery is already exclusive.
var claimSQL = map[db.Engine]string{
	db.SQLite: `UPDATE mail_outbox SET lease_until = $2, attempts = attempts + 1
		WHERE id = (SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= $1
			AND (lease_until IS NULL OR lease_until < $1) ORDER BY next_attempt_at, id LIMIT 1)
		RETURNING ` + storedCols,
	db.Postgres: `UPDATE mail_outbox SET lease_until = $2, attempts = attempts + 1
		WHERE id = (SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= $1
			AND (lease_until IS NULL OR lease_until < $1) ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING ` + storedCols,
}

// leaseTime bounds how long one send may hold a message before another
// worker may take it (a crashed node's lease simply runs out).
const leaseTime = 2 * time.Minute

func (o *Outbox) claim(ctx context.Context) (Stored, bool, error) {
	now := o.now()
	var s Stored
	var found bool
	err := o.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		s, err = scanStored(tx.QueryRow(ctx, claimSQL[o.db.Engine], now, now.Add(leaseTime)))
		if errors.Is(db.MapError(o.db.Engine, err), apperr.ErrNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	return s, found, err
}

func (o *Outbox) finish(ctx context.Context, s Stored, sendErr error) error {
	now := o.now()
	var err error
	switch {
	case sendErr == nil:
		_, err = o.db.Exec(ctx, `UPDATE mail_outbox SET status = 'sent', sent_at = $2, lease_until = NULL, last_error = '' WHERE id = $1`, s.ID, now)
	case errors.Is(sendErr, ErrPermanent) || s.Attempts >= maxAttempts:
		_, err = o.db.Exec(ctx, `UPDATE mail_outbox SET status = 'failed', lease_until = NULL, last_error = $2 WHERE id = $1`, s.ID, errText(sendErr))
	default:
		_, err = o.db.Exec(ctx, `UPDATE mail_outbox SET next_attempt_at = $2, lease_until = NULL, last_error = $3 WHERE id = $1`,
			s.ID, now.Add(Backoff(s.Attempts)), errText(sendErr))
	}
	return err
}

// Backoff is the wait before retry n+1: 30 s, doubling, at most 6 hours.
func Backoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

func errText(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}

// Retry puts a failed message back in the queue.
func (o *Outbox) Retry(ctx context.Context, id int64) error {
	_, err := o.db.Exec(ctx, `UPDATE mail_outbox SET status = 'pending', next_attempt_at = $2, attempts = 0 WHERE id = $1 AND status = 'failed'`, id, o.now())
	o.Wake()
	return err
}

// SenderFunc returns the sender to use now and its from address, or ok
// false when no mail server is configured (mail then waits in the outbox).
type SenderFunc func(ctx context.Context) (s Sender, from string, ok bool)

// Run delivers due mail until ctx ends: it polls every interval, and at once
// when Enqueue wakes it.
func (o *Outbox) Run(ctx context.Context, sender SenderFunc, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		o.drain(ctx, sender, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-o.wake:
		}
	}
}

// drain sends every due message; it stops early when no server is set.
// DrainOnce delivers what is due now and returns (the worker's one pass;
// tests and commands). A nil log discards.
func (o *Outbox) DrainOnce(ctx context.Context, sender SenderFunc, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	o.drain(ctx, sender, log)
}

func (o *Outbox) drain(ctx context.Context, sender SenderFunc, log *slog.Logger) {
	for ctx.Err() == nil {
		s, from, ok := sender(ctx)
		if !ok {
			return
		}
		m, found, err := o.claim(ctx)
		if err != nil {
			log.Error("mail: claim", "err", err)
			return
		}
		if !found {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		sendErr := s.Send(sctx, from, m.Message, m.MessageID)
		cancel()
		if sendErr != nil {
			log.Warn("mail: delivery failed", "id", m.ID, "to", m.To, "attempt", m.Attempts, "err", sendErr)
		} else {
			log.Info("mail: sent", "id", m.ID, "to", m.To, "subject", m.Subject)
		}
		if err := o.finish(context.WithoutCancel(ctx), m, sendErr); err != nil {
			log.Error("mail: record delivery", "id", m.ID, "err", err)
			return
		}
	}
}
