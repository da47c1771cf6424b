package disqus

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// readAll reads every item of an export, stopping at the first error.
func readAll(r io.Reader) (cats []Category, threads []Thread, posts []Post, err error) {
	rd := NewReader(r)
	for {
		it, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return cats, threads, posts, nil
		}
		if err != nil {
			return cats, threads, posts, err
		}
		switch x := it.(type) {
		case *Category:
			cats = append(cats, *x)
		case *Thread:
			threads = append(threads, *x)
		case *Post:
			posts = append(posts, *x)
		}
	}
}

func fixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/export.xml")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The fixture: one category, two threads (one closed, with a date
// without a zone and a title in three scripts), an element the reader
// does not know, and five posts: a guest's top-level comment, a deleted
// anonymous reply to it, a member's reply to that reply listed before it,
// spam, and a member's comment in German, Japanese, Hebrew and emoji.
func TestReadExport(t *testing.T) {
	cats, threads, posts, err := readAll(strings.NewReader(string(fixture(t))))
	if err != nil {
		t.Fatal(err)
	}
	if len(cats) != 1 || cats[0] != (Category{ID: "100", Forum: "gazette", Title: "General", IsDefault: true}) {
		t.Errorf("categories: %+v", cats)
	}
	wantThreads := []Thread{
		{ID: "2001", Ident: "post-17", Forum: "gazette", CategoryID: "100", Link: "https://gazette.example/2014/05/02/plant-closes/", Title: "The plant closes",
			CreatedAt: time.Date(2014, 5, 2, 8, 0, 0, 0, time.UTC), Author: Author{Name: "Edith Stone", Email: "edith@gazette.example", Username: "edithstone"}, IP: "192.0.2.1"},
		{ID: "2002", Forum: "gazette", CategoryID: "100", Link: "https://gazette.example/2015/01/09/zurich-motor-show/", Title: "Zürich motor show: 日本の車 & more",
			CreatedAt: time.Date(2015, 1, 9, 10, 30, 0, 0, time.UTC), Author: Author{Name: "Edith Stone", Username: "edithstone"}, IP: "192.0.2.1", Closed: true},
	}
	if fmt.Sprintf("%+v", threads) != fmt.Sprintf("%+v", wantThreads) {
		t.Errorf("threads:\n%+v\nwant\n%+v", threads, wantThreads)
	}
	wantPosts := []Post{
		{ID: "5001", ThreadID: "2001", Message: "<p>First! The plant built <b>good</b> cars.</p>", CreatedAt: time.Date(2014, 5, 2, 9, 0, 0, 0, time.UTC),
			Author: Author{Name: "Ann Guest", Email: "ann@readers.example", Anonymous: true}, IP: "198.51.100.7"},
		{ID: "5003", ThreadID: "2001", ParentID: "5002", Message: "<p>Third level, written before its parent was listed.</p>", CreatedAt: time.Date(2014, 5, 2, 11, 0, 0, 0, time.UTC),
			Author: Author{Name: "Carl Member", Email: "carl@readers.example", Username: "carlm"}, IP: "203.0.113.9"},
		{ID: "5002", ThreadID: "2001", ParentID: "5001", Message: `<p>A reply: I disagree.</p><p>Second paragraph with <a href="https://example.org/">a link</a>.</p>`,
			CreatedAt: time.Date(2014, 5, 2, 10, 0, 0, 0, time.UTC), Deleted: true, Author: Author{Name: "Bob", Anonymous: true}, IP: "198.51.100.8"},
		{ID: "5004", ThreadID: "2001", Message: "<p>BUY CHEAP WATCHES http://spam.example</p>", CreatedAt: time.Date(2014, 5, 3, 0, 0, 0, 0, time.UTC), Spam: true,
			Author: Author{Name: "Watches", Email: "spam@spam.example", Anonymous: true}, IP: "203.0.113.66"},
		{ID: "5005", Ident: "wp-88", ThreadID: "2002", Message: "<p>Grüße aus Zürich 🚗 — 日本の車が好きです; שלום</p>", CreatedAt: time.Date(2015, 1, 9, 12, 0, 0, 0, time.UTC),
			Author: Author{Name: "Zoë Ünal", Email: "zoe@readers.example", Username: "zoe_u"}, IP: "2001:db8::1"},
	}
	if len(posts) != len(wantPosts) {
		t.Fatalf("%d posts, want %d", len(posts), len(wantPosts))
	}
	for i := range posts {
		if fmt.Sprintf("%+v", posts[i]) != fmt.Sprintf("%+v", wantPosts[i]) {
			t.Errorf("post %d:\n%+v\nwant\n%+v", i, posts[i], wantPosts[i])
		}
	}

	var order []string
	for _, p := range ParentsFirst(posts) {
		order = append(order, p.ID)
	}
	if fmt.Sprint(order) != "[5001 5002 5003 5004 5005]" {
		t.Errorf("parents first: %v", order)
	}
}

