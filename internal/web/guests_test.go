package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/dbtest"
)

// Guests' comments (imported from another site) show the guest's name,
// linked to the web address they gave with rel="nofollow ugc", and a drawn
// picture; their e-mail is never on a public page, in the API or in a feed,
// while moderators see it with the IP. Nobody but moderators changes a
// guest's comment, and a guest cannot be paused.
func TestGuestComments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		srv, ts, m := serveMagazine(t, d)
		at := leadDate.Add(2 * time.Hour)
		res, err := ts.comments.Import(ctx, []comment.Imported{
			{Source: "wordpress:old.test", ExternalID: "11", ArticleID: m.lead.ID, Guest: comment.Author{Name: "Ann Guest", Email: "ann.secret@hidden.test", URL: "https://ann.example/"},
				BodyHTML: "An <b>old</b> comment\n\nwith two paragraphs<script>alert(1)</script>", Status: comment.StatusVisible, IP: "198.51.100.9", At: at},
			{Source: "wordpress:old.test", ExternalID: "12", ParentExternalID: "11", ArticleID: m.lead.ID, Guest: comment.Author{Name: "Bob <Guest>", Email: "bob.secret@hidden.test"},
				BodyHTML: `<p>A reply from Bob, see <a href="https://bob.example/x">this</a></p>`, Status: comment.StatusVisible, IP: "203.0.113.4", At: at.Add(time.Hour)},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil || !r.Added {
				t.Fatalf("import: %+v", res)
			}
		}
		ann, bob := fmt.Sprint(res[0].ID), fmt.Sprint(res[1].ID)
		ts.refresh(t)
		secret := func(where, body string) {
			t.Helper()
			for _, s := range []string{"hidden.test", "ann.secret", "bob.secret", "198.51.100.9", "203.0.113.4", "<script>alert"} {
				if strings.Contains(body, s) {
					t.Errorf("%s shows %q", where, s)
				}
			}
		}

		anon := newBrowser(t, srv)
		anon.expect(anon.get(m.leadPath), 200,
			`<a id="comment-`+ann+`-by" class="comment-author guest" href="https://ann.example/" rel="nofollow ugc">Ann Guest</a>`,
			`<span id="comment-`+bob+`-by" class="comment-author guest">Bob &lt;Guest&gt;</span>`,
			`src="/avatar/~`, "<p>An <b>old</b> comment</p>", `<a href="https://bob.example/x" rel="nofollow ugc">this</a>`)
		secret("the article page", anon.last)
		for _, path := range []string{"/comments/" + bob, "/comments/" + ann + "/thread", "/", "/comments/feed/", "/comments/feed/atom/",
			m.leadPath + "feed/", fmt.Sprintf("/api/v1/articles/%d/comments", m.lead.ID), "/api/v1/comments/" + bob} {
			resp := anon.get(path)
			if resp.StatusCode == 301 || resp.StatusCode == 302 || resp.StatusCode == 303 {
				anon.expect(anon.get(resp.Header.Get("Location")), 200)
			} else {
				anon.expect(resp, 200)
			}
			if !strings.Contains(anon.last, "Ann Guest") && !strings.Contains(anon.last, "Bob") {
				t.Errorf("%s does not name the guests", path)
			}
			secret(path, anon.last)
		}
		// The guest's picture is drawn from a hash: the same for the same
		// guest, another for another.
		anon.expect(anon.get(m.leadPath), 200)
		avatars := regexp.MustCompile(`src="(/avatar/~[0-9a-f]{32})"`).FindAllStringSubmatch(anon.last, -1)
		if len(avatars) != 2 || avatars[0][1] == avatars[1][1] {
			t.Fatalf("guests' pictures: %v", avatars)
		}
		anon.expect(anon.get(avatars[0][1]), 200, "<svg")
		anon.expect(anon.get("/avatar/~not-a-key"), 404)
		anon.expect(anon.get("/api/v1/comments/"+ann), 200, `"name":"Ann Guest","url":"https://ann.example/","guest":true`, `"id":0,"slug":""`)
		anon.expect(anon.get("/comments/feed/atom/"), 200, "<name>Ann Guest</name>", "<uri>https://ann.example/</uri>")

		// A member replies to a guest, may vote on the comment, may not
		// edit it.
		member := signedIn(t, newBrowser(t, srv), m.reader.Email)
		member.expect(member.post("/comments", url.Values{"article_id": {fmt.Sprint(m.lead.ID)}, "parent_id": {ann}, "body": {"Welcome back, Ann."}}), 303)
		member.expect(member.get("/comments/"+ann+"/edit"), 400)
		member.expect(member.post("/comments/"+ann+"/edit", url.Values{"body": {"Not mine to change"}}), 404)
		member.expect(member.get(m.leadPath), 200, "Welcome back, Ann.", `action="/comments/`+ann+`/vote"`)
		secret("a member's view", member.last)
		// The cached page redrawn for the member is the page rendered for
		// them in full: guests' comments carry no votes or tools of theirs.
		member.expect(member.get(m.leadPath), 200)
		hits := ts.cache.Stats().Hits
		member.expect(member.get(m.leadPath), 200)
		if ts.cache.Stats().Hits == hits {
			t.Fatal("the member's page did not come from the cache")
		}
		h, _ := newSiteWithCache(t, ts, false)
		req := httptest.NewRequest("GET", m.leadPath, nil)
		for _, c := range member.c.Jar.Cookies(mustURL(srv.URL)) {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Body.String() != member.last {
			t.Fatalf("overlay differs from the full render:\n%s", firstDiff(member.last, rec.Body.String()))
		}

		mod := signedIn(t, newBrowser(t, srv), m.moderator.Email)
		mod.expect(mod.get("/admin/comments?queue=all"), 200, "ann.secret@hidden.test", "198.51.100.9", "bob.secret@hidden.test", "(guest)")
		mod.expect(mod.get("/admin/comments/"+ann), 200, "ann.secret@hidden.test", "198.51.100.9", `href="https://ann.example/" rel="nofollow ugc"`)
		if strings.Contains(mod.last, "ban-heading") {
			t.Error("a guest's comment offers to pause the guest")
		}
		mod.expect(mod.post("/admin/comments/"+ann+"/ban", url.Values{"id": {ann}, "days": {"7"}}), 400)
		mod.expect(mod.post("/admin/comments/"+ann+"/edit", url.Values{"body": {"Tidied by a moderator"}}), 303)
		ts.refresh(t)
		anon.expect(anon.get(m.leadPath), 200, "Tidied by a moderator")
	})
}
