package site

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/input"
	"byline/internal/web/core"
)

// Passkeys: each ceremony is two JSON POSTs, begin (the options for the
// browser and a ceremony id) and finish (the browser's answer with that
// id). The ceremony lives in the database, so any node can finish it.
// Every refusal of what a browser sent is a 4xx with words in JSON.

var (
	flashPasskeyAdded   = core.NewFlash("passkey-added", "Your passkey is added. You can use it to sign in on this site.")
	flashPasskeyRemoved = core.NewFlash("passkey-removed", "The passkey is removed from your account.")
	flashPasskeyRenamed = core.NewFlash("passkey-renamed", "The passkey is renamed.")
	flashPasskeySignup  = core.NewFlash("passkey-signup", "Check your mail to finish: we sent a message to the address you gave. Follow its link to confirm your address; you can sign in with your passkey here. (If the address already has an account, the message says so.)")
)

const (
	passkeyBodyLimit  = account.MaxPasskeyAnswer + 4<<10 // the answer and a few fields
	passkeyBeginPerIP = 60                               // ceremonies begun per address and window
)

// passkeyRequest is what the page's script sends: the fields of a begin
// step, or a ceremony's id and the browser's answer for a finish step.
type passkeyRequest struct {
	Ceremony    string          `json:"ceremony"`
	Credential  json.RawMessage `json:"credential"`
	Name        string          `json:"name"`
	Email       string          `json:"email"`
	DisplayName string          `json:"display_name"`
	Country     string          `json:"country"`
	ReturnTo    string          `json:"return_to"`
	Remember    bool            `json:"remember"`
}

// passkeyFailure is a refusal answered as JSON.
type passkeyFailure struct {
	Status int
	Msg    string
	Fields map[string]string
	Retry  time.Duration
}

func (e passkeyFailure) Error() string { return e.Msg }

// readPasskeyRequest reads a ceremony step's JSON, at most passkeyBodyLimit
// bytes. Text fields must be text (what the forms accept).
func readPasskeyRequest(w http.ResponseWriter, r *http.Request) (passkeyRequest, error) {
	var req passkeyRequest
	r.Body = http.MaxBytesReader(w, r.Body, passkeyBodyLimit)
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return req, passkeyFailure{Status: http.StatusRequestEntityTooLarge, Msg: "The request is too large."}
		}
		return req, passkeyFailure{Status: http.StatusBadRequest, Msg: "The request could not be read; please reload the page and try again."}
	}
	fields := map[string]string{}
	for name, v := range map[string]string{"ceremony": req.Ceremony, "name": req.Name, "email": req.Email,
		"display_name": req.DisplayName, "country": req.Country, "return_to": req.ReturnTo} {
		if !input.Valid(v) {
			fields[name] = input.Reason
		}
	}
	if len(fields) > 0 {
		return req, passkeyFailure{Status: http.StatusUnprocessableEntity, Msg: "Please correct the fields marked.", Fields: fields}
	}
	return req, nil
}

// answered is a step's result when it wrote its answer itself.
type answered struct{}

// passkeyStep adapts a ceremony step: its result or its refusal goes out
// as JSON; an unexpected error is the usual error page (and is logged).
func (s *Server) passkeyStep(fn func(w http.ResponseWriter, r *http.Request, req passkeyRequest) (any, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-store")
		req, err := readPasskeyRequest(w, r)
		var out any
		if err == nil {
			out, err = fn(w, r, req)
		}
		var pf passkeyFailure
		switch {
		case err == nil:
			if _, done := out.(answered); done {
				return nil
			}
			return writeJSON(w, http.StatusOK, out)
		case errors.As(err, &pf):
		default:
			if pe, ok := account.AsPasskeyError(err); ok {
				pf = passkeyFailure{Status: http.StatusBadRequest, Msg: core.Capitalize(pe.Msg) + "."}
			} else if inv, ok := apperr.AsInvalid(err); ok {
				pf = passkeyFailure{Status: http.StatusUnprocessableEntity, Msg: "Please correct the fields marked.", Fields: inv.Fields}
			} else {
				return err
			}
		}
		if pf.Retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(pf.Retry.Seconds())+1))
		}
		body := map[string]any{"error": pf.Msg}
		if len(pf.Fields) > 0 {
			body["fields"] = pf.Fields
		}
		return writeJSON(w, pf.Status, body)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("passkeys: answer: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
	return nil
}

// relyingParty is the site as passkeys know it, for this request.
func (s *Server) relyingParty(r *http.Request) (account.RelyingParty, error) {
	st := s.Site(r)
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return account.NewRelyingParty(st.Name, st.BaseURL, scheme, r.Host)
}

