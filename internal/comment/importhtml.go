package comment

import (
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// importPolicy is what an imported comment may keep of its HTML: the
// comment subset (paragraphs, links, emphasis, quotes, lists, code) plus
// the older tags WordPress allows in comments (b, i, s, q, cite). Nothing
// that runs, loads or styles anything survives.
var importPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "em", "strong", "b", "i", "del", "s", "blockquote", "q", "cite", "code", "pre", "ul", "ol", "li")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	return p
}()

var (
	// blockTag finds markup that already makes paragraphs.
	blockTag = regexp.MustCompile(`(?i)<(p|blockquote|pre|ul|ol|div)[\s>]`)
	// blankLine ends a paragraph of text.
	blankLine = regexp.MustCompile(`\n\s*\n`)
)

// autop makes paragraphs of text written with line breaks, as WordPress
// does when it shows a comment (it stores them without <p>): a blank line
// ends a paragraph, a single line break is kept as <br>.
func autop(body string) string {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	if blockTag.MatchString(body) {
		return body
	}
	var b strings.Builder
	for _, para := range blankLine.Split(body, -1) {
		if para = strings.TrimSpace(para); para != "" {
			b.WriteString("<p>" + strings.ReplaceAll(para, "\n", "<br>\n") + "</p>\n")
		}
	}
	return b.String()
}

// importedHTML sanitises the HTML of a comment written elsewhere: the
// import policy, every link marked rel="nofollow ugc" (user content, as
// readers' links here are), and its plain text for excerpts, search and
// the spam filter.
func importedHTML(body string) (htmlOut, text string) {
	clean := importPolicy.Sanitize(autop(body))
	var out, txt strings.Builder
	inPre := 0
	z := html.NewTokenizer(strings.NewReader(clean))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // the end: the sanitiser's output is complete
		}
		tok := z.Token()
		switch tt {
		case html.TextToken:
			if inPre > 0 {
				txt.WriteString(tok.Data)
			} else {
				// Outside <pre>, a line break in HTML is a space.
				txt.WriteString(strings.ReplaceAll(tok.Data, "\n", " "))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			if tok.DataAtom == atom.Pre {
				inPre++
			}
			if tok.DataAtom == atom.A {
				var href []html.Attribute
				for _, a := range tok.Attr {
					if a.Key == "href" {
						href = append(href, a)
					}
				}
				tok.Attr = append(href, html.Attribute{Key: "rel", Val: "nofollow ugc"})
			}
			if tok.DataAtom == atom.Br {
				txt.WriteByte('\n')
			}
		case html.EndTagToken:
			if tok.DataAtom == atom.Pre && inPre > 0 {
				inPre--
			}
			switch tok.DataAtom {
			case atom.P, atom.Li, atom.Blockquote, atom.Pre:
				txt.WriteString("\n\n")
			}
		}
		out.WriteString(tok.String())
	}
	return strings.TrimSpace(out.String()), tidyText(txt.String())
}

// tidyText keeps at most one blank line between blocks.
func tidyText(s string) string {
	var lines []string
	blank := false
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			blank = len(lines) > 0
			continue
		}
		if blank {
			lines = append(lines, "")
			blank = false
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}
