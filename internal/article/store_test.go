package article

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"byline/internal/account"
	"byline/internal/apperr"
	"byline/internal/db"
	"byline/internal/dbtest"
)

func seedAuthor(t *testing.T, d *db.DB, name string) account.Person {
	t.Helper()
	p, err := account.NewStore(d).Create(context.Background(), account.NewPerson{
		Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.com", DisplayName: name,
		Country: "US", Roles: []account.Role{account.RoleContributor}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// asEditor is person id acting with an editor's role: every newsroom step.
func asEditor(id int64) account.Person {
	return account.Person{ID: id, Roles: []account.Role{account.RoleEditor}, VerifiedAt: time.Now()}
}

func TestStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		clock := time.Date(2012, 6, 1, 12, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return clock }
		alice := seedAuthor(t, d, "Alice Writer")
		bob := seedAuthor(t, d, "Bob Writer")

		base := time.Date(2012, 4, 5, 14, 15, 0, 0, time.UTC)
		for i := 0; i < 25; i++ {
			author := alice.ID
			tags := []string{"Cars"}
			if i%2 == 1 {
				author = bob.ID
				tags = append(tags, "Odd Ones")
			}
			// Two articles share a timestamp so keyset order needs the id.
			at := base.Add(-time.Duration(i/2) * time.Hour)
			_, err := s.Create(ctx, Draft{Headline: fmt.Sprintf("Story number %d", i), AuthorID: author,
				BodyMD: fmt.Sprintf("Body of story %d about **engines**.\n\nSecond paragraph.", i), Tags: tags,
				Status: StatusPublished, PublishedAt: at})
			if err != nil {
				t.Fatal(err)
			}
		}
		draft, err := s.Create(ctx, Draft{Headline: "Secret draft", AuthorID: alice.ID, BodyMD: "engines", Status: StatusDraft})
		if err != nil {
			t.Fatal(err)
		}
		future, err := s.Create(ctx, Draft{Headline: "Future piece", AuthorID: alice.ID, BodyMD: "engines of tomorrow",
			Status: StatusPublished, PublishedAt: clock.Add(48 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if future.Status != StatusScheduled {
			t.Fatalf("future-dated article has status %q, want scheduled", future.Status)
		}
		if n, err := s.PublishDue(ctx); n != 0 || err != nil {
			t.Fatalf("published %d articles before their time (%v)", n, err)
		}

		// Keyset pagination walks everything once, newest first, no duplicates.
		seen := map[int64]bool{}
		var cur *Cursor
		var last time.Time
		pages := 0
		for {
			p, err := s.List(ctx, ListQuery{Limit: 10, Before: cur, WithTags: true})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, a := range p.Articles {
				if seen[a.ID] {
					t.Fatalf("article %d twice", a.ID)
				}
				seen[a.ID] = true
				if !last.IsZero() && a.PublishedAt.After(last) {
					t.Fatalf("not newest first at %d", a.ID)
				}
				last = a.PublishedAt
				if len(a.Tags) == 0 {
					t.Fatalf("article %d has no tags loaded", a.ID)
				}
			}
			if p.Next == nil {
				break
			}
			c, err := ParseCursor(p.Next.String())
			if err != nil || !c.At.Equal(p.Next.At) || c.ID != p.Next.ID {
				t.Fatalf("cursor round trip: %v %v %v", c, *p.Next, err)
			}
			cur = &c
		}
		if len(seen) != 25 || pages != 3 || seen[draft.ID] || seen[future.ID] {
			t.Fatalf("listed %d articles on %d pages (draft %v, future %v)", len(seen), pages, seen[draft.ID], seen[future.ID])
		}

		// Filters.
		odd, err := s.TagBySlug(ctx, "odd-ones")
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.List(ctx, ListQuery{TagID: odd.ID, Limit: 100})
		if err != nil || len(p.Articles) != 12 {
			t.Fatalf("tag filter: %d articles, err %v", len(p.Articles), err)
		}
		p, err = s.List(ctx, ListQuery{AuthorID: alice.ID, Limit: 100})
		if err != nil || len(p.Articles) != 13 {
			t.Fatalf("author filter: %d articles, err %v", len(p.Articles), err)
		}
		p, err = s.List(ctx, ListQuery{From: base.Add(-2 * time.Hour), To: base.Add(time.Second), Limit: 100})
		if err != nil || len(p.Articles) != 6 {
			t.Fatalf("date range: %d articles, err %v", len(p.Articles), err)
		}
		tags, err := s.Tags(ctx, 0)
		if err != nil || len(tags) != 2 || tags[0].Slug != "cars" || tags[0].Count != 25 {
			t.Fatalf("tags: %+v, err %v", tags, err)
		}

		// Visibility: drafts and future pieces are not public until their time.
		if _, err := s.Public(ctx, draft.Slug); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("draft is public: %v", err)
		}
		if _, err := s.Public(ctx, future.Slug); !errors.Is(err, apperr.ErrNotFound) {
			t.Fatalf("future piece is public early: %v", err)
		}
		clock = clock.Add(49 * time.Hour) // time passes, no restart, no job
		a, err := s.Public(ctx, future.Slug)
		if err != nil {
			t.Fatalf("scheduled piece not public at its time: %v", err)
		}
		if a.Author.Name != "Alice Writer" || !strings.Contains(a.BodyHTML, "engines of tomorrow") {
			t.Fatalf("loaded article: %+v", a)
		}
		// The publisher marks it published once, moving the content counter
		// that page caches follow.
		var before, after int64
		d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&before)
		if n, err := s.PublishDue(ctx); n != 1 || err != nil {
			t.Fatalf("published %d due articles (%v), want 1", n, err)
		}
		d.QueryRow(ctx, `SELECT version FROM content_version`).Scan(&after)
		if after <= before {
			t.Fatalf("content version %d -> %d: caches would not notice", before, after)
		}
		if n, _ := s.PublishDue(ctx); n != 0 {
			t.Fatalf("published the same article again: %d", n)
		}
		if a, _ := s.Public(ctx, future.Slug); a.Status != StatusPublished {
			t.Fatalf("status %q after publishing", a.Status)
		}

		// Duplicate slug is a clear field error.
		_, err = s.Create(ctx, Draft{Headline: "Story number 3", AuthorID: alice.ID, BodyMD: "x", Status: StatusDraft})
		if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["slug"] == "" {
			t.Fatalf("duplicate slug: %v", err)
		}
		// Unknown author, empty headline.
		_, err = s.Create(ctx, Draft{Headline: "", AuthorID: 9999, BodyMD: "", Status: StatusPublished}) // a draft may be empty; a published article not
		if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["headline"] == "" || inv.Fields["body"] == "" {
			t.Fatalf("empty draft: %v", err)
		}
		_, err = s.Create(ctx, Draft{Headline: "Orphan", AuthorID: 9999, BodyMD: "x"})
		if inv, ok := apperr.AsInvalid(err); !ok || inv.Fields["author"] == "" {
			t.Fatalf("unknown author: %v", err)
		}
	})
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		w := seedAuthor(t, d, "Search Writer")
		now := time.Now()
		mk := func(h, body string, st Status) Article {
			a, err := s.Create(ctx, Draft{Headline: h, AuthorID: w.ID, BodyMD: body, Status: st, PublishedAt: now.Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		mk("Infiniti moves production", "Nissan's luxury brand will build cars in Tennessee and China. <b>bold</b> & more.", StatusPublished)
		mk("Truck sales climb", "Pickups sold well; Infiniti was not part of it.", StatusPublished)
		draft := mk("Hidden draft about Infiniti", "Infiniti Infiniti Infiniti", StatusDraft)
		for i := 0; i < 12; i++ {
			mk(fmt.Sprintf("Engine note %d", i), "A note about engines and pistons.", StatusPublished)
		}

		res, err := s.Search(ctx, "infiniti", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != 2 || res.Hits[0].Headline != "Infiniti moves production" {
			t.Fatalf("hits: %+v", res.Hits)
		}
		if !strings.Contains(strings.ToLower(res.Hits[1].Snippet), "<mark>infiniti</mark>") {
			t.Fatalf("snippet not highlighted: %q", res.Hits[1].Snippet)
		}
		res, err = s.Search(ctx, "tennessee", 1)
		if err != nil || len(res.Hits) != 1 || strings.Contains(res.Hits[0].Snippet, "<b>") {
			t.Fatalf("snippet must be escaped text: %+v %v", res.Hits, err)
		}
		// Curly quotes are characters in snippets, not entities shown as text.
		if sn := res.Hits[0].Snippet; !strings.Contains(sn, "Nissan’s") || strings.Contains(sn, "rsquo") {
			t.Fatalf("snippet shows an entity: %q", sn)
		}
		if res.Total != 1 {
			t.Fatalf("total %d, want 1", res.Total)
		}
		// A word far into a long article is still shown where it is,
		// after a stop word that is everywhere.
		mk("A long road test", strings.Repeat("The suspension soaks up bumps with no fuss. ", 200)+"Only the turbocharger whistles.", StatusPublished)
		for _, q := range []string{"turbochargers", "with turbocharger"} {
			res, err = s.Search(ctx, q, 1)
			if err != nil || len(res.Hits) != 1 || !strings.Contains(strings.ToLower(res.Hits[0].Snippet), "<mark>turbocharger</mark>") {
				t.Fatalf("%q, a match deep in the text: %+v, %v", q, res.Hits, err)
			}
		}
		// Pagination.
		res, err = s.Search(ctx, "engines", 1)
		if err != nil || len(res.Hits) != SearchPerPage || !res.HasNext || res.Total != 12 {
			t.Fatalf("page 1: %d hits, next %v, err %v", len(res.Hits), res.HasNext, err)
		}
		res, err = s.Search(ctx, "engines", 2)
		if err != nil || len(res.Hits) != 2 || res.HasNext || res.Total != 12 || res.More {
			t.Fatalf("page 2: %d hits, next %v, total %d, more %v, err %v", len(res.Hits), res.HasNext, res.Total, res.More, err)
		}
		// Matches are counted only as far as the pages can go.
		defer func(c int) { countCap = c }(countCap)
		countCap = 11
		res, err = s.Search(ctx, "engines", 2)
		if err != nil || len(res.Hits) != 2 || res.Total != 11 || !res.More {
			t.Fatalf("capped count: %d hits, total %d, more %v, err %v", len(res.Hits), res.Total, res.More, err)
		}
		countCap = 12
		if res, err = s.Search(ctx, "engines", 1); err != nil || res.Total != 12 || res.More {
			t.Fatalf("count at the cap: total %d, more %v, err %v", res.Total, res.More, err)
		}
		// What is searched follows every edit: published, the draft is
		// found by its new headline and no longer by its old words;
		// back to a draft, it is not found at all.
		saved, err := s.Save(ctx, draft.ID, 1, Draft{Headline: "Roadster revealed", AuthorID: w.ID, BodyMD: "A two-seater.",
			Status: StatusPublished, PublishedAt: now.Add(-time.Hour)}, asEditor(w.ID))
		if err != nil {
			t.Fatal(err)
		}
		if res, err := s.Search(ctx, "roadster", 1); err != nil || len(res.Hits) != 1 || res.Hits[0].ID != draft.ID {
			t.Fatalf("published draft: %+v, %v", res.Hits, err)
		}
		if res, err := s.Search(ctx, "infiniti", 1); err != nil || res.Total != 2 {
			t.Fatalf("old words still found: total %d, %v", res.Total, err)
		}
		if _, err := s.Save(ctx, draft.ID, saved.Version, Draft{Headline: "Roadster revealed", Slug: saved.Slug, AuthorID: w.ID, BodyMD: "A two-seater.",
			Status: StatusDraft}, asEditor(w.ID)); err != nil {
			t.Fatal(err)
		}
		if res, err := s.Search(ctx, "roadster", 1); err != nil || len(res.Hits) != 0 {
			t.Fatalf("a draft again is found: %+v, %v", res.Hits, err)
		}
		// Nothing a person types is an error.
		for _, q := range []string{`"`, `"unbalanced`, `AND OR NOT`, `NEAR(`, `*`, `-infiniti`, `infiniti:`, `(()`,
			`日本の工場`, `Ünïcödé`, `'; DROP TABLE articles; --`, `col:x`, `^`, "\x00", strings.Repeat("a ", 500), `!!!`} {
			if _, err := s.Search(ctx, q, 1); err != nil {
				t.Errorf("search %q: %v", q, err)
			}
		}
	})
}

// TestSearchOrder pins the ranking rule: of the newest searchPool matches,
// headline matches come first, then the more relevant, then the newer of
// equals; older matches follow newest first, however relevant.
func TestSearchOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := NewStore(d)
		now := time.Date(2012, 6, 1, 12, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return now }
		w := seedAuthor(t, d, "Order Writer")
		// Bodies of one length, so relevance is the number of mentions.
		body := func(mentions int) string {
			words := strings.Fields("dealers report steady demand while sales hold up in the midwest and analysts expect another shift soon")
			for i := 0; i < mentions; i++ {
				words[i*3] = "turbo"
			}
			return strings.Join(words, " ") + "."
		}
		mk := func(headline, md string, daysAgo int) {
			t.Helper()
			slug := fmt.Sprintf("%s-%d", strings.ReplaceAll(strings.ToLower(headline), " ", "-"), daysAgo)
			if _, err := s.Create(ctx, Draft{Headline: headline, Slug: slug, AuthorID: w.ID, BodyMD: md, Status: StatusPublished,
				PublishedAt: now.AddDate(0, 0, -daysAgo)}); err != nil {
				t.Fatal(err)
			}
		}
		mk("Turbo engines explained", body(0), 30) // the headline match, the oldest
		mk("Weekly notes", body(4), 10)            // the most mentions in a body
		mk("Twin story", body(2), 6)               // two equals: the newer first
		mk("Twin story", body(2), 5)
		mk("Market report", body(1), 1) // the newest, one mention
		mk("Unrelated", body(0), 0)

		order := func() []string {
			t.Helper()
			res, err := s.Search(ctx, "turbo", 1)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 5 || res.More || res.HasNext {
				t.Fatalf("total %d, more %v, next %v", res.Total, res.More, res.HasNext)
			}
			var out []string
			for _, h := range res.Hits {
				out = append(out, fmt.Sprintf("%s %d", h.Headline, int(now.Sub(h.PublishedAt).Hours()/24)))
			}
			return out
		}
		want := []string{"Turbo engines explained 30", "Weekly notes 10", "Twin story 5", "Twin story 6", "Market report 1"}
		if got := order(); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("ranked order:\n got %q\nwant %q", got, want)
		}
		// Only the newest three are ranked; the older two follow by date,
		// the headline match last as the oldest.
		defer func(n int) { searchPool = n }(searchPool)
		searchPool = 3
		want = []string{"Twin story 5", "Twin story 6", "Market report 1", "Weekly notes 10", "Turbo engines explained 30"}
		if got := order(); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("order past the pool:\n got %q\nwant %q", got, want)
		}
		// Paging past the pool reads on in date order.
		searchPool = 1
		for i := 0; i < 15; i++ {
			mk(fmt.Sprintf("Filler %d", i), body(1), 40+i)
		}
		seen := map[int64]bool{}
		var last time.Time
		for page := 1; page <= 2; page++ {
			res, err := s.Search(ctx, "turbo", page)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 20 || res.HasNext != (page == 1) {
				t.Fatalf("page %d: total %d, next %v", page, res.Total, res.HasNext)
			}
			for i, h := range res.Hits {
				if seen[h.ID] {
					t.Fatalf("page %d repeats %q", page, h.Headline)
				}
				seen[h.ID] = true
				if (page > 1 || i > 1) && h.PublishedAt.After(last) {
					t.Fatalf("page %d hit %d (%q) is newer than the one before", page, i, h.Headline)
				}
				last = h.PublishedAt
			}
		}
		if len(seen) != 20 {
			t.Fatalf("%d articles over two pages, want 20", len(seen))
		}
		// A span back from the newest article holding more matches than
		// the count reports gives what the whole archive gives.
		defer func(c int, w []time.Duration) { countCap, searchWindows = c, w }(countCap, searchWindows)
		countCap = 11
		var pages [][]string
		for _, windows := range [][]time.Duration{nil, {48 * time.Hour, 47 * 24 * time.Hour}, {48 * time.Hour}} {
			searchWindows = windows
			res, err := s.Search(ctx, "turbo", 1)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 11 || !res.More || !res.HasNext {
				t.Fatalf("windows %v: total %d, more %v, next %v", windows, res.Total, res.More, res.HasNext)
			}
			var ids []string
			for _, h := range res.Hits {
				ids = append(ids, h.Slug)
			}
			pages = append(pages, ids)
		}
		for i := range pages[1:] {
			if strings.Join(pages[i+1], " ") != strings.Join(pages[0], " ") {
				t.Fatalf("within a window:\n got %q\nwant %q", pages[i+1], pages[0])
			}
		}
	})
}

