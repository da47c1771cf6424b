package wordpress

import (
	"regexp"
	"strings"
)

// shortcode is one [name attrs]content[/name] found in a post.
type shortcode struct {
	name       string
	attrs      map[string]string
	positional []string
	content    string
	enclosing  bool
}

// scanShortcodes calls handle for every shortcode in s whose name known
// says it is one, and replaces it with what handle returns. Like
// WordPress it takes the first [/name] after an opening tag as its end, and
// writes an escaped [[name]] as the literal [name]. Bracketed text that
// looks like a shortcode but is not known (a plugin's, gone with the old
// site) is passed to unknown and left as it is: it is text to a reader,
// and may be a footnote or a quotation's "[sic]".
func scanShortcodes(s string, known func(name string) bool, handle func(sc shortcode) string, unknown func(name string)) string {
	if !strings.Contains(s, "[") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '[')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		b.WriteString(s[i : i+j])
		i += j
		escaped := strings.HasPrefix(s[i:], "[[")
		at := i
		if escaped {
			at++
		}
		sc, end, ok := parseShortcode(s, at, known)
		if !ok {
			if name, ok := shortcodeLike(s, at); ok && !known(name) {
				unknown(name)
			}
			b.WriteByte('[')
			i++
			continue
		}
		if escaped {
			if end < len(s) && s[end] == ']' {
				b.WriteString(s[at:end])
				i = end + 1
				continue
			}
			b.WriteByte('[')
		}
		b.WriteString(handle(sc))
		i = end
	}
	return b.String()
}

var shortcodeName = regexp.MustCompile(`^\[([A-Za-z0-9_-]+)(?:[\s/\]])`)

// parseShortcode reads a known shortcode starting at s[at] ('['), returning
// it and the index just past it.
func parseShortcode(s string, at int, known func(string) bool) (shortcode, int, bool) {
	m := shortcodeName.FindStringSubmatch(s[at:])
	if m == nil || !known(m[1]) {
		return shortcode{}, 0, false
	}
	name := m[1]
	rest := at + 1 + len(name)
	close := strings.IndexByte(s[rest:], ']')
	if close < 0 {
		return shortcode{}, 0, false
	}
	rawAttrs := s[rest : rest+close]
	end := rest + close + 1
	sc := shortcode{name: name}
	selfClosing := strings.HasSuffix(rawAttrs, "/")
	if selfClosing {
		rawAttrs = strings.TrimSuffix(rawAttrs, "/")
	}
	sc.attrs, sc.positional = parseAttrs(rawAttrs)
	if !selfClosing {
		closing := "[/" + name + "]"
		if k := strings.Index(s[end:], closing); k >= 0 {
			sc.enclosing = true
			sc.content = s[end : end+k]
			end += k + len(closing)
		}
	}
	return sc, end, true
}

// shortcodeLike says whether the bracket at s[at] opens something a plugin
// would have taken for a shortcode: a lowercase name followed by
// attributes with "=", a self-closing "/]", or a matching [/name].
func shortcodeLike(s string, at int) (string, bool) {
	m := shortcodeName.FindStringSubmatch(s[at:])
	if m == nil || m[1] != strings.ToLower(m[1]) || m[1][0] < 'a' || m[1][0] > 'z' {
		return "", false
	}
	name := m[1]
	rest := at + 1 + len(name)
	close := strings.IndexByte(s[rest:], ']')
	if close < 0 {
		return "", false
	}
	attrs := s[rest : rest+close]
	if strings.Contains(attrs, "=") || strings.HasSuffix(attrs, "/") || strings.Contains(s[rest+close:], "[/"+name+"]") {
		return name, true
	}
	return "", false
}

// shortcodeAttr is WordPress's attribute grammar: name="v", name='v',
// name=v, "v", 'v' or a bare word.
var shortcodeAttr = regexp.MustCompile(`([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)|"([^"]*)"(?:\s|$)|'([^']*)'(?:\s|$)|(\S+)(?:\s|$)`)

func parseAttrs(s string) (map[string]string, []string) {
	attrs := map[string]string{}
	var pos []string
	s = strings.NewReplacer("\u00a0", " ", "\u200b", " ").Replace(s)
	for _, m := range shortcodeAttr.FindAllStringSubmatch(s, -1) {
		switch {
		case m[1] != "":
			attrs[strings.ToLower(m[1])] = m[2]
		case m[3] != "":
			attrs[strings.ToLower(m[3])] = m[4]
		case m[5] != "":
			attrs[strings.ToLower(m[5])] = m[6]
		case m[7] != "":
			pos = append(pos, m[7])
		case m[8] != "":
			pos = append(pos, m[8])
		case m[9] != "":
			pos = append(pos, m[9])
		}
	}
	return attrs, pos
}