// tooMany is a refusal for a rate limit.
func tooMany(retry time.Duration) passkeyFailure {
	return passkeyFailure{Status: http.StatusTooManyRequests, Retry: retry,
		Msg: fmt.Sprintf("Too many attempts. Please wait %s and try again.", core.RoundWait(retry))}
}

// ceremonyAnswer is what a begin step answers.
type ceremonyAnswer struct {
	Ceremony string          `json:"ceremony"`
	Options  json.RawMessage `json:"options"`
}

func answer(c account.PasskeyCeremony) ceremonyAnswer {
	return ceremonyAnswer{Ceremony: c.ID, Options: c.Options}
}

// passkeyBeginLimit counts ceremonies begun from the request's address.
func (s *Server) passkeyBeginLimit(r *http.Request) error {
	ok, retry, err := s.Limiter.Hit(r.Context(), "passkey-begin-ip:"+s.ClientIP(r), passkeyBeginPerIP, limitWindow)
	if err != nil {
		return err
	}
	if !ok {
		return tooMany(retry)
	}
	return nil
}

// Signing up with a passkey alone.

func (s *Server) passkeySignupBegin(w http.ResponseWriter, r *http.Request, req passkeyRequest) (any, error) {
	if core.CurrentViewer(r) != nil {
		return nil, passkeyFailure{Status: http.StatusConflict, Msg: "You are signed in already: add a passkey from your account page."}
	}
	ctx := r.Context()
	if ok, retry, err := s.Limiter.Hit(ctx, "signup-ip:"+s.ClientIP(r), signupPerIP, limitWindow); err != nil {
		return nil, err
	} else if !ok {
		return nil, tooMany(retry)
	}
	rp, err := s.relyingParty(r)
	if err != nil {
		return nil, err
	}
	c, err := s.People.BeginPasskeySignup(ctx, rp, account.PasskeySignup{Email: req.Email, DisplayName: req.DisplayName, Country: req.Country})
	if err != nil {
		return nil, err
	}
	return answer(c), nil
}

// passkeySignupFinish creates the account. The answer is the same whether
// or not the address had an account (its owner is mailed instead), so
// nobody is signed in here: the person confirms the address from the mail
// and signs in with the passkey.
func (s *Server) passkeySignupFinish(w http.ResponseWriter, r *http.Request, req passkeyRequest) (any, error) {
	rp, err := s.relyingParty(r)
	if err != nil {
		return nil, err
	}
	if err := s.People.FinishPasskeySignup(r.Context(), rp, req.Ceremony, bytes.NewReader(req.Credential), s.MailContext(r)); err != nil {
		return nil, err
	}
	s.SetFlash(w, r, flashPasskeySignup)
	return map[string]string{"redirect": loginURL(core.SafeReturn(req.ReturnTo))}, nil
}

// Signing in with a passkey.

func (s *Server) passkeyLoginBegin(w http.ResponseWriter, r *http.Request, req passkeyRequest) (any, error) {
	if err := s.passkeyBeginLimit(r); err != nil {
		return nil, err
	}
	rp, err := s.relyingParty(r)
	if err != nil {
		return nil, err
	}
	c, err := s.People.BeginPasskeyLogin(r.Context(), rp)
	if err != nil {
		return nil, err
	}
	return answer(c), nil
}

func (s *Server) passkeyLoginFinish(w http.ResponseWriter, r *http.Request, req passkeyRequest) (any, error) {
	ctx := r.Context()
	// The address's limit first; the account's lockout once the passkey
	// tells whose it is.
	if retry, err := s.signInGate(ctx, r, ""); err != nil {
		return nil, err
	} else if retry > 0 {
		return nil, tooMany(retry)
	}
	rp, err := s.relyingParty(r)
	if err != nil {
		return nil, err
	}
	l, err := s.People.IdentifyPasskey(ctx, req.Ceremony, bytes.NewReader(req.Credential))
	if err != nil {
		return nil, refusedSignIn(err)
	}
	if retry, err := s.Limiter.Locked(ctx, lockKey(l.Person.Email)); err != nil {
		return nil, err
	} else if retry > 0 {
		return nil, tooMany(retry)
	}
	if err := s.People.VerifyPasskey(ctx, rp, l); err != nil {
		if pe, ok := account.AsPasskeyError(err); ok && pe.Email != "" {
			if err := s.signInFailed(ctx, pe.Email); err != nil {
				return nil, err
			}
		}
		return nil, refusedSignIn(err)
	}
	jw := &jsonAnswer{ResponseWriter: w}
	if err := s.finishSignIn(jw, r, l.Person, signIn{Method: account.MethodPasskey, Remember: req.Remember, ReturnTo: req.ReturnTo}); err != nil {
		return nil, err
	}
	if !jw.wrote {
		return nil, errors.New("passkeys: sign-in gave no answer")
	}
	return answered{}, nil
}

