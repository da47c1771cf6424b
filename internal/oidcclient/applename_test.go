package oidcclient

import (
	"testing"
	"unicode/utf8"
)

func TestFormPostName(t *testing.T) {
	for in, want := range map[string]string{
		`{"name":{"firstName":"Ann","lastName":"Lee"},"email":"a@privaterelay.appleid.com"}`: "Ann Lee",
		`{"name":{"firstName":"  Ann "}}`: "Ann",
		`{"email":"a@example.com"}`:       "",
		`not json`:                        "",
		``:                                "",
		`{"name":"Ann"}`:                  "",
	} {
		if got := FormPostName(in); got != want {
			t.Errorf("FormPostName(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzFormPostName: whatever a form_post carries, the name is bounded
// text or nothing, and reading it never panics.
func FuzzFormPostName(f *testing.F) {
	f.Add(`{"name":{"firstName":"Ann","lastName":"Lee"}}`)
	f.Add(`{"name":{"firstName":"\u0000"}}`)
	f.Fuzz(func(t *testing.T, in string) {
		got := FormPostName(in)
		if !utf8.ValidString(got) || len(got) > 3*len(in) {
			t.Fatalf("FormPostName(%q) = %q", in, got)
		}
	})
}
