package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/token"
)

func newToken() (secret, hash string) { return token.New() }

func hashToken(t string) string { return token.Hash(t) }

// Purposes of single-use links.
const (
	purposeVerify = "verify"
	purposeReset  = "reset"
	purposeEmail  = "email"
)

// Lifetimes of single-use links.
const (
	verifyTTL = 72 * time.Hour
	resetTTL  = time.Hour
	emailTTL  = 24 * time.Hour
)

// ErrBadLink is a verification or reset link that is unknown, used or expired.
var ErrBadLink = errors.New("this link is invalid, has expired, or was already used")

func (s *Store) createToken(ctx context.Context, tx *db.Tx, userID int64, purpose, email string, ttl time.Duration) (string, error) {
	token, hash := newToken()
	now := s.now()
	// A new link replaces older unused ones of the same purpose.
	if _, err := tx.Exec(ctx, `DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, userID, purpose); err != nil {
		return "", err
	}
	_, err := tx.Exec(ctx, `INSERT INTO account_tokens (token_hash, user_id, purpose, email, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, hash, userID, purpose, email, now, now.Add(ttl))
	if err != nil {
		return "", fmt.Errorf("account: create %s link: %w", purpose, err)
	}
	return token, nil
}

// useToken spends a link once: the UPDATE succeeds for exactly one caller.
func (s *Store) useToken(ctx context.Context, tx *db.Tx, token, purpose string) (userID int64, email string, err error) {
	now := s.now()
	err = tx.QueryRow(ctx, `UPDATE account_tokens SET used_at = $3
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
		RETURNING user_id, email`, hashToken(token), purpose, now).Scan(&userID, &email)
	if err != nil {
		if errors.Is(db.MapError(tx.Engine(), err), apperr.ErrNotFound) {
			return 0, "", ErrBadLink
		}
		return 0, "", err
	}
	return userID, email, nil
}
