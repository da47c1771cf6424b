package article

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/db"
)

// Conflict is a save or step refused because someone saved the article
// since: each names the version (the article's edit counter) it started
// from.
type Conflict struct {
	Current Article // the article as the other person left it
}

func (c *Conflict) Error() string {
	return fmt.Sprintf("someone else saved this article at %s (version %d); your text is kept here, but it was not saved",
		c.Current.UpdatedAt.Format(time.RFC1123), c.Current.Version)
}

// Is lets errors.Is(err, apperr.ErrConflict) match.
func (c *Conflict) Is(target error) bool { return target == apperr.ErrConflict }

// Staff is an article as the newsroom sees it.
type Staff struct {
	Article
	Version    int
	Trashed    bool
	ReviewNote string
	Pinned     bool // at the top of the home page
}

// ErrTransition is a workflow step the article's status does not allow.
var ErrTransition = errors.New("that step does not apply to the article as it is now")

// StaffByID returns any article with its newsroom fields.
func (s *Store) StaffByID(ctx context.Context, id int64) (Staff, error) {
	a, err := s.ByID(ctx, id)
	if err != nil {
		return Staff{}, err
	}
	st := Staff{Article: a}
	var trashed, pinned *time.Time
	if err := s.db.QueryRow(ctx, `SELECT version, trashed_at, review_note, pinned_at FROM articles WHERE id = $1`, id).Scan(&st.Version, &trashed, &st.ReviewNote, &pinned); err != nil {
		return Staff{}, err
	}
	st.Trashed, st.Pinned = trashed != nil, pinned != nil
	st.Article.Version = st.Version
	return st, nil
}

// Save stores an edit of article id made from version (a draft's body may
// be saved incomplete: autosave). Saving a published or scheduled article
// keeps a revision. A save from an older version is refused with a
// *Conflict; a taken slug with an *apperr.Invalid.
func (s *Store) Save(ctx context.Context, id int64, version int, d Draft, by account.Person) (Staff, error) {
	cur, err := s.StaffByID(ctx, id)
	if err != nil {
		return Staff{}, err
	}
	if !May(by, &cur, "save") {
		return Staff{}, ErrForbidden
	}
	p, err := d.prepare(s.now())
	if err != nil {
		return Staff{}, err
	}
	now := s.now()
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM articles WHERE slug = $1 AND id <> $2`, p.Slug, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.Field("slug", fmt.Sprintf("another article has the address %q", p.Slug))
		}
		var pub any
		if !p.PublishedAt.IsZero() {
			pub = p.PublishedAt
		}
		res, err := tx.Exec(ctx, `UPDATE articles SET slug = $3, headline = $4, author_id = $5, status = $6, published_at = $7, body_md = $8, body_html = $9,
			body_text = $10, excerpt = $11, updated_at = $12, featured_media_id = $13, version = version + 1, trashed_at = NULL WHERE id = $1 AND version = $2`,
			id, version, p.Slug, p.Headline, p.AuthorID, string(p.Status), pub, p.BodyMD, p.html, p.text, p.Excerpt, now, nullID(p.FeaturedMediaID))
		if err != nil {
			return db.MapError(tx.Engine(), err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return s.conflict(ctx, tx, id)
		}
		if err := setTags(ctx, tx, id, pub, p.tags); err != nil {
			return err
		}
		if p.Status == StatusPublished || p.Status == StatusScheduled {
			return keepRevision(ctx, tx, id, by.ID, now)
		}
		return nil
	})
	if err != nil {
		var c *Conflict
		if _, ok := apperr.AsInvalid(err); ok || errors.As(err, &c) || errors.Is(err, apperr.ErrNotFound) {
			return Staff{}, err
		}
		return Staff{}, fmt.Errorf("article: save %d: %w", id, err)
	}
	return s.StaffByID(ctx, id)
}

// conflict explains why a versioned update touched nothing.
func (s *Store) conflict(ctx context.Context, tx *db.Tx, id int64) error {
	cur, err := s.byWhere(ctx, tx, "a.id = $1", id)
	if err != nil {
		return err // not found, most likely
	}
	if err := tx.QueryRow(ctx, `SELECT version FROM articles WHERE id = $1`, id).Scan(&cur.Version); err != nil {
		return err
	}
	return &Conflict{Current: cur}
}

// keepRevision stores the article as it now is.
func keepRevision(ctx context.Context, tx *db.Tx, id, by int64, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO article_revisions (article_id, version, headline, slug, body_md, excerpt, tags, status, published_at, saved_by, saved_at)
		SELECT a.id, a.version, a.headline, a.slug, a.body_md, a.excerpt,
			COALESCE(`+tagList[tx.Engine()]+`, ''),
			a.status, a.published_at, $2, $3 FROM articles a WHERE a.id = $1`, id, nullID(by), now)
	return err
}

