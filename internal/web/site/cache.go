package site

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/pagecache"
	"byline/internal/web/core"
)

// Pages that are the same for every anonymous reader are served from the
// page cache. Everything personal (a session, a flash message, a form)
// passes by it.

// noCache lists the path prefixes that are never cached.
var noCache = []string{"/admin", "/account", "/api/", "/login", "/logout", "/register", "/password/", "/verify",
	"/notifications/", "/newsletter", "/comments/live", "/search", "/static/", "/avatar/", "/media/", "/metrics", "/healthz", "/readyz"}

// noCacheBy is noCache by each prefix's second byte (the first is '/'), so
// a path is held against the two or three prefixes it could start with.
var noCacheBy = func() (t [256][]string) {
	for _, p := range noCache {
		t[p[1]] = append(t[p[1]], p)
	}
	return t
}()

// cacheParams are the query parameters a cached page may vary by.
var cacheParams = []string{"before", "cpage"}

// cacheKey says whether a request may be served from the cache, under
// which key, and the session token of a signed-in reader (whose page is the
// cached one with their parts redrawn). An anonymous reader's key for a
// page without parameters is its path: a hit allocates nothing for it.
func cacheKey(r *http.Request) (key, session string, ok bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return "", "", false
	}
	path := r.URL.Path
	if path == "" || path[0] != '/' || strings.IndexByte(path, '?') >= 0 || strings.IndexByte(path, '|') >= 0 {
		return "", "", false // the key's separators may not come from the path
	}
	if len(path) > 1 {
		for _, p := range noCacheBy[path[1]] {
			if strings.HasPrefix(path, p) {
				return "", "", false
			}
		}
	}
	if strings.HasSuffix(path, "/reply") || strings.HasSuffix(path, "/edit") {
		return "", "", false
	}
	flash, session, sortChoice, draft, ok := cacheCookies(r.Header["Cookie"])
	if !ok || flash != "" || draft != "" {
		return "", "", false // a one-off notice, or the reader's held words in the box: render
	}
	if r.URL.RawQuery == "" && sortChoice == "" {
		return path, session, true
	}
	q := r.URL.Query()
	for k := range q {
		if !allowed(k) {
			return "", "", false
		}
	}
	var k strings.Builder
	k.WriteString(path)
	for _, p := range cacheParams {
		if v := q.Get(p); v != "" {
			k.WriteString("?" + p + "=" + url.QueryEscape(v))
		}
	}
	k.WriteString("|" + sortChoice)
	return k.String(), session, true
}

// cacheCookies reads the cookies the cache depends on from the Cookie
// headers without allocating, the first of each name as r.Cookie does. A
// value net/http would not take (or quote marks) answers !ok: the full
// path then decides.
func cacheCookies(headers []string) (flash, session, sortChoice, draft string, ok bool) {
	for _, h := range headers {
		for h != "" {
			var part string
			part, h, _ = strings.Cut(h, ";")
			name, value, _ := strings.Cut(strings.TrimSpace(part), "=")
			var dst *string
			switch name {
			case core.FlashCookie:
				dst = &flash
			case core.SessionCookie:
				dst = &session
			case sortCookie:
				dst = &sortChoice
			case draftCookie:
				dst = &draft
			default:
				continue
			}
			for i := 0; i < len(value); i++ {
				if c := value[i]; c <= ' ' || c >= 0x7f || c == '"' || c == ';' || c == '\\' || c == ',' {
					return "", "", "", "", false
				}
			}
			if *dst == "" {
				*dst = value
			}
		}
	}
	return flash, session, sortChoice, draft, true
}

func allowed(param string) bool {
	for _, p := range cacheParams {
		if p == param {
			return true
		}
	}
	return false
}

// cacheMeta lets a handler tell the cache what its page depends on, and
// what it takes to redraw the personal parts for a signed-in reader.
type cacheMeta struct {
	once   sync.Once
	pieces []piece // the page split at its personal places, made once

	article  int64
	returnTo string
	thread   *threadView // the discussion, as an anonymous reader sees it
	closed   bool        // an editor closed comments on the article
	comments []commentMeta

	// The reply box takes one of a few forms (may comment, may moderate,
	// why not), the same for every reader in the same position, so each is
	// rendered once per cached page.
	respondMu sync.Mutex
	respond   map[respondKey]string

	// Readers' own votes on the page's comments. A vote makes a new page
	// (the score moves), so these never outlive the votes they show.
	votesMu sync.Mutex
	votes   map[int64]map[int64]int

	// The comments' controls as drawn for each position a reader can be
	// in (see controlKey).
	controlsMu sync.Mutex
	controls   map[controlKey]string
}

