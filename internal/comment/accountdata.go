package comment

import (
	"context"
	"fmt"
	"time"

	"byline/internal/db"
)

// What a person's download of their data holds from the discussion, and
// what happens to their comments when they delete their account. Long
// histories are read a page at a time in key order, so a reader with
// fifty thousand comments costs the server one page of them at a time.

// ExportPage is the size of a page of the export.
const ExportPage = 500

// removeBatch is how many of a deleted account's comments one transaction
// goes through (a variable for the tests).
var removeBatch = 500

// Mine is one of a person's comments as their download shows it.
type Mine struct {
	ID, ArticleID, ParentID int64
	ArticleHeadline         string
	ArticleSlug             string
	ArticlePublished        time.Time
	BodyMD                  string // as written ("" once deleted)
	Status                  Status
	Deleted                 bool
	CreatedAt, EditedAt     time.Time
	Up, Down                int
}

// Score is up votes minus down votes.
func (m Mine) Score() int { return m.Up - m.Down }

// MineCursor is where a page of a person's comments ends: the next page
// starts after it. The zero cursor starts from the newest.
type MineCursor struct {
	At time.Time
	ID int64
}

// ByAuthorPage returns a page of the person's comments, whatever their
// status, newest first, after cursor; next is the cursor of the page that
// follows (zero when none does).
func (s *Store) ByAuthorPage(ctx context.Context, authorID int64, after MineCursor, limit int) ([]Mine, MineCursor, error) {
	if limit <= 0 || limit > ExportPage {
		limit = ExportPage
	}
	where, args := `c.author_id = $1`, []any{authorID}
	if after.ID != 0 {
		// The author's index is (author_id, created_at DESC): the page is
		// a range of it, whatever came before.
		where += ` AND (c.created_at < $2 OR (c.created_at = $2 AND c.id < $3))`
		args = append(args, after.At, after.ID)
	}
	rows, err := s.db.Query(ctx, `SELECT c.id, c.article_id, COALESCE(c.parent_id, 0), a.headline, a.slug, a.published_at, c.body_md, c.status,
			c.deleted_at, c.created_at, c.edited_at, c.up, c.down
		FROM comments c JOIN articles a ON a.id = c.article_id
		WHERE `+where+` ORDER BY c.created_at DESC, c.id DESC LIMIT `+fmt.Sprint(limit), args...)
	if err != nil {
		return nil, MineCursor{}, fmt.Errorf("comment: comments of %d: %w", authorID, err)
	}
	list, err := db.Collect(rows, func(sc db.Scanner) (Mine, error) {
		var m Mine
		var published, deleted, edited *time.Time
		if err := sc.Scan(&m.ID, &m.ArticleID, &m.ParentID, &m.ArticleHeadline, &m.ArticleSlug, &published, &m.BodyMD, &m.Status,
			&deleted, &m.CreatedAt, &edited, &m.Up, &m.Down); err != nil {
			return m, err
		}
		if published != nil {
			m.ArticlePublished = *published
		}
		m.Deleted = deleted != nil
		if edited != nil {
			m.EditedAt = *edited
		}
		return m, nil
	})
	if err != nil {
		return nil, MineCursor{}, fmt.Errorf("comment: comments of %d: %w", authorID, err)
	}
	var next MineCursor
	if len(list) == limit {
		last := list[len(list)-1]
		next = MineCursor{At: last.CreatedAt, ID: last.ID}
	}
	return list, next, nil
}

// CastVote is one of a person's votes.
type CastVote struct {
	CommentID int64
	Value     int // 1 up, -1 down
	At        time.Time
}

// VotesPage returns a page of the person's votes in comment order, of
// comments after afterID; a page shorter than asked is the last.
func (s *Store) VotesPage(ctx context.Context, userID, afterID int64, limit int) ([]CastVote, error) {
	if limit <= 0 || limit > ExportPage {
		limit = ExportPage
	}
	rows, err := s.db.Query(ctx, `SELECT comment_id, value, created_at FROM comment_votes
		WHERE user_id = $1 AND comment_id > $2 ORDER BY comment_id LIMIT `+fmt.Sprint(limit), userID, afterID)
	if err != nil {
		return nil, fmt.Errorf("comment: votes of %d: %w", userID, err)
	}
	return db.Collect(rows, func(sc db.Scanner) (CastVote, error) {
		var v CastVote
		return v, sc.Scan(&v.CommentID, &v.Value, &v.At)
	})
}

