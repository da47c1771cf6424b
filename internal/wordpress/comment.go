package wordpress

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// CommentMarkdown turns a comment's text as WordPress stores it into the
// Markdown that Byline's readers write comments in (markdown.Comment).
//
// WordPress showed a comment through autop, with the little HTML its
// commenters may use: links, emphasis, quotes, code, lists. Byline's
// comment flavour drops raw HTML, so that HTML is written as Markdown
// (links as [text](address), <em> as *, <blockquote> as "> ", <pre> as a
// fenced block) and every character Markdown would take for markup is
// escaped: a comment reading "*sigh*" or "1. no" shows as written.
// Images, scripts and the rest that a comment cannot show are left out;
// their text stays.
func CommentMarkdown(src string) string {
	s := strings.ReplaceAll(src, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s, pres := protectPre(s)
	s = restorePre(autop(s), pres)
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(s), body)
	if err != nil {
		// Only a failing reader fails the parser; a strings.Reader does not.
		return escapeMarkdown(src)
	}
	return strings.Join(mdBlocks(nodes), "\n\n")
}

// mdSkipped are elements whose content a comment never showed.
var mdSkipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Textarea: true, atom.Select: true, atom.Svg: true, atom.Math: true,
	atom.Iframe: true, atom.Object: true, atom.Title: true, atom.Head: true,
	atom.Xmp: true, atom.Plaintext: true, atom.Noembed: true, atom.Noframes: true,
}

func mdBlocks(nodes []*html.Node) []string {
	var out []string
	var run []*html.Node
	flush := func() {
		if t := mdParagraph(run); t != "" {
			out = append(out, t)
		}
		run = nil
	}
	for _, n := range nodes {
		if n.Type != html.ElementNode || !isBlock(n) {
			run = append(run, n)
			continue
		}
		flush()
		switch n.DataAtom {
		case atom.Blockquote:
			if inner := strings.Join(mdBlocks(children(n)), "\n\n"); inner != "" {
				out = append(out, prefixLines(inner, "> ", "> "))
			}
		case atom.Ul, atom.Ol:
			if list := mdList(n); list != "" {
				out = append(out, list)
			}
		case atom.Pre:
			out = append(out, mdFence(textContent(n)))
		case atom.Hr:
		default:
			out = append(out, mdBlocks(children(n))...)
		}
	}
	flush()
	return out
}

func mdList(n *html.Node) string {
	var items []string
	add := func(body string) {
		if body == "" {
			return
		}
		marker := "- "
		if n.DataAtom == atom.Ol {
			marker = strconv.Itoa(len(items)+1) + ". "
		}
		items = append(items, prefixLines(body, marker, strings.Repeat(" ", len(marker))))
	}
	// Content outside any <li> (the parser keeps it where it was written)
	// is an item of its own.
	var loose []*html.Node
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.DataAtom != atom.Li {
			loose = append(loose, ch)
			continue
		}
		add(strings.Join(mdBlocks(loose), "\n\n"))
		loose = nil
		add(strings.Join(mdBlocks(children(ch)), "\n\n"))
	}
	add(strings.Join(mdBlocks(loose), "\n\n"))
	return strings.Join(items, "\n")
}

// mdFence writes code in a fence longer than any run of backticks in it.
func mdFence(code string) string {
	fence := "```"
	for strings.Contains(code, fence) {
		fence += "`"
	}
	return fence + "\n" + strings.TrimSuffix(code, "\n") + "\n" + fence
}

func prefixLines(s, first, rest string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		p := rest
		if i == 0 {
			p = first
		}
		if l == "" {
			p = strings.TrimRight(p, " ")
		}
		lines[i] = p + l
	}
	return strings.Join(lines, "\n")
}

// mdParagraph writes inline nodes as one paragraph; a line that Markdown
// would start a block with is escaped.
func mdParagraph(nodes []*html.Node) string {
	// Line breaks at either end show nothing (and a Markdown hard break
	// there would be a stray backslash).
	s := strings.Trim(mdInline(nodes), " \t\n"+mdBreak)
	// A break is a backslash at the line's end; after an escaped
	// backslash goldmark reads that wrongly, so there it is two spaces.
	s = strings.ReplaceAll(s, "\\\\"+mdBreak, "\\\\  \n")
	s = strings.ReplaceAll(s, mdBreak, "\\\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = escapeLineStart(strings.TrimLeft(l, " "))
	}
	return strings.Join(lines, "\n")
}

// mdBreak stands for a line break until the paragraph is trimmed.
const mdBreak = "\uE003"

var orderedStart = regexp.MustCompile(`^(\d{1,9})([.)])`)

