package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/html"
)

const password = "motorledger-demo"

// The demo's people (see the README): the commenters wrote its comments.
var (
	admin      = "helen.marsh@motorledger.example"
	reader     = "jordan.pike@example.com"
	commenters = []string{"dale.whitcomb@example.com", "nadia.forsythe@example.com", "owen.castellano@example.com", "beatriz.lindqvist@example.com"}
)

// client is one person's browser: a cookie jar, no redirects followed, and
// the headers a browser sends with a form of the site's own pages.
type client struct {
	base string
	c    *http.Client
}

func newClient(base string, timeout time.Duration) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New fails only with bad options
	}
	return &client{base: base, c: &http.Client{Jar: jar, Timeout: timeout,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: false},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// answer is what a request brought back.
type answer struct {
	status     int
	body       string
	location   string
	retryAfter string
	d          time.Duration
	err        error
}

func (c *client) do(ctx context.Context, method, path string, form url.Values) answer {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return answer{err: err}
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", c.base)
	}
	return c.send(req)
}

// send makes a request and reads the answer.
func (c *client) send(req *http.Request) answer {
	start := time.Now()
	resp, err := c.c.Do(req)
	if err != nil {
		return answer{err: err, d: time.Since(start)}
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	a := answer{status: resp.StatusCode, body: string(b), location: resp.Header.Get("Location"),
		retryAfter: resp.Header.Get("Retry-After"), d: time.Since(start), err: err}
	return a
}

func (c *client) signIn(ctx context.Context, email string) error {
	a := c.do(ctx, "POST", "/login", url.Values{"email": {email}, "password": {password}, "return_to": {"/"}})
	if a.err != nil {
		return a.err
	}
	if a.status != http.StatusSeeOther {
		return fmt.Errorf("sign in as %s: status %d", email, a.status)
	}
	return nil
}

// site is what the load knows of the site: addresses found by reading it.
type site struct {
	articles, tags, threads []string
	articleIDs              []int64
	adminArticles           []string

	mu       sync.Mutex
	comments []int64 // comment ids to reply to and vote on; grows with the load
}

func (s *site) comment(r *rand.Rand) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.comments) == 0 {
		return 0
	}
	return s.comments[r.IntN(len(s.comments))]
}

func (s *site) addComment(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.comments) < 5000 {
		s.comments = append(s.comments, id)
	}
}

var (
	articleLink = regexp.MustCompile(`href="(/\d{4}/\d{2}/\d{2}/[a-z0-9-]+/)"`)
	tagLink     = regexp.MustCompile(`href="(/tag/[a-z0-9-]+/)"`)
	commentLink = regexp.MustCompile(`/comments/(\d+)/`)
	threadLink  = regexp.MustCompile(`/comments/(\d+)/thread`)
	articleID   = regexp.MustCompile(`name="article_id" value="(\d+)"`)
	adminLink   = regexp.MustCompile(`href="(/admin/articles/\d+)"`)
	commentFrag = regexp.MustCompile(`#comment-(\d+)`)
)

func uniq(ss []string) []string {
	slices.Sort(ss)
	return slices.Compact(ss)
}

