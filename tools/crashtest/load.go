package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// Kinds of write, in the order of the report.
const (
	kComment   = "comment"
	kReply     = "reply"
	kRepost    = "comment posted again"
	kVote      = "vote"
	kSignUp    = "reader sign-up"
	kNewsSub   = "newsletter sign-up"
	kUnsub     = "unsubscribe"
	kQuote     = "quote request"
	kArticle   = "article create"
	kSave      = "article save"
	outcomeAck = iota
	outcomeUnknown
	outcomeRefused
)

var kinds = []string{kComment, kReply, kRepost, kVote, kSignUp, kNewsSub, kUnsub, kQuote, kArticle, kSave}

// write is one write the load asked for, and what the server said.
type write struct {
	kind    string
	key     string // what finds it in the database: a token, an address, "comment:user:value"
	outcome int
	article int64 // article saves: the article
	seq     int   // article saves: the order of saves on the article
	why     string
}

type ledger struct {
	mu     sync.Mutex
	writes []write
}

func (l *ledger) add(w write) {
	l.mu.Lock()
	l.writes = append(l.writes, w)
	l.mu.Unlock()
}

func (l *ledger) counts() (acked, unknown int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range l.writes {
		switch w.outcome {
		case outcomeAck:
			acked++
		case outcomeUnknown:
			unknown++
		}
	}
	return
}

// load is the clients' shared state.
type load struct {
	base   string
	fx     fixtures
	sink   *sink
	eng    string
	ledger *ledger

	readers []string // session cookies, one per demo reader
	editor  string

	mu     sync.Mutex      // guards the four below
	votes  [][]demoComment // per reader: demo comments left to vote on
	posted []demoComment   // comments the load posted, author the reader's index
	voted  map[[2]int64]bool
	resend map[int]*pending // per client: a comment to post again
	seq    atomic.Int64
	ip     atomic.Int64
}

// signIn signs the demo readers and the editor in once: sessions live in
// the database, so they outlive the kills.
func (l *load) signIn(ctx context.Context) error {
	for i, e := range readerEmails {
		s, err := l.login(ctx, e)
		if err != nil {
			return err
		}
		l.readers = append(l.readers, s)
		var mine []demoComment
		for _, c := range l.fx.comments {
			if c.author != l.fx.readers[i] {
				mine = append(mine, c)
			}
		}
		rand.Shuffle(len(mine), func(a, b int) { mine[a], mine[b] = mine[b], mine[a] })
		l.votes = append(l.votes, mine)
	}
	var err error
	l.editor, err = l.login(ctx, editorEmail)
	return err
}

func (l *load) login(ctx context.Context, email string) (string, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	form := url.Values{"email": {email}, "password": {password}}
	req, _ := http.NewRequestWithContext(ctx, "POST", l.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", l.nextIP())
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	u, _ := url.Parse(l.base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "byline_session" {
			return ck.Value, nil
		}
	}
	return "", fmt.Errorf("signing in %s failed (%d)", email, resp.StatusCode)
}

// nextIP is a new reader address for each request, so the per-address
// limits of sign-ups and quotes do not refuse the load (the server trusts
// 127.0.0.1 as a proxy).
func (l *load) nextIP() string {
	n := l.ip.Add(1)
	return fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255)
}

func (l *load) token(round, client int) string {
	return fmt.Sprintf("ct%s%dr%dc%dn", l.eng[:2], l.seq.Add(1), round, client)
}

type answer struct {
	status   int
	location string
	body     string
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// post sends a form; an error means the answer never came.
func (l *load) post(ctx context.Context, path string, form url.Values, session string, json bool) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", l.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", l.nextIP())
	if json {
		req.Header.Set("Accept", "application/json")
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "byline_session", Value: session})
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return answer{}, err // cut off mid-answer: the outcome is not known
	}
	return answer{resp.StatusCode, resp.Header.Get("Location"), string(b)}, nil
}

// record notes a write with its outcome: acknowledged when ok says the
// answer took it, unknown when no answer came.
func (l *load) record(w write, a answer, err error, ok func(answer) bool) {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return // never reached a server: not a write at all
	case err != nil:
		w.outcome, w.why = outcomeUnknown, err.Error()
	case ok(a):
		w.outcome = outcomeAck
	default:
		w.outcome, w.why = outcomeRefused, fmt.Sprintf("%d %s", a.status, firstLine(a.body))
	}
	l.ledger.add(w)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// commentTaken: shown (the page, at the comment) or held for moderation
