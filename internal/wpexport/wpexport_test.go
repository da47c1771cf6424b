package wpexport_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/article"
	"byline/internal/comment"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/dbtest/fixture"
	"byline/internal/media"
	"byline/internal/wordpress"
	"byline/internal/wpexport"
)

// zone is the site's: west of Greenwich, so a late evening there is the
// next day in UTC and local and GMT dates differ in the file.
var zone = time.FixedZone("UTC-5", -5*3600)

type site struct {
	ana, ben, reader                    account.Person
	cover                               media.Media
	published, scheduled, draft         article.Article
	pending, trashed, pinned            article.Article
	page                                article.StaticPage
	top, reply, guest, spam, held, gone int64
	guestReply, deep                    int64
	news, world, europe                 article.Tag
}

func makeSite(t *testing.T, d *db.DB) *site {
	ctx := context.Background()
	f := fixture.New(t, d)
	f.Site("The Ledger", "News that keeps")
	s := &site{}
	s.ana = f.Person("ana@example.com", "Ana Writer", account.RoleEditor)
	s.ben = f.Person("ben@example.com", "Ben Author", account.RoleAuthor)
	s.reader = f.Person("rea@example.com", "Rea Reader")
	f.Person("idle@example.com", "Idle Editor", account.RoleEditor) // wrote nothing: no author

	var err error
	if s.world, err = f.Articles.EnsureCategory(ctx, "world", "World", 0); err != nil {
		t.Fatal(err)
	}
	if s.europe, err = f.Articles.EnsureCategory(ctx, "europe", "Europe", s.world.ID); err != nil {
		t.Fatal(err)
	}
	if s.news, err = f.Articles.EnsureCategory(ctx, "news", "News", 0); err != nil {
		t.Fatal(err)
	}

	pics := media.NewStore(d, media.Local{Dir: t.TempDir()})
	p, err := media.PrepareDrawn("cover photo.png", 400, 300, func(w, h int) image.Image { return image.NewRGBA(image.Rect(0, 0, w, h)) }, "A harbour at dawn")
	if err != nil {
		t.Fatal(err)
	}
	if s.cover, err = pics.Put(ctx, p, s.ana.ID); err != nil {
		t.Fatal(err)
	}

	at := time.Date(2024, 3, 1, 23, 30, 0, 0, zone) // 04:30 on the 2nd in UTC
	s.published = f.Article(article.Draft{Headline: "Harbour reopens", AuthorID: s.ana.ID, Status: article.StatusPublished,
		PublishedAt: at, UpdatedAt: at.Add(time.Hour), Excerpt: "The port is back.",
		BodyMD: "# Back\n\nThe *harbour* is open.\n\n- ships\n- cranes", Tags: []string{"europe", "shipping", "Port Life"},
		FeaturedMediaID: s.cover.ID})
	s.scheduled = f.Scheduled(s.ben, "Bridge to open", time.Now().Add(48*time.Hour).Truncate(time.Second), "news")
	s.draft = f.Draft(s.ben, "Unfinished thoughts")
	s.pending = f.Article(article.Draft{Headline: "Waiting for review", AuthorID: s.ben.ID, BodyMD: "Please read.", Status: article.StatusPending})
	s.trashed = f.Draft(s.ben, "Thrown away")
	if _, err := f.Articles.Step(ctx, s.trashed.ID, 0, "trash", "", s.ana); err != nil {
		t.Fatal(err)
	}
	s.pinned = f.Published(s.ana, "Top story", at.Add(-24*time.Hour), "world", "PORT life")
	if _, err := f.Articles.Pin(ctx, s.pinned.ID, true, s.ana); err != nil {
		t.Fatal(err)
	}
	if err := f.Articles.SetCommentsClosed(ctx, s.pinned.ID, true); err != nil {
		t.Fatal(err)
	}
	s.page = f.Page(s.ben, "about", "About us", "We *report*.", at)

	c1 := f.Comment(s.published, s.reader, "First!", at.Add(time.Hour))
	c2 := f.Reply(c1, s.ana, "Welcome, **Rea**.", at.Add(2*time.Hour))
	s.top, s.reply = c1.ID, c2.ID
	res, err := f.Comments.Import(ctx, []comment.Imported{
		{Source: "test", ExternalID: "g1", ParentExternalID: "", ArticleID: s.published.ID, Guest: comment.Author{Name: "Old Guest", Email: "guest@example.net", URL: "https://guest.example.net/"},
			BodyHTML: "<p>From before.</p>", Status: comment.StatusVisible, IP: "192.0.2.7", At: at.Add(3 * time.Hour)},
		{Source: "test", ExternalID: "s1", ArticleID: s.published.ID, Guest: comment.Author{Name: "Spammer"}, BodyHTML: "buy", Status: comment.StatusSpam, At: at.Add(4 * time.Hour)},
		{Source: "test", ExternalID: "p1", ArticleID: s.pinned.ID, AuthorID: s.reader.ID, BodyHTML: "held", Status: comment.StatusPending, At: at.Add(5 * time.Hour)},
		{Source: "test", ExternalID: "d1", ArticleID: s.pinned.ID, AuthorID: s.reader.ID, BodyHTML: "gone", Status: comment.StatusVisible, Deleted: true, At: at.Add(6 * time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
	}
	s.guest, s.spam, s.held, s.gone = res[0].ID, res[1].ID, res[2].ID, res[3].ID
	// A guest answers a guest, and a reader answers the reply: three levels.
	res, err = f.Comments.Import(ctx, []comment.Imported{{Source: "test", ExternalID: "g2", ParentExternalID: "g1", ArticleID: s.published.ID,
		Guest: comment.Author{Name: "Other Guest", Email: "other@example.net"}, BodyHTML: "Indeed.", Status: comment.StatusVisible, At: at.Add(7 * time.Hour)}})
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	s.guestReply = res[0].ID
	s.deep = f.Reply(c2, s.reader, "Thanks!", at.Add(8*time.Hour)).ID
	return s
}

func TestExport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := makeSite(t, d)
		var buf bytes.Buffer
		var calls, lastDone, lastTotal int
		counts, err := wpexport.Export(ctx, d, wpexport.Site{Name: "The Ledger", Tagline: "News that keeps", BaseURL: "https://ledger.example/", Location: zone},
			&buf, func(done, total int) { calls, lastDone, lastTotal = calls+1, done, total })
		if err != nil {
			t.Fatal(err)
		}
		want := wpexport.Counts{People: 2, Categories: 3, Tags: 2, Articles: 6, Pages: 1, Comments: 8, Media: 1}
		if counts != want {
			t.Errorf("counts %+v, want %+v", counts, want)
		}
		if calls != 6 || lastDone != 6 || lastTotal != 6 {
			t.Errorf("progress: %d calls, last %d/%d", calls, lastDone, lastTotal)
		}
		checkWellFormed(t, buf.Bytes())
		if !strings.Contains(buf.String(), "<wp:wxr_version>1.2</wp:wxr_version>") || !strings.Contains(buf.String(), `xmlns:wp="http://wordpress.org/export/1.2/"`) {
			t.Error("not WXR 1.2")
		}
		checkRecords(t, s, read(t, buf.Bytes()))
	})
}

