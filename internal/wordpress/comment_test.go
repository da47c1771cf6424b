package wordpress

import (
	"strings"
	"testing"

	"byline/internal/markdown"
)

// TestCommentMarkdown converts comments as WordPress stores them and
// checks the Markdown and the page Byline's comment flavour makes of it.
func TestCommentMarkdown(t *testing.T) {
	cases := []struct{ name, in, md, page string }{
		{"paragraphs", "First line\nsecond line\n\nNew paragraph.",
			"First line\\\nsecond line\n\nNew paragraph.",
			"<p>First line<br>\nsecond line</p>\n<p>New paragraph.</p>\n"},
		{"markup look-alikes", "*sigh* 1. no # not a heading\n1. not a list\n- nor this\n> nor a quote\n_under_ `tick` [x](y) 3 < 4",
			"\\*sigh\\* 1. no \\# not a heading\\\n1\\. not a list\\\n\\- nor this\\\n\\> nor a quote\\\n\\_under\\_ \\`tick\\` \\[x\\](y) 3 \\< 4",
			"<p>*sigh* 1. no # not a heading<br>\n1. not a list<br>\n- nor this<br>\n&gt; nor a quote<br>\n_under_ `tick` [x](y) 3 &lt; 4</p>\n"},
		{"html", `I <em>love</em> it, <strong>really</strong>. See <a href="https://ex.org/a_b" rel="nofollow">this page</a> and <code>x*y</code>.`,
			"I *love* it, **really**. See [this page](https://ex.org/a_b) and `x*y`.",
			`<p>I <em>love</em> it, <strong>really</strong>. See <a href="https://ex.org/a_b" rel="nofollow ugc">this page</a> and <code>x*y</code>.</p>` + "\n"},
		{"bare address", "Look: https://ex.org/a_b*c, then.",
			"Look: <https://ex.org/a_b*c>, then.",
			`<p>Look: <a href="https://ex.org/a_b*c" rel="nofollow ugc">https://ex.org/a_b*c</a>, then.</p>` + "\n"},
		{"quote and list", "<blockquote>Quoted *text*\n\nmore</blockquote>\n<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>",
			"> Quoted \\*text\\*\n>\n> more\n\n- one\n- two\n\n1. first",
			"<blockquote>\n<p>Quoted *text*</p>\n<p>more</p>\n</blockquote>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<ol>\n<li>first</li>\n</ol>\n"},
		{"code", "<pre>if a < b {\n\n  ```\n}</pre>",
			"````\nif a < b {\n\n  ```\n}\n````",
			"<pre><code>if a &lt; b {\n\n  ```\n}\n</code></pre>\n"},
		{"hostile", `<script>alert(1)</script>Hi <a href="javascript:alert(2)">there</a><img src=x onerror=alert(3)>`,
			"Hi there",
			"<p>Hi there</p>\n"},
		{"entities", "Fish &amp; chips &lt;3 caf&eacute; [&#8230;]",
			"Fish \\& chips \\<3 café \\[…\\]",
			"<p>Fish &amp; chips &lt;3 café […]</p>\n"},
	}
	r := markdown.Comment()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			md := CommentMarkdown(c.in)
			if md != c.md {
				t.Errorf("Markdown\n got %q\nwant %q", md, c.md)
			}
			if page := r.Render(md).HTML; page != c.page {
				t.Errorf("page\n got %q\nwant %q", page, c.page)
			}
		})
	}
}

// FuzzCommentMarkdown: whatever the comment, the page shows the characters
// WordPress showed (no "*" taken for emphasis, none added), and no script.
func FuzzCommentMarkdown(f *testing.F) {
	for _, s := range []string{"a *b* _c_ 1. d\n- e", "<a href=\"https://x.y/\">l</a> <em>e</em>", "<pre>x\n\ny</pre>", "<blockquote>q<ul><li>x</li></ul></blockquote>"} {
		f.Add(s)
	}
	r := markdown.Comment()
	f.Fuzz(func(t *testing.T, src string) {
		md := CommentMarkdown(src)
		page := r.Render(md).HTML
		if strings.Contains(strings.ToLower(page), "<script") {
			t.Fatalf("script on the page: %s", page)
		}
		// White space aside: where invalid HTML puts paragraph breaks is
		// not worth matching; every other character must be there.
		want := strings.Join(strings.Fields(textOf(t, commentShown(src))), "")
		if got := strings.Join(strings.Fields(textOf(t, page)), ""); got != want {
			t.Fatalf("markdown %q\n got %q\nwant %q", md, got, want)
		}
	})
}

// commentShown is the comment as WordPress showed it, less what a comment
// cannot show.
func commentShown(src string) string {
	out, _ := Content(src, ContentOptions{})
	return out
}