// tagList is an article's tags as typed, in order, joined with commas
// (SQLite's group_concat keeps the order of the rows it is given).
var tagList = map[db.Engine]string{
	db.SQLite: `(SELECT group_concat(n, ', ') FROM (SELECT ` + articleTagName + ` AS n FROM article_tags at JOIN tags t ON t.id = at.tag_id
		WHERE at.article_id = a.id ORDER BY at.position, t.name))`,
	db.Postgres: `(SELECT string_agg(` + articleTagName + `, ', ' ORDER BY at.position, t.name) FROM article_tags at JOIN tags t ON t.id = at.tag_id
		WHERE at.article_id = a.id)`,
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Step moves an article along the workflow: "submit" (a draft to review),
// "return" (back to its writer, with a note), "publish" (now, or at its
// date if that is to come), "unpublish" (back to draft), "trash" and
// "restore". The person's role must allow the step (May): else
// ErrForbidden.
func (s *Store) Step(ctx context.Context, id int64, version int, step, note string, by account.Person) (Staff, error) {
	cur, err := s.StaffByID(ctx, id)
	if err != nil {
		return Staff{}, err
	}
	if version != 0 && version != cur.Version {
		return Staff{}, &Conflict{Current: cur.Article}
	}
	now := s.now()
	set, extra, err := transition(cur, step, note, now)
	if err != nil {
		return Staff{}, err
	}
	if !May(by, &cur, step) {
		return Staff{}, ErrForbidden
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		args := append([]any{id, cur.Version, now}, extra...)
		res, err := tx.Exec(ctx, `UPDATE articles SET `+set+`, updated_at = $3, version = version + 1 WHERE id = $1 AND version = $2`, args...)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			return s.conflict(ctx, tx, id)
		}
		if err := syncTags(ctx, tx, id); err != nil {
			return err
		}
		if step == "publish" {
			if err := keepRevision(ctx, tx, id, by.ID, now); err != nil {
				return err
			}
		}
		return s.notices(ctx, tx, id, step, note, by)
	})
	if err != nil {
		var c *Conflict
		if errors.As(err, &c) {
			return Staff{}, err
		}
		return Staff{}, fmt.Errorf("article: %s %d: %w", step, id, err)
	}
	return s.StaffByID(ctx, id)
}

// transition says what a step changes in an article as it is now: the SET
// list of the update, whose $1 is the id, $2 the version and $3 the time,
// and the values of its further parameters from $4. A step the article
// cannot take is ErrTransition.
func transition(cur Staff, step, note string, now time.Time) (string, []any, error) {
	switch step {
	case "submit":
		if cur.Status != StatusDraft || cur.Trashed {
			return "", nil, ErrTransition
		}
		return `status = 'pending', review_note = ''`, nil, nil
	case "return":
		if cur.Status != StatusPending {
			return "", nil, ErrTransition
		}
		if strings.TrimSpace(note) == "" {
			return "", nil, apperr.Field("note", "say what the writer should change")
		}
		return `status = 'draft', review_note = $4`, []any{strings.TrimSpace(note)}, nil
	case "publish":
		if cur.Trashed || cur.Status == StatusPublished {
			return "", nil, ErrTransition
		}
		status, at := StatusPublished, now
		if !cur.PublishedAt.IsZero() && cur.PublishedAt.After(now) {
			status, at = StatusScheduled, cur.PublishedAt
		}
		return `status = $4, published_at = $5, review_note = ''`, []any{string(status), at}, nil
	case "unpublish":
		if cur.Status != StatusPublished && cur.Status != StatusScheduled {
			return "", nil, ErrTransition
		}
		return `status = 'draft', pinned_at = NULL`, nil, nil
	case "trash":
		if cur.Trashed {
			return "", nil, ErrTransition
		}
		return `status = 'draft', trashed_at = $3, pinned_at = NULL`, nil, nil
	case "restore":
		if !cur.Trashed {
			return "", nil, ErrTransition
		}
		return `trashed_at = NULL`, nil, nil
	}
	return "", nil, ErrTransition
}

