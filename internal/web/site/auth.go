package site

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/country"
	"byline/internal/web/core"
)

// Rate limits of the account forms, per address (IP) and per account.
const (
	loginPerIP      = 30
	signupPerIP     = 10
	resetPerIP      = 10
	resetPerAccount = 3
	limitWindow     = 15 * time.Minute
)

type authData struct {
	Countries []country.Country
	Token     string // a reset link's token
	Remember  bool
	Message   string
	Person    *account.Person
	Already   bool // the address was confirmed before this link was followed

	// Passkeys.

	// E-mail sign-in links.
	LinkToken string // the link being opened (its page's button sends it)
	LinkSame  bool   // opened in the browser that asked for it
	LinkNew   bool   // its address has no account yet
	LinkBad   bool   // unknown, used or expired

	// Sign-in providers.
	Providers []account.Provider // the enabled providers' buttons

	// Two-factor.
	TwoFactor *twoFactorSignIn // the second step of a sign-in
}

// authPage renders one of the account forms (no sidebar: one task at a time).
func (s *Server) authPage(w http.ResponseWriter, r *http.Request, status int, name, title string, f *core.Form, d authData) error {
	var err error
	if d.Providers, err = s.providerButtons(r); err != nil { // Sign-in providers.
		return err
	}
	p := &core.Page{Title: title, NoIndex: true, Form: f, Data: d}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	p.Sidebar = nil
	if rt := r.FormValue("return_to"); rt != "" {
		p.ReturnTo = core.SafeReturn(rt)
	} else {
		p.ReturnTo = "/"
	}
	s.Fill(w, r, p)
	return s.Render(w, status, name, p)
}

// limited answers a form that hit a rate limit.
func (s *Server) limited(w http.ResponseWriter, r *http.Request, name, title string, f *core.Form, retry time.Duration) error {
	w.Header().Set("Retry-After", fmt.Sprint(int(retry.Seconds())+1))
	f.Error = fmt.Sprintf("Too many attempts. Please wait %s and try again.", core.RoundWait(retry))
	return s.authPage(w, r, http.StatusTooManyRequests, name, title, f, authData{Countries: country.All()})
}

func (s *Server) registerForm(w http.ResponseWriter, r *http.Request) error {
	if core.CurrentViewer(r) != nil {
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return nil
	}
	return s.authPage(w, r, http.StatusOK, "register", "Create an account", nil, authData{Countries: country.All()})
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if refused {
		f.Values.Del("password")
		return s.authPage(w, r, http.StatusUnprocessableEntity, "register", "Create an account", f, authData{Countries: country.All()})
	}
	ctx := r.Context()
	if ok, retry, err := s.Limiter.Hit(ctx, "signup-ip:"+s.ClientIP(r), signupPerIP, limitWindow); err != nil {
		return err
	} else if !ok {
		return s.limited(w, r, "register", "Create an account", f, retry)
	}
	// The answer is the same whether or not the address has an account
	// (the owner of a taken one is mailed a notice): nobody is signed in
	// until they prove the address.
	err = s.People.Register(ctx, account.Registration{Email: f.Get("email"), DisplayName: f.Get("display_name"),
		Country: f.Get("country"), Password: f.Get("password")}, s.MailContext(r))
	if err != nil {
		if !f.Fail(err) {
			return err
		}
		f.Values.Del("password") // never sent back
		return s.authPage(w, r, http.StatusUnprocessableEntity, "register", "Create an account", f, authData{Countries: country.All()})
	}
	return s.RedirectFlash(w, r, loginURL(core.SafeReturn(f.Get("return_to"))), flashRegisterCheck)
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if core.CurrentViewer(r) != nil {
		http.Redirect(w, r, core.SafeReturn(r.URL.Query().Get("return_to")), http.StatusSeeOther)
		return nil
	}
	return s.authPage(w, r, http.StatusOK, "login", "Sign in", nil, authData{})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	ctx := r.Context()
	email := strings.ToLower(strings.TrimSpace(f.Get("email")))
	password := f.Get("password")
	f.Values.Del("password") // never shown again
	if refused {
		return s.authPage(w, r, http.StatusUnprocessableEntity, "login", "Sign in", f, authData{})
	}
	if retry, err := s.signInGate(ctx, r, email); err != nil {
		return err
	} else if retry > 0 {
		return s.limited(w, r, "login", "Sign in", f, retry)
	}
	p, err := s.People.Authenticate(ctx, email, password)
	switch {
	case errors.Is(err, account.ErrBadCredentials):
		if err := s.signInFailed(ctx, email); err != nil {
			return err
		}
		f.Error = "That e-mail address and password do not match an account. Check both, or reset your password."
		return s.authPage(w, r, http.StatusUnauthorized, "login", "Sign in", f, authData{})
	case errors.Is(err, account.ErrSuspended):
		f.Error = "This account is suspended. If you think that is a mistake, contact the site's editors."
		return s.authPage(w, r, http.StatusForbidden, "login", "Sign in", f, authData{})
	case err != nil:
		return err
	}
	return s.finishSignIn(w, r, p, signIn{Method: account.MethodPassword, Remember: f.Get("remember") != "", ReturnTo: f.Get("return_to")})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	if v := core.CurrentViewer(r); v != nil {
		if err := s.People.EndSession(r.Context(), v.Token); err != nil {
			return err
		}
	}
	s.ClearCookie(w, r, core.SessionCookie)
	return s.RedirectFlash(w, r, core.SafeReturn(r.PostForm.Get("return_to")), flashSignedOut)
}

