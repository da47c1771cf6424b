package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/mail"
)

// Errors of signing in. The message of ErrBadCredentials is the same for an
// unknown address and a wrong password, so sign-in reveals no accounts.
var (
	ErrBadCredentials = errors.New("the e-mail address or password is not right")
	ErrSuspended      = errors.New("this account is suspended; contact the site's editors")
)

// WithMailer sets the outbox that account mails go to and returns s.
func (s *Store) WithMailer(m Mailer) *Store {
	s.mailer = m
	return s
}

// send queues m inside tx.
func (s *Store) send(ctx context.Context, tx *db.Tx, m mail.Message) error {
	if s.mailer == nil {
		return errors.New("account: no mail outbox configured")
	}
	return s.mailer.Enqueue(ctx, tx, m)
}

// Registration is what a person fills in to sign up.
type Registration struct {
	Email       string
	DisplayName string
	Country     string
	Password    string
}

// Register creates a reader account and mails the verification link, in
// one transaction: the account exists exactly when its mail is queued.
//
// Its answer must not tell whether the address has an account, by words or
// by time: for a taken address it hashes the password all the same (the
// costly part) and mails the owner a notice instead ("someone tried to
// register with your address"), and returns nil as for a new one. Only
// mistakes in what was typed are errors.
func (s *Store) Register(ctx context.Context, r Registration, mc MailContext) error {
	// A reader gives an address and a password; the name shown with their
	// comments is suggested from the address when left empty, and the
	// country is theirs to give or not.
	if strings.TrimSpace(r.DisplayName) == "" {
		r.DisplayName = SuggestName(r.Email)
	}
	n, err := NewPerson{Email: r.Email, DisplayName: r.DisplayName, Country: r.Country, Roles: []Role{RoleReader}}.normalize()
	inv, _ := apperr.AsInvalid(err)
	if inv == nil {
		inv = apperr.NewInvalid()
	}
	if perr := CheckPassword(r.Password, n.Email, n.DisplayName); perr != nil {
		inv.Add("password", perr.Error())
	}
	if err := inv.Err(); err != nil {
		return err
	}
	n.PasswordHash = HashPassword(r.Password) // before the lookup: the same work either way
	owner, err := s.one(ctx, "u.email = $1", n.Email)
	taken := err == nil
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return fmt.Errorf("account: register %s: %w", n.Email, err)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		return s.signUp(ctx, tx, n, owner, taken, mc, nil)
	})
	if err != nil {
		return fmt.Errorf("account: register %s: %w", n.Email, err)
	}
	return nil
}

// signUp is the rule of every sign-up with an address not yet proved (a
// password, a passkey), inside tx: for an address that has an account
// (owner, taken), the owner is mailed a notice and nothing else happens,
// so the answer is the same; a new address gets its reader account, what
// more adds to it (a passkey), and the mail that confirms the address.
func (s *Store) signUp(ctx context.Context, tx *db.Tx, n NewPerson, owner Person, taken bool, mc MailContext, more func(p Person) error) error {
	if taken {
		if owner.Deleted() {
			return nil // nobody to tell
		}
		return s.send(ctx, tx, registerNoticeMail(mc, owner))
	}
	p, err := s.createReader(ctx, tx, n)
	if err != nil {
		return err
	}
	if more != nil {
		if err := more(p); err != nil {
			return err
		}
	}
	token, err := s.createToken(ctx, tx, p.ID, purposeVerify, p.Email, verifyTTL)
	if err != nil {
		return err
	}
	return s.send(ctx, tx, verifyMail(mc, p, token))
}

// createReader makes a reader account inside tx with what every new reader
// gets: reply notices on, as commenters expect (every notice carries a
// one-click way out).
func (s *Store) createReader(ctx context.Context, tx *db.Tx, n NewPerson) (Person, error) {
	p, err := s.create(ctx, tx, n, false)
	if err != nil {
		return Person{}, err
	}
	notifyToken, _ := newToken()
	if _, err := tx.Exec(ctx, `UPDATE users SET notify_replies = true, notify_token = $2 WHERE id = $1`, p.ID, notifyToken); err != nil {
		return Person{}, err
	}
	return p, nil
}

