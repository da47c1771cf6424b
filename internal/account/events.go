package account

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"byline/internal/db"
)

// Kinds of security events: each sign-in and each change of a way in.
const (
	EventSignIn            = "signin"             // Detail: the method (see Method)
	EventSignInFailed      = "signin-failed"      // a wrong second factor, a refused passkey; Detail: why
	EventPasswordSet       = "password-set"       // a first password, on an account that had none
	EventPasswordChanged   = "password-changed"   // from /account
	EventPasswordReset     = "password-reset"     // through a reset link
	EventEmailChanged      = "email-changed"      // Detail: the new address, masked
	EventPasskeyAdded      = "passkey-added"      // Detail: the passkey's name
	EventPasskeyRemoved    = "passkey-removed"    // Detail: the passkey's name
	EventProviderLinked    = "provider-linked"    // Detail: the provider's name
	EventProviderUnlinked  = "provider-unlinked"  // Detail: the provider's name
	EventTOTPEnabled       = "totp-enabled"       // an authenticator app was set up
	EventTOTPDisabled      = "totp-disabled"      // the person removed it
	EventRecoveryCodesMade = "recovery-codes"     // a new set of recovery codes replaced the old
	EventRecoveryCodeUsed  = "recovery-code-used" // one was spent to sign in
	EventSecondFactorReset = "second-factor-reset"
	EventSessionsEnded     = "sessions-ended" // every other device signed out
	EventDataDownloaded    = "data-downloaded"
	EventAccountDeleted    = "account-deleted"
)

// Methods of signing in, as the Detail of EventSignIn.
const (
	MethodPassword = "password"
	MethodPasskey  = "passkey"
	MethodLink     = "e-mail link"
	MethodReset    = "password reset link"
	MethodProvider = "provider" // Detail is "provider: NAME"
)

// ActorSite is the actor of what the site did on its own.
const ActorSite = -1

// Event is one entry of an account's security history.
type Event struct {
	ID      int64
	UserID  int64
	ActorID int64 // who did it: the person, an admin, or ActorSite; 0 means the person
	Kind    string
	Detail  string
	IP      string
	At      time.Time
}

var eventText = map[string]string{
	EventSignIn:            "Signed in",
	EventSignInFailed:      "A sign-in was refused",
	EventPasswordSet:       "Password set",
	EventPasswordChanged:   "Password changed",
	EventPasswordReset:     "Password reset by e-mail",
	EventEmailChanged:      "E-mail address changed",
	EventPasskeyAdded:      "Passkey added",
	EventPasskeyRemoved:    "Passkey removed",
	EventProviderLinked:    "Sign-in provider linked",
	EventProviderUnlinked:  "Sign-in provider unlinked",
	EventTOTPEnabled:       "Authenticator app set up",
	EventTOTPDisabled:      "Authenticator app removed",
	EventRecoveryCodesMade: "New recovery codes made",
	EventRecoveryCodeUsed:  "Recovery code used",
	EventSecondFactorReset: "Second factor reset by an admin",
	EventSessionsEnded:     "Signed out of every other device",
	EventDataDownloaded:    "Account data downloaded",
	EventAccountDeleted:    "Account deleted",
}

// Text says what happened, for people.
func (e Event) Text() string {
	if t, ok := eventText[e.Kind]; ok {
		return t
	}
	return e.Kind
}

// ByOther reports whether someone other than the person did it.
func (e Event) ByOther() bool { return e.ActorID != e.UserID }

type ipKey struct{}

// WithIP returns ctx carrying the address a request came from, which the
// security history records with each event.
func WithIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

func ipOf(ctx context.Context) string {
	ip, _ := ctx.Value(ipKey{}).(string)
	return ip
}

// Record adds e to the person's security history.
func (s *Store) Record(ctx context.Context, e Event) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error { return s.record(ctx, tx, e) })
}

// record adds e inside tx, so the history holds a change exactly when the
// change is made.
func (s *Store) record(ctx context.Context, tx *db.Tx, e Event) error {
	if e.ActorID == 0 {
		e.ActorID = e.UserID
	}
	if e.IP == "" {
		e.IP = ipOf(ctx)
	}
	if len(e.Detail) > 200 {
		e.Detail = e.Detail[:200]
	}
	_, err := tx.Exec(ctx, `INSERT INTO account_events (user_id, actor_id, kind, detail, ip, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.UserID, e.ActorID, e.Kind, e.Detail, e.IP, s.now())
	if err != nil {
		return fmt.Errorf("account: record %s for %d: %w", e.Kind, e.UserID, err)
	}
	return nil
}

// Events returns the person's latest security events, newest first.
func (s *Store) Events(ctx context.Context, userID int64, limit int) ([]Event, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.db.Query(ctx, `SELECT id, user_id, actor_id, kind, detail, ip, created_at FROM account_events
		WHERE user_id = $1 ORDER BY id DESC LIMIT `+strconv.Itoa(limit), userID)
	if err != nil {
		return nil, fmt.Errorf("account: events of %d: %w", userID, err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		if err := rows.Scan(&e.ID, &e.UserID, &e.ActorID, &e.Kind, &e.Detail, &e.IP, &e.At); err != nil {
			return nil, fmt.Errorf("account: events of %d: %w", userID, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: events of %d: %w", userID, err)
	}
	return out, nil
}
