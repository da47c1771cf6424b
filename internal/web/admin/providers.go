package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/oidcclient"
	"byline/internal/web/core"
)

// Sign-in providers, under Settings: the list, and one form for adding or
// changing a provider. Saving an OpenID Connect provider reads its
// discovery document first, so a mistyped issuer is caught here and not by
// the first person who tries to sign in.

var flashProviderSaved = core.NewFlash("provider-saved", "Sign-in provider saved.")

type providersData struct {
	Providers []account.Provider
	Presets   []account.Preset
	Base      string // the site's address, for the callback addresses
}

func (s *Server) adminProviders(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	ps, err := s.People.Providers(r.Context(), false)
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/providers", "Sign-in providers", nil,
		providersData{Providers: ps, Presets: account.Presets, Base: s.Site(r).BaseURL})
}

type providerData struct {
	Provider account.Provider // ID 0: a new one
	Preset   account.Preset   // the preset it follows, if any
	Callback string           // the address to register with the provider
	Base     string
}

// providerForm shows a provider's form: a new one (from a preset, if
// ?preset= names one) or a stored one.
func (s *Server) providerForm(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	d := providerData{Base: s.Site(r).BaseURL}
	f := &core.Form{Values: url.Values{}, Errors: map[string]string{}}
	if r.PathValue("id") == "" {
		pre, _ := account.PresetByKey(r.URL.Query().Get("preset"))
		d.Preset = pre
		kind := pre.Kind
		if kind == "" {
			kind = account.ProviderOIDC
		}
		f.Values = url.Values{"name": {pre.Name}, "label": {pre.Label}, "kind": {kind}, "preset": {pre.Key},
			"issuer": {pre.Issuer}, "scopes": {pre.Scopes}, "position": {"0"}, "enabled": {"1"}}
		return s.adminPage(w, r, v, http.StatusOK, "admin/provider", "New sign-in provider", f, d)
	}
	p, err := core.ByPath(r, s.People.Provider)
	if err != nil {
		return err
	}
	d.Provider = p
	d.Preset, _ = account.PresetByKey(p.Preset)
	d.Callback = providerCallback(d.Base, p.ID)
	f.Values = url.Values{"name": {p.Name}, "label": {p.Label}, "kind": {p.Kind}, "preset": {p.Preset}, "issuer": {p.Issuer},
		"client_id": {p.ClientID}, "scopes": {p.Scopes}, "position": {strconv.Itoa(p.Position)}}
	if p.Enabled {
		f.Values.Set("enabled", "1")
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/provider", p.Name, f, d)
}

func providerCallback(base string, id int64) string {
	return base + "/login/providers/" + strconv.FormatInt(id, 10) + "/callback"
}

// saveProvider adds or changes a provider. On a mistake, or a discovery
// that fails, the form comes back with what was typed (less the secret).
func (s *Server) saveProvider(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := providerData{Base: s.Site(r).BaseURL}
	var id int64
	if r.PathValue("id") != "" {
		if d.Provider, err = core.ByPath(r, s.People.Provider); err != nil {
			return err
		}
		id = d.Provider.ID
		d.Callback = providerCallback(d.Base, id)
	}
	d.Preset, _ = account.PresetByKey(f.Get("preset"))
	again := func(status int) error {
		f.Values.Del("client_secret") // never sent back
		title := d.Provider.Name
		if id == 0 {
			title = "New sign-in provider"
		}
		return s.adminPage(w, r, v, status, "admin/provider", title, f, d)
	}
	if refused {
		return again(http.StatusUnprocessableEntity)
	}
	pos, perr := strconv.Atoi(f.Get("position"))
	if perr != nil {
		pos = 1 << 20 // refused by Check, with its reason
	}
	in, err := account.ProviderInput{Name: f.Get("name"), Label: f.Get("label"), Kind: f.Get("kind"), Preset: f.Get("preset"),
		Issuer: f.Get("issuer"), ClientID: f.Get("client_id"), ClientSecret: f.Get("client_secret"), Scopes: f.Get("scopes"),
		Enabled: f.Get("enabled") != "", Position: pos}.Check(id == 0)
	if err != nil {
		if !f.Fail(err) {
			return err
		}
		return again(http.StatusUnprocessableEntity)
	}
	probe := account.Provider{Name: in.Name, Kind: in.Kind, Preset: in.Preset, Issuer: in.Issuer}
	if err := s.Providers.Check(ctx, probe); err != nil {
		var oe *oidcclient.Error
		if !errors.As(err, &oe) {
			return err
		}
		f.Errors["issuer"] = "Could not read it: " + oe.Detail
		f.Error = "The provider could not be read at that issuer address, so nothing was saved."
		return again(http.StatusUnprocessableEntity)
	}
	p, err := s.People.SaveProvider(ctx, id, in)
	if err != nil {
		if errors.Is(err, apperr.ErrNotFound) || !f.Fail(err) {
			return err
		}
		return again(http.StatusUnprocessableEntity)
	}
	s.Logger.Info("admin: sign-in provider saved", "by", v.ID, "provider", p.ID, "name", p.Name, "enabled", p.Enabled)
	return s.RedirectFlash(w, r, "/admin/settings/providers/"+strconv.FormatInt(p.ID, 10), flashProviderSaved)
}
