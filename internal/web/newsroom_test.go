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

	"byline/internal/db"
	"byline/internal/dbtest"
)

func TestNewsroomWorkflow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, ts, m := magazineSite(t, d)
		ctx := context.Background()
		mailTo := func(addr, subject string) bool {
			msgs, _ := ts.outbox.List(ctx, 0, 200)
			for _, msg := range msgs {
				if msg.To == addr && strings.Contains(msg.Subject, subject) {
					return true
				}
			}
			return false
		}
		contrib := signedIn(t, newBrowser(t, srv), m.modWriter.Email) // contributor, moderator
		editor := signedIn(t, newBrowser(t, srv), m.editor.Email)     // admin, editor
		author := signedIn(t, newBrowser(t, srv), m.author.Email)     // contributor, author
		mod := signedIn(t, newBrowser(t, srv), m.moderator.Email)     // moderator
		reader := signedIn(t, newBrowser(t, srv), m.reader.Email)     // reader

		// Who may open the newsroom at all.
		reader.expect(reader.get("/admin/articles"), 403)
		mod.expect(mod.get("/admin/articles"), 403)
		contrib.expect(contrib.get("/admin/articles"), 200, "You see your own articles.")

		// A contributor writes a draft; a mistake keeps what was typed.
		contrib.expect(contrib.post("/admin/articles", url.Values{"headline": {""}, "body": {"Kept text."}}), 422, "a headline is required", "Kept text.")
		resp := contrib.post("/admin/articles", url.Values{"headline": {"Plant tour notes"}, "body": {"The line runs two shifts."}})
		contrib.expect(resp, 303)
		page := resp.Header.Get("Location")
		contrib.expect(contrib.get(page), 200, "Plant tour notes", "Submit for review", `formtarget="preview"`)
		if strings.Contains(contrib.last, `value="publish"`) {
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
		if r := autosave(contrib, "1", "The line runs two shifts. Then three."); r.StatusCode != 200 || !strings.Contains(contrib.last, `"version":2`) {
			t.Fatalf("autosave: %d %s", r.StatusCode, contrib.last)
		}
		if r := autosave(editor, "1", "An editor's older copy."); r.StatusCode != 409 || !strings.Contains(editor.last, "someone else saved") {
			t.Fatalf("stale autosave: %d %s", r.StatusCode, editor.last)
		}
		editor.expect(editor.post(page, url.Values{"version": {"1"}, "headline": {"Stale"}, "body": {"Stale text."}, "action": {"save"}}), 409,
			"someone else saved", "Stale text.")

		// Someone else's draft is not another writer's to open.
		author.expect(author.get(page), 403)
		// The contributor may not publish, even by posting the button.
		contrib.expect(contrib.post(page, url.Values{"action": {"publish"}}), 403)
		// Submit: the editors hear of it.
		contrib.expect(contrib.post(page, url.Values{"action": {"submit"}}), 303)
		if !mailTo(m.editor.Email, "For review: Plant tour notes") {
			t.Fatal("the editor was not told of the submission")
		}
		editor.expect(editor.get("/admin/articles?status=pending"), 200, "Plant tour notes")
		// Return with a note; the writer hears of it and sees the note.
		editor.expect(editor.post(page, url.Values{"action": {"return"}, "note": {""}}), 422, "say what the writer should change")
		editor.expect(editor.post(page, url.Values{"action": {"return"}, "note": {"Add the plant's output."}}), 303)
		if !mailTo(m.modWriter.Email, "Returned to you") {
			t.Fatal("the writer was not told")
		}
		contrib.expect(contrib.get(page), 200, "Add the plant&#39;s output.")
		contrib.expect(contrib.post(page, url.Values{"action": {"submit"}}), 303)
		// The editor previews and publishes; the article is on the home page.
		editor.expect(editor.post("/admin/articles/preview", url.Values{"headline": {"Plant tour notes"}, "body": {"**Bold** claim."}}), 200,
			"<strong>Bold</strong> claim.", "Preview: this is how the article will look")
		editor.expect(editor.post(page, url.Values{"action": {"publish"}}), 303)
		if !mailTo(m.modWriter.Email, "Published: Plant tour notes") {
			t.Fatal("the writer was not told of the publication")
		}
		_, home := anonGet(t, srv.URL+"/", nil)
		if !strings.Contains(home, "Plant tour notes") {
			t.Fatal("the published article is not on the home page")
		}
		// Every save of the published article keeps a revision; two compare
		// side by side; one is restored.
		editor.expect(editor.get(page), 200)
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(editor.last)[1]
		editor.expect(editor.post(page, url.Values{"version": {version}, "headline": {"Plant tour: the full notes"}, "slug": {"plant-tour-notes"},
			"body": {"The line runs two shifts. Then three.\n\nOutput: 1,200 cars a day."}, "action": {"save"}}), 303)
		editor.expect(editor.get(page+"/revisions"), 200, "<del># Plant tour notes</del>", "<ins># Plant tour: the full notes</ins>", "Output: 1,200 cars a day.")
		rev := regexp.MustCompile(`name="revision" value="(\d+)"`).FindAllStringSubmatch(editor.last, -1)
		editor.expect(editor.post(page+"/restore", url.Values{"revision": {rev[len(rev)-1][1]}}), 303)
		editor.expect(editor.get(page), 200, "<h1>Plant tour notes</h1>")
		// An author publishes their own; the trash hides an article.
		resp = author.post("/admin/articles", url.Values{"headline": {"Author's own"}, "body": {"Mine to publish."}})
		own := resp.Header.Get("Location")
		author.expect(author.post(own, url.Values{"action": {"publish"}}), 303)
		author.expect(author.post(own, url.Values{"action": {"trash"}}), 303)
		_, home = anonGet(t, srv.URL+"/", nil)
		if strings.Contains(home, "Author&#39;s own") || strings.Contains(home, "Author's own") {
			t.Fatal("a trashed article is on the home page")
		}
		author.expect(author.get("/admin/articles?status=trashed"), 200, "Author&#39;s own")
	})
}

