package comment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"byline/internal/db"
	"byline/internal/mail"
	"byline/internal/markdown"
)

// Mailer stores mail in the outbox, inside the caller's transaction.
type Mailer interface {
	Enqueue(ctx context.Context, q db.Querier, m mail.Message) error
}

// Site is what notification mails say about the site.
type Site struct {
	Name    string
	BaseURL string
}

// WithMailer sends reply notifications through m and returns s.
func (s *Store) WithMailer(m Mailer) *Store {
	s.mailer = m
	return s
}

// notifyReply queues a mail to the author of the parent comment, if they
// asked for one, in the transaction that stores the reply: the reply and
// its notification exist together or not at all.
func (s *Store) notifyReply(ctx context.Context, tx *db.Tx, site Site, parentID, replyID, replierID int64, replier, text string) error {
	if s.mailer == nil || site.BaseURL == "" {
		return nil
	}
	var to, name, token, headline string
	var authorID int64
	var on bool
	err := tx.QueryRow(ctx, `SELECT u.id, u.email, u.display_name, u.notify_replies, u.notify_token, a.headline
		FROM comments c JOIN users u ON u.id = c.author_id JOIN articles a ON a.id = c.article_id
		WHERE c.id = $1 AND u.deleted_at IS NULL AND u.email_verified_at IS NOT NULL`, parentID).Scan(&authorID, &to, &name, &on, &token, &headline)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (!on || token == "" || authorID == replierID)) {
		return nil // nobody to tell
	}
	if err != nil {
		// Not "nobody to tell": on PostgreSQL the reply's transaction is
		// aborted by now, and its commit would only say so.
		return fmt.Errorf("comment: reply notice for %d: %w", parentID, err)
	}
	link := fmt.Sprintf("%s/comments/%d", site.BaseURL, replyID)
	unsub := fmt.Sprintf("%s/notifications/unsubscribe?u=%d&t=%s", site.BaseURL, authorID, token)
	excerpt := markdown.Cut(strings.ReplaceAll(text, "\n", " "), 400)
	body := fmt.Sprintf("Hello %s,\n\n%s replied to your comment on “%s”:\n\n  %s\n\nRead it and answer: %s\n\n-- \n%s\nYou get this mail because you asked to hear about replies. Stop them with one click: %s\n",
		name, replier, headline, excerpt, link, site.Name, unsub)
	return s.mailer.Enqueue(ctx, tx, mail.Message{To: to, Subject: replier + " replied to your comment on " + site.Name, Text: body,
		Headers: map[string]string{"List-Unsubscribe": "<" + unsub + ">", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}})
}

// notifyOnce sends the reply notification for a comment shown after being
// held, unless one was already decided for it.
func (s *Store) notifyOnce(ctx context.Context, tx *db.Tx, site Site, c Comment) error {
	res, err := tx.Exec(ctx, `UPDATE comments SET reply_notified = TRUE WHERE id = $1 AND NOT reply_notified`, c.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	var text string
	if err := tx.QueryRow(ctx, `SELECT body_text FROM comments WHERE id = $1`, c.ID).Scan(&text); err != nil {
		return err
	}
	return s.notifyReply(ctx, tx, site, c.ParentID, c.ID, c.Author.ID, c.Author.Name, text)
}