func FuzzFTS5Query(f *testing.F) {
	d := dbtest.SQLite(f)
	s := NewStore(d)
	for _, q := range []string{`"a" OR b*`, `NEAR(a b)`, `a:b`, `日本`, `^x`} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.Search(context.Background(), q, 1); err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
	})
}

func TestParseFile(t *testing.T) {
	loc := time.FixedZone("EST", -5*3600)
	good := "---\ntitle: \"A title\"\nauthor: elliot-vance\ndate: 2012-04-05\ntags: [a, b]\nstatus: pending review\n---\nBody.\n"
	f, err := ParseFile([]byte(good), loc)
	if err != nil {
		t.Fatal(err)
	}
	if f.Title != "A title" || f.Status != StatusPending || len(f.Tags) != 2 || !f.Date.Equal(time.Date(2012, 4, 5, 0, 0, 0, 0, loc)) || f.Body != "Body.\n" {
		t.Fatalf("parsed %+v", f)
	}
	bad := map[string]string{
		"no front matter":  "Just a body",
		"unclosed":         "---\ntitle: x\n",
		"bad yaml":         "---\ntitle: [unclosed\n---\nbody",
		"unknown field":    "---\ntitle: x\nauthor: y\ncolour: red\n---\nbody",
		"no title":         "---\nauthor: y\n---\nbody",
		"bad date":         "---\ntitle: x\nauthor: y\ndate: April fifth\n---\nbody",
		"bad status":       "---\ntitle: x\nauthor: y\nstatus: live\n---\nbody",
		"empty body":       "---\ntitle: x\nauthor: y\n---\n\n",
		"tags not a list":  "---\ntitle: x\nauthor: y\ntags: {a: b}\n---\nbody",
		"no author at all": "---\ntitle: x\n---\nbody",
	}
	for name, src := range bad {
		_, err := ParseFile([]byte(src), loc)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error has several lines: %q", name, err)
		}
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add([]byte("---\ntitle: x\nauthor: y\ndate: 2012-04-05\n---\nbody"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := ParseFile(data, time.UTC)
		if err == nil && (file.Title == "" || file.Author == "") {
			t.Fatalf("accepted a file without title or author: %q", data)
		}
	})
}
