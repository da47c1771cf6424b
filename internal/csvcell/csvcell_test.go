package csvcell

import "testing"

func TestSafe(t *testing.T) {
	got := Safe([]string{"=HYPERLINK(\"x\")", "+1", "-2", "@SUM", "\tx", "plain", "", "a=b"})
	want := []string{"'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM", "'\tx", "plain", "", "a=b"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %q, want %q", i, got[i], want[i])
		}
	}
}
