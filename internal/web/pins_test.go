package web_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"byline/internal/db"
	"byline/internal/dbtest"
)

// An editor pins an older article: it leads the home page (cached or not)
// until it is unpinned; a writer who may publish only their own may not.
func TestPinnedArticleLeadsTheHomePage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, _, m := magazineSite(t, d)
		lead := regexp.MustCompile(`<h2 class="lead-headline"><a href="[^"]*">([^<]*)</a>`)
		leadOfHome := func() string {
			_, home := anonGet(t, srv.URL+"/", nil)
			match := lead.FindStringSubmatch(home)
			if match == nil {
				t.Fatal("the home page has no lead story")
			}
			return match[1]
		}
		newest := leadOfHome()
		if newest == m.lead.Headline {
			t.Fatal("the test needs an older article than the newest")
		}
		page := fmt.Sprintf("/admin/articles/%d", m.lead.ID)

		author := signedIn(t, newBrowser(t, srv), m.author.Email) // publishes their own, pins nothing
		author.expect(author.get(page), 200)
		if regexp.MustCompile(`value="pin"`).MatchString(author.last) {
			t.Fatal("an author is offered to pin")
		}
		author.expect(author.post(page, url.Values{"action": {"pin"}}), 403)

		editor := signedIn(t, newBrowser(t, srv), m.editor.Email)
		editor.expect(editor.get(page), 200, `value="pin"`)
		editor.expect(editor.post(page, url.Values{"action": {"pin"}}), 303)
		editor.expect(editor.get(page), 200, "Pinned: it leads the home page", `value="unpin"`)
		if got := leadOfHome(); got != m.lead.Headline {
			t.Fatalf("the home page leads with %q, not the pinned article", got)
		}
		// Once: not again further down the list.
		_, home := anonGet(t, srv.URL+"/", nil)
		if i := strings.Index(home, `<h2 class="section-title">`); i < 0 || strings.Contains(home[i:strings.Index(home, "</main>")], ">"+m.lead.Headline+"<") {
			t.Fatal("the pinned article shows again in the list below the lead")
		}
		editor.expect(editor.post(page, url.Values{"action": {"unpin"}}), 303)
		if got := leadOfHome(); got != newest {
			t.Fatalf("after unpinning the home page leads with %q, not the newest %q", got, newest)
		}
	})
}