// verify spends a confirmation link from a mail.
func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	p, err := s.People.Verify(r.Context(), r.URL.Query().Get("token"))
	d := authData{}
	status := http.StatusOK
	switch {
	case err == nil:
		if v := core.CurrentViewer(r); v != nil && v.ID == p.ID {
			return s.RedirectFlash(w, r, "/account", flashVerified)
		}
		d.Person = &p
	case errors.Is(err, account.ErrAlreadyVerified):
		// A second click on a used link: nothing is wrong, say so.
		d.Person, d.Already = &p, true
	case errors.Is(err, account.ErrBadLink):
		if v := core.CurrentViewer(r); v != nil && v.Verified() {
			// An old link, but the signed-in reader's address is confirmed.
			d.Person, d.Already = &v.Person, true
			break
		}
		status, d.Message = http.StatusGone, "This confirmation link is invalid, has expired, or was already used. Sign in to have a new one sent."
	default:
		if f := core.NewForm(r); f.Fail(err) {
			status, d.Message = http.StatusConflict, "Another account uses that address now, so it cannot be confirmed for yours."
		} else {
			return err
		}
	}
	return s.authPage(w, r, status, "verify", "Confirm your address", nil, d)
}

func (s *Server) resendVerification(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	if ok, _, err := s.Limiter.Hit(r.Context(), fmt.Sprintf("verify-resend:%d", v.ID), resetPerAccount, limitWindow); err != nil {
		return err
	} else if !ok {
		return core.BadRequest{Msg: "We already sent several links in the last minutes; please check your inbox and spam folder."}
	}
	if err := s.People.ResendVerification(r.Context(), v.ID, s.MailContext(r)); err != nil {
		return err
	}
	return s.RedirectFlash(w, r, "/account", flashVerifySent)
}

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) error {
	return s.authPage(w, r, http.StatusOK, "forgot", "Reset your password", nil, authData{})
}

// forgot mails a reset link. Its answer is the same whether or not the
// address has an account.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if refused {
		return s.authPage(w, r, http.StatusUnprocessableEntity, "forgot", "Reset your password", f, authData{})
	}
	ctx := r.Context()
	email := strings.ToLower(strings.TrimSpace(f.Get("email")))
	if email == "" || !strings.Contains(email, "@") {
		f.Errors["email"] = "enter the e-mail address of your account"
		return s.authPage(w, r, http.StatusUnprocessableEntity, "forgot", "Reset your password", f, authData{})
	}
	if ok, retry, err := s.Limiter.Hit(ctx, "reset-ip:"+s.ClientIP(r), resetPerIP, limitWindow); err != nil {
		return err
	} else if !ok {
		return s.limited(w, r, "forgot", "Reset your password", f, retry)
	}
	// Per address, quietly: the answer must not differ for unknown ones.
	if ok, _, err := s.Limiter.Hit(ctx, "reset-account:"+email, resetPerAccount, limitWindow); err != nil {
		return err
	} else if ok {
		if err := s.People.RequestReset(ctx, email, s.MailContext(r)); err != nil {
			return err
		}
	}
	return s.RedirectFlash(w, r, "/login", flashResetSent)
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	d := authData{Token: token}
	status := http.StatusOK
	if err := s.People.CheckResetLink(r.Context(), token); errors.Is(err, account.ErrBadLink) {
		status, d.Message = http.StatusGone, "This reset link is invalid, has expired, or was already used. Ask for a new one below."
	} else if err != nil {
		return err
	}
	return s.authPage(w, r, status, "reset", "Choose a new password", nil, d)
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	token := f.Get("token")
	pw := f.Get("password")
	f.Values.Del("password")
	if refused {
		return s.authPage(w, r, http.StatusUnprocessableEntity, "reset", "Choose a new password", f, authData{Token: token})
	}
	p, err := s.People.ResetPassword(r.Context(), token, pw)
	switch {
	case errors.Is(err, account.ErrBadLink):
		return s.authPage(w, r, http.StatusGone, "reset", "Choose a new password", f,
			authData{Message: "This reset link is invalid, has expired, or was already used. Ask for a new one below."})
	case err != nil:
		if !f.Fail(err) {
			return err
		}
		return s.authPage(w, r, http.StatusUnprocessableEntity, "reset", "Choose a new password", f, authData{Token: token})
	}
	return s.finishSignIn(w, r, p, signIn{Method: account.MethodReset, ReturnTo: "/account", Flash: flashPasswordReset})
}

// loginURL is the sign-in page that returns to path.
func loginURL(path string) string {
	return "/login?return_to=" + url.QueryEscape(path)
}