// Readings count per article per day, not programs', cached or not; the
// dashboard shows them with its charts.
func TestViewsAndDashboard(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, ts, m := magazineSite(t, d)
		for i := 0; i < 3; i++ {
			anonGet(t, srv.URL+m.leadPath, map[string]string{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"})
		}
		anonGet(t, srv.URL+m.leadPath, map[string]string{"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"})
		anonGet(t, srv.URL+"/", map[string]string{"User-Agent": "Mozilla/5.0"})
		reader := signedIn(t, newBrowser(t, srv), m.reader.Email)
		reader.c.Transport = uaTransport{"Mozilla/5.0 Safari/605"}
		reader.expect(reader.get(m.leadPath), 200)
		if err := ts.views.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		var n int
		ts.db.QueryRow(context.Background(), `SELECT COALESCE(sum(views), 0) FROM article_views`).Scan(&n)
		if n != 4 {
			t.Fatalf("%d readings counted, want 4 (3 anonymous, 1 signed in; no bot, no home page)", n)
		}
		editor := signedIn(t, newBrowser(t, srv), m.editor.Email)
		editor.expect(editor.get("/admin"), 200, "Awaiting review", "Awaiting moderation", "Quote requests not placed", "Next newsletter",
			"Articles published per week", "Comments per day", "Newsletter subscribers over time", "Leads per make per week", `<svg class="chart"`,
			"Most read this week", m.lead.Headline, `<td data-label="Readings">4</td>`)
		// A moderator's dashboard leaves out what is not theirs.
		mod := signedIn(t, newBrowser(t, srv), m.moderator.Email)
		mod.expect(mod.get("/admin"), 200, "Comments per day")
		if strings.Contains(mod.last, "Leads per make per week") {
			t.Fatal("a moderator sees the leads chart")
		}
	})
}

