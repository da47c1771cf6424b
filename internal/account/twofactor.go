package account

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"byline/internal/apperr"
	"byline/internal/db"
)

// Two-factor authentication: an authenticator app (TOTP, RFC 6238) with
// single-use recovery codes, and sign-ins that wait for that second
// factor. Passkeys count as a second factor of their own.

const (
	totpPeriod = 30 // seconds a code lasts
	// RecoveryCodeCount is how many recovery codes a set holds.
	RecoveryCodeCount = 10
	// PendingSignInTTL is how long a sign-in waits for its second factor.
	PendingSignInTTL = 10 * time.Minute
	// PendingAttempts is how many wrong codes a waiting sign-in takes
	// before it is gone and the person starts over.
	PendingAttempts = 5
	recoveryLen     = 16 // characters of a recovery code: 80 random bits
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Errors of the second factor.
var (
	ErrWrongCode   = errors.New("that code is not right")
	ErrCodeUsed    = errors.New("that code was already used: wait for the next one")
	ErrNoPending   = errors.New("this sign-in has expired or was already finished: sign in again")
	ErrTooManyCode = errors.New("too many wrong codes: sign in again")
)

// Staff reports whether p holds any role above reader: people who can
// publish, mail the newsletter's readers or read leads.
func (p Person) Staff() bool {
	for _, r := range p.Roles {
		if r != RoleReader {
			return true
		}
	}
	return false
}

// TwoFactor is where a person stands with second factors.
type TwoFactor struct {
	TOTP         bool      // an authenticator app is set up and confirmed
	ConfirmedAt  time.Time // when it was
	Unconfirmed  bool      // a setup was begun and waits for its first code
	RecoveryLeft int       // unused recovery codes
	Passkeys     int       // passkeys (a second factor on their own)
}

// Has reports whether the person has a second factor.
func (t TwoFactor) Has() bool { return t.TOTP || t.Passkeys > 0 }

// Asked reports whether a sign-in of p by anything but a passkey waits for
// a second factor: always when they set up an app; with passkeys alone
// only when the site's rule holds them to it (staff under the rule), so a
// reader who added a passkey for convenience is not made to use it after
// their password, and cannot be locked out by losing it.
func (t TwoFactor) Asked(p Person, rule Requirement) bool {
	return t.TOTP || (t.Passkeys > 0 && rule.Staff && p.Staff())
}

// TwoFactorOf reads a person's second factors.
func (s *Store) TwoFactorOf(ctx context.Context, userID int64) (TwoFactor, error) {
	var t TwoFactor
	var confirmed *time.Time
	err := s.db.QueryRow(ctx, `SELECT confirmed_at, (SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL)
		FROM account_totp WHERE user_id = $1`, userID).Scan(&confirmed, &t.RecoveryLeft)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return TwoFactor{}, fmt.Errorf("account: two-factor of %d: %w", userID, err)
	case confirmed != nil:
		t.TOTP, t.ConfirmedAt = true, confirmed.UTC()
	default:
		t.Unconfirmed = true
	}
	w, err := s.WaysIn(ctx, s.db, userID)
	if err != nil {
		return TwoFactor{}, err
	}
	t.Passkeys = w.Passkeys
	return t, nil
}

