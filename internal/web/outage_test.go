package web_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/web/core"
)

// dbProxy stands between the site and PostgreSQL, so a test can take the
// database away (connections dropped, new ones refused) and bring it back
// on the same address without touching the server others use.
type dbProxy struct {
	t      *testing.T
	addr   string // where the site connects
	target string // the real server
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newDBProxy(t *testing.T, target string) *dbProxy {
	p := &dbProxy{t: t, target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.stop)
	return p
}

func (p *dbProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // stopped
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[s] = true, true
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

// stop refuses new connections and drops the open ones, as a database
// server going down does.
func (p *dbProxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// start listens again on the same address.
func (p *dbProxy) start() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}

// While the database is away, writes are refused with a 503 page that says
// so and when to come back, a signed-in reader's action is not mistaken for
// a stranger's, cached pages are still read; when it returns, the site
// takes writes again by itself and keeps them.
func TestDatabaseOutage(t *testing.T) {
	ctx := context.Background()
	u, err := url.Parse(dbtest.PostgresSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := newDBProxy(t, u.Host)
	u.Host = proxy.addr
	d, err := db.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if _, err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	srv, ts, m := serveMagazine(t, d)
	token, _, err := ts.accounts.StartSession(ctx, m.commenter.ID, false, "test", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, srv)
	base, _ := url.Parse(srv.URL)
	b.c.Jar.SetCookies(base, []*http.Cookie{{Name: core.SessionCookie, Value: token, Path: "/"}})
	anon := newBrowser(t, srv)
	anon.expect(anon.get(m.leadPath), 200, m.lead.Headline) // now in the page cache

	proxy.stop()
	post := func(body string) *http.Response {
		return b.post("/comments", url.Values{"article_id": {fmt.Sprint(m.lead.ID)}, "body": {body}})
	}
	resp := post("Written while the database is away.")
	b.expect(resp, http.StatusServiceUnavailable, "Back in a moment", "cannot reach its database",
		"What you wrote", ">Written while the database is away.</textarea>")
	if ra := resp.Header.Get("Retry-After"); ra == "" {
		t.Fatal("a 503 without Retry-After")
	}
	// Not "Not allowed": the session could not be read, which is not the
	// same as having none.
	b.expect(b.post(fmt.Sprintf("/comments/%d/vote", m.fourthC.ID), url.Values{"value": {"1"}}), http.StatusServiceUnavailable, "Back in a moment")
	anon.expect(anon.get(m.leadPath), 200, m.lead.Headline)
	// The JSON API says the same, in its own words.
	resp = anon.get("/api/v1/articles")
	anon.expect(resp, http.StatusServiceUnavailable, `"code":"unavailable"`)
	if resp.Header.Get("Retry-After") == "" {
		t.Fatal("the API's 503 has no Retry-After")
	}

	proxy.start()
	const kept = "Written once the database is back."
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp := post(kept)
		if resp.StatusCode == http.StatusSeeOther {
			break
		}
		if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("after the database came back: %d\n%.400s", resp.StatusCode, b.last)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var n int
	if err := d.QueryRow(ctx, `SELECT count(*) FROM comments WHERE body_md = $1`, kept).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the acknowledged comment: %d stored, %v", n, err)
	}
	if err := d.QueryRow(ctx, `SELECT count(*) FROM comments WHERE body_md LIKE 'Written while%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the refused comment: %d stored, %v", n, err)
	}
	b.expect(b.get("/account"), 200)
}