// syncTags copies the article's publication time to its tag rows and
// recounts its tags: tags list an article by its date and status.
func syncTags(ctx context.Context, tx *db.Tx, id int64) error {
	tags, err := tagIDs(ctx, tx, id)
	if err != nil {
		return err
	}
	var pub any
	if err := tx.QueryRow(ctx, `SELECT published_at FROM articles WHERE id = $1`, id).Scan(&pub); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE article_tags SET published_at = $2 WHERE article_id = $1`, id, pub); err != nil {
		return err
	}
	return recountTags(ctx, tx, tags)
}

func tagIDs(ctx context.Context, tx *db.Tx, id int64) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT tag_id FROM article_tags WHERE article_id = $1`, id)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, db.Value[int64])
}

// StaffQuery selects articles for the newsroom's list.
type StaffQuery struct {
	Status   string // draft, pending, scheduled, published or trashed; "" all but trashed
	AuthorID int64
	TagSlug  string
	Text     string // in the headline
	Page     int
	Limit    int
}

// StaffList lists articles for the newsroom, most recently changed first,
// and says whether more follow.
func (s *Store) StaffList(ctx context.Context, q StaffQuery) ([]Staff, bool, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 30
	}
	q.Page = max(q.Page, 1)
	var where db.Where
	switch q.Status {
	case "":
		where.Add("a.trashed_at IS NULL")
	case "trashed":
		where.Add("a.trashed_at IS NOT NULL")
	default:
		where.Add("a.trashed_at IS NULL")
		where.Add("a.status = $1", q.Status)
	}
	if q.AuthorID > 0 {
		where.Add("a.author_id = $1", q.AuthorID)
	}
	if q.TagSlug != "" {
		where.Add("EXISTS (SELECT 1 FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = a.id AND t.slug = $1)", q.TagSlug)
	}
	if t := strings.TrimSpace(q.Text); t != "" {
		where.Add(`lower(a.headline) LIKE $1 ESCAPE '\'`, db.Contains(strings.ToLower(t)))
	}
	rows, err := s.db.Query(ctx, `SELECT `+summaryCols+`, a.version, a.trashed_at, a.review_note FROM articles a JOIN users u ON u.id = a.author_id
		`+where.SQL()+fmt.Sprintf(` ORDER BY a.updated_at DESC, a.id DESC LIMIT %d OFFSET %d`, q.Limit+1, (q.Page-1)*q.Limit), where.Args()...)
	if err != nil {
		return nil, false, fmt.Errorf("article: staff list: %w", err)
	}
	out, err := db.Collect(rows, func(sc db.Scanner) (Staff, error) {
		var st Staff
		var trashed sql.NullTime
		err := scanSummary(sc, &st.Article, &st.Version, &trashed, &st.ReviewNote)
		st.Trashed = trashed.Valid
		return st, err
	})
	if err != nil {
		return nil, false, err
	}
	more := len(out) > q.Limit
	if more {
		out = out[:q.Limit]
	}
	return out, more, nil
}

// StatusCounts counts the newsroom's articles by status (and the trash):
// every article, or one writer's (authorID > 0), the same articles
// StaffList shows with that AuthorID.
func (s *Store) StatusCounts(ctx context.Context, authorID int64) (map[string]int, error) {
	return s.db.CountBy(ctx, `SELECT CASE WHEN trashed_at IS NOT NULL THEN 'trashed' ELSE status END, count(*) FROM articles
		WHERE (author_id = $1 OR $1 = 0) GROUP BY 1`, authorID)
}

// Revision is one saved state of an article.
type Revision struct {
	ID          int64
	ArticleID   int64
	Version     int
	Headline    string
	Slug        string
	BodyMD      string
	Excerpt     string
	Tags        string
	Status      Status
	PublishedAt time.Time
	SavedBy     string
	SavedAt     time.Time
}

