package comment

import (
	"strings"
	"time"
	"unicode"
)

// Rules are the site's moderation settings, applied to every new comment.
type Rules struct {
	Open           bool     // readers may comment at all
	HoldAll        bool     // every comment waits for a moderator
	HoldFirst      int      // a person's first N comments wait
	MaxLinks       int      // more links than this: held (negative: no limit)
	HoldWords      []string // any of these: held
	BlockWords     []string // any of these: refused
	CloseAfterDays int      // articles older than this take no comments (0: never)
	PerMinute      int      // comments one person may post per minute (0: no limit)
	ReportsToHold  int      // reader reports that put a visible comment on hold (0: never)
}

// ClosedFor reports whether an article published at published takes no
// more comments at now: closed by hand, commenting off site-wide, or older
// than the rules allow. The thread's reply box and Post ask the same.
func (r Rules) ClosedFor(closedByHand bool, published, now time.Time) bool {
	return closedByHand || !r.Open || (r.CloseAfterDays > 0 && now.Sub(published) > time.Duration(r.CloseAfterDays)*24*time.Hour)
}

// DefaultRules are a busy site's sensible start.
var DefaultRules = Rules{Open: true, MaxLinks: 2, PerMinute: 5, ReportsToHold: 3}

// ParseWords reads a word list as admins type it: one per line or
// separated by commas.
func ParseWords(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// matchWord finds the first listed word or phrase in text, matched on word
// boundaries and ignoring case ("ass" does not match "class").
func matchWord(text string, words []string) string {
	if len(words) == 0 {
		return ""
	}
	lower := strings.ToLower(text)
	for _, w := range words {
		for i := 0; ; {
			j := strings.Index(lower[i:], w)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(w)
			if boundary(lower, start-1) && boundary(lower, end) {
				return w
			}
			i = start + 1
		}
	}
	return ""
}

func boundary(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return true
	}
	r := rune(s[i])
	return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r >= 0x80)
}
