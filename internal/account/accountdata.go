package account

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/mail"
)

// DeletedName is what the site calls the author of a deleted account,
// wherever their name was shown: comments, feeds, the admin's lists.
const DeletedName = "[deleted account]"

// RecentSignIn is how fresh a session must be for an account without a
// password to delete itself: the sign-in (a passkey, a provider or an
// e-mailed link) is the proof a password would otherwise give.
const RecentSignIn = 30 * time.Minute

// HasPassword reports whether the person can sign in with a password.
func (p Person) HasPassword() bool { return p.passwordHash != "" }

// SetFirstPassword gives an account without a password its first one.
// Every session ends; the caller starts a new one for the device in hand.
func (s *Store) SetFirstPassword(ctx context.Context, userID int64, password string) error {
	p, err := s.ByID(ctx, userID)
	if err != nil {
		return err
	}
	if p.HasPassword() {
		return apperr.Field("new_password", "your account has a password already; change it with your current one")
	}
	if err := CheckPassword(password, p.Email, p.DisplayName); err != nil {
		return apperr.Field("new_password", err.Error())
	}
	return s.write(ctx, userID, func(tx *db.Tx) error {
		// Set only while there is still none, so two forms sent at once
		// cannot both pass as a first password.
		res, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1 AND password_hash = ''`, userID, HashPassword(password), s.now())
		if err != nil {
			return fmt.Errorf("account: set first password of %d: %w", userID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Field("new_password", "your account has a password already; change it with your current one")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("account: set first password of %d: %w", userID, err)
		}
		return s.record(ctx, tx, Event{UserID: userID, Kind: EventPasswordSet})
	})
}

// DeleteRequest is a person asking to delete their own account.
type DeleteRequest struct {
	// The proof: the password, for an account with one; otherwise the
	// address typed out, from a session begun less than RecentSignIn ago.
	Password       string
	Email          string
	SessionStarted time.Time

	RemoveComments bool // the person's choice for their comments
	RemovalAllowed bool // the site lets readers remove their comments
}

// ErrSignInAgain refuses a deletion by an account without a password from
// a session older than RecentSignIn.
var ErrSignInAgain = errors.New("for your safety, sign in again (it takes a minute) and then delete your account")

// ErrLastAdmin refuses the deletion of the site's only admin: nobody would
// be left to run it.
var ErrLastAdmin = errors.New("you are the site's only admin: make someone else an admin first, then delete your account")

// DeleteSelf deletes the person's own account after checking the proof.
// In one transaction: the goodbye mail is queued to the address before it
// is erased, the account is erased as Delete does, the choice to remove
// their comments is written down, and the deletion is recorded. The
// comments themselves are the comment package's to remove (see
// CommentRemovalsPending); the choice stays until CommentsRemoved.
func (s *Store) DeleteSelf(ctx context.Context, userID int64, req DeleteRequest, mc MailContext) error {
	if req.RemoveComments && !req.RemovalAllowed {
		return apperr.Field("comments", "this site keeps the comments of deleted accounts; choose to keep them")
	}
	p, err := s.ByID(ctx, userID)
	if err != nil {
		return err
	}
	if p.Deleted() {
		return apperr.ErrNotFound
	}
	if p.HasPassword() {
		if ok, _ := VerifyPassword(req.Password, p.passwordHash); !ok {
			return apperr.Field("password", "that is not your password")
		}
	} else {
		typed, _ := mail.CleanAddress(req.Email)
		if typed == "" || typed != p.Email {
			return apperr.Field("email", "type your e-mail address exactly as it is shown")
		}
		if s.now().Sub(req.SessionStarted) > RecentSignIn {
			return ErrSignInAgain
		}
	}
	if p.Has(RoleAdmin) {
		var others int
		err := s.db.QueryRow(ctx, `SELECT count(*) FROM user_roles r JOIN users u ON u.id = r.user_id
			WHERE r.role = $1 AND u.id <> $2 AND u.deleted_at IS NULL AND u.suspended_at IS NULL`, string(RoleAdmin), userID).Scan(&others)
		if err != nil {
			return fmt.Errorf("account: delete %d: count admins: %w", userID, err)
		}
		if others == 0 {
			return ErrLastAdmin
		}
	}
	detail := "comments kept"
	if req.RemoveComments {
		detail = "comments removed"
	}
	return s.write(ctx, userID, func(tx *db.Tx) error {
		if err := s.send(ctx, tx, deletedMail(mc, p, req.RemoveComments)); err != nil {
			return fmt.Errorf("account: delete %d: %w", userID, err)
		}
		if err := s.erase(ctx, tx, userID); err != nil {
			return fmt.Errorf("account: delete %d: %w", userID, err)
		}
		if req.RemoveComments {
			if _, err := tx.Exec(ctx, `UPDATE users SET comments_removal_pending = true WHERE id = $1`, userID); err != nil {
				return fmt.Errorf("account: delete %d: %w", userID, err)
			}
		}
		return s.record(ctx, tx, Event{UserID: userID, Kind: EventAccountDeleted, Detail: detail})
	})
}

// CommentRemovalsPending lists deleted accounts whose comments are still
// to be removed (a deletion interrupted before it finished).
func (s *Store) CommentRemovalsPending(ctx context.Context) ([]int64, error) {
	rows, err := s.db.Query(ctx, `SELECT id FROM users WHERE comments_removal_pending = true ORDER BY id LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("account: pending comment removals: %w", err)
	}
	return db.Collect(rows, func(sc db.Scanner) (int64, error) {
		var id int64
		return id, sc.Scan(&id)
	})
}

// CommentsRemoved records that every comment of a deleted account is
// removed, ending its deletion.
func (s *Store) CommentsRemoved(ctx context.Context, userID int64) error {
	if _, err := s.db.Exec(ctx, `UPDATE users SET comments_removal_pending = false WHERE id = $1`, userID); err != nil {
		return fmt.Errorf("account: comments of %d removed: %w", userID, err)
	}
	return nil
}

// erase removes a person's account inside tx: sign-in, sessions, tokens,
// roles, avatar and private details go; the row stays, renamed, so the
// threads and articles they took part in stay whole and readable.
func (s *Store) erase(ctx context.Context, tx *db.Tx, userID int64) error {
	writer, err := keepsByline(ctx, tx, userID)
	if err != nil {
		return err
	}
	now := s.now()
	name, slug := DeletedName, fmt.Sprintf("deleted-account-%d", userID)
	if writer {
		name, slug = "", ""
	}
	_, err = tx.Exec(ctx, `UPDATE users SET email = $2,
		display_name = CASE WHEN $4 = '' THEN display_name ELSE $4 END, slug = CASE WHEN $5 = '' THEN slug ELSE $5 END,
		password_hash = '', bio = '', avatar_url = '', avatar_kind = 'generated', country = '', notify_replies = false,
		deleted_at = $3, updated_at = $3 WHERE id = $1`,
		userID, fmt.Sprintf("deleted-%d@deleted.invalid", userID), now, name, slug)
	if err != nil {
		return err
	}
	// Every way in goes with the account (the row stays, so no cascade
	// would remove them).
	for _, q := range []string{`DELETE FROM sessions WHERE user_id = $1`, `DELETE FROM account_tokens WHERE user_id = $1`,
		`DELETE FROM api_tokens WHERE user_id = $1`, `DELETE FROM user_roles WHERE user_id = $1`, `DELETE FROM avatars WHERE user_id = $1`,
		`DELETE FROM passkeys WHERE user_id = $1`, `DELETE FROM passkey_ceremonies WHERE user_id = $1`,
		`DELETE FROM account_totp WHERE user_id = $1`, `DELETE FROM recovery_codes WHERE user_id = $1`,
		`DELETE FROM pending_signins WHERE user_id = $1`, `DELETE FROM signin_links WHERE user_id = $1`,
		`DELETE FROM linked_identities WHERE user_id = $1`, `DELETE FROM provider_states WHERE user_id = $1`,
		`UPDATE users SET webauthn_handle = '' WHERE id = $1`} {
		if _, err := tx.Exec(ctx, q, userID); err != nil {
			return err
		}
	}
	return nil
}

// KeepsByline reports whether deleting the person's account keeps their
// name: writers keep their byline and author page on what they published;
// everyone else becomes DeletedName.
func (s *Store) KeepsByline(ctx context.Context, userID int64) (bool, error) {
	return keepsByline(ctx, s.db, userID)
}

func keepsByline(ctx context.Context, q db.Querier, userID int64) (bool, error) {
	var articles int
	if err := q.QueryRow(ctx, `SELECT count(*) FROM articles WHERE author_id = $1`, userID).Scan(&articles); err != nil {
		return false, fmt.Errorf("account: articles of %d: %w", userID, err)
	}
	return articles > 0, nil
}

func deletedMail(mc MailContext, p Person, removed bool) mail.Message {
	comments := "Your comments stay in their threads, signed " + DeletedName + "."
	if removed {
		comments = "Your comments are removed; replies to them stay, under a removed marker."
	}
	return buildMail(p.Email, accountMail{Site: mc.SiteName, Name: p.DisplayName, Subject: "Your " + mc.SiteName + " account is deleted",
		Link: mc.BaseURL + "/", Action: "Visit " + mc.SiteName,
		Intro: "Your account is deleted, as you asked: your e-mail address, password, picture and profile are erased, and every device is signed out. " + comments,
		Outro: "This is the last mail about your account. A newsletter subscription is separate: its mails carry their own unsubscribe link. If you did not ask for this, reply to this mail."})
}

// Export is what the site holds about a person, for their download.
type Export struct {
	Person   Person
	Replies  bool // reply notifications by mail
	Sessions []Session
	Tokens   []APIToken
}

// ExportOf gathers a person's own account data. Their security history,
// which can be long, is read a page at a time through EventsBefore.
func (s *Store) ExportOf(ctx context.Context, userID int64) (Export, error) {
	var x Export
	var err error
	if x.Person, err = s.ByID(ctx, userID); err != nil {
		return Export{}, err
	}
	if x.Replies, err = s.NotifiesReplies(ctx, userID); err != nil {
		return Export{}, fmt.Errorf("account: export of %d: %w", userID, err)
	}
	if x.Sessions, err = s.Sessions(ctx, userID); err != nil {
		return Export{}, err
	}
	if x.Tokens, err = s.APITokens(ctx, userID); err != nil {
		return Export{}, err
	}
	return x, nil
}

// EventsBefore returns a page of the person's security history, newest
// first, of events older than before (0: from the newest).
func (s *Store) EventsBefore(ctx context.Context, userID, before int64, limit int) ([]Event, error) {
	if limit <= 0 || limit > 1000 {
		limit = 500
	}
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.db.Query(ctx, `SELECT id, user_id, actor_id, kind, detail, ip, created_at FROM account_events
		WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT `+strconv.Itoa(limit), userID, before)
	if err != nil {
		return nil, fmt.Errorf("account: events of %d: %w", userID, err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Event, error) {
		var e Event
		err := sc.Scan(&e.ID, &e.UserID, &e.ActorID, &e.Kind, &e.Detail, &e.IP, &e.At)
		return e, err
	})
}
