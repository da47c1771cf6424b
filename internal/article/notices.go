package article

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"byline/internal/account"
	"byline/internal/db"
	"byline/internal/links"
	"byline/internal/mail"
)

// Mailer queues mail in the caller's transaction (the outbox).
type Mailer interface {
	Enqueue(ctx context.Context, q db.Querier, m mail.Message) error
}

// NoticeSite is what the newsroom's mails say of the site, read when a
// step is taken (an admin may rename the site meanwhile).
type NoticeSite struct {
	Name, BaseURL string
	Location      *time.Location
}

// WithNotices makes the newsroom's steps tell the people concerned by
// mail, queued in the step's own transaction: a step is never taken
// without its notice, nor a notice sent for a step that failed.
func (s *Store) WithNotices(m Mailer, site func(context.Context) NoticeSite) *Store {
	s.mailer, s.site = m, site
	return s
}

// notices queues the mails a step sends: editors and admins hear of a
// submission; the writer hears that someone else returned their draft
// (with the note) or published it.
func (s *Store) notices(ctx context.Context, tx *db.Tx, id int64, step, note string, by account.Person) error {
	if s.mailer == nil || (step != "submit" && step != "return" && step != "publish") {
		return nil
	}
	st := s.site(ctx)
	var headline, slug string
	var authorID int64
	var published sql.NullTime // a draft has no date yet
	if err := tx.QueryRow(ctx, `SELECT headline, slug, author_id, published_at FROM articles WHERE id = $1`, id).Scan(&headline, &slug, &authorID, &published); err != nil {
		return fmt.Errorf("notice: article: %w", err)
	}
	edit := st.BaseURL + fmt.Sprintf("/admin/articles/%d", id)
	var msgs []mail.Message
	switch step {
	case "submit":
		rows, err := tx.Query(ctx, `SELECT u.id, u.email FROM user_roles r JOIN users u ON u.id = r.user_id
			WHERE r.role IN ('editor', 'admin') AND u.deleted_at IS NULL AND u.suspended_at IS NULL AND u.id <> $1
			ORDER BY CASE WHEN r.role = 'editor' THEN 0 ELSE 1 END, u.display_name, u.id`, by.ID)
		if err != nil {
			return fmt.Errorf("notice: editors: %w", err)
		}
		type editor struct {
			id    int64
			email string
		}
		editors, err := db.Collect(rows, func(sc db.Scanner) (editor, error) {
			var e editor
			err := sc.Scan(&e.id, &e.email)
			return e, err
		})
		if err != nil {
			return fmt.Errorf("notice: editors: %w", err)
		}
		seen := map[int64]bool{}
		for _, e := range editors {
			if seen[e.id] {
				continue
			}
			seen[e.id] = true
			msgs = append(msgs, mail.Message{To: e.email, Subject: "For review: " + headline,
				Text: fmt.Sprintf("%s submitted “%s” for review.\n\nReview it: %s\n\n-- \n%s\n", by.DisplayName, headline, edit, st.Name)})
		}
	case "return", "publish":
		if authorID == by.ID {
			return nil
		}
		var email string
		if err := tx.QueryRow(ctx, `SELECT email FROM users WHERE id = $1 AND deleted_at IS NULL`, authorID).Scan(&email); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil // the writer's account is gone: nobody to tell
			}
			return fmt.Errorf("notice: writer: %w", err)
		}
		m := mail.Message{To: email, Subject: "Published: " + headline,
			Text: fmt.Sprintf("%s published your article “%s”.\n\n%s\n\n-- \n%s\n", by.DisplayName, headline, st.BaseURL+links.Article(published.Time, slug, st.Location), st.Name)}
		if step == "return" {
			m.Subject = "Returned to you: " + headline
			m.Text = fmt.Sprintf("%s returned your draft “%s” with a note:\n\n%s\n\nEdit it: %s\n\n-- \n%s\n", by.DisplayName, headline, note, edit, st.Name)
		}
		msgs = append(msgs, m)
	}
	for _, m := range msgs {
		if err := s.mailer.Enqueue(ctx, tx, m); err != nil {
			return fmt.Errorf("notice to %s: %w", m.To, err)
		}
	}
	return nil
}
