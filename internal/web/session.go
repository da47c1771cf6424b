package web

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/comment"
)

const (
	sessionCookie = "byline_session"
	flashCookie   = "byline_flash"
)

// viewer is the signed-in person of a request.
type viewer struct {
	account.Person
	Session account.Session
	token   string
}

const viewerKey ctxKey = 1

// withViewer loads the signed-in person, if any: one query, and only for
// requests that carry a session cookie.
func (s *Server) withViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil || c.Value == "" || s.People == nil {
			next.ServeHTTP(w, r)
			return
		}
		p, ses, err := s.People.SessionPerson(r.Context(), c.Value)
		switch {
		case err == nil:
			r = r.WithContext(context.WithValue(r.Context(), viewerKey, &viewer{Person: p, Session: ses, token: c.Value}))
			w.Header().Add("Cache-Control", "private")
		case errors.Is(err, account.ErrNoSession):
			s.clearCookie(w, r, sessionCookie)
		default:
			s.Logger.Error("load session", "request_id", RequestID(r.Context()), "err", err)
		}
		next.ServeHTTP(w, r)
	})
}

// sessionViewer loads the person a session token belongs to, or nil.
func (s *Server) sessionViewer(ctx context.Context, token string) *viewer {
	if s.People == nil {
		return nil
	}
	p, ses, err := s.People.SessionPerson(ctx, token)
	if err != nil {
		if !errors.Is(err, account.ErrNoSession) {
			s.Logger.Error("load session", "request_id", RequestID(ctx), "err", err)
		}
		return nil
	}
	return &viewer{Person: p, Session: ses, token: token}
}

// currentViewer returns the signed-in person, or nil.
func currentViewer(r *http.Request) *viewer {
	v, _ := r.Context().Value(viewerKey).(*viewer)
	return v
}

// secure reports whether cookies must be Secure: the request came over
// TLS, or the site's public address is https (behind a proxy).
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.site(r).BaseURL, "https://")
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, token string, remember bool) {
	c := &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode}
	if remember {
		c.MaxAge = int(account.RememberTTL / time.Second)
	}
	http.SetCookie(w, c)
}

func (s *Server) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

// signIn starts a session for p and sets its cookie.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, p account.Person, remember bool) error {
	token, _, err := s.People.StartSession(r.Context(), p.ID, remember, r.UserAgent(), s.clientIP(r))
	if err != nil {
		return err
	}
	s.setSession(w, r, token, remember)
	return nil
}

