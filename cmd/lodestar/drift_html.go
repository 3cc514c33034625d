package main

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// driftView is what the HTML report shows, its words in one language.
type driftView struct {
	Lang, Title  string
	Verdict      string
	Drift        bool
	Undetermined bool            // no column tested: no verdict either way
	Drifted      []driftHTMLRow  // the first drifted columns, for the summary
	DriftedMore  int             // drifted columns beyond them
	Rows         []driftHTMLRow  // drifted first, then stable, then untested
	Warnings     []driftWarnList // the columns of each data-quality warning, when any
	Sides        [2]driftSide
	Notes        []string // how the files were read, when worth saying
	Thresholds   []string
	b            *i18n.Bundle
	lang         string
}

type driftSide struct{ File, Rows, ReadAs string }

// driftWarnList is one warning's columns in the summary: the first
// maxDriftedListed, and how many more.
type driftWarnList struct {
	Label string
	Rows  []driftHTMLRow
	Names []string // columns with no row (only in one file)
	More  int
}

// driftHTMLRow is one column of the report, every figure already written.
type driftHTMLRow struct {
	ID, Name, Kind, Test              string
	Statistic, PValue, Threshold, PSI string
	PSIGrade, PSIClass                string
	Status, StatusClass               string
	MissingRef, MissingCur            string
	MissingTwoLines                   bool // shares shown: one a line
	Notes                             []string
	Warnings                          []string // data-quality warnings
	Chart                             template.HTML
	drifted, tested                   bool
}

// T is the catalog's message for key in the report's language.
func (v *driftView) T(key string, args ...any) string { return v.b.T(v.lang, key, args...) }

// maxDriftedListed is the most drifted columns named in the summary above
// the table (which lists them all, first): with hundreds of columns the
// list would push everything else out of sight.
const maxDriftedListed = 20

