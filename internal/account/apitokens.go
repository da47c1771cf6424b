package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/db"
)

// APIToken is a personal access token for the JSON API. The secret is
// shown once, when made; only its hash is stored.
type APIToken struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// apiTokenPrefix makes leaked tokens easy to recognise and search for.
const apiTokenPrefix = "byl_"

// CreateAPIToken makes a token named name and returns its secret.
func (s *Store) CreateAPIToken(ctx context.Context, userID int64, name string) (string, APIToken, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || utf8.RuneCountInString(name) > 60 {
		return "", APIToken{}, apperr.Field("name", "give the token a name of 1 to 60 characters, e.g. the program that uses it")
	}
	secret, hash := newToken()
	secret = apiTokenPrefix + secret
	hash = hashToken(secret)
	t := APIToken{Name: name, CreatedAt: s.now()}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			userID, name, hash, t.CreatedAt).Scan(&t.ID)
	})
	if err != nil {
		return "", APIToken{}, fmt.Errorf("account: create API token: %w", err)
	}
	return secret, t, nil
}

// APITokens lists a person's tokens, newest first.
func (s *Store) APITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("account: API tokens: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (APIToken, error) {
		var t APIToken
		var used, revoked *time.Time
		if err := sc.Scan(&t.ID, &t.Name, &t.CreatedAt, &used, &revoked); err != nil {
			return t, err
		}
		if used != nil {
			t.LastUsedAt = *used
		}
		if revoked != nil {
			t.RevokedAt = *revoked
		}
		return t, nil
	})
}

// RevokeAPIToken ends one of a person's tokens.
func (s *Store) RevokeAPIToken(ctx context.Context, userID, id int64) error {
	_, err := s.db.Exec(ctx, `UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`, id, userID, s.now())
	return err
}

// ErrBadToken is an API token that is unknown or revoked.
var ErrBadToken = errors.New("the API token is not valid")

// APITokenPerson returns who a bearer token belongs to.
func (s *Store) APITokenPerson(ctx context.Context, secret string) (Person, error) {
	if !strings.HasPrefix(secret, apiTokenPrefix) || len(secret) > 100 {
		return Person{}, ErrBadToken
	}
	hash := hashToken(secret)
	var p Person
	var id int64
	var used *time.Time
	err := scanPerson(s.db.QueryRow(ctx, `SELECT `+personCols+`, t.id, t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.suspended_at IS NULL AND u.deleted_at IS NULL`, hash), &p, &id, &used)
	if err != nil {
		if errors.Is(db.MapError(s.db.Engine, err), apperr.ErrNotFound) {
			return Person{}, ErrBadToken
		}
		return Person{}, err
	}
	if p.Roles, err = s.roles(ctx, p.ID); err != nil {
		return Person{}, err
	}
	if now := s.now(); used == nil || now.Sub(*used) > touchEvery {
		if _, err := s.db.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, now); err != nil {
			return Person{}, err
		}
	}
	return p, nil
}
