package comment

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
	"byline/internal/mail"
)

func guest(name, email, url string) Author { return Author{Name: name, Email: email, URL: url} }

// importAll imports list and fails on any refusal.
func (f fixture) importAll(t *testing.T, list []Imported) []ImportResult {
	t.Helper()
	res, err := f.s.Import(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("import %s: %v", list[i].ExternalID, r.Err)
		}
	}
	return res
}

// counts are the article's stored counts and the comments actually there.
func (f fixture) counts(t *testing.T, d *db.DB) (count, threads, rows int) {
	t.Helper()
	ctx := context.Background()
	if err := d.QueryRow(ctx, `SELECT comment_count, comment_threads FROM articles WHERE id = $1`, f.art.ID).Scan(&count, &threads); err != nil {
		t.Fatal(err)
	}
	if err := d.QueryRow(ctx, `SELECT count(*) FROM comments WHERE article_id = $1`, f.art.ID).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	return count, threads, rows
}

// A 10-deep chain of guests' and members' replies is placed as Post
// places replies (thread, path, depth), counted, and read back with its
// authors; importing the same keys again adds nothing and keeps the ids.
func TestImportNestsTenDeepAndAgainAddsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		start := time.Date(2015, 3, 4, 5, 6, 7, 0, time.UTC)
		var list []Imported
		for i := 0; i < 10; i++ {
			im := Imported{Source: "wordpress:old.example", ExternalID: fmt.Sprint(100 + i), ArticleID: f.art.ID,
				BodyHTML: fmt.Sprintf("Level %d\n\nsecond paragraph", i), Status: StatusVisible, At: start.Add(time.Duration(i) * time.Hour), IP: "192.0.2.7"}
			if i > 0 {
				im.ParentExternalID = fmt.Sprint(100 + i - 1)
			}
			if i%3 == 2 {
				im.AuthorID = f.people[1].ID
			} else {
				im.Guest = guest(fmt.Sprintf("Guest %d", i), fmt.Sprintf("g%d@example.org", i), "https://g.example.org/")
			}
			list = append(list, im)
		}
		list = append(list, Imported{Source: "wordpress:old.example", ExternalID: "200", ArticleID: f.art.ID, Guest: guest("Solo", "", ""),
			BodyHTML: "<p>A second thread</p>", Status: StatusVisible, At: start.Add(20 * time.Hour)})
		first := f.importAll(t, list)
		for _, r := range first {
			if !r.Added || r.ID == 0 {
				t.Fatalf("first import: %+v", first)
			}
		}
		if count, threads, rows := f.counts(t, d); count != 11 || threads != 2 || rows != 11 {
			t.Fatalf("counts %d/%d, %d rows; want 11/2, 11", count, threads, rows)
		}
		all, err := f.s.WholeThread(ctx, first[0].ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 10 {
			t.Fatalf("thread has %d comments, want 10", len(all))
		}
		for i, c := range all {
			if c.ID != first[i].ID || c.Depth != i || c.ThreadID != first[0].ID || !c.CreatedAt.Equal(list[i].At) {
				t.Fatalf("comment %d: id %d depth %d thread %d at %v", i, c.ID, c.Depth, c.ThreadID, c.CreatedAt)
			}
			if i > 0 && (c.ParentID != first[i-1].ID || c.ParentAuthor != all[i-1].Author.Name) {
				t.Fatalf("comment %d: parent %d (%q)", i, c.ParentID, c.ParentAuthor)
			}
			if i%3 == 2 {
				if c.Author.Guest || c.Author.ID != f.people[1].ID || c.Author.Name != "Person 1" || c.Author.Email != "" {
					t.Fatalf("member's comment %d: %+v", i, c.Author)
				}
			} else if !c.Author.Guest || c.Author.ID != 0 || c.Author.Name != fmt.Sprintf("Guest %d", i) ||
				c.Author.Email != fmt.Sprintf("g%d@example.org", i) || c.Author.URL != "https://g.example.org/" {
				t.Fatalf("guest's comment %d: %+v", i, c.Author)
			} else if got, err := f.s.Get(ctx, c.ID); err != nil || got.IP != "192.0.2.7" { // the thread does not show addresses
				t.Fatalf("guest's comment %d: ip %q, %v", i, got.IP, err)
			}
			if !strings.Contains(c.BodyHTML, fmt.Sprintf("<p>Level %d</p>", i)) {
				t.Fatalf("body %q", c.BodyHTML)
			}
		}
		// The article page shows the threads, each with its first replies.
		page, err := f.s.Thread(ctx, f.art.ID, SortOldest, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Comments) != 1+RepliesShown+1 || page.Hidden[first[0].ID] != 9-RepliesShown {
			t.Fatalf("page: %d comments, hidden %v", len(page.Comments), page.Hidden)
		}

		again := f.importAll(t, list)
		for i, r := range again {
			if r.Added || r.ID != first[i].ID {
				t.Fatalf("second import of %s: %+v, first %+v", list[i].ExternalID, r, first[i])
			}
		}
		if count, threads, rows := f.counts(t, d); count != 11 || threads != 2 || rows != 11 {
			t.Fatalf("after the second import: counts %d/%d, %d rows", count, threads, rows)
		}
		// Another source may use the same ids.
		other := f.importAll(t, []Imported{{Source: "disqus:forum", ExternalID: "100", ArticleID: f.art.ID, Guest: guest("D", "", ""),
			BodyHTML: "<p>Hi</p>", Status: StatusVisible, At: start}})
		if !other[0].Added || other[0].ID == first[0].ID {
			t.Fatalf("same id from another source: %+v", other[0])
		}
	})
}

