// Package pagecache keeps rendered public pages in memory, with their
// gzip variant and validators, and knows when each one is stale.
//
// Staleness is decided by versions the database keeps, not by calls from
// the code that changes things: triggers move the content counter on every
// change to what pages show, and move one article's version on a vote
// (which changes only that article's pages). Every node reads both with
// Refresh: a few times a second, at once when PostgreSQL announces a
// change, and before it answers any write it took itself (so the writer's
// next page shows the write). An entry remembers the versions it was
// rendered under; when they differ, it is rendered again, by one request
// while the others wait for it. Pages also hold what time alone changes
// (relative times such as "3 hours ago", the week's Most Read), so an
// entry also expires after MaxAge.
package pagecache

import (
	"bytes"
	"container/list"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"
	"golang.org/x/sync/singleflight"
)

// Entry is one cached response.
type Entry struct {
	Body, Gzip   []byte
	ContentType  string
	Route        string // the route pattern that rendered it, for logs and metrics
	Meta         any    // what the page's owner needs to personalize it
	ETag         string
	LastModified time.Time
	DB           int64 // the content version it was rendered under
	Expires      time.Time
	Article      int64 // the article it shows, 0 if none
	ArticleVer   int64 // that article's version at render time
	key          string
	size         int
	headers      entryHeaders
}

// entryHeaders are an entry's header values, made once: a hit then sets
// its headers without allocating. (net/http only reads them.)
type entryHeaders struct {
	etag, lastModified, contentType, length, gzipLength []string
}

// ContentTypeHeader is the entry's Content-Type as a header value, made
// once.
func (e *Entry) ContentTypeHeader() []string { return e.headers.contentType }

// Header values every hit sends.
var (
	cacheControl = []string{"public, no-cache"} // store, but ask again: the ETag makes asking cheap
	varyEncoding = []string{"Accept-Encoding"}
	gzipEncoding = []string{"gzip"}
)

// MaxAge is how long a page is kept when nothing changes.
const MaxAge = time.Minute

// Cache is a memory-bounded LRU of entries.
type Cache struct {
	max   int
	now   func() time.Time
	db    atomic.Int64 // the database's content version, as last read
	bumps atomic.Int64 // article bumps so far, to spot one during a render

	rounds     sync.Mutex // guards reading and queued
	reading    bool       // a read of the counters is under way
	queued     *round     // the read that starts when the one under way ends
	articleSeq int64      // the article versions' counter, as last read (-1: never read; only the reading round touches it)
	settings   int64      // the settings' counter, as last read (0: never read; likewise)

	mu       sync.Mutex
	entries  map[string]*list.Element
	lru      *list.List // front: most recently used
	size     int
	articles map[int64]int64

	flight singleflight.Group

	hits, misses, evictions atomic.Int64
}

// New returns a cache holding at most maxBytes of pages.
func New(maxBytes int) *Cache {
	return &Cache{max: maxBytes, now: time.Now, entries: map[string]*list.Element{}, lru: list.New(), articles: map[int64]int64{}, articleSeq: -1}
}

// Stats are counters for metrics.
type Stats struct {
	Hits, Misses, Evictions int64
	Entries, Bytes          int
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Evictions: c.evictions.Load(), Entries: len(c.entries), Bytes: c.size}
}

// Content is the database's content version, as last read: whatever is
// made from the content under one version stays right until it moves.
func (c *Cache) Content() int64 { return c.db.Load() }

// SetContent records the content version read from the database; pages
// rendered under another one are stale from now on.
func (c *Cache) SetContent(v int64) { c.db.Store(v) }

// Clear drops every entry, so each page is rendered anew (to measure a
// render).
func (c *Cache) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = map[string]*list.Element{}
	c.lru.Init()
	c.size = 0
}

// BumpArticle makes one article's pages stale.
func (c *Cache) BumpArticle(id int64) {
	c.mu.Lock()
	c.articles[id]++
	c.mu.Unlock()
	c.bumps.Add(1)
}

