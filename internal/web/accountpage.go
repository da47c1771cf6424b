package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"byline/internal/account"
	"byline/internal/country"
)

type accountData struct {
	Person    account.Person
	Countries []country.Country
	Sessions  []account.Session
	Current   string // the session ID of this browser
	Tokens    []account.APIToken
	NewToken  string // a token's secret, shown once
	Gravatar  bool   // the site allows Gravatar
	Section   string // the form that failed, to keep its values
	Replies   bool   // mails about replies are on
}

// accountPage shows the person's account: profile, picture, address,
// password, devices and API tokens.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return s.renderAccount(w, r, v, http.StatusOK, nil, accountData{})
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, v *viewer, status int, f *form, d accountData) error {
	ctx := r.Context()
	var err error
	if d.Person.ID == 0 {
		d.Person = v.Person
	}
	if d.Sessions, err = s.Accounts.Sessions(ctx, v.ID); err != nil {
		return err
	}
	if d.Tokens, err = s.Accounts.APITokens(ctx, v.ID); err != nil {
		return err
	}
	if d.Replies, err = s.Accounts.NotifiesReplies(ctx, v.ID); err != nil {
		return err
	}
	d.Countries, d.Current, d.Gravatar = country.All(), v.Session.ID, s.site(r).Gravatar
	p := &page{Title: "Your account", NoIndex: true, Form: f, Data: d}
	if err := s.chrome(r, p); err != nil {
		return err
	}
	p.Sidebar = sidebar{}
	s.fill(w, r, p)
	return s.render(w, status, "account", p)
}

// accountForm handles one of the account page's forms: on a mistake the
// page is shown again with the typed values and the reasons.
func (s *Server) accountForm(w http.ResponseWriter, r *http.Request, v *viewer, section string, act func(f *form) (string, error)) error {
	f, refused, err := postedForm(w, r, formLimit)
	if err != nil {
		return err
	}
	if !refused {
		flash, err := act(f)
		if err == nil {
			return s.redirectFlash(w, r, "/account", flash)
		}
		if !f.fail(err) {
			return err
		}
	}
	for _, k := range []string{"password", "current_password", "new_password"} {
		f.Values.Del(k)
	}
	return s.renderAccount(w, r, v, http.StatusUnprocessableEntity, f, accountData{Section: section})
}

func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return s.accountForm(w, r, v, "profile", func(f *form) (string, error) {
		kind := f.Get("avatar")
		if kind == "gravatar" && !s.site(r).Gravatar {
			kind = "generated"
		}
		_, err := s.Accounts.UpdateProfile(r.Context(), v.ID, account.Profile{DisplayName: f.Get("display_name"),
			Country: f.Get("country"), Bio: f.Get("bio"), AvatarKind: kind})
		return "profile-saved", err
	})
}

func (s *Server) uploadAvatar(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f, refused, err := postedForm(w, r, account.MaxAvatarBytes+64<<10)
	if err != nil {
		return err
	}
	if refused {
		f.Errors["avatar"] = f.Error // the form shows this field's reason only
		return s.renderAccount(w, r, v, http.StatusUnprocessableEntity, f, accountData{Section: "avatar"})
	}
	if no, err := s.uploadAllowed(w, r, "avatar", v.ID, avatarsPerHour); err != nil {
		return err
	} else if no != nil {
		f.Errors["avatar"], f.Error = no.msg, no.msg
		return s.renderAccount(w, r, v, no.status, f, accountData{Section: "avatar"})
	}
	file, _, err := r.FormFile("picture")
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(file, account.MaxAvatarBytes+1))
		file.Close()
	}
	if err != nil && !errors.Is(err, http.ErrMissingFile) {
		return badRequest{"The picture could not be read."}
	}
	no, err := saveUpload(w, r, func(ctx context.Context) error { return s.Accounts.SetAvatar(ctx, v.ID, data) })
	if no != nil {
		f.Errors["avatar"], f.Error = no.msg, no.msg
		return s.renderAccount(w, r, v, no.status, f, accountData{Section: "avatar"})
	}
	if err != nil {
		if !f.fail(err) {
			return err
		}
		return s.renderAccount(w, r, v, http.StatusUnprocessableEntity, f, accountData{Section: "avatar"})
	}
	return s.redirectFlash(w, r, "/account", "avatar-saved")
}

func (s *Server) changeEmail(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return s.accountForm(w, r, v, "email", func(f *form) (string, error) {
		return "email-sent", s.Accounts.RequestEmailChange(r.Context(), v.ID, f.Get("email"), f.Get("password"), s.mailContext(r))
	})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return s.accountForm(w, r, v, "password", func(f *form) (string, error) {
		if err := s.Accounts.ChangePassword(r.Context(), v.ID, f.Get("current_password"), f.Get("new_password")); err != nil {
			return "", err
		}
		// Every session ended with the change; this browser gets a new one.
		return "password-change", s.signIn(w, r, v.Person, v.Session.Remember)
	})
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := parseForm(w, r, formLimit); err != nil {
		return err
	}
	if err := s.Accounts.EndSessionByID(r.Context(), v.ID, r.PostForm.Get("id")); err != nil {
		return err
	}
	return s.redirectFlash(w, r, "/account#devices", "session-ended")
}

func (s *Server) endOtherSessions(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := parseForm(w, r, formLimit); err != nil {
		return err
	}
	if err := s.Accounts.EndOtherSessions(r.Context(), v.ID, v.Session.ID); err != nil {
		return err
	}
	return s.redirectFlash(w, r, "/account#devices", "sessions-ended")
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f, refused, err := postedForm(w, r, formLimit)
	if err != nil {
		return err
	}
	if refused {
		return s.renderAccount(w, r, v, http.StatusUnprocessableEntity, f, accountData{Section: "tokens"})
	}
	secret, _, err := s.Accounts.CreateAPIToken(r.Context(), v.ID, f.Get("name"))
	if err != nil {
		if !f.fail(err) {
			return err
		}
		return s.renderAccount(w, r, v, http.StatusUnprocessableEntity, f, accountData{Section: "tokens"})
	}
	// The secret is shown once, on this response, and never stored.
	w.Header().Set("Cache-Control", "no-store")
	return s.renderAccount(w, r, v, http.StatusOK, nil, accountData{NewToken: secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if err := parseForm(w, r, formLimit); err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PostForm.Get("id"), 10, 64)
	if err != nil {
		return badRequest{"No such token."}
	}
	if err := s.Accounts.RevokeAPIToken(r.Context(), v.ID, id); err != nil {
		return err
	}
	return s.redirectFlash(w, r, "/account#tokens", "token-revoked")
}
