package wordpress

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"byline/internal/markdown"
)

// FuzzReader: whatever the input, the reader does not panic, every error
// is an *Error with a place, and whatever it reads the writer writes so
// that it reads back the same.
func FuzzReader(f *testing.F) {
	for _, v := range []string{"1.0", "1.1", "1.2"} {
		b, err := os.ReadFile("testdata/wxr-" + v + ".xml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(wxrHead + "<item><title>x</title><wp:comment><wp:comment_id>1</wp:comment_id></wp:comment></item></channel></rss>"))
	f.Add([]byte(wxrHead + "<item><wp:post_date>2024-01-01 00:00:00</wp:post_date><category domain=\"a\">b</category>"))
	f.Add([]byte(`<rss xmlns:wp="http://wordpress.org/export/1.9/"><channel/></rss>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		var recs []Record
		for len(recs) < 10000 {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *Error", err, err)
				}
				if e.Line < 1 || e.Column < 1 {
					t.Fatalf("error %q has no place", e)
				}
				return
			}
			recs = append(recs, rec)
		}
		if len(recs) == 0 {
			t.Fatal("no error and no site")
		}
		site := *recs[0].(*Site)
		site.WXRVersion = "1.2" // what the writer writes
		recs[0] = &site
		again := readAll(t, NewReader(bytes.NewReader(writeAll(t, recs))))
		if !reflect.DeepEqual(again, recs) {
			for i := range recs {
				if i < len(again) && !reflect.DeepEqual(again[i], recs[i]) {
					t.Fatalf("record %d written and read again:\n got %+v\nwant %+v", i, again[i], recs[i])
				}
			}
			t.Fatalf("%d records written, %d read again", len(recs), len(again))
		}
	})
}

// FuzzContent: whatever the post, Content does not panic, and Markdown
// leaves the text a reader sees as Content wrote it.
func FuzzContent(f *testing.F) {
	inputs, err := filepath.Glob("testdata/content/*.html")
	if err != nil {
		f.Fatal(err)
	}
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("1. a\n\n# b\n\n*c*\n\n<pre>x\n\n\ny</pre>\n[caption]<img src=a>b[/caption]")
	f.Add("<ul><li>a<pre>\n\n</pre></li></ul>")
	md := markdown.Article()
	f.Fuzz(func(t *testing.T, src string) {
		out, _ := Content(src, testOptions())
		page := md.Render(out).HTML
		if strings.Contains(strings.ToLower(page), "<script") {
			t.Fatalf("a script on the page:\n%s", page)
		}
		if got, want := textOf(t, page), textOf(t, out); got != want {
			t.Fatalf("Markdown changed the text of\n%s\n got %q\nwant %q", out, got, want)
		}
	})
}
