package wordpress

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// TestReaderStreams reads a large generated file with a reader that
// counts what was asked of it, to show records come before the end.
func TestReaderStreams(t *testing.T) {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(Generate(pw, GenerateOptions{Articles: 200, CommentsPerArticle: 5, Seed: 1}))
	}()
	r := NewReader(pr)
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rec.(*Site); !ok {
		t.Fatalf("first record %T", rec)
	}
	// The pipe hands over what the generator wrote so far: the site came
	// before the generator finished.
	n := 1
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(fmt.Errorf("record %d: %w", n, err))
		}
		n++
	}
	if n < 200 {
		t.Errorf("%d records", n)
	}
}

// TestGenerate reads a generated file back and checks that it has what it
// promises: the same bytes for the same seed, every post and comment
// status, guests and members, and nesting exactly 10 deep at most.
func TestGenerate(t *testing.T) {
	opts := GenerateOptions{Articles: 120, CommentsPerArticle: 40, Seed: 7}
	var a, b bytes.Buffer
	if err := Generate(&a, opts); err != nil {
		t.Fatal(err)
	}
	if err := Generate(&b, opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same seed gave two files")
	}
	b.Reset()
	opts.Seed = 8
	if err := Generate(&b, opts); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two seeds gave one file")
	}

	r := NewReader(bytes.NewReader(a.Bytes()))
	recs := readAll(t, r)
	if len(r.Unknown()) != 0 {
		t.Errorf("unknown elements %v", r.Unknown())
	}
	types := map[string]int{}
	statuses := map[string]int{}
	approved := map[string]int{}
	ctypes := map[string]int{}
	var members, guests, comments, maxDepth, authors int
	for _, rec := range recs {
		switch rec := rec.(type) {
		case *Author:
			authors++
		case *Item:
			types[rec.Type]++
			if rec.Type != "post" {
				continue
			}
			statuses[rec.Status]++
			if (rec.Status == "draft" || rec.Status == "pending") != rec.PostDateGMT.IsZero() {
				t.Errorf("post %d (%s): GMT date %v", rec.ID, rec.Status, rec.PostDateGMT)
			}
			depth := map[int64]int{}
			for _, c := range rec.Comments {
				comments++
				d := 1
				if c.Parent != 0 {
					pd, ok := depth[c.Parent]
					if !ok {
						t.Fatalf("comment %d: parent %d not before it in its post", c.ID, c.Parent)
					}
					d = pd + 1
				}
				depth[c.ID] = d
				maxDepth = max(maxDepth, d)
				approved[c.Approved]++
				ctypes[c.Type]++
				if c.UserID != 0 {
					members++
				} else {
					guests++
				}
			}
			if _, refs := Content(rec.Content, ContentOptions{}); len(refs) > 0 {
				for _, ref := range refs {
					if ref.Kind == RefShortcode || ref.Kind == RefRemoved || ref.Kind == RefBlock {
						t.Errorf("post %d: %+v", rec.ID, ref)
					}
				}
			}
		}
	}
	if types["post"] != 120 || types["page"] != 3 || types["attachment"] != 30 {
		t.Errorf("items by type %v", types)
	}
	if authors != genAuthors {
		t.Errorf("%d authors", authors)
	}
	if comments != 120*40 {
		t.Errorf("%d comments", comments)
	}
	if maxDepth != 10 {
		t.Errorf("deepest comment %d, want 10", maxDepth)
	}
	for _, s := range []string{"publish", "draft", "future", "pending", "private", "trash"} {
		if statuses[s] == 0 {
			t.Errorf("no %s post (%v)", s, statuses)
		}
	}
	for _, s := range []string{"1", "0", "spam", "trash"} {
		if approved[s] == 0 {
			t.Errorf("no comment with status %s (%v)", s, approved)
		}
	}
	for _, s := range []string{"comment", "pingback", "trackback"} {
		if ctypes[s] == 0 {
			t.Errorf("no %s (%v)", s, ctypes)
		}
	}
	if members == 0 || guests == 0 {
		t.Errorf("%d members' and %d guests' comments", members, guests)
	}
	// And the whole of it writes and reads back the same.
	diffRecords(t, readAll(t, NewReader(bytes.NewReader(writeAll(t, recs)))), recs)
}

// BenchmarkRead reads a generated file (2,000 articles, 20,000 comments):
// its items per second are the reader's share of an import.
func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	if err := Generate(&buf, GenerateOptions{Articles: 2000, CommentsPerArticle: 10, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	records := 0
	for range b.N {
		r := NewReader(bytes.NewReader(buf.Bytes()))
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			records++
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