// createConfirmedReader makes the account of an address a link or a
// provider proved, named name ("Reader" when name will not do).
func (s *Store) createConfirmedReader(ctx context.Context, tx *db.Tx, email, name string) (Person, error) {
	n, err := NewPerson{Email: email, DisplayName: name, Roles: []Role{RoleReader}, Verified: true}.normalize()
	if err != nil {
		if n, err = (NewPerson{Email: email, DisplayName: "Reader", Roles: []Role{RoleReader}, Verified: true}).normalize(); err != nil {
			return Person{}, err
		}
	}
	return s.createReader(ctx, tx, n)
}

// ResendVerification mails a fresh verification link.
func (s *Store) ResendVerification(ctx context.Context, userID int64, mc MailContext) error {
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		p, err := s.byIDTx(ctx, tx, userID)
		if err != nil {
			return err
		}
		if p.Verified() {
			return nil
		}
		token, err := s.createToken(ctx, tx, p.ID, purposeVerify, p.Email, verifyTTL)
		if err != nil {
			return err
		}
		return s.send(ctx, tx, verifyMail(mc, p, token))
	})
}

// Verify spends a verification link (or a new-address link) and marks the
// address confirmed. It returns the person.
func (s *Store) Verify(ctx context.Context, token string) (Person, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var email string
		var err error
		purpose := purposeVerify
		id, email, err = s.useToken(ctx, tx, token, purposeVerify)
		if errors.Is(err, ErrBadLink) {
			purpose = purposeEmail
			id, email, err = s.useToken(ctx, tx, token, purposeEmail)
		}
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE users SET email = $2, email_verified_at = $3, updated_at = $3 WHERE id = $1 AND deleted_at IS NULL`, id, email, s.now())
		if err != nil {
			if errors.Is(db.MapError(tx.Engine(), err), apperr.ErrConflict) {
				return apperr.Field("email", "another account uses that address now")
			}
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrBadLink
		}
		if purpose == purposeEmail {
			return s.record(ctx, tx, Event{UserID: id, Kind: EventEmailChanged, Detail: maskEmail(email)})
		}
		return nil
	})
	if errors.Is(err, ErrBadLink) {
		if p, ok, verr := s.verifiedBy(ctx, token); verr != nil {
			return Person{}, verr
		} else if ok {
			return p, ErrAlreadyVerified
		}
	}
	if err != nil {
		return Person{}, err
	}
	s.changed(id)
	return s.ByID(ctx, id)
}

// ErrAlreadyVerified is a verification link used once already, for an
// address that is confirmed: Verify returns the person with it.
var ErrAlreadyVerified = errors.New("this address is already confirmed")

// verifiedBy finds the person whose address a used verification link
// confirmed, if that is still their confirmed address.
func (s *Store) verifiedBy(ctx context.Context, token string) (Person, bool, error) {
	var id int64
	err := s.db.QueryRow(ctx, `SELECT u.id FROM account_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.purpose IN ($2, $3) AND t.used_at IS NOT NULL
			AND u.email = t.email AND u.email_verified_at IS NOT NULL AND u.deleted_at IS NULL`,
		hashToken(token), purposeVerify, purposeEmail).Scan(&id)
	if errors.Is(db.MapError(s.db.Engine, err), apperr.ErrNotFound) {
		return Person{}, false, nil
	}
	if err != nil {
		return Person{}, false, fmt.Errorf("account: used link: %w", err)
	}
	p, err := s.ByID(ctx, id)
	return p, err == nil, err
}

// Authenticate checks an e-mail address and password. It takes as long for
// an unknown address as for a known one, and rehashes a password stored
// with weaker settings than today's.
func (s *Store) Authenticate(ctx context.Context, email, password string) (Person, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	p, err := s.one(ctx, "u.email = $1 AND u.deleted_at IS NULL", email)
	if errors.Is(err, apperr.ErrNotFound) || (err == nil && p.passwordHash == "") {
		VerifyPassword(password, dummyHash())
		return Person{}, ErrBadCredentials
	}
	if err != nil {
		return Person{}, err
	}
	ok, rehash := VerifyPassword(password, p.passwordHash)
	if !ok {
		return Person{}, ErrBadCredentials
	}
	if p.Suspended() {
		return Person{}, ErrSuspended
	}
	if rehash {
		if _, err := s.db.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, p.ID, HashPassword(password)); err != nil {
			return Person{}, fmt.Errorf("account: rehash: %w", err)
		}
	}
	return p, nil
}

// SetPassword sets a new password (an admin tool or `byline user add`):
// every session of the person ends.
func (s *Store) SetPassword(ctx context.Context, userID int64, password string) error {
	p, err := s.ByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := CheckPassword(password, p.Email, p.DisplayName); err != nil {
		return apperr.Field("password", err.Error())
	}
	return s.write(ctx, userID, func(tx *db.Tx) error {
		return s.setPassword(ctx, tx, userID, password, Event{UserID: userID, ActorID: ActorSite, Kind: EventPasswordSet})
	})
}

// setPassword stores a new password, ends every session of the person and
// records e in their history.
func (s *Store) setPassword(ctx context.Context, tx *db.Tx, userID int64, password string, e Event) error {
	if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`, userID, HashPassword(password), s.now()); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return err
	}
	return s.record(ctx, tx, e)
}

