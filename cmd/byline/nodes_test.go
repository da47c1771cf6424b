package main

import (
	"bufio"

	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"

	"strings"
	"testing"
	"time"

	"byline/internal/dbtest"
	"byline/internal/demo"
)

// TestTwoNodes runs two servers on one PostgreSQL database and checks they
// behave as one site: a session made on one works on the other, and a
// comment or a vote on node 1 reaches node 2's cached page and its live
// updates (within a second on an idle machine: the time is logged, and
// the test waits generously, as a busy machine is slow, not broken).
func TestTwoNodes(t *testing.T) {
	dsn := dbtest.PostgresSchema(t)
	node1, stop1 := startServe(t, "--demo", "--database", dsn)
	defer stop1()
	node2, stop2 := startServe(t, "--database", dsn)
	defer stop2()
	article := "/2012/04/05/infiniti-to-move-production-out-of-japan/"

	// Node 2 caches the page for anonymous readers.
	get := func(base string) string {
		resp, err := http.Get(base + article)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	page := get(node2)
	get(node2)
	id := regexp.MustCompile(`data-article="(\d+)"`).FindStringSubmatch(page)[1]

	// A reader on node 2 listens for live updates.
	stream, err := http.Get(node2 + "/comments/live?article=" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	events := make(chan string, 10)
	subscribed := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stream.Body)
		first := true
		for sc.Scan() {
			if first { // the stream's opening line: node 2 listens
				close(subscribed)
				first = false
			}
			if strings.HasPrefix(sc.Text(), "event: ") {
				events <- sc.Text()
			}
		}
	}()
	select {
	case <-subscribed:
	case <-time.After(2 * time.Minute):
		t.Fatal("the live stream sent nothing")
	}

	// Sign in on node 1; the session cookie works on node 2.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	form := url.Values{"email": {"jordan.pike@example.com"}, "password": {demo.Password}}
	resp, err := c.PostForm(node1+"/login", form)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign in on node 1: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	u1, _ := url.Parse(node1)
	u2, _ := url.Parse(node2)
	jar.SetCookies(u2, jar.Cookies(u1)) // the same site behind a load balancer
	resp, err = c.Get(node2 + "/account")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "jordan.pike@example.com") {
		t.Fatal("the session from node 1 does not work on node 2")
	}

	// Comment on node 1.
	resp, err = c.PostForm(node1+"/comments", url.Values{"article_id": {id}, "body": {"Posted on node one."}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("comment on node 1: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	posted := time.Now()

	select {
	case e := <-events:
		if e != "event: comment" {
			t.Fatalf("live event on node 2: %q", e)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("node 2's live updates did not hear of the comment")
	}
	t.Logf("node 2's live updates heard of the comment after %v", time.Since(posted))
	for {
		if strings.Contains(get(node2), "Posted on node one.") {
			break
		}
		if time.Since(posted) > 2*time.Minute {
			t.Fatal("node 2's cached page did not show the comment")
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("node 2's cached page showed the comment after %v", time.Since(posted))

	// A vote on node 1 reaches node 2's cached page: it moves the article's
	// version in the database, which node 2 follows.
	score := func(base, id string) string {
		return regexp.MustCompile(`data-score="` + id + `" title="[^"]*"`).FindString(get(base))
	}
	want := ""
	for _, m := range regexp.MustCompile(`data-score="(\d+)"`).FindAllStringSubmatch(get(node2), -1) {
		before := score(node2, m[1])
		resp, err := c.PostForm(node1+"/comments/"+m[1]+"/vote", url.Values{"value": {"-1"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if now := score(node1, m[1]); now != before { // node 1 shows its own vote at once
			want = now
			break
		}
	}
	if want == "" {
		t.Fatal("no comment on the page took Jordan's vote")
	}
	voted := time.Now()
	for !strings.Contains(get(node2), want) {
		if time.Since(voted) > 2*time.Minute {
			t.Fatalf("node 2's cached page did not show the vote (%s)", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("node 2's cached page showed the vote after %v", time.Since(voted))

	// Signing out on node 1 ends the session on node 2, which had it in
	// memory since the /account page.
	resp, err = c.PostForm(node1+"/logout", url.Values{"return_to": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	signedOut := time.Now()
	for {
		req, _ := http.NewRequest("GET", node2+"/account", nil)
		for _, ck := range jar.Cookies(u2) {
			req.AddCookie(ck)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusSeeOther {
			break
		}
		if time.Since(signedOut) > 2*time.Minute {
			t.Fatalf("node 2 still honours a session ended on node 1: %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("node 2 ended the session after %v", time.Since(signedOut))
}
