package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/dbtest/fixture"
)

// A discussion longer than a page: threads fifty a page in each order, a
// thread's later replies on its own page, and a comment's permalink
// leading to the page that shows it, whatever the order.
func TestThreadPagesAndPermalinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, m := serveMagazine(t, d)
		a := m.Published(m.author, "A Discussion Longer Than a Page", leadDate.AddDate(0, 0, 1))
		path := fixture.Path(a, siteZone)
		voices := []account.Person{m.reader, m.commenter, m.replier, m.third, m.fourth}
		const threads = comment.PerPage + 5
		var roots []comment.Comment
		for i := 0; i < threads; i++ {
			roots = append(roots, m.Comment(a, voices[i%len(voices)], fmt.Sprintf("Thread number %d.", i+1), a.PublishedAt.Add(time.Duration(i+1)*time.Minute)))
		}
		// Five replies under the second thread: the article shows the first
		// few, the thread's own page all of them.
		var replies []comment.Comment
		for i := 0; i < 5; i++ {
			replies = append(replies, m.Reply(roots[1], voices[(i+2)%len(voices)], fmt.Sprintf("Reply number %d.", i+1), a.PublishedAt.Add(2*time.Hour+time.Duration(i)*time.Minute)))
		}
		// The last thread is the best liked.
		for _, v := range []account.Person{m.reader, m.commenter, m.replier} {
			m.Vote(roots[threads-1], v, 1)
		}
		shows := func(page string, c comment.Comment) bool {
			return strings.Contains(page, `id="comment-`+strconv.FormatInt(c.ID, 10)+`"`)
		}
		expect := func(what, page string, in, out []comment.Comment) {
			t.Helper()
			for _, c := range in {
				if !shows(page, c) {
					t.Errorf("%s lacks %q", what, c.BodyMD)
				}
			}
			for _, c := range out {
				if shows(page, c) {
					t.Errorf("%s shows %q", what, c.BodyMD)
				}
			}
		}

		// Oldest first: fifty threads, then the rest on page 2.
		_, first := get(t, srv, path)
		if !strings.Contains(first, fmt.Sprintf("%d Comments on", threads+len(replies))) || !strings.Contains(first, `?cpage=2#comments"`) {
			t.Fatalf("page 1: no count or no link to page 2")
		}
		expect("page 1", first, []comment.Comment{roots[0], roots[comment.PerPage-1], replies[0], replies[comment.RepliesShown-1]},
			[]comment.Comment{roots[comment.PerPage], roots[threads-1], replies[comment.RepliesShown]})
		if !strings.Contains(first, "/comments/"+strconv.FormatInt(roots[1].ID, 10)+"/thread") {
			t.Error("page 1 does not lead to the rest of the second thread")
		}
		_, second := get(t, srv, path+"?cpage=2")
		expect("page 2", second, roots[comment.PerPage:], []comment.Comment{roots[0], roots[comment.PerPage-1]})
		_, whole := get(t, srv, "/comments/"+strconv.FormatInt(roots[1].ID, 10)+"/thread")
		expect("the thread's page", whole, append([]comment.Comment{roots[1]}, replies...), []comment.Comment{roots[0], roots[2]})

		// Newest first and best first: the same threads, other pages.
		_, newest := get(t, srv, path+"?csort=newest")
		expect("newest, page 1", newest, []comment.Comment{roots[threads-1], roots[threads-comment.PerPage]}, roots[:threads-comment.PerPage])
		_, best := get(t, srv, path+"?csort=best")
		expect("best, page 1", best, append([]comment.Comment{roots[threads-1]}, roots[:comment.PerPage-1]...), roots[comment.PerPage-1:threads-1])
		if i, j := strings.Index(best, `id="comment-`+strconv.FormatInt(roots[threads-1].ID, 10)+`"`), strings.Index(best, `id="comment-`+strconv.FormatInt(roots[0].ID, 10)+`"`); i > j {
			t.Error("the best liked thread is not first in the best order")
		}

		// Permalinks lead to the page showing the comment, in the order asked.
		for _, c := range []struct {
			id    int64
			order string
			to    string
		}{
			{roots[0].ID, "", path},
			{roots[comment.PerPage].ID, "", path + "?cpage=2"},
			{replies[comment.RepliesShown-1].ID, "", path},
			{replies[comment.RepliesShown].ID, "", "/comments/" + strconv.FormatInt(roots[1].ID, 10) + "/thread"},
			{roots[0].ID, "newest", path + "?cpage=2"},
			{roots[threads-1].ID, "newest", path},
			{roots[threads-1].ID, "best", path},
			{roots[comment.PerPage-1].ID, "best", path + "?cpage=2"},
		} {
			q := ""
			if c.order != "" {
				q = "?csort=" + c.order
			}
			resp, _ := get(t, srv, "/comments/"+strconv.FormatInt(c.id, 10)+q)
			want := c.to + "#comment-" + strconv.FormatInt(c.id, 10)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
				t.Errorf("permalink of %d (%s): %d to %q, want %q", c.id, c.order, resp.StatusCode, resp.Header.Get("Location"), want)
			}
		}
		if resp, _ := get(t, srv, "/comments/999999"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("permalink of no comment: %d", resp.StatusCode)
		}
	})
}

