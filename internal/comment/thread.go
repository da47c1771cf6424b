package comment

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

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
	// Versions are those the page was read under (zero for a thread's own
	// page): while they hold, the same page is handed out again, and what
	// is drawn from it alone may be kept as long.
	Versions Versions
}

// RepliesShown is how many replies of a thread the article page shows;
// the rest are one click away on the thread's page, so a page costs the
// same however long its threads grow.
const RepliesShown = 3

// shownCols are what a shown comment needs: its own columns, and its
// author's (authorOf). Every column read costs: the article, thread and
// status are known from the query, and the page shows neither the source
// text nor the address. The name of the comment replied to is found
// among the page's own comments (nameAuthors).
//
// Reading a value through the SQLite driver costs about a quarter of a
// microsecond, and a page reads 200 rows of these: the guest's address
// and site, empty for members, come as NULL (a value the driver does not
// copy), and the times as text (see db.Engine.TimeText).
func shownCols(e db.Engine) string {
	return `c.id, COALESCE(c.parent_id, 0), c.depth, COALESCE(c.author_id, 0), ` + authorOf[e].cols + `, NULLIF(c.guest_email, ''), NULLIF(c.guest_url, ''),
	c.body_html, ` + e.TimeText("c.deleted_at") + `, ` + e.TimeText("c.edited_at") + `, c.up, c.down, ` + e.TimeText("c.created_at")
}

// authorOf is how each engine reads a shown comment's author (slug, then
// name). SQLite joins the account by its key, a lookup a row. PostgreSQL,
// expecting hundreds of comments on a page, hashed the whole users table
// for that join on every page, however few comments it had (2.9 ms with
// 5,000 readers for a page of 4 comments); it reads the page's authors
// after, in one query (nameAuthors).
var authorOf = map[db.Engine]struct{ cols, join string }{
	db.SQLite:   {`COALESCE(u.slug, ''), COALESCE(u.display_name, c.guest_name)`, ` LEFT JOIN users u ON u.id = c.author_id`},
	db.Postgres: {`'', c.guest_name`, ``},
}

// shownRow reads shownCols (and extra columns) row after row into one
// comment, so a page of 200 rows does not allocate a comment and its
// destinations for each.
type shownRow struct {
	c               Comment
	email, url      *string
	deleted, edited *time.Time
	dest            []any
}

func newShownRow(extra ...any) *shownRow {
	r := &shownRow{}
	r.dest = append([]any{&r.c.ID, &r.c.ParentID, &r.c.Depth, &r.c.Author.ID, &r.c.Author.Slug, &r.c.Author.Name, &r.email, &r.url,
		&r.c.BodyHTML, db.ScanNullTime(&r.deleted), db.ScanNullTime(&r.edited), &r.c.Up, &r.c.Down, db.ScanTime(&r.c.CreatedAt)}, extra...)
	return r
}

// scan reads the next row: a visible comment of thread threadID (unless
// it is a thread's top) on article articleID.
func (r *shownRow) scan(sc db.Scanner, articleID, threadID int64) (Comment, error) {
	if err := sc.Scan(r.dest...); err != nil {
		return Comment{}, err
	}
	c := r.c
	c.ArticleID, c.ThreadID, c.Status, c.Author.Guest = articleID, threadID, StatusVisible, c.Author.ID == 0
	if r.email != nil {
		c.Author.Email = *r.email
	}
	if r.url != nil {
		c.Author.URL = *r.url
	}
	if c.Depth == 0 {
		c.ThreadID = c.ID
	}
	if r.deleted != nil {
		c.DeletedAt = *r.deleted
	}
	if r.edited != nil {
		c.EditedAt = *r.edited
	}
	return c, nil
}

// nameAuthors fills in, for replies, the name of whom they reply to and,
// on PostgreSQL, the shown comments' members' names and addresses: one
// query for the page's authors (authorOf), and one more only if a reply's
// parent is not among the shown comments (a parent held for moderation).
func (s *Store) nameAuthors(ctx context.Context, list []Comment) error {
	if s.db.Engine == db.Postgres {
		if err := s.readAuthors(ctx, list); err != nil {
			return err
		}
	}
	return s.nameParents(ctx, list)
}

