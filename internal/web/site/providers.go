package site

import (
	"errors"
	"net/http"
	"strconv"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/oidcclient"
	"byline/internal/web/core"
)

// Social sign-in: a button starts the authorization code flow at the
// provider (PKCE, state, nonce, bound to this browser by a cookie); the
// provider sends the browser back to the callback, which checks all of it
// and signs in, links, or makes an account (rules in package account).

// flowCookie holds the browser's binding value: the state is only accepted
// from the browser that started it.
const flowCookie = "byline_signin_flow"

var (
	flashProviderLinked   = core.NewFlash("provider-linked", "The sign-in provider is linked: you can use it to sign in.")
	flashProviderUnlinked = core.NewFlash("provider-unlinked", "The sign-in provider is unlinked.")
	flashProviderWelcome  = core.NewFlash("provider-welcome", "Welcome! Your account is made and you are signed in. Check your display name and add your country here.")
)

// providerButtons are the enabled providers for the sign-in pages.
func (s *Server) providerButtons(r *http.Request) ([]account.Provider, error) {
	return s.providers.Get(s.Server, func() ([]account.Provider, error) { return s.People.Providers(r.Context(), true) })
}

// callbackURL is the address a provider sends the browser back to; the
// admin registers it with the provider.
func (s *Server) callbackURL(r *http.Request, id int64) string {
	return s.Site(r).BaseURL + "/login/providers/" + strconv.FormatInt(id, 10) + "/callback"
}

// enabledProvider reads the provider of the path; a disabled one is not
// found, like a missing one.
func (s *Server) enabledProvider(r *http.Request) (account.Provider, error) {
	p, err := core.ByPath(r, s.People.Provider)
	if err == nil && !p.Enabled {
		err = apperr.ErrNotFound
	}
	return p, err
}

// startProvider sends the browser to the provider to sign in. It is a GET
// (a link, not a form): the site's Content-Security-Policy allows forms to
// post only to itself, which covers where their redirects lead too.
func (s *Server) startProvider(w http.ResponseWriter, r *http.Request) error {
	returnTo := core.SafeReturn(r.URL.Query().Get("return_to"))
	if crossSite(r) {
		// Another site may not start a sign-in (or make an account) for
		// the reader: they see the buttons and choose.
		return s.authPage(w, r, http.StatusOK, "login", "Sign in", nil, authData{})
	}
	return s.redirectToProvider(w, r, account.ProviderStart{Purpose: account.PurposeSignIn, ReturnTo: returnTo})
}

// linkProvider sends the signed-in person to the provider to link it.
func (s *Server) linkProvider(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if crossSite(r) {
		http.Redirect(w, r, "/account#providers", http.StatusSeeOther)
		return nil
	}
	return s.redirectToProvider(w, r, account.ProviderStart{Purpose: account.PurposeLink, UserID: v.ID, ReturnTo: "/account#providers"})
}

// crossSite reports a request another site's page made the browser send
// (Fetch metadata); a typed address or a bookmark says "none".
func crossSite(r *http.Request) bool {
	v := r.Header.Get("Sec-Fetch-Site")
	return v == "cross-site" || v == "same-site"
}