// Each status goes where moderation would put it: approved comments are
// shown and counted, pending ones wait in the queue, spam is spam (and
// taught to the filter), trash is trash; a comment deleted there stays as a
// placeholder above its replies.
func TestImportStatuses(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		at := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
		mk := func(id, parent string, st Status, deleted bool, body string) Imported {
			return Imported{Source: "disqus:f", ExternalID: id, ParentExternalID: parent, ArticleID: f.art.ID, Guest: guest("G"+id, "", ""),
				BodyHTML: body, Status: st, Deleted: deleted, At: at}
		}
		res := f.importAll(t, []Imported{
			mk("1", "", StatusVisible, false, "<p>Shown</p>"),
			mk("2", "", StatusPending, false, "<p>Waiting</p>"),
			mk("3", "", StatusSpam, false, "<p>Buy cheap pills now</p>"),
			mk("4", "", StatusTrash, false, "<p>Rude</p>"),
			mk("5", "", StatusVisible, true, "<p>Taken back</p>"),
			mk("6", "5", StatusVisible, false, "<p>Answer to the deleted one</p>"),
		})
		// Shown: 1 and 6 counted; threads: 1 and the deleted 5.
		if count, threads, _ := f.counts(t, d); count != 2 || threads != 2 {
			t.Fatalf("counts %d/%d, want 2/2", count, threads)
		}
		for q, want := range map[Queue]int64{QueuePending: res[1].ID, QueueSpam: res[2].ID, QueueTrash: res[3].ID} {
			got, err := f.s.Find(ctx, Filter{Queue: q}, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].ID != want || !got[0].Author.Guest {
				t.Fatalf("queue %s: %+v", q, got)
			}
		}
		page, err := f.s.Thread(ctx, f.art.ID, SortOldest, 1)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, c := range page.Comments {
			ids = append(ids, c.ID)
		}
		if fmt.Sprint(ids) != fmt.Sprint([]int64{res[0].ID, res[4].ID, res[5].ID}) || !page.Comments[1].Deleted() || page.Comments[1].BodyHTML != "" {
			t.Fatalf("page shows %v", ids)
		}
		var spam, ham int
		if err := d.QueryRow(ctx, `SELECT (SELECT docs FROM spam_totals WHERE label = 'spam'), (SELECT docs FROM spam_totals WHERE label = 'ham')`).Scan(&spam, &ham); err != nil {
			t.Fatal(err)
		}
		if spam != 1 || ham != 2 {
			t.Fatalf("the filter learned %d spam and %d ham, want 1 and 2", spam, ham)
		}
		// Moderating an imported comment keeps the counts right.
		if err := f.s.Moderate(ctx, []int64{res[1].ID}, ActApprove, f.people[0].ID, "", Site{}); err != nil {
			t.Fatal(err)
		}
		if count, threads, _ := f.counts(t, d); count != 3 || threads != 3 {
			t.Fatalf("after approving: counts %d/%d, want 3/3", count, threads)
		}
	})
}