// Notices shown once after a redirect (see notice). Each is declared here
// once; code names the variable, so a notice cannot be missing.
var (
	flashRegisterCheck          = newFlash("register-check", "Check your mail to finish: we sent a message to the address you gave. Follow its link to confirm your address, then sign in here. (If the address already has an account, the message says so.)")
	flashSignedIn               = newFlash("signed-in", "You are signed in.")
	flashSignedOut              = newFlash("signed-out", "You are signed out.")
	flashVerified               = newFlash("verified", "Thank you: your e-mail address is confirmed.")
	flashVerifySent             = newFlash("verify-sent", "We sent a new confirmation link. It may take a minute to arrive.")
	flashResetSent              = newFlash("reset-sent", "We sent a mail to that address. If it has an account here, the mail's link resets its password; it works for an hour.")
	flashPasswordReset          = newFlash("password-reset", "Your password is changed and you are signed in. Other devices were signed out.")
	flashPasswordChange         = newFlash("password-change", "Your password is changed. Other devices were signed out.")
	flashEmailSent              = newFlash("email-sent", "We sent a confirmation link to your new address. Your address changes when you follow it.")
	flashProfileSaved           = newFlash("profile-saved", "Your profile is saved.")
	flashAvatarSaved            = newFlash("avatar-saved", "Your picture is saved.")
	flashSessionsEnded          = newFlash("sessions-ended", "Every other device is signed out.")
	flashSessionEnded           = newFlash("session-ended", "That device is signed out.")
	flashTokenRevoked           = newFlash("token-revoked", "The token is revoked; programs using it lose access now.")
	flashRolesSaved             = newFlash("roles-saved", "Roles saved.")
	flashSuspended              = newFlash("suspended", "The account is suspended and signed out everywhere.")
	flashUnsuspended            = newFlash("unsuspended", "The account can sign in again.")
	flashDeleted                = newFlash("deleted", "The account is deleted. What they wrote stays, without their details.")
	flashSettingsSaved          = newFlash("settings-saved", "Settings saved.")
	flashMailRetry              = newFlash("mail-retry", "The message is queued again.")
	flashCommentPosted          = newFlash("comment-posted", "Your comment is posted.")
	flashCommentHeld            = newFlash("comment-held", "Thank you: your comment waits for a moderator and appears once approved.")
	flashCommentDuplicate       = newFlash("comment-duplicate", "You had already posted that comment; here it is.")
	flashCommentEdited          = newFlash("comment-edited", "Your comment is updated.")
	flashCommentDeleted         = newFlash("comment-deleted", "Your comment is deleted.")
	flashCommentReported        = newFlash("comment-reported", "Thank you: the moderators will look at it.")
	flashModerated              = newFlash("moderated", "Done.")
	flashBanned                 = newFlash("banned", "The commenter is paused.")
	flashNotificationsSaved     = newFlash("notifications-saved", "Your notification choice is saved.")
	flashNewsletterDraftSaved   = newFlash("newsletter-draft-saved", "The newsletter is saved as a draft.")
	flashNewsletterTestSent     = newFlash("newsletter-test-sent", "A test is on its way to your address.")
	flashNewsletterSending      = newFlash("newsletter-sending", "The newsletter is going out now.")
	flashNewsletterScheduled    = newFlash("newsletter-scheduled", "The newsletter is scheduled.")
	flashNewsletterCancelled    = newFlash("newsletter-cancelled", "The newsletter is stopped.")
	flashMediaUploaded          = newFlash("media-uploaded", "The image is uploaded.")
	flashMediaSaved             = newFlash("media-saved", "The alt text is saved.")
	flashPageSaved              = newFlash("page-saved", "The page is saved.")
	flashPageDeleted            = newFlash("page-deleted", "The page is deleted.")
	flashMediaDeleted           = newFlash("media-deleted", "The image is deleted.")
	flashArticleSaved           = newFlash("article-saved", "Saved.")
	flashArticleSubmit          = newFlash("article-submit", "Submitted for review: the editors are told.")
	flashArticleReturn          = newFlash("article-return", "Returned to the writer with your note.")
	flashArticlePublish         = newFlash("article-publish", "Published (or scheduled, if its date is to come).")
	flashArticleUnpublish       = newFlash("article-unpublish", "Unpublished: it is a draft again.")
	flashArticleTrash           = newFlash("article-trash", "Moved to the trash.")
	flashArticleRestore         = newFlash("article-restore", "Taken out of the trash, as a draft.")
	flashArticleRestored        = newFlash("article-restored", "The revision is restored.")
	flashDealerSaved            = newFlash("dealer-saved", "The dealer is saved.")
	flashQuoteSent              = newFlash("quote-sent", "Thank you: your request is on its way.")
	flashSubscriberForgotten    = newFlash("subscriber-forgotten", "The subscriber is removed and forgotten.")
	flashNewsletterCheck        = newFlash("newsletter-check", "Almost there: unless this address is on the list already, we sent it a link to confirm your subscription.")
	flashNewsletterSubscribed   = newFlash("newsletter-subscribed", "You are subscribed. The next digest is on its way to you.")
	flashNewsletterConfirmed    = newFlash("newsletter-confirmed", "Thank you: your subscription is confirmed.")
	flashNewsletterSaved        = newFlash("newsletter-saved", "Your choice is saved.")
	flashNewsletterUnsubscribed = newFlash("newsletter-unsubscribed", "You are unsubscribed: no more newsletters will be sent to this address.")
)

// counted is a notice with a number ("3 comments approved."): the one
// and the many forms, %d standing for the number.
func counted(one, many string) func(url.Values) string {
	return func(q url.Values) string {
		n, err := strconv.Atoi(q.Get("n"))
		switch {
		case err != nil || n < 0:
			return ""
		case n == 1:
			return one
		}
		return fmt.Sprintf(many, n)
	}
}

// A notice is a one-off message shown after a redirect. The cookie holds
// only its key (and, for counted notices, the figures), so nothing a
// visitor sets can be shown as text. Notices exist only as declared with
// newFlash or newCounted, which fill the table popFlash reads.
type notice struct {
	key     string
	params  string // counted notices: the figures, as a query
	counted bool
}

