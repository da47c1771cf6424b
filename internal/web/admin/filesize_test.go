package admin

import "testing"

func TestFileSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 999: "999 bytes", 1000: "1 kB", 194_700: "195 kB", 9_783_517: "9.8 MB", 200 << 20: "209.7 MB", 1_500_000_000: "1.50 GB"} {
		if got := fileSize(n); got != want {
			t.Errorf("fileSize(%d) = %q, want %q", n, got, want)
		}
	}
}
