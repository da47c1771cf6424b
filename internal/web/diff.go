package web

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// diffRow is one line of a side-by-side comparison: the left text, the
// right text, and whether each side was removed or added.
type diffRow struct {
	Left, Right     string
	Removed, Added  bool
	LeftNo, RightNo int
}

// diffTimeout bounds the work of one comparison; past it, what is left of
// the texts is shown as replaced rather than the page kept waiting.
const diffTimeout = time.Second

// diffLines compares two texts line by line (Myers' algorithm, from
// diff-match-patch, each line one character) and pairs the lines for a
// side-by-side view: removed lines on the left, added ones on the right,
// side by side where a stretch of lines was replaced.
func diffLines(a, b string) []diffRow {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	dmp := diffmatchpatch.New()
	dmp.DiffTimeout = 0 // see lineEdits
	// Each line ends with "\n" here (the last one too), so the line mode
	// sees exactly the lines of x and y, one character each.
	ca, cb, _ := dmp.DiffLinesToChars(a+"\n", b+"\n")
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
	// The lines are taken from x and y by position: a change of n
	// characters is n lines.
	i, j := 0, 0
	for _, d := range lineEdits(dmp, ca, cb) {
		n := utf8.RuneCountInString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffEqual:
			if n > 0 {
				flush()
			}
			for k := 0; k < n; k++ {
				out = append(out, diffRow{Left: x[i], Right: y[j], LeftNo: i + 1, RightNo: j + 1})
				i, j = i+1, j+1
			}
		case diffmatchpatch.DiffDelete:
			for k := 0; k < n; k++ {
				dels = append(dels, diffRow{Left: x[i], LeftNo: i + 1})
				i++
			}
		case diffmatchpatch.DiffInsert:
			for k := 0; k < n; k++ {
				adds = append(adds, diffRow{Right: y[j], RightNo: j + 1})
				j++
			}
		}
	}
	flush()
	return out
}

// lineEdits are the edits from a to b, texts of one character a line.
// DiffMain with a time limit first tries a shortcut (a long stretch common
// to both, taken as is) that can leave equal lines marked as changed, and
// without one has no bound; DiffBisect is Myers' algorithm throughout with
// a deadline (DiffTimeout 0 keeps the shortcut out of its recursion). It
// needs two characters on each side: with fewer, DiffMain has nothing to
// search and answers at once.
func lineEdits(dmp *diffmatchpatch.DiffMatchPatch, a, b string) []diffmatchpatch.Diff {
	if utf8.RuneCountInString(a) < 2 || utf8.RuneCountInString(b) < 2 {
		return dmp.DiffMain(a, b, false)
	}
	return dmp.DiffBisect(a, b, time.Now().Add(diffTimeout))
}