func newDriftView(rep *driftReport, lang string) *driftView {
	b := reportBundle()
	v := &driftView{Lang: lang, lang: lang, b: b}
	r, th := rep.Result, rep.Thresholds
	pct := func(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) }
	v.Title = v.T("driftreport.page_title", rep.Current)
	v.Drift = r.Drift
	v.Undetermined = !r.Determined()
	switch {
	case v.Undetermined:
		v.Verdict = v.T("driftreport.verdict.undetermined", len(r.Features))
	case r.Drift:
		v.Verdict = v.T("driftreport.verdict.yes", r.Drifted, r.Tested, pct(r.ShareDrifted), fmtSharePct(r.Share))
	default:
		v.Verdict = v.T("driftreport.verdict.no", r.Drifted, r.Tested, pct(r.ShareDrifted), fmtSharePct(r.Share))
	}
	for i, s := range []struct {
		name string
		rows int64
		file driftFile
	}{{rep.Reference, rep.RefRows, rep.RefFile}, {rep.Current, rep.CurRows, rep.CurFile}} {
		read := v.T("driftreport.read_parquet")
		if s.file.Format == "csv" {
			sep := s.file.Separator
			if sep == "\t" {
				sep = "tab"
			}
			key := "driftreport.read_csv"
			if s.file.EncodingDetected {
				key = "driftreport.read_csv_detected"
			}
			read = v.T(key, s.file.Encoding, strconv.Quote(sep))
			if s.file.DecimalComma {
				read += v.T("driftreport.read_decimal_comma")
			}
		}
		v.Sides[i] = driftSide{File: s.name, Rows: b.Int(lang, s.rows), ReadAs: read}
	}
	for _, n := range rep.EncodingNotes() {
		v.Notes = append(v.Notes, b.Message(lang, n))
	}
	v.Thresholds = []string{
		v.T("driftreport.th.tests", th.NumericTest, th.CategoricalTest, th.SmallSample),
		v.T("driftreport.th.p", fmtThreshold(th.PValue)),
		v.T("driftreport.th.wasserstein", fmtThreshold(th.Wasserstein)),
		v.T("driftreport.th.js", fmtThreshold(th.JensenShannon), fmtThreshold(th.PValue)),
		v.T("driftreport.th.psi", th.PSIBins, fmtThreshold(th.PSIWarn), fmtThreshold(th.PSIDrift)),
		v.T("driftreport.th.share", fmtSharePct(th.Share)),
		v.T("driftreport.th.missing_rise", fmtSharePct(rep.MissingRise), fmtThreshold(th.PValue)),
		v.T("driftreport.th.id_like", idLikeMinValues, fmtSharePct(idLikeShare)),
	}
	var stable, untested []driftHTMLRow
	warned := [5][]driftHTMLRow{} // missing values rose, ID-like, new categories, cells left out, leading zeros counted as numbers
	for i, f := range r.Features {
		row := v.row(i, f, rep.RefRows, rep.CurRows)
		if i < len(rep.Charts) {
			row.Chart = v.chartSVG(rep.Charts[i], f.Name)
		}
		q := rep.Quality[i]
		if q.MissingRise {
			row.Warnings = append(row.Warnings, v.T("driftreport.warn.missing_rise",
				pct1(f.RefMiss, rep.RefRows), pct1(f.CurMiss, rep.CurRows), fmtP(q.MissingRiseP)))
			warned[0] = append(warned[0], row)
		}
		if q.IDLike {
			if !f.Testable() {
				row.Status = v.T("driftreport.status.id_like")
			}
			warned[1] = append(warned[1], row)
		}
		if q.newWarned() {
			row.Warnings = append(row.Warnings, v.T("driftreport.warn.new_categories",
				b.Int(lang, q.NewRows), b.Int(lang, q.CurValues), pct1(q.NewRows, q.CurValues), b.Int(lang, int64(q.NewValues)))+
				v.T("clireport.drift.new_first", newList(q, v.T("clireport.drift.list_sep"))))
			warned[2] = append(warned[2], row)
		}
		if q.unreadable() {
			c := q.FirstUnreadable
			row.Warnings = append(row.Warnings, v.T("driftreport.warn.unreadable",
				b.Int(lang, q.RefUnreadable+q.CurUnreadable), b.Int(lang, q.RefUnreadable), b.Int(lang, q.CurUnreadable), c.File, c.Line, strconv.Quote(c.Cell)))
			warned[3] = append(warned[3], row)
		}
		if q.leadingZeros() {
			c := q.FirstLeadingZero
			row.Warnings = append(row.Warnings, v.T("driftreport.warn.leading_zeros",
				b.Int(lang, q.RefLeadingZeros+q.CurLeadingZeros), b.Int(lang, q.RefLeadingZeros), b.Int(lang, q.CurLeadingZeros), c.File, c.Line, strconv.Quote(c.Cell), strconv.FormatFloat(c.Value, 'g', -1, 64)))
			warned[4] = append(warned[4], row)
		}
		switch {
		case row.drifted:
			v.Rows = append(v.Rows, row)
			v.Drifted = append(v.Drifted, row)
		case row.tested:
			stable = append(stable, row)
		default:
			untested = append(untested, row)
		}
	}
	v.Rows = append(append(v.Rows, stable...), untested...)
	for k, key := range []string{"driftreport.warn.missing_rise_cols", "driftreport.warn.id_like_cols", "driftreport.warn.new_categories_cols", "driftreport.warn.unreadable_cols", "driftreport.warn.leading_zeros_cols"} {
		if rows := warned[k]; len(rows) > 0 {
			l := driftWarnList{Label: v.T(key), Rows: rows}
			if len(rows) > maxDriftedListed {
				l.Rows, l.More = rows[:maxDriftedListed], len(rows)-maxDriftedListed
			}
			v.Warnings = append(v.Warnings, l)
		}
	}
	for _, only := range []struct {
		key   string
		names []string
	}{{"driftreport.warn.current_only_cols", rep.CurOnly}, {"driftreport.warn.reference_only_cols", rep.RefOnly}} {
		if len(only.names) == 0 {
			continue
		}
		l := driftWarnList{Label: v.T(only.key), Names: only.names}
		if len(l.Names) > maxDriftedListed {
			l.Names, l.More = l.Names[:maxDriftedListed], len(l.Names)-maxDriftedListed
		}
		v.Warnings = append(v.Warnings, l)
	}
	if len(v.Drifted) > maxDriftedListed {
		v.DriftedMore = len(v.Drifted) - maxDriftedListed
		v.Drifted = v.Drifted[:maxDriftedListed]
	}
	return v
}