func (c *Cache) articleVersion(id int64) int64 {
	if id == 0 {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.articles[id]
}

// Snapshot is the versions a render starts under.
type Snapshot struct{ db, bumps int64 }

// Begin takes the versions before rendering: anything that changes during
// the render leaves the entry stale, never wrongly fresh.
func (c *Cache) Begin() Snapshot {
	return Snapshot{db: c.db.Load(), bumps: c.bumps.Load()}
}

// Get returns a fresh entry for key.
func (c *Cache) Get(key string) (*Entry, bool) {
	e, ok := c.lookup(key)
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return e, ok
}

// Peek returns a fresh entry for key, counting only a hit: a miss is
// counted by the Get of the path that goes on to render it.
func (c *Cache) Peek(key string) (*Entry, bool) {
	e, ok := c.lookup(key)
	if ok {
		c.hits.Add(1)
	}
	return e, ok
}

func (c *Cache) lookup(key string) (*Entry, bool) {
	db := c.db.Load()
	c.mu.Lock()
	el, ok := c.entries[key]
	if !ok {
		c.mu.Unlock()
		return nil, false
	}
	e := el.Value.(*Entry)
	if e.DB != db || (e.Article != 0 && e.ArticleVer != c.articles[e.Article]) || c.now().After(e.Expires) {
		c.removeLocked(el)
		c.mu.Unlock()
		return nil, false
	}
	c.lru.MoveToFront(el)
	c.mu.Unlock()
	return e, true
}

// Build makes an entry from a rendered page, with its gzip variant and
// validators, under the snapshot's versions.
func (c *Cache) Build(s Snapshot, article int64, contentType string, body []byte) *Entry {
	var gz bytes.Buffer
	gz.Grow(len(body) / 3)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&gz)
	zw.Write(body) // into a bytes.Buffer: cannot fail
	zw.Close()
	gzipWriters.Put(zw)
	sum := sha256.Sum256(body)
	e := &Entry{Body: body, Gzip: gz.Bytes(), ContentType: contentType, ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		LastModified: c.now().UTC().Truncate(time.Second), DB: s.db, Article: article, Expires: c.now().Add(MaxAge)}
	e.ArticleVer = c.articleVersion(article)
	if c.bumps.Load() != s.bumps {
		e.ArticleVer = -1 // some article changed while rendering: this one may have
	}
	e.size = len(e.Body) + len(e.Gzip) + 256
	e.headers = entryHeaders{etag: []string{e.ETag}, lastModified: []string{e.LastModified.Format(http.TimeFormat)},
		contentType: []string{contentType}, length: []string{itoa(len(e.Body))}, gzipLength: []string{itoa(len(e.Gzip))}}
	return e
}

// gzipWriters are reused: a new writer allocates about a megabyte. Level 6
// of klauspost/compress compresses a page five times faster than the
// standard library's best, to within 3% of its size; on a busy story every
// change re-renders a page, so this is on the path most readers wait for.
var gzipWriters = sync.Pool{New: func() any {
	zw, err := gzip.NewWriterLevel(nil, 6)
	if err != nil {
		panic(err) // a constant, valid level
	}
	return zw
}}

// Put stores an entry, evicting the least recently used beyond the budget.
func (c *Cache) Put(key string, e *Entry) {
	if e.size > c.max/4 {
		return // one page may not push everything else out
	}
	e.key = key
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.removeLocked(old)
	}
	c.entries[key] = c.lru.PushFront(e)
	c.size += e.size
	for c.size > c.max {
		c.removeLocked(c.lru.Back())
		c.evictions.Add(1)
	}
}

func (c *Cache) removeLocked(el *list.Element) {
	e := el.Value.(*Entry)
	c.lru.Remove(el)
	delete(c.entries, e.key)
	c.size -= e.size
}

// Fill renders key once however many requests ask for it at the same
// time: the others wait and share the result.
func (c *Cache) Fill(key string, render func() (*Entry, error)) (*Entry, error) {
	v, err, _ := c.flight.Do(key, func() (any, error) {
		if e, ok := c.lookup(key); ok { // filled while this request waited
			return e, nil
		}
		e, err := render()
		if err != nil || e == nil {
			return e, err
		}
		c.Put(key, e)
		return e, nil
	})
	if err != nil {
		return nil, err
	}
	e, _ := v.(*Entry)
	return e, nil
}

// Serve writes an entry: 304 when the browser's copy is current, the gzip
// variant when it is accepted. It returns the status and the body's size.
func Serve(w http.ResponseWriter, r *http.Request, e *Entry, acceptsGzip bool) (status, size int) {
	return serve(w, r, e, acceptsGzip, cacheControl)
}

