// Package newsletter is the site's e-newsletter: double opt-in
// subscribers, digests built from the articles published since the last
// one (on a schedule or composed by hand), and a sender that delivers each
// campaign to each subscriber exactly once, across crashes and nodes.
package newsletter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/mail"
	"byline/internal/token"
)

// Subscriber statuses.
const (
	Pending      = "pending"
	Confirmed    = "confirmed"
	Unsubscribed = "unsubscribed"
	Bounced      = "bounced"
)

// Frequencies a subscriber may choose.
const (
	Daily  = "daily"
	Weekly = "weekly"
)

// confirmTTL is how long a confirmation link works; a sign-up never
// confirmed is forgotten after pendingTTL.
const (
	confirmTTL = 72 * time.Hour
	pendingTTL = 7 * 24 * time.Hour
)

// resendAfter is how long a pending sign-up waits before signing up again
// mails another confirmation link: a form sent twice, or by a bot, does
// not fill a stranger's inbox.
const resendAfter = time.Hour

// Subscriber is one address on the list.
type Subscriber struct {
	ID             int64
	Email          string
	UserID         int64
	Status         string
	Frequency      string
	Token          string // the secret in preference and unsubscribe links
	Source         string // form, account, import, demo
	Consent        string // how consent was given, in words
	CreatedAt      time.Time
	ConfirmedAt    time.Time
	UnsubscribedAt time.Time
	LastError      string
}

// Mailer stores mail in the outbox, inside the caller's transaction.
type Mailer interface {
	Enqueue(ctx context.Context, q db.Querier, m mail.Message) error
}

// Store keeps the list, the campaigns and their deliveries.
type Store struct {
	db     *db.DB
	now    func() time.Time
	mailer Mailer
	arts   Articles

	// OnUnsubscribe, when set, hears of every address that leaves the list,
	// so senders on every node skip it at once, also mid-campaign.
	OnUnsubscribe func(subscriberID int64)
}

// NewStore returns a Store on d; mailer sends confirmation and test mails,
// arts supplies digests' articles.
func NewStore(d *db.DB, mailer Mailer, arts Articles) *Store {
	return &Store{db: d, now: time.Now, mailer: mailer, arts: arts}
}

// Site is what mails and links need to know of the site.
type Site struct {
	Name    string
	BaseURL string // absolute, no trailing slash
}

const subCols = `id, email, COALESCE(user_id, 0), status, frequency, token, source, consent, created_at, confirmed_at, unsubscribed_at, last_error`

func scanSub(sc db.Scanner) (Subscriber, error) {
	var s Subscriber
	var confirmed, unsub *time.Time
	err := sc.Scan(&s.ID, &s.Email, &s.UserID, &s.Status, &s.Frequency, &s.Token, &s.Source, &s.Consent, &s.CreatedAt, &confirmed, &unsub, &s.LastError)
	if confirmed != nil {
		s.ConfirmedAt = *confirmed
	}
	if unsub != nil {
		s.UnsubscribedAt = *unsub
	}
	return s, err
}

// SignUp is a request to join the list.
type SignUp struct {
	Email     string
	Frequency string // default weekly
	UserID    int64  // a signed-in reader
	Verified  bool   // the address is the reader's verified one: no confirmation needed
	Source    string
	Consent   string // e.g. "sign-up form on /2012/04/05/..., from 203.0.113.9"
}

