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

// IntervalBars draws bars on a fixed scale from 0 to max (1 for rates),
// each with its interval, and a tick at every quarter of the scale.
func IntervalBars(label string, max float64, tick func(float64) string, bars []IntervalBar) template.HTML {
	const rowH, labelW, barW, textW, axisH = 26, 130, 260, 170, 18
	h := rowH*len(bars) + axisH + 4
	if !(max > 0) {
		max = 1
	}
	x := func(v float64) float64 { return labelW + math.Max(0, math.Min(v, max))/max*barW }
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg class="chart bars intervals" viewBox="0 0 %d %d" role="img" aria-label="%s">`, labelW+barW+textW, h, esc(label))
	for i := 0; i <= 4; i++ {
		v := max * float64(i) / 4
		fmt.Fprintf(&sb, `<line x1="%.1f" y1="2" x2="%.1f" y2="%d" class="guide"/>`, x(v), x(v), rowH*len(bars)+2)
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="tick" text-anchor="middle">%s</text>`, x(v), h-4, esc(tick(v)))
	}
	for i, b := range bars {
		y := i*rowH + 2
		fmt.Fprintf(&sb, `<text x="%d" y="%d" class="lbl">%s</text>`, labelW-6, y+17, esc(b.Label))
		end := float64(labelW)
		if !math.IsNaN(b.Value) {
			end = x(b.Value)
			fill, ok := intervalFill[b.Class]
			if !ok {
				fill = intervalFill[""]
			}
			fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%.1f" height="%d" rx="3" class="bar %s" fill="%s"><title>%s</title></rect>`,
				labelW, y+3, math.Max(end-labelW, 1), rowH-8, esc(b.Class), fill, esc(b.Label+": "+b.Text))
		}
		if !math.IsNaN(b.Lo) && !math.IsNaN(b.Hi) {
			lo, hi, mid := x(b.Lo), x(b.Hi), float64(y)+float64(rowH)/2-1
			fmt.Fprintf(&sb, `<path d="M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f" class="whisker" stroke="#1d2433" stroke-width="1.5" fill="none"/>`,
				lo, mid, hi, lo, mid-5, mid+5, hi, mid-5, mid+5)
			end = math.Max(end, hi)
		}
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" class="val">%s</text>`, end+6, y+17, esc(b.Text))
	}
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String())
}
