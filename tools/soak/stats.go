package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// A kind of request the load makes; each is reported on its own.
const (
	kPage     = "page"     // home, archives, search: anonymous
	kArticle  = "article"  // an article with its comments: anonymous
	kThread   = "thread"   // a comment's thread page: anonymous
	kTag      = "tag"      // a tag page: anonymous
	kFeed     = "feed"     // the site's, a tag's, the comments' feeds
	kSigned   = "signed"   // pages for a signed-in reader
	kComment  = "comment"  // posting a comment or a reply
	kVote     = "vote"     // voting on a comment
	kDash     = "admin"    // the dashboard and the moderation queue
	kSave     = "save"     // saving an article in the editor
	kUpload   = "upload"   // uploading a picture to the media library
	kOutWrite = "outwrite" // a write attempted while the database is away
)

var kindOrder = []string{kPage, kArticle, kThread, kTag, kFeed, kSigned, kComment, kVote, kDash, kSave, kUpload}

// window gathers the requests of one reporting interval.
type window struct {
	lat      map[string][]time.Duration
	requests int
	errors   int // transport errors and answers the kind should never get
	status5  int
	byStatus map[int]int
	samples  []string // a few of the errors, to show what went wrong
}

func newWindow() *window {
	return &window{lat: map[string][]time.Duration{}, byStatus: map[int]int{}}
}

// collector is shared by every load goroutine.
type collector struct {
	mu    sync.Mutex
	cur   *window
	total *window
	// Answers outside a fault's span (all of them without a fault).
	outside5xx, outsideErrors int
}

func newCollector() *collector { return &collector{cur: newWindow(), total: newWindow()} }

// add records one request. bad says it is an error for its kind.
func (c *collector) add(kind string, status int, d time.Duration, bad, inFault bool, what string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !inFault {
		if status >= 500 {
			c.outside5xx++
		}
		if bad {
			c.outsideErrors++
		}
	}
	for _, w := range []*window{c.cur, c.total} {
		w.requests++
		w.lat[kind] = append(w.lat[kind], d)
		w.byStatus[status]++
		if status >= 500 {
			w.status5++
		}
		if bad {
			w.errors++
			if len(w.samples) < 5 {
				w.samples = append(w.samples, what)
			}
		}
	}
}

// cut ends the current window and starts the next.
func (c *collector) cut() *window {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.cur
	c.cur = newWindow()
	return w
}

func pct(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := int(float64(len(s)) * p / 100)
	return s[min(len(s)-1, i)]
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000)
}

// server is what is read of the server process at a point in time.
type server struct {
	rssMB      float64
	goroutines int
	fds        int
}

// minute is one printed interval.
type minute struct {
	n     int
	at    time.Duration // since the start of the load
	srv   server
	w     *window
	rate  float64
	fault bool // the database was away during some of it
}

func (m minute) line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "min %2d  rss %6.1f MB  goroutines %4d  fds %4d  requests %6d (%4.0f/s)  errors %d  5xx %d\n",
		m.n, m.srv.rssMB, m.srv.goroutines, m.srv.fds, m.w.requests, m.rate, m.w.errors, m.w.status5)
	b.WriteString("        p50/p99 ms:")
	for _, k := range kindOrder {
		if l := m.w.lat[k]; len(l) > 0 {
			fmt.Fprintf(&b, " %s %s/%s", k, ms(pct(l, 50)), ms(pct(l, 99)))
		}
	}
	if l := m.w.lat[kOutWrite]; len(l) > 0 {
		fmt.Fprintf(&b, " %s %s/%s", kOutWrite, ms(pct(l, 50)), ms(pct(l, 99)))
	}
	if m.fault {
		b.WriteString("\n        (the database was away during this minute: judged with the outage below)")
	}
	for _, s := range m.w.samples {
		fmt.Fprintf(&b, "\n        ! %s", s)
	}
	return b.String()
}

func statusList(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		name := fmt.Sprint(k)
		if k == 0 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s: %d", name, m[k]))
	}
	return strings.Join(parts, ", ")
}