// Subscribe adds an address, or takes it back on the list. An address
// that must be confirmed gets a single-use link by mail and receives
// nothing else before it is used. Signing up an address already on the
// list is not an error and adds nothing: it reports the subscriber as is
// (and mails a fresh link if it was still pending, unless its last link
// went out less than an hour ago and still works). An address on the list
// at once (a reader's verified one) is mailed a welcome.
func (s *Store) Subscribe(ctx context.Context, site Site, in SignUp) (Subscriber, error) {
	email, ok := mail.CleanAddress(in.Email)
	if !ok {
		return Subscriber{}, apperr.Field("email", mail.AddressProblem(email))
	}
	if in.Frequency == "" {
		in.Frequency = Weekly
	}
	if in.Frequency != Daily && in.Frequency != Weekly {
		return Subscriber{}, apperr.Field("frequency", "choose daily or weekly")
	}
	if in.Source == "" {
		in.Source = "form"
	}
	var out Subscriber
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		cur, err := scanSub(tx.QueryRow(ctx, `SELECT `+subCols+` FROM subscribers WHERE email = $1`, email))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			secret, _ := token.New()
			err = tx.QueryRow(ctx, `INSERT INTO subscribers (email, user_id, status, frequency, token, source, consent, created_at)
				VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7) RETURNING id`,
				email, nullID(in.UserID), in.Frequency, secret, in.Source, in.Consent, now).Scan(&cur.ID)
			if err != nil {
				return err
			}
			cur = Subscriber{ID: cur.ID, Email: email, UserID: in.UserID, Status: Pending, Frequency: in.Frequency, Token: secret, Source: in.Source, Consent: in.Consent, CreatedAt: now}
		case err != nil:
			return err
		case cur.Status == Confirmed:
			out = cur
			return nil
		case cur.Status == Pending && !in.Verified:
			var expires *time.Time
			if err := tx.QueryRow(ctx, `SELECT confirm_expires_at FROM subscribers WHERE id = $1`, cur.ID).Scan(&expires); err != nil {
				return err
			}
			if expires != nil && now.Before(*expires) && now.Before(expires.Add(-confirmTTL+resendAfter)) {
				// The link mailed a moment ago still works: the answer is
				// the same, but no second mail.
				if _, err := tx.Exec(ctx, `UPDATE subscribers SET frequency = $2 WHERE id = $1`, cur.ID, in.Frequency); err != nil {
					return err
				}
				cur.Frequency = in.Frequency
				out = cur
				return nil
			}
			fallthrough
		default: // pending, unsubscribed or bounced: asking again starts over
			if _, err := tx.Exec(ctx, `UPDATE subscribers SET status = 'pending', frequency = $2, consent = $3, source = $4, created_at = $5,
				unsubscribed_at = NULL, bounced_at = NULL, last_error = '' WHERE id = $1`, cur.ID, in.Frequency, in.Consent, in.Source, now); err != nil {
				return err
			}
			cur.Status, cur.Frequency, cur.Consent, cur.Source = Pending, in.Frequency, in.Consent, in.Source
		}
		if in.Verified {
			if _, err := tx.Exec(ctx, `UPDATE subscribers SET status = 'confirmed', confirmed_at = $2, confirm_hash = NULL, user_id = $3 WHERE id = $1`,
				cur.ID, now, nullID(in.UserID)); err != nil {
				return err
			}
			cur.Status, cur.ConfirmedAt = Confirmed, now
			out = cur
			return s.mailer.Enqueue(ctx, tx, welcomeMail(site, cur))
		}
		secret, hash := token.New()
		if _, err := tx.Exec(ctx, `UPDATE subscribers SET confirm_hash = $2, confirm_expires_at = $3 WHERE id = $1`, cur.ID, hash, now.Add(confirmTTL)); err != nil {
			return err
		}
		out = cur
		return s.mailer.Enqueue(ctx, tx, confirmMail(site, email, secret))
	})
	if err != nil {
		if _, ok := apperr.AsInvalid(err); ok {
			return Subscriber{}, err
		}
		return Subscriber{}, fmt.Errorf("newsletter: subscribe: %w", err)
	}
	return out, nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// ErrBadLink is a confirmation link that is unknown, used or expired.
var ErrBadLink = errors.New("this confirmation link is invalid, has expired, or was already used")

// ErrAlreadyConfirmed is a confirmation link used before, whose
// subscription is confirmed: Confirm returns the subscriber with it.
var ErrAlreadyConfirmed = errors.New("this subscription is already confirmed")

