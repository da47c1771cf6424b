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
	// One query: every sign-in of a person with a second factor asks it.
	err := q.QueryRow(ctx, `SELECT u.password_hash <> '', u.email_verified_at IS NOT NULL,
			(SELECT count(*) FROM passkeys k WHERE k.user_id = u.id),
			(SELECT count(*) FROM linked_identities i JOIN sign_in_providers p ON p.id = i.provider_id WHERE i.user_id = u.id AND p.enabled)
		FROM users u WHERE u.id = $1`, userID).Scan(&w.Password, &w.Link, &w.Passkeys, &w.Providers)
	if err != nil {
		return Ways{}, fmt.Errorf("account: ways in of %d: %w", userID, db.MapError(s.db.Engine, err))
	}
	return w, nil
}