// Replies come after their parents at any depth; a post whose parent is
// missing comes after the rest with its own replies, and a loop of
// parents (which no export should hold) is kept, last.
func TestParentsFirst(t *testing.T) {
	var posts []Post
	// A chain 12 deep, listed deepest first.
	for i := 12; i >= 1; i-- {
		p := Post{ID: fmt.Sprint(i)}
		if i > 1 {
			p.ParentID = fmt.Sprint(i - 1)
		}
		posts = append(posts, p)
	}
	posts = append(posts, Post{ID: "orphan-reply", ParentID: "orphan"}, Post{ID: "orphan", ParentID: "gone"},
		Post{ID: "loop-a", ParentID: "loop-b"}, Post{ID: "loop-b", ParentID: "loop-a"}, Post{ID: "top"})
	var got []string
	for _, p := range ParentsFirst(posts) {
		got = append(got, p.ID)
	}
	want := "[1 2 3 4 5 6 7 8 9 10 11 12 top orphan orphan-reply loop-a loop-b]"
	if fmt.Sprint(got) != want {
		t.Errorf("got  %v\nwant %s", got, want)
	}
}

// A file cut short anywhere is an error naming where, never a shorter
// export: the items before the cut are read, then the error.
func TestTruncatedExport(t *testing.T) {
	full := string(fixture(t))
	for _, cut := range []string{
		"<title>The plant",                              // inside a thread
		"<![CDATA[<p>Grüße aus",                         // inside a message
		"</post>\n  <post dsq:id=\"5004\">",             // between posts, the root still open
		"<thread dsq:id=\"2002\" />\n  </post>\n",       // after the last post, before </disqus>
		`<?xml version="1.0" encoding="utf-8"?>` + "\n", // nothing but the declaration
	} {
		i := strings.Index(full, cut)
		if i < 0 {
			t.Fatalf("the fixture has no %q", cut)
		}
		short := full[:i+len(cut)]
		_, _, posts, err := readAll(strings.NewReader(short))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("cut after %q: err %v (%d posts), want an *Error", cut, err, len(posts))
			continue
		}
		lines := strings.Count(short, "\n") + 1
		if e.Line < 1 || e.Line > lines || e.Column < 1 || !strings.Contains(e.Error(), "cut short") {
			t.Errorf("cut after %q (%d lines): %v (line %d, column %d)", cut, lines, err, e.Line, e.Column)
		}
	}
	// Cut between posts, the posts before the cut were read.
	i := strings.Index(full, `<post dsq:id="5004">`)
	_, _, posts, err := readAll(strings.NewReader(full[:i]))
	if err == nil || len(posts) != 3 {
		t.Errorf("cut before the spam: %d posts, err %v", len(posts), err)
	}
}

// Malformed exports are refused with the line and column of the fault.
func TestMalformedExport(t *testing.T) {
	const head = `<?xml version="1.0"?>` + "\n" + `<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">` + "\n"
	post := func(inner string) string {
		return head + `<post dsq:id="1">` + "\n" + inner + "\n</post>\n</disqus>\n"
	}
	const ok = `<thread dsq:id="9"/><createdAt>2014-01-01T00:00:00Z</createdAt>`
	for _, tc := range []struct {
		name, doc string
		line      int
		says      string
	}{
		{"mismatched tags", head + "<post dsq:id=\"1\">\n<message>hi</mesage>\n</post>\n</disqus>", 4, "mesage"},
		{"not a Disqus export", `<?xml version="1.0"?>` + "\n<rss><channel/></rss>", 2, "not <disqus>"},
		{"bad boolean", post(ok + "\n<isSpam>maybe</isSpam>"), 3, `isSpam is "maybe"`},
		{"bad date", post(`<thread dsq:id="9"/>` + "\n<createdAt>yesterday</createdAt>"), 3, `createdAt "yesterday"`},
		{"no date", post(`<thread dsq:id="9"/>`), 3, "no createdAt"},
		{"no thread", post(`<createdAt>2014-01-01T00:00:00Z</createdAt>`), 3, "no thread"},
		{"own parent", post(ok + `<parent dsq:id="1"/>`), 3, "own parent"},
		{"no id", head + "\n\n<post>" + ok + "</post></disqus>", 5, "no dsq:id"},
		{"control character", post(ok + "<message>a\x01b</message>"), 4, "illegal character"},
		{"after the root", head + "</disqus>\n<post/>", 4, "after </disqus>"},
		{"empty", "", 1, "cut short"},
	} {
		_, _, _, err := readAll(strings.NewReader(tc.doc))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: err %v, want an *Error", tc.name, err)
			continue
		}
		if e.Line != tc.line || e.Column < 1 || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), fmt.Sprintf("line %d, column ", tc.line)) {
			t.Errorf("%s: %v (line %d, column %d), want line %d saying %q", tc.name, err, e.Line, e.Column, tc.line, tc.says)
		}
	}
}

// Whatever bytes come in, the reader ends: items then io.EOF, or an
// *Error with a place in the file.
func FuzzReader(f *testing.F) {
	full, err := os.ReadFile("testdata/export.xml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Add(full[:len(full)/2])
	f.Add([]byte(`<disqus><post dsq:id="1"><thread dsq:id="2"/><createdAt>2014-01-01T00:00:00Z</createdAt></post></disqus>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		rd := NewReader(strings.NewReader(string(in)))
		for n := 0; ; n++ {
			if n > len(in) {
				t.Fatalf("more items than bytes: %d", n)
			}
			_, err := rd.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.Line < 1 || e.Column < 1 {
					t.Fatalf("%q: %v is not placed", in, err)
				}
				return
			}
		}
	})
}