// SecondFactorAsked reports, in one query, whether a sign-in of p by
// anything but a passkey waits for a second factor (see TwoFactor.Asked).
func (s *Store) SecondFactorAsked(ctx context.Context, p Person, rule Requirement) (bool, error) {
	var t TwoFactor
	var apps int
	err := s.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM account_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL),
		(SELECT count(*) FROM passkeys WHERE user_id = $1)`, p.ID).Scan(&apps, &t.Passkeys)
	if err != nil {
		return false, fmt.Errorf("account: second factor of %d: %w", p.ID, err)
	}
	t.TOTP = apps > 0
	return t.Asked(p, rule), nil
}

// hasSecondFactor is TwoFactorOf(...).Has() in one query for the usual
// case (an app), since staff pages ask it on every request while the
// site requires it.
func (s *Store) hasSecondFactor(ctx context.Context, userID int64) (bool, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM account_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, userID).Scan(&n); err != nil {
		return false, fmt.Errorf("account: second factor of %d: %w", userID, err)
	}
	if n > 0 {
		return true, nil
	}
	w, err := s.WaysIn(ctx, s.db, userID)
	return w.Passkeys > 0, err
}

// TOTPSetup is what a person needs to add the site to an authenticator
// app: the secret (as a QR code and as text) and the otpauth:// address.
type TOTPSetup struct {
	Secret string // base32, as typed into an app
	URL    string // otpauth://totp/...
	QR     string // a PNG of URL as a data: address
}

// Grouped is the secret in groups of four, for typing.
func (t TOTPSetup) Grouped() string {
	var b strings.Builder
	for i, r := range t.Secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// setupFor builds the setup of a stored secret; issuer is the site's
// name, accountName the person's address.
func setupFor(secret, issuer, accountName string) (TOTPSetup, error) {
	raw, err := b32.DecodeString(secret)
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("account: stored secret: %w", err)
	}
	if strings.TrimSpace(issuer) == "" {
		issuer = "Byline"
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: accountName, Secret: raw, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("account: totp key: %w", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("account: totp QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return TOTPSetup{}, fmt.Errorf("account: totp QR code: %w", err)
	}
	return TOTPSetup{Secret: key.Secret(), URL: key.URL(), QR: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// BeginTOTP starts setting up an authenticator app: a new secret, which
// counts only once ConfirmTOTP sees a code made from it. It replaces a
// setup not yet confirmed; a confirmed app must be turned off first.
func (s *Store) BeginTOTP(ctx context.Context, p Person, issuer string) (TOTPSetup, error) {
	raw := make([]byte, 20)
	if _, err := rand.Read(raw); err != nil {
		return TOTPSetup{}, fmt.Errorf("account: totp secret: %w", err)
	}
	secret := b32.EncodeToString(raw)
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var confirmed int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM account_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, p.ID).Scan(&confirmed); err != nil {
			return err
		}
		if confirmed > 0 {
			return apperr.Field("totp", "an authenticator app is already set up: turn it off first to set up another")
		}
		_, err := tx.Exec(ctx, `INSERT INTO account_totp (user_id, secret, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0`, p.ID, secret, s.now())
		return err
	})
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("account: begin totp for %d: %w", p.ID, err)
	}
	return setupFor(secret, issuer, p.Email)
}

// PendingTOTP returns the setup begun and not yet confirmed, if any.
func (s *Store) PendingTOTP(ctx context.Context, p Person, issuer string) (TOTPSetup, bool, error) {
	var secret string
	err := s.db.QueryRow(ctx, `SELECT secret FROM account_totp WHERE user_id = $1 AND confirmed_at IS NULL`, p.ID).Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) {
		return TOTPSetup{}, false, nil
	}
	if err != nil {
		return TOTPSetup{}, false, fmt.Errorf("account: totp setup of %d: %w", p.ID, err)
	}
	st, err := setupFor(secret, issuer, p.Email)
	return st, err == nil, err
}

// ConfirmTOTP checks a code from the app being set up; when right, the
// app counts from now on and a first set of recovery codes is made and
// returned (shown once). Both are recorded in the same transaction.
func (s *Store) ConfirmTOTP(ctx context.Context, userID int64, code string) ([]string, error) {
	proof, err := ParseCode(code)
	if err != nil || proof.Recovery {
		return nil, apperr.Field("code", "enter the 6-digit code your app shows")
	}
	var codes []string
	err = s.write(ctx, userID, func(tx *db.Tx) error {
		var secret string
		var last int64
		err := tx.QueryRow(ctx, `SELECT secret, last_step FROM account_totp WHERE user_id = $1 AND confirmed_at IS NULL`, userID).Scan(&secret, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("code", "there is no setup waiting for a code: start again")
		}
		if err != nil {
			return err
		}
		step, ok := matchStep(secret, proof.Code, s.now())
		if !ok || step <= last {
			return apperr.Field("code", "that code is not right: check the app's clock and try the newest code")
		}
		now := s.now()
		if _, err := tx.Exec(ctx, `UPDATE account_totp SET confirmed_at = $2, last_step = $3 WHERE user_id = $1`, userID, now, step); err != nil {
			return err
		}
		if err := s.record(ctx, tx, Event{UserID: userID, Kind: EventTOTPEnabled}); err != nil {
			return err
		}
		codes, err = s.newRecoveryCodes(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("account: confirm totp for %d: %w", userID, err)
	}
	return codes, nil
}

// NewRecoveryCodes replaces a person's recovery codes with a new set,
// after a current code from their app (so a stolen session alone cannot
// mint a way past the second factor).
func (s *Store) NewRecoveryCodes(ctx context.Context, userID int64, code string) ([]string, error) {
	var codes []string
	err := s.write(ctx, userID, func(tx *db.Tx) error {
		if err := s.checkOwnCode(ctx, tx, userID, code, false); err != nil {
			return err
		}
		var err error
		codes, err = s.newRecoveryCodes(ctx, tx, userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("account: recovery codes for %d: %w", userID, err)
	}
	return codes, nil
}

// newRecoveryCodes replaces the set inside tx and records it.
func (s *Store) newRecoveryCodes(ctx context.Context, tx *db.Tx, userID int64) ([]string, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return nil, err
	}
	now := s.now()
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, err
		}
		codes[i] = c
		if _, err := tx.Exec(ctx, `INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)`,
			userID, hashToken(normalRecovery(c)), now); err != nil {
			return nil, err
		}
	}
	return codes, s.record(ctx, tx, Event{UserID: userID, Kind: EventRecoveryCodesMade})
}

// DisableTOTP removes a person's authenticator app and recovery codes,
// after a current code or a recovery code. required says the site
// requires a second factor of staff: then staff may remove it only if a
// passkey remains.
func (s *Store) DisableTOTP(ctx context.Context, p Person, code string, required bool) error {
	err := s.write(ctx, p.ID, func(tx *db.Tx) error {
		if required && p.Staff() {
			w, err := s.WaysIn(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			if w.Passkeys == 0 {
				return apperr.Field("code", "the site requires staff to have a second factor: add a passkey before removing the app")
			}
		}
		if err := s.checkOwnCode(ctx, tx, p.ID, code, true); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM account_totp WHERE user_id = $1`, `DELETE FROM recovery_codes WHERE user_id = $1`} {
			if _, err := tx.Exec(ctx, q, p.ID); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, Event{UserID: p.ID, Kind: EventTOTPDisabled})
	})
	if err != nil {
		return fmt.Errorf("account: disable totp for %d: %w", p.ID, err)
	}
	return nil
}