// A discussion page's comments are drawn once for signed-out readers and
// kept (site.discussionHTML); what they show beyond the comments, the
// staff's badges and the people's names, draws them again when it
// changes (the page cache, which the same changes make stale, renders
// the page again with the kept comments).
func TestKeptDiscussionFollowsBadgesAndNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, ts, m := serveMagazine(t, d)
		ctx := context.Background()
		byCommenter := func(page string) string {
			t.Helper()
			i := strings.Index(page, `id="comment-`+strconv.FormatInt(m.first.ID, 10)+`-by"`)
			if i < 0 {
				t.Fatalf("the page lacks the first comment:\n%s", page)
			}
			return page[i:min(len(page), i+strings.Index(page[i:], "</p>"))]
		}
		_, page := get(t, srv, m.leadPath)
		if by := byCommenter(page); strings.Contains(by, "Moderator") || !strings.Contains(by, "Dan Webb") {
			t.Fatalf("before: %s", by)
		}
		_, again := get(t, srv, m.leadPath)
		if byCommenter(again) != byCommenter(page) {
			t.Fatalf("the same page drawn twice differs: %q and %q", byCommenter(page), byCommenter(again))
		}
		if err := ts.accounts.SetRoles(ctx, m.commenter.ID, []account.Role{account.RoleReader, account.RoleModerator}); err != nil {
			t.Fatal(err)
		}
		ts.refresh(t) // this node hears of the content counter when it next reads it
		_, page = get(t, srv, m.leadPath)
		if by := byCommenter(page); !strings.Contains(by, `<span class="badge">Moderator</span>`) {
			t.Fatalf("a new moderator's comment wears no badge: %s", by)
		}
		if _, err := d.Exec(ctx, `UPDATE users SET display_name = 'Daniel Webb' WHERE id = $1`, m.commenter.ID); err != nil {
			t.Fatal(err)
		}
		ts.refresh(t)
		_, page = get(t, srv, m.leadPath)
		if by := byCommenter(page); !strings.Contains(by, "Daniel Webb") {
			t.Fatalf("a new name is not shown: %s", by)
		}
	})
}

// A discussion page drawn from what was kept is the page drawn afresh:
// the same bytes from a site that drew it before (its kept comments, and
// the comment store's kept page) and from one that never did, in each
// order.
func TestKeptDiscussionIsTheFreshOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		_, ts, m := serveMagazine(t, d)
		kept, _ := newSiteWithCache(t, ts, false)
		fresh := ts
		fresh.comments = comment.NewStore(d) // nothing kept
		drawn, _ := newSiteWithCache(t, fresh, false)
		page := func(h http.Handler, path string) string {
			t.Helper()
			rec := httptestRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: %d", path, rec.Code)
			}
			return rec.Body.String()
		}
		for _, srt := range []string{"oldest", "newest", "best"} {
			path := m.leadPath + "?csort=" + srt
			page(kept, path) // drawn and kept
			again, afresh := page(kept, path), page(drawn, path)
			if !strings.Contains(again, `class="comment level-1"`) {
				t.Fatalf("%s: no reply shown", srt)
			}
			if again != afresh {
				t.Fatalf("%s: the kept page differs from the fresh one: %s", srt, firstDiff(again, afresh))
			}
		}
	})
}