// flashTexts are the declared notices by key.
var flashTexts = map[string]struct {
	counted bool
	text    func(url.Values) string
}{}

// newFlash declares a notice with fixed words.
func newFlash(key, text string) notice {
	return declareFlash(key, false, func(url.Values) string { return text })
}

// newCounted declares a notice whose words depend on its figures.
func newCounted(key string, text func(url.Values) string) notice {
	return declareFlash(key, true, text)
}

func declareFlash(key string, counted bool, text func(url.Values) string) notice {
	if _, dup := flashTexts[key]; dup || key == "" || strings.ContainsAny(key, "?;, ") {
		panic("web: notice key declared twice or malformed: " + key)
	}
	flashTexts[key] = struct {
		counted bool
		text    func(url.Values) string
	}{counted, text}
	return notice{key: key, counted: counted}
}

// with is a counted notice with its figures.
func (n notice) with(params url.Values) notice {
	n.params = params.Encode()
	return n
}

// count is a counted notice of n things.
func (n notice) count(count int) notice {
	return n.with(url.Values{"n": {strconv.Itoa(count)}})
}

func (n notice) cookie() string {
	if n.counted {
		return n.key + "?" + n.params
	}
	return n.key
}

// redirectCounted answers a step that changed n things.
func (s *Server) redirectCounted(w http.ResponseWriter, r *http.Request, to string, key notice, n int) error {
	return s.redirectFlash(w, r, to, key.count(n))
}

func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, n notice) {
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: n.cookie(), Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) popFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	s.clearCookie(w, r, flashCookie)
	key, params, hasParams := strings.Cut(c.Value, "?")
	f, ok := flashTexts[key]
	if !ok || f.counted != hasParams {
		return ""
	}
	q, err := url.ParseQuery(params)
	if err != nil {
		return ""
	}
	return f.text(q)
}

// Notices that report numbers ("2 articles moved to the trash"): the
// cookie holds the key and its figures, and the function writes the words.
var (
	flashArticlesBulk = newCounted("articles-bulk", bulkMessage)
	// flashModeratedBy says what a moderation step did, by action.
	flashModeratedBy = map[comment.Action]notice{
		comment.ActApprove: newCounted("moderated-approve", counted("Comment approved.", "%d comments approved.")),
		comment.ActHold:    newCounted("moderated-hold", counted("Comment held for review.", "%d comments held for review.")),
		comment.ActSpam:    newCounted("moderated-spam", counted("Comment marked as spam.", "%d comments marked as spam.")),
		comment.ActTrash:   newCounted("moderated-trash", counted("Comment moved to the trash.", "%d comments moved to the trash.")),
		comment.ActRestore: newCounted("moderated-restore", counted("Comment restored.", "%d comments restored.")),
	}
)

// redirectFlash answers a form post: see the page, with a notice (the zero
// notice: none).
func (s *Server) redirectFlash(w http.ResponseWriter, r *http.Request, to string, n notice) error {
	if n.key != "" {
		s.setFlash(w, r, n)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// safeReturn keeps return_to on this site: a path, never another host.
func safeReturn(raw string) string {
	if raw == "" || !strings.HasPrefix(raw, "/") || strings.HasPrefix(raw, "//") || strings.HasPrefix(raw, "/\\") || strings.ContainsAny(raw, "\r\n\\") {
		return "/"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return u.RequestURI() + fragment(u)
}

func fragment(u *url.URL) string {
	if u.Fragment == "" {
		return ""
	}
	return "#" + u.EscapedFragment()
}

// clientIP is the peer address. (Behind a proxy it is the proxy; trusting
// forwarded headers needs a setting naming the proxies.)
// errCrossSite is a state-changing request sent from another site.
var errCrossSite = errors.New("cross-site request")

// errForbidden is a signed-in person without the permission a page needs.
var errForbidden = errors.New("forbidden")

// need answers for pages that need a signed-in person with perm: anonymous
// visitors go to sign in and come back; others get 403.
func (s *Server) need(perm account.Permission, h func(http.ResponseWriter, *http.Request, *viewer) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if p, ok := r.Context().Value(guardProbe{}).(*guardAnswer); ok {
			p.guarded, p.perm = true, perm // asked by mayOpen: say, do not serve
			return nil
		}
		v := currentViewer(r)
		if v == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?return_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return nil
			}
			return errForbidden
		}
		if perm != "" && !v.Can(perm) {
			return errForbidden
		}
		return h(w, r, v)
	}
}

