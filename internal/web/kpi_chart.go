package web

import (
	"math"
	"strconv"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
)

// kpiChart is the geometry of a KPI's line chart of readings, drawn by
// kpi.html as inline SVG: every number here is a coordinate in the
// chart's viewBox, every label already formatted for the page's locale.
type kpiChart struct {
	W, H         int
	Left, Right  float64 // the plot area's edges
	Top, Bottom  float64
	Line         string // polyline points, "x,y x,y …"
	Points       []kpiChartPoint
	TargetY      float64
	TargetLabel  string
	TargetLabelY float64
	// Plan is the glide path the KPI's status is judged on: from its
	// first reading to the value expected by its latest one, "x,y x,y";
	// "" when there is no path (fewer than two readings, or met).
	Plan      string
	PlanEnd   kpiChartPoint // the expected-by-now point, labelled
	PlanLabel string
	YTicks    []kpiChartTick
	XTicks    []kpiChartTick
}

// kpiChartPoint is one reading.
type kpiChartPoint struct {
	X, Y  float64
	Label string // date and value, the point's tooltip
}

// kpiChartTick is one axis label at Pos (x for the date axis, y for the
// value axis).
type kpiChartTick struct {
	Pos    float64
	Label  string
	Anchor string // text-anchor
}

// round1 keeps coordinates short in the page.
func round1(x float64) float64 { return math.Round(x*10) / 10 }

// niceStep picks a step of 1, 2, 2.5 or 5 times a power of ten that cuts
// span into about n parts.
func niceStep(span float64, n int) float64 {
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5} {
		if raw <= m*mag*(1+1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// newKPIChart lays out readings (oldest first) with the target as a
// horizontal line and, when status is judged on it (on track or behind),
// the glide path from the first reading to expected, the value due by
// the latest reading (portfolio.KPIProgress's); nil when there are no
// readings.
func newKPIChart(v *entView, k *lodestar.KPI, readings []lodestar.KPIReading, status string, expected float64) *kpiChart {
	if len(readings) == 0 {
		return nil
	}
	c := &kpiChart{W: 640, H: 280, Left: 72, Right: 624, Top: 16, Bottom: 244}
	lo, hi := k.Target, k.Target
	days := make([]time.Time, len(readings))
	for i, rd := range readings {
		lo, hi = math.Min(lo, rd.Value), math.Max(hi, rd.Value)
		days[i], _ = time.Parse(time.DateOnly, rd.Date)
	}
	if hi == lo {
		pad := math.Max(1, math.Abs(lo)*0.1)
		lo, hi = lo-pad, hi+pad
	}
	step := niceStep(hi-lo, 4)
	lo, hi = math.Floor(lo/step)*step, math.Ceil(hi/step)*step
	y := func(val float64) float64 { return round1(c.Bottom - (val-lo)/(hi-lo)*(c.Bottom-c.Top)) }
	for i := 0; i <= 20; i++ {
		val := lo + float64(i)*step
		if val > hi+step/2 {
			break
		}
		// As many decimals as the step needs, so that ticks 0.0002
		// apart are not all labelled 0.001.
		// (a step of 2.5 needs one decimal more than its magnitude says)
		d := min(6, max(entDecimals(step), entDecimals(val)))
		c.YTicks = append(c.YTicks, kpiChartTick{Pos: y(val), Label: v.bundle.Number(v.loc, val, d), Anchor: "end"})
	}

	first, last := days[0], days[len(days)-1]
	span := last.Sub(first)
	x := func(t time.Time) float64 {
		if span <= 0 {
			return round1((c.Left + c.Right) / 2)
		}
		return round1(c.Left + float64(t.Sub(first))/float64(span)*(c.Right-c.Left))
	}
	buf := make([]byte, 0, len(readings)*14)
	for i, rd := range readings {
		pt := kpiChartPoint{X: x(days[i]), Y: y(rd.Value), Label: v.Date(rd.Date) + v.bundle.T(v.loc, "punct.colon") + v.KPIValue(rd.Value, k.Unit)}
		c.Points = append(c.Points, pt)
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = appendCoord(buf, pt.X)
		buf = append(buf, ',')
		buf = appendCoord(buf, pt.Y)
	}
	c.Line = string(buf)

	if span <= 0 {
		c.XTicks = []kpiChartTick{{Pos: x(first), Label: i18nDate(v, first), Anchor: "middle"}}
	} else {
		const n = 4
		for i := 0; i < n; i++ {
			t := first.Add(time.Duration(float64(span) * float64(i) / float64(n-1))).Truncate(24 * time.Hour)
			if k := len(c.XTicks); k > 0 && c.XTicks[k-1].Label == i18nDate(v, t) {
				continue // a span of a few days: one label per day
			}
			anchor := "middle"
			switch i {
			case 0:
				anchor = "start"
			case n - 1:
				anchor = "end"
			}
			c.XTicks = append(c.XTicks, kpiChartTick{Pos: x(t), Label: i18nDate(v, t), Anchor: anchor})
		}
	}
	if (status == portfolio.OnTrack || status == portfolio.Behind) && len(readings) > 1 && !math.IsNaN(expected) && !math.IsInf(expected, 0) {
		// (expected lies between the first reading and the target: inside
		// the value axis)
		c.PlanEnd = kpiChartPoint{X: x(last), Y: y(expected), Label: v.bundle.T(v.loc, "kpi.chart_expected", v.KPIValue(expected, k.Unit))}
		b := appendCoord(nil, x(first))
		b = append(b, ',')
		b = appendCoord(b, y(readings[0].Value))
		b = append(b, ' ')
		b = appendCoord(b, c.PlanEnd.X)
		b = append(b, ',')
		b = appendCoord(b, c.PlanEnd.Y)
		c.Plan, c.PlanLabel = string(b), c.PlanEnd.Label
	}
	c.TargetY = y(k.Target)
	c.TargetLabel = v.bundle.T(v.loc, "kpi.chart_target", v.KPIValue(k.Target, k.Unit))
	c.TargetLabelY = c.TargetY - 5
	if c.TargetLabelY < c.Top+10 {
		c.TargetLabelY = c.TargetY + 14
	}
	return c
}

func i18nDate(v *entView, t time.Time) string { return v.Date(t.Format(time.DateOnly)) }

func appendCoord(b []byte, x float64) []byte { return strconv.AppendFloat(b, x, 'f', -1, 64) }
