package wordpress

import (
	"regexp"
	"strings"
)

// autop is WordPress's wpautop, the filter that makes the classic editor's
// text into HTML on every page view: a blank line ends a paragraph, a
// single line break is a <br>, and nothing happens inside <pre> (the
// caller has put placeholders there) or around block-level elements.
// Posts written in the classic editor are stored without it, so a post
// looks like WordPress showed it only after it has run. The steps and
// their order are WordPress's; the code is written from its rules.
func autop(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	s += "\n"
	s = autopBrBr.ReplaceAllString(s, "\n\n")
	s = autopOpenBlock.ReplaceAllString(s, "\n\n${1}")
	s = autopCloseBlock.ReplaceAllString(s, "${1}\n\n")
	s = autopHr.ReplaceAllString(s, "${1}\n\n")
	// Line breaks inside a tag (between attributes) and inside script,
	// style, svg and math are not paragraph breaks: hide them.
	s = hideNewlinesInTags(s)
	s = autopKeepLines.ReplaceAllStringFunc(s, func(m string) string {
		return strings.ReplaceAll(m, "\n", keptNewline)
	})
	if strings.Contains(s, "<option") {
		s = autopBeforeOption.ReplaceAllString(s, "<option")
		s = autopAfterOption.ReplaceAllString(s, "</option>")
	}
	if strings.Contains(s, "</object>") {
		s = autopObjectOpen.ReplaceAllString(s, "${1}")
		s = autopObjectClose.ReplaceAllString(s, "</object>")
		s = autopParamEmbed.ReplaceAllString(s, "${1}")
	}
	if strings.Contains(s, "<source") || strings.Contains(s, "<track") {
		s = autopMediaOpen.ReplaceAllString(s, "${1}")
		s = autopMediaClose.ReplaceAllString(s, "${1}")
		s = autopSource.ReplaceAllString(s, "${1}")
	}
	if strings.Contains(s, "<figcaption") {
		s = autopBeforeFigcaption.ReplaceAllString(s, "${1}")
		s = autopAfterFigcaption.ReplaceAllString(s, "</figcaption>")
	}
	s = autopManyBreaks.ReplaceAllString(s, "\n\n")

	var b strings.Builder
	for _, p := range autopParagraphs.Split(s, -1) {
		if p == "" {
			continue
		}
		b.WriteString("<p>" + strings.Trim(p, "\n") + "</p>\n")
	}
	s = b.String()
	s = autopEmptyP.ReplaceAllString(s, "")
	s = autopUnclosed.ReplaceAllString(s, "<p>${1}</p></${2}>")
	s = autopWrappedBlock.ReplaceAllString(s, "${1}")
	s = autopWrappedLi.ReplaceAllString(s, "${1}")
	s = autopQuoteOpen.ReplaceAllString(s, "<blockquote${1}><p>")
	s = strings.ReplaceAll(s, "</blockquote></p>", "</p></blockquote>")
	s = autopPBeforeBlock.ReplaceAllString(s, "${1}")
	s = autopPAfterBlock.ReplaceAllString(s, "${1}")

	s = strings.NewReplacer("<br>", "<br />", "<br/>", "<br />").Replace(s)
	s = lineBreaks(s)
	s = strings.ReplaceAll(s, keptNewline, "\n")
	s = autopBrAfterBlock.ReplaceAllString(s, "${1}")
	s = autopBrBeforeBlock.ReplaceAllString(s, "${1}")
	if strings.HasSuffix(s, "\n</p>\n") {
		s = s[:len(s)-len("\n</p>\n")] + "</p>\n"
	}
	return strings.ReplaceAll(s, tagNewline, "\n")
}

// Placeholders for newlines that are not paragraph breaks; private-use
// characters cannot come from WordPress's text in a way that matters here.
const (
	tagNewline  = "\uE000"
	keptNewline = "\uE001"
)

const allBlocks = `(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)`

