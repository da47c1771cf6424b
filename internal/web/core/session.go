package core

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/db"
)

const (
	SessionCookie = "byline_session"
	FlashCookie   = "byline_flash"
)

// Viewer is the signed-in person of a request.
type Viewer struct {
	account.Person
	Session account.Session
	Token   string
}

const viewerKey CtxKey = 1

// WithViewer loads the signed-in person, if any: one query, and only for
// requests that carry a session cookie. Requests that may change something
// carry the client's address for the security history (account.WithIP);
// a GET that does (a link from a mail, a provider's callback) adds it with
// Audited.
func (s *Server) WithViewer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r = r.WithContext(account.WithIP(r.Context(), s.ClientIP(r))) // for the security history
		}
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" || s.People == nil {
			next.ServeHTTP(w, r)
			return
		}
		p, ses, err := s.People.SessionPerson(r.Context(), c.Value)
		switch {
		case err == nil:
			r = r.WithContext(context.WithValue(r.Context(), viewerKey, &Viewer{Person: p, Session: ses, Token: c.Value}))
			w.Header().Add("Cache-Control", "private")
		case errors.Is(err, account.ErrNoSession):
			s.ClearCookie(w, r, SessionCookie)
		default:
			// Public pages are still served, as to a reader signed out;
			// pages and forms that need the person answer with err (see
			// Need), not with a sign-in form or a refusal.
			level := slog.LevelError
			if db.Unavailable(err) {
				level = slog.LevelWarn // expected while the database is away: one line a request
			}
			s.Logger.Log(r.Context(), level, "load session", "request_id", RequestID(r.Context()), "err", err)
			r = r.WithContext(context.WithValue(r.Context(), viewerErrKey{}, err))
		}
		next.ServeHTTP(w, r)
	})
}

// viewerErrKey holds why the session of a request could not be read.
type viewerErrKey struct{}

// SessionViewer loads the person a session token belongs to, or nil.
func (s *Server) SessionViewer(ctx context.Context, token string) *Viewer {
	v, err := s.SessionOf(ctx, token)
	if err != nil {
		if !errors.Is(err, account.ErrNoSession) {
			s.Logger.Error("load session", "request_id", RequestID(ctx), "err", err)
		}
		return nil
	}
	return v
}

// SessionOf loads the person a session token belongs to; an unknown or
// ended session is account.ErrNoSession.
func (s *Server) SessionOf(ctx context.Context, token string) (*Viewer, error) {
	if s.People == nil {
		return nil, account.ErrNoSession
	}
	p, ses, err := s.People.SessionPerson(ctx, token)
	if err != nil {
		return nil, err
	}
	return &Viewer{Person: p, Session: ses, Token: token}, nil
}

// Audited returns r's context carrying the client's address for the
// security history, for GET handlers that change an account.
func (s *Server) Audited(r *http.Request) context.Context {
	return account.WithIP(r.Context(), s.ClientIP(r))
}

// CurrentViewer returns the signed-in person, or nil.
func CurrentViewer(r *http.Request) *Viewer {
	v, _ := r.Context().Value(viewerKey).(*Viewer)
	return v
}

// Secure reports whether cookies must be Secure: the request came over
// TLS, or the site's public address is https (behind a proxy).
func (s *Server) Secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.Site(r).BaseURL, "https://")
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, token string, remember bool) {
	c := &http.Cookie{Name: SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.Secure(r), SameSite: http.SameSiteLaxMode}
	if remember {
		c.MaxAge = int(account.RememberTTL / time.Second)
	}
	http.SetCookie(w, c)
}

func (s *Server) ClearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Secure(r), SameSite: http.SameSiteLaxMode})
}

// SignIn starts a new session for p, who proved who they are by method
// (account.MethodPassword, ...), records it, and sets the cookie. The
// browser's old session, if any, ends: every sign-in gets a fresh token.
// Handlers call it through site's finishSignIn, which also asks for a
// second factor where one is due.
func (s *Server) SignIn(w http.ResponseWriter, r *http.Request, p account.Person, method string, remember bool) error {
	ctx := r.Context()
	if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
		if err := s.People.EndSession(ctx, c.Value); err != nil {
			return err
		}
	}
	token, _, err := s.People.SignIn(ctx, p.ID, method, remember, r.UserAgent(), s.ClientIP(r))
	if err != nil {
		return err
	}
	s.setSession(w, r, token, remember)
	return nil
}