// checkWellFormed reads every token with encoding/xml, strictly.
func checkWellFormed(t *testing.T, b []byte) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
	}
}

type file struct {
	site       *wordpress.Site
	authors    []*wordpress.Author
	categories []*wordpress.Category
	tags       []*wordpress.Tag
	items      map[string]*wordpress.Item // by post_name
	order      []string                   // post types in file order
}

func read(t *testing.T, b []byte) *file {
	t.Helper()
	r := wordpress.NewReaderOptions(bytes.NewReader(b), wordpress.ReaderOptions{Location: zone})
	f := &file{items: map[string]*wordpress.Item{}}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch v := rec.(type) {
		case *wordpress.Site:
			f.site = v
		case *wordpress.Author:
			f.authors = append(f.authors, v)
		case *wordpress.Category:
			f.categories = append(f.categories, v)
		case *wordpress.Tag:
			f.tags = append(f.tags, v)
		case *wordpress.Item:
			f.items[v.Name] = v
			f.order = append(f.order, v.Type)
		default:
			t.Fatalf("unexpected record %T", rec)
		}
	}
	if u := r.Unknown(); len(u) > 0 {
		t.Errorf("elements the reader does not know: %v", u)
	}
	return f
}

func checkRecords(t *testing.T, s *site, f *file) {
	t.Helper()
	if f.site.Title != "The Ledger" || f.site.Description != "News that keeps" || f.site.Link != "https://ledger.example" || f.site.WXRVersion != "1.2" {
		t.Errorf("site %+v", f.site)
	}
	authors := map[string]string{}
	for _, a := range f.authors {
		authors[a.Login] = a.Email + "|" + a.DisplayName
	}
	if len(authors) != 2 || authors[s.ana.Slug] != "ana@example.com|Ana Writer" || authors[s.ben.Slug] != "ben@example.com|Ben Author" {
		t.Errorf("authors %v", authors)
	}
	// Parents first.
	seen := map[string]bool{}
	parents := map[string]string{}
	for _, c := range f.categories {
		if c.Parent != "" && !seen[c.Parent] {
			t.Errorf("category %s comes before its parent %s", c.Slug, c.Parent)
		}
		seen[c.Slug], parents[c.Slug] = true, c.Parent
	}
	if len(parents) != 3 || parents["europe"] != "world" || parents["world"] != "" || parents["news"] != "" {
		t.Errorf("categories %v", parents)
	}
	tags := map[string]string{}
	for _, tg := range f.tags {
		tags[tg.Slug] = tg.Name
	}
	if len(tags) != 2 || tags["shipping"] != "shipping" || tags["port-life"] != "Port Life" {
		t.Errorf("tags %v", tags)
	}
	if f.order[0] != "attachment" {
		t.Errorf("items in order %v: the attachment comes first", f.order)
	}

	statuses := map[string]string{s.published.Slug: "publish", s.scheduled.Slug: "future", s.draft.Slug: "draft",
		s.pending.Slug: "pending", s.trashed.Slug: "trash", s.pinned.Slug: "publish", "about": "publish"}
	for slug, st := range statuses {
		it := f.items[slug]
		if it == nil {
			t.Errorf("no item %s", slug)
			continue
		}
		if it.Status != st {
			t.Errorf("%s: status %q, want %q", slug, it.Status, st)
		}
		if _, ok := wordpress.MetaValue(it.Meta, wpexport.MarkdownKey); !ok {
			t.Errorf("%s: no Markdown source", slug)
		}
	}
	if v, _ := wordpress.MetaValue(f.items[s.trashed.Slug].Meta, "_wp_trash_meta_status"); v != "draft" {
		t.Errorf("trashed: status before the trash %q", v)
	}

	pub := f.items[s.published.Slug]
	if pub.Type != "post" || pub.Creator != s.ana.Slug || pub.Title != "Harbour reopens" || pub.Excerpt != "The port is back." ||
		pub.CommentStatus != "open" || pub.Sticky {
		t.Errorf("published: %+v", pub)
	}
	if !pub.PostDateGMT.Equal(s.published.PublishedAt) || !pub.PostDate.Equal(s.published.PublishedAt) ||
		pub.PostDateGMT.Format("2006-01-02") != "2024-03-02" || pub.PostDate.In(zone).Format("2006-01-02 15:04") != "2024-03-01 23:30" {
		t.Errorf("published: dates %s (local) %s (GMT), want %s", pub.PostDate, pub.PostDateGMT, s.published.PublishedAt)
	}
	if !pub.PostModifiedGMT.Equal(s.published.PublishedAt.Add(time.Hour)) {
		t.Errorf("published: modified %s", pub.PostModifiedGMT)
	}
	if pub.Link != "https://ledger.example/2024/03/01/"+s.published.Slug+"/" {
		t.Errorf("published: link %s", pub.Link)
	}
	if md, _ := wordpress.MetaValue(pub.Meta, wpexport.MarkdownKey); md != "# Back\n\nThe *harbour* is open.\n\n- ships\n- cranes" {
		t.Errorf("published: Markdown %q", md)
	}
	if !strings.Contains(pub.Content, "<h1") || !strings.Contains(pub.Content, "<em>harbour</em>") || !strings.Contains(pub.Content, "<li>ships</li>") {
		t.Errorf("published: content is not the rendered HTML: %q", pub.Content)
	}
	// Read back as an importer reads it, the content keeps its structure.
	if html, _ := wordpress.Content(pub.Content, wordpress.ContentOptions{}); !strings.Contains(html, "<em>harbour</em>") || !strings.Contains(html, "<li>ships</li>") {
		t.Errorf("published: content read back: %q", html)
	}
	var terms []string
	for _, tm := range pub.Terms {
		terms = append(terms, tm.Domain+":"+tm.Nicename+":"+tm.Name)
	}
	if strings.Join(terms, ",") != "category:europe:europe,post_tag:shipping:shipping,post_tag:port-life:Port Life" {
		t.Errorf("published: terms %v", terms)
	}
	att := f.items["cover-photo-"+strconv.FormatInt(s.cover.ID, 10)]
	if att == nil || att.Type != "attachment" {
		t.Fatalf("no attachment for the cover: %v", f.order)
	}
	if thumb, _ := wordpress.MetaValue(pub.Meta, "_thumbnail_id"); thumb != strconv.FormatInt(att.ID, 10) {
		t.Errorf("featured image %q, attachment %d", thumb, att.ID)
	}
	if att.AttachmentURL != "https://ledger.example"+s.cover.Variant("large").URL() {
		t.Errorf("attachment URL %q", att.AttachmentURL)
	}
	if alt, _ := wordpress.MetaValue(att.Meta, "_wp_attachment_image_alt"); alt != "A harbour at dawn" {
		t.Errorf("attachment alt %q", alt)
	}
	ids := map[int64]string{}
	for _, it := range f.items {
		if prev, dup := ids[it.ID]; dup {
			t.Errorf("post id %d twice: %s and %s", it.ID, prev, it.Name)
		}
		ids[it.ID] = it.Name
	}

	pinned := f.items[s.pinned.Slug]
	// Each article keeps its writer's spelling of a tag: the kicker reads it.
	if len(pinned.Terms) != 2 || pinned.Terms[1] != (wordpress.ItemTerm{Domain: "post_tag", Nicename: "port-life", Name: "PORT life"}) {
		t.Errorf("pinned: terms %+v", pinned.Terms)
	}
	if !pinned.Sticky || pinned.CommentStatus != "closed" {
		t.Errorf("pinned: sticky %v, comments %s", pinned.Sticky, pinned.CommentStatus)
	}
	draft := f.items[s.draft.Slug]
	if !draft.PostDateGMT.IsZero() || draft.PostDate.IsZero() {
		t.Errorf("undated draft: dates %s, %s", draft.PostDate, draft.PostDateGMT)
	}
	if sch := f.items[s.scheduled.Slug]; !sch.PostDateGMT.Equal(s.scheduled.PublishedAt) {
		t.Errorf("scheduled: date %s, want %s", sch.PostDateGMT, s.scheduled.PublishedAt)
	}
	page := f.items["about"]
	if page.Type != "page" || page.Title != "About us" || page.Creator != s.ben.Slug || page.Link != "https://ledger.example/about/" ||
		!strings.Contains(page.Content, "<em>report</em>") {
		t.Errorf("page: %+v", page)
	}

	comments := map[int64]wordpress.Comment{}
	for _, c := range pub.Comments {
		if _, ok := comments[c.Parent]; c.Parent != 0 && !ok {
			t.Errorf("comment %d comes before its parent %d", c.ID, c.Parent)
		}
		comments[c.ID] = c
	}
	for _, c := range pinned.Comments {
		comments[c.ID] = c
	}
	if len(comments) != 8 {
		t.Errorf("%d comments, want 8", len(comments))
	}
	top := comments[s.top]
	if top.UserID != s.reader.ID || top.Author != "Rea Reader" || top.AuthorEmail != "rea@example.com" || top.Parent != 0 || top.Approved != "1" {
		t.Errorf("member's comment: %+v", top)
	}
	if md, _ := wordpress.MetaValue(top.Meta, wpexport.MarkdownKey); md != "First!" || !strings.Contains(top.Content, "First!") {
		t.Errorf("member's comment: text %q, %q", md, top.Content)
	}
	if !top.DateGMT.Equal(time.Date(2024, 3, 2, 5, 30, 0, 0, time.UTC)) || !top.Date.Equal(top.DateGMT) {
		t.Errorf("member's comment: dates %s, %s", top.Date, top.DateGMT)
	}
	if r := comments[s.reply]; r.Parent != s.top || r.UserID != s.ana.ID {
		t.Errorf("reply: %+v", r)
	}
	g := comments[s.guest]
	if g.UserID != 0 || g.Author != "Old Guest" || g.AuthorEmail != "guest@example.net" || g.AuthorURL != "https://guest.example.net/" ||
		g.AuthorIP != "192.0.2.7" || g.Approved != "1" || g.Parent != 0 {
		t.Errorf("guest's comment: %+v", g)
	}
	if r := comments[s.guestReply]; r.Parent != s.guest || r.UserID != 0 || r.Author != "Other Guest" || r.AuthorEmail != "other@example.net" {
		t.Errorf("guest's reply to a guest: %+v", r)
	}
	if r := comments[s.deep]; r.Parent != s.reply || r.UserID != s.reader.ID {
		t.Errorf("reply to the reply: %+v", r)
	}
	for id, want := range map[int64]string{s.spam: "spam", s.held: "0", s.gone: "trash"} {
		if got := comments[id].Approved; got != want {
			t.Errorf("comment %d approved %q, want %q", id, got, want)
		}
	}
}