// checkOwnCode checks a signed-in person's code from their app (or, if
// recovery, one of their recovery codes, which is then spent), as a
// field error on "code".
func (s *Store) checkOwnCode(ctx context.Context, tx *db.Tx, userID int64, code string, recovery bool) error {
	proof, err := ParseCode(code)
	if err != nil {
		return apperr.Field("code", err.Error())
	}
	if proof.Recovery {
		if !recovery {
			return apperr.Field("code", "enter the 6-digit code your app shows")
		}
		ok, err := s.spendRecovery(ctx, tx, userID, proof.Code)
		if err != nil || ok {
			return err
		}
		return apperr.Field("code", "that recovery code is not right or was used")
	}
	err = s.acceptTOTP(ctx, tx, userID, proof.Code)
	switch {
	case errors.Is(err, ErrWrongCode):
		return apperr.Field("code", "that code is not right")
	case errors.Is(err, ErrCodeUsed):
		return apperr.Field("code", "that code was already used: wait for the next one")
	}
	return err
}

// acceptTOTP checks code against the person's confirmed app and marks
// its time step used, so the same code never works twice.
func (s *Store) acceptTOTP(ctx context.Context, tx *db.Tx, userID int64, code string) error {
	var secret string
	var last int64
	err := tx.QueryRow(ctx, `SELECT secret, last_step FROM account_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, userID).Scan(&secret, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrWrongCode
	}
	if err != nil {
		return err
	}
	step, ok := matchStep(secret, code, s.now())
	if !ok {
		return ErrWrongCode
	}
	res, err := tx.Exec(ctx, `UPDATE account_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2`, userID, step)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrCodeUsed
	}
	return nil
}

// spendRecovery marks one unused recovery code used and records it.
func (s *Store) spendRecovery(ctx context.Context, tx *db.Tx, userID int64, code string) (bool, error) {
	res, err := tx.Exec(ctx, `UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
		userID, hashToken(code), s.now())
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, nil
	}
	return true, s.record(ctx, tx, Event{UserID: userID, Kind: EventRecoveryCodeUsed})
}

// matchStep finds the time step, within one step of now either way (an
// app's clock drifts), whose code is code.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur, cur - 1, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// TOTPCode is the code an app shows at t for secret (for tests and tools).
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totpOpts)
}

// recoveryAlphabet is Crockford's base32: no I, L, O or U to misread.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

func newRecoveryCode() (string, error) {
	raw := make([]byte, recoveryLen)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("account: recovery code: %w", err)
	}
	var b strings.Builder
	for i, x := range raw {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(recoveryAlphabet[x&31])
	}
	return b.String(), nil
}

