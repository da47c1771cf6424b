package comment

import (
	"context"
	"fmt"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Page is one page of an article's discussion: up to PerPage top-level
// threads with all their replies, in display order.
type Page struct {
	Comments []Comment // flat, in display order
	Number   int       // 1-based
	Pages    int
	Sort     Sort
}

// rootOrder is each sort's order of top-level comments.
var rootOrder = map[Sort]string{
	SortOldest: "id",
	SortNewest: "id DESC",
	SortBest:   "rank DESC, id",
}

// Thread returns page n of an article's comments: two queries, one to
// count the top-level threads and one that fetches the page's threads flat
// in display order, whatever the size of the discussion.
func (s *Store) Thread(ctx context.Context, articleID int64, sort Sort, n int) (Page, error) {
	sort = ParseSort(string(sort))
	p := Page{Number: max(n, 1), Sort: sort}
	var roots int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM comments WHERE article_id = $1 AND depth = 0 AND status = 'visible'`, articleID).Scan(&roots); err != nil {
		return p, fmt.Errorf("comment: count threads: %w", err)
	}
	p.Pages = max(1, (roots+PerPage-1)/PerPage)
	if p.Number > p.Pages {
		if roots == 0 && p.Number == 1 {
			return p, nil
		}
		return p, apperr.ErrNotFound
	}
	order := rootOrder[sort]
	rows, err := s.db.Query(ctx, `WITH roots AS (
			SELECT id, row_number() OVER (ORDER BY `+order+`) AS pos FROM comments
			WHERE article_id = $1 AND depth = 0 AND status = 'visible'
			ORDER BY `+order+` LIMIT $2 OFFSET $3)
		SELECT `+cols+`, COALESCE(pu.display_name, '')
		FROM roots r JOIN comments c ON c.thread_id = r.id
		JOIN users u ON u.id = c.author_id
		LEFT JOIN comments pc ON pc.id = c.parent_id LEFT JOIN users pu ON pu.id = pc.author_id
		WHERE c.status = 'visible'
		ORDER BY r.pos, c.path`, articleID, PerPage, (p.Number-1)*PerPage)
	if err != nil {
		return p, fmt.Errorf("comment: thread page: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Comment
		if err := scan(rows, &c, &c.ParentAuthor); err != nil {
			return p, fmt.Errorf("comment: thread page: %w", err)
		}
		p.Comments = append(p.Comments, c)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	p.Comments = dropDeletedLeaves(p.Comments)
	return p, nil
}

// dropDeletedLeaves removes deleted comments nobody replied to (among the
// shown ones); deleted comments with replies stay as placeholders.
func dropDeletedLeaves(list []Comment) []Comment {
	hasChild := map[int64]bool{}
	keep := make([]bool, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		c := list[i]
		if !c.Deleted() || hasChild[c.ID] {
			keep[i] = true
			if c.ParentID > 0 {
				hasChild[c.ParentID] = true
			}
		}
	}
	out := list[:0]
	for i, c := range list {
		if keep[i] {
			out = append(out, c)
		}
	}
	return out
}

// Locate finds where a comment is shown: its article and the page of its
// thread in the given order. Comments that are not shown are not found.
func (s *Store) Locate(ctx context.Context, id int64, sort Sort) (articleID int64, page int, err error) {
	var thread int64
	var status string
	err = s.db.QueryRow(ctx, `SELECT article_id, thread_id, status FROM comments WHERE id = $1`, id).Scan(&articleID, &thread, &status)
	if err != nil || status != string(StatusVisible) {
		return 0, 0, apperr.ErrNotFound
	}
	var before int
	q := map[Sort]string{
		SortOldest: `SELECT count(*) FROM comments WHERE article_id = $1 AND depth = 0 AND status = 'visible' AND id < $2`,
		SortNewest: `SELECT count(*) FROM comments WHERE article_id = $1 AND depth = 0 AND status = 'visible' AND id > $2`,
		SortBest: `SELECT count(*) FROM comments c, (SELECT rank FROM comments WHERE id = $2) r
			WHERE c.article_id = $1 AND c.depth = 0 AND c.status = 'visible' AND (c.rank > r.rank OR (c.rank = r.rank AND c.id < $2))`,
	}[ParseSort(string(sort))]
	if err := s.db.QueryRow(ctx, q, articleID, thread).Scan(&before); err != nil {
		return 0, 0, fmt.Errorf("comment: locate %d: %w", id, err)
	}
	return articleID, before/PerPage + 1, nil
}

// Node is a comment placed in the displayed tree.
type Node struct {
	Comment
	Level     int    // indentation level, capped at the site's depth
	InReplyTo string // set when the reply is shown flattened below its parent's level
	Children  []*Node
}

// Nest arranges a page's flat list into trees. Replies deeper than
// maxDepth levels are shown at the last level, marked "in reply to NAME".
func Nest(list []Comment, maxDepth int) []*Node {
	maxDepth = max(maxDepth, 1)
	byID := make(map[int64]*Node, len(list))
	var roots []*Node
	for _, c := range list {
		n := &Node{Comment: c}
		byID[c.ID] = n
		parent := byID[c.ParentID]
		if parent == nil {
			roots = append(roots, n) // a top-level comment, or its parent is not shown
			continue
		}
		if parent.Level+1 >= maxDepth {
			// Too deep to indent further: sit beside the parent.
			n.Level, n.InReplyTo = parent.Level, c.ParentAuthor
			grand := byID[parent.ParentID]
			if parent.Level == 0 || grand == nil {
				roots = append(roots, n)
			} else {
				grand.Children = append(grand.Children, n)
			}
			byID[c.ID] = n
			continue
		}
		n.Level = parent.Level + 1
		parent.Children = append(parent.Children, n)
	}
	return roots
}

// Count returns the stored count of visible comments.
func (s *Store) Count(ctx context.Context, articleID int64) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT comment_count FROM articles WHERE id = $1`, articleID).Scan(&n)
	return n, db.MapError(s.db.Engine, err)
}
