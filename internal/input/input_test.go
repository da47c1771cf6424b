package input

import "testing"

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{
		"":                      true,
		"plain":                 true,
		"Tomás Herrera 🚗":       true,
		"two\r\nlines\tand tab": true,
		"a\x00b":                false,
		"a\x1bb":                false,
		"a\x7fb":                false,
		"a\u0085b":              false, // C1 control
		"a\xffb":                false,
		"\xc3":                  false, // truncated sequence
		"\xed\xa0\x80":          false, // a surrogate half
		"a\uFFFDb":              false,
	} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
		if c := Clean(s); !Valid(c) {
			t.Errorf("Clean(%q) = %q, not valid", s, c)
		}
	}
	if c := Clean("a\x00b\xffc\uFFFDd"); c != "abcd" {
		t.Errorf("Clean = %q", c)
	}
}

func FuzzClean(f *testing.F) {
	f.Add("a\x00b\xff")
	f.Fuzz(func(t *testing.T, s string) {
		if !Valid(Clean(s)) {
			t.Fatalf("Clean(%q) not valid", s)
		}
	})
}
