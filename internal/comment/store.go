package comment

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/markdown"
)

// Errors a person can cause by commenting.
var (
	ErrClosed = errors.New("comments are closed on this article")
	ErrBanned = errors.New("you may not comment at the moment")
)

// Store keeps comments.
type Store struct {
	db     *db.DB
	now    func() time.Time
	mailer Mailer
	batch  batcher    // posts stored together (see batch.go)
	totals totalsMemo // the spam filter's totals (see spam.go)
	pages  pageMemo   // discussion pages read (see pages.go)
}

// NewStore returns a Store on d.
func NewStore(d *db.DB) *Store { return &Store{db: d, now: time.Now} }

// New is a comment as a reader sends it.
type New struct {
	ArticleID int64
	ParentID  int64 // 0: a top-level comment
	AuthorID  int64
	Body      string
	IP        string
	Trusted   bool      // staff: the hold rules do not apply
	At        time.Time // when it was written, for imports and the demo; zero: now
	// Site, when set, lets the parent's author be mailed about the reply.
	Site Site
	// AuthorName signs the notification.
	AuthorName string
}

// Posted is the result of posting.
type Posted struct {
	Comment
	Duplicate bool   // the same text was just posted; nothing new was stored
	HeldFor   string // why it waits for a moderator ("" if visible)
	// LastPage is the page of the article holding its newest thread in
	// the oldest-first order, after this comment (0: not known, for a
	// held comment or a double submission).
	LastPage int
	// ArticleSlug and ArticlePublished name the article's page: read with
	// the article's rules in the post's batch, so that an answer linking
	// to the comment needs no second look at the article.
	ArticleSlug      string
	ArticlePublished time.Time
}

// cols are a comment's columns, read with its author (authors, LEFT
// JOIN users u ON u.id = c.author_id): a guest has no account.
const cols = `c.id, c.article_id, COALESCE(c.parent_id, 0), c.thread_id, c.depth, COALESCE(c.author_id, 0), COALESCE(u.slug, ''),
	COALESCE(u.display_name, c.guest_name), c.guest_email, c.guest_url,
	c.body_md, c.body_html, c.status, c.deleted_at, c.edited_at, c.up, c.down, c.reports, c.ip, c.created_at`

// authors joins a comment's author account, when it has one.
const authors = ` LEFT JOIN users u ON u.id = c.author_id`