// ChangePassword checks the current password, sets the new one and ends
// every session; the caller starts a new one for the device in hand.
func (s *Store) ChangePassword(ctx context.Context, userID int64, current, next string) error {
	p, err := s.ByID(ctx, userID)
	if err != nil {
		return err
	}
	if ok, _ := VerifyPassword(current, p.passwordHash); !ok {
		return apperr.Field("current_password", "that is not your current password")
	}
	if err := CheckPassword(next, p.Email, p.DisplayName); err != nil {
		return apperr.Field("new_password", err.Error())
	}
	return s.write(ctx, userID, func(tx *db.Tx) error {
		return s.setPassword(ctx, tx, userID, next, Event{UserID: userID, Kind: EventPasswordChanged})
	})
}

// RequestReset mails a reset link if the address belongs to an account. It
// says nothing either way, so the form reveals no accounts.
func (s *Store) RequestReset(ctx context.Context, email string, mc MailContext) error {
	email = strings.ToLower(strings.TrimSpace(email))
	p, err := s.one(ctx, "u.email = $1 AND u.deleted_at IS NULL AND u.suspended_at IS NULL", email)
	known := err == nil
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return err
	}
	// An address without an account gets a mail too, saying so: the same
	// work (a mail built and queued in a transaction) whether or not the
	// address is known, so the answer's time does not tell.
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if !known {
			return s.send(ctx, tx, noAccountMail(mc, email))
		}
		token, err := s.createToken(ctx, tx, p.ID, purposeReset, p.Email, resetTTL)
		if err != nil {
			return err
		}
		return s.send(ctx, tx, resetMail(mc, p, token))
	})
}

// CheckResetLink tells whether a reset link can still be used, without
// spending it (to show the form or an error).
func (s *Store) CheckResetLink(ctx context.Context, token string) error {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM account_tokens WHERE token_hash = $1 AND purpose = 'reset' AND used_at IS NULL AND expires_at > $2`,
		hashToken(token), s.now()).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrBadLink
	}
	return nil
}

// ResetPassword spends a reset link and sets the new password; the link
// also proves the address, so it counts as verified. Every session ends.
func (s *Store) ResetPassword(ctx context.Context, token, password string) (Person, error) {
	var id int64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var err error
		if id, _, err = s.useToken(ctx, tx, token, purposeReset); err != nil {
			return err
		}
		p, err := s.byIDTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := CheckPassword(password, p.Email, p.DisplayName); err != nil {
			return apperr.Field("password", err.Error())
		}
		if err := s.setPassword(ctx, tx, id, password, Event{UserID: id, Kind: EventPasswordReset}); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1`, id, s.now())
		return err
	})
	if err != nil {
		return Person{}, err
	}
	s.changed(id)
	return s.ByID(ctx, id)
}

