package account

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/input"
)

// Passkeys (WebAuthn). A ceremony (adding a passkey, signing up with one,
// signing in with one) is begun and finished in two requests that may
// reach different nodes, so what the first one chose (the challenge) is
// kept in the database under the hash of a random id the browser holds,
// and the second one spends it once.

const (
	ceremonyTTL    = 5 * time.Minute
	MaxPasskeys    = 20 // per person: more is a mistake or an attack
	maxPasskeyName = 60 // characters
	handleBytes    = 32
)

// Purposes of a ceremony.
const (
	ceremonyRegister = "register" // a signed-in person adds a passkey
	ceremonySignup   = "signup"   // a new account with a passkey alone
	ceremonyLogin    = "login"    // signing in with a passkey
)

// Passkey is one of a person's passkeys, as their account page lists it.
type Passkey struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used to sign in
}

// PasskeyError is a passkey step the site refuses: a malformed, unknown,
// expired or reused answer, a wrong origin, a signature that does not
// verify. Msg is for the person; the library's own reason stays inside.
type PasskeyError struct {
	Msg    string
	UserID int64  // the account the passkey belongs to, when known
	Email  string // its address, for the sign-in lockout
	err    error
}

func (e *PasskeyError) Error() string {
	if e.err != nil {
		return "passkey: " + e.Msg + ": " + e.err.Error()
	}
	return "passkey: " + e.Msg
}

func (e *PasskeyError) Unwrap() error { return e.err }

// AsPasskeyError finds a *PasskeyError in err.
func AsPasskeyError(err error) (*PasskeyError, bool) {
	var pe *PasskeyError
	ok := errors.As(err, &pe)
	return pe, ok
}

func passkeyErr(msg string, err error) *PasskeyError { return &PasskeyError{Msg: msg, err: err} }

// The words for refusals.
const (
	msgMalformed = "the browser's answer could not be read; please try again"
	msgCeremony  = "this passkey request expired or was already used; please try again"
	msgRefused   = "the passkey could not be verified; please try again"
	msgUnknown   = "this passkey is not known here: it may have been removed from its account; sign in another way"
	msgCloned    = "this passkey was refused because its use counter went backwards, a sign of a copied key; sign in another way and remove it from your account"
	msgHost      = "passkeys need the site to be opened by its name (such as localhost), not by an IP address"
	msgTaken     = "this passkey is already on an account"
)

// RelyingParty is the site as passkeys know it: the domain passkeys are
// bound to (the RP ID, a host name without port), the origin pages are
// served from, and the name browsers show.
type RelyingParty struct {
	ID     string
	Origin string
	Name   string
}

// NewRelyingParty finds the site's passkey identity: from its public
// address (baseURL) when that names a host, else from the scheme and Host
// a request came with. An IP address cannot hold passkeys (browsers refuse
// it), which is a *PasskeyError.
func NewRelyingParty(name, baseURL, scheme, host string) (RelyingParty, error) {
	if name == "" {
		name = "Byline"
	}
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" && net.ParseIP(u.Hostname()) == nil &&
		(u.Scheme == "http" || u.Scheme == "https") {
		return RelyingParty{ID: strings.ToLower(u.Hostname()), Origin: u.Scheme + "://" + strings.ToLower(u.Host), Name: name}, nil
	}
	h := host
	if hn, _, err := net.SplitHostPort(host); err == nil {
		h = hn
	}
	h = strings.ToLower(strings.Trim(h, "[]"))
	if h == "" || net.ParseIP(h) != nil || protocol.ValidateRPID(h) != nil || strings.ContainsAny(host, "/?#@ ") {
		return RelyingParty{}, passkeyErr(msgHost, nil)
	}
	if scheme != "https" {
		scheme = "http"
	}
	return RelyingParty{ID: h, Origin: scheme + "://" + strings.ToLower(host), Name: name}, nil
}

func (rp RelyingParty) webauthn() (*webauthn.WebAuthn, error) {
	w, err := webauthn.New(&webauthn.Config{RPID: rp.ID, RPDisplayName: rp.Name, RPOrigins: []string{rp.Origin},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationPreferred,
		}})
	if err != nil {
		return nil, passkeyErr(msgHost, err)
	}
	return w, nil
}

