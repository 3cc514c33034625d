package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// IntervalBar is one horizontal bar with an optional confidence interval
// drawn as a whisker. A NaN Value draws no bar (an undefined figure); NaN
// Lo or Hi draws no whisker.
type IntervalBar struct {
	Label  string
	Value  float64
	Lo, Hi float64
	Text   string // shown after the bar (and interval), e.g. "0.42 [0.38, 0.47]"
	// Class is "bad" for a bar to draw in red (a flagged group), else "".
	Class string
}

// intervalFill colours bars by class, as attributes so the chart needs no
// stylesheet of its own.
var intervalFill = map[string]string{"": "#1f5fbf", "bad": "#b42318", "muted": "#98a2b3"}

// IntervalBars draws bars on a scale from 0 to max (1 for rates), each
// with its interval, and ticks at round steps (0.25 of a 0–1 scale; 0.2
// of one to 0.62, which then ends at 0.8). Each row is its label and its
// value on one line, the bar under them, so the chart is narrow: it is
// drawn at its own size (12 px text) on a laptop and shrinks little on a
// phone, where a label column beside the bars made the text unreadable.
func IntervalBars(label string, max float64, tick func(float64) string, bars []IntervalBar) template.HTML {
	const rowH, textH, barH, axisH, gap, barW = 42, 15, 16, 18, 12, 300
	if !(max > 0) || math.IsInf(max, 0) {
		max = 1
	}
	// Round steps, at most four of them, that cover max (the time
	// charts' value axes are ticked the same way).
	vals := roundTicks(0, max, 4, false)
	top := vals[len(vals)-1]
	width := float64(barW)
	for _, b := range bars {
		width = math.Max(width, textWidth(b.Label)+gap+textWidth(b.Text))
	}
	n := len(vals) - 1
	ticks := make([]string, n+1)
	for i, v := range vals {
		ticks[i] = tick(v)
	}
	// The last tick's label is centred on the scale's end: half of it lies beyond.
	width = math.Max(width, barW+textWidth(ticks[n])/2)
	w := int(math.Ceil(width)) + 8
	h := rowH*len(bars) + axisH + 4
	x := func(v float64) float64 { return 4 + math.Max(0, math.Min(v, top))/top*barW }
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart bars intervals" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, w, h, esc(label))
	for i, t := range ticks {
		v := vals[i]
		anchor := "middle"
		if i == 0 {
			anchor = "start"
		}
		fmt.Fprintf(&sb, `<line x1="%.1f" y1="2" x2="%.1f" y2="%d" class="guide"/>`, x(v), x(v), rowH*len(bars)+2)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="tick" text-anchor="%s">%s</text>`, x(v), h-4, anchor, esc(t))
	}
	for i, b := range bars {
		y := i*rowH + 2
		fmt.Fprintf(&sb, `<text x="4" y="%d" class="lbl" text-anchor="start">%s</text>`, y+textH-3, esc(b.Label))
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="val">%s</text>`, 4+textWidth(b.Label)+gap, y+textH-3, esc(b.Text))
		by := y + textH + 2
		if !math.IsNaN(b.Value) {
			fill, ok := intervalFill[b.Class]
			if !ok {
				fill = intervalFill[""]
			}
			fmt.Fprintf(&sb, `<rect x="4" y="%d" width="%.1f" height="%d" rx="3" class="bar %s" fill="%s"><title>%s</title></rect>`,
				by, math.Max(x(b.Value)-4, 1), barH, esc(b.Class), fill, esc(b.Label+": "+b.Text))
		}
		if !math.IsNaN(b.Lo) && !math.IsNaN(b.Hi) {
			lo, hi, mid := x(b.Lo), x(b.Hi), float64(by)+float64(barH)/2
			fmt.Fprintf(&sb, `<path d="M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f" class="whisker" stroke="#1d2433" stroke-width="1.5" fill="none"/>`,
				lo, mid, hi, lo, mid-5, mid+5, hi, mid-5, mid+5)
		}
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}

// textWidth is a generous estimate of s's width in 12 px text: wide
// (Chinese) characters an em, others two thirds of one.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) || (r >= 0xffe0 && r <= 0xffe6)) {
			w += 12
		} else {
			w += 8
		}
	}
	return w
}