// RequestEmailChange mails a confirmation link to the new address; the
// address changes (already verified) when the link is used. password is
// checked when the account has one.
func (s *Store) RequestEmailChange(ctx context.Context, userID int64, newEmail, password string, mc MailContext) error {
	p, err := s.ByID(ctx, userID)
	if err != nil {
		return err
	}
	// An account without a password has none to ask for: the link mailed
	// to the new address is the proof either way.
	if p.HasPassword() {
		if ok, _ := VerifyPassword(password, p.passwordHash); !ok {
			return apperr.Field("password", "that is not your current password")
		}
	}
	n, err := NewPerson{Email: newEmail, DisplayName: p.DisplayName}.normalize()
	if inv, ok := apperr.AsInvalid(err); ok && inv.Fields["email"] != "" {
		return apperr.Field("email", inv.Fields["email"])
	}
	if n.Email == p.Email {
		return apperr.Field("email", "that is already your address")
	}
	var taken int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM users WHERE email = $1`, n.Email).Scan(&taken); err != nil {
		return err
	}
	if taken > 0 {
		return apperr.Field("email", "another account uses that address")
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		token, err := s.createToken(ctx, tx, p.ID, purposeEmail, n.Email, emailTTL)
		if err != nil {
			return err
		}
		return s.send(ctx, tx, emailChangeMail(mc, p, n.Email, token))
	})
}

// Profile is what a person edits about themselves.
type Profile struct {
	DisplayName string
	Country     string
	Bio         string
	AvatarKind  string // "generated", "upload" or "gravatar"
}

// UpdateProfile saves a person's profile.
func (s *Store) UpdateProfile(ctx context.Context, userID int64, pr Profile) (Person, error) {
	p, err := s.ByID(ctx, userID)
	if err != nil {
		return Person{}, err
	}
	n, err := NewPerson{Email: p.Email, DisplayName: pr.DisplayName, Country: pr.Country, Bio: pr.Bio, Slug: p.Slug}.normalize()
	inv, _ := apperr.AsInvalid(err)
	if inv == nil {
		inv = apperr.NewInvalid()
	}
	switch pr.AvatarKind {
	case "generated", "upload", "gravatar":
	default:
		inv.Add("avatar", "choose a generated picture, an uploaded one, or Gravatar")
	}
	if err := inv.Err(); err != nil {
		return Person{}, err
	}
	if _, err := s.db.Exec(ctx, `UPDATE users SET display_name = $2, country = $3, bio = $4, avatar_kind = $5, updated_at = $6 WHERE id = $1`,
		userID, n.DisplayName, n.Country, n.Bio, pr.AvatarKind, s.now()); err != nil {
		return Person{}, fmt.Errorf("account: update profile: %w", err)
	}
	s.changed(userID)
	return s.ByID(ctx, userID)
}

func (s *Store) byIDTx(ctx context.Context, tx *db.Tx, id int64) (Person, error) {
	var p Person
	err := scanPerson(tx.QueryRow(ctx, `SELECT `+personCols+` FROM users u WHERE u.id = $1`, id), &p)
	if err != nil {
		return Person{}, fmt.Errorf("account: person %d: %w", id, db.MapError(tx.Engine(), err))
	}
	return p, nil
}

// An admin acting on the People screen cannot lock themselves out: they
// may not remove their own admin role, suspend or delete themselves.
// Another admin can. These are the steps as an admin (actorID) takes them.

// SetRolesAs sets userID's roles on behalf of actorID.
func (s *Store) SetRolesAs(ctx context.Context, actorID, userID int64, roles []Role) error {
	if actorID == userID && !slices.Contains(roles, RoleAdmin) {
		return apperr.Field("role", "you cannot remove your own admin role; ask another admin")
	}
	return s.SetRoles(ctx, userID, roles)
}

// SuspendAs suspends userID (or lifts it) on behalf of actorID.
func (s *Store) SuspendAs(ctx context.Context, actorID, userID int64, suspend bool) error {
	if actorID == userID && suspend {
		return apperr.Field("person", "you cannot suspend yourself")
	}
	return s.Suspend(ctx, userID, suspend)
}

// DeleteAs deletes userID's account on behalf of actorID.
func (s *Store) DeleteAs(ctx context.Context, actorID, userID int64) error {
	if actorID == userID {
		return apperr.Field("person", "you cannot delete your own account here")
	}
	return s.deleteBy(ctx, actorID, userID)
}

// SetRoles replaces a person's roles (an admin's action).
func (s *Store) SetRoles(ctx context.Context, userID int64, roles []Role) error {
	if len(roles) == 0 {
		roles = []Role{RoleReader}
	}
	for _, r := range roles {
		if _, err := ParseRole(string(r)); err != nil {
			return apperr.Field("roles", err.Error())
		}
	}
	return s.write(ctx, userID, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM user_roles WHERE user_id = $1`, userID); err != nil {
			return err
		}
		for _, r := range roles {
			if _, err := tx.Exec(ctx, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING`, userID, string(r)); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE users SET updated_at = $2 WHERE id = $1`, userID, s.now())
		return err
	})
}

