package comment

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"byline/internal/db"
)

// Whole is a comment with everything a whole-site export keeps of it
// (internal/wpexport), whatever its status: the member's or the guest's
// name and e-mail, the IP, and both forms of the text.
type Whole struct {
	ID, ParentID, AuthorID          int64
	AuthorName, AuthorEmail         string // a member's
	GuestName, GuestEmail, GuestURL string
	IP                              string
	CreatedAt                       time.Time
	BodyMD, BodyHTML                string
	Status                          Status
	Deleted                         bool
}

// WholeOf lists an article's comments in id order, a page at a time
// (after is the last id of the previous page). Id order puts every parent
// before its replies.
func (s *Store) WholeOf(ctx context.Context, articleID, after int64, limit int) ([]Whole, error) {
	rows, err := s.db.Query(ctx, `SELECT c.id, COALESCE(c.parent_id, 0), COALESCE(c.author_id, 0), COALESCE(u.display_name, ''), COALESCE(u.email, ''),
		c.guest_name, c.guest_email, c.guest_url, c.ip, c.created_at, c.body_md, c.body_html, c.status, c.deleted_at
		FROM comments c LEFT JOIN users u ON u.id = c.author_id
		WHERE c.article_id = $1 AND c.id > $2 ORDER BY c.id LIMIT `+strconv.Itoa(limit), articleID, after)
	if err != nil {
		return nil, fmt.Errorf("comment: export: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Whole, error) {
		var w Whole
		var deleted sql.NullTime
		err := sc.Scan(&w.ID, &w.ParentID, &w.AuthorID, &w.AuthorName, &w.AuthorEmail, &w.GuestName, &w.GuestEmail, &w.GuestURL,
			&w.IP, &w.CreatedAt, &w.BodyMD, &w.BodyHTML, &w.Status, &deleted)
		w.Deleted = deleted.Valid
		return w, err
	})
}
