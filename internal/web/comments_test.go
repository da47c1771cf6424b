package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/dbtest/fixture"
)

// signedIn signs b in as a person a fixture made.
func signedIn(t *testing.T, b *browser, email string) *browser {
	t.Helper()
	b.expect(b.post("/login", url.Values{"email": {email}, "password": {fixture.Password}}), 303)
	return b
}

// articleID reads the id of the article at path from its comment form.
func articleID(t *testing.T, b *browser, path string) string {
	t.Helper()
	b.expect(b.get(path), 200)
	m := regexp.MustCompile(`name="article_id" value="(\d+)"`).FindStringSubmatch(b.last)
	if m == nil {
		t.Fatal("no comment form on the article")
	}
	return m[1]
}

var commentIDRe = regexp.MustCompile(`#comment-(\d+)$`)

func TestCommenting(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, ts, m := magazineSite(t, d)
		b := signedIn(t, newBrowser(t, srv), m.reader.Email)
		art := articleID(t, b, m.leadPath)

		// Post, then reply three deep.
		resp := b.post("/comments", url.Values{"article_id": {art}, "body": {"A *fresh* comment from Jordan."}})
		b.expect(resp, 303)
		first := commentIDRe.FindStringSubmatch(resp.Header.Get("Location"))
		if first == nil {
			t.Fatalf("redirect after posting: %s", resp.Header.Get("Location"))
		}
		b.expect(b.get(m.leadPath), 200, "5 Comments on", "A <em>fresh</em> comment from Jordan.", "Your comment is posted.", `id="comment-`+first[1]+`"`)
		parent := first[1]
		for i := 0; i < 3; i++ {
			resp = b.post("/comments", url.Values{"article_id": {art}, "parent_id": {parent}, "body": {"Reply level " + string(rune('1'+i))}})
			b.expect(resp, 303)
			parent = commentIDRe.FindStringSubmatch(resp.Header.Get("Location"))[1]
		}
		b.expect(b.get(m.leadPath), 200, "8 Comments on", "Reply level 3")
		if n := strings.Count(b.last, `class="comment-list children"`); n < 5 {
			t.Fatalf("replies not nested: %d child lists", n)
		}
		b.expect(b.get("/"), 200, m.reader.DisplayName+"</strong> on <cite>", "Reply level 3</span>")

		// Bad input: a clear message, the text kept, nothing stored.
		b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {"   "}}), 422, "write something first")
		long := strings.Repeat("word ", 2001)
		b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {long}}), 422, "at most 10000 characters", "word word word")
		b.expect(b.post("/comments", url.Values{"article_id": {art}, "parent_id": {"999999"}, "body": {"orphan"}}), 422, "only reply to a comment that is shown")
		// Markup alone sanitises to nothing: refused, and the typed text kept.
		b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {"<script>alert(1)</script>"}}), 422, "nothing would be left to show", "&lt;script&gt;alert(1)&lt;/script&gt;")
		b.expect(b.post("/comments", url.Values{"article_id": {art}, "parent_id": {first[1]}, "body": {"<img src=x onerror=alert(1)>"}}), 422, "nothing would be left to show")
		b.expect(b.post("/comments", url.Values{"article_id": {"999999"}, "body": {"where"}}), 404)
		// Double submission: the first comment, not a second one.
		resp = b.post("/comments", url.Values{"article_id": {art}, "body": {"A *fresh* comment from Jordan."}})
		if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "#comment-"+first[1]) {
			t.Fatalf("double submission went to %s", loc)
		}
		b.expect(b.get(m.leadPath), 200, "8 Comments on", "You had already posted that comment")

		// A script in a comment never reaches the page as markup.
		resp = b.post("/comments", url.Values{"article_id": {art}, "body": {`Look: <script>alert("x")</script> <img src=x onerror=alert(1)> [click](javascript:alert(1))`}})
		b.expect(resp, 303)
		b.expect(b.get(m.leadPath), 200)
		if strings.Contains(b.last, `<script>alert`) || strings.Contains(b.last, "onerror=alert") || strings.Contains(b.last, `href="javascript:`) {
			t.Fatal("markup from a comment reached the page")
		}

		// Votes: not on one's own, JSON for scripts, 404 for a missing comment.
		b.expect(b.post("/comments/"+first[1]+"/vote", url.Values{"value": {"1"}}), 400, "your own comment")
		b.expect(b.post("/comments/999999/vote", url.Values{"value": {"1"}}), 404)
		other := signedIn(t, newBrowser(t, srv), m.commenter.Email)
		req, _ := http.NewRequest("POST", srv.URL+"/comments/"+first[1]+"/vote", strings.NewReader("value=1"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Accept", "application/json")
		other.expect(other.do(req), 200)
		var vote struct{ Score, Vote int }
		if err := json.Unmarshal([]byte(other.last), &vote); err != nil || vote.Score != 1 || vote.Vote != 1 {
			t.Fatalf("vote answer %s", other.last)
		}
		other.expect(other.get(m.leadPath), 200, `value="0"><button type="submit" class="vote-up voted" aria-pressed="true"`)

		// Edit within the window; nobody else may.
		other.expect(other.get("/comments/"+first[1]+"/edit"), 400)
		b.expect(b.get("/comments/"+first[1]+"/edit"), 200, "Edit your comment", "A *fresh* comment from Jordan.")
		b.expect(b.post("/comments/"+first[1]+"/edit", url.Values{"body": {"An edited comment."}}), 303)
		b.expect(b.get(m.leadPath), 200, "An edited comment.", "(edited)")

		// A cross-site post is refused; so is a post with no one signed in.
		req, _ = http.NewRequest("POST", srv.URL+"/comments", strings.NewReader("article_id="+art+"&body=forged"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		b.expect(b.do(req), 403)
		anon := newBrowser(t, srv)
		anon.expect(anon.post("/comments", url.Values{"article_id": {art}, "body": {"anonymous"}}), 403)
		anon.expect(anon.get("/comments/"+first[1]+"/reply"), 200, `action="/comments/hold"`, "Sign in to post")

		// A paused commenter and a closed article get a clear message, text kept.
		p, _ := ts.accounts.Find(context.Background(), m.commenter.Email)
		ts.comments.Ban(context.Background(), p.ID, 0, timeIn(24))
		other.expect(other.post("/comments", url.Values{"article_id": {art}, "body": {"Paused words"}}), 422, "paused", "Paused words")
		ts.db.Exec(context.Background(), `UPDATE articles SET comments_closed = true WHERE id = $1`, art)
		b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {"Too late now"}}), 422, "closed", "Too late now")

		// Deleting leaves a placeholder under which replies stay.
		b.expect(b.post("/comments/"+first[1]+"/delete", nil), 303)
		b.expect(b.get(m.leadPath), 200, "[deleted]", "Reply level 1")
	})
}

