package wpexport_test

import (
	"regexp"
	"strings"
	"testing"

	"byline/internal/markdown"
	"byline/internal/wordpress"
)

// The rendered HTML that the export writes as content, read back through
// wordpress.Content (as an importer does) and rendered again, is the same
// page: only the white space between blocks differs. Footnotes are the
// exception: Content drops class and role attributes, so their wrapper
// and links lose Byline's styling; that, and the writer's own Markdown,
// is why the source travels beside the HTML (MarkdownKey).
func TestContentReadsBackAsTheSamePage(t *testing.T) {
	r := markdown.Article()
	between := regexp.MustCompile(`>\s+<`)
	norm := func(s string) string { return between.ReplaceAllString(strings.TrimSpace(s), "><") }
	for _, src := range []string{
		"# Back\n\nThe *harbour* is open.\n\n- ships\n- cranes",
		"A \"quote\" -- and [a link](https://example.com).\n\n> cited\n\n1. one\n2. two",
		"```go\nfunc main() {\n\n\tx := 1\n}\n```\n\nAfter.",
		"| a | b |\n|---|---|\n| 1 | 2 |",
		"<figure><img src=\"/media/x.jpg\" alt=\"x\"><figcaption>Cap</figcaption></figure>\n\nPara",
		"Line one  \nline two\n\n***\n\n## Sub *em*",
		"Not a list: 1\\. and \\*stars\\* and \\# hash.",
	} {
		first := r.Render(src).HTML
		back, _ := wordpress.Content(first, wordpress.ContentOptions{})
		if second := r.Render(back).HTML; norm(first) != norm(second) {
			t.Errorf("source %q\nrendered   %q\nread back  %q\nrendered again %q", src, first, back, second)
		}
	}
}
