package account

import (
	"context"
	"fmt"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Ways are the ways a person can sign in besides an e-mailed link. A
// person is never left with none: removing the last passkey or unlinking
// the last provider of an account without a password is refused.
type Ways struct {
	Password  bool
	Passkeys  int
	Providers int
}

// Count is how many ways there are.
func (w Ways) Count() int {
	n := w.Passkeys + w.Providers
	if w.Password {
		n++
	}
	return n
}

// LastWayIn refuses to remove a person's last way of signing in; field
// names the form's field it belongs to.
func LastWayIn(field string) error {
	return apperr.Field(field, "this is your last way to sign in: add a password, a passkey or another provider first")
}

// WaysIn counts a person's ways of signing in, inside or outside a
// transaction (q), so a removal can check and act in one transaction.
func (s *Store) WaysIn(ctx context.Context, q db.Querier, userID int64) (Ways, error) {
	var w Ways
	if err := q.QueryRow(ctx, `SELECT password_hash <> '' FROM users WHERE id = $1`, userID).Scan(&w.Password); err != nil {
		return Ways{}, fmt.Errorf("account: ways in of %d: %w", userID, db.MapError(s.db.Engine, err))
	}
	// Passkeys.

	// Sign-in providers.
	if err := q.QueryRow(ctx, `SELECT count(*) FROM linked_identities i JOIN sign_in_providers p ON p.id = i.provider_id
		WHERE i.user_id = $1 AND p.enabled`, userID).Scan(&w.Providers); err != nil {
		return Ways{}, fmt.Errorf("account: providers of %d: %w", userID, err)
	}

	return w, nil
}
