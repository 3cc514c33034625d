package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Interval is one row of an interval chart: an estimate and its confidence
// interval, e.g. a metric's relative change.
type Interval struct {
	Label         string
	Value, Lo, Hi float64
	Text          string // shown at the right, e.g. "+4.2% [1.1%, 7.3%]"
	// Tone colours the row: "good", "bad" or "" (neutral).
	Tone string
	// Limit, when HasLimit, is drawn as a short red mark: a guardrail's
	// allowed degradation.
	Limit    float64
	HasLimit bool
}

// Interval colours, as presentation attributes (the CSP allows no inline
// styles, and these charts need no stylesheet).
var intervalTones = map[string]string{"good": "#067647", "bad": "#b42318", "": "#475467"}

// Intervals draws each row's interval as a horizontal line with a dot at
// the estimate, on one axis shared by all rows, with a reference line at
// zero (no change). tickText formats the axis values.
func Intervals(label string, rows []Interval, tickText func(float64) string) template.HTML {
	const rowH, labelW, plotW, textW, top, bottom = 30, 140, 300, 230, 6, 26
	w, h := labelW+plotW+textW, top+rowH*len(rows)+bottom
	lo, hi := 0.0, 0.0
	for _, r := range rows {
		xs := []float64{r.Lo, r.Hi, r.Value}
		if r.HasLimit {
			xs = append(xs, r.Limit)
		}
		for _, x := range xs {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	// The axis runs over round ticks (−10%, 0%, +10%, +20%), not from an
	// interval's bound, which would label it "+15.98%".
	// (a mark at an end of the data clears the plot's edge)
	pad := (hi - lo) * 0.02
	ticks := roundTicks(lo-pad, hi+pad, 4, false)
	lo, hi = ticks[0], ticks[len(ticks)-1]
	xp := func(x float64) float64 {
		x = math.Max(lo, math.Min(hi, x))
		return float64(labelW) + (x-lo)/(hi-lo)*plotW
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart intervals" viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, esc(label))
	fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" fill="#fafbfc" stroke="#eaecf0"/>`, labelW, top, plotW, rowH*len(rows))
	zero := xp(0)
	fmt.Fprintf(&sb, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#98a2b3" stroke-dasharray="4 4"/>`, zero, top, zero, top+rowH*len(rows))
	axisY := top + rowH*len(rows) + 16
	for _, t := range ticks {
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle" fill="#475467">%s</text>`, xp(t), axisY, esc(tickText(t)))
	}
	for i, r := range rows {
		y := float64(top + i*rowH + rowH/2)
		col := intervalTones[r.Tone]
		if col == "" {
			col = intervalTones[""]
		}
		fmt.Fprintf(&sb, `<text x="%d" y="%.1f" text-anchor="end" fill="#101828">%s</text>`, labelW-8, y+4, esc(r.Label))
		// An end, an estimate or a limit that is not a number (undefined:
		// a control mean of 0) is left out, not drawn at NaN.
		if finite(r.Lo) && finite(r.Hi) {
			fmt.Fprintf(&sb, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="3" stroke-linecap="round"><title>%s</title></line>`,
				xp(r.Lo), y, xp(r.Hi), y, col, esc(r.Text))
		}
		if finite(r.Value) {
			fmt.Fprintf(&sb, `<circle cx="%.1f" cy="%.1f" r="5" fill="%s"><title>%s</title></circle>`, xp(r.Value), y, col, esc(r.Text))
		}
		if r.HasLimit && finite(r.Limit) {
			fmt.Fprintf(&sb, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#b42318" stroke-width="2"/>`, xp(r.Limit), y-10, xp(r.Limit), y+10)
		}
		fmt.Fprintf(&sb, `<text x="%d" y="%.1f" fill="#475467">%s</text>`, labelW+plotW+8, y+4, esc(r.Text))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}