// (the form, with a notice); a redirect to sign in would be neither.
func commentTaken(a answer) bool {
	return a.status == http.StatusSeeOther && (strings.Contains(a.location, "#comment-") || strings.HasSuffix(a.location, "#respond"))
}

// pending is a comment whose answer never came.
type pending struct {
	key  string
	form url.Values
}

func (l *load) keepUnanswered(client int, p *pending) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.resend == nil {
		l.resend = map[int]*pending{}
	}
	l.resend[client] = p
}

func (l *load) unanswered(client int) *pending {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.resend[client]
	delete(l.resend, client)
	return p
}

// redirectTo is an acknowledgement: a 303 to a path starting with prefix.
func redirectTo(prefix string) func(answer) bool {
	return func(a answer) bool { return a.status == http.StatusSeeOther && strings.HasPrefix(a.location, prefix) }
}

// client writes until ctx ends: a random mix of every kind of write.
func (l *load) client(ctx context.Context, round, c int, rng *rand.Rand) {
	reader := c % len(l.readers)
	var art *editorArticle
	for ctx.Err() == nil {
		// A comment whose answer never came is posted again, as its
		// writer would on seeing the site back: it must not appear twice.
		if p := l.unanswered(c); p != nil {
			a, err := l.post(ctx, "/comments", p.form, l.readers[reader], false)
			l.record(write{kind: kRepost, key: p.key}, a, err, commentTaken)
			if err != nil {
				l.keepUnanswered(c, p)
			}
			continue
		}
		switch n := rng.IntN(100); {
		case n < 25:
			l.comment(ctx, round, c, reader, rng, demoComment{})
		case n < 35:
			l.comment(ctx, round, c, reader, rng, l.fx.comments[rng.IntN(len(l.fx.comments))])
		case n < 50:
			l.vote(ctx, reader, rng)
		case n < 58:
			tok := l.token(round, c)
			form := url.Values{"email": {tok + "@readers.crash.example"}, "display_name": {"Reader " + tok}, "country": {"US"},
				"password": {"crash-test-password-" + tok}}
			a, err := l.post(ctx, "/register", form, "", false)
			l.record(write{kind: kSignUp, key: tok + "@readers.crash.example"}, a, err, redirectTo("/login"))
		case n < 68:
			tok := l.token(round, c)
			form := url.Values{"email": {tok + "@news.crash.example"}, "frequency": {"weekly"}, "return_to": {"/"}}
			a, err := l.post(ctx, "/newsletter", form, "", false)
			l.record(write{kind: kNewsSub, key: tok + "@news.crash.example"}, a, err, redirectTo("/"))
		case n < 75:
			if t, ok := l.sink.takeToken(); ok {
				a, err := l.post(ctx, "/newsletter/unsubscribe?t="+t, url.Values{"List-Unsubscribe": {"One-Click"}}, "", false)
				l.record(write{kind: kUnsub, key: t}, a, err, func(a answer) bool { return a.status == 200 })
			}
		case n < 85:
			tok := l.token(round, c)
			form := url.Values{"make": {fmt.Sprint(l.fx.make_)}, "model": {fmt.Sprint(l.fx.model)}, "year": {fmt.Sprint(l.fx.year)},
				"postal": {"10001"}, "first_name": {"Quinn"}, "last_name": {tok}, "email": {tok + "@shoppers.crash.example"},
				"timeframe": {"month"}, "consent": {"1"}}
			a, err := l.post(ctx, "/cars/quote", form, "", false)
			l.record(write{kind: kQuote, key: tok}, a, err, redirectTo("/cars/quote/thanks?"))
		default:
			if art == nil || art.id == 0 {
				art = l.createArticle(ctx, round, c)
			} else {
				l.saveArticle(ctx, round, c, art)
			}
		}
	}
}

