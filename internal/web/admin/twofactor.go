package admin

import (
	"net/http"
	"strconv"

	"byline/internal/web/core"
)

var flashTwoFactorReset = core.NewFlash("two-factor-reset", "Their second factor is reset and they are signed out everywhere. They can sign in with their password and set up a new app.")

// resetTwoFactor removes another person's authenticator app and recovery
// codes (lost phone, lost codes), recorded with the admin as the actor.
func (s *Server) resetTwoFactor(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	id, err := core.FormFor(w, r)
	if err != nil {
		return err
	}
	p, err := s.People.ByID(r.Context(), id)
	if err != nil {
		return err
	}
	if r.PostForm.Get("confirm") != "yes" {
		return core.BadRequest{Msg: "Tick the box to confirm the reset."}
	}
	if err := s.People.ResetSecondFactor(r.Context(), v.ID, p.ID); err != nil {
		return err
	}
	s.Logger.Info("admin: second factor reset", "by", v.ID, "person", p.ID)
	return s.RedirectFlash(w, r, "/admin/people/"+strconv.FormatInt(p.ID, 10), flashTwoFactorReset)
}