// Confirm spends a confirmation link: the address is on the list from now,
// and is mailed a welcome with its preferences link. The used link's hash
// is kept with the subscriber (never matched as pending again), so a
// second click is told the subscription is confirmed rather than that the
// link is bad.
func (s *Store) Confirm(ctx context.Context, site Site, secret string) (Subscriber, error) {
	now := s.now()
	var sub Subscriber
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		sub, err = scanSub(tx.QueryRow(ctx, `UPDATE subscribers SET status = 'confirmed', confirmed_at = $2, confirm_expires_at = NULL
			WHERE confirm_hash = $1 AND status = 'pending' AND confirm_expires_at > $2 RETURNING `+subCols, token.Hash(secret), now))
		if err != nil {
			return err
		}
		return s.mailer.Enqueue(ctx, tx, welcomeMail(site, sub))
	})
	if errors.Is(err, sql.ErrNoRows) {
		if sub, ok, err := s.ConfirmedBy(ctx, secret); err != nil {
			return Subscriber{}, err
		} else if ok {
			return sub, ErrAlreadyConfirmed
		}
		return Subscriber{}, ErrBadLink
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("newsletter: confirm: %w", err)
	}
	return sub, nil
}

// ConfirmedBy finds the confirmed subscriber whose subscription a used
// confirmation link confirmed.
func (s *Store) ConfirmedBy(ctx context.Context, secret string) (Subscriber, bool, error) {
	if secret == "" {
		return Subscriber{}, false, nil
	}
	sub, err := s.one(ctx, `confirm_hash = $1 AND status = 'confirmed'`, token.Hash(secret))
	if errors.Is(err, apperr.ErrNotFound) {
		return Subscriber{}, false, nil
	}
	return sub, err == nil, err
}

// ByID returns a subscriber.
func (s *Store) ByID(ctx context.Context, id int64) (Subscriber, error) {
	return s.one(ctx, `id = $1`, id)
}

// ByToken returns the subscriber a preference or unsubscribe link names.
func (s *Store) ByToken(ctx context.Context, secret string) (Subscriber, error) {
	if secret == "" {
		return Subscriber{}, apperr.ErrNotFound
	}
	return s.one(ctx, `token = $1`, secret)
}

// ByEmail returns the subscriber with an address.
func (s *Store) ByEmail(ctx context.Context, email string) (Subscriber, error) {
	email, _ = mail.CleanAddress(email)
	return s.one(ctx, `email = $1`, email)
}

func (s *Store) one(ctx context.Context, where string, arg any) (Subscriber, error) {
	sub, err := scanSub(s.db.QueryRow(ctx, `SELECT `+subCols+` FROM subscribers WHERE `+where, arg))
	if err != nil {
		return Subscriber{}, db.MapError(s.db.Engine, err)
	}
	return sub, nil
}

// SetFrequency changes how often a subscriber hears from the site.
func (s *Store) SetFrequency(ctx context.Context, secret, frequency string) error {
	if frequency != Daily && frequency != Weekly {
		return apperr.Field("frequency", "choose daily or weekly")
	}
	res, err := s.db.Exec(ctx, `UPDATE subscribers SET frequency = $2 WHERE token = $1`, secret, frequency)
	return affected(res, err)
}

// Unsubscribe takes the address a link names off the list, at once: a
// campaign being sent skips it from this moment.
func (s *Store) Unsubscribe(ctx context.Context, secret string) (Subscriber, error) {
	sub, err := s.ByToken(ctx, secret)
	if err != nil {
		return Subscriber{}, err
	}
	if sub.Status == Unsubscribed {
		return sub, nil
	}
	if err := s.setStatus(ctx, sub.ID, Unsubscribed, ""); err != nil {
		return Subscriber{}, err
	}
	sub.Status = Unsubscribed
	return sub, nil
}

// setStatus moves a subscriber off the list (unsubscribed or bounced) and
// tells the senders.
func (s *Store) setStatus(ctx context.Context, id int64, status, why string) error {
	col := "unsubscribed_at"
	if status == Bounced {
		col = "bounced_at"
	}
	if _, err := s.db.Exec(ctx, `UPDATE subscribers SET status = $2, `+col+` = $3, last_error = $4 WHERE id = $1`, id, status, s.now(), why); err != nil {
		return fmt.Errorf("newsletter: %s: %w", status, err)
	}
	if s.OnUnsubscribe != nil {
		s.OnUnsubscribe(id)
	}
	return nil
}