// Imported HTML keeps paragraphs, links, emphasis, quotes and code; every
// link is user content; nothing that runs survives. Its Markdown (what a
// moderator edits) renders back to the same comment.
func TestImportSanitises(t *testing.T) {
	for _, tc := range []struct{ in, want, text, md string }{
		{"Hello\nthere\n\nNext <b>bold</b>", "<p>Hello<br>\nthere</p>\n<p>Next <b>bold</b></p>", "Hello\nthere\n\nNext bold", "Hello\\\nthere\n\nNext **bold**"},
		{`<p>See <a href="https://example.com/x?a=1&amp;b=(2)" target="_blank" rel="dofollow" onclick="evil()">this [one]</a></p>`,
			`<p>See <a href="https://example.com/x?a=1&amp;b=(2)" rel="nofollow ugc">this [one]</a></p>`, "See this [one]", "See [this \\[one\\]](<https://example.com/x?a=1&b=(2)>)"},
		{`<p>Hi<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a></p>`, `<p>Hix</p>`, "Hix", "Hix"},
		{"<blockquote><p>Quoted</p></blockquote><pre><code>a &lt; b *c*</code></pre>", "<blockquote><p>Quoted</p></blockquote><pre><code>a &lt; b *c*</code></pre>",
			"Quoted\n\na < b *c*", "> Quoted\n\n```\na < b *c*\n```"},
		{`<p style="color:red" class="x"><em>ä ✓</em> 2*3_4 <code>x_y</code><iframe src="https://evil.example"></iframe></p>`, "<p><em>ä ✓</em> 2*3_4 <code>x_y</code></p>",
			"ä ✓ 2*3_4 x_y", "*ä ✓* 2\\*3\\_4 `x_y`"},
	} {
		html, text, md := importedHTML(tc.in)
		if html != tc.want || text != tc.text || md != tc.md {
			t.Errorf("importedHTML(%q)\n = %q, %q, %q\nwant %q, %q, %q", tc.in, html, text, md, tc.want, tc.text, tc.md)
		}
		if got, want := sameTags(renderer.Render(md).HTML), sameTags(html); got != want {
			t.Errorf("the Markdown of %q renders as\n%s\nnot\n%s", tc.in, got, want)
		}
	}
}

// sameTags writes HTML so that two renderings of the same comment compare
// equal: <b> is <strong>, <i> <em>, and white space between tags and
// after a break or at the end of a code block goes.
func sameTags(s string) string {
	s = strings.NewReplacer("<b>", "<strong>", "</b>", "</strong>", "<i>", "<em>", "</i>", "</em>", "<br>\n", "<br>", "<br />\n", "<br>", "<br />", "<br>", "\n</code></pre>", "</code></pre>").Replace(s)
	s = regexp.MustCompile(`>\s+<`).ReplaceAllString(s, "><")
	return strings.TrimSpace(s)
}