// maxVoters bounds the readers whose votes a cached page keeps.
const maxVoters = 1024

// votesOn returns v's votes on the comments of a cached page.
func (s *Server) votesOn(ctx context.Context, meta *cacheMeta, v *core.Viewer) (map[int64]int, error) {
	if len(meta.comments) == 0 || !v.Can(account.PermComment) {
		return nil, nil
	}
	meta.votesMu.Lock()
	got, ok := meta.votes[v.ID]
	meta.votesMu.Unlock()
	if ok {
		return got, nil
	}
	ids := make([]int64, len(meta.comments))
	for i, c := range meta.comments {
		ids[i] = c.id
	}
	got, err := s.Comments.Votes(ctx, v.ID, ids)
	if err != nil {
		return nil, err
	}
	meta.votesMu.Lock()
	if meta.votes == nil || len(meta.votes) >= maxVoters {
		meta.votes = map[int64]map[int64]int{}
	}
	meta.votes[v.ID] = got
	meta.votesMu.Unlock()
	return got, nil
}

type respondKey struct {
	canComment, canClose bool
	why                  string
}

// maxRespondForms bounds the reply boxes kept per page: the reason shown to
// an unverified reader names their address, so those vary per person.
const maxRespondForms = 8

// commentMeta is what a comment's personal controls depend on.
type commentMeta struct {
	id, author int64
	created    time.Time
	idText     string // id, written once
}

func metaOf(r *http.Request) *cacheMeta {
	m, _ := r.Context().Value(cacheMetaKey).(*cacheMeta)
	return m
}

const cacheMetaKey core.CtxKey = 3

// dependsOnArticle marks the page being rendered as showing article id, so
// a vote there makes it stale.
func dependsOnArticle(r *http.Request, id int64) {
	if m := metaOf(r); m != nil {
		m.article = id
	}
}

// captured is a response rendered for the cache.
type captured struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captured) Header() http.Header { return c.header }
func (c *captured) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}
func (c *captured) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}

// uncacheable carries a response that must not be stored (an error page,
// a redirect, one that sets a cookie) to the requests that waited for it.
type uncacheable struct{ resp *captured }

func (uncacheable) Error() string { return "not cacheable" }

func (c *captured) replay(w http.ResponseWriter) {
	for k, v := range c.header {
		w.Header()[k] = v
	}
	w.WriteHeader(c.status)
	w.Write(c.body.Bytes())
}

// Hit answers a request from the cache when it holds a fresh copy of the
// page, before the routes and the rest of the middleware run: the
// anonymous reader's page as it was stored, a signed-in reader's with their
// parts drawn in.
func (s *Server) Hit(w http.ResponseWriter, r *http.Request) (core.Served, bool) {
	if s.Cache == nil {
		return core.Served{}, false
	}
	key, session, ok := cacheKey(r)
	if !ok {
		return core.Served{}, false
	}
	e, hit := s.Cache.Peek(key)
	if !hit {
		return core.Served{}, false
	}
	if session == "" {
		core.SecurityHeaders(w.Header())
		s.countHit(r, e)
		status, size := pagecache.Serve(w, r, e, acceptsGzip(r))
		return core.Served{Status: status, Bytes: size, Route: e.Route}, true
	}
	v, err := s.SessionOf(r.Context(), session)
	if errors.Is(err, account.ErrNoSession) {
		// A stale cookie: the anonymous page, and the cookie cleared. (A
		// made-up cookie must not cost a render.)
		core.SecurityHeaders(w.Header())
		s.ClearCookie(w, r, core.SessionCookie)
		s.countHit(r, e)
		status, size := pagecache.ServePrivate(w, r, e, acceptsGzip(r))
		return core.Served{Status: status, Bytes: size, Route: e.Route}, true
	}
	if err != nil {
		return core.Served{}, false // the full path reports it
	}
	page, err := s.personalPage(r.Context(), e, v)
	if err != nil {
		return core.Served{}, false // the full path tries again, and reports what fails
	}
	defer pagePool.Put(page)
	core.SecurityHeaders(w.Header())
	s.countHit(r, e)
	return core.Served{Status: http.StatusOK, Bytes: writePersonal(w, r, e, page), Route: e.Route}, true
}

// firstHeader is a header's first value, read without canonicalizing its
// name as Header.Get does: the hit path asks per request.
func firstHeader(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header["Accept-Encoding"] {
		if strings.Contains(v, "gzip") {
			return true
		}
	}
	return false
}