func (l *load) comment(ctx context.Context, round, c, reader int, rng *rand.Rand, parent demoComment) {
	tok := l.token(round, c)
	kind := kComment
	form := url.Values{"article_id": {fmt.Sprint(l.fx.articles[rng.IntN(len(l.fx.articles))])},
		"body": {"A comment from the crash test, " + tok + ", about the article."}}
	if parent.id != 0 {
		kind = kReply
		form.Set("parent_id", fmt.Sprint(parent.id))
		form.Set("article_id", fmt.Sprint(parent.article))
	}
	a, err := l.post(ctx, "/comments", form, l.readers[reader], false)
	l.record(write{kind: kind, key: tok}, a, err, commentTaken)
	if err != nil && !errors.Is(err, syscall.ECONNREFUSED) {
		l.keepUnanswered(c, &pending{key: tok, form: form})
	}
	if m := commentAnchor.FindStringSubmatch(a.location); err == nil && m != nil {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		l.mu.Lock()
		l.posted = append(l.posted, demoComment{id: id, author: int64(reader)})
		l.mu.Unlock()
	}
}

var commentAnchor = regexp.MustCompile(`#comment-(\d+)$`)

// voteTarget is a comment reader has not voted on and did not write: a
// demo comment while there are some, then one the load posted.
func (l *load) voteTarget(reader int, rng *rand.Rand) (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.voted == nil {
		l.voted = map[[2]int64]bool{}
	}
	if q := l.votes[reader]; len(q) > 0 {
		l.votes[reader] = q[1:]
		l.voted[[2]int64{q[0].id, int64(reader)}] = true
		return q[0].id, true
	}
	for range 10 {
		if len(l.posted) == 0 {
			return 0, false
		}
		c := l.posted[rng.IntN(len(l.posted))]
		key := [2]int64{c.id, int64(reader)}
		if c.author != int64(reader) && !l.voted[key] {
			l.voted[key] = true
			return c.id, true
		}
	}
	return 0, false
}

func (l *load) vote(ctx context.Context, reader int, rng *rand.Rand) {
	target, ok := l.voteTarget(reader, rng)
	if !ok {
		return
	}
	value := 1
	if rng.IntN(3) == 0 {
		value = -1
	}
	a, err := l.post(ctx, fmt.Sprintf("/comments/%d/vote", target), url.Values{"value": {fmt.Sprint(value)}}, l.readers[reader], true)
	l.record(write{kind: kVote, key: fmt.Sprintf("%d:%d:%d", target, l.fx.readers[reader], value)}, a, err,
		func(a answer) bool { return a.status == 200 })
}

// editorArticle is a draft one client writes, save after save.
type editorArticle struct {
	id       int64
	headline string
	version  int
	seq      int
}

type savedReply struct {
	ID      int64 `json:"id"`
	Version int   `json:"version"`
}

func (l *load) createArticle(ctx context.Context, round, c int) *editorArticle {
	tok := l.token(round, c)
	headline := "Crash test draft " + tok
	form := url.Values{"headline": {headline}, "body": {"First text of " + tok + "."}, "excerpt": {""}, "tags": {""}}
	a, err := l.post(ctx, "/admin/articles", form, l.editor, true)
	var r savedReply
	l.record(write{kind: kArticle, key: tok}, a, err, func(a answer) bool {
		return a.status == http.StatusCreated && json.Unmarshal([]byte(a.body), &r) == nil && r.ID > 0
	})
	if err != nil || r.ID == 0 {
		return nil
	}
	return &editorArticle{id: r.ID, headline: headline, version: r.Version}
}

// saveArticle saves new text over the version last seen; after a save
// whose answer never came, the refusal as stale tells the version now.
func (l *load) saveArticle(ctx context.Context, round, c int, art *editorArticle) {
	tok := l.token(round, c)
	art.seq++
	form := url.Values{"headline": {art.headline}, "body": {"Saved text " + tok + "."}, "excerpt": {""}, "tags": {""},
		"version": {fmt.Sprint(art.version)}, "action": {"save"}}
	a, err := l.post(ctx, fmt.Sprintf("/admin/articles/%d", art.id), form, l.editor, true)
	var r savedReply
	w := write{kind: kSave, key: tok, article: art.id, seq: art.seq}
	l.record(w, a, err, func(a answer) bool {
		return a.status == 200 && json.Unmarshal([]byte(a.body), &r) == nil && r.Version > 0
	})
	switch {
	case err == nil && a.status == 200 && r.Version > 0:
		art.version = r.Version
	case err == nil && a.status == http.StatusConflict:
		if json.Unmarshal([]byte(a.body), &r) == nil && r.Version > 0 {
			art.version = r.Version
		}
	}
}
