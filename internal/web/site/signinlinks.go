package site

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/country"
	"byline/internal/links"
	"byline/internal/mail"
	"byline/internal/token"
	"byline/internal/web/core"
)

// E-mailed sign-in links, and the comment box of a signed-out reader.
//
// Asking for a link answers the same whether or not the address has an
// account. The link's page (a GET, which mail scanners follow too) signs
// nobody in: it shows one button, which the browser that asked for the
// link presses by itself (script) and any other browser's person presses
// to confirm. The POST spends the link and ends in finishSignIn.

const (
	// linkCookie holds the random value that binds a link to the browser
	// that asked for it; only its hash is stored.
	linkCookie = "byline_link"
	// draftCookie keys what a signed-out reader wrote in a comment box,
	// held while they sign in (see HoldDraft). A request carrying it is
	// never served from, nor stored in, the page cache.
	draftCookie = "byline_draft"

	linkPerAccount = 3   // links mailed to one address per limitWindow
	maxLinkToken   = 100 // a real token is 43 characters
)

var (
	flashLinkWelcome = core.NewFlash("link-welcome", "Welcome: your account is ready and you are signed in.")
	flashNameSaved   = core.NewFlash("link-name-saved", "Thank you: your name is saved.")
)

// cookieValue is the value of a cookie of ours, if it looks like one
// (a token as token.New makes them).
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil || len(c.Value) < 32 || len(c.Value) > 64 || strings.Trim(c.Value, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return ""
	}
	return c.Value
}

// keyCookie returns the browser's value of cookie name, giving it a new
// one when it has none, and (re)sets it for maxAge seconds on path.
func (s *Server) keyCookie(w http.ResponseWriter, r *http.Request, name, path string, maxAge int) string {
	v := cookieValue(r, name)
	if v == "" {
		v, _ = token.New()
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: v, Path: path, MaxAge: maxAge, HttpOnly: true, Secure: s.Secure(r), SameSite: http.SameSiteLaxMode})
	return v
}

// requestLink mails a sign-in link (POST /login/link), from /login or a
// comment box.
func (s *Server) requestLink(w http.ResponseWriter, r *http.Request) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if refused {
		return s.authPage(w, r, http.StatusUnprocessableEntity, "login", "Sign in", f, authData{})
	}
	ctx := r.Context()
	email, ok := mail.CleanAddress(f.Get("link_email"))
	if !ok {
		f.Errors["link_email"] = mail.AddressProblem(email)
		f.Error = "Please correct the fields marked below."
		return s.authPage(w, r, http.StatusUnprocessableEntity, "login", "Sign in", f, authData{})
	}
	if retry, err := s.signInGate(ctx, r, ""); err != nil {
		return err
	} else if retry > 0 {
		return s.limited(w, r, "login", "Sign in", f, retry)
	}
	returnTo := core.SafeReturn(f.Get("return_to"))
	binding := s.keyCookie(w, r, linkCookie, "/login/link", int(account.LinkTTL.Seconds()))
	// Per address, quietly, as for reset links: the answer must not
	// differ for addresses without an account.
	if ok, _, err := s.Limiter.Hit(ctx, "link-account:"+email, linkPerAccount, limitWindow); err != nil {
		return err
	} else if ok {
		err := s.People.RequestSignInLink(ctx, account.LinkRequest{Email: email, Binding: binding, ReturnTo: returnTo}, s.MailContext(r))
		if err != nil {
			if !f.Fail(err) {
				return err
			}
			return s.authPage(w, r, http.StatusUnprocessableEntity, "login", "Sign in", f, authData{})
		}
	}
	http.Redirect(w, r, "/login/link/sent?return_to="+url.QueryEscape(returnTo), http.StatusSeeOther)
	return nil
}

// linkSent says to look in the mailbox.
func (s *Server) linkSent(w http.ResponseWriter, r *http.Request) error {
	return s.authPage(w, r, http.StatusOK, "link-sent", "Check your mail", nil, authData{})
}

