package comment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Page is one page of an article's discussion: up to PerPage top-level
// threads, each with its first RepliesShown replies, in display order.
type Page struct {
	Comments []Comment // flat, in display order
	Number   int       // 1-based
	Pages    int
	Sort     Sort
	// Hidden counts, per top-level comment, the replies left for its
	// thread's own page.
	Hidden map[int64]int
}

// RepliesShown is how many replies of a thread the article page shows;
// the rest are one click away on the thread's page, so a page costs the
// same however long its threads grow.
const RepliesShown = 3

// threadCols are cols with the author's account read by id for each
// comment, and parentAuthor the name of the comment replied to (pc, the
// parent, joined by id). As joins, the planner, expecting hundreds of
// comments on a page, read the whole users table into a hash twice for
// every page, however few comments it had: 2.9 ms with 5,000 readers
// for a page of 4 comments, 0.1 ms read by id.
var (
	threadCols = strings.NewReplacer(
		"COALESCE(u.slug, '')", "COALESCE((SELECT u.slug FROM users u WHERE u.id = c.author_id), '')",
		"COALESCE(u.display_name, c.guest_name)", "COALESCE((SELECT u.display_name FROM users u WHERE u.id = c.author_id), c.guest_name)",
	).Replace(cols)
	parentAuthor = `COALESCE((SELECT pu.display_name FROM users pu WHERE pu.id = pc.author_id), pc.guest_name, '')`
)

// rootOrder is each sort's order of top-level comments.
var rootOrder = map[Sort]string{
	SortOldest: "id",
	SortNewest: "id DESC",
	SortBest:   "rank DESC, id",
}

// shownComments joins each thread b of a page to its shown comments, c.
// SQLite walks the thread's index up to its bound. PostgreSQL was left to
// choose its join, and hashed the page's threads against every comment of
// the site (a sequential scan of 10,000 rows, 20 to 35 ms, on the demo's
// 10,000-comment article, in custom and generic plans alike: it costs a
// thread's probe at its average size); a LATERAL subquery with a LIMIT is
// never flattened into a join, so each thread is one short index range
// read, whatever plan the prepared statement gets.
var shownComments = map[db.Engine]string{
	db.SQLite: `JOIN comments c ON c.thread_id = b.id AND c.status = 'visible' AND c.path <= b.bound`,
	db.Postgres: `CROSS JOIN LATERAL (SELECT * FROM comments x WHERE x.thread_id = b.id AND x.status = 'visible' AND x.path <= b.bound
			ORDER BY x.path LIMIT ` + strconv.Itoa(RepliesShown+1) + `) c`,
}

// Thread returns page n of an article's comments: two queries, one to
// count the top-level threads and one that fetches the page's threads flat
// in display order, whatever the size of the discussion.
func (s *Store) Thread(ctx context.Context, articleID int64, sort Sort, n int) (Page, error) {
	sort = ParseSort(string(sort))
	p := Page{Number: max(n, 1), Sort: sort}
	var roots int // stored, not counted
	if err := s.db.QueryRow(ctx, `SELECT comment_threads FROM articles WHERE id = $1`, articleID).Scan(&roots); err != nil {
		return p, fmt.Errorf("comment: count threads: %w", db.MapError(s.db.Engine, err))
	}
	p.Pages = max(1, (roots+PerPage-1)/PerPage)
	if p.Number > p.Pages {
		if roots == 0 && p.Number == 1 {
			return p, nil
		}
		return p, apperr.ErrNotFound
	}
	order := rootOrder[sort]
	// Each page thread is read only as far as the replies it shows: the
	// bound is the path of its last shown comment, found in the index; its
	// size is stored on its top-level comment (replies), never counted, and
	// read only for the page's threads (the pages before are skipped in
	// the index alone).
	// Limits are part of the text: SQLite prepares a statement with a
	// bound LIMIT again on every use. bounded is MATERIALIZED so each
	// thread's bound is found once, not again for every comment shown.
	// How the shown comments are read differs by engine (shownComments).
	rows, err := s.db.Query(ctx, `WITH roots AS (
			SELECT id, row_number() OVER (ORDER BY `+order+`) AS pos FROM comments
			WHERE article_id = $1 AND depth = 0 AND status = 'visible'
			ORDER BY `+order+` LIMIT `+strconv.Itoa(PerPage)+` OFFSET $2),
		bounded AS MATERIALIZED (
			SELECT r.id, r.pos, t.replies + 1 AS total,
				COALESCE((SELECT x.path FROM comments x WHERE x.thread_id = r.id AND x.status = 'visible' ORDER BY x.path LIMIT 1 OFFSET `+strconv.Itoa(RepliesShown)+`), '~') AS bound
			FROM roots r JOIN comments t ON t.id = r.id)
		SELECT `+threadCols+`, `+parentAuthor+`, b.total
		FROM bounded b `+shownComments[s.db.Engine]+`
		LEFT JOIN comments pc ON pc.id = c.parent_id
		ORDER BY b.pos, c.path`, articleID, (p.Number-1)*PerPage)
	if err != nil {
		return p, fmt.Errorf("comment: thread page: %w", err)
	}
	defer rows.Close()
	p.Hidden = map[int64]int{}
	for rows.Next() {
		var c Comment
		var total int
		if err := scan(rows, &c, &c.ParentAuthor, &total); err != nil {
			return p, fmt.Errorf("comment: thread page: %w", err)
		}
		if c.Depth == 0 && total > RepliesShown+1 {
			p.Hidden[c.ID] = total - RepliesShown - 1
		}
		p.Comments = append(p.Comments, c)
	}
	if err := rows.Err(); err != nil {
		return p, err
	}
	p.Comments = dropDeletedLeaves(p.Comments)
	return p, nil
}