// countHit counts a reading of a cached article page.
func (s *Server) countHit(r *http.Request, e *pagecache.Entry) {
	if e.Route == articleRoute {
		s.countView(r, e.Article)
	}
}

// PageCache serves what Hit could not: it renders each page once per
// change, for every reader waiting on it, and stores it.
func (s *Server) PageCache(next http.Handler) http.Handler {
	if s.Cache == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, session, ok := cacheKey(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		var v *core.Viewer
		stale := false // a session cookie that names no session: the anonymous page, the cookie cleared
		if session != "" {
			var err error
			v, err = s.SessionOf(r.Context(), session)
			switch {
			case errors.Is(err, account.ErrNoSession):
				stale = true
			case err != nil:
				next.ServeHTTP(w, r) // the full path reports it, and serves the page as to a reader signed out
				return
			}
		}
		ri, _ := r.Context().Value(core.RouteKey).(*core.RouteInfo)
		serve := func(e *pagecache.Entry) {
			if ri != nil {
				ri.Pattern = e.Route
			}
			s.countHit(r, e)
			if stale {
				s.ClearCookie(w, r, core.SessionCookie)
				pagecache.ServePrivate(w, r, e, acceptsGzip(r))
				return
			}
			if v == nil {
				pagecache.Serve(w, r, e, acceptsGzip(r))
				return
			}
			page, err := s.personalPage(r.Context(), e, v)
			if err != nil {
				s.Fail(w, r, err)
				return
			}
			defer pagePool.Put(page)
			writePersonal(w, r, e, page)
		}
		if e, hit := s.Cache.Get(key); hit {
			serve(e)
			return
		}
		e, err := s.Cache.Fill(key, func() (*pagecache.Entry, error) {
			snap := s.Cache.Begin()
			meta := &cacheMeta{}
			rec := &captured{header: http.Header{}}
			// Render as a GET whatever the method, so HEAD fills the cache too.
			req := r.Clone(context.WithValue(r.Context(), cacheMetaKey, meta))
			req.Method = http.MethodGet
			req.Header.Del("Accept-Encoding") // the cache compresses once, itself
			// The cached page is the anonymous reader's: no session, no notice.
			req.Header.Del("Cookie")
			if c, err := r.Cookie(sortCookie); err == nil {
				req.AddCookie(c)
			}
			next.ServeHTTP(rec, req)
			if rec.status != http.StatusOK || rec.header.Get("Set-Cookie") != "" || rec.header.Get("Cache-Control") == "no-store" {
				return nil, uncacheable{rec}
			}
			e := s.Cache.Build(snap, meta.article, rec.header.Get("Content-Type"), bytes.Clone(rec.body.Bytes()))
			e.Meta = meta
			if ri != nil {
				e.Route = ri.Pattern
			}
			return e, nil
		})
		var u uncacheable
		switch {
		case err == nil && e != nil:
			serve(e)
		case asUncacheable(err, &u):
			u.resp.replay(w)
		default:
			s.Fail(w, r, err)
		}
	})
}

func asUncacheable(err error, u *uncacheable) bool {
	x, ok := err.(uncacheable)
	if ok {
		*u = x
	}
	return ok
}

// personalPage assembles a signed-in reader's copy of a cached page with
// their parts drawn in: the account menu, the reply box, and on each
// comment their vote buttons and their own edit and delete links. One
// query (their votes, once per page version), no render of the thread.
// The buffer goes back to pagePool after use.
func (s *Server) personalPage(ctx context.Context, e *pagecache.Entry, v *core.Viewer) (*bytes.Buffer, error) {
	meta, _ := e.Meta.(*cacheMeta)
	if meta == nil {
		meta = &cacheMeta{}
	}
	var parts [3]string // the account menu, the two newsletter boxes
	for i, part := range personalParts {
		html, err := s.personalPart(v, part, meta.returnTo)
		if err != nil {
			return nil, err
		}
		parts[i] = html
	}
	respond, err := s.respondBox(meta, v)
	if err != nil {
		return nil, err
	}
	votes, err := s.votesOn(ctx, meta, v)
	if err != nil {
		return nil, err
	}
	meta.once.Do(func() {
		index := make(map[int64]int, len(meta.comments))
		for i, c := range meta.comments {
			index[c.id] = i
		}
		meta.pieces = split(e.Body, meta.thread != nil, index)
	})
	who := viewerControls{id: v.ID, canAct: v.Can(account.PermComment), canModerate: v.Can(account.PermModerate), votes: votes, now: time.Now()}
	buf := pagePool.Get().(*bytes.Buffer)
	buf.Reset()
	overlay(buf, meta, parts, respond, who)
	return buf, nil
}