// passkeyUser is a person as the WebAuthn library sees them.
type passkeyUser struct {
	handle        []byte
	name, display string
	creds         []webauthn.Credential
}

func (u *passkeyUser) WebAuthnID() []byte                         { return u.handle }
func (u *passkeyUser) WebAuthnName() string                       { return u.name }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.display }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// PasskeyCeremony is what a browser needs to run a ceremony: the options
// for navigator.credentials, and the ceremony's id to send back with the
// answer (a secret: only its hash is stored).
type PasskeyCeremony struct {
	ID      string
	Options json.RawMessage
}

func encodeID(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// begin stores a ceremony's session and returns its id.
func (s *Store) begin(ctx context.Context, purpose string, userID int64, session *webauthn.SessionData, detail string, options any) (PasskeyCeremony, error) {
	sj, err := json.Marshal(session)
	if err != nil {
		return PasskeyCeremony{}, fmt.Errorf("account: passkey %s session: %w", purpose, err)
	}
	oj, err := json.Marshal(options)
	if err != nil {
		return PasskeyCeremony{}, fmt.Errorf("account: passkey %s options: %w", purpose, err)
	}
	secret, hash := newToken()
	var uid any
	if userID > 0 {
		uid = userID
	}
	now := s.now()
	if _, err := s.db.Exec(ctx, `INSERT INTO passkey_ceremonies (id_hash, purpose, user_id, session, detail, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, hash, purpose, uid, string(sj), detail, now, now.Add(ceremonyTTL)); err != nil {
		return PasskeyCeremony{}, fmt.Errorf("account: begin passkey %s: %w", purpose, err)
	}
	return PasskeyCeremony{ID: secret, Options: oj}, nil
}

// consume spends a ceremony: the DELETE succeeds for exactly one caller,
// before its expiry, for its purpose (and person, when it has one).
func (s *Store) consume(ctx context.Context, id, purpose string, userID int64) (webauthn.SessionData, string, error) {
	var session webauthn.SessionData
	if id == "" || len(id) > 100 {
		return session, "", passkeyErr(msgCeremony, nil)
	}
	var sj, detail string
	var owner sql.NullInt64
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `DELETE FROM passkey_ceremonies WHERE id_hash = $1 AND purpose = $2 AND expires_at > $3
			RETURNING user_id, session, detail`, hashToken(id), purpose, s.now()).Scan(&owner, &sj, &detail)
	})
	if errors.Is(db.MapError(s.db.Engine, err), apperr.ErrNotFound) {
		return session, "", passkeyErr(msgCeremony, nil)
	}
	if err != nil {
		return session, "", fmt.Errorf("account: finish passkey %s: %w", purpose, err)
	}
	if owner.Int64 != userID {
		// Begun by another person: spent all the same, and refused.
		return session, "", passkeyErr(msgCeremony, nil)
	}
	if err := json.Unmarshal([]byte(sj), &session); err != nil {
		return session, "", fmt.Errorf("account: passkey %s session: %w", purpose, err)
	}
	return session, detail, nil
}

// purgeCeremonies deletes ceremonies nobody finished.
func (s *Store) purgeCeremonies(ctx context.Context, now time.Time) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM passkey_ceremonies WHERE expires_at <= $1`, now); err != nil {
		return fmt.Errorf("account: purge passkey ceremonies: %w", err)
	}
	return nil
}

// parseCreation reads a browser's answer to navigator.credentials.create.
func parseCreation(body []byte) (*protocol.ParsedCredentialCreationData, error) {
	p, err := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(body))
	if err != nil {
		return nil, passkeyErr(msgMalformed, err)
	}
	return p, nil
}

// parseAssertion reads a browser's answer to navigator.credentials.get.
func parseAssertion(body []byte) (*protocol.ParsedCredentialAssertionData, error) {
	p, err := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(body))
	if err != nil {
		return nil, passkeyErr(msgMalformed, err)
	}
	return p, nil
}

// readBody reads at most max bytes of an answer.
func readBody(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, passkeyErr(msgMalformed, err)
	}
	if int64(len(b)) > max {
		return nil, passkeyErr(msgMalformed, errors.New("too large"))
	}
	return b, nil
}

