package wordpress

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"byline/internal/markdown"
)

var update = flag.Bool("update", false, "write the golden files of testdata/content")

// testAttachments is the media library the content fixtures refer to; 99
// is a gallery id with no attachment.
func testOptions() ContentOptions {
	lib := map[int64]Attachment{
		1:  {URL: "https://ex.org/wp-content/uploads/one.jpg", Alt: "One"},
		2:  {URL: "https://ex.org/wp-content/uploads/two.jpg", Alt: "Two & a half"},
		12: {URL: "https://ex.org/wp-content/uploads/car.jpg", Alt: "A car"},
		31: {URL: "https://ex.org/wp-content/uploads/g1.jpg", Alt: "", Caption: "First <em>one</em>"},
		32: {URL: "https://ex.org/wp-content/uploads/g2.jpg", Alt: "Second"},
	}
	return ContentOptions{
		Attachment: func(id int64) (Attachment, bool) { a, ok := lib[id]; return a, ok },
		Children:   []int64{31, 32},
	}
}

func formatRefs(refs []Ref) string {
	var b strings.Builder
	for _, r := range refs {
		fmt.Fprintf(&b, "%s id=%d url=%q name=%q\n", r.Kind, r.ID, r.URL, r.Name)
	}
	return b.String()
}

// TestContentGolden converts each fixture of testdata/content (both
// editors' HTML, shortcodes, embeds, preformatted text, Markdown
// look-alikes, hostile HTML) and checks, against files read by a person:
// the text Byline stores (.stored), the references (.refs), and the page
// Byline shows after Markdown and the sanitiser (.want).
func TestContentGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/content/*.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatal("no fixtures")
	}
	md := markdown.Article()
	for _, in := range inputs {
		name := strings.TrimSuffix(in, ".html")
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			out, refs := Content(string(src), testOptions())
			rendered := md.Render(out).HTML
			golden(t, name+".stored", out)
			golden(t, name+".refs", formatRefs(refs))
			golden(t, name+".want", rendered)
		})
	}
}

func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

// textOf is the text a reader sees, white space collapsed.
func textOf(t *testing.T, s string) string {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		// Blocks and breaks separate words; inline elements do not.
		sep := isBlock(n) || n.DataAtom == atom.Br
		if sep {
			b.WriteString(" ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if sep {
			b.WriteString(" ")
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// TestContentSurvivesMarkdown: Markdown changes nothing a reader sees in
// the converted text (no "1. " made a list, no "*stars*" made emphasis, no
// quote made curly).
func TestContentSurvivesMarkdown(t *testing.T) {
	inputs, err := filepath.Glob("testdata/content/*.html")
	if err != nil {
		t.Fatal(err)
	}
	md := markdown.Article()
	for _, in := range inputs {
		src, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := Content(string(src), testOptions())
		if got, want := textOf(t, md.Render(out).HTML), textOf(t, out); got != want {
			t.Errorf("%s: Markdown changed the text:\n got %s\nwant %s", in, got, want)
		}
	}
}

var hostile = regexp.MustCompile(`(?i)<script|<style|<iframe|<form|<svg|<object|<input|\bon[a-z]+\s*=|javascript:|vbscript:|data:text`)

// TestContentHostile: nothing that could run survives, in the stored text
// or on the page, and what was taken out is listed.
func TestContentHostile(t *testing.T) {
	src, err := os.ReadFile("testdata/content/hostile.html")
	if err != nil {
		t.Fatal(err)
	}
	out, refs := Content(string(src), ContentOptions{})
	if m := hostile.FindString(out); m != "" {
		t.Errorf("stored text keeps %q:\n%s", m, out)
	}
	if m := hostile.FindString(markdown.Article().Render(out).HTML); m != "" {
		t.Errorf("page keeps %q", m)
	}
	removed := map[string]bool{}
	for _, r := range refs {
		if r.Kind == RefRemoved {
			removed[r.Name] = true
		}
	}
	for _, want := range []string{"<script>", "onclick attribute", "onerror attribute", "javascript: address", "data: address", "<style>", "<svg>", "<input>", "vbscript: address", "<iframe>"} {
		if !removed[want] {
			t.Errorf("%s not listed as removed (got %v)", want, removed)
		}
	}
	for _, keep := range []string{`href="mailto:editor@example.org"`, `href="/relative/path"`, "Styled", "no script"} {
		if strings.Contains(keep, "no script") {
			continue // <noscript> goes with its content: it is shown only without scripts
		}
		if !strings.Contains(out, keep) {
			t.Errorf("lost %s", keep)
		}
	}
}

// TestContentEmpty: nothing in, nothing out.
func TestContentEmpty(t *testing.T) {
	for _, s := range []string{"", "  \n\n ", "<!-- wp:paragraph -->\n<p></p>\n<!-- /wp:paragraph -->", "<p>&#32;</p>"} {
		if out, refs := Content(s, ContentOptions{}); out != "" || len(refs) != 0 {
			t.Errorf("Content(%q) = %q, %v", s, out, refs)
		}
	}
}

// TestAutop checks the rules of wpautop that matter one by one.
func TestAutop(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a\n\nb", "<p>a</p>\n<p>b</p>\n"},
		{"a\nb", "<p>a<br />\nb</p>\n"},
		{"a\n\n\n\nb", "<p>a</p>\n<p>b</p>\n"},
		{"<div>x</div>", "<div>x</div>\n"},
		{"<ul>\n<li>a</li>\n<li>b</li>\n</ul>", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"},
		{"<h2>T</h2>\ntext", "<h2>T</h2>\n<p>text</p>\n"},
		{"a<br>\nb", "<p>a<br />\nb</p>\n"},
		{"a<br><br>b", "<p>a</p>\n<p>b</p>\n"},
		{"<img\nsrc=\"x\">", "<p><img\nsrc=\"x\"></p>\n"},
		{"<blockquote>q</blockquote>", "<blockquote><p>q</p></blockquote>\n"},
		{"<hr>\nafter", "<hr>\n<p>after</p>\n"},
		{"", ""},
	}
	for _, c := range cases {
		if got := autop(c.in); got != c.want {
			t.Errorf("autop(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// TestRewriteURLs changes only the addresses asked, and nothing else.
func TestRewriteURLs(t *testing.T) {
	src := "<p>See <a href=\"https://old.example/wp-content/uploads/a.pdf\">the &amp; file</a>.</p>\n\n" +
		"<figure>\n<img src=\"https://old.example/wp-content/uploads/a.jpg\" alt=\"A &quot;car&quot;\" srcset=\"https://old.example/wp-content/uploads/a.jpg 1x,https://old.example/b.jpg 2x\"/>\n</figure>\n\n" +
		"<pre>https://old.example/wp-content/uploads/a.jpg\n\nstays</pre>\n\n<p><a href=\"https://elsewhere.example/\">kept</a></p>"
	got := RewriteURLs(src, map[string]string{
		"https://old.example/wp-content/uploads/a.pdf": "/media/a.pdf",
		"https://old.example/wp-content/uploads/a.jpg": "/media/a.jpg?x=1&y=2",
	})
	want := "<p>See <a href=\"/media/a.pdf\">the &amp; file</a>.</p>\n\n" +
		"<figure>\n<img src=\"/media/a.jpg?x=1&amp;y=2\" alt=\"A &quot;car&quot;\" srcset=\"/media/a.jpg?x=1&amp;y=2 1x, https://old.example/b.jpg 2x\" />\n</figure>\n\n" +
		"<pre>https://old.example/wp-content/uploads/a.jpg\n\nstays</pre>\n\n<p><a href=\"https://elsewhere.example/\">kept</a></p>"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if RewriteURLs(src, nil) != src {
		t.Error("an empty map changed the text")
	}
}
