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
// readers' links here are). It also gives the comment's plain text (for
// excerpts, search and the spam filter) and Markdown that the comment
// renderer turns back into the same paragraphs, links, emphasis and code,
// so a moderator editing an imported comment edits what it shows.
func importedHTML(body string) (htmlOut, text, md string) {
	clean := importPolicy.Sanitize(autop(body))
	var out, txt strings.Builder
	m := mdWriter{}
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
			m.text(tok.Data, inPre > 0)
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
			m.open(tok, inPre > 0)
		case html.EndTagToken:
			if tok.DataAtom == atom.Pre && inPre > 0 {
				inPre--
			}
			switch tok.DataAtom {
			case atom.P, atom.Li, atom.Blockquote, atom.Pre:
				txt.WriteString("\n\n")
			}
			m.close(tok, inPre > 0)
		}
		out.WriteString(tok.String())
	}
	return strings.TrimSpace(out.String()), tidyText(txt.String()), m.String()
}

// mdWriter writes sanitised HTML back as the Markdown of the comment
// subset. Blocks it has no Markdown for here (nested quotes, lists in
// quotes) come out as paragraphs; nothing is lost but their shape.
type mdWriter struct {
	b     strings.Builder
	links []string // the hrefs of the open links
	code  int      // open <code> elements: their text is written as it is
}

// mdSpecial are the characters that would make plain text Markdown.
var mdSpecial = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, "~", `\~`)

// mdURL keeps a link's address in one piece inside <...>.
var mdURL = strings.NewReplacer("<", "%3C", ">", "%3E", " ", "%20", "\n", "")

func (m *mdWriter) text(s string, pre bool) {
	if pre {
		m.b.WriteString(s)
		return
	}
	s = strings.ReplaceAll(s, "\n", " ")
	if cur := m.b.String(); cur == "" || strings.HasSuffix(cur, "\n") {
		s = strings.TrimLeft(s, " \t") // a line starts with its words
	}
	if m.code == 0 {
		s = mdSpecial.Replace(s)
	}
	m.b.WriteString(s)
}

// inline are the tags written the same way on both sides.
var inline = map[atom.Atom]string{atom.Em: "*", atom.I: "*", atom.Strong: "**", atom.B: "**", atom.Del: "~~", atom.S: "~~", atom.Q: `"`}

func (m *mdWriter) open(tok html.Token, pre bool) {
	if tok.DataAtom == atom.Pre {
		m.b.WriteString("\n\n```\n")
		return
	}
	if pre {
		return // the code block's text is written as it is
	}
	if mark, ok := inline[tok.DataAtom]; ok {
		m.b.WriteString(mark)
		return
	}
	switch tok.DataAtom {
	case atom.A:
		href := ""
		for _, a := range tok.Attr {
			if a.Key == "href" {
				href = a.Val
			}
		}
		m.links = append(m.links, href)
		if href != "" {
			m.b.WriteString("[")
		}
	case atom.Code:
		m.code++
		m.b.WriteString("`")
	case atom.Br:
		m.b.WriteString("\\\n")
	case atom.Li:
		m.b.WriteString("\n- ")
	case atom.Blockquote:
		m.b.WriteString("\n\n> ")
	}
}

func (m *mdWriter) close(tok html.Token, pre bool) {
	if tok.DataAtom == atom.Pre {
		m.b.WriteString("\n```\n\n")
		return
	}
	if pre {
		return
	}
	if mark, ok := inline[tok.DataAtom]; ok {
		m.b.WriteString(mark)
		return
	}
	switch tok.DataAtom {
	case atom.A:
		if n := len(m.links); n > 0 {
			if href := m.links[n-1]; href != "" {
				m.b.WriteString("](<" + mdURL.Replace(href) + ">)")
			}
			m.links = m.links[:n-1]
		}
	case atom.Code:
		m.code = max(m.code-1, 0)
		m.b.WriteString("`")
	case atom.P, atom.Blockquote, atom.Ul, atom.Ol:
		m.b.WriteString("\n\n")
	}
}

// String is the Markdown, with at most one blank line between blocks.
func (m *mdWriter) String() string {
	s := m.b.String()
	for strings.Contains(s, "\n\n\n") {
		s = strings.ReplaceAll(s, "\n\n\n", "\n\n")
	}
	return strings.TrimSpace(s)
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