func (s *Server) redirectToProvider(w http.ResponseWriter, r *http.Request, st account.ProviderStart) error {
	ctx := r.Context()
	p, err := s.enabledProvider(r)
	if err != nil {
		return err
	}
	st.ProviderID = p.ID
	if c, err := r.Cookie(flowCookie); err == nil {
		st.Browser = c.Value
	}
	flow, err := s.People.StartProviderFlow(ctx, st)
	if err != nil {
		return err
	}
	to, err := s.Providers.AuthURL(ctx, p, s.callbackURL(r, p.ID), flow)
	if err != nil {
		return s.providerFailed(w, r, p, err)
	}
	c := &http.Cookie{Name: flowCookie, Value: flow.Browser, Path: "/login/providers/", MaxAge: 600, HttpOnly: true, Secure: s.Secure(r), SameSite: http.SameSiteLaxMode}
	if c.Secure {
		// A provider answering with a POST (Apple) comes cross-site: the
		// cookie must go with it. It proves only which browser started.
		c.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, c)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// providerCallback finishes a flow: GET, or POST for providers that answer
// with a form (response_mode=form_post).
func (s *Server) providerCallback(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodHead {
		return nil // a link checker's HEAD must not spend the state
	}
	r = r.WithContext(s.Audited(r))
	ctx := r.Context()
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return s.callbackRefused(w, r, http.StatusBadRequest, "The answer from the sign-in provider could not be read. Please try again.")
	}
	p, err := s.enabledProvider(r)
	if err != nil {
		return s.callbackRefused(w, r, http.StatusNotFound, "This sign-in provider is not available. Sign in another way.")
	}
	if retry, err := s.signInGate(ctx, r, ""); err != nil {
		return err
	} else if retry > 0 {
		return s.limited(w, r, "login", "Sign in", core.NewForm(r), retry)
	}
	browser := ""
	if c, err := r.Cookie(flowCookie); err == nil {
		browser = c.Value
	}
	flow, err := s.People.TakeProviderFlow(ctx, p.ID, r.FormValue("state"), browser)
	switch {
	case errors.Is(err, account.ErrFlowUnknown), errors.Is(err, account.ErrFlowUsed), errors.Is(err, account.ErrFlowExpired), errors.Is(err, account.ErrFlowBrowser):
		return s.callbackRefused(w, r, http.StatusBadRequest, "Signing in with "+p.Name+" did not work: "+err.Error()+". Please start again.")
	case err != nil:
		return err
	}
	if e := r.FormValue("error"); e != "" {
		msg := "You did not sign in at " + p.Name + "."
		if e != "access_denied" {
			msg = p.Name + " could not sign you in just now. Please try again, or sign in another way."
			s.Logger.Warn("provider answered with an error", "provider", p.Name, "error", cut(e, 100))
		}
		return s.callbackRefused(w, r, http.StatusBadRequest, msg)
	}
	code := r.FormValue("code")
	if code == "" || len(code) > 4096 {
		return s.callbackRefused(w, r, http.StatusBadRequest, p.Name+" sent no usable answer. Please start again.")
	}
	id, err := s.Providers.Finish(ctx, p, s.callbackURL(r, p.ID), code, flow)
	if err != nil {
		return s.providerFailed(w, r, p, err)
	}
	if id.Name == "" {
		id.Name = oidcclient.FormPostName(r.PostFormValue("user")) // Apple's, sent once
	}
	if flow.Purpose == account.PurposeLink {
		return s.finishLink(w, r, p, flow, id)
	}
	person, outcome, err := s.People.ProviderSignIn(ctx, p, id, s.MailContext(r))
	var unconfirmed *account.UnconfirmedError
	var noEmail *account.NoEmailError
	switch {
	case errors.As(err, &unconfirmed):
		return s.callbackRefused(w, r, http.StatusForbidden, unconfirmed.Error()+".")
	case errors.As(err, &noEmail):
		return s.callbackRefused(w, r, http.StatusForbidden, noEmail.Error()+".")
	case errors.Is(err, account.ErrSuspended):
		return s.callbackRefused(w, r, http.StatusForbidden, "This account is suspended. If you think that is a mistake, contact the site's editors.")
	case err != nil:
		return err
	}
	in := signIn{Method: account.MethodProvider + ": " + p.Name, ReturnTo: flow.ReturnTo}
	if outcome == account.ProviderCreated {
		in.ReturnTo, in.Flash = "/account#profile", flashProviderWelcome
	}
	return s.finishSignIn(w, r, person, in)
}

