package site

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"byline/internal/account"
	"byline/internal/web/core"
)

// Two-factor authentication: the second step of a sign-in, and setting up
// an authenticator app and recovery codes from the account page.

// twoFactorCookie holds the token of a sign-in waiting for its second
// factor (the database keeps its hash and the rest).
const twoFactorCookie = "byline_2fa"

// Codes a person may try per account and per address in a window, when
// setting up or changing the app (signing in goes through signInGate).
const twoFactorChangesPerAccount = 10

var (
	flashTOTPOff      = core.NewFlash("totp-off", "The authenticator app is removed, with its recovery codes.")
	flashRecoveryLeft = core.NewCounted("recovery-left", core.Counted(
		"You are signed in with a recovery code. You have 1 left: make a new set on your account page.",
		"You are signed in with a recovery code. You have %d left; make a new set on your account page when they run low."))
)

// twoFactorSignIn is what the second step of a sign-in shows.
type twoFactorSignIn struct {
	TOTP     bool // the person has an app: ask for its code
	Passkeys bool // offer "Use your passkey instead"
	Recovery bool // the recovery-code form is the one shown
	Gone     bool // the sign-in expired, was finished or took too many codes
}

// askSecondFactor holds a sign-in whose first proof passed until the
// second factor is given: nothing is signed in yet; the browser gets a
// short-lived cookie naming the waiting sign-in, kept in the database so
// any node can finish it.
func (s *Server) askSecondFactor(w http.ResponseWriter, r *http.Request, p account.Person, in signIn) error {
	token, err := s.People.StartPendingSignIn(r.Context(), account.PendingSignIn{UserID: p.ID, Method: in.Method, Remember: in.Remember,
		ReturnTo: core.SafeReturn(in.ReturnTo), Flash: in.Flash.Key})
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: twoFactorCookie, Value: token, Path: "/", MaxAge: int(account.PendingSignInTTL.Seconds()),
		HttpOnly: true, Secure: s.Secure(r), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/login/two-factor", http.StatusSeeOther)
	return nil
}

// endWaiting ends the browser's waiting sign-in when p signs in another
// way (a passkey offered on the second step): it keeps where that
// sign-in was going.
func (s *Server) endWaiting(w http.ResponseWriter, r *http.Request, p account.Person, in signIn) (signIn, error) {
	c, err := r.Cookie(twoFactorCookie)
	if err != nil || c.Value == "" {
		return in, nil
	}
	s.ClearCookie(w, r, twoFactorCookie)
	pending, err := s.People.PendingSignInOf(r.Context(), c.Value)
	if errors.Is(err, account.ErrNoPending) {
		return in, nil
	}
	if err != nil {
		return in, err
	}
	if pending.UserID == p.ID {
		if in.ReturnTo == "" || in.ReturnTo == "/" {
			in.ReturnTo = pending.ReturnTo
		}
		in.Remember = in.Remember || pending.Remember
	}
	return in, s.People.DropPendingSignIn(r.Context(), c.Value)
}

// waiting reads the browser's waiting sign-in and its person.
func (s *Server) waiting(r *http.Request) (string, account.PendingSignIn, account.Person, error) {
	c, err := r.Cookie(twoFactorCookie)
	if err != nil {
		return "", account.PendingSignIn{}, account.Person{}, account.ErrNoPending
	}
	pending, err := s.People.PendingSignInOf(r.Context(), c.Value)
	if err != nil {
		return "", pending, account.Person{}, err
	}
	p, err := s.People.ByID(r.Context(), pending.UserID)
	return c.Value, pending, p, err
}

