package admin

import "strings"

// diffRow is one line of a side-by-side comparison: the left text, the
// right text, and whether each side was removed or added.
type diffRow struct {
	Left, Right     string
	Removed, Added  bool
	LeftNo, RightNo int
}

// diffLines compares two texts line by line (longest common subsequence)
// and pairs the lines for a side-by-side view.
func diffLines(a, b string) []diffRow {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	n, m := len(x), len(y)
	if n*m > 4_000_000 { // very long texts: compare as wholes
		return []diffRow{{Left: a, Right: b, Removed: a != b, Added: a != b, LeftNo: 1, RightNo: 1}}
	}
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffRow
	var dels, adds []diffRow
	flush := func() {
		for k := 0; k < max(len(dels), len(adds)); k++ {
			var r diffRow
			if k < len(dels) {
				r.Left, r.Removed, r.LeftNo = dels[k].Left, true, dels[k].LeftNo
			}
			if k < len(adds) {
				r.Right, r.Added, r.RightNo = adds[k].Right, true, adds[k].RightNo
			}
			out = append(out, r)
		}
		dels, adds = dels[:0], adds[:0]
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			flush()
			out = append(out, diffRow{Left: x[i], Right: y[j], LeftNo: i + 1, RightNo: j + 1})
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			adds = append(adds, diffRow{Right: y[j], RightNo: j + 1})
			j++
		default:
			dels = append(dels, diffRow{Left: x[i], LeftNo: i + 1})
			i++
		}
	}
	flush()
	return out
}
