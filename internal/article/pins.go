package article

import (
	"context"
	"fmt"

	"byline/internal/account"
	"byline/internal/db"
)

// Pin puts a published article at the top of the home page, or takes it
// off (pinned false). Only those who may publish any article pin (May's
// "pin" and "unpin"). It is not a change of the article: its version and
// last change stay, so no one's open editor conflicts and feeds do not
// announce it again.
func (s *Store) Pin(ctx context.Context, id int64, pinned bool, by account.Person) (Staff, error) {
	cur, err := s.StaffByID(ctx, id)
	if err != nil {
		return Staff{}, err
	}
	step := "unpin"
	if pinned {
		step = "pin"
	}
	if !May(by, &cur, step) {
		if by.Can(account.PermPublish) {
			return Staff{}, ErrTransition // not published, or pinned already (or not)
		}
		return Staff{}, ErrForbidden
	}
	var at any // NULL unpins
	if pinned {
		at = s.now()
	}
	if _, err := s.db.Exec(ctx, `UPDATE articles SET pinned_at = $2 WHERE id = $1`, id, at); err != nil {
		return Staff{}, fmt.Errorf("article: pin: %w", err)
	}
	cur.Pinned = pinned
	return cur, nil
}

// Pinned lists the pinned articles the public may read, the most recently
// pinned first.
func (s *Store) Pinned(ctx context.Context, limit int) ([]Article, error) {
	rows, err := s.db.Query(ctx, `SELECT `+summaryCols+` FROM articles a JOIN users u ON u.id = a.author_id
		WHERE `+visible+` AND a.pinned_at IS NOT NULL ORDER BY a.pinned_at DESC, a.id DESC LIMIT `+fmt.Sprint(max(limit, 1)), s.now())
	if err != nil {
		return nil, fmt.Errorf("article: pinned: %w", err)
	}
	list, err := db.Collect(rows, func(sc db.Scanner) (Article, error) {
		var a Article
		err := scanSummary(sc, &a)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("article: pinned: %w", err)
	}
	return list, s.loadTags(ctx, s.db, list)
}