// ServePrivate is Serve for a response only this browser may keep (one
// that also sets a cookie).
func ServePrivate(w http.ResponseWriter, r *http.Request, e *Entry, acceptsGzip bool) (status, size int) {
	return serve(w, r, e, acceptsGzip, privateNoCache)
}

var privateNoCache = []string{"private, no-cache"}

func serve(w http.ResponseWriter, r *http.Request, e *Entry, acceptsGzip bool, cc []string) (status, size int) {
	h := w.Header()
	eh := &e.headers // entries come from Build
	h["Etag"] = eh.etag
	h["Last-Modified"] = eh.lastModified
	h["Cache-Control"] = cc
	if v := h["Vary"]; v == nil {
		h["Vary"] = varyEncoding
	} else {
		h["Vary"] = append(v, varyEncoding...)
	}
	if v := r.Header["If-None-Match"]; len(v) > 0 && v[0] != "" && (v[0] == e.ETag || v[0] == "W/"+e.ETag) { // the map read: no canonicalizing per hit
		w.WriteHeader(http.StatusNotModified)
		return http.StatusNotModified, 0
	}
	h["Content-Type"] = eh.contentType
	body := e.Body
	h["Content-Length"] = eh.length
	if acceptsGzip {
		h["Content-Encoding"] = gzipEncoding
		h["Content-Length"] = eh.gzipLength
		body = e.Gzip
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		size, _ = w.Write(body) // a reader gone away is no error of ours
	}
	return http.StatusOK, size
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// VersionReader reads the database's counters.
type VersionReader interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// round is one read of the counters, shared by everyone who asked for it.
type round struct {
	done    chan struct{}
	err     error
	callers int // waiting for it (guarded by Cache.rounds)
}

// Refresh reads the database's counters now. When the settings' counter
// moved, settingsMoved runs (to drop the settings other nodes changed);
// when the content counter moved, every cached page goes stale; when
// articles' versions moved, those articles' pages go stale.
//
// It returns after a read that began after the call: what the caller
// committed before calling is seen. Callers arriving while a read is under
// way share the one read that follows it, so a burst of writes (each
// refreshing before its answer) costs two reads, not one each in a queue.
func (c *Cache) Refresh(ctx context.Context, q VersionReader, settingsMoved func()) error {
	c.rounds.Lock()
	if !c.reading {
		c.reading = true
		c.rounds.Unlock()
		r := &round{done: make(chan struct{})}
		c.readRounds(context.WithoutCancel(ctx), q, settingsMoved, r)
		return r.err
	}
	r := c.queued
	if r == nil {
		r = &round{done: make(chan struct{})}
		c.queued = r
	}
	r.callers++
	c.rounds.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err() // the read goes on for the others
	}
}

// readRounds runs r, then the round queued meanwhile in its own goroutine
// (its first caller is answered already), until none is queued.
func (c *Cache) readRounds(ctx context.Context, q VersionReader, settingsMoved func(), r *round) {
	r.err = c.read(ctx, q, settingsMoved)
	close(r.done)
	c.rounds.Lock()
	next := c.queued
	c.queued = nil
	c.reading = next != nil
	c.rounds.Unlock()
	if next != nil {
		go c.readRounds(ctx, q, settingsMoved, next)
	}
}

// read reads the counters once; only one runs at a time.
func (c *Cache) read(ctx context.Context, q VersionReader, settingsMoved func()) error {
	var v, settings, seq int64
	if err := q.QueryRow(ctx, `SELECT version, settings, (SELECT seq FROM article_versions WHERE article_id = 0) FROM content_version WHERE id = 1`).Scan(&v, &settings, &seq); err != nil {
		return err
	}
	if c.articleSeq >= 0 && seq != c.articleSeq {
		if err := c.bumpMoved(ctx, q); err != nil {
			return err
		}
	}
	c.articleSeq = seq
	// The settings first: a page made after the content moved must not be
	// made with the settings from before.
	if settings != c.settings {
		if settingsMoved != nil {
			settingsMoved()
		}
		c.settings = settings
	}
	if c.db.Load() != v {
		c.db.Store(v)
	}
	return nil
}

// bumpMoved makes stale the pages of the articles whose version moved since
// the last read.
func (c *Cache) bumpMoved(ctx context.Context, q VersionReader) error {
	rows, err := q.Query(ctx, `SELECT article_id FROM article_versions WHERE seq > $1 AND article_id <> 0`, c.articleSeq)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		c.BumpArticle(id)
	}
	return rows.Err()
}
