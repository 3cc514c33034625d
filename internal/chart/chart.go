// Package chart draws Lodestar's charts as small inline SVG, server-side,
// so pages need no script and work offline. Every chart is an accessible
// image (role="img" with a label) and every text is escaped.
package chart

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Bar is one horizontal bar.
type Bar struct {
	Label string
	Value float64
	Text  string // shown after the bar, e.g. the formatted count
	Href  string // optional link
	Class string // CSS class for the bar's colour
}

// Bars draws labelled horizontal bars scaled to the largest value.
func Bars(label string, bars []Bar) template.HTML {
	const rowH, labelW, barW, textW = 26, 130, 260, 90
	h := rowH*len(bars) + 4
	maxV := 0.0
	for _, b := range bars {
		maxV = math.Max(maxV, b.Value)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart bars" viewBox="0 0 %d %d" role="img" aria-label="%s">`, labelW+barW+textW, h, esc(label))
	for i, b := range bars {
		y := i*rowH + 2
		w := 0.0
		if maxV > 0 {
			w = b.Value / maxV * barW
		}
		if b.Href != "" {
			fmt.Fprintf(&sb, `<a href="%s">`, esc(b.Href))
		}
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="lbl">%s</text>`, labelW-6, y+17, esc(b.Label))
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%.1f" height="%d" rx="3" class="bar %s"/>`, labelW, y+3, math.Max(w, 1), rowH-8, esc(b.Class))
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="val">%s</text>`, float64(labelW)+w+6, y+17, esc(b.Text))
		if b.Href != "" {
			sb.WriteString(`</a>`)
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// Point is one dot on a scatter chart.
type Point struct {
	X, Y  float64
	Title string // tooltip
	Href  string
	Class string
}

// Axis describes one axis of a scatter chart.
type Axis struct {
	Label    string
	Min, Max float64
	Log      bool // log10 scale (values ≤ 0 sit on the minimum)
	Ticks    []float64
	TickText func(float64) string
}

func (a Axis) pos(v float64, length float64) float64 {
	lo, hi := a.Min, a.Max
	if a.Log {
		lo, hi = math.Log10(math.Max(lo, 1e-9)), math.Log10(math.Max(hi, 1e-9))
		v = math.Log10(math.Max(v, a.Min))
	}
	if hi <= lo {
		return 0
	}
	f := (v - lo) / (hi - lo)
	return math.Max(0, math.Min(1, f)) * length
}

// Scatter draws points on two axes; each point may link to a page.
func Scatter(label string, x, y Axis, pts []Point) template.HTML {
	const w, h, bottom, top, right = 580, 340, 40, 12, 16
	// The left margin holds the y ticks' text and, left of it, the
	// rotated axis title: as wide as the longest tick needs (about 6.5
	// units a character at the tick size), so "¥10,000,000" and the title
	// do not overlap.
	longest := 0
	for _, t := range y.Ticks {
		longest = max(longest, utf8.RuneCountInString(y.TickText(t)))
	}
	left := max(60, 32+int(math.Ceil(6.5*float64(longest))))
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart scatter" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, esc(label))
	fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%.0f" height="%.0f" class="plot"/>`, left, top, pw, ph)
	// Quadrant guides at the middle of each axis help read "quick wins".
	fmt.Fprintf(&sb, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.0f" class="guide"/>`, float64(left)+pw/2, top, float64(left)+pw/2, float64(top)+ph)
	fmt.Fprintf(&sb, `<line x1="%d" y1="%.1f" x2="%.0f" y2="%.1f" class="guide"/>`, left, float64(top)+ph/2, float64(left)+pw, float64(top)+ph/2)
	for _, t := range x.Ticks {
		px := float64(left) + x.pos(t, pw)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%.0f" class="tick" text-anchor="middle">%s</text>`, px, float64(top)+ph+16, esc(x.TickText(t)))
	}
	for _, t := range y.Ticks {
		py := float64(top) + ph - y.pos(t, ph)
		fmt.Fprintf(&sb, `<text x="%d" y="%.1f" class="tick" text-anchor="end">%s</text>`, left-6, py+4, esc(y.TickText(t)))
	}
	fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="axis" text-anchor="middle">%s</text>`, float64(left)+pw/2, h-4, esc(x.Label))
	fmt.Fprintf(&sb, `<text x="12" y="%.1f" class="axis" text-anchor="middle" transform="rotate(-90 12 %.1f)">%s</text>`, float64(top)+ph/2, float64(top)+ph/2, esc(y.Label))
	for _, p := range pts {
		px, py := float64(left)+x.pos(p.X, pw), float64(top)+ph-y.pos(p.Y, ph)
		if p.Href != "" {
			fmt.Fprintf(&sb, `<a href="%s">`, esc(p.Href))
		}
		fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="6" class="pt %s"><title>%s</title></circle>`, px, py, esc(p.Class), esc(p.Title))
		if p.Href != "" {
			sb.WriteString(`</a>`)
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// TimePoint is one dated value of a line.
type TimePoint struct {
	T time.Time
	V float64
}

// Line is one series of a time chart.
type Line struct {
	Name   string
	Points []TimePoint
	Class  string
	Dashed bool
}

// TimeChart draws lines over time with the value axis fitted to the data
// between round ticks.
// axis writes the dates, valueText the values.
func TimeChart(label string, lines []Line, axis TimeAxis, valueText func(float64) string) template.HTML {
	return timeChart(label, lines, nil, axis, valueText)
}

// TimeChartRange draws lines over time on a value axis that spans lo to hi
// whatever the data (widened to round ticks only to show a value outside
// it), with ticks at lo, the middle and hi. It is for a quantity with natural bounds, such
// as a share: fitted to the data, a series from 0.5 to 1 would draw 0.5 at
// the bottom, where a reader sees nothing drifting, and a series that never
// moves from 0 would sit in the middle of the plot.
func TimeChartRange(label string, lines []Line, lo, hi float64, axis TimeAxis, valueText func(float64) string) template.HTML {
	return timeChart(label, lines, &[2]float64{lo, hi}, axis, valueText)
}

func timeChart(label string, lines []Line, fixed *[2]float64, axis TimeAxis, valueText func(float64) string) template.HTML {
	const w, h, left, bottom, top, right = 560, 220, 70, 28, 10, 16
	pw, ph := float64(w-left-right), float64(h-top-bottom)
	var t0, t1 time.Time
	lo, hi := math.Inf(1), math.Inf(-1)
	n := 0
	for _, l := range lines {
		for _, p := range l.Points {
			if n == 0 || p.T.Before(t0) {
				t0 = p.T
			}
			if n == 0 || p.T.After(t1) {
				t1 = p.T
			}
			if finite(p.V) { // a value that is not a number is a gap, not a point
				lo, hi = math.Min(lo, p.V), math.Max(hi, p.V)
				n++
			}
		}
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart time" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, esc(label))
	fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%.0f" height="%.0f" class="plot"/>`, left, top, pw, ph)
	if n == 0 {
		sb.WriteString(`</svg>`)
		return template.HTML(sb.String())
	}
	// The value axis runs between round ticks (steps of 1, 2, 2.5 or 5
	// times a power of ten, at most four of them, as IntervalBars' scale)
	// that hold every value: 14.9 to 20.1 on 14, 16 … 22, not ticks at
	// 14.9, 17.5 and 20.1. Whole values (counts) get whole steps.
	whole, steps := true, 4
	for _, l := range lines {
		for _, p := range l.Points {
			if finite(p.V) && p.V != math.Trunc(p.V) {
				whole = false
			}
		}
	}
	switch {
	case fixed != nil && fixed[0] < fixed[1]:
		if lo >= fixed[0] && hi <= fixed[1] {
			// The natural range holds the data: ticked at its ends and
			// middle, whatever the values (a share that never left 0 is
			// not an axis of counts).
			steps, whole = 2, false
		}
		lo, hi = math.Min(lo, fixed[0]), math.Max(hi, fixed[1])
	case hi == lo:
		// A flat series is drawn from 0 to its value: it reads as a
		// level, not a point on an axis of one tick, and labels no value
		// the data cannot take (a span invented around it would: an
		// accuracy of 2, −1 events, half an event). All zero: 0 to 1.
		switch {
		case lo > 0:
			lo = 0
		case hi < 0:
			hi = 0
		default:
			hi = 1
		}
	}
	ticks := roundTicks(lo, hi, steps, whole)
	lo, hi = ticks[0], ticks[len(ticks)-1]
	pad := (hi - lo) * 0.04 // room for the dots at the edges
	lo, hi = lo-pad, hi+pad
	span := t1.Sub(t0).Seconds()
	xp := func(t time.Time) float64 {
		if span <= 0 {
			return float64(left) + pw/2
		}
		return float64(left) + t.Sub(t0).Seconds()/span*pw
	}
	yp := func(v float64) float64 { return float64(top) + ph - (v-lo)/(hi-lo)*ph }
	for _, v := range ticks {
		fmt.Fprintf(&sb, `<text x="%d" y="%.1f" class="tick" text-anchor="end">%s</text>`, left-6, yp(v)+4, esc(valueText(v)))
	}
	if tt := axis.timeTicks(t0, t1, xp, w); len(tt) > 0 {
		for _, t := range tt {
			x := xp(t.T)
			fmt.Fprintf(&sb, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" class="tickmark"/>`, x, float64(top)+ph, x, float64(top)+ph+4)
			fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="tick" text-anchor="middle">%s</text>`, tickCentre(x, axis.textWidth(t.Text), w), h-8, esc(t.Text))
		}
	} else {
		// No round time between the first and the last (a few minutes of
		// windows of N events): the two, in full.
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="tick">%s</text>`, left, h-8, esc(axis.Point(t0)))
		if t1.After(t0) {
			fmt.Fprintf(&sb, `<text x="%d" y="%d" class="tick" text-anchor="end">%s</text>`, w-right, h-8, esc(axis.Point(t1)))
		}
	}
	for _, l := range lines {
		dash := ""
		if l.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		// One polyline per run of numbers: a value that is not one
		// breaks the line.
		var pts []string
		line := func() {
			if len(pts) > 0 {
				fmt.Fprintf(&sb, `<polyline points="%s" class="line %s"%s><title>%s</title></polyline>`, strings.Join(pts, " "), esc(l.Class), dash, esc(l.Name))
			}
			pts = pts[:0]
		}
		for _, p := range l.Points {
			if !finite(p.V) {
				line()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", xp(p.T), yp(p.V)))
		}
		line()
		if !l.Dashed {
			for _, p := range l.Points {
				if !finite(p.V) {
					continue
				}
				fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="2.5" class="dot %s"><title>%s %s</title></circle>`, xp(p.T), yp(p.V), esc(l.Class), esc(axis.Point(p.T)), esc(valueText(p.V)))
			}
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

func esc(s string) string { return html.EscapeString(s) }

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