// viewerControls is what a reader's controls on a page's comments depend
// on.
type viewerControls struct {
	id                  int64
	canAct, canModerate bool
	votes               map[int64]int
	now                 time.Time
}

// controlKey is one drawing of a comment's controls: they depend on
// nothing else, so each is drawn once per cached page and shared by every
// reader in the same position (a dozen drawings at most per comment).
type controlKey struct {
	idx                 int
	kind                byte // 'v' the votes, 't' the tools
	vote                int
	canAct, canModerate bool
	mine, editable      bool
}

// maxControls bounds the drawings a cached page keeps.
const maxControls = 4096

// control is the drawing of the controls key describes.
func (m *cacheMeta) control(k controlKey) string {
	m.controlsMu.Lock()
	html, ok := m.controls[k]
	m.controlsMu.Unlock()
	if ok {
		return html
	}
	c := m.comments[k.idx]
	cv := &commentView{C: &comment.Comment{ID: c.id, Author: comment.Author{ID: c.author}, CreatedAt: c.created}, IDText: c.idText,
		MyVote: k.vote, CanAct: k.canAct, CanModerate: k.canModerate, Mine: k.mine, Editable: k.editable}
	cv.UpValue, cv.DownValue = flipVote(k.vote, 1), flipVote(k.vote, -1)
	var b strings.Builder
	if k.kind == 'v' {
		writeVotes(&b, cv)
	} else {
		writeTools(&b, cv)
	}
	html = b.String()
	m.controlsMu.Lock()
	if m.controls == nil || len(m.controls) >= maxControls {
		m.controls = map[controlKey]string{}
	}
	m.controls[k] = html
	m.controlsMu.Unlock()
	return html
}

// privateNoCache is a personal page's Cache-Control.
var privateNoCache = []string{"private, no-cache"}

// writePersonal sends a personal page and returns the bytes written.
func writePersonal(w http.ResponseWriter, r *http.Request, e *pagecache.Entry, page *bytes.Buffer) int {
	h := w.Header()
	h["Content-Type"] = e.ContentTypeHeader()
	h["Cache-Control"] = privateNoCache
	h["Content-Length"] = []string{strconv.Itoa(page.Len())}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return 0
	}
	n, _ := w.Write(page.Bytes()) // a reader gone away is no error of ours
	return n
}

// pagePool holds the buffers personal pages are assembled in.
var pagePool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// navMemo keeps each signed-in reader's personal parts of pages (the
// account menu, the newsletter boxes) per page address, so a page view
// renders no template. A change to the person (name, picture, roles,
// address) moves their UpdatedAt and so the key.
type navMemo struct {
	mu sync.Mutex
	m  map[navKey]string
}

type navKey struct {
	part     byte
	id       int64
	updated  int64
	admin    bool
	returnTo string
}

const maxNavs = 4096

// personalPart renders part ('n' the account menu, 'l' and 'L' the
// newsletter boxes of the sidebar and under an article) for v.
func (s *Server) personalPart(v *core.Viewer, part byte, returnTo string) (string, error) {
	k := navKey{part, v.ID, v.UpdatedAt.UnixNano(), v.Can(account.PermAccessAdmin), returnTo}
	s.navs.mu.Lock()
	html, ok := s.navs.m[k]
	s.navs.mu.Unlock()
	if ok {
		return html, nil
	}
	var b bytes.Buffer
	switch part {
	case 'n':
		core.WriteAccountLinks(&b, core.AccountLinks{Viewer: v, ReturnTo: returnTo})
	case 'l':
		core.WriteNewsletterBox(&b, core.NewsletterBox{Viewer: v, ReturnTo: returnTo, ID: "side"})
	case 'L':
		core.WriteNewsletterBox(&b, core.NewsletterBox{Viewer: v, ReturnTo: returnTo, ID: "article"})
	}
	s.navs.mu.Lock()
	if s.navs.m == nil || len(s.navs.m) >= maxNavs {
		s.navs.m = map[navKey]string{} // start over rather than track use
	}
	s.navs.m[k] = b.String()
	s.navs.mu.Unlock()
	return b.String(), nil
}