// normalRecovery is a recovery code as stored (hashed): lower case, no
// separators, misreadable letters read as digits.
func normalRecovery(c string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(c) {
		switch r {
		case '-', ' ', '\t':
			continue
		case 'o':
			r = '0'
		case 'i', 'l':
			r = '1'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Proof is a second-factor code as typed: six digits from an app, or a
// recovery code.
type Proof struct {
	Code     string // normalized
	Recovery bool
}

// ParseCode reads what a person typed as a second factor: six digits
// (spaces allowed) from an app, or a recovery code (any case, dashes and
// spaces allowed).
func ParseCode(in string) (Proof, error) {
	if len(in) > 64 {
		return Proof{}, errors.New("that is too long for a code")
	}
	digits := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '-' {
			return -1
		}
		return r
	}, strings.TrimSpace(in))
	if digits == "" {
		return Proof{}, errors.New("enter the code")
	}
	if len(digits) == 6 && strings.Trim(digits, "0123456789") == "" {
		return Proof{Code: digits}, nil
	}
	rc := normalRecovery(in)
	if len(rc) == recoveryLen && strings.Trim(rc, recoveryAlphabet) == "" {
		return Proof{Code: rc, Recovery: true}, nil
	}
	return Proof{}, errors.New("enter the 6-digit code from your app, or a recovery code (16 letters and digits)")
}

// PendingSignIn is a sign-in whose first proof passed and which waits for
// the second factor.
type PendingSignIn struct {
	UserID    int64
	Method    string // how the first proof was made (MethodPassword, ...)
	Remember  bool
	ReturnTo  string
	Flash     string // the notice the sign-in will show
	Attempts  int    // wrong codes so far
	ExpiresAt time.Time
}

// StartPendingSignIn stores a sign-in waiting for its second factor and
// returns the token for its cookie. Expired ones go at the same time.
func (s *Store) StartPendingSignIn(ctx context.Context, p PendingSignIn) (string, error) {
	token, hash := newToken()
	now := s.now()
	if len(p.ReturnTo) > 2000 {
		p.ReturnTo = "/"
	}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM pending_signins WHERE expires_at <= $1`, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO pending_signins (token_hash, user_id, method, remember, return_to, flash, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, hash, p.UserID, p.Method, p.Remember, p.ReturnTo, p.Flash, now, now.Add(PendingSignInTTL))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("account: start pending sign-in of %d: %w", p.UserID, err)
	}
	return token, nil
}

// PendingSignInOf returns the live sign-in waiting with token.
func (s *Store) PendingSignInOf(ctx context.Context, token string) (PendingSignIn, error) {
	if token == "" || len(token) > 100 {
		return PendingSignIn{}, ErrNoPending
	}
	var p PendingSignIn
	err := s.db.QueryRow(ctx, `SELECT user_id, method, remember, return_to, flash, attempts, expires_at FROM pending_signins
		WHERE token_hash = $1 AND expires_at > $2 AND attempts < $3`, hashToken(token), s.now(), PendingAttempts).
		Scan(&p.UserID, &p.Method, &p.Remember, &p.ReturnTo, &p.Flash, &p.Attempts, &p.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return PendingSignIn{}, ErrNoPending
	}
	if err != nil {
		return PendingSignIn{}, fmt.Errorf("account: pending sign-in: %w", err)
	}
	return p, nil
}

// DropPendingSignIn forgets a waiting sign-in (finished another way).
func (s *Store) DropPendingSignIn(ctx context.Context, token string) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM pending_signins WHERE token_hash = $1`, hashToken(token)); err != nil {
		return fmt.Errorf("account: drop pending sign-in: %w", err)
	}
	return nil
}

// SecondFactor is the outcome of a code given to a waiting sign-in.
type SecondFactor struct {
	PendingSignIn
	Recovery     bool // a recovery code was spent
	RecoveryLeft int  // unused recovery codes after it
	AttemptsLeft int  // after a wrong code: how many more it takes
}

