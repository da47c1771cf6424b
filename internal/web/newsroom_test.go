package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestNewsroomWorkflow(t *testing.T) {
	srv, _, ts := newAuthSite(t)
	ctx := context.Background()
	mailTo := func(addr, subject string) bool {
		msgs, _ := ts.outbox.List(ctx, 0, 200)
		for _, m := range msgs {
			if m.To == addr && strings.Contains(m.Subject, subject) {
				return true
			}
		}
		return false
	}
	marcus := signedIn(t, newBrowser(t, srv), "marcus.delaney@motorledger.example") // contributor, moderator
	helen := signedIn(t, newBrowser(t, srv), "helen.marsh@motorledger.example")     // admin, editor
	elliot := signedIn(t, newBrowser(t, srv), "elliot.vance@motorledger.example")   // contributor, author
	ruth := signedIn(t, newBrowser(t, srv), "ruth.okafor@motorledger.example")      // moderator
	jordan := signedIn(t, newBrowser(t, srv), "jordan.pike@example.com")            // reader

	// Who may open the newsroom at all.
	jordan.expect(jordan.get("/admin/articles"), 403)
	ruth.expect(ruth.get("/admin/articles"), 403)
	marcus.expect(marcus.get("/admin/articles"), 200, "You see your own articles.")

	// A contributor writes a draft; a mistake keeps what was typed.
	marcus.expect(marcus.post("/admin/articles", url.Values{"headline": {""}, "body": {"Kept text."}}), 422, "a headline is required", "Kept text.")
	resp := marcus.post("/admin/articles", url.Values{"headline": {"Plant tour notes"}, "body": {"The line runs two shifts."}})
	marcus.expect(resp, 303)
	page := resp.Header.Get("Location")
	marcus.expect(marcus.get(page), 200, "Plant tour notes", "Submit for review", `formtarget="preview"`)
	if strings.Contains(marcus.last, `value="publish"`) {
		t.Fatal("a contributor is offered to publish")
	}

	// Autosave, and two people saving from the same version.
	autosave := func(b *browser, version, body string) *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+page, strings.NewReader(url.Values{"version": {version}, "headline": {"Plant tour notes"}, "body": {body}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		return b.do(req)
	}
	if r := autosave(marcus, "1", "The line runs two shifts. Then three."); r.StatusCode != 200 || !strings.Contains(marcus.last, `"version":2`) {
		t.Fatalf("autosave: %d %s", r.StatusCode, marcus.last)
	}
	if r := autosave(helen, "1", "An editor's older copy."); r.StatusCode != 409 || !strings.Contains(helen.last, "someone else saved") {
		t.Fatalf("stale autosave: %d %s", r.StatusCode, helen.last)
	}
	helen.expect(helen.post(page, url.Values{"version": {"1"}, "headline": {"Stale"}, "body": {"Stale text."}, "action": {"save"}}), 409,
		"someone else saved", "Stale text.")

	// Someone else's draft is not another writer's to open.
	elliot.expect(elliot.get(page), 403)
	// The contributor may not publish, even by posting the button.
	marcus.expect(marcus.post(page, url.Values{"action": {"publish"}}), 403)
	// Submit: the editors hear of it.
	marcus.expect(marcus.post(page, url.Values{"action": {"submit"}}), 303)
	if !mailTo("helen.marsh@motorledger.example", "For review: Plant tour notes") {
		t.Fatal("the editor was not told of the submission")
	}
	helen.expect(helen.get("/admin/articles?status=pending"), 200, "Plant tour notes")
	// Return with a note; the writer hears of it and sees the note.
	helen.expect(helen.post(page, url.Values{"action": {"return"}, "note": {""}}), 422, "say what the writer should change")
	helen.expect(helen.post(page, url.Values{"action": {"return"}, "note": {"Add the plant's output."}}), 303)
	if !mailTo("marcus.delaney@motorledger.example", "Returned to you") {
		t.Fatal("the writer was not told")
	}
	marcus.expect(marcus.get(page), 200, "Add the plant&#39;s output.")
	marcus.expect(marcus.post(page, url.Values{"action": {"submit"}}), 303)
	// The editor previews and publishes; the article is on the home page.
	helen.expect(helen.post("/admin/articles/preview", url.Values{"headline": {"Plant tour notes"}, "body": {"**Bold** claim."}}), 200,
		"<strong>Bold</strong> claim.", "Preview: this is how the article will look")
	helen.expect(helen.post(page, url.Values{"action": {"publish"}}), 303)
	if !mailTo("marcus.delaney@motorledger.example", "Published: Plant tour notes") {
		t.Fatal("the writer was not told of the publication")
	}
	_, home := anonGet(t, srv.URL+"/", nil)
	if !strings.Contains(home, "Plant tour notes") {
		t.Fatal("the published article is not on the home page")
	}
	// Every save of the published article keeps a revision; two compare
	// side by side; one is restored.
	helen.expect(helen.get(page), 200)
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(helen.last)[1]
	helen.expect(helen.post(page, url.Values{"version": {version}, "headline": {"Plant tour: the full notes"}, "slug": {"plant-tour-notes"},
		"body": {"The line runs two shifts. Then three.\n\nOutput: 1,200 cars a day."}, "action": {"save"}}), 303)
	helen.expect(helen.get(page+"/revisions"), 200, "<del># Plant tour notes</del>", "<ins># Plant tour: the full notes</ins>", "Output: 1,200 cars a day.")
	rev := regexp.MustCompile(`name="revision" value="(\d+)"`).FindAllStringSubmatch(helen.last, -1)
	helen.expect(helen.post(page+"/restore", url.Values{"revision": {rev[len(rev)-1][1]}}), 303)
	helen.expect(helen.get(page), 200, "<h1>Plant tour notes</h1>")
	// An author publishes their own; the trash hides an article.
	resp = elliot.post("/admin/articles", url.Values{"headline": {"Author's own"}, "body": {"Mine to publish."}})
	own := resp.Header.Get("Location")
	elliot.expect(elliot.post(own, url.Values{"action": {"publish"}}), 303)
	elliot.expect(elliot.post(own, url.Values{"action": {"trash"}}), 303)
	_, home = anonGet(t, srv.URL+"/", nil)
	if strings.Contains(home, "Author&#39;s own") || strings.Contains(home, "Author's own") {
		t.Fatal("a trashed article is on the home page")
	}
	elliot.expect(elliot.get("/admin/articles?status=trashed"), 200, "Author&#39;s own")
}

// Readings count per article per day, not programs', cached or not; the
// dashboard shows them with its charts.
func TestViewsAndDashboard(t *testing.T) {
	srv, _, ts := newAuthSite(t)
	ts.db.Exec(context.Background(), `DELETE FROM article_views`) // start from none, not the demo's
	for i := 0; i < 3; i++ {
		anonGet(t, srv.URL+infiniti, map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"})
	}
	anonGet(t, srv.URL+infiniti, map[string]string{"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
	anonGet(t, srv.URL+"/", map[string]string{"User-Agent": "Mozilla/5.0"})
	reader := signedIn(t, newBrowser(t, srv), "jordan.pike@example.com")
	reader.c.Transport = uaTransport{"Mozilla/5.0 Safari/605"}
	reader.expect(reader.get(infiniti), 200)
	if err := ts.views.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int
	ts.db.QueryRow(context.Background(), `SELECT COALESCE(sum(views), 0) FROM article_views`).Scan(&n)
	if n != 4 {
		t.Fatalf("%d readings counted, want 4 (3 anonymous, 1 signed in; no bot, no home page)", n)
	}
	helen := signedIn(t, newBrowser(t, srv), "helen.marsh@motorledger.example")
	helen.expect(helen.get("/admin"), 200, "Awaiting review", "Awaiting moderation", "Quote requests not placed", "Next newsletter",
		"Articles published per week", "Comments per day", "Newsletter subscribers over time", "Leads per make per week", `<svg class="chart"`,
		"Most read this week", "Infiniti to Move Production", `<td data-label="Readings">4</td>`)
	// A moderator's dashboard leaves out what is not theirs.
	ruth := signedIn(t, newBrowser(t, srv), "ruth.okafor@motorledger.example")
	ruth.expect(ruth.get("/admin"), 200, "Comments per day")
	if strings.Contains(ruth.last, "Leads per make per week") {
		t.Fatal("a moderator sees the leads chart")
	}
}

type uaTransport struct{ ua string }

func (u uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("User-Agent", u.ua)
	return http.DefaultTransport.RoundTrip(r)
}

func TestMediaLibrary(t *testing.T) {
	srv, _, _ := newAuthSite(t)
	elliot := signedIn(t, newBrowser(t, srv), "elliot.vance@motorledger.example")
	jordan := signedIn(t, newBrowser(t, srv), "jordan.pike@example.com")
	jordan.expect(jordan.get("/admin/media"), 403)

	var png bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 1200, 800))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	encodePNG(&png, img)
	// No alt text: refused, and said why.
	elliot.expect(elliot.uploadWith("/admin/media", "file", "line.png", png.Bytes(), url.Values{"alt": {""}}), 422, "alt text is required")
	elliot.expect(elliot.uploadWith("/admin/media", "file", "broken.png", png.Bytes()[:100], url.Values{"alt": {"Broken"}}), 422, "damaged")
	elliot.expect(elliot.uploadWith("/admin/media", "file", "line.png", png.Bytes(), url.Values{"alt": {"The Smyrna line"}}), 303)
	elliot.expect(elliot.get("/admin/media"), 200, `alt="The Smyrna line"`, `width="320" height="213"`)
	src := regexp.MustCompile(`src="(/media/\d+/thumb-320x213-[0-9a-f]{8}\.png)"`).FindStringSubmatch(elliot.last)
	if src == nil {
		t.Fatalf("no thumbnail in:\n%.2000s", elliot.last)
	}
	resp, body := anonGet(t, srv.URL+src[1], nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(body) < 100 {
		t.Fatalf("serving the thumbnail: %d %v", resp.StatusCode, resp.Header)
	}
	if r, _ := anonGet(t, srv.URL+"/media/1/../../etc/passwd", nil); r.StatusCode == 200 {
		t.Fatalf("a path outside the media: %d", r.StatusCode)
	}
	// A featured image on an article, in its page.
	id := regexp.MustCompile(`action="/admin/media/(\d+)"`).FindStringSubmatch(elliot.last)[1]
	resp = elliot.post("/admin/articles", url.Values{"headline": {"With a picture"}, "body": {"Words."}, "featured": {id}})
	page := resp.Header.Get("Location")
	elliot.expect(elliot.post(page, url.Values{"action": {"publish"}}), 303)
	_, home := anonGet(t, srv.URL+"/", nil)
	link := regexp.MustCompile(`href="(/\d{4}/\d\d/\d\d/with-a-picture/)"`).FindStringSubmatch(home)
	if link == nil {
		t.Fatal("the article is not on the home page")
	}
	_, art := anonGet(t, srv.URL+link[1], nil)
	if !regexp.MustCompile(`<figure class="featured"><img src="/media/` + id + `/large-1200x800-[0-9a-f]{8}\.png" srcset="[^"]+ 1200w, [^"]+ 800w, [^"]+ 320w" sizes="[^"]+" width="1200" height="800" alt="The Smyrna line" fetchpriority="high">`).MatchString(art) {
		t.Fatalf("no featured image on the page")
	}
}

func encodePNG(w io.Writer, img image.Image) { png.Encode(w, img) }

// An article about a model shows on the model's research page.
func TestArticleAboutAModel(t *testing.T) {
	srv, _, _ := newAuthSite(t)
	helen := signedIn(t, newBrowser(t, srv), "helen.marsh@motorledger.example")
	helen.expect(helen.get("/admin/articles/new"), 200, `<option value="Infiniti QX60">`, `<datalist id="tag-list">`)
	resp := helen.post("/admin/articles", url.Values{"headline": {"Driving the QX60 Autograph"}, "body": {"Quiet, roomy, quick enough."},
		"models": {"Infiniti QX60"}, "tags": {"Reviews"}})
	page := resp.Header.Get("Location")
	helen.expect(helen.post(page, url.Values{"action": {"publish"}}), 303)
	// The tags read as typed, in order; the model is also ticked in the list.
	helen.expect(helen.get(page), 200, `<option value="Infiniti QX60" selected>`, `value="Reviews, Infiniti QX60"`)
	_, body := anonGet(t, srv.URL+"/cars/infiniti/qx60/", nil)
	if !strings.Contains(body, "Driving the QX60 Autograph") {
		t.Fatal("the model page does not list the article about it")
	}
}

// Each role tries every step on an article; the permission table is the
// oracle of what must be allowed.
func TestNewsroomPermissions(t *testing.T) {
	srv, _, ts := newAuthSite(t)
	ctx := context.Background()
	people := []string{"helen.marsh@motorledger.example", "marcus.delaney@motorledger.example", "elliot.vance@motorledger.example",
		"ruth.okafor@motorledger.example", "jordan.pike@example.com"}
	// The article is Elliot's, pending review; a fresh one for each try.
	writer := signedIn(t, newBrowser(t, srv), "elliot.vance@motorledger.example")
	n := 0
	fresh := func() string {
		n++
		resp := writer.post("/admin/articles", url.Values{"headline": {fmt.Sprintf("Matrix piece %d", n)}, "body": {"Text."}})
		page := resp.Header.Get("Location")
		writer.expect(writer.post(page, url.Values{"action": {"submit"}}), 303)
		return page
	}
	for _, email := range people {
		p, err := ts.accounts.Find(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		b := signedIn(t, newBrowser(t, srv), email)
		own := email == "elliot.vance@motorledger.example"
		sees := p.Can("write_articles") && (own || p.Can("edit_others") || p.Can("publish"))
		for _, step := range []string{"return", "publish", "trash", "save"} {
			page := fresh()
			form := url.Values{"action": {step}, "note": {"Fix it."}}
			if step == "save" {
				form.Set("headline", "Changed by "+email)
				form.Set("body", "Changed text.")
				form.Set("version", "2") // made, then submitted
			}
			want := 303
			switch {
			case !p.Can("write_articles") && !p.Can("publish"):
				want = 403 // the newsroom is closed to them
			case !sees:
				want = 403
			case step == "return" && !p.Can("publish"):
				want = 403
			case step == "publish" && !(p.Can("publish") || own && p.Can("publish_own")):
				want = 403
			case (step == "trash" || step == "save") && !(p.Can("edit_others") || own && p.Can("publish_own")):
				want = 403 // a pending article is out of a contributor's hands
			}
			resp := b.post(page, form)
			if resp.StatusCode != want {
				t.Errorf("%s %s: %d, want %d", email, step, resp.StatusCode, want)
			}
		}
	}
}
