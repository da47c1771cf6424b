package account

import (
	"context"
	"fmt"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Ways are the ways a person can sign in. A person is never left with
// none: removing the last passkey or unlinking the last provider of an
// account that has no password and no confirmed address is refused. A
// confirmed address is a way in of its own, since anyone may ask for a
// sign-in link by mail.
type Ways struct {
	Password  bool
	Link      bool // the address is confirmed, so an e-mailed link signs them in
	Passkeys  int
	Providers int
}

// Count is how many ways there are.
func (w Ways) Count() int {
	n := w.Passkeys + w.Providers
	for _, on := range []bool{w.Password, w.Link} {
		if on {
			n++
		}
	}
	return n
}

// LastWayIn refuses to remove a person's last way of signing in; field
// names the form's field it belongs to.
func LastWayIn(field string) error {
	return apperr.Field(field, "this is your last way to sign in: add a password, a passkey or another provider, or confirm your e-mail address, first")
}

// WaysIn counts a person's ways of signing in, inside or outside a
// transaction (q), so a removal can check and act in one transaction.
func (s *Store) WaysIn(ctx context.Context, q db.Querier, userID int64) (Ways, error) {
	var w Ways
	err := q.QueryRow(ctx, `SELECT password_hash <> '', email_verified_at IS NOT NULL FROM users WHERE id = $1`, userID).Scan(&w.Password, &w.Link)
	if err != nil {
		return Ways{}, fmt.Errorf("account: ways in of %d: %w", userID, db.MapError(s.db.Engine, err))
	}
	// Passkeys.
	if err := q.QueryRow(ctx, `SELECT count(*) FROM passkeys WHERE user_id = $1`, userID).Scan(&w.Passkeys); err != nil {
		return Ways{}, fmt.Errorf("account: passkeys of %d: %w", userID, err)
	}

	// Sign-in providers.

	return w, nil
}