// MaxPasskeyAnswer is the most a browser's answer to a ceremony may weigh.
const MaxPasskeyAnswer = 32 << 10

// CleanPasskeyName trims a passkey's name; empty becomes "Passkey".
func CleanPasskeyName(name string) (string, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return "Passkey", nil
	}
	if !input.Valid(name) {
		return "", apperr.Field("name", input.Reason)
	}
	if utf8.RuneCountInString(name) > maxPasskeyName {
		return "", apperr.Field("name", fmt.Sprintf("a passkey's name can be at most %d characters", maxPasskeyName))
	}
	return name, nil
}

// handle returns the person's WebAuthn user handle, making it on first use.
func (s *Store) handle(ctx context.Context, userID int64) ([]byte, error) {
	var h string
	if err := s.db.QueryRow(ctx, `SELECT webauthn_handle FROM users WHERE id = $1`, userID).Scan(&h); err != nil {
		return nil, fmt.Errorf("account: passkey handle of %d: %w", userID, db.MapError(s.db.Engine, err))
	}
	if h == "" {
		fresh := encodeID(randomHandle())
		// Two first passkeys at once: the first to write wins, both read it.
		if _, err := s.db.Exec(ctx, `UPDATE users SET webauthn_handle = $2 WHERE id = $1 AND webauthn_handle = ''`, userID, fresh); err != nil {
			return nil, fmt.Errorf("account: passkey handle of %d: %w", userID, err)
		}
		if err := s.db.QueryRow(ctx, `SELECT webauthn_handle FROM users WHERE id = $1`, userID).Scan(&h); err != nil {
			return nil, fmt.Errorf("account: passkey handle of %d: %w", userID, err)
		}
	}
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("account: passkey handle of %d: %w", userID, err)
	}
	return b, nil
}

// randomHandle is a user handle: random, so it tells nothing of the person.
func randomHandle() []byte {
	b := make([]byte, handleBytes)
	rand.Read(b) // never fails (crypto/rand)
	return b
}

