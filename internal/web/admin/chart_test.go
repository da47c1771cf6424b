package admin

import (
	"regexp"
	"strconv"
	"testing"
	"time"
)

// Every label the chart draws stays inside the drawing: the last one
// ("Nov 29") was cut to "Nov 2" at the right edge.
func TestChartLabelsFit(t *testing.T) {
	text := regexp.MustCompile(`<text x="([\d.]+)" y="\d+" class="tick" text-anchor="(start|middle|end)">([^<]*)</text>`)
	start := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	for _, n := range []int{1, 7, 12, 30, 90} {
		c := chart{Title: "t", Unit: "u", Series: []chartSeries{{Name: "s", Values: make([]int, n)}}}
		for i := 0; i < n; i++ {
			c.Labels = append(c.Labels, start.AddDate(0, 0, i).Format("Jan 2"))
		}
		var drawn []string
		prevEnd := -1.0
		for _, m := range text.FindAllStringSubmatch(string(c.SVG()), -1) {
			if _, err := strconv.Atoi(m[3]); err == nil {
				continue // a tick number on the left
			}
			x, _ := strconv.ParseFloat(m[1], 64)
			w := labelWidth(m[3])
			from := map[string]float64{"start": x, "middle": x - w/2, "end": x - w}[m[2]]
			if from < 0 || from+w > chartW {
				t.Errorf("%d bars: label %q spans %.0f to %.0f, outside 0 to %d", n, m[3], from, from+w, chartW)
			}
			if from < prevEnd {
				t.Errorf("%d bars: label %q overlaps the one before", n, m[3])
			}
			prevEnd = from + w
			drawn = append(drawn, m[3])
		}
		if len(drawn) == 0 || drawn[len(drawn)-1] != c.Labels[n-1] {
			t.Errorf("%d bars: the last label drawn is %q, want %q", n, drawn, c.Labels[n-1])
		}
	}
}