func (v *driftView) row(i int, f monitor.FeatureDrift, refRows, curRows int64) driftHTMLRow {
	row := driftHTMLRow{ID: fmt.Sprintf("col-%d", i+1), Name: f.Name, drifted: f.Drifted, tested: f.Testable()}
	row.Kind = v.T("driftreport.kind." + f.Kind)
	row.Test = v.T("driftreport.test." + f.Test)
	row.Statistic, row.PValue, row.PSI = fmtStat(f.Statistic), fmtP(f.PValue), fmtStat(f.PSI)
	switch f.Test {
	case monitor.TestKS, monitor.TestChiSquare:
		row.Threshold = "p < " + fmtThreshold(f.Threshold)
	case monitor.TestNone:
	default:
		if !math.IsNaN(f.Threshold) {
			row.Threshold = "≥ " + fmtThreshold(f.Threshold)
			if f.SignificanceTest != "" {
				// A distance auto chose: chi-square's p-value too.
				row.Threshold += ", p < " + fmtThreshold(f.PValueThreshold)
			}
		}
	}
	if f.PSILevel != "" {
		row.PSIGrade, row.PSIClass = v.T("driftreport.psi."+f.PSILevel), "psi-"+f.PSILevel
	}
	switch {
	case !f.Testable():
		row.Status, row.StatusClass = v.T("driftreport.status.untested"), "na"
	case f.Drifted:
		row.Status, row.StatusClass = v.T("driftreport.status.drift"), "drift"
	default:
		row.Status, row.StatusClass = v.T("driftreport.status.stable"), "ok"
	}
	miss := func(n, rows int64) string {
		if n == 0 || rows <= 0 {
			return v.b.Int(v.lang, n)
		}
		return v.b.Int(v.lang, n) + " (" + strconv.FormatFloat(100*float64(n)/float64(rows), 'f', 1, 64) + "%)"
	}
	row.MissingRef, row.MissingCur = miss(f.RefMiss, refRows), miss(f.CurMiss, curRows)
	row.MissingTwoLines = f.RefMiss > 0 || f.CurMiss > 0
	if f.Method == monitor.MethodBinned {
		row.Notes = append(row.Notes, v.T("driftreport.binned", fmtStat(f.KS), fmtStat(f.KSUpper), fmtStat(f.WassersteinBound)))
	}
	if f.Note != "" {
		row.Notes = append(row.Notes, v.b.Message(v.lang, f.Note))
	}
	return row
}