// credentials loads a person's credential records.
func (s *Store) credentials(ctx context.Context, q db.Querier, userID int64) ([]webauthn.Credential, error) {
	rows, err := q.Query(ctx, `SELECT credential FROM passkeys WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("account: passkeys of %d: %w", userID, err)
	}
	return db.Collect(rows, func(sc db.Scanner) (webauthn.Credential, error) {
		var raw string
		var c webauthn.Credential
		if err := sc.Scan(&raw); err != nil {
			return c, err
		}
		return c, json.Unmarshal([]byte(raw), &c)
	})
}

// insertPasskey stores a new credential for userID and records it.
func (s *Store) insertPasskey(ctx context.Context, tx *db.Tx, userID int64, name string, c *webauthn.Credential) (Passkey, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return Passkey{}, fmt.Errorf("account: store passkey: %w", err)
	}
	pk := Passkey{UserID: userID, Name: name, CreatedAt: s.now().UTC()}
	err = tx.QueryRow(ctx, `INSERT INTO passkeys (user_id, credential_id, name, credential, sign_count, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, userID, encodeID(c.ID), name, string(raw), int64(c.Authenticator.SignCount), pk.CreatedAt).Scan(&pk.ID)
	if err != nil {
		if errors.Is(db.MapError(tx.Engine(), err), apperr.ErrConflict) {
			return Passkey{}, passkeyErr(msgTaken, err)
		}
		return Passkey{}, fmt.Errorf("account: store passkey: %w", err)
	}
	if err := s.record(ctx, tx, Event{UserID: userID, Kind: EventPasskeyAdded, Detail: name}); err != nil {
		return Passkey{}, err
	}
	return pk, nil
}

// BeginPasskeyRegistration starts adding a passkey to a signed-in
// person's account.
func (s *Store) BeginPasskeyRegistration(ctx context.Context, rp RelyingParty, p Person) (PasskeyCeremony, error) {
	w, err := rp.webauthn()
	if err != nil {
		return PasskeyCeremony{}, err
	}
	h, err := s.handle(ctx, p.ID)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	creds, err := s.credentials(ctx, s.db, p.ID)
	if err != nil {
		return PasskeyCeremony{}, err
	}
	if len(creds) >= MaxPasskeys {
		return PasskeyCeremony{}, passkeyErr(fmt.Sprintf("you have %d passkeys, the most an account can hold; remove one first", len(creds)), nil)
	}
	u := &passkeyUser{handle: h, name: p.Email, display: p.DisplayName, creds: creds}
	// The device refuses to make a second passkey for this account.
	opts, session, err := w.BeginRegistration(u, webauthn.WithExclusions(webauthn.Credentials(creds).CredentialDescriptors()))
	if err != nil {
		return PasskeyCeremony{}, passkeyErr(msgHost, err)
	}
	return s.begin(ctx, ceremonyRegister, p.ID, session, "", opts)
}

// FinishPasskeyRegistration checks the browser's answer (body) to the
// ceremony id and adds the passkey, named name, to the person's account,
// recording it in the same transaction.
func (s *Store) FinishPasskeyRegistration(ctx context.Context, rp RelyingParty, userID int64, id, name string, body io.Reader) (Passkey, error) {
	name, err := CleanPasskeyName(name)
	if err != nil {
		return Passkey{}, err
	}
	w, err := rp.webauthn()
	if err != nil {
		return Passkey{}, err
	}
	raw, err := readBody(body, MaxPasskeyAnswer)
	if err != nil {
		return Passkey{}, err
	}
	parsed, err := parseCreation(raw)
	if err != nil {
		return Passkey{}, err
	}
	// Spent before it is checked, so a refused answer cannot be retried.
	session, _, err := s.consume(ctx, id, ceremonyRegister, userID)
	if err != nil {
		return Passkey{}, err
	}
	cred, err := w.CreateCredential(&passkeyUser{handle: session.UserID}, session, parsed)
	if err != nil {
		return Passkey{}, passkeyErr(msgRefused, err)
	}
	var pk Passkey
	err = s.write(ctx, userID, func(tx *db.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM passkeys WHERE user_id = $1`, userID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxPasskeys {
			return passkeyErr(fmt.Sprintf("you have %d passkeys, the most an account can hold; remove one first", n), nil)
		}
		pk, err = s.insertPasskey(ctx, tx, userID, name, cred)
		return err
	})
	if err != nil {
		return Passkey{}, fmt.Errorf("account: add passkey for %d: %w", userID, err)
	}
	return pk, nil
}

// PasskeySignup is what a person fills in to sign up with a passkey alone.
type PasskeySignup struct {
	Email       string
	DisplayName string
	Country     string // optional
}

// BeginPasskeySignup checks what was typed and starts making a passkey
// for a new account. It looks nothing up: the answer is the same whether
// or not the address has an account.
func (s *Store) BeginPasskeySignup(ctx context.Context, rp RelyingParty, r PasskeySignup) (PasskeyCeremony, error) {
	n, err := NewPerson{Email: r.Email, DisplayName: r.DisplayName, Country: r.Country, Roles: []Role{RoleReader}}.normalize()
	if err != nil {
		return PasskeyCeremony{}, err
	}
	w, err := rp.webauthn()
	if err != nil {
		return PasskeyCeremony{}, err
	}
	u := &passkeyUser{handle: randomHandle(), name: n.Email, display: n.DisplayName}
	opts, session, err := w.BeginRegistration(u)
	if err != nil {
		return PasskeyCeremony{}, passkeyErr(msgHost, err)
	}
	detail, err := json.Marshal(PasskeySignup{Email: n.Email, DisplayName: n.DisplayName, Country: n.Country})
	if err != nil {
		return PasskeyCeremony{}, fmt.Errorf("account: passkey sign-up: %w", err)
	}
	return s.begin(ctx, ceremonySignup, 0, session, string(detail), opts)
}

// FinishPasskeySignup checks the new passkey and creates the account with
// it, unconfirmed, mailing the verification link, as Register does. For
// an address that has an account the passkey is discarded and the owner
// is mailed a notice instead; the answer (nil) is the same.
func (s *Store) FinishPasskeySignup(ctx context.Context, rp RelyingParty, id string, body io.Reader, mc MailContext) error {
	w, err := rp.webauthn()
	if err != nil {
		return err
	}
	raw, err := readBody(body, MaxPasskeyAnswer)
	if err != nil {
		return err
	}
	parsed, err := parseCreation(raw)
	if err != nil {
		return err
	}
	session, detail, err := s.consume(ctx, id, ceremonySignup, 0)
	if err != nil {
		return err
	}
	var r PasskeySignup
	if err := json.Unmarshal([]byte(detail), &r); err != nil {
		return fmt.Errorf("account: passkey sign-up: %w", err)
	}
	cred, err := w.CreateCredential(&passkeyUser{handle: session.UserID}, session, parsed)
	if err != nil {
		return passkeyErr(msgRefused, err)
	}
	n := NewPerson{Email: r.Email, DisplayName: r.DisplayName, Country: r.Country, Roles: []Role{RoleReader}}
	owner, err := s.one(ctx, "u.email = $1", n.Email)
	taken := err == nil
	if err != nil && !errors.Is(err, apperr.ErrNotFound) {
		return fmt.Errorf("account: passkey sign-up %s: %w", n.Email, err)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		return s.signUp(ctx, tx, n, owner, taken, mc, func(p Person) error {
			if _, err := tx.Exec(ctx, `UPDATE users SET webauthn_handle = $2 WHERE id = $1`, p.ID, encodeID(session.UserID)); err != nil {
				return err
			}
			_, err := s.insertPasskey(ctx, tx, p.ID, "Passkey", cred)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("account: passkey sign-up %s: %w", n.Email, err)
	}
	return nil
}

// BeginPasskeyLogin starts a sign-in with any passkey of this site the
// device holds (a discoverable credential: no address is asked for).
func (s *Store) BeginPasskeyLogin(ctx context.Context, rp RelyingParty) (PasskeyCeremony, error) {
	w, err := rp.webauthn()
	if err != nil {
		return PasskeyCeremony{}, err
	}
	opts, session, err := w.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return PasskeyCeremony{}, passkeyErr(msgHost, err)
	}
	return s.begin(ctx, ceremonyLogin, 0, session, "", opts)
}

// PasskeyLogin is a passkey sign-in whose account is known but whose
// signature is not checked yet (see VerifyPasskey): between the two the
// caller applies the account's lockout.
type PasskeyLogin struct {
	Person    Person
	passkeyID int64
	cred      webauthn.Credential
	handle    []byte
	session   webauthn.SessionData
	parsed    *protocol.ParsedCredentialAssertionData
}

// IdentifyPasskey reads the browser's answer (body) to the sign-in
// ceremony id, spends the ceremony and finds the account the passkey
// belongs to.
func (s *Store) IdentifyPasskey(ctx context.Context, id string, body io.Reader) (*PasskeyLogin, error) {
	raw, err := readBody(body, MaxPasskeyAnswer)
	if err != nil {
		return nil, err
	}
	parsed, err := parseAssertion(raw)
	if err != nil {
		return nil, err
	}
	session, _, err := s.consume(ctx, id, ceremonyLogin, 0)
	if err != nil {
		return nil, err
	}
	l := &PasskeyLogin{session: session, parsed: parsed}
	var cred, handle string
	var userID int64
	err = s.db.QueryRow(ctx, `SELECT pk.id, pk.user_id, pk.credential, u.webauthn_handle FROM passkeys pk JOIN users u ON u.id = pk.user_id
		WHERE pk.credential_id = $1 AND u.deleted_at IS NULL`, encodeID(parsed.RawID)).Scan(&l.passkeyID, &userID, &cred, &handle)
	if errors.Is(db.MapError(s.db.Engine, err), apperr.ErrNotFound) {
		return nil, passkeyErr(msgUnknown, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("account: passkey sign-in: %w", err)
	}
	if err := json.Unmarshal([]byte(cred), &l.cred); err != nil {
		return nil, fmt.Errorf("account: passkey %d: %w", l.passkeyID, err)
	}
	if l.handle, err = base64.RawURLEncoding.DecodeString(handle); err != nil {
		return nil, fmt.Errorf("account: passkey handle of %d: %w", userID, err)
	}
	if l.Person, err = s.ByID(ctx, userID); err != nil {
		return nil, err
	}
	return l, nil
}

// VerifyPasskey checks the signature, origin and challenge of a sign-in
// found by IdentifyPasskey, refuses a key whose use counter went backwards
// (a copied key), and keeps the new count and the time of use. A refusal
// is recorded in the person's security history.
func (s *Store) VerifyPasskey(ctx context.Context, rp RelyingParty, l *PasskeyLogin) error {
	w, err := rp.webauthn()
	if err != nil {
		return err
	}
	refuse := func(msg string, why error) error {
		if err := s.Record(ctx, Event{UserID: l.Person.ID, Kind: EventSignInFailed, Detail: "passkey: " + msg}); err != nil {
			return err
		}
		return &PasskeyError{Msg: msg, UserID: l.Person.ID, Email: l.Person.Email, err: why}
	}
	u := &passkeyUser{handle: l.handle, name: l.Person.Email, display: l.Person.DisplayName, creds: []webauthn.Credential{l.cred}}
	cred, err := w.ValidateDiscoverableLogin(func(rawID, userHandle []byte) (webauthn.User, error) { return u, nil }, l.session, l.parsed)
	if err != nil {
		return refuse(msgRefused, err)
	}
	if cred.Authenticator.CloneWarning {
		return refuse(msgCloned, nil)
	}
	raw, err := json.Marshal(cred)
	if err != nil {
		return fmt.Errorf("account: passkey %d: %w", l.passkeyID, err)
	}
	if _, err := s.db.Exec(ctx, `UPDATE passkeys SET credential = $2, sign_count = $3, last_used_at = $4 WHERE id = $1`,
		l.passkeyID, string(raw), int64(cred.Authenticator.SignCount), s.now()); err != nil {
		return fmt.Errorf("account: passkey %d used: %w", l.passkeyID, err)
	}
	return nil
}

// Passkeys lists a person's passkeys, oldest first.
func (s *Store) Passkeys(ctx context.Context, userID int64) ([]Passkey, error) {
	rows, err := s.db.Query(ctx, `SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY id`, userID)
	if err != nil {
		return nil, fmt.Errorf("account: passkeys of %d: %w", userID, err)
	}
	return db.Collect(rows, func(sc db.Scanner) (Passkey, error) {
		pk := Passkey{UserID: userID}
		var used *time.Time
		err := sc.Scan(&pk.ID, &pk.Name, &pk.CreatedAt, &used)
		if used != nil {
			pk.LastUsedAt = *used
		}
		return pk, err
	})
}

// RenamePasskey gives one of a person's passkeys a new name.
func (s *Store) RenamePasskey(ctx context.Context, userID, id int64, name string) error {
	name, err := CleanPasskeyName(name)
	if err != nil {
		return err
	}
	res, err := s.db.Exec(ctx, `UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2`, id, userID, name)
	if err != nil {
		return fmt.Errorf("account: rename passkey %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Field("passkey", "that passkey is not on your account")
	}
	return nil
}

// RemovePasskey removes one of a person's passkeys, unless it is their
// last way to sign in, and records it in the same transaction.
func (s *Store) RemovePasskey(ctx context.Context, userID, id int64) error {
	return s.write(ctx, userID, func(tx *db.Tx) error {
		// Take the person's row first, so two removals at once count in
		// turn and cannot both leave the other one last.
		if _, err := tx.Exec(ctx, `UPDATE users SET updated_at = updated_at WHERE id = $1`, userID); err != nil {
			return fmt.Errorf("account: remove passkey %d: %w", id, err)
		}
		var name string
		err := tx.QueryRow(ctx, `SELECT name FROM passkeys WHERE id = $1 AND user_id = $2`, id, userID).Scan(&name)
		if errors.Is(db.MapError(tx.Engine(), err), apperr.ErrNotFound) {
			return apperr.Field("passkey", "that passkey is not on your account")
		}
		if err != nil {
			return fmt.Errorf("account: remove passkey %d: %w", id, err)
		}
		ways, err := s.WaysIn(ctx, tx, userID)
		if err != nil {
			return err
		}
		if ways.Count() <= 1 {
			return LastWayIn("passkey")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM passkeys WHERE id = $1 AND user_id = $2`, id, userID); err != nil {
			return fmt.Errorf("account: remove passkey %d: %w", id, err)
		}
		return s.record(ctx, tx, Event{UserID: userID, Kind: EventPasskeyRemoved, Detail: name})
	})
}
