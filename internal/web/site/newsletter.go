package site

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"byline/internal/apperr"
	"byline/internal/newsletter"
	"byline/internal/web/core"
)

// Sign-ups one address may make per hour (a bot filling the form with
// strangers' addresses would otherwise mail them).
const newsletterPerIP = 10

type newsletterPage struct {
	Mode    string // signup, confirm, preferences, unsubscribe
	Bad     bool
	Already bool // confirm: the link was used, the subscription is confirmed
	Secret  string
	Sub     *newsletter.Subscriber
}

func (s *Server) newsletterPage(w http.ResponseWriter, r *http.Request, status int, f *core.Form, d newsletterPage) error {
	p := &core.Page{Title: s.Site(r).Name + " e-Newsletter", NoIndex: d.Mode != "signup", Form: f, Data: d}
	if err := s.Chrome(r, p); err != nil {
		return err
	}
	p.Sidebar = nil
	s.Fill(w, r, p)
	if status == http.StatusOK && d.Bad {
		status = http.StatusBadRequest
	}
	return s.Render(w, status, "newsletter", p)
}

func (s *Server) newsletterForm(w http.ResponseWriter, r *http.Request) error {
	return s.newsletterPage(w, r, http.StatusOK, nil, newsletterPage{Mode: "signup"})
}

// subscribe answers every sign-up form. A signed-in reader with a
// confirmed address ("me") is on the list at once; anyone else gets a
// link to confirm. The answer is the same whether or not the address was
// already on the list, so the form tells nobody who reads the site.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if refused {
		return s.newsletterPage(w, r, http.StatusUnprocessableEntity, f, newsletterPage{Mode: "signup"})
	}
	back := core.SafeReturn(f.Get("return_to"))
	if f.Get("website") != "" { // the honeypot: only bots fill it
		return s.RedirectFlash(w, r, back, flashNewsletterCheck)
	}
	ctx := r.Context()
	if ok, retry, err := s.Limiter.Hit(ctx, "newsletter-ip:"+s.ClientIP(r), newsletterPerIP, time.Hour); err != nil {
		return err
	} else if !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
		f.Error = "Too many sign-ups from your address. Please wait " + core.RoundWait(retry) + " and try again."
		return s.newsletterPage(w, r, http.StatusTooManyRequests, f, newsletterPage{Mode: "signup"})
	}
	in := newsletter.SignUp{Email: f.Get("email"), Frequency: f.Get("frequency"), Source: "form",
		Consent: "sign-up form on " + back + " from " + s.ClientIP(r)}
	if v := core.CurrentViewer(r); v != nil {
		in.UserID = v.ID
		if f.Get("me") != "" {
			in.Email, in.Verified, in.Source = v.Email, v.Verified(), "account"
			in.Consent = "one click on " + back + " while signed in"
		} else if strings.EqualFold(strings.TrimSpace(in.Email), v.Email) {
			in.Verified = v.Verified()
		}
	}
	sub, err := s.Newsletter.Subscribe(ctx, s.NewsletterSite(r), in)
	if err != nil {
		if !f.Fail(err) {
			return err
		}
		return s.newsletterPage(w, r, http.StatusUnprocessableEntity, f, newsletterPage{Mode: "signup"})
	}
	if in.Verified && sub.Status == newsletter.Confirmed {
		return s.RedirectFlash(w, r, "/newsletter/preferences?t="+sub.Token, flashNewsletterSubscribed)
	}
	return s.RedirectFlash(w, r, back, flashNewsletterCheck)
}

// confirmForm shows the button that confirms (link scanners only GET),
// or, for a link already used, that the subscription is confirmed.
func (s *Server) confirmForm(w http.ResponseWriter, r *http.Request) error {
	t := r.URL.Query().Get("t")
	sub, used, err := s.Newsletter.ConfirmedBy(r.Context(), t)
	if err != nil {
		return err
	}
	if used {
		return s.newsletterPage(w, r, http.StatusOK, nil, newsletterPage{Mode: "confirm", Already: true, Sub: &sub})
	}
	return s.newsletterPage(w, r, http.StatusOK, nil, newsletterPage{Mode: "confirm", Secret: t, Bad: t == ""})
}

