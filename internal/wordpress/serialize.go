package wordpress

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockElems are the elements written on their own lines. All but pre,
// hgroup and search start a CommonMark HTML block of type 6 (which ends at a
// blank line); pre starts type 1 (which ends at </pre>, so it may hold
// blank lines); hgroup and search are written with a line break after their
// start tag, which makes them type 7.
var blockElems = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Center: true, atom.Details: true, atom.Dialog: true, atom.Dd: true, atom.Div: true,
	atom.Dl: true, atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true,
	atom.Footer: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Header: true, atom.Hgroup: true, atom.Hr: true,
	atom.Legend: true, atom.Li: true, atom.Main: true, atom.Menu: true, atom.Nav: true,
	atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Caption: true, atom.Colgroup: true, atom.Col: true,
	atom.Thead: true, atom.Tbody: true, atom.Tfoot: true, atom.Tr: true, atom.Td: true,
	atom.Th: true, atom.Ul: true, atom.Search: true,
}

func isBlock(n *html.Node) bool {
	return n.Type == html.ElementNode && blockElems[n.DataAtom]
}

var voidElems = map[atom.Atom]bool{
	atom.Area: true, atom.Br: true, atom.Col: true, atom.Hr: true, atom.Img: true,
	atom.Source: true, atom.Track: true, atom.Wbr: true,
}

// write parses s as the body of a page, cleans it and writes it as
// Markdown-safe HTML blocks (see Content).
func (c *converter) write(s string) string {
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), body)
	if err != nil {
		// The parser fails only when its reader does, and a strings.Reader
		// does not; keep the text visible rather than lose it.
		c.ref(Ref{Kind: RefRemoved, Name: "unparseable HTML: " + err.Error()})
		return "<pre>" + escapeText(s) + "</pre>"
	}
	for _, n := range nodes {
		body.AppendChild(n)
	}
	c.clean(body)
	var out []string
	var run []*html.Node
	flush := func() {
		if text := trimBreaks(inline(run)); text != "" {
			out = append(out, noBlankLines("<p>"+text+"</p>"))
		}
		run = run[:0]
	}
	for n := body.FirstChild; n != nil; n = n.NextSibling {
		if !isBlock(n) {
			run = append(run, n)
			continue
		}
		flush()
		if b := block(n, true); b != "" {
			if n.DataAtom != atom.Pre {
				b = noBlankLines(b)
			}
			out = append(out, b)
		}
	}
	flush()
	return strings.Join(out, "\n\n")
}

// block writes a block element. A block holding blocks puts each on its
// own line; one holding only inline content keeps it on its lines. An
// empty paragraph is dropped: WordPress's editors leave them behind.
func block(n *html.Node, top bool) string {
	if n.DataAtom == atom.Pre {
		return pre(n)
	}
	if voidElems[n.DataAtom] {
		return startTag(n)
	}
	container := (top && (n.DataAtom == atom.Hgroup || n.DataAtom == atom.Search))
	for ch := n.FirstChild; ch != nil && !container; ch = ch.NextSibling {
		container = isBlock(ch)
	}
	if !container {
		inner := trimBreaks(inline(children(n)))
		if inner == "" && n.DataAtom == atom.P {
			return ""
		}
		return startTag(n) + inner + "</" + n.Data + ">"
	}
	var b strings.Builder
	b.WriteString(startTag(n))
	b.WriteByte('\n')
	var run []*html.Node
	flush := func() {
		if text := strings.TrimSpace(inline(run)); text != "" {
			b.WriteString(text + "\n")
		}
		run = run[:0]
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if !isBlock(ch) {
			run = append(run, ch)
			continue
		}
		flush()
		if s := block(ch, false); s != "" {
			b.WriteString(s + "\n")
		}
	}
	flush()
	b.WriteString("</" + n.Data + ">")
	return b.String()
}

