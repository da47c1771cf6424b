package core

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzhttp"

	"byline/internal/accesslog"
)

type CtxKey int

const (
	requestIDKey CtxKey = 0
	RouteKey     CtxKey = 2
)

// RouteInfo carries the matched route pattern back out to the logging
// middleware, whatever request copies the layers in between make.
type RouteInfo struct{ Pattern string }

// WithRoute records the pattern the mux matched.
func WithRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if ri, ok := r.Context().Value(RouteKey).(*RouteInfo); ok {
			ri.Pattern = r.Pattern
		}
	})
}

// RequestID returns the request's ID, set by the middleware.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// Served is what a request answered straight from the page cache sent.
type Served struct {
	Status, Bytes int
	Route         string
}

// Hit answers a request from the page cache when it holds a fresh copy,
// before the routes and the rest of the middleware; ok false leaves the
// request untouched for them.
type Hit func(w http.ResponseWriter, r *http.Request) (s Served, ok bool)

// Middleware wraps the routes, outermost first: request ID, logging and
// metrics, the page cache's hits (hit), panic recovery, security headers,
// the page cache's misses (pageCache), compression.
func (s *Server) Middleware(next http.Handler, pageCache func(http.Handler) http.Handler, hit Hit) http.Handler {
	compress, err := gzhttp.NewWrapper(gzhttp.MinSize(512), gzhttp.EnableZstd(false),
		gzhttp.ExceptContentTypes([]string{"text/event-stream"})) // streams must not wait in a compressor
	if err != nil {
		panic(fmt.Sprintf("gzhttp: %v", err)) // only bad constant options can fail
	}
	// Cache hits are served before the compressor: they carry their own
	// precompressed variant.
	inner := securityHeaders(pageCache(s.freshAfterWrites(compress(next))))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var id string
		if v := r.Header["X-Request-Id"]; len(v) > 0 && validRequestID(v[0]) {
			id = v[0]
		} else {
			id = s.nextRequestID()
		}
		w.Header()["X-Request-Id"] = []string{id}
		if hit != nil && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			if sv, ok := hit(w, r); ok {
				s.logRequest(r, id, sv.Route, sv.Status, sv.Bytes, start)
				return
			}
		}
		ri := &RouteInfo{}
		r = r.WithContext(context.WithValue(context.WithValue(r.Context(), requestIDKey, id), RouteKey, ri))
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Logger.Error("panic", "request_id", id, "path", r.URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !rec.wrote {
					s.Fail(rec, r, fmt.Errorf("panic: %v", p))
				}
			}
			route := ri.Pattern
			if route == "" {
				route = r.Pattern
			}
			s.logRequest(r, id, route, rec.status, rec.bytes, start)
		}()
		inner.ServeHTTP(rec, r)
	})
}

// logRequest counts a finished request in the metrics and writes its line
// to the request log: through the buffered access log when there is one.
func (s *Server) logRequest(r *http.Request, id, route string, status, size int, start time.Time) {
	d := time.Since(start)
	if s.Metrics != nil {
		s.Metrics.Observe(route, r.Method, status, d)
	}
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics":
		level = slog.LevelDebug
	}
	if !s.Logger.Enabled(r.Context(), level) {
		return
	}
	if s.AccessLog != nil {
		s.AccessLog.Log(&accesslog.Request{Time: start.Add(d), Level: level, ID: id, Method: r.Method, Path: r.URL.Path,
			Route: route, RouteText: s.routeText(route), Status: status, Bytes: size, Duration: d, Remote: s.ClientIP(r)})
		return
	}
	s.Logger.Log(r.Context(), level, "request", "request_id", id, "method", r.Method, "path", r.URL.Path,
		"route", route, "status", status, "bytes", size, "duration_ms", float64(d.Microseconds())/1000,
		"remote", s.ClientIP(r))
}

// routeText is a route as the text log writes it, made once per route.
func (s *Server) routeText(route string) string {
	if t, ok := s.routeTexts.Load(route); ok {
		return t.(string)
	}
	t := accesslog.Quote(route)
	s.routeTexts.Store(route, t)
	return t
}

// freshAfterWrites reads the database's change counters before answering a
// request that may have changed something (any method but GET and HEAD),
// so the writer's next page on this node already shows the change. It is
// the same path by which every node hears every change: the counters that
// the database's triggers move. Handlers never tell the cache themselves.
func (s *Server) freshAfterWrites(next http.Handler) http.Handler {
	if s.Fresh == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		fw := &freshWriter{ResponseWriter: w, fresh: func() { s.Fresh(r.Context()) }}
		next.ServeHTTP(fw, r)
		fw.refresh() // a handler that wrote nothing: its answer is sent after this
	})
}

// freshWriter refreshes once, before the first byte of the answer.
type freshWriter struct {
	http.ResponseWriter
	fresh func()
	done  bool
}

func (f *freshWriter) refresh() {
	if !f.done {
		f.done = true
		f.fresh()
	}
}

func (f *freshWriter) WriteHeader(code int) {
	f.refresh()
	f.ResponseWriter.WriteHeader(code)
}

func (f *freshWriter) Write(b []byte) (int, error) {
	f.refresh()
	return f.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (f *freshWriter) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// Flush refreshes, then passes the flush through.
func (f *freshWriter) Flush() {
	f.refresh()
	if fl, ok := f.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// requestIDs are this process's random prefix and a counter: unique, and
// cheaper than reading the random source for every request.
var requestIDPrefix = func() string {
	var b [4]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}()

var requestSeq atomic.Uint64

func (s *Server) nextRequestID() string {
	var b [32]byte
	id := append(append(b[:0], requestIDPrefix...), '-')
	return string(strconv.AppendUint(id, requestSeq.Add(1), 36)) // one allocation
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// recorder notes the status and size of a response for logs and metrics.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the connection (flushing,
// deadlines) through the recorder.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Flush passes flushes through for streamed responses.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

const ContentSecurityPolicy = "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

// securityHeaderValues go on every response; shared, as net/http only
// reads them. A list, not a map: set on every response, iterated fast.
var securityHeaderValues = []struct {
	name  string
	value []string
}{
	{"X-Content-Type-Options", []string{"nosniff"}},
	{"Referrer-Policy", []string{"strict-origin-when-cross-origin"}},
	{"Content-Security-Policy", []string{ContentSecurityPolicy}},
	{"X-Frame-Options", []string{"DENY"}},
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SecurityHeaders(w.Header())
		next.ServeHTTP(w, r)
	})
}

// SecurityHeaders sets the headers every response carries.
func SecurityHeaders(h http.Header) {
	for _, sh := range securityHeaderValues {
		h[sh.name] = sh.value
	}
}