var (
	autopBrBr             = regexp.MustCompile(`<br\s*/?>\s*<br\s*/?>`)
	autopOpenBlock        = regexp.MustCompile(`(<` + allBlocks + `[\s/>])`)
	autopCloseBlock       = regexp.MustCompile(`(</` + allBlocks + `>)`)
	autopHr               = regexp.MustCompile(`(<hr\s*/?>)`)
	autopKeepLines        = regexp.MustCompile(`(?s)<(?:script|style|svg|math)\b.*?</(?:script|style|svg|math)>`)
	autopBeforeOption     = regexp.MustCompile(`\s*<option`)
	autopAfterOption      = regexp.MustCompile(`</option>\s*`)
	autopObjectOpen       = regexp.MustCompile(`(<object[^>]*>)\s*`)
	autopObjectClose      = regexp.MustCompile(`\s*</object>`)
	autopParamEmbed       = regexp.MustCompile(`\s*(</?(?:param|embed)[^>]*>)\s*`)
	autopMediaOpen        = regexp.MustCompile(`([<\[](?:audio|video)[^>\]]*[>\]])\s*`)
	autopMediaClose       = regexp.MustCompile(`\s*([<\[]/(?:audio|video)[>\]])`)
	autopSource           = regexp.MustCompile(`\s*(<(?:source|track)[^>]*>)\s*`)
	autopBeforeFigcaption = regexp.MustCompile(`\s*(<figcaption[^>]*>)`)
	autopAfterFigcaption  = regexp.MustCompile(`</figcaption>\s*`)
	autopManyBreaks       = regexp.MustCompile(`\n\n+`)
	autopParagraphs       = regexp.MustCompile(`\n\s*\n`)
	autopEmptyP           = regexp.MustCompile(`<p>\s*</p>`)
	autopUnclosed         = regexp.MustCompile(`<p>([^<]+)</(div|address|form)>`)
	autopWrappedBlock     = regexp.MustCompile(`<p>\s*(</?` + allBlocks + `[^>]*>)\s*</p>`)
	autopWrappedLi        = regexp.MustCompile(`<p>(<li.+?)</p>`)
	autopQuoteOpen        = regexp.MustCompile(`(?i)<p><blockquote([^>]*)>`)
	autopPBeforeBlock     = regexp.MustCompile(`<p>\s*(</?` + allBlocks + `[^>]*>)`)
	autopPAfterBlock      = regexp.MustCompile(`(</?` + allBlocks + `[^>]*>)\s*</p>`)
	autopBrAfterBlock     = regexp.MustCompile(`(</?` + allBlocks + `[^>]*>)\s*<br />`)
	autopBrBeforeBlock    = regexp.MustCompile(`<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)`)
)

// hideNewlinesInTags replaces the line breaks inside tags (and HTML
// comments) with a placeholder.
func hideNewlinesInTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				b.WriteString(s[i:])
				break
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		end := ">"
		if strings.HasPrefix(s[i:], "<!--") {
			end = "-->"
		}
		j := strings.Index(s[i+1:], end)
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		tag := s[i : i+1+j+len(end)]
		b.WriteString(strings.ReplaceAll(tag, "\n", tagNewline))
		i += len(tag)
	}
	return b.String()
}

// lineBreaks turns each remaining line break into <br />, unless a
// <br /> already ends the line: the regular expression WordPress uses,
// (?<!<br />)\s*\n, needs a look-behind that Go's package lacks.
func lineBreaks(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/8)
	for i := 0; i < len(s); {
		if !isSpace(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		// A run of white space: [i, j), its last newline at nl.
		j, nl := i, -1
		for j < len(s) && isSpace(s[j]) {
			if s[j] == '\n' {
				nl = j
			}
			j++
		}
		start := i
		if strings.HasSuffix(s[:i], "<br />") {
			start = i + 1 // the match cannot begin right after a <br />
		}
		if nl < 0 || start > nl {
			b.WriteString(s[i:j])
		} else {
			b.WriteString(s[i:start])
			b.WriteString("<br />\n")
			b.WriteString(s[nl+1 : j])
		}
		i = j
	}
	return b.String()
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