// FinishSecondFactor checks code for the sign-in waiting with token. A
// right code ends the waiting sign-in (once: a second use finds nothing)
// and, if a recovery code, spends and records it. A wrong or reused code
// counts against the sign-in (after PendingAttempts it is gone:
// ErrTooManyCode) and is recorded as a refused sign-in.
func (s *Store) FinishSecondFactor(ctx context.Context, token, code string) (SecondFactor, error) {
	pending, err := s.PendingSignInOf(ctx, token)
	if err != nil {
		return SecondFactor{}, err
	}
	out := SecondFactor{PendingSignIn: pending}
	proof, perr := ParseCode(code)
	if perr != nil {
		return out, apperr.Field("code", perr.Error())
	}
	hash := hashToken(token)
	var refused error
	err = s.write(ctx, pending.UserID, func(tx *db.Tx) error {
		if proof.Recovery {
			ok, err := s.spendRecovery(ctx, tx, pending.UserID, proof.Code)
			if err != nil {
				return err
			}
			if !ok {
				return ErrWrongCode
			}
			out.Recovery = true
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, pending.UserID).Scan(&out.RecoveryLeft); err != nil {
				return err
			}
		} else if err := s.acceptTOTP(ctx, tx, pending.UserID, proof.Code); err != nil {
			return err
		}
		// Single use: of two requests with the right code, one finds the row.
		res, err := tx.Exec(ctx, `DELETE FROM pending_signins WHERE token_hash = $1 AND expires_at > $2 AND attempts < $3`, hash, s.now(), PendingAttempts)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrNoPending
		}
		return nil
	})
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, ErrWrongCode), errors.Is(err, ErrCodeUsed):
		refused = err
	default:
		return out, err
	}
	// A wrong or reused code: count it, and say so in the history.
	gone, finished := false, false
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		var attempts int
		err := tx.QueryRow(ctx, `UPDATE pending_signins SET attempts = attempts + 1 WHERE token_hash = $1 AND expires_at > $2
			RETURNING attempts`, hash, s.now()).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			finished = true // meanwhile ended by another request, or expired
			return nil
		}
		if err != nil {
			return err
		}
		out.AttemptsLeft = max(PendingAttempts-attempts, 0)
		if out.AttemptsLeft == 0 {
			gone = true
			if _, err := tx.Exec(ctx, `DELETE FROM pending_signins WHERE token_hash = $1`, hash); err != nil {
				return err
			}
		}
		detail := "wrong second-factor code"
		if errors.Is(refused, ErrCodeUsed) {
			detail = "second-factor code used twice"
		}
		return s.record(ctx, tx, Event{UserID: pending.UserID, Kind: EventSignInFailed, Detail: detail})
	})
	if err != nil {
		return out, fmt.Errorf("account: count a wrong code: %w", err)
	}
	if finished {
		return out, ErrNoPending
	}
	if gone {
		return out, ErrTooManyCode
	}
	return out, refused
}

// ResetSecondFactor removes another person's authenticator app, recovery
// codes, passkeys (the lost device may hold one) and waiting sign-ins and
// ends their sessions, on behalf of an admin (actorID), who is recorded as
// having done it: without the record nothing changes. An admin cannot
// reset their own.
func (s *Store) ResetSecondFactor(ctx context.Context, actorID, userID int64) error {
	if actorID == userID {
		return apperr.Field("confirm", "you cannot reset your own second factor: use your recovery codes, or ask another admin")
	}
	err := s.write(ctx, userID, func(tx *db.Tx) error {
		for _, q := range []string{`DELETE FROM account_totp WHERE user_id = $1`, `DELETE FROM recovery_codes WHERE user_id = $1`,
			`DELETE FROM pending_signins WHERE user_id = $1`, `DELETE FROM sessions WHERE user_id = $1`,
			`DELETE FROM passkeys WHERE user_id = $1`} {
			if _, err := tx.Exec(ctx, q, userID); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, Event{UserID: userID, ActorID: actorID, Kind: EventSecondFactorReset})
	})
	if err != nil {
		return fmt.Errorf("account: reset second factor of %d: %w", userID, err)
	}
	return nil
}

// Requirement is the site's rule on second factors for staff.
type Requirement struct {
	Staff bool          // staff must have a second factor
	Since time.Time     // when the rule was turned on
	Grace time.Duration // how long staff may work without one
}

// Due is where a person stands under the rule.
type Due struct {
	Needed   bool      // the rule applies and the person has no second factor
	Deadline time.Time // until then they may work without one
	Blocked  bool      // the deadline passed: staff work waits for it
}

// DaysLeft is the whole days until the deadline, at least 1 while some
// time is left.
func (d Due) DaysLeft(now time.Time) int {
	left := d.Deadline.Sub(now)
	if left <= 0 {
		return 0
	}
	return int((left + 24*time.Hour - 1) / (24 * time.Hour))
}

// SecondFactorDue applies the rule to p. The grace counts from when the
// rule was turned on, or, for an account made after that, from when it
// was made. Readers are never asked.
func (s *Store) SecondFactorDue(ctx context.Context, p Person, req Requirement) (Due, error) {
	if !req.Staff || !p.Staff() {
		return Due{}, nil
	}
	has, err := s.hasSecondFactor(ctx, p.ID)
	if err != nil || has {
		return Due{}, err
	}
	start := req.Since
	if p.CreatedAt.After(start) {
		start = p.CreatedAt
	}
	d := Due{Needed: true, Deadline: start.Add(req.Grace)}
	d.Blocked = !s.now().Before(d.Deadline)
	return d, nil
}