// linkPage answers with the link's page; status 410 and bad set when the
// link cannot be used.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request, status int, f *core.Form, d authData) error {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the address holds the token
	return s.authPage(w, r, status, "link", "Sign in with your link", f, d)
}

// openLink is the page a mailed link opens (GET /login/link?token=). It
// changes nothing.
func (s *Server) openLink(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	if tok == "" || len(tok) > maxLinkToken {
		return s.linkPage(w, r, http.StatusGone, nil, authData{LinkBad: true})
	}
	info, err := s.People.CheckSignInLink(r.Context(), tok, cookieValue(r, linkCookie))
	if errors.Is(err, account.ErrBadLink) {
		return s.linkPage(w, r, http.StatusGone, nil, authData{LinkBad: true})
	}
	if err != nil {
		return err
	}
	return s.linkPage(w, r, http.StatusOK, nil, authData{LinkToken: tok, LinkSame: info.SameBrowser, LinkNew: info.NewAccount})
}

// useLink spends a link (POST /login/link/use) and signs its person in;
// a new address gets its account now, and is asked for a name once.
func (s *Server) useLink(w http.ResponseWriter, r *http.Request) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	tok := f.Get("token")
	if refused || tok == "" || len(tok) > maxLinkToken {
		return s.linkPage(w, r, http.StatusGone, nil, authData{LinkBad: true})
	}
	ctx := r.Context()
	if retry, err := s.signInGate(ctx, r, ""); err != nil {
		return err
	} else if retry > 0 {
		return s.limited(w, r, "link", "Sign in with your link", f, retry)
	}
	p, use, err := s.People.UseSignInLink(ctx, tok)
	if errors.Is(err, account.ErrBadLink) {
		return s.linkPage(w, r, http.StatusGone, nil, authData{LinkBad: true})
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: linkCookie, Path: "/login/link", MaxAge: -1, HttpOnly: true, Secure: s.Secure(r), SameSite: http.SameSiteLaxMode})
	in := signIn{Method: account.MethodLink, ReturnTo: use.ReturnTo}
	if use.Created {
		in.ReturnTo = "/login/link/name?return_to=" + url.QueryEscape(core.SafeReturn(use.ReturnTo))
		in.Flash = flashLinkWelcome
	}
	return s.finishSignIn(w, r, p, in)
}

// nameForm asks a reader whose account a link just made for the name
// shown with their comments (suggested from the address) and, if they
// like, their country.
func (s *Server) nameForm(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f := &core.Form{Values: url.Values{"display_name": {v.DisplayName}, "country": {v.Country}}, Errors: map[string]string{}}
	return s.authPage(w, r, http.StatusOK, "link-name", "Your name", f, authData{Countries: country.All()})
}

func (s *Server) saveName(w http.ResponseWriter, r *http.Request, v *core.Viewer) error {
	f, refused, err := core.PostedForm(w, r, core.FormLimit)
	if err != nil {
		return err
	}
	if refused {
		return s.authPage(w, r, http.StatusUnprocessableEntity, "link-name", "Your name", f, authData{})
	}
	_, err = s.People.UpdateProfile(r.Context(), v.ID, account.Profile{DisplayName: f.Get("display_name"), Country: f.Get("country"),
		Bio: v.Bio, AvatarKind: v.AvatarKind})
	if err != nil {
		if !f.Fail(err) {
			return err
		}
		return s.authPage(w, r, http.StatusUnprocessableEntity, "link-name", "Your name", f, authData{})
	}
	return s.RedirectFlash(w, r, core.SafeReturn(f.Get("return_to")), flashNameSaved)
}