func TestModeration(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, ts, m := magazineSite(t, d)
		// Hold every comment, then let a moderator approve one.
		holdAll(t, ts)
		b := signedIn(t, newBrowser(t, srv), m.reader.Email)
		art := articleID(t, b, m.leadPath)
		b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {"Please approve me"}}), 303)
		b.expect(b.get(m.leadPath), 200, "waits for a moderator", "4 Comments on")
		b.expect(b.get("/admin/comments"), 403)

		mod := signedIn(t, newBrowser(t, srv), m.moderator.Email)
		mod.expect(mod.get("/admin/comments"), 200, "Please approve me", "Pending (1)")
		id := regexp.MustCompile(`name="id" value="(\d+)"`).FindStringSubmatch(mod.last)[1]
		mod.expect(mod.post("/admin/comments", url.Values{"id": {id}, "action": {"approve"}}), 303)
		b.expect(b.get(m.leadPath), 200, "5 Comments on", "Please approve me")
		mod.expect(mod.get("/admin/comments/"+id), 200, "approve by "+m.moderator.DisplayName, "posted by "+m.reader.DisplayName)
		mod.expect(mod.post("/admin/comments", url.Values{"id": {id}, "action": {"trash"}}), 303)
		b.expect(b.get(m.leadPath), 200, "4 Comments on")
		if strings.Contains(b.last, "Please approve me") {
			t.Fatal("a trashed comment is still shown")
		}
		mod.expect(mod.post("/admin/comments", url.Values{"id": {id}, "action": {"explode"}}), 400)
		mod.expect(mod.post("/admin/comments", url.Values{"action": {"approve"}}), 400)
	})
}

