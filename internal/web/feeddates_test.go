package web_test

import (
	"context"
	"encoding/xml"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/db"
	"byline/internal/dbtest"
)

type atomDates struct {
	Updated string `xml:"updated"`
	Entries []struct {
		ID        string `xml:"id"`
		Published string `xml:"published"`
		Updated   string `xml:"updated"`
	} `xml:"entry"`
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

// Feeds and the sitemap give each article's own last change (they all
// said the moment the site's content was loaded), the feed's own date is
// its newest item's, and a public change moves them.
func TestFeedAndSitemapDates(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		before := time.Now().Add(-time.Second)
		srv, _, ts, m := magazineSite(t, d)
		ctx := context.Background()
		atom := func() atomDates {
			t.Helper()
			_, body := anonGet(t, srv.URL+"/feed/atom/", nil)
			var f atomDates
			if err := xml.Unmarshal([]byte(body), &f); err != nil {
				t.Fatal(err)
			}
			return f
		}
		f := atom()
		distinct := map[string]bool{}
		var newest time.Time
		for _, e := range f.Entries {
			up, pub := parseTime(t, e.Updated), parseTime(t, e.Published)
			if !up.Before(before) {
				t.Errorf("%s: updated %s, the moment the content was loaded", e.ID, e.Updated)
			}
			if up.Before(pub) {
				t.Errorf("%s: updated %s before published %s", e.ID, e.Updated, e.Published)
			}
			distinct[e.Updated] = true
			if up.After(newest) {
				newest = up
			}
			var stored time.Time
			slug := strings.TrimSuffix(e.ID[strings.LastIndex(strings.TrimSuffix(e.ID, "/"), "/")+1:], "/")
			if err := ts.db.QueryRow(ctx, `SELECT updated_at FROM articles WHERE slug = $1`, slug).Scan(&stored); err != nil {
				t.Fatalf("%s: %v", slug, err)
			}
			if !stored.Equal(up) && !(stored.Before(pub) && up.Equal(pub)) {
				t.Errorf("%s: feed says %s, the article changed %s", slug, up, stored)
			}
		}
		if len(f.Entries) < 10 || len(distinct) < len(f.Entries)/2 {
			t.Fatalf("%d entries with %d distinct dates", len(f.Entries), len(distinct))
		}
		if !parseTime(t, f.Updated).Equal(newest) {
			t.Fatalf("feed updated %s, newest item %s", f.Updated, newest)
		}
		_, sm := anonGet(t, srv.URL+"/sitemap.xml", nil)
		mods := regexp.MustCompile(`<lastmod>([^<]+)</lastmod>`).FindAllStringSubmatch(sm, -1)
		seen := map[string]bool{}
		for _, m := range mods {
			if !parseTime(t, m[1]).Before(before) {
				t.Errorf("sitemap lastmod %s is the load time", m[1])
			}
			seen[m[1]] = true
		}
		if len(mods) < 10 || len(seen) < len(mods)/2 {
			t.Fatalf("%d lastmods, %d distinct", len(mods), len(seen))
		}

		// An editor changes a published article: it is the feed's newest change.
		editor := signedIn(t, newBrowser(t, srv), m.editor.Email)
		id := articleID(t, editor, m.leadPath)
		page := "/admin/articles/" + id
		editor.expect(editor.get(page), 200)
		version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(editor.last)[1]
		body := regexp.MustCompile(`(?s)<textarea id="e-body" name="body" rows="18">(.*?)</textarea>`).FindStringSubmatch(editor.last)[1]
		changed := time.Now().Add(-time.Second)
		editor.expect(editor.post(page, url.Values{"version": {version}, "headline": {m.lead.Headline}, "slug": {m.lead.Slug},
			"body": {strings.ReplaceAll(body, "&#39;", "'") + "\n\nUpdate: the company confirmed the plan."}, "action": {"save"}}), 303)
		f = atom()
		if up := parseTime(t, f.Updated); up.Before(changed) {
			t.Fatalf("feed updated %s after a change at %s", f.Updated, changed)
		}
		for _, e := range f.Entries {
			if strings.HasSuffix(e.ID, m.leadPath) && parseTime(t, e.Updated).Before(changed) {
				t.Fatalf("the changed article's entry says %s", e.Updated)
			}
		}
	})
}

// The editor's preview draws the article as its page does: the same
// story markup (kicker, headline, body headings and their classes).
func TestPreviewMatchesPage(t *testing.T) {
	d := dbtest.SQLite(t)
	srv, _, _, m := magazineSite(t, d)
	editor := signedIn(t, newBrowser(t, srv), m.editor.Email)
	form := url.Values{"headline": {"Plant notes"}, "tags": {"Factories, Japan"},
		"body": {"Intro.\n\n## What was seen\n\nThe line.\n\n### Second shift\n\nMore.\n\n## Output\n\nCars."}}
	editor.expect(editor.post("/admin/articles/preview", form), 200)
	story := regexp.MustCompile(`(?s)<p class="kicker">.*?</div>`)
	preview := story.FindString(editor.last)
	resp := editor.post("/admin/articles", form)
	page := resp.Header.Get("Location")
	editor.expect(editor.post(page, url.Values{"action": {"publish"}}), 303)
	editor.expect(editor.get(page), 200)
	public := regexp.MustCompile(`<dt>On the site</dt><dd><a href="([^"]+)"`).FindStringSubmatch(editor.last)[1]
	_, body := anonGet(t, srv.URL+public, nil)
	if got := story.FindString(body); preview == "" || got != preview {
		t.Fatalf("preview and page differ:\n%s\n---\n%s", preview, got)
	}
	// The editor's form says how the article stands, and the preview of
	// edits to a published article says readers see them once saved.
	editor.expect(editor.get(page), 200, `name="status" value="published"`)
	form.Set("status", "published")
	editor.expect(editor.post("/admin/articles/preview", form), 200, "once you save these changes")
	form.Set("status", "draft")
	editor.expect(editor.post("/admin/articles/preview", form), 200, "It is not published (draft)")
}
