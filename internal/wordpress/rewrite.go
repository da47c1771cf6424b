package wordpress

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// urlAttrs are the attributes that hold an address.
var urlAttrs = map[string]bool{"href": true, "src": true, "poster": true, "cite": true, "data": true}

// RewriteURLs replaces addresses in the attributes of html (href, src,
// poster, cite, and each address of a srcset) that are keys of urls with
// their values: the importer calls it once the media have new addresses.
// Only tags that change are written again; every other byte (text,
// preformatted code, line breaks that keep the Markdown blocks apart)
// stays as it was. Addresses are compared after entity decoding, exactly.
func RewriteURLs(src string, urls map[string]string) string {
	if len(urls) == 0 {
		return src
	}
	z := html.NewTokenizer(strings.NewReader(src))
	var b strings.Builder
	b.Grow(len(src))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if err := z.Err(); !errors.Is(err, io.EOF) {
				// A strings.Reader does not fail; keep the text as it was.
				return src
			}
			return b.String()
		}
		raw := bytes.Clone(z.Raw())
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			b.Write(raw)
			continue
		}
		tok := z.Token()
		changed := false
		for i, a := range tok.Attr {
			switch {
			case a.Key == "srcset":
				if v, ok := rewriteSrcset(a.Val, urls); ok {
					tok.Attr[i].Val, changed = v, true
				}
			case urlAttrs[a.Key]:
				if v, ok := urls[strings.TrimSpace(a.Val)]; ok {
					tok.Attr[i].Val, changed = v, true
				}
			}
		}
		if !changed {
			b.Write(raw)
			continue
		}
		b.WriteString("<" + tok.Data)
		for _, a := range tok.Attr {
			b.WriteString(" " + a.Key + `="` + escapeAttr(a.Val) + `"`)
		}
		if tt == html.SelfClosingTagToken {
			b.WriteString(" /")
		}
		b.WriteString(">")
	}
}

// rewriteSrcset rewrites each "address width" candidate of a srcset.
func rewriteSrcset(v string, urls map[string]string) (string, bool) {
	parts := strings.Split(v, ",")
	changed := false
	for i, p := range parts {
		f := strings.Fields(p)
		if len(f) == 0 {
			continue
		}
		if n, ok := urls[f[0]]; ok {
			f[0], changed = n, true
		}
		parts[i] = strings.Join(f, " ")
	}
	return strings.Join(parts, ", "), changed
}