// A reply held for a moderator tells the parent's author when it is
// approved, and only once however often it is held and approved again.
func TestHeldReplyNotifiesOnApproval(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, smtp, ts, m := magazineSite(t, d)
		holdAll(t, ts)
		commenter := signedIn(t, newBrowser(t, srv), m.commenter.Email)
		commenter.expect(commenter.post("/account/notifications", url.Values{"replies": {"1"}}), 303)
		commenter.expect(commenter.get(m.leadPath), 200)
		firstComment := regexp.MustCompile(`id="comment-(\d+)"`).FindStringSubmatch(commenter.last)[1]

		reader := signedIn(t, newBrowser(t, srv), m.reader.Email)
		reader.expect(reader.post("/comments", url.Values{"article_id": {articleID(t, reader, m.leadPath)}, "parent_id": {firstComment}, "body": {"Held, then shown."}}), 303)
		settleOutbox(t, ts, smtp)
		if n := len(realMails(smtp)); n != 0 {
			t.Fatalf("%d mails for a reply nobody can read yet", n)
		}
		mod := signedIn(t, newBrowser(t, srv), m.moderator.Email)
		mod.expect(mod.get("/admin/comments"), 200, "Held, then shown.")
		id := regexp.MustCompile(`name="id" value="(\d+)"`).FindStringSubmatch(mod.last)[1]
		mod.expect(mod.post("/admin/comments", url.Values{"id": {id}, "action": {"approve"}}), 303)
		msg := waitReal(t, smtp, 1)[0]
		if msg.To[0] != m.commenter.Email || !strings.Contains(msg.Text, "Held, then shown.") || !strings.Contains(msg.Text, "/comments/"+id) {
			t.Fatalf("notification: %s\n%s", msg.Subject, msg.Text)
		}
		mod.expect(mod.post("/admin/comments", url.Values{"id": {id}, "action": {"hold"}}), 303)
		mod.expect(mod.post("/admin/comments", url.Values{"id": {id}, "action": {"approve"}}), 303)
		settleOutbox(t, ts, smtp)
		if n := len(realMails(smtp)); n != 1 {
			t.Fatalf("%d mails after approving twice", n)
		}
	})
}

// holdAll makes every new comment wait for a moderator.
func holdAll(t *testing.T, ts testSite) {
	t.Helper()
	st, err := ts.settings.Stored(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	st.HoldAll = true
	if err := ts.settings.Save(context.Background(), st); err != nil {
		t.Fatal(err)
	}
}

func TestLiveUpdates(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, _, _, m := magazineSite(t, d)
	b := signedIn(t, newBrowser(t, srv), m.reader.Email)
	art := articleID(t, b, m.leadPath)
	// A reader's page listens...
	req, _ := http.NewRequest("GET", srv.URL+"/comments/live?article="+art, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("stream headers %v", resp.Header)
	}
	lines := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				lines <- string(buf[:n])
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	<-lines // the retry line: subscribed
	// ...someone comments, and the page hears of it at once.
	b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {"Live and direct."}}), 303)
	deadline := time.After(5 * time.Second)
	got := ""
	for !strings.Contains(got, "event: comment") {
		select {
		case l := <-lines:
			got += l
		case <-deadline:
			t.Fatalf("no live event; got %q", got)
		}
	}
	if !strings.Contains(got, `"author":"`+m.reader.DisplayName+`"`) {
		t.Fatalf("event %q", got)
	}
	b.expect(b.get("/comments/live?article=999999"), 404)
	b.expect(b.get("/comments/live"), 400)
}