// respondBox is the reply box under a cached discussion as v sees it.
func (s *Server) respondBox(meta *cacheMeta, v *core.Viewer) (string, error) {
	if meta.thread == nil {
		return "", nil
	}
	tv := *meta.thread
	s.respondFor(&tv, v)
	k := respondKey{tv.CanComment, tv.CanClose, tv.Why}
	meta.respondMu.Lock()
	html, ok := meta.respond[k]
	meta.respondMu.Unlock()
	if ok {
		return html, nil
	}
	var b bytes.Buffer
	writeRespond(&b, respondView{threadView: tv, CommentsClosed: meta.closed})
	meta.respondMu.Lock()
	if meta.respond == nil {
		meta.respond = map[respondKey]string{}
	}
	if len(meta.respond) < maxRespondForms {
		meta.respond[k] = b.String()
	}
	meta.respondMu.Unlock()
	return b.String(), nil
}

// piece is a stretch of a cached page: literal bytes, or a personal place
// (kind 'n' the account menu, 'l'/'L' the newsletter boxes, 'r' the reply
// box, 'v' a comment's votes, 't' a comment's tools).
type piece struct {
	lit  []byte
	kind byte
	idx  int // a comment's index in cacheMeta.comments (-1: not there)
}

// personalKinds are the marked regions drawn per reader on every page.
var personalKinds = map[string]byte{"v:nav": 'n', "v:letter": 'l', "v:letter2": 'L'}

// split cuts a page at its markers. A region's old content (the anonymous
// reader's) is dropped; its markers stay, so the page reads the same.
func split(base []byte, hasRespond bool, index map[int64]int) []piece {
	var out []piece
	rest := base
	for {
		i := bytes.Index(rest, []byte("<!--"))
		if i < 0 {
			return append(out, piece{lit: rest})
		}
		end := bytes.Index(rest[i:], []byte("-->"))
		if end < 0 {
			return append(out, piece{lit: rest})
		}
		end += i
		marker := string(rest[i+4 : end])
		out = append(out, piece{lit: rest[:end+3]})
		rest = rest[end+3:]
		switch {
		case personalKinds[marker] != 0 || (marker == "v:respond" && hasRespond):
			if j := bytes.Index(rest, []byte("<!--/"+marker+"-->")); j >= 0 {
				kind := personalKinds[marker]
				if kind == 0 {
					kind = 'r'
				}
				out = append(out, piece{kind: kind})
				rest = rest[j:]
			}
		case strings.HasPrefix(marker, "cv:") || strings.HasPrefix(marker, "cm:"):
			if id, err := strconv.ParseInt(marker[3:], 10, 64); err == nil {
				kind := byte('v')
				if marker[1] == 'm' {
					kind = 't'
				}
				idx, ok := index[id]
				if !ok {
					idx = -1
				}
				out = append(out, piece{kind: kind, idx: idx})
				// The votes place holds the anonymous reader's arrows
				// up to its closing marker: drawn again per reader.
				if kind == 'v' {
					if j := bytes.Index(rest, []byte("<!--/cv-->")); j >= 0 {
						rest = rest[j:]
					}
				}
			}
		}
	}
}

// personalParts are the places drawn per reader on every page, in the
// order personalPage keeps them.
var personalParts = [3]byte{'n', 'l', 'L'}

// overlay assembles a reader's page from the cached pieces and their parts.
func overlay(out *bytes.Buffer, meta *cacheMeta, parts [3]string, respond string, who viewerControls) {
	for _, p := range meta.pieces {
		switch p.kind {
		case 0:
			out.Write(p.lit)
		case 'n':
			out.WriteString(parts[0])
		case 'l':
			out.WriteString(parts[1])
		case 'L':
			out.WriteString(parts[2])
		case 'r':
			out.WriteString(respond)
		case 'v', 't':
			if p.idx < 0 || p.idx >= len(meta.comments) {
				continue
			}
			c := meta.comments[p.idx]
			mine := c.author == who.id
			out.WriteString(meta.control(controlKey{idx: p.idx, kind: p.kind, vote: who.votes[c.id], canAct: who.canAct,
				canModerate: who.canModerate, mine: mine, editable: mine && editableAt(c.created, who.now)}))
		}
	}
}

// articleRoute is the pattern of article pages, whose readings count.
const articleRoute = "GET /{year}/{month}/{day}/{slug}/{$}"

// countView counts a reader's reading of an article (not a program's).
func (s *Server) countView(r *http.Request, articleID int64) {
	if s.Views == nil || r.Method != http.MethodGet || article.IsBot(firstHeader(r.Header["User-Agent"])) {
		return
	}
	s.Views.Count(articleID, time.Now())
}

// editableAt says whether a shown comment written at created may still be
// edited by its author (the comment package's rule).
func editableAt(created, now time.Time) bool {
	return comment.Comment{CreatedAt: created}.Editable(now)
}