// discover reads the home page, the articles it links and the admin's list
// of articles, for addresses to load.
func discover(ctx context.Context, anon, adm *client) (*site, error) {
	s := &site{}
	home := anon.do(ctx, "GET", "/", nil)
	if home.err != nil || home.status != 200 {
		return nil, fmt.Errorf("home page: %d %v", home.status, home.err)
	}
	for _, m := range articleLink.FindAllStringSubmatch(home.body, -1) {
		s.articles = append(s.articles, m[1])
	}
	for _, m := range tagLink.FindAllStringSubmatch(home.body, -1) {
		s.tags = append(s.tags, m[1])
	}
	s.articles = uniq(s.articles)
	var threads []string
	for _, p := range s.articles {
		a := adm.do(ctx, "GET", p, nil) // signed in: the page carries the comment form
		if a.err != nil || a.status != 200 {
			return nil, fmt.Errorf("article %s: %d %v", p, a.status, a.err)
		}
		if m := articleID.FindStringSubmatch(a.body); m != nil {
			var id int64
			fmt.Sscan(m[1], &id)
			s.articleIDs = append(s.articleIDs, id)
		}
		for _, m := range commentLink.FindAllStringSubmatch(a.body, -1) {
			var id int64
			fmt.Sscan(m[1], &id)
			s.comments = append(s.comments, id)
		}
		for _, m := range threadLink.FindAllStringSubmatch(a.body, -1) {
			threads = append(threads, "/comments/"+m[1]+"/thread")
		}
		for _, m := range tagLink.FindAllStringSubmatch(a.body, -1) {
			s.tags = append(s.tags, m[1])
		}
	}
	s.tags = uniq(s.tags)
	slices.Sort(s.comments)
	s.comments = slices.Compact(s.comments)
	// A reply's thread address leads to its thread's first comment.
	for _, id := range s.comments {
		p := fmt.Sprintf("/comments/%d/thread", id)
		a := anon.do(ctx, "GET", p, nil)
		switch {
		case a.err != nil:
			return nil, a.err
		case a.status == http.StatusOK:
			threads = append(threads, p)
		case a.status == http.StatusMovedPermanently:
			threads = append(threads, strings.SplitN(a.location, "#", 2)[0])
		}
	}
	s.threads = uniq(threads)
	s.articleIDs = slices.Compact(s.articleIDs)
	list := adm.do(ctx, "GET", "/admin/articles", nil)
	if list.err != nil || list.status != 200 {
		return nil, fmt.Errorf("admin articles: %d %v", list.status, list.err)
	}
	for _, m := range adminLink.FindAllStringSubmatch(list.body, -1) {
		s.adminArticles = append(s.adminArticles, m[1])
	}
	s.adminArticles = uniq(s.adminArticles)
	switch {
	case len(s.articles) == 0 || len(s.tags) == 0 || len(s.threads) == 0 || len(s.articleIDs) == 0 || len(s.adminArticles) == 0:
		return nil, fmt.Errorf("found too little to load: %d articles, %d tags, %d threads, %d article ids, %d admin articles",
			len(s.articles), len(s.tags), len(s.threads), len(s.articleIDs), len(s.adminArticles))
	}
	return s, nil
}

// load is the running load: the site, the collector and what the fault
// controller says.
type load struct {
	base  string
	site  *site
	col   *collector
	runID string

	// The fault's span (Unix nanoseconds): from the database going away to
	// the site answering again; to is 0 while it lasts.
	faultFrom, faultTo atomic.Int64
	faultW             *window // requests while fault is on
	faultMu            sync.Mutex
	first              struct {
		sync.Once
		body, retry string
	}

	seq   atomic.Int64
	ackMu sync.Mutex
	acked []string // bodies of comments the site said it took
}

// record judges and records one answer. ok are the statuses the kind may
// get; while the database is away 503 is right for anything.
func (l *load) record(kind, what string, a answer, ok ...int) {
	status := a.status
	bad := a.err != nil || !slices.Contains(ok, status)
	k := kind
	inFault := l.inFault(a)
	if inFault {
		if status == http.StatusServiceUnavailable {
			bad = a.retryAfter == ""
			l.first.Do(func() { l.first.body, l.first.retry = heading(a.body), a.retryAfter })
		}
		if kind == kComment || kind == kVote || kind == kSave || kind == kUpload {
			k = kOutWrite
		}
		l.faultMu.Lock()
		l.faultW.requests++
		l.faultW.byStatus[status]++
		l.faultW.lat[k] = append(l.faultW.lat[k], a.d)
		if bad {
			l.faultW.errors++
			if len(l.faultW.samples) < 5 {
				l.faultW.samples = append(l.faultW.samples, describe(kind, what, a))
			}
		}
		l.faultMu.Unlock()
	}
	l.col.add(k, status, a.d, bad, inFault, describe(kind, what, a))
}

// inFault says whether a request overlapped the fault.
func (l *load) inFault(a answer) bool {
	from := l.faultFrom.Load()
	if from == 0 {
		return false
	}
	end := time.Now().UnixNano()
	to := l.faultTo.Load()
	return end >= from && (to == 0 || end-int64(a.d) <= to)
}

// overlaps says whether the span from-to overlaps the fault, with a second
// either side.
func (l *load) overlaps(from, to time.Time) bool {
	f := l.faultFrom.Load()
	if f == 0 {
		return false
	}
	t := l.faultTo.Load()
	if t == 0 {
		t = time.Now().UnixNano()
	}
	return to.UnixNano() >= f-int64(time.Second) && from.UnixNano() <= t+int64(time.Second)
}

func describe(kind, what string, a answer) string {
	if a.err != nil {
		return fmt.Sprintf("%s %s: %v", kind, what, a.err)
	}
	return fmt.Sprintf("%s %s: %d %s", kind, what, a.status, heading(a.body))
}