// escapeLineStart escapes what opens a block at a line's start: a list
// marker, a setext underline, a numbered item.
func escapeLineStart(l string) string {
	if l == "" {
		return l
	}
	switch l[0] {
	case '-', '+', '=':
		return `\` + l
	}
	if m := orderedStart.FindStringSubmatch(l); m != nil {
		return m[1] + `\` + l[len(m[1]):]
	}
	return l
}

func mdInline(nodes []*html.Node) string {
	var b strings.Builder
	for _, n := range nodes {
		md := mdNode(n)
		// Delimiters of two emphases or code spans side by side ("*a**b*",
		// "`a``b`") run together and mean something else: the second is
		// written plain.
		if cur := b.String(); cur != "" && strings.ContainsAny(cur[len(cur)-1:], "*~`") && md != "" && strings.ContainsAny(md[:1], "*~`") {
			text := n.Data
			if n.Type == html.ElementNode {
				text = textContent(n)
			}
			md = escapeMarkdown(collapseSpace(text))
		}
		b.WriteString(md)
	}
	return b.String()
}

// mdNode writes one inline node.
func mdNode(n *html.Node) string {
	var b strings.Builder
	{
		switch n.Type {
		case html.TextNode:
			b.WriteString(escapeMarkdown(collapseSpace(n.Data)))
		case html.ElementNode:
			if mdSkipped[n.DataAtom] {
				return ""
			}
			inner := mdInline(children(n))
			switch n.DataAtom {
			case atom.Br:
				b.WriteString(mdBreak)
			case atom.A:
				href, ok := linkTarget(getAttr(n, "href"))
				switch {
				case strings.TrimSpace(inner) == "":
				case !ok:
					b.WriteString(inner)
				default:
					b.WriteString("[" + inner + "](" + href + ")")
				}
			case atom.Em, atom.I:
				b.WriteString(wrapInline(inner, "*"))
			case atom.Strong, atom.B:
				b.WriteString(wrapInline(inner, "**"))
			case atom.Del, atom.S, atom.Strike:
				b.WriteString(wrapInline(inner, "~~"))
			case atom.Code, atom.Tt, atom.Kbd, atom.Samp:
				b.WriteString(mdCode(textContent(n)))
			case atom.Img:
			default:
				if isBlock(n) {
					// A block inside inline content (a list in a link):
					// its text, apart.
					b.WriteString(" " + escapeMarkdown(collapseSpace(textContent(n))) + " ")
				} else {
					b.WriteString(inner)
				}
			}
		}
	}
	return b.String()
}

// wrapInline puts delimiters around text, outside its white space. Markdown
// takes them for emphasis only by its flanking rules, which depend on the
// characters around; text that begins and ends with a letter or digit is
// emphasis wherever it stands. Other text is left plain: its words matter
// more than its slant.
func wrapInline(s, delim string) string {
	t := strings.TrimSpace(s)
	first, _ := utf8.DecodeRuneInString(t)
	last, _ := utf8.DecodeLastRuneInString(t)
	if t == "" || !isWordRune(first) || !isWordRune(last) || strings.Contains(t, mdBreak) || hasDelimiter(t) {
		// Emphasis inside emphasis would share delimiters: the inner one
		// stays, the outer goes.
		return s
	}
	i := strings.Index(s, t)
	return s[:i] + delim + t + delim + s[i+len(t):]
}

// hasDelimiter says whether Markdown written here holds an unescaped * or
// ~ (one not preceded by an odd number of backslashes).
func hasDelimiter(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '*' && s[i] != '~' {
			continue
		}
		n := 0
		for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// mdCode is a code span long enough to hold the text's backticks.
func mdCode(s string) string {
	s = collapseSpace(s)
	if strings.TrimSpace(s) == "" {
		return escapeMarkdown(s)
	}
	ticks := "`"
	for strings.Contains(s, ticks) {
		ticks += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || strings.HasPrefix(s, " ") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

// linkTarget is a link's address written for a Markdown link, if it is
// one a comment may hold: an absolute http, https or mailto address.
func linkTarget(href string) (string, bool) {
	p, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", false
	}
	switch p.Scheme {
	case "http", "https":
		if p.Host == "" {
			return "", false
		}
	case "mailto":
	default:
		return "", false
	}
	return strings.NewReplacer("(", "%28", ")", "%29", "<", "%3C", ">", "%3E", " ", "%20").Replace(p.String()), true
}

func collapseSpace(s string) string {
	if s == "" {
		return s
	}
	f := strings.Fields(s)
	out := strings.Join(f, " ")
	if isSpace(s[0]) {
		out = " " + out
	}
	if isSpace(s[len(s)-1]) && len(f) > 0 {
		out += " "
	}
	return out
}

func textContent(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(m *html.Node) {
		for c := m.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				b.WriteString(c.Data)
			case c.DataAtom == atom.Br:
				b.WriteByte('\n')
			case c.Type == html.ElementNode && !mdSkipped[c.DataAtom]:
				walk(c)
			}
		}
	}
	walk(n)
	return b.String()
}

var bareURL = regexp.MustCompile(`https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::[0-9]+)?(?:[/?#][^\s<>"\x00-\x1f\x7f]*)?`)

// escapeMarkdown escapes the characters Markdown reads as markup. An
// address is written as an autolink (<https://...>), whose text Markdown
// takes literally: WordPress made addresses in comments links too.
func escapeMarkdown(s string) string {
	var b strings.Builder
	last := 0
	for _, loc := range bareURL.FindAllStringIndex(s, -1) {
		u := strings.TrimRight(s[loc[0]:loc[1]], ".,;:!?)'")
		if loc[0] < last || !bareURL.MatchString(u) {
			continue
		}
		b.WriteString(markdownEscaper.Replace(s[last:loc[0]]))
		b.WriteString("<" + u + ">")
		last = loc[0] + len(u)
	}
	b.WriteString(markdownEscaper.Replace(s[last:]))
	return b.String()
}

var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`,
	"~", `\~`, "&", `\&`, "#", `\#`, "|", `\|`, "!", `\!`,
)
