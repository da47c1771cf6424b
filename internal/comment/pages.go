package comment

import (
	"container/list"
	"sync"
	"time"
	"unsafe"
)

// pageMemo keeps the discussion pages Thread has read, each with the
// versions it was read under (see Versions), so a page is read from the
// database again only once its discussion, or a name it shows, changed.
//
// A page cache entry goes stale on any change to the site, because every
// page shows the site-wide Recent Comments box: on a busy site each
// comment posted anywhere made the next reader of a 10,000-comment
// article read its 200 shown comments again, four fifths of that page's
// render. With the memo, that render reads two counters instead.
//
// Pages handed out are shared: callers read them and never change them.
type pageMemo struct {
	mu    sync.Mutex
	pages map[pageKey]*list.Element // of *memoPage
	lru   list.List                 // front: most recently used
	size  int
	max   int
}

type pageKey struct {
	article int64
	sort    Sort
	n       int
}

// Versions are what a discussion page depends on: its article's
// discussion version, moved by every change to its comments but votes;
// its article's version, moved by votes (article_versions); and the
// people counter, moved when an account's shown name or address changes.
// All are moved by triggers, in the changing transaction, whoever writes.
type Versions struct{ Discussion, Votes, People int64 }

type memoPage struct {
	key    pageKey
	ver    Versions
	page   Page
	size   int
	expiry time.Time
}

// memoAge is how long a page is kept at most, as the page cache keeps
// one: should the counters ever come back to the same values over other
// content (a backup restored over a live site loads the source's
// counters), a page is not handed out for longer than a cached page
// would be.
const memoAge = time.Minute

// entryOverhead is what an entry costs besides its page: the entry, its
// list element and map slot.
const entryOverhead = 256

// memoBytes bounds the memo: about a hundred pages of a large discussion
// (200 comments each), or thousands of small ones.
const memoBytes = 16 << 20

func (m *pageMemo) get(k pageKey, ver Versions, now time.Time) (Page, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.pages[k]
	if !ok {
		return Page{}, false
	}
	e := el.Value.(*memoPage)
	if e.ver != ver || !now.Before(e.expiry) {
		return Page{}, false
	}
	m.lru.MoveToFront(el)
	return e.page, true
}

// put keeps p, read under ver. It replaces the page kept, whatever its
// versions: a page is never older than the versions it was read under,
// and counters can go back (a restore).
func (m *pageMemo) put(k pageKey, ver Versions, p Page, now time.Time) {
	size := pageSize(p)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pages == nil {
		m.pages = map[pageKey]*list.Element{}
		m.max = memoBytes
	}
	if size > m.max/8 {
		return
	}
	expiry := now.Add(memoAge)
	if el, ok := m.pages[k]; ok {
		e := el.Value.(*memoPage)
		m.size += size - e.size
		e.ver, e.page, e.size, e.expiry = ver, p, size, expiry
		m.lru.MoveToFront(el)
	} else {
		m.pages[k] = m.lru.PushFront(&memoPage{key: k, ver: ver, page: p, size: size, expiry: expiry})
		m.size += size
	}
	for m.size > m.max {
		last := m.lru.Back()
		e := last.Value.(*memoPage)
		m.lru.Remove(last)
		delete(m.pages, e.key)
		m.size -= e.size
	}
}

// pageSize is about what p holds in memory.
func pageSize(p Page) int {
	n := entryOverhead + int(unsafe.Sizeof(p)) + len(p.Hidden)*48 + (cap(p.Comments)-len(p.Comments))*int(unsafe.Sizeof(Comment{}))
	for _, c := range p.Comments {
		n += int(unsafe.Sizeof(c)) + len(c.BodyHTML) + len(c.BodyMD) + len(c.Author.Name) + len(c.Author.Slug) +
			len(c.Author.Email) + len(c.Author.URL) + len(c.ParentAuthor) + len(c.IP)
	}
	return n
}

// forget drops every page, so the next reads go to the database.
func (m *pageMemo) forget() {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.pages)
	m.lru.Init()
	m.size = 0
}
