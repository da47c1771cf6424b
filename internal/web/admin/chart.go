package admin

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// chart is a figure people compare over time, drawn by the server as SVG
// (stacked bars), with the same numbers as a table for screen readers.
type chart struct {
	Title  string
	Unit   string
	Period string   // the numbers table's first column: "Week of" when empty
	Labels []string // one per bar; the SVG draws as many as fit
	Series []chartSeries
}

// PeriodLabel heads the numbers table's first column.
func (c chart) PeriodLabel() string {
	if c.Period == "" {
		return "Week of"
	}
	return c.Period
}

// Chart geometry, in the SVG's own units: the plot sits inside margins
// wide enough for the tick numbers (left) and for half of the last label
// (right), so no label is cut at the edge.
const (
	chartW, chartH                = 720, 260
	chartLeft, chartRight         = 40, 16
	chartBottom, chartTop         = 28, 12
	tickCharW             float64 = 6.6 // the width of a character of .tick (11px sans), generously
)

// labelWidth is about how wide label is drawn.
func labelWidth(label string) float64 { return float64(len([]rune(label))) * tickCharW }

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
	const w, h, left, right, bottom, top = chartW, chartH, chartLeft, chartRight, chartBottom, chartTop
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
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/><text x="%d" y="%.1f" class="tick" text-anchor="end">%d</text>`, left, w-right, y, y, left-6, y+4, v)
	}
	for _, l := range c.labelPlaces() {
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" class="tick" text-anchor="%s">%s</text>`, l.x, h-8, l.anchor, template.HTMLEscapeString(l.text))
	}
	for i, label := range c.Labels {
		x, barW := c.bar(i)
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
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// bar is where bar i starts and how wide it is.
func (c chart) bar(i int) (x, width float64) {
	slot := float64(chartW-chartLeft-chartRight) / float64(max(1, len(c.Labels)))
	width = slot * 0.7
	return float64(chartLeft) + slot*float64(i) + (slot-width)/2, width
}

type labelPlace struct {
	text   string
	x      float64
	anchor string
}

// labelPlaces picks the labels that fit under the bars without touching
// (every k-th, always the last) and anchors each so that it stays inside
// the drawing: centred under its bar, or ending at the right edge.
func (c chart) labelPlaces() []labelPlace {
	n := len(c.Labels)
	if n == 0 {
		return nil
	}
	widest := 0.0
	for _, l := range c.Labels {
		widest = max(widest, labelWidth(l))
	}
	slot := float64(chartW-chartLeft-chartRight) / float64(n)
	every := max(1, int(math.Ceil((widest+8)/slot)))
	var out []labelPlace
	place := func(i int) labelPlace {
		x, bw := c.bar(i)
		p := labelPlace{text: c.Labels[i], x: x + bw/2, anchor: "middle"}
		if half := labelWidth(p.text) / 2; p.x+half > chartW {
			p.x, p.anchor = chartW, "end"
		} else if p.x-half < 0 {
			p.x, p.anchor = 0, "start"
		}
		return p
	}
	for i := 0; i < n; i += every {
		if i != n-1 && n-1-i < every {
			continue // would touch the last label, which is always drawn
		}
		out = append(out, place(i))
	}
	if (n-1)%every != 0 {
		out = append(out, place(n-1))
	}
	return out
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