// secondStep renders the second step of a sign-in.
func (s *Server) secondStep(w http.ResponseWriter, r *http.Request, status int, f *core.Form, p account.Person, d twoFactorSignIn) error {
	if !d.Gone {
		tf, err := s.People.TwoFactorOf(r.Context(), p.ID)
		if err != nil {
			return err
		}
		d.TOTP, d.Passkeys = tf.TOTP, tf.Passkeys > 0
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.authPage(w, r, status, "login-two-factor", "Two-factor sign-in", f, authData{TwoFactor: &d})
}

// gone answers for a waiting sign-in that is no more.
func (s *Server) gone(w http.ResponseWriter, r *http.Request, status int, f *core.Form, msg string) error {
	s.ClearCookie(w, r, twoFactorCookie)
	if f == nil {
		f = core.NewForm(r)
	}
	f.Values = url.Values{}
	f.Error = msg
	return s.secondStep(w, r, status, f, account.Person{}, twoFactorSignIn{Gone: true})
}

const goneMsg = "This sign-in has expired or was already finished. Please sign in again."

func (s *Server) twoFactorForm(w http.ResponseWriter, r *http.Request) error {
	_, _, p, err := s.waiting(r)
	if errors.Is(err, account.ErrNoPending) {
		return s.gone(w, r, http.StatusGone, nil, goneMsg)
	}
	if err != nil {
		return err
	}
	return s.secondStep(w, r, http.StatusOK, nil, p, twoFactorSignIn{Recovery: r.URL.Query().Get("recovery") != ""})
}

// twoFactorSubmit checks the second factor of a waiting sign-in: the same
// gate as every way in (per address, and the account's lockout), and each
// wrong code counts against the sign-in and the account.
func (s *Server) twoFactorSubmit(w http.ResponseWriter, r *http.Request) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	ctx := r.Context()
	token, _, p, err := s.waiting(r)
	gone := errors.Is(err, account.ErrNoPending)
	if err != nil && !gone {
		return err
	}
	d := twoFactorSignIn{Recovery: f.Get("recovery") != ""}
	switch {
	case refused && gone:
		return s.gone(w, r, http.StatusUnprocessableEntity, f, "Some of what you typed cannot be kept. "+goneMsg)
	case refused:
		return s.secondStep(w, r, http.StatusUnprocessableEntity, f, p, d)
	case gone:
		return s.gone(w, r, http.StatusGone, f, goneMsg)
	}
	if retry, err := s.signInGate(ctx, r, p.Email); err != nil {
		return err
	} else if retry > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(retry.Seconds())+1))
		f.Error = fmt.Sprintf("Too many attempts. Please wait %s and try again.", core.RoundWait(retry))
		return s.secondStep(w, r, http.StatusTooManyRequests, f, p, d)
	}
	code := f.Get("code")
	sf, err := s.People.FinishSecondFactor(ctx, token, code)
	switch {
	case err == nil:
	case errors.Is(err, account.ErrNoPending):
		return s.gone(w, r, http.StatusGone, f, goneMsg)
	case errors.Is(err, account.ErrTooManyCode):
		if err := s.signInFailed(ctx, p.Email); err != nil {
			return err
		}
		return s.gone(w, r, http.StatusUnauthorized, f, "Too many wrong codes. For your safety this sign-in has ended: please sign in again.")
	case errors.Is(err, account.ErrWrongCode), errors.Is(err, account.ErrCodeUsed):
		if err := s.signInFailed(ctx, p.Email); err != nil {
			return err
		}
		f.Values.Del("code") // a wrong code is no use typed again
		what := core.Capitalize(err.Error())
		if d.Recovery && errors.Is(err, account.ErrWrongCode) {
			what = "That recovery code is not right, or was already used"
		}
		tries := "tries"
		if sf.AttemptsLeft == 1 {
			tries = "try"
		}
		f.Errors["code"] = fmt.Sprintf("%s. %d more %s before you need to sign in again.", what, sf.AttemptsLeft, tries)
		f.Error = "Please correct the field marked below."
		return s.secondStep(w, r, http.StatusUnauthorized, f, p, d)
	default:
		if !f.Fail(err) {
			return err
		}
		return s.secondStep(w, r, http.StatusUnprocessableEntity, f, p, d)
	}
	s.ClearCookie(w, r, twoFactorCookie)
	if p.Suspended() || p.Deleted() {
		f.Error = "This account is suspended. If you think that is a mistake, contact the site's editors."
		return s.authPage(w, r, http.StatusForbidden, "login", "Sign in", f, authData{})
	}
	if err := s.Limiter.Clear(ctx, lockKey(p.Email)); err != nil {
		return err
	}
	if err := s.SignIn(w, r, p, sf.Method, sf.Remember); err != nil {
		return err
	}
	flash := flashSignedIn
	if sf.Flash != "" {
		flash = core.Notice{Key: sf.Flash}
	}
	if sf.Recovery {
		flash = flashRecoveryLeft.Count(sf.RecoveryLeft)
	}
	return s.RedirectFlash(w, r, core.SafeReturn(sf.ReturnTo), flash)
}

// twoFactorPage is where a person sets up, changes or removes their
// second factor; staff whose grace is over are sent here.
type twoFactorPage struct {
	Person   account.Person
	State    account.TwoFactor
	Setup    *account.TOTPSetup // a setup waiting for its first code
	QR       template.URL       // its QR code, a data: address
	Codes    []string           // recovery codes just made: shown once
	CodesTxt template.URL       // the same, as a text file (a data: address)
	Due      account.Due        // the site's rule, applied to the person
	Required bool               // the rule applies to the person (staff, rule on)
	Blocked  bool               // sent here because staff pages wait for it
	Section  string             // the form that failed: "setup", "codes" or "off"
}

// Err is the reason the form of section was refused, if it was.
func (d twoFactorPage) Err(f *core.Form, section string) string {
	if d.Section != section {
		return ""
	}
	return f.Err("code")
}

func (s *Server) twoFactorAccount(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.renderTwoFactor(w, r, v, http.StatusOK, nil, twoFactorPage{})
}