// A refused comment says why and the others of the call are stored; a
// reply whose parent was not imported is refused.
func TestImportRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		at := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
		ok := Imported{Source: "s", ExternalID: "ok", ArticleID: f.art.ID, Guest: guest("Ann", "ann@example.org", "javascript:alert(1)"), BodyHTML: "Fine", Status: StatusVisible, At: at}
		bad := []Imported{
			{Source: "s", ExternalID: "noname", ArticleID: f.art.ID, BodyHTML: "x", Status: StatusVisible, At: at},
			{Source: "s", ExternalID: "orphan", ParentExternalID: "missing", ArticleID: f.art.ID, Guest: guest("B", "", ""), BodyHTML: "x", Status: StatusVisible, At: at},
			{Source: "s", ExternalID: "status", ArticleID: f.art.ID, Guest: guest("B", "", ""), BodyHTML: "x", Status: "approved", At: at},
			{Source: "s", ExternalID: "empty", ArticleID: f.art.ID, Guest: guest("B", "", ""), BodyHTML: "<script>x</script>", Status: StatusVisible, At: at},
			{Source: "s", ExternalID: "nul", ArticleID: f.art.ID, Guest: guest("B\x00", "", ""), BodyHTML: "x", Status: StatusVisible, At: at},
			{Source: "s", ExternalID: "member", ArticleID: f.art.ID, AuthorID: 999999, BodyHTML: "x", Status: StatusVisible, At: at},
			{Source: "s", ExternalID: "article", ArticleID: 999999, Guest: guest("B", "", ""), BodyHTML: "x", Status: StatusVisible, At: at},
		}
		res, err := f.s.Import(context.Background(), append([]Imported{ok}, bad...))
		if err != nil {
			t.Fatal(err)
		}
		if !res[0].Added || res[0].Err != nil {
			t.Fatalf("the good one: %+v", res[0])
		}
		for i, r := range res[1:] {
			if _, isInvalid := apperr.AsInvalid(r.Err); !isInvalid || r.Added {
				t.Errorf("%s: %+v, want a refusal", bad[i].ExternalID, r)
			}
		}
		c, err := f.s.Get(context.Background(), res[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Author.URL != "" {
			t.Errorf("a javascript: address was kept: %q", c.Author.URL)
		}
		if _, _, rows := f.counts(t, d); rows != 1 {
			t.Errorf("%d comments stored, want 1", rows)
		}
	})
}

// A member's reply to a guest notifies no one (a guest has no account),
// and a guest's comment is not anybody's to edit or delete; members vote
// on it.
func TestGuestCommentsWithMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		f.s.WithMailer(mail.NewOutbox(d, "example.com"))
		res := f.importAll(t, []Imported{{Source: "s", ExternalID: "1", ArticleID: f.art.ID, Guest: guest("Ann", "ann@example.org", ""),
			BodyHTML: "Guest here", Status: StatusVisible, At: time.Now().Add(-time.Minute)}})
		g := res[0].ID
		if _, err := f.s.Post(ctx, New{ArticleID: f.art.ID, ParentID: g, AuthorID: f.people[2].ID, Body: "A reply to a guest",
			Site: Site{Name: "Site", BaseURL: "http://site.test"}, AuthorName: "Person 2"}, Rules{Open: true, MaxLinks: -1}); err != nil {
			t.Fatal(err)
		}
		var queued int
		if err := d.QueryRow(ctx, `SELECT count(*) FROM mail_outbox`).Scan(&queued); err != nil {
			t.Fatal(err)
		}
		if queued != 0 {
			t.Errorf("%d mails queued for a reply to a guest", queued)
		}
		if _, err := f.s.Edit(ctx, g, f.people[1].ID, "changed"); err != apperr.ErrNotFound {
			t.Errorf("a member edited a guest's comment: %v", err)
		}
		if err := f.s.Delete(ctx, g, f.people[1].ID); err != apperr.ErrNotFound {
			t.Errorf("a member deleted a guest's comment: %v", err)
		}
		c, err := f.s.Vote(ctx, g, f.people[1].ID, 1)
		if err != nil || c.Up != 1 || !c.Author.Guest {
			t.Fatalf("vote on a guest's comment: %+v %v", c, err)
		}
		if err := f.s.EditByModerator(ctx, g, f.people[0].ID, "Edited by a moderator"); err != nil {
			t.Fatal(err)
		}
		recent, err := f.s.Recent(ctx, f.art.ID, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(recent) != 2 || !recent[1].Guest || recent[1].AuthorName != "Ann" || recent[1].AuthorSlug != "" {
			t.Fatalf("recent: %+v", recent)
		}
		found, err := f.s.Find(ctx, Filter{Queue: QueueAll, Search: "ann@example"}, 10)
		if err != nil || len(found) != 1 || found[0].ID != g {
			t.Fatalf("search by a guest's e-mail: %+v %v", found, err)
		}
	})
}