// trimBreaks trims white space and line breaks (<br>) at the ends of a
// block's content: they show nothing there, and are what autop leaves of a
// line whose element was taken out.
func trimBreaks(s string) string {
	for {
		t := strings.TrimSpace(s)
		t = strings.TrimPrefix(t, "<br>")
		t = strings.TrimSuffix(t, "<br>")
		if t == s {
			return s
		}
		s = t
	}
}

func children(n *html.Node) []*html.Node {
	var out []*html.Node
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		out = append(out, ch)
	}
	return out
}

// inline writes inline nodes. White space holding a line break becomes one
// line break, so that no blank line ends the Markdown HTML block early.
func inline(nodes []*html.Node) string {
	var b strings.Builder
	for _, n := range nodes {
		switch n.Type {
		case html.TextNode:
			b.WriteString(collapseBreaks(escapeText(n.Data)))
		case html.ElementNode:
			switch {
			case n.DataAtom == atom.Pre:
				b.WriteString(pre(n))
			case isBlock(n):
				b.WriteString(block(n, false))
			case voidElems[n.DataAtom]:
				b.WriteString(startTag(n))
			default:
				b.WriteString(startTag(n) + inline(children(n)) + "</" + n.Data + ">")
			}
		}
	}
	return b.String()
}

// pre writes preformatted text exactly. The parser drops one line break
// right after <pre>, so a text that begins with one needs another.
func pre(n *html.Node) string {
	var b strings.Builder
	b.WriteString(startTag(n))
	if ch := n.FirstChild; ch != nil && ch.Type == html.TextNode && strings.HasPrefix(ch.Data, "\n") {
		b.WriteByte('\n')
	}
	var walk func(*html.Node)
	walk = func(m *html.Node) {
		for ch := m.FirstChild; ch != nil; ch = ch.NextSibling {
			switch ch.Type {
			case html.TextNode:
				b.WriteString(escapeText(ch.Data))
			case html.ElementNode:
				if ch.DataAtom == atom.Pre {
					// A </pre> inside would end Markdown's HTML block.
					walk(ch)
					continue
				}
				b.WriteString(startTag(ch))
				if !voidElems[ch.DataAtom] {
					walk(ch)
					b.WriteString("</" + ch.Data + ">")
				}
			}
		}
	}
	walk(n)
	b.WriteString("</pre>")
	return b.String()
}

func startTag(n *html.Node) string {
	var b strings.Builder
	b.WriteString("<" + n.Data)
	for _, a := range n.Attr {
		b.WriteString(" " + a.Key + `="` + escapeAttr(a.Val) + `"`)
	}
	b.WriteString(">")
	return b.String()
}

// collapseBreaks turns each run of white space that holds a line break
// into a single line break.
func collapseBreaks(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if !isSpace(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j, nl := i, false
		for j < len(s) && isSpace(s[j]) {
			nl = nl || s[j] == '\n'
			j++
		}
		if nl {
			b.WriteByte('\n')
		} else {
			b.WriteString(s[i:j])
		}
		i = j
	}
	return b.String()
}

// noBlankLines writes the line break before a line of only white space
// as a character reference, so that the HTML means the same and Markdown
// sees no blank line (only a <pre> inside another block can have one).
func noBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			if strings.TrimSpace(l) == "" {
				b.WriteString("&#10;")
			} else {
				b.WriteByte('\n')
			}
		}
		b.WriteString(l)
	}
	return b.String()
}

// escapeText escapes text for HTML; a no-break space is written as
// &nbsp; so that an editor sees it.
func escapeText(s string) string {
	return textEscaper.Replace(s)
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\u00a0", "&nbsp;")

// escapeAttr escapes a quoted attribute value; line breaks are references
// so that no attribute spreads over lines.
func escapeAttr(s string) string {
	return attrEscaper.Replace(s)
}

var attrEscaper = strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;", "\n", "&#10;", "\r", "&#13;", "\t", "&#9;")