func (s *Server) renderTwoFactor(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, f *core.Form, d twoFactorPage) error {
	ctx := r.Context()
	var err error
	d.Person = v.Person
	if d.State, err = s.People.TwoFactorOf(ctx, v.ID); err != nil {
		return err
	}
	if d.State.Unconfirmed && d.Codes == nil {
		setup, ok, err := s.People.PendingTOTP(ctx, v.Person, s.Site(r).Name)
		if err != nil {
			return err
		}
		if ok {
			// A PNG made here, never anything typed: safe as an image's address.
			d.Setup, d.QR = &setup, template.URL(setup.QR)
		}
	}
	rule := s.SecondFactorRule(r)
	d.Required = rule.Staff && v.Staff()
	if d.Due, err = s.People.SecondFactorDue(ctx, v.Person, rule); err != nil {
		return err
	}
	d.Blocked = d.Due.Blocked
	if d.Codes != nil {
		d.CodesTxt = template.URL("data:text/plain;charset=utf-8," + url.PathEscape(recoveryFile(s.Site(r).Name, v.Email, d.Codes)))
	}
	p := &core.Page{Title: "Two-factor authentication", NoIndex: true, Form: f, Data: d}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	p.Sidebar = nil
	s.Fill(w, r, p)
	w.Header().Set("Cache-Control", "no-store") // a secret, or codes shown once
	return s.Render(w, status, "account-two-factor", p)
}

// recoveryFile is the text file of recovery codes a person may keep.
func recoveryFile(site, email string, codes []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Recovery codes for %s (%s)\n\nEach code signs you in once if you lose your authenticator app.\nKeep them somewhere safe; making a new set cancels these.\n\n", site, email)
	for _, c := range codes {
		b.WriteString(c + "\n")
	}
	return b.String()
}

// twoFactorChange answers one of the page's forms: a rate limit per
// account on codes, the step, and on a mistake the page again.
func (s *Server) twoFactorChange(w http.ResponseWriter, r *http.Request, v *core.Viewer, section string, act func(f *core.Form) (twoFactorPage, core.Notice, error)) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if refused {
		return s.renderTwoFactor(w, r, v, http.StatusUnprocessableEntity, f, twoFactorPage{Section: section})
	}
	ctx := r.Context()
	ok, retry, err := s.Limiter.Hit(ctx, fmt.Sprintf("two-factor-change:%d", v.ID), twoFactorChangesPerAccount, limitWindow)
	if err == nil && ok {
		ok, retry, err = s.Limiter.Hit(ctx, "two-factor-change-ip:"+s.ClientIP(r), twoFactorChangesPerAccount*3, limitWindow)
	}
	if err != nil {
		return err
	}
	if !ok {
		w.Header().Set("Retry-After", fmt.Sprint(int(retry.Seconds())+1))
		f.Error = fmt.Sprintf("Too many attempts. Please wait %s and try again.", core.RoundWait(retry))
		return s.renderTwoFactor(w, r, v, http.StatusTooManyRequests, f, twoFactorPage{})
	}
	d, flash, err := act(f)
	if err != nil {
		if !f.Fail(err) {
			return err
		}
		f.Values.Del("code")
		return s.renderTwoFactor(w, r, v, http.StatusUnprocessableEntity, f, twoFactorPage{Section: section})
	}
	// A second factor changed: this browser gets a new session token.
	if err := s.Rotate(w, r, v); err != nil {
		return err
	}
	if d.Codes != nil {
		return s.renderTwoFactor(w, r, v, http.StatusOK, nil, d)
	}
	return s.RedirectFlash(w, r, "/account#two-factor", flash)
}

func (s *Server) beginTOTP(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	if _, err := s.People.BeginTOTP(r.Context(), v.Person, s.Site(r).Name); err != nil {
		if f := core.NewForm(r); f.Fail(err) {
			return s.renderTwoFactor(w, r, v, http.StatusConflict, f, twoFactorPage{})
		}
		return err
	}
	// No fragment or notice: the steps are the page's first thing.
	return s.RedirectFlash(w, r, core.TwoFactorPath, core.Notice{})
}

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.twoFactorChange(w, r, v, "setup", func(f *core.Form) (twoFactorPage, core.Notice, error) {
		codes, err := s.People.ConfirmTOTP(r.Context(), v.ID, f.Get("code"))
		return twoFactorPage{Codes: codes}, core.Notice{}, err
	})
}

func (s *Server) newRecoveryCodes(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.twoFactorChange(w, r, v, "codes", func(f *core.Form) (twoFactorPage, core.Notice, error) {
		codes, err := s.People.NewRecoveryCodes(r.Context(), v.ID, f.Get("code"))
		return twoFactorPage{Codes: codes}, core.Notice{}, err
	})
}

func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.twoFactorChange(w, r, v, "off", func(f *core.Form) (twoFactorPage, core.Notice, error) {
		return twoFactorPage{}, flashTOTPOff, s.People.DisableTOTP(r.Context(), v.Person, f.Get("code"), s.SecondFactorRule(r).Staff)
	})
}