func TestReplyNotifications(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, smtp, ts, m := magazineSite(t, d)
		commenter := signedIn(t, newBrowser(t, srv), m.commenter.Email)
		commenter.expect(commenter.post("/account/notifications", url.Values{"replies": {"1"}}), 303)
		commenter.expect(commenter.get("/account"), 200, `id="n-replies" type="checkbox" name="replies" value="1" checked`)
		// The commenter's comment is the first of the thread.
		commenter.expect(commenter.get(m.leadPath), 200)
		firstComment := regexp.MustCompile(`id="comment-(\d+)"`).FindStringSubmatch(commenter.last)[1]

		reader := signedIn(t, newBrowser(t, srv), m.reader.Email)
		art := articleID(t, reader, m.leadPath)
		reader.expect(reader.post("/comments", url.Values{"article_id": {art}, "parent_id": {firstComment}, "body": {"Fair point about the lineup."}}), 303)
		msgs := smtp.Wait(t, 1, time.Minute)
		msg := msgs[0]
		if msg.To[0] != m.commenter.Email || !strings.Contains(msg.Subject, m.reader.DisplayName+" replied") || !strings.Contains(msg.Text, "Fair point about the lineup.") {
			t.Fatalf("notification: %s\n%s", msg.Subject, msg.Text)
		}
		if msg.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Fatalf("headers %v", msg.Header)
		}
		unsub := strings.Trim(msg.Header.Get("List-Unsubscribe"), "<>")
		// A mail program's one-click POST: no browser headers, no session.
		resp, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("one-click unsubscribe: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
		commenter.expect(commenter.get("/account"), 200)
		if strings.Contains(commenter.last, `name="replies" value="1" checked`) {
			t.Fatal("still subscribed after unsubscribing")
		}
		reader.expect(reader.post("/comments", url.Values{"article_id": {art}, "parent_id": {firstComment}, "body": {"One more thought."}}), 303)
		settleOutbox(t, ts, smtp)
		if n := len(realMails(smtp)); n != 1 {
			t.Fatalf("%d mails after unsubscribing", n)
		}
		// A forged link changes nothing and says so.
		resp, _ = http.Post(srv.URL+"/notifications/unsubscribe?u=1&t=forged", "application/x-www-form-urlencoded", nil)
		if resp.StatusCode != 400 {
			t.Fatalf("forged unsubscribe: %d", resp.StatusCode)
		}
	})
}

// The comment box: preview without posting, messages where the reader is,
// vote arrows for anonymous readers, a delete that asks first and lands
// where the comment was, and open pages that hear of edits and removals.
func TestCommentBox(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, _, _, m := magazineSite(t, d)
	b := signedIn(t, newBrowser(t, srv), m.reader.Email)
	art := articleID(t, b, m.leadPath)
	// The form lands the reader on itself when it comes back with a message.
	b.expect(b.get(m.leadPath), 200, `action="/comments#comment-form"`, `data-max="10000"`)
	if strings.Contains(b.last, `maxlength="10000"`) {
		t.Fatal("the comment box cuts text silently at the limit")
	}

	// Preview: the rendered text, the typed text kept, nothing stored.
	b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {"A **bold** claim."}, "preview": {"1"}}), 200,
		`<p class="preview-label">Preview</p><div class="comment-text"><p>A <strong>bold</strong> claim.</p>`, "A **bold** claim.</textarea>", "4 Comments on")
	b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {"<script>x</script>"}, "preview": {"1"}}), 422, "nothing would be left")
	b.expect(b.post("/comments/preview", url.Values{"body": {"*hi*"}}), 200, `"html":"\u003cp\u003e\u003cem\u003ehi\u003c/em\u003e`)
	b.expect(b.post("/comments/preview", url.Values{"body": {""}}), 422, "write something first")

	// A refused comment comes back with the message by the box, announced.
	b.expect(b.post("/comments", url.Values{"article_id": {art}, "body": {" "}}), 422,
		`<p class="field-error" id="comment-body-error" role="alert">write something first</p>`, `aria-invalid="true" autofocus`)

	// Anonymous readers see arrows that sign them in and bring them back.
	anon := newBrowser(t, srv)
	anon.expect(anon.get(m.leadPath), 200, `<a class="vote-up" href="/login?return_to=%2Fcomments%2F`, "Sign in to vote down")

	// Listen as an open page does.
	events := listen(t, srv, art)

	// Post, edit and delete: each reaches open pages.
	resp := b.post("/comments", url.Values{"article_id": {art}, "body": {"Soon edited."}})
	b.expect(resp, 303)
	id := commentIDRe.FindStringSubmatch(resp.Header.Get("Location"))[1]
	b.expect(b.get(m.leadPath), 200, `<details class="confirm-delete"><summary>Delete</summary>`, "Delete this comment for good?")
	b.expect(b.post("/comments/"+id+"/edit", url.Values{"body": {"Edited <b>now</b>."}, "preview": {"1"}}), 200, "Preview", "Edited &lt;b&gt;now&lt;/b&gt;.</textarea>")
	b.expect(b.post("/comments/"+id+"/edit", url.Values{"body": {"Edited now."}}), 303)
	events.wait(t, `event: changed`, `"id":`+id+`,"shown":true`)

	// A reply, deleted, lands on its parent with the notice.
	resp = b.post("/comments", url.Values{"article_id": {art}, "parent_id": {id}, "body": {"A reply to go."}})
	b.expect(resp, 303)
	reply := commentIDRe.FindStringSubmatch(resp.Header.Get("Location"))[1]
	resp = b.post("/comments/"+reply+"/delete", nil)
	b.expect(resp, 303)
	if loc := resp.Header.Get("Location"); !strings.HasSuffix(loc, "#comment-"+id) {
		t.Fatalf("after deleting a reply the page lands at %q, want its parent", loc)
	}
	events.wait(t, `"id":`+reply+`,"shown":false`)
	b.expect(b.get(m.leadPath), 200, "Your comment is deleted")

	// A moderator's hold takes it away from open pages.
	mod := signedIn(t, newBrowser(t, srv), m.moderator.Email)
	mod.expect(mod.post("/admin/comments", url.Values{"id": {id}, "action": {"hold"}}), 303)
	events.wait(t, `"id":`+id+`,"shown":false`)
}