// readAuthors reads the shown comments' members' names and addresses.
func (s *Store) readAuthors(ctx context.Context, list []Comment) error {
	var ids []int64
	seen := map[int64]bool{}
	for _, c := range list {
		if id := c.Author.ID; id != 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		cond, arg := s.db.Engine.InIDs("id", 1, ids)
		rows, err := s.db.Query(ctx, `SELECT id, slug, display_name FROM users WHERE `+cond, arg)
		if err != nil {
			return fmt.Errorf("comment: authors: %w", err)
		}
		found, err := db.Collect(rows, func(sc db.Scanner) (Author, error) {
			var a Author
			err := sc.Scan(&a.ID, &a.Slug, &a.Name)
			return a, err
		})
		if err != nil {
			return fmt.Errorf("comment: authors: %w", err)
		}
		byID := make(map[int64]Author, len(found))
		for _, a := range found {
			byID[a.ID] = a
		}
		for i := range list {
			if a, ok := byID[list[i].Author.ID]; ok {
				list[i].Author.Slug, list[i].Author.Name = a.Slug, a.Name
			}
		}
	}
	return nil
}

// nameParents sets each reply's ParentAuthor.
func (s *Store) nameParents(ctx context.Context, list []Comment) error {
	names := make(map[int64]string, len(list))
	for _, c := range list {
		names[c.ID] = c.Author.Name
	}
	var missing []int64
	for _, c := range list {
		if _, ok := names[c.ParentID]; c.ParentID != 0 && !ok && !slices.Contains(missing, c.ParentID) {
			missing = append(missing, c.ParentID)
		}
	}
	if len(missing) > 0 {
		cond, arg := s.db.Engine.InIDs("c.id", 1, missing)
		rows, err := s.db.Query(ctx, `SELECT c.id, COALESCE(u.display_name, c.guest_name) FROM comments c`+authors+` WHERE `+cond, arg)
		if err != nil {
			return fmt.Errorf("comment: parents' authors: %w", err)
		}
		parents, err := db.Collect(rows, func(sc db.Scanner) (Author, error) {
			var a Author
			err := sc.Scan(&a.ID, &a.Name) // the parent comment's id, its author's name
			return a, err
		})
		if err != nil {
			return fmt.Errorf("comment: parents' authors: %w", err)
		}
		for _, a := range parents {
			names[a.ID] = a.Name
		}
	}
	for i := range list {
		if p := list[i].ParentID; p != 0 {
			list[i].ParentAuthor = names[p]
		}
	}
	return nil
}

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

// Thread returns page n of an article's comments. One query reads the
// discussion's size and versions; a page read under the same versions
// before is handed out again (pageMemo). Otherwise a small discussion is
// one more query (smallThread), a larger one too (bigThread): it fetches
// the page's threads flat in display order, whatever the size of the
// discussion.
func (s *Store) Thread(ctx context.Context, articleID int64, sort Sort, n int) (Page, error) {
	sort = ParseSort(string(sort))
	p := Page{Number: max(n, 1), Sort: sort}
	var roots, count int // stored, not counted
	var ver Versions
	if err := s.db.QueryRow(ctx, `SELECT a.comment_threads, a.comment_count, COALESCE(d.version, 0), COALESCE(av.seq, 0), v.people
		FROM articles a JOIN content_version v ON v.id = 1 LEFT JOIN discussion_versions d ON d.article_id = a.id
		LEFT JOIN article_versions av ON av.article_id = a.id
		WHERE a.id = $1`, articleID).Scan(&roots, &count, &ver.Discussion, &ver.Votes, &ver.People); err != nil {
		return p, fmt.Errorf("comment: count threads: %w", db.MapError(s.db.Engine, err))
	}
	key := pageKey{articleID, sort, p.Number}
	if memo, ok := s.pages.get(key, ver, s.now()); ok {
		return memo, nil
	}
	done := false
	var err error
	if count <= smallDiscussion {
		done, err = s.smallThread(ctx, articleID, &p)
	}
	if !done && err == nil {
		err = s.bigThread(ctx, articleID, roots, &p)
	}
	if err != nil {
		return p, err
	}
	p.Versions = ver
	if cap(p.Comments) > len(p.Comments) {
		p.Comments = slices.Clone(p.Comments) // kept: hold no more than it shows
	}
	s.pages.put(key, ver, p, s.now())
	return p, nil
}

