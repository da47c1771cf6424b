package demo

import "testing"

func BenchmarkPrepare(b *testing.B) {
	for i := 0; i < b.N; i++ {
		for slug, ap := range articlePics {
			ap.alt += string(rune('a' + i%26)) // a new picture each round
			if _, err := prepared(slug, ap); err != nil {
				b.Fatal(err)
			}
		}
	}
}