func scan(sc db.Scanner, c *Comment, extra ...any) error {
	var deleted, edited *time.Time
	dest := append([]any{&c.ID, &c.ArticleID, &c.ParentID, &c.ThreadID, &c.Depth, &c.Author.ID, &c.Author.Slug, &c.Author.Name,
		&c.Author.Email, &c.Author.URL,
		&c.BodyMD, &c.BodyHTML, &c.Status, &deleted, &edited, &c.Up, &c.Down, &c.Reports, &c.IP, &c.CreatedAt}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	c.Author.Guest = c.Author.ID == 0
	if deleted != nil {
		c.DeletedAt = *deleted
	}
	if edited != nil {
		c.EditedAt = *edited
	}
	return nil
}

// Get returns one comment, whatever its status.
func (s *Store) Get(ctx context.Context, id int64) (Comment, error) {
	var c Comment
	err := scan(s.db.QueryRow(ctx, `SELECT `+cols+` FROM comments c`+authors+` WHERE c.id = $1`, id), &c)
	if err != nil {
		return c, fmt.Errorf("comment %d: %w", id, db.MapError(s.db.Engine, err))
	}
	return c, nil
}

func pad(id int64) string { return fmt.Sprintf("%010d", id) }

// maxPathLevels is how many levels a thread path spells out: a longer one
// would not fit PostgreSQL's index on it (2,704 bytes a row). A reply
// deeper than that (a chain no page nests so far anyway; a Disqus export
// has no limit) keeps its true parent and depth, and takes the path of a
// sibling of its parent: it sorts after its parent, in the order written.
const maxPathLevels = 200

// childPath is the path of the reply id under a parent at parentPath.
func childPath(parentPath string, id int64) string {
	if strings.Count(parentPath, ".")+1 >= maxPathLevels {
		parentPath = parentPath[:strings.LastIndexByte(parentPath, '.')]
	}
	return parentPath + "." + pad(id)
}

// RootPath and ReplyPath are the thread paths of a top-level comment and
// of a reply under a parent at parentPath, and Rank is a comment's rank
// by its votes: what a bulk loader writing comments itself must store as
// the store would.
func RootPath(id int64) string                     { return pad(id) }
func ReplyPath(parentPath string, id int64) string { return childPath(parentPath, id) }
func Rank(up, down int) float64                    { return wilson(up, down) }

// Post stores a new comment, applying the rules: it may be refused (an
// *apperr.Invalid or ErrClosed/ErrBanned), held for a moderator, or shown.
// Sending the same text again within ten minutes stores nothing and returns
// the first one, so a double submission is never a second comment. Posts
// sent at the same time share a transaction (batch.go); once taken, a post
// is stored whatever becomes of ctx, and its answer says what was stored.
func (s *Store) Post(ctx context.Context, n New, rules Rules) (Posted, error) {
	d, err := s.newDraft(n, rules)
	if err != nil {
		return Posted{}, err
	}
	if err := s.judge(ctx, s.db, &d, rules); err != nil {
		return Posted{}, err
	}
	p := &pending{d: d, rules: rules}
	s.post(p)
	return p.out, p.err
}

// draft is a comment on its way in: what was sent, rendered, and what the
// steps of Post learn about it.
type draft struct {
	New
	md, html, text string
	links          int
	at             time.Time
	// Where it goes: depth 0 and thread 0 for a new thread.
	depth  int
	thread int64
	path   string // the parent's path for a reply
	// What the rules say: why it is held ("" to show it), and how likely
	// it is spam.
	held  string
	score float64
}

// newDraft renders a comment and applies the rules that need no database.
func (s *Store) newDraft(n New, rules Rules) (draft, error) {
	md, html, text, links, err := render(n.Body)
	if err != nil {
		return draft{}, err
	}
	if !rules.Open {
		return draft{}, ErrClosed
	}
	if w := matchWord(md, rules.BlockWords); w != "" {
		return draft{}, apperr.Field("body", fmt.Sprintf("this site does not accept comments with the word %q", w))
	}
	d := draft{New: n, md: md, html: html, text: text, links: links, at: s.now()}
	if !n.At.IsZero() {
		d.at = n.At
	}
	return d, nil
}

// articleState is what decides whether an article takes comments.
type articleState struct {
	found     bool
	status    string
	published time.Time
	closed    bool
	slug      string
}

// judge applies the hold rules and the spam filter to an untrusted
// author's comment. It only reads, and before the comment's batch: each
// poster judges their own comment at the same time as the others, and the
// batch's transaction holds the writer for the writes alone.
func (s *Store) judge(ctx context.Context, q db.Querier, d *draft, rules Rules) error {
	if d.Trusted {
		return nil
	}
	var err error
	if d.held, err = s.holdReason(ctx, q, d.AuthorID, d.md, d.links, rules); err != nil {
		return err
	}
	spamDocs, hamDocs, err := s.spamTotals(ctx, q)
	if err != nil {
		return err
	}
	if d.score, err = scoreWith(ctx, q, d.text, spamDocs, hamDocs); err != nil {
		return err
	}
	if d.held == "" && d.score > SpamThreshold {
		d.held = fmt.Sprintf("likely spam (%.2f)", d.score)
	}
	return nil
}

// status is where a judged draft goes: shown, or held for a moderator.
func (d draft) status() Status {
	if d.held != "" {
		return StatusPending
	}
	return StatusVisible
}

// holdReason says why a comment must wait for a moderator, or "".
func (s *Store) holdReason(ctx context.Context, q db.Querier, author int64, md string, links int, r Rules) (string, error) {
	switch {
	case r.HoldAll:
		return "every comment is reviewed", nil
	case r.MaxLinks >= 0 && links > r.MaxLinks:
		return fmt.Sprintf("more than %d links", r.MaxLinks), nil
	}
	if w := matchWord(md, r.HoldWords); w != "" {
		return fmt.Sprintf("contains %q", w), nil
	}
	if r.HoldFirst > 0 {
		// Counted up to HoldFirst: a regular's thousands are not read
		// for each comment they post (the limit written in: db.Query).
		var approved int
		if err := q.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM comments WHERE author_id = $1 AND status = 'visible' LIMIT `+strconv.Itoa(r.HoldFirst)+`) approved`,
			author).Scan(&approved); err != nil {
			return "", fmt.Errorf("comment: count approved: %w", err)
		}
		if approved < r.HoldFirst {
			return "a new commenter's first comments are reviewed", nil
		}
	}
	return "", nil
}

// lockComment ends getTx's query: on PostgreSQL it holds the comment's row
// until the transaction ends, so concurrent changes to one comment (votes,
// reports, moderation, deletion) each start from the one before and none
// writes counts over another's. SQLite has one writer at a time already.
var lockComment = map[db.Engine]string{db.SQLite: "", db.Postgres: " FOR UPDATE OF c"}

// getTx reads a comment in a transaction that changes it, holding it
// until the transaction ends.
func (s *Store) getTx(ctx context.Context, tx *db.Tx, id int64) (Comment, error) {
	var c Comment
	if err := scan(tx.QueryRow(ctx, `SELECT `+cols+` FROM comments c`+authors+` WHERE c.id = $1`+lockComment[tx.Engine()], id), &c); err != nil {
		return c, fmt.Errorf("comment %d: %w", id, db.MapError(tx.Engine(), err))
	}
	return c, nil
}

func event(ctx context.Context, tx *db.Tx, id, actor int64, action, note string, at time.Time) error {
	var a any
	if actor > 0 {
		a = actor
	}
	_, err := tx.Exec(ctx, `INSERT INTO comment_events (comment_id, actor_id, action, note, created_at) VALUES ($1, $2, $3, $4, $5)`, id, a, action, note, at)
	return err
}

// Edit changes a comment's text: only its author, within EditWindow.
func (s *Store) Edit(ctx context.Context, id, authorID int64, body string) (Comment, error) {
	md, html, text, _, err := render(body)
	if err != nil {
		return Comment{}, err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.getTx(ctx, tx, id)
		if err != nil {
			return apperr.ErrNotFound
		}
		if c.Author.ID != authorID {
			return apperr.ErrNotFound
		}
		if !c.Editable(now) {
			return apperr.Field("body", "comments can be edited for 15 minutes after posting")
		}
		if _, err := tx.Exec(ctx, `UPDATE comments SET body_md = $2, body_html = $3, body_text = $4, edited_at = $5, body_hash = $6 WHERE id = $1`,
			id, md, html, text, now, bodyHash(md)); err != nil {
			return err
		}
		return event(ctx, tx, id, authorID, "edited", "", now)
	})
	if err != nil {
		return Comment{}, err
	}
	return s.Get(ctx, id)
}

// Delete is the author taking their comment back. A comment with replies
// stays as a "[deleted]" placeholder so the thread reads on.
func (s *Store) Delete(ctx context.Context, id, authorID int64) error {
	now := s.now()
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.getTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.Author.ID != authorID || c.Deleted() {
			return apperr.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `UPDATE comments SET deleted_at = $2, body_md = '', body_html = '', body_text = '' WHERE id = $1`, id, now); err != nil {
			return err
		}
		if c.Status == StatusVisible {
			if _, err := tx.Exec(ctx, `UPDATE articles SET comment_count = comment_count - 1 WHERE id = $1`, c.ArticleID); err != nil {
				return err
			}
		}
		return event(ctx, tx, id, authorID, "deleted by author", "", now)
	})
}

// Vote records one person's vote: +1, -1, or 0 to withdraw it. Nobody
// votes on their own comment, nor on one that is not shown.
func (s *Store) Vote(ctx context.Context, id, userID int64, value int) (Comment, error) {
	if value < -1 || value > 1 {
		return Comment{}, apperr.Field("value", "vote up (1), down (-1) or withdraw (0)")
	}
	now := s.now()
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		c, err := s.getTx(ctx, tx, id)
		if err != nil || c.Status != StatusVisible || c.Deleted() {
			return apperr.ErrNotFound
		}
		if c.Author.ID == userID {
			return apperr.Field("value", "you cannot vote on your own comment")
		}
		if value == 0 {
			_, err = tx.Exec(ctx, `DELETE FROM comment_votes WHERE comment_id = $1 AND user_id = $2`, id, userID)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO comment_votes (comment_id, user_id, value, created_at) VALUES ($1, $2, $3, $4)
				ON CONFLICT (comment_id, user_id) DO UPDATE SET value = excluded.value`, id, userID, value, now)
		}
		if err != nil {
			return err
		}
		var up, down int
		if err := tx.QueryRow(ctx, `SELECT
				COALESCE(SUM(CASE WHEN value = 1 THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN value = -1 THEN 1 ELSE 0 END), 0)
			FROM comment_votes WHERE comment_id = $1`, id).Scan(&up, &down); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE comments SET up = $2, down = $3, rank = $4 WHERE id = $1`, id, up, down, wilson(up, down))
		return err
	})
	if err != nil {
		return Comment{}, err
	}
	return s.Get(ctx, id)
}

// Votes returns a person's votes on the given comments.
func (s *Store) Votes(ctx context.Context, userID int64, ids []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(ids) == 0 {
		return out, nil
	}
	in, arg := s.db.Engine.InIDs("comment_id", 2, ids)
	rows, err := s.db.Query(ctx, `SELECT comment_id, value FROM comment_votes WHERE user_id = $1 AND `+in, userID, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, rows.Err()
}

// Recent is a comment in the Recent Comments box or the comment feed.
type Recent struct {
	ID               int64
	AuthorName       string
	AuthorSlug       string // "" for a guest
	Guest            bool
	GuestURL         string // a guest's web address, or ""
	Excerpt          string // plain text
	BodyHTML         string
	ArticleSlug      string
	ArticleHeadline  string
	ArticleTitle     string // the headline cut short for the sidebar
	ArticlePublished time.Time
	CreatedAt        time.Time
}

// Recent returns the newest visible comments site-wide (articleID 0) or of
// one article, newest first.
func (s *Store) Recent(ctx context.Context, articleID int64, n int) ([]Recent, error) {
	where, args := "", []any{s.now()}
	if articleID > 0 {
		where = " AND article_id = $2"
		args = append(args, articleID)
	}
	return s.recent(ctx, where, args, n)
}

// ByAuthor returns a person's newest visible comments on public articles,
// for their public page.
func (s *Store) ByAuthor(ctx context.Context, authorID int64, n int) ([]Recent, error) {
	return s.recent(ctx, " AND author_id = $2", []any{s.now(), authorID}, n)
}

// recent reads the newest visible comments matching where ($1 is now).
func (s *Store) recent(ctx context.Context, where string, args []any, n int) ([]Recent, error) {
	// The newest comments come first from their index, a few more than
	// asked in case some sit under articles not public yet; only then are
	// articles and people joined. Left to itself, the planner walks the
	// articles instead, which on a big site means every comment.
	rows, err := s.db.Query(ctx, `SELECT c.id, c.author_id IS NULL, COALESCE(u.display_name, c.guest_name), COALESCE(u.slug, ''), c.guest_url, c.body_text, c.body_html, a.slug, a.headline, a.published_at, c.created_at
		FROM (SELECT id, author_id, guest_name, guest_url, article_id, body_text, body_html, created_at FROM comments
			WHERE status = 'visible' AND deleted_at IS NULL`+where+`
			ORDER BY created_at DESC, id DESC LIMIT `+fmt.Sprint(n*4+20)+`) c
		CROSS JOIN articles a LEFT JOIN users u ON u.id = c.author_id
		WHERE a.id = c.article_id AND a.status IN ('published', 'scheduled') AND a.published_at <= $1
		ORDER BY c.created_at DESC, c.id DESC LIMIT `+fmt.Sprint(n), args...)
	if err != nil {
		return nil, fmt.Errorf("comment: recent: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Recent, error) {
		var r Recent
		var text string
		if err := sc.Scan(&r.ID, &r.Guest, &r.AuthorName, &r.AuthorSlug, &r.GuestURL, &text, &r.BodyHTML, &r.ArticleSlug, &r.ArticleHeadline, &r.ArticlePublished, &r.CreatedAt); err != nil {
			return r, err
		}
		r.Excerpt = markdown.Cut(text, 60)
		r.ArticleTitle = markdown.Cut(r.ArticleHeadline, 48)
		return r, nil
	})
}