// guardProbe marks a request that only asks a route's guard what it needs.
type guardProbe struct{}

type guardAnswer struct {
	guarded bool
	perm    account.Permission
}

// mayOpen reports whether v would pass the guard of the page at href (a
// path under /admin): the mux finds the route as it would for the request,
// and the route's own guard (need) answers instead of serving. A page
// with no guard, or no route, is not one an admin screen links to.
func (s *Server) mayOpen(v *viewer, href string) bool {
	if v == nil || s.mux == nil || !strings.HasPrefix(href, "/admin") {
		return false // every admin route is guarded; other handlers would serve
	}
	r, err := http.NewRequest(http.MethodGet, href, nil)
	if err != nil {
		return false
	}
	h, pattern := s.mux.Handler(r)
	if pattern == "" || pattern == "GET /" {
		return false
	}
	ans := &guardAnswer{}
	r = r.WithContext(context.WithValue(r.Context(), guardProbe{}, ans))
	h.ServeHTTP(discard{}, r)
	return ans.guarded && (ans.perm == "" || v.Can(ans.perm))
}

// discard is a ResponseWriter that keeps nothing.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// needing is need with its permission fixed, for a group of routes.
func (s *Server) needing(perm account.Permission) func(h func(http.ResponseWriter, *http.Request, *viewer) error) func(http.ResponseWriter, *http.Request) error {
	return func(h func(http.ResponseWriter, *http.Request, *viewer) error) func(http.ResponseWriter, *http.Request) error {
		return s.need(perm, h)
	}
}

// signedIn is need without a permission.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, *viewer) error) func(http.ResponseWriter, *http.Request) error {
	return s.need("", h)
}

// form is a submitted form: what was typed (kept when it is shown again)
// and what is wrong with it, by field.
type form struct {
	Values url.Values
	Errors map[string]string
	Error  string // a message for the whole form
	bad    error  // set by postedForm: a field holds text that cannot be kept
	// Preview is what the typed comment will look like, when asked for.
	Preview template.HTML
}

func newForm(r *http.Request) *form {
	return &form{Values: r.PostForm, Errors: map[string]string{}}
}

// postedForm reads a posted form (parseForm) for a handler that shows its
// form again on a mistake. A field holding text that cannot be kept comes
// back as a refused form, with the reason next to the field and what was
// typed less the bad characters, for the handler to show with 422 like any
// other mistake; other read errors are returned.
func postedForm(w http.ResponseWriter, r *http.Request, limit int64) (f *form, refused bool, err error) {
	err = parseForm(w, r, limit)
	var bt badText
	if errors.As(err, &bt) {
		f = newForm(r)
		f.fail(bt.inv)
		f.Error = "Some of what you typed cannot be kept. Please correct the fields marked below."
		f.bad = bt
		return f, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	return newForm(r), false, nil
}

// Get returns a typed value.
func (f *form) Get(k string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(k)
}

// Shown returns the comment preview asked for, if any.
func (f *form) Shown() template.HTML {
	if f == nil {
		return ""
	}
	return f.Preview
}

// Err returns the reason a field was refused.
func (f *form) Err(k string) string {
	if f == nil {
		return ""
	}
	return f.Errors[k]
}

// fail records err on the form: field reasons from an *apperr.Invalid, or
// one message. It reports false for errors that are not the person's.
func (f *form) fail(err error) bool {
	if inv, ok := apperr.AsInvalid(err); ok {
		for k, v := range inv.Fields {
			f.Errors[k] = v
		}
		f.Error = "Please correct the fields marked below."
		return true
	}
	return false
}

// parseForm reads a posted form with a size limit; a body too large or
// malformed is a 400.
func parseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(limit)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return badRequest{"The form is too large."}
		}
		return badRequest{"The form could not be read."}
	}
	return checkText(r)
}

// formFor reads a posted form about the resource whose {id} is in the path.
func formFor(w http.ResponseWriter, r *http.Request) (int64, error) {
	if err := parseForm(w, r, formLimit); err != nil {
		return 0, err
	}
	return pathID(r)
}

// pathID reads the {id} of the address; anything but a positive number
// names nothing.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.ErrNotFound
	}
	return id, nil
}
