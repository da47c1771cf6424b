package site

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"byline/internal/account"
	"byline/internal/country"
	"byline/internal/web/core"
)

type accountData struct {
	Person    account.Person
	Countries []country.Country
	Sessions  []account.Session
	Current   string // the session ID of this browser
	Tokens    []account.APIToken
	NewToken  string          // a token's secret, shown once
	Gravatar  bool            // the site allows Gravatar
	Section   string          // the form that failed, to keep its values
	Replies   bool            // mails about replies are on
	Events    []account.Event // the security history, newest first

	// Passkeys.
	Passkeys []account.Passkey

	// Two-factor.
	TwoFactor account.TwoFactor

	// Sign-in providers.
	Providers accountProviders

	// Data and deletion.
	HasPassword    bool // the Password panel changes a password, or sets a first one
	DownloadsLimit int  // downloads of one's data an hour
}

// accountPage shows the person's account: profile, picture, address,
// password, devices and API tokens.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.renderAccount(w, r, v, http.StatusOK, nil, accountData{})
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, f *core.Form, d accountData) error {
	ctx := r.Context()
	var err error
	if d.Person.ID == 0 {
		d.Person = v.Person
	}
	if d.Sessions, err = s.People.Sessions(ctx, v.ID); err != nil {
		return err
	}
	if d.Tokens, err = s.People.APITokens(ctx, v.ID); err != nil {
		return err
	}
	if d.Replies, err = s.People.NotifiesReplies(ctx, v.ID); err != nil {
		return err
	}
	if d.Events, err = s.People.Events(ctx, v.ID, 20); err != nil {
		return err
	}
	// Passkeys.
	if d.Passkeys, err = s.People.Passkeys(ctx, v.ID); err != nil {
		return err
	}

	// Two-factor.
	if d.TwoFactor, err = s.People.TwoFactorOf(ctx, v.ID); err != nil {
		return err
	}

	// Sign-in providers.
	if d.Providers, err = s.loadAccountProviders(r, v.ID); err != nil {
		return err
	}

	// Data and deletion.
	d.HasPassword, d.DownloadsLimit = v.Person.HasPassword(), DownloadsPerHour

	d.Countries, d.Current, d.Gravatar = country.All(), v.Session.ID, s.Site(r).Gravatar
	p := &core.Page{Title: "Your account", NoIndex: true, Form: f, Data: d}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	p.Sidebar = nil
	s.Fill(w, r, p)
	return s.Render(w, status, "account", p)
}

// accountForm handles one of the account page's forms: on a mistake the
// page is shown again with the typed values and the reasons.
func (s *Server) accountForm(w http.ResponseWriter, r *http.Request, v *core.Viewer, section string, act func(f *core.Form) (core.Notice, error)) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if !refused {
		flash, err := act(f)
		if err == nil {
			return s.RedirectFlash(w, r, "/account", flash)
		}
		if !f.Fail(err) {
			return err
		}
	}
	for _, k := range []string{"password", "current_password", "new_password"} {
		f.Values.Del(k)
	}
	return s.renderAccount(w, r, v, http.StatusUnprocessableEntity, f, accountData{Section: section})
}

func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.accountForm(w, r, v, "profile", func(f *core.Form) (core.Notice, error) {
		kind := f.Get("avatar")
		if kind == "gravatar" && !s.Site(r).Gravatar {
			kind = "generated"
		}
		_, err := s.People.UpdateProfile(r.Context(), v.ID, account.Profile{DisplayName: f.Get("display_name"),
			Country: f.Get("country"), Bio: f.Get("bio"), AvatarKind: kind})
		return flashProfileSaved, err
	})
}

func (s *Server) uploadAvatar(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, account.MaxAvatarBytes+64<<10)
	if err != nil {
		return err
	}
	if refused {
		f.Errors["avatar"] = f.Error // the form shows this field's reason only
		return s.renderAccount(w, r, v, http.StatusUnprocessableEntity, f, accountData{Section: "avatar"})
	}
	if no, err := s.UploadAllowed(w, r, "avatar", v.ID, core.AvatarsPerHour); err != nil {
		return err
	} else if no != nil {
		f.Errors["avatar"], f.Error = no.Msg, no.Msg
		return s.renderAccount(w, r, v, no.Status, f, accountData{Section: "avatar"})
	}
	file, _, err := r.FormFile("picture")
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(file, account.MaxAvatarBytes+1))
		file.Close()
	}
	if err != nil && !errors.Is(err, http.ErrMissingFile) {
		return core.BadRequest{Msg: "The picture could not be read."}
	}
	no, err := core.SaveUpload(w, r, func(ctx context.Context) error { return s.People.SetAvatar(ctx, v.ID, data) })
	if no != nil {
		f.Errors["avatar"], f.Error = no.Msg, no.Msg
		return s.renderAccount(w, r, v, no.Status, f, accountData{Section: "avatar"})
	}
	if err != nil {
		if !f.Fail(err) {
			return err
		}
		return s.renderAccount(w, r, v, http.StatusUnprocessableEntity, f, accountData{Section: "avatar"})
	}
	return s.RedirectFlash(w, r, "/account", flashAvatarSaved)
}

func (s *Server) changeEmail(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.accountForm(w, r, v, "email", func(f *core.Form) (core.Notice, error) {
		return flashEmailSent, s.People.RequestEmailChange(r.Context(), v.ID, f.Get("email"), f.Get("password"), s.MailContext(r))
	})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.accountForm(w, r, v, "password", func(f *core.Form) (core.Notice, error) {
		if err := s.People.ChangePassword(r.Context(), v.ID, f.Get("current_password"), f.Get("new_password")); err != nil {
			return core.Notice{}, err
		}
		// Every session ended with the change; this browser gets a new one.
		return flashPasswordChange, s.Rotate(w, r, v)
	})
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	if err := s.People.EndSessionByID(r.Context(), v.ID, r.PostForm.Get("id")); err != nil {
		return err
	}
	return s.RedirectFlash(w, r, "/account#devices", flashSessionEnded)
}

func (s *Server) endOtherSessions(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	if err := s.People.EndOtherSessions(r.Context(), v.ID, v.Session.ID); err != nil {
		return err
	}
	return s.RedirectFlash(w, r, "/account#devices", flashSessionsEnded)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if refused {
		return s.renderAccount(w, r, v, http.StatusUnprocessableEntity, f, accountData{Section: "tokens"})
	}
	secret, _, err := s.People.CreateAPIToken(r.Context(), v.ID, f.Get("name"))
	if err != nil {
		if !f.Fail(err) {
			return err
		}
		return s.renderAccount(w, r, v, http.StatusUnprocessableEntity, f, accountData{Section: "tokens"})
	}
	// The secret is shown once, on this response, and never stored.
	w.Header().Set("Cache-Control", "no-store")
	return s.renderAccount(w, r, v, http.StatusOK, nil, accountData{NewToken: secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	if err != nil {
		return core.BadRequest{Msg: "No such token."}
	}
	if err := s.People.RevokeAPIToken(r.Context(), v.ID, id); err != nil {
		return err
	}
	return s.RedirectFlash(w, r, "/account#tokens", flashTokenRevoked)
}
