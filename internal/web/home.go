package web

import (
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/chart"
)

// home is the portfolio dashboard: funnel, value/feasibility matrix,
// misaligned use cases, KPIs behind target and recent changes.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := useCaseFilterFrom(q)
	f.Sort, f.After, f.Offset = "", 0, 0
	d, err := s.Portfolio.Dashboard(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lk, err := s.loadLookups(r.Context(), false)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := s.page(r, "home.title", "home")
	p.Form = q
	p.liveNames = s.liveAuditNames(r.Context(), p, d.Recent)
	p.Data = struct {
		D      *lodestar.Dashboard
		Funnel template.HTML
		Matrix template.HTML
		L      *lookups
		Stages []string
		Query  string
		// MisalignedHref lists what the misaligned count counts: the
		// dashboard's filters, misaligned, work under way only.
		MisalignedHref template.URL
	}{d, funnelChart(p, d, q), matrixChart(p, d.Matrix), lk, lodestar.Stages, q.Encode(), misalignedHref(q)}
	s.render(w, r, http.StatusOK, "home", p)
}

// misalignedHref is the use-case list of the dashboard's misaligned
// count: the same filters and the same rule (rejected and retired use
// cases left out), so the list holds as many as the badge says.
func misalignedHref(q url.Values) template.URL {
	v := filterQuery(q)
	v.Del("sort")
	v.Set("alignment", "misaligned")
	v.Set("active", "1")
	return template.URL("/use-cases?" + v.Encode())
}

func funnelChart(p *Page, d *lodestar.Dashboard, q url.Values) template.HTML {
	var bars []chart.Bar
	for _, c := range d.Funnel {
		qs := url.Values{}
		for k, v := range q {
			qs[k] = v
		}
		qs.Set("stage", c.Stage)
		bars = append(bars, chart.Bar{Label: p.T("stage." + c.Stage), Value: float64(c.Count), Text: p.Int(c.Count),
			Href: "/use-cases?" + qs.Encode(), Class: "stage-" + c.Stage})
	}
	return chart.Bars(p.T("home.funnel"), bars)
}

func matrixChart(p *Page, pts []lodestar.MatrixPoint) template.HTML {
	var out []chart.Point
	maxV := 1e6
	for _, m := range pts {
		maxV = math.Max(maxV, float64(m.Value))
		out = append(out, chart.Point{X: m.Feasibility, Y: math.Max(float64(m.Value), 1e5), Href: "/use-cases/" + strconv.FormatInt(m.ID, 10),
			Title: p.Name(m.Title, m.TitleZH) + " · " + p.T("stage."+m.Stage) + " · " + p.T("field.score") + " " + p.Num(m.Score, 2),
			Class: "stage-" + m.Stage})
	}
	var yt []float64
	for v := 1e5; v <= maxV*1.01; v *= 10 {
		yt = append(yt, v)
	}
	money := func(v float64) string { return p.Money(int64(v)) }
	x := chart.Axis{Label: p.T("home.matrix_x"), Min: 1, Max: 5, Ticks: []float64{1, 2, 3, 4, 5}, TickText: func(v float64) string { return p.Num(v, 0) }}
	y := chart.Axis{Label: p.T("home.matrix_y"), Min: 1e5, Max: maxV * 1.2, Log: true, Ticks: yt, TickText: money}
	return chart.Scatter(p.T("home.matrix"), x, y, out)
}

// realChart is one KPI's value-realisation chart.
type realChart struct {
	K   lodestar.RealisedKPI
	SVG template.HTML
}

// realCharts draws, for each promised KPI, its readings since go-live
// against the promised path from the baseline.
func realCharts(p *Page, real *lodestar.Realisation) []realChart {
	var out []realChart
	if real == nil || !real.Live {
		return nil
	}
	live, _ := time.Parse(time.DateOnly, real.LiveSince)
	for _, k := range real.KPIs {
		var actual []chart.TimePoint
		for _, rd := range k.Series {
			t, _ := time.Parse(time.DateOnly, rd.Date)
			actual = append(actual, chart.TimePoint{T: t, V: rd.Value})
		}
		target, _ := time.Parse(time.DateOnly, k.KPI.TargetDate)
		promised := []chart.TimePoint{{T: live, V: k.Baseline}, {T: target, V: k.Baseline + k.Promised}}
		svg := chart.TimeChart(p.T("real.chart", p.Name(k.KPI.Name, k.KPI.NameZH)),
			[]chart.Line{{Name: p.T("real.promised"), Points: promised, Class: "promised", Dashed: true}, {Name: p.T("real.actual"), Points: actual, Class: "actual"}},
			chart.DateAxis(p.Date, p.DayMonth), p.Measure) // (its round ticks may be 0.25: not "0.3")
		out = append(out, realChart{K: k, SVG: svg})
	}
	return out
}
