package comment

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/input"
)

// Imported is a comment written on another site (WordPress, Disqus), as an
// importer reads it.
type Imported struct {
	// Source and ExternalID are its key: the same key imported again adds
	// nothing. Source names the other site ("wordpress:example.com",
	// "disqus:forum"); ExternalID is the comment's id there.
	Source, ExternalID string
	// ParentExternalID is the id, in the same source, of the comment it
	// replies to ("" for a top-level comment). The parent must be imported
	// first: earlier in the same call or in an earlier one.
	ParentExternalID string
	ArticleID        int64
	// AuthorID is the member who wrote it, or 0 for a guest, known by
	// Guest's Name (required), Email and URL.
	AuthorID int64
	Guest    Author
	BodyHTML string // the source's HTML: sanitised here
	// BodyMarkdown, when set, is the body as Markdown (another Byline's
	// export keeps the writer's source): it is rendered as a posted
	// comment is, by the same rules, and BodyHTML is not read.
	BodyMarkdown string
	// Status is where it stood there: visible (approved), pending, spam or
	// trash. Deleted keeps it as a "[deleted]" placeholder, so the replies
	// under it still read as a thread.
	Status  Status
	Deleted bool
	IP      string
	At      time.Time // when it was written
}

// ImportResult is what became of one imported comment.
type ImportResult struct {
	ID    int64 // its id here (the earlier one when it was imported before)
	Added bool  // false when its key was imported before: nothing changed
	// Err says why it was refused (an *apperr.Invalid); the others of the
	// call are imported all the same.
	Err error
}

// Limits of what a guest's fields keep.
const (
	maxGuestName  = 200
	maxGuestEmail = 320
	maxGuestURL   = 2000
)

// Import stores comments written on another site with their own date,
// status and author, in one transaction: threads placed as Post places
// them (thread, path and depth, at any depth), the articles' and the
// threads' stored counts kept, spam and approved comments taught to the spam filter as a
// moderator's verdict would, and no mail sent (they are history). Running
// the same import again adds nothing: each comment is found by its key.
// A comment the rules refuse gets its Err; an error of the database fails
// the whole call.
//
// The list is written in bulk (a few statements for the whole list, not a
// few per comment): its keys, parents, articles and members are read in one
// query each, and its rows written many to a statement.
func (s *Store) Import(ctx context.Context, list []Imported) ([]ImportResult, error) {
	out := make([]ImportResult, len(list))
	defer s.forgetTotals() // imported verdicts teach the filter; after the commit
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		b := &importBatch{tx: tx, list: slices.Clone(list), out: out, now: s.now()}
		return b.run(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("comment: import: %w", err)
	}
	return out, nil
}

// importBatch is one call of Import.
type importBatch struct {
	tx   *db.Tx
	list []Imported
	out  []ImportResult
	// What the database holds already, by source and external id: the
	// comments imported before (id 0: the key is there, its comment is
	// not) and where they stand.
	stored   map[sourceKey]storedComment
	articles map[int64]bool
	members  map[int64]bool
	rows     []importRow
	byKey    map[sourceKey]int // rows of this call, by key
	now      time.Time
}

type sourceKey struct{ source, id string }

type storedComment struct {
	id, article, thread int64
	depth               int
	path                string
}

// importRow is a comment of the call that will be written.
type importRow struct {
	at     int // its place in the list
	d      draft
	parent int // the row it replies to, -1 for a stored parent or none
	id     int64
}

func (b *importBatch) run(ctx context.Context) error {
	for i := range b.list {
		if err := checkImported(&b.list[i]); err != nil {
			b.out[i].Err = err
		}
	}
	if err := b.readStored(ctx); err != nil {
		return err
	}
	if err := b.readTargets(ctx); err != nil {
		return err
	}
	b.byKey = map[sourceKey]int{}
	for i := range b.list {
		if b.out[i].Err != nil {
			continue
		}
		if err := b.place(i); err != nil {
			if _, ok := apperr.AsInvalid(err); !ok {
				return err
			}
			b.out[i].Err = err
		}
	}
	if len(b.rows) == 0 {
		return nil
	}
	ids, err := b.tx.ReserveIDs(ctx, "comments", len(b.rows))
	if err != nil {
		return err
	}
	for k := range b.rows {
		r := &b.rows[k]
		r.id = ids[k]
		switch {
		case r.parent >= 0:
			p := b.rows[r.parent]
			r.d.ParentID, r.d.thread, r.d.path = p.id, p.d.thread, childPath(p.d.path, r.id)
		case r.d.ParentID > 0:
			r.d.path = childPath(r.d.path, r.id)
		default:
			r.d.thread, r.d.path = r.id, pad(r.id)
		}
		b.out[r.at] = ImportResult{ID: r.id, Added: true}
	}
	for i := range b.list {
		if k, ok := b.byKey[keyOf(b.list[i])]; ok && b.rows[k].at != i && b.out[i].Err == nil {
			b.out[i] = ImportResult{ID: b.rows[k].id} // the same key twice in the list
		}
	}
	return b.write(ctx)
}