// chartSVG draws paired bars (reference grey on the left, current blue on
// the right) for a chart, named for screen readers.
func (v *driftView) chartSVG(c driftChart, column string) template.HTML {
	const w, h = 240.0, 56.0
	n := len(c.Ref)
	if n == 0 {
		return ""
	}
	top := 0.0
	for i := range c.Ref {
		top = math.Max(top, math.Max(c.Ref[i], c.Cur[i]))
	}
	if top == 0 {
		top = 1
	}
	slot := w / float64(n)
	bw := math.Max(slot/2-1, 1)
	label := template.HTMLEscapeString(v.T("driftreport.chart_label", column))
	var b strings.Builder
	// role=img with a name (aria-label, and a <title> for a pointer's
	// tooltip); it hides the bars' own titles from screen readers.
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g" role="img" aria-label="%s"><title>%s</title>`,
		w, h, w, h, label, label)
	for i := range c.Ref {
		bin := c.Labels[i]
		if bin == "all" {
			bin = v.T("driftreport.all")
		}
		for k, share := range []float64{c.Ref[i], c.Cur[i]} {
			bh := (h - 2) * share / top
			color, key := "#9aa5b1", "driftreport.bar.reference"
			if k == 1 {
				color, key = "#2f80ed", "driftreport.bar.current"
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`,
				float64(i)*slot+float64(k)*bw, h-bh, bw, bh, color,
				template.HTMLEscapeString(v.T(key, bin, strconv.FormatFloat(100*share, 'f', 1, 64))))
		}
	}
	b.WriteString(`<line x1="0" y1="55.5" x2="240" y2="55.5" stroke="#cbd2d9"/></svg>`)
	return template.HTML(b.String())
}

// driftHTML is the self-contained report: inline CSS, inline SVG, no
// scripts, fonts, links or other files. On a narrow screen each column is
// a card of label–value lines instead of a table row.
var driftHTML = template.Must(template.New("drift").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:2rem;color:#1f2933;background:#fff}
main{max-width:1400px}
h1{font-size:1.4rem;margin:0 0 .8rem}h2{font-size:1.05rem;margin:1.6rem 0 .5rem}
.verdict{padding:.6rem .9rem;border-radius:4px;font-weight:600;margin:0 0 1rem;border-left:.35rem solid}
.yes{background:#fde8e8;color:#9b1c1c}.no{background:#e3f9e5;color:#1f6f43}.undetermined{background:#fdf6e3;color:#7a4d00}
.drifted a{color:#9b1c1c}
table{border-collapse:collapse}th,td{padding:.45rem .6rem;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:middle}
thead th{font-size:.8rem;color:#52606d;font-weight:600}
.facts th[scope=row]{color:#52606d;font-weight:600}
.facts td,.name{overflow-wrap:anywhere}
.cols{width:100%}.cols th[scope=row]{font-weight:600;min-width:10rem;max-width:22rem}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.tag{padding:.1rem .45rem;border-radius:3px;font-size:.8rem;white-space:nowrap}.drift{background:#fde8e8;color:#9b1c1c}.ok{background:#e3f9e5;color:#1f6f43}.na{background:#eef2f7;color:#52606d}
.psi-warn{color:#8a3a0a}.warn{color:#8a3a0a}.warnings{padding:.5rem .9rem;border-left:.35rem solid #f0b429;background:#fffbea;margin:0 0 1rem}.warnings ul{margin:.2rem 0}.psi-drift{color:#9b1c1c}.grade{font-size:.8rem}
.note{color:#52606d;font-size:.8rem;font-weight:400}.nw{white-space:nowrap}.chart svg{min-width:240px}ul{padding-left:1.2rem;margin:.3rem 0}
svg{display:block}.scroll{overflow-x:auto}
.key{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 .4rem;vertical-align:-1px}
@media (max-width:760px){
body{margin:1rem}
.cols,.cols tbody,.cols tr,.cols th,.cols td{display:block;width:auto;max-width:none}
.cols thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.cols tr{border:1px solid #e4e7eb;border-radius:6px;margin:0 0 .8rem;padding:.3rem .6rem}
.cols th[scope=row]{border-bottom:1px solid #e4e7eb;padding:.3rem 0}
.cols td{display:flex;justify-content:space-between;gap:1rem;border:0;padding:.2rem 0;text-align:right;white-space:normal}
.cols td::before{content:attr(data-label);color:#52606d;font-size:.8rem;text-align:left}
.cols td.chart{display:block}.cols td.chart::before{display:block;margin-bottom:.2rem}
}
</style></head><body><main>
<h1>{{.T "driftreport.title"}}</h1>
<p class="verdict {{if .Undetermined}}undetermined{{else if .Drift}}yes{{else}}no{{end}}" role="status">{{.Verdict}}</p>
<p class="drifted"><b>{{.T "driftreport.drifted_columns"}}</b> {{range $i, $r := .Drifted}}{{if $i}}, {{end}}<a href="#{{$r.ID}}" class="name">{{$r.Name}}</a>{{else}}{{.T "driftreport.none"}}{{end}}{{if .DriftedMore}} {{.T "driftreport.drifted_more" .DriftedMore}}{{end}}</p>
{{if .Warnings}}<div class="warnings"><b>{{.T "driftreport.warnings"}}</b>
<ul>{{range .Warnings}}<li>{{.Label}} {{range $i, $r := .Rows}}{{if $i}}, {{end}}<a href="#{{$r.ID}}" class="name">{{$r.Name}}</a>{{end}}{{range $i, $n := .Names}}{{if $i}}, {{end}}<span class="name">{{$n}}</span>{{end}}{{if .More}} {{$.T "driftreport.warn.more" .More}}{{end}}</li>{{end}}</ul></div>
{{end}}<h2>{{.T "driftreport.datasets"}}</h2>
<div class="scroll"><table class="facts">
<thead><tr><td></td><th scope="col">{{.T "driftreport.reference"}}</th><th scope="col">{{.T "driftreport.current"}}</th></tr></thead>
<tbody>
<tr><th scope="row">{{.T "driftreport.file"}}</th><td>{{(index .Sides 0).File}}</td><td>{{(index .Sides 1).File}}</td></tr>
<tr><th scope="row">{{.T "driftreport.rows"}}</th><td class="n">{{(index .Sides 0).Rows}}</td><td class="n">{{(index .Sides 1).Rows}}</td></tr>
<tr><th scope="row">{{.T "driftreport.read_as"}}</th><td>{{(index .Sides 0).ReadAs}}</td><td>{{(index .Sides 1).ReadAs}}</td></tr>
</tbody></table></div>
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}<h2>{{.T "driftreport.thresholds"}}</h2>
<ul>{{range .Thresholds}}<li>{{.}}</li>{{end}}</ul>
<h2>{{.T "driftreport.columns"}}</h2>
<p class="note">{{.T "driftreport.order"}}</p>
<p class="note">{{.T "driftreport.legend"}}<span class="key" style="background:#9aa5b1"></span>{{.T "driftreport.reference"}}; {{.T "driftreport.legend_right"}}<span class="key" style="background:#2f80ed"></span>{{.T "driftreport.current"}}</p>
<div class="scroll"><table class="cols"><thead><tr>
<th scope="col">{{.T "driftreport.col.column"}}</th><th scope="col">{{.T "driftreport.col.kind"}}</th><th scope="col">{{.T "driftreport.col.test"}}</th>
<th scope="col">{{.T "driftreport.col.statistic"}}</th><th scope="col" class="nw">{{.T "driftreport.col.p_value"}}</th>
<th scope="col">{{.T "driftreport.col.drift"}}</th><th scope="col">{{.T "driftreport.col.psi"}}</th>
<th scope="col">{{.T "driftreport.col.missing"}}</th><th scope="col">{{.T "driftreport.col.chart"}}</th>
</tr></thead><tbody>
{{range .Rows}}<tr id="{{.ID}}">
<th scope="row"><span class="name">{{.Name}}</span>{{range .Warnings}}<div class="note warn">{{.}}</div>{{end}}{{range .Notes}}<div class="note">{{.}}</div>{{end}}</th>
<td class="nw" data-label="{{$.T "driftreport.col.kind"}}">{{.Kind}}</td>
<td data-label="{{$.T "driftreport.col.test"}}"><span>{{.Test}}{{if .Threshold}} <span class="note nw">({{$.T "driftreport.drift_at" .Threshold}})</span>{{end}}</span></td>
<td class="n" data-label="{{$.T "driftreport.col.statistic"}}">{{.Statistic}}</td>
<td class="n" data-label="{{$.T "driftreport.col.p_value"}}">{{.PValue}}</td>
<td data-label="{{$.T "driftreport.col.drift"}}"><span class="tag {{.StatusClass}}">{{.Status}}</span></td>
<td class="n {{.PSIClass}}" data-label="{{$.T "driftreport.col.psi"}}"><span>{{.PSI}}{{if .PSIGrade}} <span class="grade">({{.PSIGrade}})</span>{{end}}</span></td>
<td class="n" data-label="{{$.T "driftreport.col.missing"}}"><span>{{.MissingRef}} /{{if .MissingTwoLines}}<br>{{else}} {{end}}{{.MissingCur}}</span></td>
<td class="chart" data-label="{{$.T "driftreport.col.chart"}}">{{.Chart}}</td></tr>
{{end}}</tbody></table></div>
</main></body></html>
`))

func writeDriftHTML(w io.Writer, rep *driftReport, lang string) error {
	return driftHTML.Execute(w, newDriftView(rep, lang))
}
