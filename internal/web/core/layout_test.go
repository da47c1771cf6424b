package core

import (
	"bytes"
	"testing"
)

func TestEscWritesNothingAPersonSentAsMarkup(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                       "plain",
		`<script>alert("x")</script>`: "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;",
		"a & b's":                     "a &amp; b&#39;s",
		"nul\x00here":                 "nul\uFFFDhere",
	} {
		var b bytes.Buffer
		Esc(&b, in)
		if b.String() != want {
			t.Errorf("Esc(%q) = %q, want %q", in, b.String(), want)
		}
	}
}
