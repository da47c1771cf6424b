package main

import (
	"os"
	"testing"
)

// TestChromiumSkip: outside CI, BYLINE_TEST_SKIP_BROWSER=1 skips the
// browser tests even where Chromium is installed; under CI=true it does not.
func TestChromiumSkip(t *testing.T) {
	// Any executable stands in for an installed Chromium.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ci       string
		wantSkip bool
	}{{"", true}, {"true", false}} {
		var got string
		t.Run("CI="+c.ci, func(t *testing.T) {
			t.Setenv("BYLINE_CHROMIUM", exe)
			t.Setenv("BYLINE_TEST_SKIP_BROWSER", "1")
			t.Setenv("CI", c.ci)
			got = chromium(t) // a skip ends this function here
		})
		if skipped := got == ""; skipped != c.wantSkip {
			t.Errorf("CI=%q, BYLINE_TEST_SKIP_BROWSER=1, Chromium present: skipped %v, want %v", c.ci, skipped, c.wantSkip)
		}
	}
}