// bigThread reads page p.Number of a discussion of roots threads.
func (s *Store) bigThread(ctx context.Context, articleID int64, roots int, p *Page) error {
	p.Pages = max(1, (roots+PerPage-1)/PerPage)
	if p.Number > p.Pages {
		if roots == 0 && p.Number == 1 {
			return nil
		}
		return apperr.ErrNotFound
	}
	order := rootOrder[p.Sort]
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
		SELECT `+shownCols(s.db.Engine)+`, b.total
		FROM bounded b `+shownComments[s.db.Engine]+authorOf[s.db.Engine].join+`
		ORDER BY b.pos, c.path`, articleID, (p.Number-1)*PerPage)
	if err != nil {
		return fmt.Errorf("comment: thread page: %w", err)
	}
	defer rows.Close()
	p.Hidden = map[int64]int{}
	p.Comments = make([]Comment, 0, min(PerPage, roots-(p.Number-1)*PerPage)*(RepliesShown+1))
	var thread int64 // the rows come thread by thread, each from its top
	var total int
	row := newShownRow(&total)
	for rows.Next() {
		c, err := row.scan(rows, articleID, thread)
		if err != nil {
			return fmt.Errorf("comment: thread page: %w", err)
		}
		thread = c.ThreadID
		if c.Depth == 0 && total > RepliesShown+1 {
			p.Hidden[c.ID] = total - RepliesShown - 1
		}
		p.Comments = append(p.Comments, c)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	if err := s.nameAuthors(ctx, p.Comments); err != nil {
		return err
	}
	p.Comments = dropDeletedLeaves(p.Comments)
	return nil
}

// smallDiscussion is the most comments an article may have for its page
// to be read whole. Most discussions are this small, and for them the
// page's query (threads chosen, numbered and bounded in the index) cost
// more than reading every comment: 39 of the 62 µs of the demo article's
// page. The rule is the same either way (TestSmallDiscussionsReadAsLarge).
var smallDiscussion = 200

// smallThread reads page p.Number of a small discussion: every shown
// comment of the article in one simple query, its threads ordered, paged
// and cut to their first replies here, as bigThread's query does it. The
// query asks again whether the discussion is small (it may have grown
// since Thread read its count); done is false when it read no comment,
// for a larger discussion or none: Thread then goes on with bigThread.
func (s *Store) smallThread(ctx context.Context, articleID int64, p *Page) (done bool, err error) {
	e := s.db.Engine
	// Every comment of the article is read and the shown ones kept here:
	// with the status in the condition too, SQLite (without statistics)
	// chose the moderation queue's index by status and read every shown
	// comment of the site (0.54 thousand pages a second for the demo
	// article beside a 10,000-comment discussion, against 13 thousand).
	// The article is the outer loop: its count is checked once, before
	// any comment is read (as a subquery in the condition, SQLite checked
	// it against each of a large discussion's comments).
	// The rows are put in thread and path order here, by sorting small
	// keys: as cheap as SQLite's sorter (counted under callgrind), and no
	// comment is copied into a list per thread.
	rows, err := s.db.Query(ctx, `SELECT `+shownCols(e)+`, c.thread_id, c.path, c.rank, c.status
		FROM articles a JOIN comments c ON c.article_id = a.id`+authorOf[e].join+`
		WHERE a.id = $1 AND a.comment_count <= `+strconv.Itoa(smallDiscussion), articleID)
	if err != nil {
		return false, fmt.Errorf("comment: thread page: %w", err)
	}
	defer rows.Close()
	// The shown comments as read (all), and what orders them (keys): the
	// keys are sorted, and each thread is a run of them.
	var all []Comment
	type key struct {
		tid  int64
		path string
		rank float64
		at   int // in all
	}
	var keys []key
	var tid int64
	var path string
	var rank float64
	var status Status
	row := newShownRow(&tid, &path, &rank, &status)
	read := false
	for rows.Next() {
		read = true
		c, err := row.scan(rows, articleID, 0)
		if err != nil {
			return false, fmt.Errorf("comment: thread page: %w", err)
		}
		if status != StatusVisible {
			continue
		}
		c.ThreadID = tid
		keys = append(keys, key{tid, path, rank, len(all)})
		all = append(all, c)
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("comment: thread page: %w", err)
	}
	rows.Close()
	if !read {
		return false, nil
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.tid, b.tid), strings.Compare(a.path, b.path)) })
	type thread struct {
		rank     float64
		from, to int // its keys, from its top, in path order
	}
	var threads []thread
	for i, k := range keys {
		if n := len(threads); n == 0 || keys[threads[n-1].from].tid != k.tid {
			threads = append(threads, thread{rank: k.rank, from: i})
		}
		threads[len(threads)-1].to = i + 1
	}
	top := func(t thread) *Comment { return &all[keys[t.from].at] }
	// A thread whose top is not shown (held, spam) is not shown at all.
	threads = slices.DeleteFunc(threads, func(t thread) bool { return top(t).ID != top(t).ThreadID })
	p.Pages = max(1, (len(threads)+PerPage-1)/PerPage)
	if p.Number > p.Pages {
		return true, apperr.ErrNotFound
	}
	if len(threads) == 0 {
		return true, nil // only held comments: the empty page, as Thread's count gives it
	}
	switch p.Sort {
	case SortNewest:
		slices.Reverse(threads)
	case SortBest:
		slices.SortStableFunc(threads, func(a, b thread) int { return cmp.Compare(b.rank, a.rank) })
	}
	from := min((p.Number-1)*PerPage, len(threads))
	threads = threads[from:min(from+PerPage, len(threads))]
	p.Hidden = map[int64]int{}
	p.Comments = make([]Comment, 0, len(all))
	for _, t := range threads {
		if hidden := t.to - t.from - RepliesShown - 1; hidden > 0 {
			p.Hidden[top(t).ID] = hidden
			t.to = t.from + RepliesShown + 1
		}
		for _, k := range keys[t.from:t.to] {
			p.Comments = append(p.Comments, all[k.at])
		}
	}
	if err := s.nameAuthors(ctx, p.Comments); err != nil {
		return true, err
	}
	p.Comments = dropDeletedLeaves(p.Comments)
	return true, nil
}

// WholeThread returns a top-level comment with all its shown replies, for
// the thread's own page (at most limit comments).
func (s *Store) WholeThread(ctx context.Context, rootID int64, limit int) ([]Comment, error) {
	rows, err := s.db.Query(ctx, `SELECT `+shownCols(s.db.Engine)+`, c.article_id FROM comments c`+authorOf[s.db.Engine].join+`
		WHERE c.thread_id = $1 AND c.status = 'visible'
		ORDER BY c.path LIMIT `+strconv.Itoa(limit), rootID)
	if err != nil {
		return nil, fmt.Errorf("comment: thread %d: %w", rootID, err)
	}
	var article int64
	row := newShownRow(&article)
	out, err := db.Collect(rows, func(sc db.Scanner) (Comment, error) {
		c, err := row.scan(sc, 0, rootID)
		c.ArticleID = article
		return c, err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 || out[0].ID != rootID {
		return nil, apperr.ErrNotFound
	}
	if err := s.nameAuthors(ctx, out); err != nil {
		return nil, err
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
