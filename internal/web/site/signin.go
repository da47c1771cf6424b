package site

import (
	"context"
	"net/http"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/web/core"
)

// Every way of signing in (password, passkey, e-mail link, provider) goes
// through the same gate before it checks anything, and through
// finishSignIn after: one set of rate limits and lockouts, one place that
// asks for a second factor, starts the session and records the sign-in.

// signInGate applies the limits every way of signing in shares: attempts
// per address (IP), and the lockout of an account after repeated failures
// (key is the account's e-mail address; "" when it is not known yet). A
// positive wait means refused.
func (s *Server) signInGate(ctx context.Context, r *http.Request, key string) (time.Duration, error) {
	ok, retry, err := s.Limiter.Hit(ctx, "login-ip:"+s.ClientIP(r), loginPerIP, limitWindow)
	if err != nil || !ok {
		return retry, err
	}
	if key == "" {
		return 0, nil
	}
	return s.Limiter.Locked(ctx, lockKey(key))
}

// signInFailed counts a failed proof against the account (a wrong
// password, a wrong second-factor code).
func (s *Server) signInFailed(ctx context.Context, key string) error {
	_, err := s.Limiter.Fail(ctx, lockKey(key))
	return err
}

// lockKey is the lockout's key for an account's address.
func lockKey(email string) string {
	return "login-account:" + strings.ToLower(strings.TrimSpace(email))
}

// signIn is how a sign-in came about and where it leads.
type signIn struct {
	Method   string      // account.MethodPassword, ...
	Remember bool        // keep the session for 30 days
	ReturnTo string      // where to go after (made safe)
	Flash    core.Notice // the notice shown there; zero: "You are signed in."
}

// finishSignIn ends every successful proof of who someone is: it refuses
// suspended and deleted accounts, asks for the second factor of people
// who set one up (see twofactor.go and account.TwoFactor.Asked), clears the account's failures, starts
// a new session (recorded with its method) and returns the person to
// where they were.
func (s *Server) finishSignIn(w http.ResponseWriter, r *http.Request, p account.Person, in signIn) error {
	ctx := r.Context()
	if p.Suspended() || p.Deleted() {
		f := core.NewForm(r)
		f.Error = "This account is suspended. If you think that is a mistake, contact the site's editors."
		return s.authPage(w, r, http.StatusForbidden, "login", "Sign in", f, authData{})
	}
	// A second factor, unless this proof was one already (a passkey): the
	// account's failures are cleared only once it is given.
	if in.Method != account.MethodPasskey {
		asked, err := s.People.SecondFactorAsked(ctx, p, s.SecondFactorRule(r))
		if err != nil {
			return err
		}
		if asked {
			return s.askSecondFactor(w, r, p, in)
		}
	}
	in, err := s.endWaiting(w, r, p, in)
	if err != nil {
		return err
	}
	if err := s.Limiter.Clear(ctx, lockKey(p.Email)); err != nil {
		return err
	}
	if err := s.SignIn(w, r, p, in.Method, in.Remember); err != nil {
		return err
	}
	if in.Flash.Key == "" {
		in.Flash = flashSignedIn
	}
	return s.RedirectFlash(w, r, core.SafeReturn(in.ReturnTo), in.Flash)
}