// refusedSignIn is a refused passkey sign-in as a 401.
func refusedSignIn(err error) error {
	if pe, ok := account.AsPasskeyError(err); ok {
		return passkeyFailure{Status: http.StatusUnauthorized, Msg: core.Capitalize(pe.Msg) + "."}
	}
	return err
}

// jsonAnswer turns what finishSignIn answers for a form (a redirect, or a
// page) into JSON for the script that asked: {"redirect": where}, or an
// error with the page's status. Cookies set on the way go out as they are.
type jsonAnswer struct {
	http.ResponseWriter
	wrote bool
}

func (j *jsonAnswer) WriteHeader(code int) {
	if j.wrote {
		return
	}
	j.wrote = true
	h := j.Header()
	loc := h.Get("Location")
	h.Del("Location")
	h.Del("Content-Length")
	body := map[string]string{"redirect": loc}
	status := http.StatusOK
	if code < 300 || code >= 400 {
		status = code
		body = map[string]string{"error": "Signing in did not finish; please try again."}
		if code == http.StatusForbidden {
			body["error"] = "This account is suspended. If you think that is a mistake, contact the site's editors."
		}
	}
	b, _ := json.Marshal(body) // a map of strings
	h.Set("Content-Type", "application/json")
	j.ResponseWriter.WriteHeader(status)
	j.ResponseWriter.Write(b)
}

// Write drops the page's body: the JSON went with the header.
func (j *jsonAnswer) Write(b []byte) (int, error) {
	if !j.wrote {
		j.WriteHeader(http.StatusOK)
	}
	return len(b), nil
}

// Adding a passkey to one's account.

func (s *Server) passkeyRegisterBegin(w http.ResponseWriter, r *http.Request, req passkeyRequest) (any, error) {
	v := core.CurrentViewer(r)
	if v == nil {
		return nil, passkeyFailure{Status: http.StatusUnauthorized, Msg: "Please sign in first."}
	}
	if err := s.passkeyBeginLimit(r); err != nil {
		return nil, err
	}
	rp, err := s.relyingParty(r)
	if err != nil {
		return nil, err
	}
	c, err := s.People.BeginPasskeyRegistration(r.Context(), rp, v.Person)
	if err != nil {
		return nil, err
	}
	return answer(c), nil
}

func (s *Server) passkeyRegisterFinish(w http.ResponseWriter, r *http.Request, req passkeyRequest) (any, error) {
	v := core.CurrentViewer(r)
	if v == nil {
		return nil, passkeyFailure{Status: http.StatusUnauthorized, Msg: "Please sign in first."}
	}
	rp, err := s.relyingParty(r)
	if err != nil {
		return nil, err
	}
	if _, err := s.People.FinishPasskeyRegistration(r.Context(), rp, v.ID, req.Ceremony, req.Name, bytes.NewReader(req.Credential)); err != nil {
		return nil, err
	}
	if err := s.Rotate(w, r, v); err != nil {
		return nil, err
	}
	s.SetFlash(w, r, flashPasskeyAdded)
	return map[string]string{"redirect": "/account#passkeys"}, nil
}

// The account page's passkey forms (plain forms: no script needed).

func (s *Server) renamePasskey(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.accountForm(w, r, v, "passkeys", func(f *core.Form) (core.Notice, error) {
		id, err := strconv.ParseInt(f.Get("id"), 10, 64)
		if err != nil {
			return core.Notice{}, apperr.Field("passkey", "choose one of your passkeys")
		}
		return flashPasskeyRenamed, s.People.RenamePasskey(r.Context(), v.ID, id, f.Get("name"))
	})
}

func (s *Server) removePasskey(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.accountForm(w, r, v, "passkeys", func(f *core.Form) (core.Notice, error) {
		id, err := strconv.ParseInt(f.Get("id"), 10, 64)
		if err != nil {
			return core.Notice{}, apperr.Field("passkey", "choose one of your passkeys")
		}
		if err := s.People.RemovePasskey(r.Context(), v.ID, id); err != nil {
			return core.Notice{}, err
		}
		// A way in changed: a token copied before is worth nothing now.
		return flashPasskeyRemoved, s.Rotate(w, r, v)
	})
}