// Whatever HTML an import brings, what is stored (and what its Markdown
// renders) holds only the comment subset's tags, with no attribute but a
// link's address and its rel="nofollow ugc", and no javascript: address.
func FuzzImportedHTML(f *testing.F) {
	for _, seed := range []string{"plain\n\ntext", `<a href="javascript:alert(1)">x</a>`, `<p onmouseover="x()">hi</p>`, `<scr<script>ipt>alert(1)</script>`,
		`<a href="https://x.example" rel="me">a</a><a>b</a>`, "<pre><code>`x`</code></pre>", `<svg onload=alert(1)>`, `<iframe srcdoc="<script>x</script>">`,
		`<blockquote><ul><li>a</li></ul></blockquote>`, `<a href="http://x.example/<b>">y</a>`, "jAvAsCript:0 onclick=x"} {
		f.Add(seed)
	}
	tag := regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>`)
	attr := regexp.MustCompile(`([a-zA-Z-]+)="([^"]*)"`)
	allowed := map[string]bool{"p": true, "br": true, "em": true, "strong": true, "b": true, "i": true, "del": true, "s": true, "blockquote": true,
		"q": true, "cite": true, "code": true, "pre": true, "ul": true, "ol": true, "li": true, "a": true}
	f.Fuzz(func(t *testing.T, in string) {
		html, _, md := importedHTML(in)
		for _, out := range []string{html, renderer.Render(md).HTML} {
			for _, m := range tag.FindAllStringSubmatch(out, -1) {
				name, rest := strings.ToLower(m[2]), strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(m[3]), "/"))
				if !allowed[name] {
					t.Fatalf("%q keeps <%s>: %q", in, name, out)
				}
				if m[1] == "/" || rest == "" {
					continue
				}
				attrs := attr.FindAllStringSubmatch(rest, -1)
				if name != "a" || strings.TrimSpace(attr.ReplaceAllString(rest, "")) != "" {
					t.Fatalf("%q: <%s %s> in %q", in, name, rest, out)
				}
				rel := false
				for _, a := range attrs {
					switch {
					case a[1] == "rel" && a[2] == "nofollow ugc":
						rel = true
					case a[1] == "href" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(a[2])), "javascript:"):
					default:
						t.Fatalf("%q: attribute %s=%q in %q", in, a[1], a[2], out)
					}
				}
				if !rel {
					t.Fatalf("%q: a link without nofollow ugc in %q", in, out)
				}
			}
		}
	})
}

// A reply chain deeper than a thread path can hold (a Disqus export has no
// depth limit) is stored and read back in its order, on both engines, and
// a reader can still reply at its bottom.
func TestImportChainDeeperThanAPath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		start := time.Date(2015, 3, 4, 5, 6, 7, 0, time.UTC)
		const deep = 1000
		var list []Imported
		for i := range deep {
			im := Imported{Source: "disqus:forum", ExternalID: fmt.Sprint(i + 1), ArticleID: f.art.ID, Guest: guest(fmt.Sprintf("G%d", i), "", ""),
				BodyHTML: fmt.Sprintf("<p>Level %d</p>", i), Status: StatusVisible, At: start.Add(time.Duration(i) * time.Minute)}
			if i > 0 {
				im.ParentExternalID = fmt.Sprint(i)
			}
			list = append(list, im)
		}
		// In two calls, so that the second places replies under a parent
		// read from the database.
		res := append(f.importAll(t, list[:deep/2]), f.importAll(t, list[deep/2:])...)
		all, err := f.s.WholeThread(ctx, res[0].ID, 2*deep)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != deep {
			t.Fatalf("thread has %d comments, want %d", len(all), deep)
		}
		for i, c := range all {
			if c.ID != res[i].ID || c.Depth != i || (i > 0 && c.ParentID != res[i-1].ID) {
				t.Fatalf("comment %d of the thread: id %d depth %d parent %d; want id %d", i, c.ID, c.Depth, c.ParentID, res[i].ID)
			}
		}
		p, err := f.s.Post(ctx, New{ArticleID: f.art.ID, AuthorID: f.people[1].ID, ParentID: res[deep-1].ID, Body: "At the very bottom"}, Rules{Open: true, MaxLinks: -1})
		if err != nil {
			t.Fatal(err)
		}
		all, err = f.s.WholeThread(ctx, res[0].ID, 2*deep)
		if err != nil {
			t.Fatal(err)
		}
		if last := all[len(all)-1]; last.ID != p.Comment.ID || last.Depth != deep || last.ParentID != res[deep-1].ID {
			t.Fatalf("the reply at the bottom: %+v", last)
		}
	})
}
