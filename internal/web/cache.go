package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"

	"byline/internal/pagecache"
)

// Pages that are the same for every anonymous reader are served from the
// page cache. Everything personal (a session, a flash message, a form)
// passes by it.

// noCache lists the path prefixes that are never cached.
var noCache = []string{"/admin", "/account", "/api/", "/login", "/logout", "/register", "/password/", "/verify",
	"/notifications/", "/comments/live", "/search", "/static/", "/avatar/", "/metrics", "/healthz", "/readyz"}

// cacheParams are the query parameters a cached page may vary by.
var cacheParams = []string{"before", "cpage"}

// cacheKey says whether a request may be served from the cache, and under
// which key.
func cacheKey(r *http.Request) (string, bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return "", false
	}
	for _, p := range noCache {
		if strings.HasPrefix(r.URL.Path, p) {
			return "", false
		}
	}
	sortChoice := ""
	for _, c := range r.Cookies() {
		switch c.Name {
		case sessionCookie, flashCookie:
			if c.Value != "" {
				return "", false
			}
		case sortCookie:
			sortChoice = c.Value
		}
	}
	q := r.URL.Query()
	for k := range q {
		if !allowed(k) {
			return "", false
		}
	}
	var key strings.Builder
	key.WriteString(r.URL.Path)
	for _, p := range cacheParams {
		if v := q.Get(p); v != "" {
			key.WriteString("?" + p + "=" + url.QueryEscape(v))
		}
	}
	key.WriteString("|" + sortChoice)
	return key.String(), true
}

func allowed(param string) bool {
	for _, p := range cacheParams {
		if p == param {
			return true
		}
	}
	return false
}

// cacheMeta lets a handler tell the cache what its page depends on.
type cacheMeta struct{ article int64 }

const cacheMetaKey ctxKey = 3

// dependsOnArticle marks the page being rendered as showing article id, so
// a vote there makes it stale.
func dependsOnArticle(r *http.Request, id int64) {
	if m, ok := r.Context().Value(cacheMetaKey).(*cacheMeta); ok {
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

// pageCache serves anonymous readers from the cache, rendering each page
// once per change.
func (s *Server) pageCache(next http.Handler) http.Handler {
	if s.Cache == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, ok := cacheKey(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		gz := strings.Contains(r.Header.Get("Accept-Encoding"), "gzip")
		ri, _ := r.Context().Value(routeKey).(*routeInfo)
		if e, hit := s.Cache.Get(key); hit {
			if ri != nil {
				ri.pattern = e.Route
			}
			pagecache.Serve(w, r, e, gz)
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
			next.ServeHTTP(rec, req)
			if rec.status != http.StatusOK || rec.header.Get("Set-Cookie") != "" || rec.header.Get("Cache-Control") == "no-store" {
				return nil, uncacheable{rec}
			}
			e := s.Cache.Build(snap, meta.article, rec.header.Get("Content-Type"), bytes.Clone(rec.body.Bytes()))
			if ri != nil {
				e.Route = ri.pattern
			}
			return e, nil
		})
		var u uncacheable
		switch {
		case err == nil && e != nil:
			pagecache.Serve(w, r, e, gz)
		case asUncacheable(err, &u):
			u.resp.replay(w)
		default:
			s.fail(w, r, err)
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

// changed tells the cache that this node changed what pages show; the
// database's content counter tells the other nodes. For a change to one
// article's page only (a vote), only that article's pages go stale.
func (s *Server) changed(articleID int64, articleOnly bool) {
	if s.Cache == nil {
		return
	}
	if articleOnly {
		s.Cache.BumpArticle(articleID)
	} else {
		s.Cache.Bump()
	}
	if s.OnChange != nil {
		s.OnChange(articleID, articleOnly)
	}
}