// A site with nothing in it still makes a valid file.
func TestExportEmptySite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var buf bytes.Buffer
		counts, err := wpexport.Export(context.Background(), d, wpexport.Site{Name: "Empty", BaseURL: "http://localhost:8080"}, &buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		if counts != (wpexport.Counts{}) {
			t.Errorf("counts %+v", counts)
		}
		checkWellFormed(t, buf.Bytes())
		f := read(t, buf.Bytes())
		if f.site.Title != "Empty" || len(f.items) != 0 {
			t.Errorf("site %+v, %d items", f.site, len(f.items))
		}
	})
}

// Articles are read in pages of 100 and an article's comments in pages
// of 1000: every one comes out once, across the pages.
func TestExportPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := fixture.New(t, d)
		who := f.Person("w@example.com", "Writer", account.RoleAuthor)
		const n = 201
		for i := range n {
			f.Draft(who, "Note "+strconv.Itoa(i))
		}
		talked := f.Published(who, "Talked about", time.Now().Add(-time.Hour))
		const many = 2001
		list := make([]comment.Imported, many)
		for i := range list {
			list[i] = comment.Imported{Source: "test", ExternalID: strconv.Itoa(i), ArticleID: talked.ID, Guest: comment.Author{Name: "Guest " + strconv.Itoa(i)},
				BodyHTML: "Comment " + strconv.Itoa(i), Status: comment.StatusVisible, At: time.Now().Add(-time.Minute)}
			if i%10 != 0 {
				list[i].ParentExternalID = strconv.Itoa(i - 1) // threads ten deep
			}
		}
		if _, err := f.Comments.Import(context.Background(), list); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		counts, err := wpexport.Export(context.Background(), d, wpexport.Site{Name: "Notes", BaseURL: "http://localhost:8080"}, &buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		if counts.Articles != n+1 || counts.People != 1 || counts.Comments != many {
			t.Errorf("counts %+v", counts)
		}
		file := read(t, buf.Bytes())
		if len(file.items) != n+1 {
			t.Errorf("%d items, want %d", len(file.items), n+1)
		}
		cs := file.items[talked.Slug].Comments
		seen := map[int64]bool{}
		for i, c := range cs {
			if seen[c.ID] || (i%10 != 0 && c.Parent != cs[i-1].ID) || (i%10 == 0 && c.Parent != 0) {
				t.Fatalf("comment %d: id %d, parent %d", i, c.ID, c.Parent)
			}
			seen[c.ID] = true
		}
		if len(cs) != many {
			t.Errorf("%d comments, want %d", len(cs), many)
		}
	})
}
