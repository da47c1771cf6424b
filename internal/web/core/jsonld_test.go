package core

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestWriteJSONAsMarshal holds writeJSON to json.Marshal's bytes, with the
// characters json.Marshal escapes in keys and values.
func TestWriteJSONAsMarshal(t *testing.T) {
	for _, v := range []any{
		map[string]any{
			"@context": "https://schema.org", "@type": "NewsArticle", "headline": `Tesla's "Model 2" <script>&amp; \ done`,
			"datePublished": "2012-04-05T20:48:00Z", "commentCount": 4, "big": int64(1) << 40, "open": true, "none": nil,
			"author":        map[string]string{"@type": "Person", "name": "Zoë\u2028Müller\x01", "url": "https://example.com/authors/zoe/"},
			"publisher":     map[string]string{},
			"keywords":      []string{"EVs", "<b>"},
			"score":         1.5,
			"\u00e9t\u00e9": "\xff invalid",
		},
		map[string]any{},
		map[string]any{"nothing": map[string]string(nil), "none": map[string]any(nil)},
		"plain",
	} {
		var b bytes.Buffer
		if err := writeJSON(&b, v); err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Fatalf("wrote\n%s\njson.Marshal\n%s", b.String(), want)
		}
	}
}
