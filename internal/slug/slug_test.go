package slug

import (
	"testing"
	"unicode/utf8"
)

func TestMake(t *testing.T) {
	cases := map[string]string{
		"Infiniti to Move Production Out of Japan": "infiniti-to-move-production-out-of-japan",
		"Nissan's luxury brand":                    "nissans-luxury-brand",
		"  Géneviève   Lacroix ":                   "genevieve-lacroix",
		"Tomás Herrera":                            "tomas-herrera",
		"2013 Ford F-150: first drive!":            "2013-ford-f-150-first-drive",
		"!!!":                                      "",
		"日本車":                                      "日本車",
	}
	for in, want := range cases {
		if got := Make(in); got != want {
			t.Errorf("Make(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzMake(f *testing.F) {
	f.Add("Hello, World")
	f.Add("ÅÄÖ 東京 -- x")
	f.Fuzz(func(t *testing.T, s string) {
		out := Make(s)
		if !utf8.ValidString(out) || len(out) > MaxLen {
			t.Fatalf("Make(%q) = %q", s, out)
		}
		if out != "" && Make(out) != out {
			t.Fatalf("Make not idempotent: %q -> %q -> %q", s, out, Make(out))
		}
	})
}
