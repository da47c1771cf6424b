package comment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
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
// them (thread, path and depth, at any depth), the articles' stored counts
// kept, spam and approved comments taught to the spam filter as a
// moderator's verdict would, and no mail sent (they are history). Running
// the same import again adds nothing: each comment is found by its key.
// A comment the rules refuse gets its Err; an error of the database fails
// the whole call.
func (s *Store) Import(ctx context.Context, list []Imported) ([]ImportResult, error) {
	out := make([]ImportResult, len(list))
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		for i, im := range list {
			res, err := s.importOne(ctx, tx, im)
			if _, ok := apperr.AsInvalid(err); ok {
				res.Err = err
			} else if err != nil {
				return fmt.Errorf("comment: import %s %s: %w", im.Source, im.ExternalID, err)
			}
			out[i] = res
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// importOne checks one imported comment and stores it unless its key is
// known. Every check that can refuse it runs before anything is written.
func (s *Store) importOne(ctx context.Context, tx *db.Tx, im Imported) (ImportResult, error) {
	if err := checkImported(&im); err != nil {
		return ImportResult{}, err
	}
	var known int64
	err := tx.QueryRow(ctx, `SELECT comment_id FROM comment_sources WHERE source = $1 AND external_id = $2`, im.Source, im.ExternalID).Scan(&known)
	switch {
	case err == nil:
		return ImportResult{ID: known}, nil
	case !errors.Is(err, sql.ErrNoRows):
		return ImportResult{}, err
	}
	if err := importTargetsExist(ctx, tx, im); err != nil {
		return ImportResult{}, err
	}
	d := draft{New: New{ArticleID: im.ArticleID, AuthorID: im.AuthorID, IP: im.IP}, at: im.At}
	if im.ParentExternalID != "" {
		if err := placeImported(ctx, tx, &d, im); err != nil {
			return ImportResult{}, err
		}
	}
	var deletedAt any
	if im.Deleted {
		deletedAt = im.At
	} else {
		if im.BodyMarkdown != "" {
			md, html, text, _, err := render(im.BodyMarkdown)
			if err != nil {
				return ImportResult{}, err
			}
			d.md, d.html, d.text = md, html, text
		} else {
			d.html, d.text, d.md = importedHTML(im.BodyHTML)
		}
		if strings.TrimSpace(d.text) == "" {
			return ImportResult{}, apperr.Field("body", "nothing would be left to show of this comment")
		}
	}
	var author any
	if im.AuthorID > 0 {
		author = im.AuthorID
		im.Guest = Author{}
	}
	var parent any
	if d.ParentID > 0 {
		parent = d.ParentID
	}
	var id int64
	// reply_notified: an imported reply is history, never a notice.
	if err := tx.QueryRow(ctx, `INSERT INTO comments (article_id, parent_id, thread_id, depth, path, author_id, guest_name, guest_email, guest_url,
			body_md, body_html, body_text, status, deleted_at, ip, spam_score, created_at, reply_notified)
		VALUES ($1, $2, 0, $3, '', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $14, TRUE) RETURNING id`,
		im.ArticleID, parent, d.depth, author, im.Guest.Name, im.Guest.Email, im.Guest.URL,
		d.md, d.html, d.text, string(im.Status), deletedAt, im.IP, im.At).Scan(&id); err != nil {
		return ImportResult{}, db.MapError(tx.Engine(), err)
	}
	thread, path := d.thread, d.path
	if thread == 0 {
		thread, path = id, pad(id)
	} else {
		path += "." + pad(id)
	}
	if _, err := tx.Exec(ctx, `UPDATE comments SET thread_id = $2, path = $3 WHERE id = $1`, id, thread, path); err != nil {
		return ImportResult{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO comment_sources (source, external_id, comment_id) VALUES ($1, $2, $3)`, im.Source, im.ExternalID, id); err != nil {
		return ImportResult{}, err
	}
	if im.Status == StatusVisible {
		// A deleted top-level comment is still a thread, as when its
		// author deletes it here.
		if _, err := tx.Exec(ctx, `UPDATE articles SET comment_count = comment_count + $2, comment_threads = comment_threads + $3 WHERE id = $1`,
			im.ArticleID, b2i(!im.Deleted), b2i(d.depth == 0)); err != nil {
			return ImportResult{}, err
		}
	}
	// The other site's moderators judged it: their spam and their
	// approved comments teach the filter, as an action here would. Both,
	// so that an import of much spam does not leave a filter that has
	// learned only spam and holds everything.
	if label := importVerdicts[im.Status]; label != "" && !im.Deleted {
		if err := learn(ctx, tx, id, d.text, "", label); err != nil {
			return ImportResult{}, err
		}
	}
	if err := event(ctx, tx, id, 0, "imported", im.Source+" "+im.ExternalID, s.now()); err != nil {
		return ImportResult{}, err
	}
	return ImportResult{ID: id, Added: true}, nil
}

// importTargetsExist refuses a comment whose article or member is not
// here, before a foreign key would fail (and, on PostgreSQL, abort) the
// whole import's transaction.
func importTargetsExist(ctx context.Context, tx *db.Tx, im Imported) error {
	var articles, members int
	if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM articles WHERE id = $1), (SELECT count(*) FROM users WHERE id = $2)`,
		im.ArticleID, im.AuthorID).Scan(&articles, &members); err != nil {
		return err
	}
	bad := apperr.NewInvalid()
	if articles == 0 {
		bad.Add("article", fmt.Sprintf("there is no article %d", im.ArticleID))
	}
	if im.AuthorID > 0 && members == 0 {
		bad.Add("author", fmt.Sprintf("there is no member %d", im.AuthorID))
	}
	return bad.Err()
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

// placeImported puts an imported reply under its parent, found by its key
// in the same source, on the same article, whatever the parent's status
// (the thread is kept as it was).
func placeImported(ctx context.Context, tx *db.Tx, d *draft, im Imported) error {
	var pArticle int64
	err := tx.QueryRow(ctx, `SELECT c.id, c.article_id, c.depth, c.thread_id, c.path FROM comment_sources s JOIN comments c ON c.id = s.comment_id
		WHERE s.source = $1 AND s.external_id = $2`, im.Source, im.ParentExternalID).Scan(&d.ParentID, &pArticle, &d.depth, &d.thread, &d.path)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && pArticle != im.ArticleID) {
		return apperr.Field("parent", fmt.Sprintf("the comment it replies to (%s) was not imported on this article first", im.ParentExternalID))
	}
	if err != nil {
		return err
	}
	d.depth++
	return nil
}
