package wordpress

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// writeAll writes recs (a *Site first) with a Writer.
func writeAll(t testing.TB, recs []Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, rec := range recs {
		var err error
		switch rec := rec.(type) {
		case *Site:
			err = w.Site(rec)
		case *Author:
			err = w.Author(rec)
		case *Category:
			err = w.Category(rec)
		case *Tag:
			err = w.Tag(rec)
		case *Term:
			err = w.Term(rec)
		case *Item:
			err = w.Item(rec)
		}
		if err != nil {
			t.Fatalf("writing %T: %v", rec, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoundTrip writes the sample site and reads it back, field for field.
// The sample carries "]]>" in text, unicode, unset GMT dates, every comment
// status and type, and meta of every kind.
func TestRoundTrip(t *testing.T) {
	want := sample("1.2")
	// Text the classic editor stores: CRLF and a lone CR must come back.
	post := want[len(want)-4].(*Item)
	post.Content += "\r\nline two\rline three ]]]]> ]]>"
	post.Comments[0].Content = "\r\n]]>\r"
	out := writeAll(t, want)
	got := readAll(t, NewReaderOptions(bytes.NewReader(out), ReaderOptions{Location: siteZone}))
	diffRecords(t, got, want)
}

// TestWriterMatchesFixtureShape: the written file reads the same as the
// hand-written 1.2 fixture, so what Byline exports is what WordPress
// exports.
func TestWriterReadsLikeFixture(t *testing.T) {
	f, err := os.ReadFile("testdata/wxr-1.2.xml")
	if err != nil {
		t.Fatal(err)
	}
	fromFixture := readAll(t, NewReaderOptions(bytes.NewReader(f), ReaderOptions{Location: siteZone}))
	again := readAll(t, NewReaderOptions(bytes.NewReader(writeAll(t, fromFixture)), ReaderOptions{Location: siteZone}))
	diffRecords(t, again, fromFixture)
}

// TestWriterRefuses text XML cannot carry, and records out of order.
func TestWriterRefuses(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Item(&Item{}); err == nil {
		t.Error("an item before the site was written")
	}
	w = NewWriter(&buf)
	if err := w.Site(&Site{Title: "ok"}); err != nil {
		t.Fatal(err)
	}
	err := w.Item(&Item{Title: "bell\x07"})
	if err == nil || !strings.Contains(err.Error(), "<title>") || !strings.Contains(err.Error(), "U+0007") {
		t.Errorf("control character: %v", err)
	}
	if w.Close() == nil {
		t.Error("Close after a failure succeeded")
	}
	w = NewWriter(&buf)
	_ = w.Site(&Site{})
	if err := w.Item(&Item{Terms: []ItemTerm{{Domain: "category", Nicename: "a\xffb"}}}); err == nil || !strings.Contains(err.Error(), "nicename") {
		t.Errorf("bad UTF-8 in an attribute: %v", err)
	}
}

// TestWriterDates: zero is "0000-00-00 00:00:00", GMT is written in UTC
// whatever the time's zone, local as its wall clock.
func TestWriterDates(t *testing.T) {
	it := &Item{
		PostDate:    time.Date(2024, 3, 1, 8, 0, 0, 0, siteZone),
		PostDateGMT: time.Date(2024, 3, 1, 8, 0, 0, 0, siteZone),
	}
	out := string(writeAll(t, []Record{&Site{}, it}))
	for _, want := range []string{
		"<wp:post_date><![CDATA[2024-03-01 08:00:00]]></wp:post_date>",
		"<wp:post_date_gmt><![CDATA[2024-03-01 07:00:00]]></wp:post_date_gmt>",
		"<wp:post_modified_gmt><![CDATA[0000-00-00 00:00:00]]></wp:post_modified_gmt>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s", want)
		}
	}
}