// WholeThread returns a top-level comment with all its shown replies, for
// the thread's own page (at most limit comments).
func (s *Store) WholeThread(ctx context.Context, rootID int64, limit int) ([]Comment, error) {
	rows, err := s.db.Query(ctx, `SELECT `+threadCols+`, `+parentAuthor+`
		FROM comments c LEFT JOIN comments pc ON pc.id = c.parent_id
		WHERE c.thread_id = $1 AND c.status = 'visible'
		ORDER BY c.path LIMIT `+strconv.Itoa(limit), rootID)
	if err != nil {
		return nil, fmt.Errorf("comment: thread %d: %w", rootID, err)
	}
	out, err := db.Collect(rows, func(sc db.Scanner) (Comment, error) {
		var c Comment
		err := scan(sc, &c, &c.ParentAuthor)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 || out[0].ID != rootID {
		return nil, apperr.ErrNotFound
	}
	return dropDeletedLeaves(out), nil
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

// Place is where a comment is shown.
type Place struct {
	ArticleID int64
	Page      int   // the article's comment page holding its thread
	Thread    int64 // when not 0: the comment is only on this thread's own page
}

// LastPage is the page holding the newest thread in the oldest-first order
// (where a new top-level comment appears): one stored number, no count.
func (s *Store) LastPage(ctx context.Context, articleID int64) (int, error) {
	var roots int
	if err := s.db.QueryRow(ctx, `SELECT comment_threads FROM articles WHERE id = $1`, articleID).Scan(&roots); err != nil {
		return 0, db.MapError(s.db.Engine, err)
	}
	return pageOf(roots), nil
}

// pageOf is the page holding the last of roots threads.
func pageOf(roots int) int { return max(1, (roots+PerPage-1)/PerPage) }

// Locate finds where a comment is shown: the page of its article holding
// its thread in the given order, or, for a reply past the first few, its
// thread's own page. Comments that are not shown are not found.
func (s *Store) Locate(ctx context.Context, id int64, sort Sort) (Place, error) {
	var thread int64
	var status, path string
	var articleID int64
	err := s.db.QueryRow(ctx, `SELECT article_id, thread_id, status, path FROM comments WHERE id = $1`, id).Scan(&articleID, &thread, &status, &path)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Place{}, fmt.Errorf("comment: locate %d: %w", id, err)
	}
	if err != nil || status != string(StatusVisible) {
		return Place{}, apperr.ErrNotFound
	}
	var earlier int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM comments WHERE thread_id = $1 AND status = 'visible' AND path < $2`, thread, path).Scan(&earlier); err != nil {
		return Place{}, err
	}
	if earlier > RepliesShown {
		return Place{ArticleID: articleID, Thread: thread}, nil
	}
	var before int
	q := map[Sort]string{
		SortOldest: `SELECT count(*) FROM comments WHERE article_id = $1 AND depth = 0 AND status = 'visible' AND id < $2`,
		SortNewest: `SELECT count(*) FROM comments WHERE article_id = $1 AND depth = 0 AND status = 'visible' AND id > $2`,
		SortBest: `SELECT count(*) FROM comments c, (SELECT rank FROM comments WHERE id = $2) r
			WHERE c.article_id = $1 AND c.depth = 0 AND c.status = 'visible' AND (c.rank > r.rank OR (c.rank = r.rank AND c.id < $2))`,
	}[ParseSort(string(sort))]
	if err := s.db.QueryRow(ctx, q, articleID, thread).Scan(&before); err != nil {
		return Place{}, fmt.Errorf("comment: locate %d: %w", id, err)
	}
	return Place{ArticleID: articleID, Page: before/PerPage + 1}, nil
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
