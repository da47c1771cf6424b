package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
)

// A signed-out reader who writes in a comment box and then signs in (or
// signs up) gets their text back in the box. Browsers with JavaScript keep
// it themselves; for the others the site holds it for DraftTTL under the
// hash of a random cookie, per article and comment replied to.

// DraftTTL is how long a held draft is kept.
const DraftTTL = time.Hour

// maxDraft bounds a held draft (the comment form's own limit is lower).
const maxDraft = 64 << 10

// Draft is where a held text belongs and what it says.
type Draft struct {
	ArticleID, ParentID int64
	Body                string
}

// HoldDraft keeps d under key (the cookie's random value) for DraftTTL,
// replacing what the same key held for the same place. Empty text is not
// kept.
func (s *Store) HoldDraft(ctx context.Context, key string, d Draft) error {
	if key == "" || d.ArticleID <= 0 || d.ParentID < 0 {
		return apperr.Field("body", "there is nothing to keep")
	}
	if strings.TrimSpace(d.Body) == "" {
		return nil
	}
	if len(d.Body) > maxDraft {
		return apperr.Field("body", "the text is too long to keep")
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `DELETE FROM signin_drafts WHERE expires_at < $1`, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO signin_drafts (key_hash, article_id, parent_id, body, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (key_hash, article_id, parent_id) DO UPDATE SET body = excluded.body, created_at = excluded.created_at, expires_at = excluded.expires_at`,
			hashToken(key), d.ArticleID, d.ParentID, d.Body, now, now.Add(DraftTTL))
		return err
	})
	if err != nil {
		return fmt.Errorf("account: hold draft for article %d: %w", d.ArticleID, err)
	}
	return nil
}

// HeldDraft returns the text held under key for an article (and the
// comment replied to, 0 for none); "" when there is none. With take set,
// the text is handed over once: it is no longer held after.
func (s *Store) HeldDraft(ctx context.Context, key string, articleID, parentID int64, take bool) (string, error) {
	if key == "" {
		return "", nil
	}
	q := `SELECT body FROM signin_drafts WHERE key_hash = $1 AND article_id = $2 AND parent_id = $3 AND expires_at > $4`
	if take {
		q = `DELETE FROM signin_drafts WHERE key_hash = $1 AND article_id = $2 AND parent_id = $3 AND expires_at > $4 RETURNING body`
	}
	var body string
	var err error
	if take { // a write: on the writer
		err = s.db.Tx(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, q, hashToken(key), articleID, parentID, s.now()).Scan(&body)
		})
	} else {
		err = s.db.QueryRow(ctx, q, hashToken(key), articleID, parentID, s.now()).Scan(&body)
	}
	if errors.Is(db.MapError(s.db.Engine, err), apperr.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("account: held draft for article %d: %w", articleID, err)
	}
	return body, nil
}