const revCols = `r.id, r.article_id, r.version, r.headline, r.slug, r.body_md, r.excerpt, r.tags, r.status, r.published_at, COALESCE(u.display_name, ''), r.saved_at`

func scanRevision(sc db.Scanner) (Revision, error) {
	var r Revision
	var pub sql.NullTime
	err := sc.Scan(&r.ID, &r.ArticleID, &r.Version, &r.Headline, &r.Slug, &r.BodyMD, &r.Excerpt, &r.Tags, &r.Status, &pub, &r.SavedBy, &r.SavedAt)
	if pub.Valid {
		r.PublishedAt = pub.Time
	}
	return r, err
}

// Revisions lists an article's revisions, newest first.
func (s *Store) Revisions(ctx context.Context, articleID int64) ([]Revision, error) {
	rows, err := s.db.Query(ctx, `SELECT `+revCols+` FROM article_revisions r LEFT JOIN users u ON u.id = r.saved_by WHERE r.article_id = $1 ORDER BY r.id DESC`, articleID)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, func(sc db.Scanner) (Revision, error) { return scanRevision(sc) })
}

// Revision returns one revision.
func (s *Store) Revision(ctx context.Context, id int64) (Revision, error) {
	r, err := scanRevision(s.db.QueryRow(ctx, `SELECT `+revCols+` FROM article_revisions r LEFT JOIN users u ON u.id = r.saved_by WHERE r.id = $1`, id))
	if err != nil {
		return Revision{}, db.MapError(s.db.Engine, err)
	}
	return r, nil
}

// Restore makes a revision the article's text again (headline, address,
// body, excerpt, tags), as a new save from version.
func (s *Store) Restore(ctx context.Context, revisionID int64, version int, by account.Person) (Staff, error) {
	r, err := s.Revision(ctx, revisionID)
	if err != nil {
		return Staff{}, err
	}
	cur, err := s.StaffByID(ctx, r.ArticleID)
	if err != nil {
		return Staff{}, err
	}
	d := Draft{Headline: r.Headline, Slug: r.Slug, AuthorID: cur.Author.ID, BodyMD: r.BodyMD, Excerpt: r.Excerpt, Tags: splitTags(r.Tags),
		Status: cur.Status, PublishedAt: cur.PublishedAt, FeaturedMediaID: cur.FeaturedMediaID}
	return s.Save(ctx, r.ArticleID, version, d, by)
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// Preview renders a draft as its page would show it, storing nothing.
func (s *Store) Preview(ctx context.Context, d Draft) (Article, error) {
	status := d.Status // as the article stands, for the preview to say
	if d.Status == "" || d.Status == StatusPublished || d.Status == StatusScheduled {
		d.Status = StatusDraft // a preview need not be complete
	}
	p, err := d.prepare(s.now())
	if err != nil {
		return Article{}, err
	}
	if status == "" {
		status = p.Status
	}
	a := Article{ID: 0, Slug: p.Slug, Headline: p.Headline, Status: status, PublishedAt: p.PublishedAt, BodyMD: p.BodyMD, BodyHTML: p.html, Excerpt: p.Excerpt,
		FeaturedMediaID: p.FeaturedMediaID}
	if a.PublishedAt.IsZero() {
		a.PublishedAt = s.now()
	}
	if err := s.db.QueryRow(ctx, `SELECT id, slug, display_name FROM users WHERE id = $1`, d.AuthorID).Scan(&a.Author.ID, &a.Author.Slug, &a.Author.Name); err != nil {
		return Article{}, db.MapError(s.db.Engine, err)
	}
	a.Tags = p.tags
	return a, nil
}

// SetFeaturedImageIfNone gives an article a featured image unless it has
// one already (an editor's choice is kept): an import meets an article's
// image after the article.
func (s *Store) SetFeaturedImageIfNone(ctx context.Context, articleID, mediaID int64) error {
	if _, err := s.db.Exec(ctx, `UPDATE articles SET featured_media_id = $2 WHERE id = $1 AND featured_media_id IS NULL`, articleID, mediaID); err != nil {
		return fmt.Errorf("article: featured image: %w", err)
	}
	return nil
}