// MadeReport is one of a person's reports of a comment.
type MadeReport struct {
	CommentID int64
	Reason    string
	At        time.Time
}

// ReportsPage returns a page of the person's reports in comment order,
// of comments after afterID; a page shorter than asked is the last.
// Reports a moderator has settled are forgotten, so only open ones show.
func (s *Store) ReportsPage(ctx context.Context, userID, afterID int64, limit int) ([]MadeReport, error) {
	if limit <= 0 || limit > ExportPage {
		limit = ExportPage
	}
	rows, err := s.db.Query(ctx, `SELECT comment_id, reason, created_at FROM comment_reports
		WHERE user_id = $1 AND comment_id > $2 ORDER BY comment_id LIMIT `+fmt.Sprint(limit), userID, afterID)
	if err != nil {
		return nil, fmt.Errorf("comment: reports of %d: %w", userID, err)
	}
	return db.Collect(rows, func(sc db.Scanner) (MadeReport, error) {
		var r MadeReport
		return r, sc.Scan(&r.CommentID, &r.Reason, &r.At)
	})
}

// RemoveByAuthor removes every comment of a deleted account, as the
// author deleting each would: the text goes, a "[deleted]" marker keeps
// its place so the replies of others read on, and shown ones leave their
// article's count. It works in batches, each its own transaction, and
// skips what is removed already, so running it again after a crash
// finishes the job. It returns how many comments it removed. The page
// cache hears of it through the database's content counter, as of any
// deletion.
func (s *Store) RemoveByAuthor(ctx context.Context, authorID int64) (int, error) {
	removed := 0
	var after MineCursor
	for {
		var n int
		var next MineCursor
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			var err error
			n, next, err = s.removeBatch(ctx, tx, authorID, after)
			return err
		})
		if err != nil {
			return removed, fmt.Errorf("comment: remove comments of %d: %w", authorID, err)
		}
		removed += n
		if next.ID == 0 {
			return removed, nil
		}
		after = next
	}
}

// removeBatch removes the author's comments in one page of their index
// after cursor, and returns how many it removed and where the next page
// starts (zero: this was the last).
func (s *Store) removeBatch(ctx context.Context, tx *db.Tx, authorID int64, after MineCursor) (int, MineCursor, error) {
	where, args := `author_id = $1`, []any{authorID}
	if after.ID != 0 {
		where += ` AND (created_at < $2 OR (created_at = $2 AND id < $3))`
		args = append(args, after.At, after.ID)
	}
	type row struct {
		id, article int64
		visible     bool
		deleted     bool
		at          time.Time
	}
	rows, err := tx.Query(ctx, `SELECT id, article_id, status = 'visible', deleted_at IS NOT NULL, created_at FROM comments
		WHERE `+where+` ORDER BY created_at DESC, id DESC LIMIT `+fmt.Sprint(removeBatch), args...)
	if err != nil {
		return 0, MineCursor{}, err
	}
	list, err := db.Collect(rows, func(sc db.Scanner) (row, error) {
		var r row
		return r, sc.Scan(&r.id, &r.article, &r.visible, &r.deleted, &r.at)
	})
	if err != nil {
		return 0, MineCursor{}, err
	}
	now := s.now()
	shown := map[int64]int{} // article: shown comments removed
	n := 0
	for _, r := range list {
		if r.deleted {
			continue
		}
		res, err := tx.Exec(ctx, `UPDATE comments SET deleted_at = $2, body_md = '', body_html = '', body_text = '' WHERE id = $1 AND deleted_at IS NULL`, r.id, now)
		if err != nil {
			return 0, MineCursor{}, err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			continue
		}
		if err := event(ctx, tx, r.id, 0, "removed with account", "", now); err != nil {
			return 0, MineCursor{}, err
		}
		if r.visible {
			shown[r.article]++
		}
		n++
	}
	for article, k := range shown {
		if _, err := tx.Exec(ctx, `UPDATE articles SET comment_count = comment_count - $2 WHERE id = $1`, article, k); err != nil {
			return 0, MineCursor{}, err
		}
	}
	var next MineCursor
	if len(list) == removeBatch {
		last := list[len(list)-1]
		next = MineCursor{At: last.at, ID: last.id}
	}
	return n, next, nil
}