// Suspend stops a person from signing in and ends their sessions; Unsuspend
// lifts it.
func (s *Store) Suspend(ctx context.Context, userID int64, suspend bool) error {
	return s.write(ctx, userID, func(tx *db.Tx) error {
		var at any
		if suspend {
			at = s.now()
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, s.now()); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE users SET suspended_at = $2, updated_at = $3 WHERE id = $1`, userID, at, s.now())
		return err
	})
}

// Delete removes a person's account on the site's behalf (a command):
// see erase for what goes and what stays.
func (s *Store) Delete(ctx context.Context, userID int64) error {
	return s.deleteBy(ctx, ActorSite, userID)
}

func (s *Store) deleteBy(ctx context.Context, actorID, userID int64) error {
	return s.write(ctx, userID, func(tx *db.Tx) error {
		if err := s.erase(ctx, tx, userID); err != nil {
			return fmt.Errorf("account: delete %d: %w", userID, err)
		}
		return s.record(ctx, tx, Event{UserID: userID, ActorID: actorID, Kind: EventAccountDeleted})
	})
}

// SearchQuery selects people for the admin's People screen.
type SearchQuery struct {
	Text   string // in name or e-mail
	Role   Role
	Status string // "", "active", "unverified", "suspended", "deleted"
	After  int64
	Limit  int
}

// Search lists people for admins, newest first by ID.
func (s *Store) Search(ctx context.Context, q SearchQuery) ([]Person, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	var where db.Where
	if t := strings.TrimSpace(q.Text); t != "" {
		where.Add(`(lower(u.display_name) LIKE $1 ESCAPE '\' OR u.email LIKE $1 ESCAPE '\')`, db.Contains(strings.ToLower(t)))
	}
	if q.Role != "" {
		where.Add("EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $1)", string(q.Role))
	}
	switch q.Status {
	case "active":
		where.Add("u.deleted_at IS NULL AND u.suspended_at IS NULL")
	case "unverified":
		where.Add("u.deleted_at IS NULL AND u.email_verified_at IS NULL")
	case "suspended":
		where.Add("u.deleted_at IS NULL AND u.suspended_at IS NOT NULL")
	case "deleted":
		where.Add("u.deleted_at IS NOT NULL")
	case "":
		where.Add("u.deleted_at IS NULL")
	default:
		return nil, apperr.Field("status", "unknown status")
	}
	if q.After > 0 {
		where.Add("u.id < $1", q.After)
	}
	ps, err := s.list(ctx, where.SQL(), fmt.Sprintf("ORDER BY u.id DESC LIMIT %d", q.Limit), where.Args()...)
	if err != nil {
		return nil, err
	}
	// list orders by id ascending; the admin wants the newest first.
	for i, j := 0, len(ps)-1; i < j; i, j = i+1, j-1 {
		ps[i], ps[j] = ps[j], ps[i]
	}
	return ps, nil
}