type uaTransport struct{ ua string }

func (u uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r.Header.Set("User-Agent", u.ua)
	return http.DefaultTransport.RoundTrip(r)
}

func TestMediaLibrary(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, _, _, m := magazineSite(t, d)
	author := signedIn(t, newBrowser(t, srv), m.author.Email)
	reader := signedIn(t, newBrowser(t, srv), m.reader.Email)
	reader.expect(reader.get("/admin/media"), 403)

	var png bytes.Buffer
	img := image.NewNRGBA(image.Rect(0, 0, 1200, 800))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	encodePNG(&png, img)
	// No alt text: refused, and said why.
	author.expect(author.uploadWith("/admin/media", "file", "line.png", png.Bytes(), url.Values{"alt": {""}}), 422, "alt text is required")
	author.expect(author.uploadWith("/admin/media", "file", "broken.png", png.Bytes()[:100], url.Values{"alt": {"Broken"}}), 422, "damaged")
	author.expect(author.uploadWith("/admin/media", "file", "line.png", png.Bytes(), url.Values{"alt": {"The Smyrna line"}}), 303)
	author.expect(author.get("/admin/media"), 200, `alt="The Smyrna line"`, `width="320" height="213"`)
	src := regexp.MustCompile(`src="(/media/\d+/thumb-320x213-[0-9a-f]{8}\.png)"`).FindStringSubmatch(author.last)
	if src == nil {
		t.Fatalf("no thumbnail in:\n%.2000s", author.last)
	}
	resp, body := anonGet(t, srv.URL+src[1], nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(body) < 100 {
		t.Fatalf("serving the thumbnail: %d %v", resp.StatusCode, resp.Header)
	}
	if r, _ := anonGet(t, srv.URL+"/media/1/../../etc/passwd", nil); r.StatusCode == 200 {
		t.Fatalf("a path outside the media: %d", r.StatusCode)
	}
	// A featured image on an article, in its page.
	id := regexp.MustCompile(`action="/admin/media/(\d+)"`).FindStringSubmatch(author.last)[1]
	resp = author.post("/admin/articles", url.Values{"headline": {"With a picture"}, "body": {"Words."}, "featured": {id}})
	page := resp.Header.Get("Location")
	author.expect(author.post(page, url.Values{"action": {"publish"}}), 303)
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
	d := dbtest.SQLite(t)
	srv, _, _, m := magazineSite(t, d)
	editor := signedIn(t, newBrowser(t, srv), m.editor.Email)
	editor.expect(editor.get("/admin/articles/new"), 200, `<option value="Infiniti QX60">`, `<datalist id="tag-list">`)
	resp := editor.post("/admin/articles", url.Values{"headline": {"Driving the QX60 Autograph"}, "body": {"Quiet, roomy, quick enough."},
		"models": {"Infiniti QX60"}, "tags": {"Reviews"}})
	page := resp.Header.Get("Location")
	editor.expect(editor.post(page, url.Values{"action": {"publish"}}), 303)
	// The tags read as typed, in order; the model is also ticked in the list.
	editor.expect(editor.get(page), 200, `<option value="Infiniti QX60" selected>`, `value="Reviews, Infiniti QX60"`)
	_, body := anonGet(t, srv.URL+"/cars/infiniti/qx60/", nil)
	if !strings.Contains(body, "Driving the QX60 Autograph") {
		t.Fatal("the model page does not list the article about it")
	}
}

// Each role tries every step on an article; the permission table is the
// oracle of what must be allowed.
func TestNewsroomPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		srv, _, ts, m := magazineSite(t, d)
		ctx := context.Background()
		people := []string{m.editor.Email, m.modWriter.Email, m.author.Email,
			m.moderator.Email, m.reader.Email}
		// The article is Elliot's, pending review; a fresh one for each try.
		writer := signedIn(t, newBrowser(t, srv), m.author.Email)
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
			own := email == m.author.Email
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
	})
}
