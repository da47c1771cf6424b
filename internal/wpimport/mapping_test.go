package wpimport_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/wordpress"
	"byline/internal/wpimport"
)

// mappingFile is a WordPress file with what the export writes and a plain
// WordPress site writes too: a post trashed while published (with the
// status before), one in WordPress's own trash (without it), a future
// post, a sticky one, a page with a menu order, and comments given as
// Markdown beside their HTML, one taken back by its author.
func mappingFile(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	w := wordpress.NewWriter(&b)
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Site(&wordpress.Site{Title: "Old", Link: "https://old.example", BaseSiteURL: "https://old.example"}))
	must(w.Author(&wordpress.Author{ID: 1, Login: "ada", Email: "ada@old.example", DisplayName: "Ada"}))
	item := func(id int64, typ, name, status string, meta ...wordpress.Meta) *wordpress.Item {
		return &wordpress.Item{ID: id, Type: typ, Name: name, Title: strings.ToUpper(name[:1]) + name[1:], Status: status, Creator: "ada",
			Content: "<p>The <strong>HTML</strong>.</p>", PostDate: at, PostDateGMT: at, PostModified: at, PostModifiedGMT: at,
			Link: "https://old.example/?p=" + name, CommentStatus: "open", Meta: meta}
	}
	trashed := item(1, "post", "retracted", "trash", wordpress.Meta{Key: "_wp_trash_meta_status", Value: "publish"}, wordpress.Meta{Key: "_byline_markdown", Value: "The **Markdown**."})
	trashed.Comments = []wordpress.Comment{
		{ID: 11, Author: "Guest", AuthorEmail: "g@example.net", Content: "<p>html</p>", Approved: "1", Date: at, DateGMT: at, Type: "comment",
			Meta: []wordpress.Meta{{Key: "_byline_markdown", Value: "Said in *Markdown*."}}},
		{ID: 12, Parent: 11, Author: "Other", Content: "", Approved: "trash", Date: at, DateGMT: at, Type: "comment"},
		{ID: 13, Parent: 12, Author: "Third", Content: "<p>Under the taken back one.</p>", Approved: "1", Date: at, DateGMT: at, Type: "comment"},
	}
	must(w.Item(trashed))
	must(w.Item(item(2, "post", "binned", "trash")))
	future := item(3, "post", "coming", "future")
	future.PostDateGMT = time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	must(w.Item(future))
	sticky := item(4, "post", "headline", "publish")
	sticky.Sticky = true
	must(w.Item(sticky))
	page := item(5, "page", "contact", "publish")
	page.MenuOrder = 4
	must(w.Item(page))
	must(w.Close())
	return b.Bytes()
}

func TestImportMapsExportStatuses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_, deps := site(t, d)
		file := mappingFile(t)
		dry, err := wpimport.Import(ctx, nil, bytes.NewReader(file), wpimport.Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := wpimport.Import(ctx, deps, bytes.NewReader(file), wpimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*wpimport.Report{dry, rep} {
			if r.Trashed != 1 || r.Pinned != 1 || r.Articles[article.StatusPublished] != 2 || r.Articles[article.StatusScheduled] != 1 || r.PagesNew != 1 {
				t.Errorf("dry run %v: trashed %d, pinned %d, articles %v, pages %d", r.DryRun, r.Trashed, r.Pinned, r.Articles, r.PagesNew)
			}
			if len(r.Skipped) != 1 || !strings.Contains(r.Skipped[0].What, "Binned") || !strings.Contains(r.Skipped[0].Reason, "without the status it had before") {
				t.Errorf("dry run %v: skipped %+v", r.DryRun, r.Skipped)
			}
		}

		list, err := deps.Articles.WholeArticles(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*article.Whole{}
		for _, a := range list {
			got[a.Slug] = a
		}
		at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
		if a := got["retracted"]; a == nil || !a.TrashedAt.Valid || a.Status != article.StatusDraft || !a.PublishedAt.Time.Equal(at) || a.BodyMD != "The **Markdown**." {
			t.Errorf("trashed while published: %+v", a)
		}
		if a := got["coming"]; a == nil || a.Status != article.StatusScheduled {
			t.Errorf("future: %+v", a)
		}
		// Without the Markdown meta, the text is the HTML read as WordPress
		// shows it (wordpress.Content).
		if a := got["headline"]; a == nil || !a.PinnedAt.Valid || !strings.Contains(a.BodyMD, "<strong>HTML</strong>") {
			t.Errorf("sticky: %+v", a)
		}
		pages, err := deps.Articles.WholePages(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(pages) != 1 || pages[0].Position != 4 {
			t.Errorf("pages: %+v", pages)
		}
		// A trashed article makes no redirect: it is not public.
		if ok, err := deps.Redirects.Has(ctx, "/?p=1"); err != nil || ok {
			t.Errorf("redirect for the trashed post: %v %v", ok, err)
		}

		cs, err := deps.Comments.WholeOf(ctx, got["retracted"].ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 3 {
			t.Fatalf("comments: %+v", cs)
		}
		if cs[0].BodyMD != "Said in *Markdown*." || !strings.Contains(cs[0].BodyHTML, "<em>Markdown</em>") {
			t.Errorf("Markdown comment: %+v", cs[0])
		}
		if !cs[1].Deleted || cs[1].Status != comment.StatusVisible || cs[1].ParentID != cs[0].ID {
			t.Errorf("taken back: %+v", cs[1])
		}
		if cs[2].ParentID != cs[1].ID || cs[2].Deleted {
			t.Errorf("reply under the taken back one: %+v", cs[2])
		}
	})
}
