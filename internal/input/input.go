// Package input holds the one rule for text that comes from outside (form
// fields, JSON strings, CSV cells): it must be UTF-8 without control
// characters. PostgreSQL refuses NUL and bytes that are not UTF-8 (so they
// must be caught before a query), and SQLite would keep them, to be shown
// and mailed later.
package input

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reason is what a person is told about a field this package refuses.
const Reason = "contains characters that cannot be kept (a control character or bytes that are not text); please type it again"

// Valid reports whether s may be kept as text: UTF-8, with no control
// characters other than tab, line feed and carriage return, and no U+FFFD.
// U+FFFD is refused too because it is what a decoder leaves in place of
// bytes that were not UTF-8 (encoding/json does that silently, and so does
// strings.ToLower), so accepting it would let such bytes in through the
// back door.
func Valid(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return validSlow(s[i:])
		}
	}
	return true
}

func validSlow(s string) bool {
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if !allowed(r) {
			return false
		}
		s = s[size:]
	}
	return true
}

// allowed is one rune's rule. utf8.RuneError also stands for a byte that is
// not UTF-8.
func allowed(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r == utf8.RuneError, unicode.IsControl(r):
		return false
	}
	return true
}

// Clean drops what Valid refuses, so that a refused form can show what was
// typed, less the bad characters.
func Clean(s string) string {
	if Valid(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		if allowed(r) {
			b.WriteString(s[:size])
		}
		s = s[size:]
	}
	return b.String()
}