// heading is a page's <h1>, or the start of its text.
func heading(body string) string {
	if i := strings.Index(body, "<h1"); i >= 0 {
		rest := body[i:]
		if j := strings.Index(rest, ">"); j >= 0 {
			rest = rest[j+1:]
			if k := strings.Index(rest, "</h1>"); k >= 0 {
				return strings.TrimSpace(rest[:k])
			}
		}
	}
	return strings.TrimSpace(body[:min(len(body), 80)])
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// pause waits d, or less if ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// anonymous reads pages as a reader without an account.
func (l *load) anonymous(ctx context.Context, seed uint64, think time.Duration) {
	r := rand.New(rand.NewPCG(seed, 1))
	c := newClient(l.base, 15*time.Second)
	feeds := []string{"/feed/", "/feed/atom/", "/comments/feed/"}
	for ctx.Err() == nil {
		var kind, path string
		switch n := r.IntN(20); {
		case n < 3:
			kind, path = kPage, pick(r, []string{"/", "/", "/2012/", "/search?q=engine"})
		case n < 10:
			kind, path = kArticle, pick(r, l.site.articles)
		case n < 13:
			kind, path = kThread, pick(r, l.site.threads)
		case n < 16:
			kind, path = kTag, pick(r, l.site.tags)
		case n < 18:
			kind, path = kFeed, pick(r, feeds)
		default:
			kind, path = kFeed, pick(r, l.site.tags)+"feed/"
		}
		a := c.do(ctx, "GET", path, nil)
		if ctx.Err() != nil {
			return
		}
		l.record(kind, path, a, 200)
		pause(ctx, think)
	}
}

// signedIn reads pages as a signed-in reader.
func (l *load) signedIn(ctx context.Context, c *client, seed uint64, think time.Duration) {
	r := rand.New(rand.NewPCG(seed, 2))
	for ctx.Err() == nil {
		path := pick(r, l.site.articles)
		switch r.IntN(6) {
		case 0:
			path = "/account"
		case 1:
			path = pick(r, l.site.threads)
		case 2:
			path = "/"
		}
		a := c.do(ctx, "GET", path, nil)
		if ctx.Err() != nil {
			return
		}
		l.record(kSigned, path, a, 200)
		pause(ctx, think)
	}
}

// commenter posts a comment or a reply every gap (under the site's limit
// of comments a minute for one person) and votes in between.
func (l *load) commenter(ctx context.Context, c *client, seed uint64, gap time.Duration) {
	r := rand.New(rand.NewPCG(seed, 3))
	next := time.Now().Add(time.Duration(r.Int64N(int64(gap))))
	for ctx.Err() == nil {
		if time.Now().After(next) {
			next = time.Now().Add(gap)
			l.postComment(ctx, c, r)
			continue
		}
		id := l.site.comment(r)
		if id != 0 {
			path := fmt.Sprintf("/comments/%d/vote", id)
			a := c.do(ctx, "POST", path, url.Values{"value": {pick(r, []string{"1", "-1", "0"})}})
			if ctx.Err() != nil {
				return
			}
			// 400: their own comment, which nobody may vote on.
			l.record(kVote, path, a, 303, 200, 400)
		}
		pause(ctx, 500*time.Millisecond+time.Duration(r.IntN(1000))*time.Millisecond)
	}
}

func (l *load) postComment(ctx context.Context, c *client, r *rand.Rand) {
	n := l.seq.Add(1)
	body := fmt.Sprintf("Soak %s comment %d: the long-term test car's fuel figures held up over the winter.", l.runID, n)
	form := url.Values{"article_id": {fmt.Sprint(pick(r, l.site.articleIDs))}, "body": {body}}
	a := c.do(ctx, "POST", "/comments", form)
	if ctx.Err() != nil {
		return
	}
	l.record(kComment, "/comments", a, 303)
	if a.err == nil && a.status == http.StatusSeeOther && !strings.HasPrefix(a.location, "/login") {
		l.ackMu.Lock()
		l.acked = append(l.acked, body)
		l.ackMu.Unlock()
		if m := commentFrag.FindStringSubmatch(a.location); m != nil {
			var id int64
			fmt.Sscan(m[1], &id)
			l.site.addComment(id)
		}
	}
}

// replier answers comments on their reply pages: the form there carries
// the article and the parent.
func (l *load) replier(ctx context.Context, c *client, seed uint64, gap time.Duration) {
	r := rand.New(rand.NewPCG(seed, 4))
	pause(ctx, time.Duration(r.Int64N(int64(gap))))
	for ctx.Err() == nil {
		id := l.site.comment(r)
		path := fmt.Sprintf("/comments/%d/reply", id)
		page := c.do(ctx, "GET", path, nil)
		if ctx.Err() != nil {
			return
		}
		l.record(kSigned, path, page, 200)
		if m := articleID.FindStringSubmatch(page.body); page.status == 200 && m != nil {
			n := l.seq.Add(1)
			body := fmt.Sprintf("Soak %s reply %d: agreed, though the tyres made the difference.", l.runID, n)
			a := c.do(ctx, "POST", "/comments", url.Values{"article_id": {m[1]}, "parent_id": {fmt.Sprint(id)}, "body": {body}})
			if ctx.Err() != nil {
				return
			}
			l.record(kComment, "/comments (reply)", a, 303)
			if a.err == nil && a.status == http.StatusSeeOther && !strings.HasPrefix(a.location, "/login") {
				l.ackMu.Lock()
				l.acked = append(l.acked, body)
				l.ackMu.Unlock()
				if m := commentFrag.FindStringSubmatch(a.location); m != nil {
					var nid int64
					fmt.Sscan(m[1], &nid)
					l.site.addComment(nid)
				}
			}
		}
		pause(ctx, gap)
	}
}

// administrator opens the dashboard and the moderation queue, and saves an
// article now and then.
func (l *load) administrator(ctx context.Context, c *client, seed uint64, saveEvery time.Duration) {
	r := rand.New(rand.NewPCG(seed, 5))
	nextSave := time.Now().Add(saveEvery / 2)
	for ctx.Err() == nil {
		if time.Now().After(nextSave) {
			nextSave = time.Now().Add(saveEvery)
			l.saveArticle(ctx, c, pick(r, l.site.adminArticles))
			continue
		}
		path := pick(r, []string{"/admin", "/admin/comments", "/admin/articles"})
		a := c.do(ctx, "GET", path, nil)
		if ctx.Err() != nil {
			return
		}
		l.record(kDash, path, a, 200)
		pause(ctx, 2*time.Second)
	}
}

const soakEdit = "\n\nUpdated with readers' figures."

// saveArticle opens an article in the editor and saves it with one line
// added or taken away, sending every field of the form as a browser would.
func (l *load) saveArticle(ctx context.Context, c *client, path string) int {
	page := c.do(ctx, "GET", path, nil)
	if ctx.Err() != nil {
		return 0
	}
	l.record(kDash, path, page, 200)
	if page.status != 200 {
		return page.status
	}
	form, err := formValues(page.body, path)
	if err != nil {
		l.record(kSave, path, answer{err: err}, 303)
		return 0
	}
	body := strings.ReplaceAll(form.Get("body"), "\r\n", "\n")
	if strings.HasSuffix(body, soakEdit) {
		body = strings.TrimSuffix(body, soakEdit)
	} else {
		body += soakEdit
	}
	form.Set("body", body)
	form.Set("action", "save")
	a := c.do(ctx, "POST", path, form)
	if ctx.Err() != nil {
		return 0
	}
	l.record(kSave, path, a, 303)
	return a.status
}

// formValues reads the fields of the form posting to action, as a browser
// would send them (checked boxes, selected options, text areas).
func formValues(page, action string) (url.Values, error) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil, err
	}
	attr := func(n *html.Node, k string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val, true
			}
		}
		return "", false
	}
	var form *html.Node
	var find func(*html.Node)
	find = func(n *html.Node) {
		if form != nil {
			return
		}
		if n.Type == html.ElementNode && n.Data == "form" {
			if a, _ := attr(n, "action"); a == action {
				form = n
				return
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			find(ch)
		}
	}
	find(doc)
	if form == nil {
		return nil, errors.New("no editor form on " + action)
	}
	v := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name, named := attr(n, "name")
			_, disabled := attr(n, "disabled")
			if named && !disabled {
				switch n.Data {
				case "input":
					typ, _ := attr(n, "type")
					val, _ := attr(n, "value")
					_, checked := attr(n, "checked")
					switch typ {
					case "submit", "button", "file", "image", "reset":
					case "checkbox", "radio":
						if checked {
							if val == "" {
								val = "on"
							}
							v.Add(name, val)
						}
					default:
						v.Add(name, val)
					}
				case "textarea":
					var b strings.Builder
					for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
						if ch.Type == html.TextNode {
							b.WriteString(ch.Data)
						}
					}
					v.Add(name, b.String())
				case "select":
					var first string
					var chosen []string
					seen := false
					var opts func(*html.Node)
					opts = func(o *html.Node) {
						if o.Type == html.ElementNode && o.Data == "option" {
							val, ok := attr(o, "value")
							if !ok && o.FirstChild != nil {
								val = o.FirstChild.Data
							}
							if !seen {
								first, seen = val, true
							}
							if _, sel := attr(o, "selected"); sel {
								chosen = append(chosen, val)
							}
						}
						for ch := o.FirstChild; ch != nil; ch = ch.NextSibling {
							opts(ch)
						}
					}
					opts(n)
					_, multiple := attr(n, "multiple")
					if len(chosen) == 0 && !multiple && seen {
						chosen = []string{first}
					}
					for _, c := range chosen {
						v.Add(name, c)
					}
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(form)
	return v, nil
}
