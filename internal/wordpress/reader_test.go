package wordpress

import (
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// readAll reads every record of a file.
func readAll(t testing.TB, r *Reader) []Record {
	t.Helper()
	var recs []Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return recs
		}
		if err != nil {
			t.Fatalf("record %d: %v", len(recs), err)
		}
		recs = append(recs, rec)
	}
}

func diffRecords(t *testing.T, got, want []Record) {
	t.Helper()
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			t.Errorf("record %d missing: want %+v", i, want[i])
		case i >= len(want):
			t.Errorf("record %d extra: got %+v", i, got[i])
		case !reflect.DeepEqual(got[i], want[i]):
			t.Errorf("record %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

// TestReadEachVersion reads the hand-written fixture of each WXR version
// and compares every field.
func TestReadEachVersion(t *testing.T) {
	for _, v := range []string{"1.0", "1.1", "1.2"} {
		t.Run(v, func(t *testing.T) {
			f, err := os.Open("testdata/wxr-" + v + ".xml")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r := NewReaderOptions(f, ReaderOptions{Location: siteZone})
			diffRecords(t, readAll(t, r), sample(v))
			// Only RSS's generator is skipped, and it is known.
			if len(r.Unknown()) != 0 {
				t.Errorf("unknown elements: %v", r.Unknown())
			}
		})
	}
}

// TestDates checks the rule of Item.Date: GMT when set, the local field in
// the site's zone when GMT is unset (a draft).
func TestDates(t *testing.T) {
	recs := sample("1.2")
	post, draft := recs[len(recs)-4].(*Item), recs[len(recs)-3].(*Item)
	if got := post.Date(); !got.Equal(time.Date(2024, 1, 2, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("published post's date %v", got)
	}
	if got := draft.Date(); !got.Equal(time.Date(2024, 1, 5, 17, 45, 10, 0, time.UTC)) {
		t.Errorf("draft's date %v: the local time in CET is 17:45 GMT", got)
	}
	if c := post.Comments[2]; !c.Moment().Equal(time.Date(2024, 1, 2, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("comment without GMT: %v", c.Moment())
	}
	if got := draft.Modified(); !got.Equal(time.Date(2024, 1, 5, 17, 45, 10, 0, time.UTC)) {
		t.Errorf("modified %v", got)
	}
}

const wxrHead = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
<title>T</title>
`

// TestReadErrors: every refusal names the place in the file. The place is
// where the decoder stopped: at the fault or just after it (the end of the
// text or element that holds it).
func TestReadErrors(t *testing.T) {
	cases := []struct {
		name, doc     string
		want          string // in the message
		line, column  int
		notWXR        bool
		recordsBefore int
	}{
		{name: "empty", doc: "", want: "empty", line: 1, column: 1, notWXR: true},
		{name: "html page", doc: "<!DOCTYPE html>\n<html><body>hi</body></html>", want: "the document is <html>", line: 2, column: 7, notWXR: true},
		{name: "plain feed", doc: "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel></channel></rss>", want: "no WordPress namespace", line: 2, column: 20, notWXR: true},
		{name: "not xml", doc: "title,body\nhello,world\n", want: "no XML element", line: 3, column: 1, notWXR: true},
		{name: "future version", doc: "<rss xmlns:wp=\"http://wordpress.org/export/1.3/\">\n<channel></channel></rss>", want: "WXR version 1.3", line: 1, column: 50},
		{name: "future version element", doc: wxrHead + "<wp:wxr_version>2.0</wp:wxr_version>\n</channel></rss>", want: `WXR version "2.0"`, line: 5, column: 37},
		{name: "truncated", doc: wxrHead + "<item><title>Half", want: "truncated", line: 5, column: 18, recordsBefore: 0},
		{name: "truncated after item", doc: wxrHead + "<item><title>Whole</title></item>\n<item>", want: "truncated", line: 6, column: 7, recordsBefore: 2},
		{name: "no closing rss", doc: wxrHead + "</channel>", want: "truncated", line: 5, column: 11},
		{name: "bad utf-8", doc: wxrHead + "<item><title>caf\xe9</title></item></channel></rss>", want: "invalid UTF-8", line: 5, column: 18},
		{name: "unknown charset", doc: "<?xml version=\"1.0\" encoding=\"klingon\"?>\n<rss/>", want: "klingon", line: 1, column: 41},
		{name: "control character", doc: wxrHead + "<item><title>a\x01b</title></item></channel></rss>", want: "illegal character", line: 5, column: 17},
		{name: "mismatched tags", doc: wxrHead + "<item><title>x</link></item></channel></rss>", want: "element <title> closed by </link>", line: 5, column: 22},
		{name: "element in text", doc: wxrHead + "<item><title>x<b>y</b></title></item></channel></rss>", want: "unexpected element <b> inside <title>", line: 5, column: 18},
		{name: "bad number", doc: wxrHead + "<item><wp:post_id>ten</wp:post_id></item></channel></rss>", want: `"ten" is not a whole number`, line: 5, column: 35},
		{name: "bad date", doc: wxrHead + "<item><wp:post_date_gmt>2024-13-01 00:00:00</wp:post_date_gmt></item></channel></rss>", want: "is not a date", line: 5, column: 63},
		{name: "bad sticky", doc: wxrHead + "<item><wp:is_sticky>yes</wp:is_sticky></item></channel></rss>", want: "neither 0 nor 1", line: 5, column: 39},
		{name: "undefined entity", doc: wxrHead + "<item><title>&bogus;</title></item></channel></rss>", want: "invalid character entity &bogus;", line: 5, column: 21},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(c.doc))
			var err error
			n := 0
			for err == nil {
				_, err = r.Next()
				if err == nil {
					n++
				}
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T) is not an *Error", err, err)
			}
			if !strings.Contains(e.Error(), c.want) {
				t.Errorf("error %q does not say %q", e, c.want)
			}
			if e.Line != c.line || e.Column != c.column {
				t.Errorf("error %q at %d:%d, want %d:%d", e, e.Line, e.Column, c.line, c.column)
			}
			if errors.Is(err, ErrNotWXR) != c.notWXR {
				t.Errorf("errors.Is(ErrNotWXR) = %v", !c.notWXR)
			}
			if n != c.recordsBefore {
				t.Errorf("%d records before the error, want %d", n, c.recordsBefore)
			}
			if _, again := r.Next(); again != err {
				t.Errorf("after an error Next gives %v, want the same error", again)
			}
		})
	}
}

// TestReadLatin1 reads a file in the charset its declaration names.
func TestReadLatin1(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<rss xmlns:wp=\"http://wordpress.org/export/1.1/\"><channel><title>Caf\xe9</title></channel></rss>"
	recs := readAll(t, NewReader(strings.NewReader(doc)))
	if len(recs) != 1 || recs[0].(*Site).Title != "Café" || recs[0].(*Site).WXRVersion != "1.1" {
		t.Fatalf("got %+v", recs)
	}
}

// TestReadUnknownElements skips and counts what it does not know.
func TestReadUnknownElements(t *testing.T) {
	doc := `<rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:x="urn:plugin">
<channel><wp:future>a<b/>c</wp:future><x:thing/><item><wp:post_id>3</wp:post_id><x:rating>5</x:rating><wp:new_field>1</wp:new_field></item></channel></rss>`
	r := NewReader(strings.NewReader(doc))
	recs := readAll(t, r)
	if len(recs) != 2 || recs[1].(*Item).ID != 3 {
		t.Fatalf("got %+v", recs)
	}
	want := map[string]int{"wp:future": 1, "{urn:plugin}thing": 1, "{urn:plugin}rating": 1, "wp:new_field": 1}
	if !reflect.DeepEqual(r.Unknown(), want) {
		t.Errorf("unknown %v, want %v", r.Unknown(), want)
	}
}
