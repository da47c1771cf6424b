// Package pagecache keeps rendered public pages in memory, with their
// gzip variant and validators, and knows when each one is stale.
//
// Staleness is decided by versions, not timers: the content version moves
// on every change to what pages show (a database counter kept by triggers,
// read by Poll and moved at once by Bump on this node), and each article
// has a version of its own for changes that touch only its page (votes).
// An entry remembers the versions it was rendered under; when they differ,
// it is rendered again, by one request while the others wait for it.
// Pages also hold what time alone changes (relative times such as "3
// hours ago", the week's Most Read), so an entry also expires after
// MaxAge.
package pagecache

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

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
	DB, Local    int64 // content versions it was rendered under
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
	local atomic.Int64 // this node's own changes since
	bumps atomic.Int64 // article bumps so far, to spot one during a render

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
	return &Cache{max: maxBytes, now: time.Now, entries: map[string]*list.Element{}, lru: list.New(), articles: map[int64]int64{}}
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

// SetContent records the content version read from the database; pages
// rendered under another one are stale from now on.
func (c *Cache) SetContent(v int64) { c.db.Store(v) }

// Bump makes every page stale at once: this node changed content, and must
// not wait for the next read of the database's counter.
func (c *Cache) Bump() { c.local.Add(1) }

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
type Snapshot struct{ db, local, bumps int64 }

// Begin takes the versions before rendering: anything that changes during
// the render leaves the entry stale, never wrongly fresh.
func (c *Cache) Begin() Snapshot {
	return Snapshot{db: c.db.Load(), local: c.local.Load(), bumps: c.bumps.Load()}
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

func (c *Cache) lookup(key string) (*Entry, bool) {
	db, local := c.db.Load(), c.local.Load()
	c.mu.Lock()
	el, ok := c.entries[key]
	if !ok {
		c.mu.Unlock()
		return nil, false
	}
	e := el.Value.(*Entry)
	if e.DB != db || e.Local != local || (e.Article != 0 && e.ArticleVer != c.articles[e.Article]) || c.now().After(e.Expires) {
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
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression) // once per render; served many times
	zw.Write(body)
	zw.Close()
	sum := sha256.Sum256(body)
	e := &Entry{Body: body, Gzip: gz.Bytes(), ContentType: contentType, ETag: `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`,
		LastModified: c.now().UTC().Truncate(time.Second), DB: s.db, Local: s.local, Article: article, Expires: c.now().Add(MaxAge)}
	e.ArticleVer = c.articleVersion(article)
	if c.bumps.Load() != s.bumps {
		e.ArticleVer = -1 // some article changed while rendering: this one may have
	}
	e.size = len(e.Body) + len(e.Gzip) + 256
	e.headers = entryHeaders{etag: []string{e.ETag}, lastModified: []string{e.LastModified.Format(http.TimeFormat)},
		contentType: []string{contentType}, length: []string{itoa(len(e.Body))}, gzipLength: []string{itoa(len(e.Gzip))}}
	return e
}

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
// variant when it is accepted.
func Serve(w http.ResponseWriter, r *http.Request, e *Entry, acceptsGzip bool) {
	h := w.Header()
	eh := &e.headers // entries come from Build
	h["Etag"] = eh.etag
	h["Last-Modified"] = eh.lastModified
	h["Cache-Control"] = cacheControl
	if v := h["Vary"]; v == nil {
		h["Vary"] = varyEncoding
	} else {
		h["Vary"] = append(v, varyEncoding...)
	}
	if match := r.Header.Get("If-None-Match"); match != "" && (match == e.ETag || match == "W/"+e.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
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
		w.Write(body)
	}
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

// VersionReader reads the database's content counter.
type VersionReader interface {
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

// Refresh reads the database's content counter now. When it moved,
// beforeMove runs first (to drop other caches pages are made from), then
// cached pages go stale.
func (c *Cache) Refresh(ctx context.Context, q VersionReader, beforeMove func()) error {
	var v int64
	if err := q.QueryRow(ctx, `SELECT version FROM content_version WHERE id = 1`).Scan(&v); err != nil {
		return err
	}
	if c.db.Load() != v {
		if beforeMove != nil {
			beforeMove()
		}
		c.db.Store(v)
	}
	return nil
}