// finishLink links the identity to the person who started the flow.
func (s *Server) finishLink(w http.ResponseWriter, r *http.Request, p account.Provider, flow account.PendingFlow, id account.ProviderIdentity) error {
	v := core.CurrentViewer(r)
	if flow.UserID == 0 || (v != nil && v.ID != flow.UserID) {
		return s.callbackRefused(w, r, http.StatusBadRequest, "This link was started for another account. Sign in again and link "+p.Name+" from your account page.")
	}
	err := s.People.LinkProvider(r.Context(), flow.UserID, p, id)
	switch {
	case errors.Is(err, account.ErrIdentityTaken):
		return s.callbackRefused(w, r, http.StatusConflict, "That "+p.Name+" account is already linked to another account here. Sign in with it to use that account, or unlink it there first.")
	case errors.Is(err, account.ErrAlreadyLinked):
		return s.callbackRefused(w, r, http.StatusConflict, "Your account is already linked to "+p.Name+". Unlink it first to link another "+p.Name+" account.")
	case err != nil:
		return err
	}
	if v != nil {
		// The ways in changed: a session token copied before is worthless.
		if err := s.Rotate(w, r, v); err != nil {
			return err
		}
	}
	return s.RedirectFlash(w, r, "/account#providers", flashProviderLinked)
}

// providerFailed answers a provider that could not be used: 502 when it is
// down or answered nonsense, 400 when its answer failed a check. The log
// says which check, never a code, token or secret.
func (s *Server) providerFailed(w http.ResponseWriter, r *http.Request, p account.Provider, err error) error {
	var oe *oidcclient.Error
	if !errors.As(err, &oe) {
		return err
	}
	s.Logger.Warn("sign-in provider", "provider", p.Name, "request_id", core.RequestID(r.Context()), "err", oe.Detail)
	if errors.Is(err, oidcclient.ErrUnavailable) {
		return s.callbackRefused(w, r, http.StatusBadGateway, p.Name+" could not be reached just now. Please try again in a few minutes, or sign in another way.")
	}
	return s.callbackRefused(w, r, http.StatusBadRequest, "The answer from "+p.Name+" could not be accepted, so you are not signed in. Please start again.")
}

// callbackRefused shows the sign-in page with why, and the ways in.
func (s *Server) callbackRefused(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	f := &core.Form{Errors: map[string]string{}, Error: msg}
	return s.authPage(w, r, status, "login", "Sign in", f, authData{})
}

// unlinkProvider removes one of the person's identities, unless it is
// their last way in.
func (s *Server) unlinkProvider(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.accountForm(w, r, v, "providers", func(f *core.Form) (core.Notice, error) {
		id, err := strconv.ParseInt(f.Get("identity"), 10, 64)
		if err != nil || id <= 0 {
			return core.Notice{}, apperr.Field("provider", "choose a linked provider to unlink")
		}
		if _, err := s.People.UnlinkProvider(r.Context(), v.ID, id); err != nil {
			if errors.Is(err, apperr.ErrNotFound) {
				return core.Notice{}, apperr.Field("provider", "that provider is not linked to your account")
			}
			return core.Notice{}, err
		}
		return flashProviderUnlinked, s.Rotate(w, r, v)
	})
}

// accountProviders is the account page's panel: linked identities, and the
// enabled providers not linked yet.
type accountProviders struct {
	Linked    []account.LinkedIdentity
	Available []account.Provider
}

func (s *Server) loadAccountProviders(r *http.Request, userID int64) (accountProviders, error) {
	var d accountProviders
	var err error
	if d.Linked, err = s.People.Identities(r.Context(), userID); err != nil {
		return d, err
	}
	all, err := s.People.Providers(r.Context(), true)
	if err != nil {
		return d, err
	}
	for _, p := range all {
		linked := false
		for _, li := range d.Linked {
			linked = linked || li.ProviderID == p.ID
		}
		if !linked {
			d.Available = append(d.Available, p)
		}
	}
	return d, nil
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
