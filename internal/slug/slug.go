// Package slug makes URL-safe names ("Infiniti's JX" -> "infinitis-jx").
package slug

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxLen bounds a slug; longer ones are cut at a word boundary.
const MaxLen = 80

// Make lowercases s, drops accents and apostrophes, and joins the remaining
// letters and digits with single hyphens. It may return "".
func Make(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '’':
			// accents and apostrophes vanish: "Nissan's" -> "nissans"
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > MaxLen {
		out = out[:MaxLen]
		if i := strings.LastIndexByte(out, '-'); i > MaxLen/2 {
			out = out[:i]
		}
		out = strings.TrimRight(strings.ToValidUTF8(out, ""), "-")
	}
	return out
}

// Valid reports whether s is already a well-formed slug.
func Valid(s string) bool {
	return s != "" && len(s) <= MaxLen && Make(s) == s
}