// holdDraft takes the comment box of a signed-out reader (POST
// /comments/hold): what they wrote is held for an hour under a cookie,
// and they go to sign in; back on the article (or the reply page) it is
// in the box again.
func (s *Server) holdDraft(w http.ResponseWriter, r *http.Request) error {
	f, refused, err := core.PostedForm(w, r, 64<<10)
	if err != nil {
		return err
	}
	articleID, _ := strconv.ParseInt(f.Get("article_id"), 10, 64)
	parentID, _ := strconv.ParseInt(f.Get("parent_id"), 10, 64)
	if articleID <= 0 {
		if refused {
			return f.Bad // what cannot be kept is the first thing to say
		}
		return core.BadRequest{Msg: "The comment form is missing its article; go back to the article and try again."}
	}
	a, err := s.Articles.PublicByID(r.Context(), articleID)
	if err != nil {
		return err
	}
	if parentID > 0 {
		parent, err := s.Comments.Get(r.Context(), parentID)
		if err != nil && !errors.Is(err, apperr.ErrNotFound) {
			return err
		}
		if err != nil || parent.ArticleID != a.ID {
			parentID = 0 // no such comment here: keep the text for the article
		}
	} else {
		parentID = 0
	}
	if refused {
		return s.commentFormAgain(w, r, a, parentID, f)
	}
	tv := threadView{ArticleID: a.ID, ParentID: parentID, Permalink: links.Article(a.PublishedAt, a.Slug, s.Location)}
	key := s.keyCookie(w, r, draftCookie, "/", int(account.DraftTTL.Seconds()))
	if err := s.People.HoldDraft(r.Context(), key, account.Draft{ArticleID: a.ID, ParentID: parentID, Body: f.Get("body")}); err != nil {
		if !f.Fail(err) {
			return err
		}
		return s.commentFormAgain(w, r, a, parentID, f)
	}
	to := loginURL(tv.returnTo())
	if core.CurrentViewer(r) != nil {
		to = tv.returnTo() // signed in meanwhile (in another tab): straight back
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// heldDraft is what this browser's reader wrote before signing in, for
// the box of an article (parentID 0) or of the reply to a comment; "" when
// nothing is held. A reader who may comment now takes it: it is held no
// longer.
func (s *Server) heldDraft(w http.ResponseWriter, r *http.Request, articleID, parentID int64) (string, error) {
	key := cookieValue(r, draftCookie)
	if key == "" {
		return "", nil
	}
	v := core.CurrentViewer(r)
	take := v != nil && v.Can(account.PermComment)
	body, err := s.People.HeldDraft(r.Context(), key, articleID, parentID, take)
	if err != nil || body == "" {
		return "", err
	}
	// The page holds one reader's words: never stored by anyone.
	w.Header().Set("Cache-Control", "private, no-store")
	if take {
		s.ClearCookie(w, r, draftCookie)
	}
	return body, nil
}

// draftForm is the comment form holding a held draft (nil: none).
func draftForm(body string) *core.Form {
	if body == "" {
		return nil
	}
	return &core.Form{Values: url.Values{"body": {body}}, Errors: map[string]string{}}
}

// signedOutBox is the comment box of a signed-out reader: the text box,
// and the ways to sign in that bring them back to it.
type signedOutBox struct {
	ArticleID, ParentID int64
	Form                *core.Form
	ReturnTo            string
	Providers           []account.Provider
}

// returnTo is where signing in from this discussion's box leads back to.
func (tv threadView) returnTo() string {
	if tv.ParentID > 0 {
		return "/comments/" + strconv.FormatInt(tv.ParentID, 10) + "/reply"
	}
	return tv.Permalink + "#respond"
}

// SignedOut is the box a signed-out reader sees (f: what they wrote).
// Nothing in it is personal: the page cache keeps it for every anonymous
// reader.
func (tv threadView) SignedOut(f *core.Form) signedOutBox {
	rt := tv.returnTo()
	return signedOutBox{ArticleID: tv.ArticleID, ParentID: tv.ParentID, Form: f, ReturnTo: rt,
		Providers: tv.Providers}
}