func (s *Server) confirmSubscription(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	sub, err := s.Newsletter.Confirm(r.Context(), s.NewsletterSite(r), r.PostForm.Get("t"))
	switch {
	case errors.Is(err, newsletter.ErrAlreadyConfirmed):
		// A second click: nothing is wrong, and nobody needs to sign in.
		return s.newsletterPage(w, r, http.StatusOK, nil, newsletterPage{Mode: "confirm", Already: true, Sub: &sub})
	case errors.Is(err, newsletter.ErrBadLink):
		if v := core.CurrentViewer(r); v != nil && v.Verified() {
			// An old link, but the signed-in reader is on the list.
			if own, err := s.Newsletter.ByEmail(r.Context(), v.Email); err == nil && own.Status == newsletter.Confirmed {
				return s.newsletterPage(w, r, http.StatusOK, nil, newsletterPage{Mode: "confirm", Already: true, Sub: &own})
			} else if err != nil && !errors.Is(err, apperr.ErrNotFound) {
				return err
			}
		}
		return s.newsletterPage(w, r, http.StatusBadRequest, nil, newsletterPage{Mode: "confirm", Bad: true})
	case err != nil:
		return err
	}
	return s.RedirectFlash(w, r, "/newsletter/preferences?t="+sub.Token, flashNewsletterConfirmed)
}

// subscriberOf finds the subscriber a link's token names; nil if none.
func (s *Server) subscriberOf(r *http.Request, secret string) (*newsletter.Subscriber, error) {
	sub, err := s.Newsletter.ByToken(r.Context(), secret)
	if errors.Is(err, apperr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &sub, nil
}

func (s *Server) preferences(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.subscriberOf(r, r.URL.Query().Get("t"))
	if err != nil {
		return err
	}
	return s.newsletterPage(w, r, http.StatusOK, nil, newsletterPage{Mode: "preferences", Sub: sub, Bad: sub == nil})
}

func (s *Server) savePreferences(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	t := r.PostForm.Get("t")
	err := s.Newsletter.SetFrequency(r.Context(), t, r.PostForm.Get("frequency"))
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		return s.newsletterPage(w, r, http.StatusBadRequest, nil, newsletterPage{Mode: "preferences", Bad: true})
	case err != nil:
		if _, ok := apperr.AsInvalid(err); ok {
			return core.BadRequest{Msg: "Choose daily or weekly."}
		}
		return err
	}
	return s.RedirectFlash(w, r, "/newsletter/preferences?t="+t, flashNewsletterSaved)
}

func (s *Server) unsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := s.subscriberOf(r, r.URL.Query().Get("t"))
	if err != nil {
		return err
	}
	return s.newsletterPage(w, r, http.StatusOK, nil, newsletterPage{Mode: "unsubscribe", Sub: sub, Bad: sub == nil})
}

// unsubscribeNewsletter takes an address off the list: from the page's
// button, or as the one-click POST a mail program sends for the
// List-Unsubscribe header (RFC 8058), which needs no sign-in and gets a
// short answer.
func (s *Server) unsubscribeNewsletter(w http.ResponseWriter, r *http.Request) error {
	if err := core.ParseForm(w, r, core.FormLimit); err != nil {
		return err
	}
	t := r.URL.Query().Get("t")
	if t == "" {
		t = r.PostForm.Get("t")
	}
	oneClick := r.PostForm.Get("List-Unsubscribe") == "One-Click"
	_, err := s.Newsletter.Unsubscribe(r.Context(), t)
	switch {
	case errors.Is(err, apperr.ErrNotFound):
		if oneClick {
			http.Error(w, "unknown subscription", http.StatusNotFound)
			return nil
		}
		return s.newsletterPage(w, r, http.StatusBadRequest, nil, newsletterPage{Mode: "unsubscribe", Bad: true})
	case err != nil:
		return err
	}
	if oneClick {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("Unsubscribed.\n"))
		return nil
	}
	return s.RedirectFlash(w, r, "/newsletter/preferences?t="+t, flashNewsletterUnsubscribed)
}
