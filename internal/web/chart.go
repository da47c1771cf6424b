package web

import (
	"fmt"
	"html/template"
	"strings"
)

// chart is a figure people compare over time, drawn by the server as SVG
// (stacked bars), with the same numbers as a table for screen readers.
type chart struct {
	Title  string
	Unit   string
	Labels []string // one per bar
	Series []chartSeries
}

type chartSeries struct {
	Name   string
	Values []int // one per label
}

// chartColors are told apart in light and dark themes.
var chartColors = []string{"#b3261e", "#1f6fb2", "#2e7d32", "#c77c02", "#6a4c93", "#00838f", "#8d6e63", "#d81b60", "#546e7a", "#7cb342", "#f4511e", "#3949ab"}

// Total is a bar's height.
func (c chart) Total(i int) int {
	n := 0
	for _, s := range c.Series {
		n += s.Values[i]
	}
	return n
}

// Color is a series' color.
func (c chart) Color(i int) string { return chartColors[i%len(chartColors)] }

// SVG draws the chart.
func (c chart) SVG() template.HTML {
	const w, h, left, bottom, top = 720, 260, 40, 28, 12
	maxV := 1
	for i := range c.Labels {
		maxV = max(maxV, c.Total(i))
	}
	step := niceStep(maxV)
	maxV = (maxV + step - 1) / step * step
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, template.HTMLEscapeString(c.Title))
	plotH := float64(h - bottom - top)
	for v := 0; v <= maxV; v += step {
		y := float64(h-bottom) - plotH*float64(v)/float64(maxV)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/><text x="%d" y="%.1f" class="tick" text-anchor="end">%d</text>`, left, w, y, y, left-6, y+4, v)
	}
	n := max(1, len(c.Labels))
	slot := float64(w-left) / float64(n)
	barW := slot * 0.7
	for i, label := range c.Labels {
		x := float64(left) + slot*float64(i) + (slot-barW)/2
		y := float64(h - bottom)
		for si, s := range c.Series {
			v := s.Values[i]
			if v == 0 {
				continue
			}
			bh := plotH * float64(v) / float64(maxV)
			y -= bh
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s, %s: %d %s</title></rect>`,
				x, y, barW, bh, c.Color(si), template.HTMLEscapeString(s.Name), template.HTMLEscapeString(label), v, c.Unit)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="tick" text-anchor="middle">%s</text>`, x+barW/2, h-8, template.HTMLEscapeString(label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// niceStep is a grid step of 1, 2 or 5 times a power of ten, for about
// five lines.
func niceStep(maxV int) int {
	step := 1
	for maxV/step > 5 {
		switch {
		case fmt.Sprint(step)[0] == '1':
			step *= 2
		case fmt.Sprint(step)[0] == '2':
			step = step / 2 * 5
		default:
			step *= 2
		}
	}
	return step
}
