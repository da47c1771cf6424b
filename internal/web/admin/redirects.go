package admin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"byline/internal/account"
	"byline/internal/redirect"
	"byline/internal/web/core"
)

// redirectPerm is who keeps the redirects: those who keep the site's
// settings (its address, its mail), since a redirect sends readers away.
const redirectPerm = account.PermManageSettings

var (
	flashRedirectSaved   = core.NewFlash("redirect-saved", "The redirect is saved.")
	flashRedirectDeleted = core.NewFlash("redirect-deleted", "The redirect is deleted.")
)

type redirectsData struct {
	Redirects []redirect.Redirect
	Query     string
	Older     string // the next page's address, or ""
	Newest    string // back to the first page, when not on it
}

func (s *Server) adminRedirects(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	return s.redirectsPage(w, r, v, http.StatusOK, nil)
}

// redirectsPage lists the redirects (searched and paged by the address's
// q and before) with the form to add one; f is a refused addition.
func (s *Server) redirectsPage(w http.ResponseWriter, r *http.Request, v *core.Viewer, status int, f *core.Form) error {
	if s.Redirects == nil {
		return core.BadRequest{Msg: "This site keeps no redirects."}
	}
	q := r.URL.Query()
	lq := redirect.ListQuery{Text: strings.TrimSpace(q.Get("q"))}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return core.BadRequest{Msg: "The page address has a malformed “before” parameter."}
		}
		lq.Before = n
	}
	page, err := s.Redirects.List(r.Context(), lq)
	if err != nil {
		return err
	}
	d := redirectsData{Redirects: page.Redirects, Query: lq.Text}
	search := url.Values{}
	if lq.Text != "" {
		search.Set("q", lq.Text)
	}
	if lq.Before > 0 {
		d.Newest = "/admin/redirects"
		if len(search) > 0 {
			d.Newest += "?" + search.Encode()
		}
	}
	if page.Next > 0 {
		search.Set("before", strconv.FormatInt(page.Next, 10))
		d.Older = "/admin/redirects?" + search.Encode()
	}
	return s.adminPage(w, r, v, status, "admin/redirects", "Redirects", f, d)
}

func (s *Server) addRedirect(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if refused {
		return s.redirectsPage(w, r, v, http.StatusUnprocessableEntity, f)
	}
	if s.Redirects == nil {
		return core.BadRequest{Msg: "This site keeps no redirects."}
	}
	if _, err := s.Redirects.Add(r.Context(), f.Get("old"), f.Get("target")); err != nil {
		if f.Fail(err) {
			return s.redirectsPage(w, r, v, http.StatusUnprocessableEntity, f)
		}
		return err
	}
	return s.RedirectFlash(w, r, "/admin/redirects", flashRedirectSaved)
}

func (s *Server) adminRedirect(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	if s.Redirects == nil {
		return core.BadRequest{Msg: "This site keeps no redirects."}
	}
	rd, err := core.ByPath(r, s.Redirects.ByID)
	if err != nil {
		return err
	}
	return s.adminPage(w, r, v, http.StatusOK, "admin/redirect", "Redirect "+rd.OldPath, nil, rd)
}

// redirectAction saves an edited redirect or deletes it.
func (s *Server) redirectAction(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	id, err := core.FormFor(w, r)
	if err != nil {
		return err
	}
	if s.Redirects == nil {
		return core.BadRequest{Msg: "This site keeps no redirects."}
	}
	ctx := r.Context()
	cur, err := s.Redirects.ByID(ctx, id)
	if err != nil {
		return err
	}
	f := core.NewForm(r)
	if f.Get("action") == "delete" {
		if err := s.Redirects.Delete(ctx, id); err != nil {
			return err
		}
		return s.RedirectFlash(w, r, "/admin/redirects", flashRedirectDeleted)
	}
	if _, err := s.Redirects.Save(ctx, id, f.Get("old"), f.Get("target")); err != nil {
		if f.Fail(err) {
			return s.adminPage(w, r, v, http.StatusUnprocessableEntity, "admin/redirect", "Redirect "+cur.OldPath, f, cur)
		}
		return err
	}
	return s.RedirectFlash(w, r, "/admin/redirects/"+strconv.FormatInt(id, 10), flashRedirectSaved)
}
