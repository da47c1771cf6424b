package markdown

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestArticleRender(t *testing.T) {
	src := "First *paragraph* with a [link](https://example.com/x) \\[sub\\].\n\n" +
		"> A quoted line.\n\n" +
		"<script>alert(1)</script>\n\n" +
		"<a href=\"javascript:alert(1)\" onclick=\"x()\">bad</a>\n\n## Section two\n\nLast."
	r := Article().Render(src)
	for _, want := range []string{"<em>paragraph</em>", `<a href="https://example.com/x"`, "[sub]", "<blockquote>", `<h2 id="section-two">`} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, r.HTML)
		}
	}
	for _, bad := range []string{"<script", "javascript:", "onclick", "nofollow"} {
		if strings.Contains(r.HTML, bad) {
			t.Errorf("HTML keeps %q:\n%s", bad, r.HTML)
		}
	}
	if r.FirstParagraph != "First paragraph with a link [sub]." {
		t.Errorf("first paragraph = %q", r.FirstParagraph)
	}
	if !strings.Contains(r.Text, "A quoted line.") || strings.Contains(r.Text, "alert") {
		t.Errorf("text = %q", r.Text)
	}
}

func TestCut(t *testing.T) {
	if got := Cut("one two three four", 100); got != "one two three four" {
		t.Errorf("short text changed: %q", got)
	}
	if got := Cut("Nissan's luxury brand will build its cars abroad", 25); got != "Nissan's luxury brand…" {
		t.Errorf("Cut = %q", got)
	}
}

var onAttr = regexp.MustCompile(`<[^>]*\son[a-z]+=`)

func FuzzArticleRender(f *testing.F) {
	f.Add("# Title\n\nSome *text* and <b onmouseover=x>html</b> [l](javascript:x)")
	f.Add("> quote\n>> nested\n\n```go\ncode\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |")
	r := Article()
	f.Fuzz(func(t *testing.T, src string) {
		res := r.Render(src)
		low := strings.ToLower(res.HTML)
		if strings.Contains(low, "<script") || strings.Contains(low, `="javascript:`) || onAttr.MatchString(low) {
			t.Fatalf("unsafe HTML from %q: %s", src, res.HTML)
		}
		if strings.ContainsAny(res.Text, "\x00\x01\x02") || !utf8.ValidString(res.Text) {
			t.Fatalf("text has control or invalid bytes: %q", res.Text)
		}
	})
}

func TestCommentRender(t *testing.T) {
	r := Comment().Render("# Not a heading\n\nSome *emphasis*, **strong**, `code` and a [link](https://example.com/a).\n\n" +
		"> quoted\n\n<script>alert(1)</script><img src=x onerror=alert(1)>\n\n![pic](https://example.com/p.png)\n\nhttps://example.org/auto\n\n[bad](javascript:alert(1))")
	for _, want := range []string{"<p>Not a heading</p>", "<em>emphasis</em>", "<strong>strong</strong>", "<code>code</code>",
		`<a href="https://example.com/a" rel="nofollow ugc">link</a>`, "<blockquote>", `<a href="https://example.org/auto" rel="nofollow ugc">`,
		`<a href="https://example.com/p.png" rel="nofollow ugc">pic</a>`} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("comment HTML lacks %q:\n%s", want, r.HTML)
		}
	}
	for _, bad := range []string{"<h1", "<script", "<img", "onerror", "javascript:"} {
		if strings.Contains(r.HTML, bad) {
			t.Errorf("comment HTML keeps %q:\n%s", bad, r.HTML)
		}
	}
}

func FuzzCommentRender(f *testing.F) {
	f.Add("*x* [l](https://e.com) <b>raw</b> ![i](javascript:1)")
	f.Add("> q\n\n```\ncode\n```\n\n# h")
	r := Comment()
	f.Fuzz(func(t *testing.T, src string) {
		res := r.Render(src)
		low := strings.ToLower(res.HTML)
		for _, bad := range []string{"<script", "<img", "<iframe", "<h1", "<style", `="javascript:`, " style="} {
			if strings.Contains(low, bad) {
				t.Fatalf("unsafe comment HTML from %q: %s", src, res.HTML)
			}
		}
		if onAttr.MatchString(low) {
			t.Fatalf("event handler from %q: %s", src, res.HTML)
		}
	})
}