func keyOf(im Imported) sourceKey { return sourceKey{im.Source, im.ExternalID} }

// readStored reads the comments imported before whose keys the list names,
// as comments or as parents.
func (b *importBatch) readStored(ctx context.Context) error {
	bySource := map[string][]any{}
	seen := map[sourceKey]bool{}
	for i, im := range b.list {
		if b.out[i].Err != nil {
			continue
		}
		for _, k := range []sourceKey{keyOf(im), {im.Source, im.ParentExternalID}} {
			if k.id != "" && !seen[k] {
				seen[k] = true
				bySource[k.source] = append(bySource[k.source], k.id)
			}
		}
	}
	b.stored = map[sourceKey]storedComment{}
	for source, ids := range bySource {
		err := b.tx.QueryIn(ctx, `SELECT s.external_id, COALESCE(c.id, 0), COALESCE(c.article_id, 0), COALESCE(c.depth, 0), COALESCE(c.thread_id, 0), COALESCE(c.path, '')
			FROM comment_sources s LEFT JOIN comments c ON c.id = s.comment_id WHERE s.source = $1 AND s.external_id IN $LIST`, []any{source}, ids,
			func(r *sql.Rows) error {
				var ext string
				var c storedComment
				if err := r.Scan(&ext, &c.id, &c.article, &c.depth, &c.thread, &c.path); err != nil {
					return err
				}
				b.stored[sourceKey{source, ext}] = c
				return nil
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// readTargets reads which of the articles and members the list names are
// here, so that a missing one refuses its comment before a foreign key
// would fail (and, on PostgreSQL, abort) the whole transaction.
func (b *importBatch) readTargets(ctx context.Context) error {
	var articles, members []any
	b.articles, b.members = map[int64]bool{}, map[int64]bool{}
	for i, im := range b.list {
		if b.out[i].Err != nil {
			continue
		}
		if _, ok := b.articles[im.ArticleID]; !ok {
			b.articles[im.ArticleID] = false
			articles = append(articles, im.ArticleID)
		}
		if _, ok := b.members[im.AuthorID]; !ok && im.AuthorID > 0 {
			b.members[im.AuthorID] = false
			members = append(members, im.AuthorID)
		}
	}
	for _, t := range []struct {
		query string
		ids   []any
		found map[int64]bool
	}{
		{`SELECT id FROM articles WHERE id IN $LIST`, articles, b.articles},
		{`SELECT id FROM users WHERE id IN $LIST`, members, b.members},
	} {
		err := b.tx.QueryIn(ctx, t.query, nil, t.ids, func(r *sql.Rows) error {
			var id int64
			if err := r.Scan(&id); err != nil {
				return err
			}
			t.found[id] = true
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// place decides what becomes of the list's comment i: known (its key was
// imported before), refused, or a row to write under its parent. Every
// check that can refuse it runs here, before anything is written.
func (b *importBatch) place(i int) error {
	im := b.list[i]
	key := keyOf(im)
	if c, ok := b.stored[key]; ok {
		b.out[i] = ImportResult{ID: c.id}
		return nil
	}
	if _, ok := b.byKey[key]; ok {
		return nil // the same key earlier in the list: run gives its id
	}
	bad := apperr.NewInvalid()
	if !b.articles[im.ArticleID] {
		bad.Add("article", fmt.Sprintf("there is no article %d", im.ArticleID))
	}
	if im.AuthorID > 0 && !b.members[im.AuthorID] {
		bad.Add("author", fmt.Sprintf("there is no member %d", im.AuthorID))
	}
	if err := bad.Err(); err != nil {
		return err
	}
	r := importRow{at: i, parent: -1, d: draft{New: New{ArticleID: im.ArticleID, AuthorID: im.AuthorID, IP: im.IP}, at: im.At}}
	if im.ParentExternalID != "" {
		pkey := sourceKey{im.Source, im.ParentExternalID}
		refused := apperr.Field("parent", fmt.Sprintf("the comment it replies to (%s) was not imported on this article first", im.ParentExternalID))
		if k, ok := b.byKey[pkey]; ok {
			if b.list[b.rows[k].at].ArticleID != im.ArticleID {
				return refused
			}
			r.parent, r.d.depth = k, b.rows[k].d.depth+1
		} else if p, ok := b.stored[pkey]; ok && p.id != 0 && p.article == im.ArticleID {
			r.d.ParentID, r.d.depth, r.d.thread, r.d.path = p.id, p.depth+1, p.thread, p.path
		} else {
			return refused
		}
	}
	if !im.Deleted {
		if im.BodyMarkdown != "" {
			md, html, text, _, err := render(im.BodyMarkdown)
			if err != nil {
				return err
			}
			r.d.md, r.d.html, r.d.text = md, html, text
		} else {
			r.d.html, r.d.text, r.d.md = importedHTML(im.BodyHTML)
		}
		if strings.TrimSpace(r.d.text) == "" {
			return apperr.Field("body", "nothing would be left to show of this comment")
		}
	}
	b.byKey[key] = len(b.rows)
	b.rows = append(b.rows, r)
	return nil
}

// write stores the rows placed: the comments with their keys and events,
// the articles' counts, and what the spam filter learns from them.
func (b *importBatch) write(ctx context.Context) error {
	comments := make([]row, 0, len(b.rows))
	sources := make([][]any, 0, len(b.rows))
	events := make([][]any, 0, len(b.rows))
	perArticle := map[int64]*articleCounts{}
	learned := spamCounts{}
	for _, r := range b.rows {
		im := b.list[r.at]
		var deleted *time.Time
		if im.Deleted {
			deleted = &im.At
		}
		// The other site's moderators judged it: their spam and their
		// approved comments teach the filter, as an action here would.
		// Both, so that an import of much spam does not leave a filter
		// that has learned only spam and holds everything.
		label := importVerdicts[im.Status]
		if im.Deleted || r.d.text == "" {
			label = ""
		}
		learned.add(r.d.text, label)
		// replyNotified: an imported reply is history, never a notice.
		comments = append(comments, row{id: r.id, article: im.ArticleID, parent: r.d.ParentID, thread: r.d.thread, depth: r.d.depth, path: r.d.path,
			author: im.AuthorID, guest: im.Guest, md: r.d.md, html: r.d.html, text: r.d.text, status: im.Status, deleted: deleted, ip: im.IP,
			at: im.At, replyNotified: true, label: label})
		sources = append(sources, []any{im.Source, im.ExternalID, r.id})
		events = append(events, []any{r.id, nil, "imported", im.Source + " " + im.ExternalID, b.now})
		if im.Status == StatusVisible {
			// A deleted top-level comment is still a thread, as when its
			// author deletes it here.
			c := perArticle[im.ArticleID]
			if c == nil {
				c = &articleCounts{}
				perArticle[im.ArticleID] = c
			}
			c.comments += b2i(!im.Deleted)
			c.threads += b2i(r.d.depth == 0)
		}
	}
	if err := writeRows(ctx, b.tx, comments); err != nil {
		return err
	}
	if err := b.tx.InsertRows(ctx, `INSERT INTO comment_sources (source, external_id, comment_id)`, "", sources); err != nil {
		return err
	}
	if err := b.tx.InsertRows(ctx, `INSERT INTO comment_events (comment_id, actor_id, action, note, created_at)`, "", events); err != nil {
		return err
	}
	if _, err := addToArticles(ctx, b.tx, perArticle); err != nil {
		return err
	}
	return learned.write(ctx, b.tx)
}

var importVerdicts = map[Status]string{StatusSpam: "spam", StatusVisible: "ham"}

// checkImported refuses what cannot be stored and tidies a guest's fields:
// a web address is kept only if it is http or https.
func checkImported(im *Imported) error {
	bad := apperr.NewInvalid()
	for field, v := range map[string]string{"source": im.Source, "external_id": im.ExternalID, "parent": im.ParentExternalID, "body": im.BodyHTML,
		"body_md": im.BodyMarkdown, "name": im.Guest.Name, "email": im.Guest.Email, "url": im.Guest.URL, "ip": im.IP} {
		if !input.Valid(v) {
			bad.Add(field, "the text is not valid UTF-8 or has control characters")
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	im.Source, im.ExternalID, im.ParentExternalID = strings.TrimSpace(im.Source), strings.TrimSpace(im.ExternalID), strings.TrimSpace(im.ParentExternalID)
	im.Guest.Name, im.Guest.Email = strings.TrimSpace(im.Guest.Name), strings.TrimSpace(im.Guest.Email)
	im.Guest.URL = guestURL(im.Guest.URL)
	if im.Source == "" || im.ExternalID == "" {
		bad.Add("external_id", "an imported comment needs its source and its id there")
	}
	if im.ArticleID <= 0 {
		bad.Add("article", "an imported comment needs its article")
	}
	if im.AuthorID <= 0 && im.Guest.Name == "" {
		bad.Add("name", "a guest's comment needs the name they gave")
	}
	if utf8.RuneCountInString(im.Guest.Name) > maxGuestName || len(im.Guest.Email) > maxGuestEmail {
		bad.Add("name", "the name or the e-mail address is too long")
	}
	if _, ok := importStatuses[im.Status]; !ok {
		bad.Add("status", "the status is one of visible, pending, spam and trash")
	}
	if im.At.IsZero() {
		bad.Add("at", "an imported comment needs the time it was written")
	}
	if utf8.RuneCountInString(im.BodyHTML) > 10*MaxBody {
		bad.Add("body", "the comment is too long")
	}
	return bad.Err()
}

var importStatuses = map[Status]struct{}{StatusVisible: {}, StatusPending: {}, StatusSpam: {}, StatusTrash: {}}

// guestURL is a guest's web address if it is one a page may link to.
func guestURL(raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(raw) > maxGuestURL {
		return ""
	}
	return u.String()
}
