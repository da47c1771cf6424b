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
