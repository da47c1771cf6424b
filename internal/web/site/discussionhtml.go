package site

import (
	"hash/fnv"
	"slices"
	"strconv"
	"sync"
	"time"

	"byline/internal/account"
	"byline/internal/comment"
	"byline/internal/pagecache"
)

// discussionHTML keeps the comments of discussion pages as a signed-out
// reader sees them, drawn once for each state of what they show: the page
// as the comment store read it (its versions), the staff's badges, the
// article's author, the site's nesting depth and clock. A change to the
// site elsewhere (a comment on another story, which every page's Recent
// Comments box shows) leaves them as they are, so drawing the story again
// costs a copy of its 200 comments, not their writing: four fifths of that
// page's render once its comments are read from memory.
//
// A drawing is kept for pagecache.MaxAge at most, as cached pages are, and
// for recentAge when it holds a time of the last week ("3 hours ago"), so
// that a page cached from it reads no older than a page drawn then.
type discussionHTML struct {
	mu   sync.Mutex
	m    map[htmlKey]keptHTML
	size int
}

// htmlKey is a discussion page; htmlState what its drawing depends on
// besides. A page is kept once, in its latest state: a vote replaces it
// rather than leave the state before it to fill the memory.
type htmlKey struct {
	article int64
	sort    comment.Sort
	n       int
}

type htmlState struct {
	ver    comment.Versions
	author int64  // the article's author: their comments wear a badge
	badges uint64 // staff.sig
	depth  int    // the site's nesting depth
	loc    *time.Location
}

type keptHTML struct {
	state   htmlState
	html    []byte // never written to once kept
	expires time.Time
}

// recentAge is how long a drawing with a time ago in it is kept.
const recentAge = 10 * time.Second

// keptOverhead is what an entry costs besides its HTML.
const keptOverhead = 256

// discussionHTMLBytes bounds what is kept: a 200-comment page is about
// 300 KB. When full, it starts over rather than track use.
const discussionHTMLBytes = 8 << 20

func (d *discussionHTML) get(k htmlKey, st htmlState, now time.Time) ([]byte, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.m[k]
	if !ok || e.state != st || !now.Before(e.expires) {
		return nil, false
	}
	return e.html, true
}

func (d *discussionHTML) put(k htmlKey, st htmlState, html []byte, expires time.Time) {
	size := cap(html) + keptOverhead
	if size > discussionHTMLBytes/8 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if old, ok := d.m[k]; ok {
		d.size -= cap(old.html) + keptOverhead
	}
	if d.m == nil || d.size+size > discussionHTMLBytes {
		d.m, d.size = map[htmlKey]keptHTML{}, 0
	}
	d.m[k] = keptHTML{state: st, html: html, expires: expires}
	d.size += size
}

// keepFor is until when a page's comments drawn at now stay right: a
// minute, or recentAge when one of them reads as a time ago (or is dated
// ahead of this node's clock, which another node's may be).
func keepFor(page comment.Page, now time.Time) time.Time {
	for _, c := range page.Comments {
		if now.Sub(c.CreatedAt) < recentFor {
			return now.Add(recentAge)
		}
	}
	return now.Add(pagecache.MaxAge)
}

// staff are the people whose comments wear a badge, with a fingerprint of
// who wears which (sig), so that what is drawn with them can name them.
type staff struct {
	roles map[int64][]account.Role
	sig   uint64
}

func newStaff(roles map[int64][]account.Role) staff {
	ids := make([]int64, 0, len(roles))
	for id := range roles {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	h := fnv.New64a()
	var b []byte
	for _, id := range ids {
		b = strconv.AppendInt(b[:0], id, 10)
		for _, r := range roles[id] {
			b = append(append(b, ' '), r...)
		}
		h.Write(append(b, '\n'))
	}
	return staff{roles: roles, sig: h.Sum64()}
}