// liveEvents collects what an article's live stream sends.
type liveEvents struct {
	mu  sync.Mutex
	got strings.Builder
}

func listen(t *testing.T, srv *httptest.Server, art string) *liveEvents {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/comments/live?article="+art, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	ev := &liveEvents{}
	first := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		once := sync.Once{}
		for {
			n, err := resp.Body.Read(buf)
			ev.mu.Lock()
			ev.got.Write(buf[:n])
			ev.mu.Unlock()
			once.Do(func() { close(first) })
			if err != nil {
				return
			}
		}
	}()
	<-first // the retry line: subscribed
	return ev
}

// wait polls until everything in want has arrived, with a generous deadline.
func (ev *liveEvents) wait(t *testing.T, want ...string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ev.mu.Lock()
		got := ev.got.String()
		ev.mu.Unlock()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(got, w)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("live stream lacks %q; got:\n%s", want, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The moderation queue as a WordPress moderator expects it: the first
// queue with something waiting opens, reports name their reasons and
// reporters, search by text, author and article, one-click steps on each
// row, messages that count, and the same steps on the public page.
func TestModerationQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, _, m := magazineSite(t, d)
		reader := signedIn(t, newBrowser(t, srv), m.reader.Email)
		art := articleID(t, reader, m.leadPath)
		resp := reader.post("/comments", url.Values{"article_id": {art}, "body": {"Buy cheap watches at my shop"}})
		reader.expect(resp, 303)
		bad := commentIDRe.FindStringSubmatch(resp.Header.Get("Location"))[1]
		commenter := signedIn(t, newBrowser(t, srv), m.commenter.Email)
		commenter.expect(commenter.post("/comments/"+bad+"/report", url.Values{"reason": {"Spam or advertising"}}), 303)

		mod := signedIn(t, newBrowser(t, srv), m.moderator.Email)
		// Nothing pending: the reported queue opens, with who reported and why.
		mod.expect(mod.get("/admin/comments"), 200, `href="/admin/comments?queue=reported" aria-current="page"`,
			"Buy cheap watches", "Spam or advertising <span class=\"muted\">("+m.commenter.DisplayName+")</span>",
			`name="one" value="spam:`+bad+`"`, "Select all")
		// Search by words, by author, by article.
		mod.expect(mod.get("/admin/comments?queue=all&s=WATCHES"), 200, "Buy cheap watches")
		mod.expect(mod.get("/admin/comments?queue=all&s="+url.QueryEscape(m.reader.DisplayName)), 200, "Buy cheap watches")
		mod.expect(mod.get("/admin/comments?queue=all&s=carmaker+watches"), 200, "Buy cheap watches")
		mod.expect(mod.get("/admin/comments?queue=all&s=nothing-like-this"), 200, "Nothing in this queue matches")
		if strings.Contains(mod.last, "Buy cheap watches") {
			t.Fatal("search found a comment that does not match")
		}
		mod.expect(mod.get("/admin/comments?queue=all&s=100%25"), 200)

		// A row's own button acts on that comment alone and says what it did.
		resp = mod.post("/admin/comments", url.Values{"one": {"spam:" + bad}, "id": {"1", "2"}, "return_to": {"/admin/comments?queue=reported"}})
		mod.expect(resp, 303)
		mod.expect(mod.get(resp.Header.Get("Location")), 200, "Comment marked as spam.")
		mod.expect(mod.get("/admin/comments?queue=spam"), 200, "Buy cheap watches")
		mod.expect(mod.get(m.leadPath), 200, "4 Comments on")

		// Bulk steps count what they did.
		ids := regexp.MustCompile(`id="comment-(\d+)"`).FindAllStringSubmatch(mod.last, -1)
		resp = mod.post("/admin/comments", url.Values{"id": {ids[0][1], ids[1][1]}, "action": {"hold"}})
		mod.expect(resp, 303)
		mod.expect(mod.get(resp.Header.Get("Location")), 200, "2 comments held for review.")
		mod.expect(mod.post("/admin/comments", url.Values{"id": {ids[0][1], ids[1][1]}, "action": {"approve"}}), 303)

		// On the article itself: the moderator's steps, and a landing in place.
		mod.expect(mod.get(m.leadPath), 200, `<details class="mod-tools"><summary>Moderate</summary>`)
		reader.expect(reader.get(m.leadPath), 200)
		if strings.Contains(reader.last, "mod-tools") {
			t.Fatal("a reader is offered moderator steps")
		}
		resp = mod.post("/admin/comments", url.Values{"one": {"trash:" + ids[1][1]}, "from": {"page"}})
		mod.expect(resp, 303)
		if loc := resp.Header.Get("Location"); !strings.Contains(loc, "#comment") {
			t.Fatalf("a moderator acting on the page lands at %q", loc)
		}
		mod.expect(mod.get(resp.Header.Get("Location")), 200, "Comment moved to the trash.", "3 Comments on")
		reader.expect(reader.post("/admin/comments", url.Values{"one": {"trash:" + ids[0][1]}, "from": {"page"}}), 403)
	})
}