// Rotate gives the signed-in browser a new session token and ends the old
// one, after a change of a way in (a password, a passkey, a second factor),
// so a token copied before the change is worth nothing after it.
func (s *Server) Rotate(w http.ResponseWriter, r *http.Request, v *Viewer) error {
	ctx := r.Context()
	token, ses, err := s.People.StartSession(ctx, v.ID, v.Session.Remember, r.UserAgent(), s.ClientIP(r))
	if err != nil {
		return err
	}
	if err := s.People.EndSession(ctx, v.Token); err != nil {
		return err
	}
	v.Token, v.Session = token, ses
	s.setSession(w, r, token, ses.Remember)
	return nil
}

// Counted is a notice with a number ("3 comments approved."): the one
// and the many forms, %d standing for the number.
func Counted(one, many string) func(url.Values) string {
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
// NewFlash or NewCounted, which fill the table popFlash reads.
type Notice struct {
	Key     string
	params  string // counted notices: the figures, as a query
	counted bool
}

// flashTexts are the declared notices by key.
var flashTexts = map[string]flashText{}

// flashText is a declared notice: whether it has figures, and its words.
type flashText struct {
	Counted bool
	Text    func(url.Values) string
}

// CheckNotices reports a declared notice that shows no words (counted
// ones with a figure): New calls it, so such a notice stops the start.
func CheckNotices() error {
	for key, f := range flashTexts {
		q := url.Values{}
		if f.Counted {
			q = url.Values{"n": {"2"}, "s": {"trash"}, "d": {"2"}}
		}
		if f.Text(q) == "" {
			return fmt.Errorf("web: notice %q shows nothing", key)
		}
	}
	return nil
}

// NewFlash declares a notice with fixed words.
func NewFlash(key, text string) Notice {
	return declareFlash(key, false, func(url.Values) string { return text })
}

// NewCounted declares a notice whose words depend on its figures.
func NewCounted(key string, text func(url.Values) string) Notice {
	return declareFlash(key, true, text)
}

func declareFlash(key string, counted bool, text func(url.Values) string) Notice {
	if _, dup := flashTexts[key]; dup || key == "" || strings.ContainsAny(key, "?;, ") {
		panic("web: notice key declared twice or malformed: " + key)
	}
	flashTexts[key] = flashText{counted, text}
	return Notice{Key: key, counted: counted}
}

// With is a counted notice with its figures.
func (n Notice) With(params url.Values) Notice {
	n.params = params.Encode()
	return n
}

// Count is a counted notice of n things.
func (n Notice) Count(count int) Notice {
	return n.With(url.Values{"n": {strconv.Itoa(count)}})
}

func (n Notice) cookie() string {
	if n.counted {
		return n.Key + "?" + n.params
	}
	return n.Key
}

// RedirectCounted answers a step that changed n things.
func (s *Server) RedirectCounted(w http.ResponseWriter, r *http.Request, to string, key Notice, n int) error {
	return s.RedirectFlash(w, r, to, key.Count(n))
}

func (s *Server) SetFlash(w http.ResponseWriter, r *http.Request, n Notice) {
	http.SetCookie(w, &http.Cookie{Name: FlashCookie, Value: n.cookie(), Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.Secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) popFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(FlashCookie)
	if err != nil {
		return ""
	}
	s.ClearCookie(w, r, FlashCookie)
	key, params, hasParams := strings.Cut(c.Value, "?")
	f, ok := flashTexts[key]
	if !ok || f.Counted != hasParams {
		return ""
	}
	q, err := url.ParseQuery(params)
	if err != nil {
		return ""
	}
	return f.Text(q)
}

// RedirectFlash answers a form post: see the page, with a notice (the zero
// notice: none).
func (s *Server) RedirectFlash(w http.ResponseWriter, r *http.Request, to string, n Notice) error {
	if n.Key != "" {
		s.SetFlash(w, r, n)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// SafeReturn keeps return_to on this site: a path, never another host.
func SafeReturn(raw string) string {
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
var ErrCrossSite = errors.New("cross-site request")

// ErrForbidden is a signed-in person without the permission a page needs.
var ErrForbidden = errors.New("forbidden")

// Need answers for pages that need a signed-in person with perm: anonymous
// visitors go to sign in and come back; others get 403.
func (s *Server) Need(perm account.Permission, h func(http.ResponseWriter, *http.Request, *Viewer) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if p, ok := r.Context().Value(guardProbe{}).(*guardAnswer); ok {
			p.guarded, p.perm = true, perm // asked by mayOpen: say, do not serve
			return nil
		}
		v := CurrentViewer(r)
		if v == nil {
			if err, ok := r.Context().Value(viewerErrKey{}).(error); ok {
				return err // who is asking is unknown for now
			}
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?return_to="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return nil
			}
			return ErrForbidden
		}
		if perm != "" && !v.Can(perm) {
			return ErrForbidden
		}
		r, answered, err := s.checkSecondFactor(w, r, v, perm)
		if err != nil || answered {
			return err
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

// MayOpen reports whether v would pass the guard of the page at href (a
// path under /admin): the mux finds the route as it would for the request,
// and the route's own guard (need) answers instead of serving. A page
// with no guard, or no route, is not one an admin screen links to.
func (s *Server) MayOpen(v *Viewer, href string) bool {
	if v == nil || s.Mux == nil || !strings.HasPrefix(href, "/admin") {
		return false // every admin route is guarded; other handlers would serve
	}
	r, err := http.NewRequest(http.MethodGet, href, nil)
	if err != nil {
		return false
	}
	h, pattern := s.Mux.Handler(r)
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

// Needing is Need with its permission fixed, for a group of routes.
func (s *Server) Needing(perm account.Permission) func(h func(http.ResponseWriter, *http.Request, *Viewer) error) func(http.ResponseWriter, *http.Request) error {
	return func(h func(http.ResponseWriter, *http.Request, *Viewer) error) func(http.ResponseWriter, *http.Request) error {
		return s.Need(perm, h)
	}
}

// SignedIn is Need without a permission.
func (s *Server) SignedIn(h func(http.ResponseWriter, *http.Request, *Viewer) error) func(http.ResponseWriter, *http.Request) error {
	return s.Need("", h)
}

// Form is a submitted form: what was typed (kept when it is shown again)
// and what is wrong with it, by field.
type Form struct {
	Values url.Values
	Errors map[string]string
	Error  string // a message for the whole form
	Bad    error  // set by postedForm: a field holds text that cannot be kept
	// Preview is what the typed comment will look like, when asked for.
	Preview template.HTML
}

func NewForm(r *http.Request) *Form {
	return &Form{Values: r.PostForm, Errors: map[string]string{}}
}

// PostedForm reads a posted form (ParseForm) for a handler that shows its
// form again on a mistake. A field holding text that cannot be kept comes
// back as a refused form, with the reason next to the field and what was
// typed less the bad characters, for the handler to show with 422 like any
// other mistake; other read errors are returned.
func PostedForm(w http.ResponseWriter, r *http.Request, limit int64) (f *Form, refused bool, err error) {
	err = ParseForm(w, r, limit)
	var bt badText
	if errors.As(err, &bt) {
		f = NewForm(r)
		f.Fail(bt.inv)
		f.Error = "Some of what you typed cannot be kept. Please correct the fields marked below."
		f.Bad = bt
		return f, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	return NewForm(r), false, nil
}

// Get returns a typed value.
func (f *Form) Get(k string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(k)
}

// Shown returns the comment preview asked for, if any.
func (f *Form) Shown() template.HTML {
	if f == nil {
		return ""
	}
	return f.Preview
}

// Err returns the reason a field was refused.
func (f *Form) Err(k string) string {
	if f == nil {
		return ""
	}
	return f.Errors[k]
}

// Fail records err on the form: field reasons from an *apperr.Invalid, or
// one message. It reports false for errors that are not the person's.
func (f *Form) Fail(err error) bool {
	if inv, ok := apperr.AsInvalid(err); ok {
		for k, v := range inv.Fields {
			f.Errors[k] = v
		}
		f.Error = "Please correct the fields marked below."
		return true
	}
	return false
}

// FormLimit is the size a posted form may have (uploads have their own).
const FormLimit = 64 << 10

// ParseForm reads a posted form with a size limit; a body too large or
// malformed is a 400.
func ParseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
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
			return BadRequest{"The form is too large."}
		}
		return BadRequest{"The form could not be read."}
	}
	return checkText(r)
}

// FormFor reads a posted form about the resource whose {id} is in the path.
func FormFor(w http.ResponseWriter, r *http.Request) (int64, error) {
	if err := ParseForm(w, r, FormLimit); err != nil {
		return 0, err
	}
	return PathID(r)
}

// PathID reads the {id} of the address; anything but a positive number
// names nothing.
// ByPath reads the record whose id is the path's {id} with get: a path
// without a valid id is not found, like a missing record.
func ByPath[T any](r *http.Request, get func(context.Context, int64) (T, error)) (T, error) {
	id, err := PathID(r)
	if err != nil {
		var zero T
		return zero, err
	}
	return get(r.Context(), id)
}

func PathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.ErrNotFound
	}
	return id, nil
}
