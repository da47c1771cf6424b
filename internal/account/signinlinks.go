package account

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/mail"
)

// E-mailed sign-in links. Anyone may ask for one for any address; the
// answer and the work are the same whether or not the address has an
// account: a mail is built and queued either way (for a new address it
// invites the person to finish making an account). A link works once, for
// LinkTTL, and opening it never signs anyone in by itself (mail scanners
// follow links): the person's click, a POST, spends it.

// LinkTTL is how long an e-mailed sign-in link works.
const LinkTTL = 15 * time.Minute

// maxReturnTo bounds the address a link brings its user back to.
const maxReturnTo = 1000

// LinkRequest asks for a sign-in link.
type LinkRequest struct {
	Email string
	// Binding is the random value of the asking browser's cookie; only its
	// hash is kept, to know that browser again when the link is opened.
	Binding  string
	ReturnTo string // where the person goes after signing in (made safe by the caller)
}

// LinkInfo is what opening a link (without using it) tells.
type LinkInfo struct {
	NewAccount  bool // the address has no account yet: using the link makes one
	SameBrowser bool // opened in the browser that asked for it
}

// LinkUse is what spending a link did.
type LinkUse struct {
	Created  bool   // a reader account was made for the address
	ReturnTo string // where the person asked to go back to
}

// RequestSignInLink mails a sign-in link to r.Email, inside one
// transaction that stores the link. Only a malformed address is an error
// the person sees.
func (s *Store) RequestSignInLink(ctx context.Context, r LinkRequest, mc MailContext) error {
	email, ok := mail.CleanAddress(r.Email)
	if !ok {
		return apperr.Field("email", mail.AddressProblem(email))
	}
	if len(r.ReturnTo) > maxReturnTo {
		r.ReturnTo = "/"
	}
	p, err := s.one(ctx, "u.email = $1 AND u.deleted_at IS NULL", email)
	known := err == nil
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return fmt.Errorf("account: sign-in link: %w", err)
	}
	binding := ""
	if r.Binding != "" {
		binding = hashToken(r.Binding)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		// Old links are worth nothing after a day; clearing them here keeps
		// the table small without a job of its own.
		if _, err := tx.Exec(ctx, `DELETE FROM signin_links WHERE expires_at < $1`, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		token, hash := newToken()
		var userID any
		if known {
			userID = p.ID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO signin_links (token_hash, email, user_id, binding_hash, return_to, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, hash, email, userID, binding, r.ReturnTo, now, now.Add(LinkTTL)); err != nil {
			return err
		}
		if known {
			return s.send(ctx, tx, signInLinkMail(mc, p, token))
		}
		return s.send(ctx, tx, newAccountLinkMail(mc, email, token))
	})
	if err != nil {
		return fmt.Errorf("account: sign-in link for %s: %w", maskEmail(email), err)
	}
	return nil
}

// CheckSignInLink tells whether a link can be used, and whether binding
// (the opening browser's cookie value, "" when it has none) is the one of
// the browser that asked for it. It spends nothing.
func (s *Store) CheckSignInLink(ctx context.Context, token, binding string) (LinkInfo, error) {
	if token == "" {
		return LinkInfo{}, ErrBadLink
	}
	var isNew bool
	var stored string
	err := s.db.QueryRow(ctx, `SELECT user_id IS NULL, binding_hash FROM signin_links
		WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`, hashToken(token), s.now()).Scan(&isNew, &stored)
	if errors.Is(db.MapError(s.db.Engine, err), apperr.ErrNotFound) {
		return LinkInfo{}, ErrBadLink
	}
	if err != nil {
		return LinkInfo{}, fmt.Errorf("account: check sign-in link: %w", err)
	}
	same := binding != "" && stored != "" && subtle.ConstantTimeCompare([]byte(hashToken(binding)), []byte(stored)) == 1
	return LinkInfo{NewAccount: isNew, SameBrowser: same}, nil
}

// UseSignInLink spends a link (the UPDATE succeeds for exactly one
// caller) and returns the person it signs in. The link proves the address,
// so it is marked confirmed; an address without an account gets a reader
// account now, named from the address (the caller asks the person to
// change it once).
func (s *Store) UseSignInLink(ctx context.Context, token string) (Person, LinkUse, error) {
	if token == "" {
		return Person{}, LinkUse{}, ErrBadLink
	}
	var p Person
	var use LinkUse
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		now := s.now()
		var email string
		var userID *int64
		err := tx.QueryRow(ctx, `UPDATE signin_links SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
			RETURNING email, user_id, return_to`, hashToken(token), now).Scan(&email, &userID, &use.ReturnTo)
		if errors.Is(db.MapError(tx.Engine(), err), apperr.ErrNotFound) {
			return ErrBadLink
		}
		if err != nil {
			return err
		}
		if userID == nil {
			// The address may have gained an account since the link was
			// sent (another link, a registration): that one is signed in.
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM users WHERE email = $1 AND deleted_at IS NULL`, email).Scan(&id)
			switch {
			case err == nil:
				userID = &id
			case errors.Is(db.MapError(tx.Engine(), err), apperr.ErrNotFound):
				p, err = s.createFromLink(ctx, tx, email)
				use.Created = true
				return err
			default:
				return err
			}
		}
		// The link went to the account's address; if the account has
		// another address now, the link is not proof of it.
		res, err := tx.Exec(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3)
			WHERE id = $1 AND email = $2 AND deleted_at IS NULL`, *userID, email, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrBadLink
		}
		p, err = s.byIDTx(ctx, tx, *userID)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrBadLink) {
			return Person{}, LinkUse{}, err
		}
		return Person{}, LinkUse{}, fmt.Errorf("account: use sign-in link: %w", err)
	}
	s.changed(p.ID)
	return p, use, nil
}

// createFromLink makes the reader account of an address that just proved
// itself, with a name suggested from the address and no password: e-mailed
// links (and whatever other ways the person adds) sign them in.
func (s *Store) createFromLink(ctx context.Context, tx *db.Tx, email string) (Person, error) {
	return s.createConfirmedReader(ctx, tx, email, SuggestName(email))
}

// SuggestName makes a display name from an e-mail address's local part:
// "jordan.pike@example.com" is "Jordan Pike". It is only a suggestion the
// person may change; "Reader" when the address gives nothing to go on.
func SuggestName(email string) string {
	local, _, _ := strings.Cut(strings.TrimSpace(email), "@")
	local, _, _ = strings.Cut(local, "+") // jordan+news: the tag is not a name
	words := strings.FieldsFunc(local, func(r rune) bool {
		return r == '.' || r == '_' || r == '-' || unicode.IsSpace(r) || !unicode.IsPrint(r)
	})
	var out []string
	size := 0
	for _, w := range words {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			continue
		}
		first, n := utf8.DecodeRuneInString(w)
		w = string(unicode.ToUpper(first)) + strings.ToLower(w[n:])
		if size+utf8.RuneCountInString(w)+1 > 60 {
			break
		}
		size += utf8.RuneCountInString(w) + 1
		out = append(out, w)
	}
	if len(out) == 0 {
		return "Reader"
	}
	return strings.Join(out, " ")
}