// Wherever a reply lands in the tree (deeper than the site indents, past
// the replies an article page shows, on a later page), the page the writer
// is sent to shows it.
func TestReplyVisibleWhereWriterLands(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, ts, m := magazineSite(t, d)
		st, err := ts.settings.Stored(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		st.PerMinute = 0 // one writer posts a whole tree here
		if err := ts.settings.Save(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		b := signedIn(t, newBrowser(t, srv), m.reader.Email)
		art := articleID(t, b, m.leadPath)
		post := func(parent, body string) string {
			t.Helper()
			resp := b.post("/comments", url.Values{"article_id": {art}, "parent_id": {parent}, "body": {body}})
			b.expect(resp, 303)
			loc := resp.Header.Get("Location")
			id := commentIDRe.FindStringSubmatch(loc)[1]
			b.expect(b.get(loc), 200, `id="comment-`+id+`"`, body)
			return id
		}
		root := post("0", "A thread to grow")
		// A chain far deeper than the indentation goes.
		parent := root
		for i := 0; i < 8; i++ {
			parent = post(parent, "Deeper "+strconv.Itoa(i))
		}
		// Many answers to the root, then answers to the earliest of them.
		var first string
		for i := 0; i < 5; i++ {
			id := post(root, "Beside "+strconv.Itoa(i))
			if first == "" {
				first = id
			}
		}
		post(first, "Under the first answer")
		// With the newest-first order chosen, and again with the best-first one.
		for _, order := range []string{"newest", "best"} {
			b.expect(b.get(m.leadPath+"?csort="+order), 200)
			post(root, "Answer while sorting by "+order)
			post("0", "New thread while sorting by "+order)
		}
	})
}