// Forget removes a subscriber and every trace of what was sent to them.
func (s *Store) Forget(ctx context.Context, id int64) error {
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM deliveries WHERE subscriber_id = $1`, id); err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM subscribers WHERE id = $1`, id)
		return affected(res, err)
	})
	if err == nil && s.OnUnsubscribe != nil {
		s.OnUnsubscribe(id)
	}
	return err
}

func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.ErrNotFound
	}
	return nil
}

// PurgePending forgets sign-ups never confirmed.
func (s *Store) PurgePending(ctx context.Context) (int64, error) {
	res, err := s.db.Exec(ctx, `DELETE FROM subscribers WHERE status = 'pending' AND created_at < $1`, s.now().Add(-pendingTTL))
	if err != nil {
		return 0, fmt.Errorf("newsletter: purge pending: %w", err)
	}
	return res.RowsAffected()
}

// SubscriberQuery selects subscribers for the admin's list.
type SubscriberQuery struct {
	Text   string // in the address
	Status string // one status, or all
	After  int64  // keyset: ids below this (newest first)
	Limit  int
}

// Subscribers lists subscribers, newest first.
func (s *Store) Subscribers(ctx context.Context, q SubscriberQuery) ([]Subscriber, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 50
	}
	var where db.Where
	if t := strings.ToLower(strings.TrimSpace(q.Text)); t != "" {
		where.Add(`email LIKE $1 ESCAPE '\'`, db.Contains(t))
	}
	if q.Status != "" {
		where.Add("status = $1", q.Status)
	}
	if q.After > 0 {
		where.Add("id < $1", q.After)
	}
	rows, err := s.db.Query(ctx, `SELECT `+subCols+` FROM subscribers `+where.SQL()+
		fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, q.Limit), where.Args()...)
	if err != nil {
		return nil, fmt.Errorf("newsletter: subscribers: %w", err)
	}
	return db.Collect(rows, scanSub)
}

// Counts returns how many subscribers have each status.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	out, err := s.db.CountBy(ctx, `SELECT status, count(*) FROM subscribers GROUP BY status`)
	if err != nil {
		return nil, err
	}
	for _, st := range []string{Pending, Confirmed, Unsubscribed, Bounced} {
		out[st] += 0 // every status shows, also at zero
	}
	return out, nil
}

// Audiences is how many confirmed subscribers each audience reaches
// now: all, daily and weekly.
func (s *Store) Audiences(ctx context.Context) (map[string]int, error) {
	byFreq, err := s.db.CountBy(ctx, `SELECT frequency, count(*) FROM subscribers WHERE status = 'confirmed' GROUP BY frequency`)
	if err != nil {
		return nil, fmt.Errorf("newsletter: audiences: %w", err)
	}
	return map[string]int{All: byFreq[Daily] + byFreq[Weekly], Daily: byFreq[Daily], Weekly: byFreq[Weekly]}, nil
}

// ConfirmedOverTime is how many of today's confirmed subscribers had
// confirmed by the end of each of n weeks from start: those before start,
// then a running sum of the weeks, counted in SQL.
func (s *Store) ConfirmedOverTime(ctx context.Context, start time.Time, n int) ([]int, error) {
	const from = `FROM subscribers WHERE status = 'confirmed' AND confirmed_at IS NOT NULL`
	var before int
	if err := s.db.QueryRow(ctx, `SELECT count(*) `+from+` AND confirmed_at < $1`, start).Scan(&before); err != nil {
		return nil, fmt.Errorf("newsletter: confirmed before %s: %w", start, err)
	}
	weeks, err := s.db.CountBuckets(ctx, from, "confirmed_at", db.Edges(start, 7, n))
	if err != nil {
		return nil, fmt.Errorf("newsletter: confirmed per week: %w", err)
	}
	for i := range weeks {
		before += weeks[i]
		weeks[i] = before
	}
	return weeks, nil
}

// NextScheduled is the next newsletter due to go out, if any.
func (s *Store) NextScheduled(ctx context.Context) (Campaign, bool, error) {
	c, err := scanCampaign(s.db.QueryRow(ctx, `SELECT `+campCols+` FROM campaigns WHERE status IN ('scheduled', 'sending') ORDER BY scheduled_at LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return Campaign{}, false, nil
	}
	return c, err == nil, err
}
