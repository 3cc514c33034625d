package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

func init() {
	register("drift", "compare a current CSV with a reference CSV, column by column (no server needed)", (*cmdEnv).drift)
}

const driftHelp = `Usage: lodestar drift --reference REF --current CUR [flags]

Measures data drift of every column of CUR against REF (CSV files; Parquet
is not supported by this command yet) and decides whether the data set as a
whole drifted. Output: --format text (default), json or html (a
self-contained report with a small chart per column).

Columns: every column of REF, found in CUR by name (or at the same position
when the headers are identical); --columns picks some, by name or #N (the
N-th column of each file). A cell is missing when it is blank or one of
pandas' NA spellings (NA, N/A, n/a, NaN, nan, -NaN, -nan, NULL, null,
None, <NA>, #N/A, #N/A N/A, #NA, 1.#IND, -1.#IND, 1.#QNAN, -1.#QNAN);
missing cells are counted and reported, not tested. A column is numeric
when every other cell in both files is a finite decimal number ('.' for
decimals, e.g. 12, -0.5, 3e-4; surrounding spaces ignored), else
categorical; the report names the first cell that made it categorical.

Tests (defaults after Evidently; see the flags to change them):
  numeric, reference ≤ 1000 values   Kolmogorov–Smirnov, drift at p < 0.05
  numeric, more values               Wasserstein distance / reference std,
                                     drift at ≥ 0.1
  categorical, or numeric with ≤ 5 distinct values
                                     chi-square (≤ 1000 values, p < 0.05) or
                                     Jensen–Shannon distance (≥ 0.1)
  every column                       PSI over reference deciles: < 0.1 stable,
                                     0.1–0.25 warn, ≥ 0.25 drift
  data set                           drift when ≥ 50% of the tested columns drift

Memory does not grow with the number of rows. When both files have at most
--exact-limit values in a column, its statistics are exact (scipy's,
to 1e-12); beyond, the reference is read twice: the first pass samples
--exact-limit values to cut --bins reference-quantile bins, the second
counts into them, and the statistics come from the bins with stated error
bounds (JSON: ks_upper_bound, wasserstein_error_bound). Memory is about
(2·8·exact-limit + 32·bins) bytes per numeric column plus the distinct
values of categorical columns (at most 10,000 per column; a column with
more is reported as untestable), plus one record of each file.

Files are read by the rules of every Lodestar data file: encoding UTF-8
(with or without BOM), GB18030 or Windows-1252, detected or --encoding;
separator comma, semicolon or tab, detected or --separator; CRLF or LF;
RFC 4180 quotes. A malformed file stops with its name, line and column.
Exit status: 0 when the comparison ran (drift or not), 1 on bad input,
2 on bad usage.

Flags:
`

// driftArgs are the drift command's flags.
type driftArgs struct {
	reference, current, format, columns string
	exactLimit, bins                    int
	seed                                uint64
	th                                  monitor.Thresholds
	table                               tableFlags
}

func (e *cmdEnv) drift(args []string) error {
	fs := e.flags("drift")
	var a driftArgs
	fs.StringVar(&a.reference, "reference", "", "reference CSV file (required)")
	fs.StringVar(&a.current, "current", "", "current CSV file (required)")
	fs.StringVar(&a.format, "format", "text", "output format: text, json or html")
	fs.StringVar(&a.columns, "columns", "", "columns to compare, comma-separated names or #N (default: all of the reference's)")
	fs.IntVar(&a.exactLimit, "exact-limit", monitor.DefaultExactLimit, "values per column kept exactly; beyond, statistics come from bins")
	fs.IntVar(&a.bins, "bins", 2048, "reference-quantile bins per numeric column beyond --exact-limit")
	fs.Uint64Var(&a.seed, "seed", 1, "seed of the reference sample beyond --exact-limit")
	fs.StringVar(&a.th.NumericTest, "numeric-test", "auto", "auto, ks, wasserstein or psi")
	fs.StringVar(&a.th.CategoricalTest, "categorical-test", "auto", "auto, chi2, jensenshannon or psi")
	fs.Float64Var(&a.th.PValue, "p-value", 0.05, "drift when a test's p-value is below this")
	fs.Float64Var(&a.th.Wasserstein, "wasserstein", 0.1, "drift when Wasserstein / reference std is at least this")
	fs.Float64Var(&a.th.JensenShannon, "js", 0.1, "drift when the Jensen–Shannon distance is at least this")
	fs.Float64Var(&a.th.PSIWarn, "psi-warn", 0.1, "PSI from which a column is graded warn")
	fs.Float64Var(&a.th.PSIDrift, "psi-drift", 0.25, "PSI from which a column is graded drift (and drifts with --*-test psi)")
	fs.IntVar(&a.th.PSIBins, "psi-bins", 10, "reference-quantile bins of the PSI")
	fs.Float64Var(&a.th.Share, "share", 0.5, "dataset drift when at least this share of the tested columns drift")
	fs.Int64Var(&a.th.SmallSample, "small-sample", 1000, "auto uses p-value tests up to this many reference values, distances above")
	a.table.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), driftHelp)
		fs.PrintDefaults()
	}
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	topt, err := a.table.options("drift")
	if err != nil {
		return err
	}
	rep, err := runDrift(a, topt)
	if err != nil {
		return err
	}
	switch a.format {
	case "json":
		return writeDriftJSON(e.stdout, rep)
	case "html":
		return writeDriftHTML(e.stdout, rep)
	}
	return writeDriftText(e.stdout, rep)
}

func (a *driftArgs) check() error {
	switch {
	case a.reference == "" || a.current == "":
		return errUsage{"drift: --reference and --current are required"}
	case a.format != "text" && a.format != "json" && a.format != "html":
		return errUsage{fmt.Sprintf("drift: --format %q: want text, json or html", a.format)}
	case a.exactLimit < 1:
		return errUsage{"drift: --exact-limit must be at least 1"}
	case a.bins < 10:
		return errUsage{"drift: --bins must be at least 10"}
	}
	if err := a.th.Validate(); err != nil {
		return errUsage{"drift: " + err.Error()}
	}
	return nil
}

// naValues are pandas' default NA spellings: cells with them are missing.
var naValues = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true,
	"NA": true, "NULL": true, "NaN": true, "None": true, "n/a": true, "nan": true, "null": true,
}

// parseCell reads a finite decimal number; ok is false for anything else
// (text, infinities, hexadecimal).
func parseCell(s string) (float64, bool) {
	if s == "" || strings.ContainsAny(s, "xX_pP") {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) && !math.IsInf(v, 0) {
			return v, true // underflow: the nearest float is right
		}
		return 0, false
	}
	return v, !math.IsInf(v, 0) && !math.IsNaN(v)
}

// driftColumn is one compared column: where it is in each file and what
// each file's pass has gathered.
type driftColumn struct {
	name     string
	ref, cur int // column index in each file

	numeric  bool   // every non-missing cell so far is a number
	textFile string // where the first non-number was
	textLine int
	textCell string

	refMiss, curMiss int64
	refSample        *monitor.Sample
	curSample        *monitor.Sample
	refCounts        monitor.Counts
	curCounts        monitor.Counts
	bins             *monitor.Bins
	refHist, curHist *monitor.Hist
}

// driftReport is what the writers print.
type driftReport struct {
	Reference, Current string
	RefRows, CurRows   int64
	Thresholds         monitor.Thresholds
	Result             monitor.DatasetDrift
	Charts             []driftChart
}

// driftChart is the data behind a column's small chart: proportions of
// each sample over the PSI bins (numeric) or the most frequent values.
type driftChart struct {
	Labels   []string
	Ref, Cur []float64
}

const maxCategories = 10_000

func runDrift(a driftArgs, topt tabular.Options) (*driftReport, error) {
	ref, err := tabular.OpenFile(a.reference, topt)
	if err != nil {
		return nil, err
	}
	defer ref.Close()
	cur, err := tabular.OpenFile(a.current, topt)
	if err != nil {
		return nil, err
	}
	defer cur.Close()
	cols, err := driftColumns(ref, cur, a.columns)
	if err != nil {
		return nil, err
	}
	rep := &driftReport{Reference: a.reference, Current: a.current, Thresholds: a.th.WithDefaults()}
	for i, c := range cols {
		c.numeric = true
		c.refSample = monitor.NewSample(a.exactLimit, a.seed+uint64(i))
		c.refCounts.Max, c.curCounts.Max = maxCategories+1, maxCategories+1
	}

	// Pass 1: the reference, sampled; categories counted.
	if rep.RefRows, err = scanFile(ref, a.reference, cols, true, nil); err != nil {
		return nil, err
	}
	if rep.RefRows == 0 {
		return nil, fmt.Errorf("%s: %w", a.reference, errNoRows)
	}
	// Bins from the reference sample; the reference counted into them
	// right away when the sample is the whole column.
	var again []*driftColumn
	for _, c := range cols {
		if !c.numeric || c.refSample.N() == 0 {
			continue
		}
		c.bins = monitor.BinsFromSorted(c.refSample.Sorted(), a.bins, rep.Thresholds.PSIBins)
		c.refHist, c.curHist = monitor.NewHist(c.bins), monitor.NewHist(c.bins)
		c.curSample = monitor.NewSample(a.exactLimit, 0)
		if c.refSample.Exact() {
			for _, x := range c.refSample.Sorted() {
				c.refHist.Add(x)
			}
		} else {
			again = append(again, c)
		}
	}
	// Pass 2: the current, and the reference again for the columns whose
	// sample was not the whole column, side by side.
	var wg sync.WaitGroup
	var err2 error
	if len(again) > 0 {
		ref2, err := tabular.OpenFile(a.reference, topt)
		if err != nil {
			return nil, err
		}
		defer ref2.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err2 = scanFile(ref2, a.reference, again, true, func(c *driftColumn, x float64) { c.refHist.Add(x) })
		}()
	}
	rep.CurRows, err = scanFile(cur, a.current, cols, false, nil)
	wg.Wait()
	if err == nil {
		err = err2
	}
	if err != nil {
		return nil, err
	}
	if rep.CurRows == 0 {
		return nil, fmt.Errorf("%s: %w", a.current, errNoRows)
	}
	var features []monitor.FeatureDrift
	for _, c := range cols {
		f, chart := c.compare(rep.Thresholds)
		features = append(features, f)
		rep.Charts = append(rep.Charts, chart)
	}
	rep.Result = monitor.Summarize(features, rep.Thresholds)
	return rep, nil
}

// driftColumns resolves the columns to compare in both files.
func driftColumns(ref, cur *tabular.Reader, spec string) ([]*driftColumn, error) {
	var specs []string
	if spec != "" {
		for _, s := range strings.Split(spec, ",") {
			if s = strings.TrimSpace(s); s != "" {
				specs = append(specs, s)
			}
		}
	}
	rh, ch := ref.Header(), cur.Header()
	same := len(rh) == len(ch)
	for i := range rh {
		same = same && rh[i] == ch[i]
	}
	var cols []*driftColumn
	if len(specs) == 0 {
		for i, h := range rh {
			c := &driftColumn{name: h, ref: i, cur: i}
			if !same {
				j, err := cur.Column(h)
				if err != nil {
					return nil, fmt.Errorf("%w (the reference's column #%d; pick columns with --columns)", err, i+1)
				}
				c.cur = j
			}
			cols = append(cols, c)
		}
		return cols, nil
	}
	for _, s := range specs {
		i, err := ref.Column(s)
		if err != nil {
			return nil, err
		}
		j, err := cur.Column(s)
		if err != nil {
			return nil, err
		}
		cols = append(cols, &driftColumn{name: rh[i], ref: i, cur: j})
	}
	return cols, nil
}

// scanFile reads every record of a file into the columns: numbers into the
// samples (or, when hist is set, only there), and cells as categories.
func scanFile(t *tabular.Reader, name string, cols []*driftColumn, isRef bool, hist func(*driftColumn, float64)) (int64, error) {
	var rows int64
	for {
		rec, line, err := t.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows++
		for _, c := range cols {
			at := c.cur
			if isRef {
				at = c.ref
			}
			cell := strings.TrimSpace(rec[at])
			if hist != nil {
				if x, ok := parseCell(cell); ok {
					hist(c, x)
				}
				continue
			}
			if naValues[cell] {
				if isRef {
					c.refMiss++
				} else {
					c.curMiss++
				}
				continue
			}
			if c.numeric {
				x, ok := parseCell(cell)
				if ok {
					if isRef {
						c.refSample.Add(x)
					} else if c.curSample != nil {
						c.curSample.Add(x)
						c.curHist.Add(x)
					}
				} else {
					c.numeric = false
					c.textFile, c.textLine, c.textCell = name, line, cell
				}
			}
			counts := &c.curCounts
			if isRef {
				counts = &c.refCounts
			}
			if counts.Distinct() <= maxCategories {
				counts.Add(cell)
			}
		}
	}
}

// compare measures one column's drift and gathers its chart.
func (c *driftColumn) compare(th monitor.Thresholds) (monitor.FeatureDrift, driftChart) {
	var f monitor.FeatureDrift
	var chart driftChart
	switch {
	case c.numeric && c.curSample != nil:
		rv, rn, rok := c.refSample.FewDistinct()
		cv, cn, cok := c.curSample.FewDistinct()
		switch {
		case rok && cok && unionSize(rv, cv) <= monitor.FewValues:
			f = monitor.FewValuesDrift(rv, rn, cv, cn, th)
		case c.refSample.Exact() && c.curSample.Exact():
			f = monitor.NumericExact(c.refSample.Sorted(), c.curSample.Sorted(), th)
		default:
			f = monitor.NumericBinned(c.refHist, c.curHist, th)
		}
		chart = numericChart(c)
	case c.numeric: // no numbers in the reference
		f = monitor.NumericExact(nil, nil, th)
		f.Note = "no values in the reference"
	case c.refCounts.Distinct() > maxCategories || c.curCounts.Distinct() > maxCategories:
		f = monitor.CategoricalDrift(&monitor.Counts{}, &monitor.Counts{}, th)
		f.Note = fmt.Sprintf("more than %d distinct values (an identifier or free text?): not tested", maxCategories)
	default:
		f = monitor.CategoricalDrift(&c.refCounts, &c.curCounts, th)
		chart = categoricalChart(&c.refCounts, &c.curCounts)
	}
	if !c.numeric && c.textFile != "" {
		f.Kind = monitor.Categorical
		note := fmt.Sprintf("categorical: %s line %d has %q, not a number", c.textFile, c.textLine, c.textCell)
		if f.Note != "" {
			note += "; " + f.Note
		}
		f.Note = note
	}
	f.Name = c.name
	f.RefMiss, f.CurMiss = c.refMiss, c.curMiss
	return f, chart
}

func unionSize(a, b []float64) int {
	n := len(a)
	for _, x := range b {
		found := false
		for _, y := range a {
			found = found || x == y
		}
		if !found {
			n++
		}
	}
	return n
}

func numericChart(c *driftColumn) driftChart {
	edges := c.bins.PSIEdges()
	r, u := c.refHist.PSICounts(), c.curHist.PSICounts()
	ch := driftChart{Ref: proportions(r), Cur: proportions(u)}
	for i := range r {
		switch {
		case len(edges) == 0:
			ch.Labels = append(ch.Labels, "all")
		case i == 0:
			ch.Labels = append(ch.Labels, "≤ "+fmtNum(edges[0]))
		case i == len(edges):
			ch.Labels = append(ch.Labels, "> "+fmtNum(edges[i-1]))
		default:
			ch.Labels = append(ch.Labels, fmtNum(edges[i-1])+" – "+fmtNum(edges[i]))
		}
	}
	return ch
}

// categoricalChart shows the 12 values most frequent in either sample.
func categoricalChart(r, c *monitor.Counts) driftChart {
	type kv struct {
		v string
		w float64
	}
	rt, ct := float64(r.Total()), float64(c.Total())
	seen := map[string]bool{}
	var all []kv
	for _, counts := range []*monitor.Counts{r, c} {
		for _, v := range counts.Names {
			if !seen[v] {
				seen[v] = true
				all = append(all, kv{v, math.Max(float64(r.Get(v))/math.Max(rt, 1), float64(c.Get(v))/math.Max(ct, 1))})
			}
		}
	}
	sortKV := func(i, j int) bool { return all[i].w > all[j].w || all[i].w == all[j].w && all[i].v < all[j].v }
	for i := 1; i < len(all); i++ { // insertion sort: stable and short
		for j := i; j > 0 && sortKV(j, j-1); j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	var ch driftChart
	for i, x := range all {
		if i == 12 {
			break
		}
		ch.Labels = append(ch.Labels, x.v)
		ch.Ref = append(ch.Ref, float64(r.Get(x.v))/math.Max(rt, 1))
		ch.Cur = append(ch.Cur, float64(c.Get(x.v))/math.Max(ct, 1))
	}
	return ch
}

func proportions(c []float64) []float64 {
	t := 0.0
	for _, v := range c {
		t += v
	}
	out := make([]float64, len(c))
	for i, v := range c {
		if t > 0 {
			out[i] = v / t
		}
	}
	return out
}

func fmtNum(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func writeDriftJSON(w io.Writer, rep *driftReport) error {
	th := rep.Thresholds
	out := struct {
		Reference    string                 `json:"reference"`
		Current      string                 `json:"current"`
		RefRows      int64                  `json:"reference_rows"`
		CurRows      int64                  `json:"current_rows"`
		DatasetDrift bool                   `json:"dataset_drift"`
		ShareDrifted float64                `json:"share_drifted"`
		Drifted      int                    `json:"drifted_columns"`
		Tested       int                    `json:"tested_columns"`
		Thresholds   map[string]any         `json:"thresholds"`
		Columns      []monitor.FeatureDrift `json:"columns"`
	}{
		rep.Reference, rep.Current, rep.RefRows, rep.CurRows, rep.Result.Drift, rep.Result.ShareDrifted,
		rep.Result.Drifted, rep.Result.Tested,
		map[string]any{"numeric_test": th.NumericTest, "categorical_test": th.CategoricalTest, "p_value": th.PValue,
			"wasserstein": th.Wasserstein, "jensenshannon": th.JensenShannon, "psi_warn": th.PSIWarn,
			"psi_drift": th.PSIDrift, "psi_bins": th.PSIBins, "share": th.Share, "small_sample": th.SmallSample},
		rep.Result.Features,
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func fmtP(v float64) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case v < 1e-4:
		return strconv.FormatFloat(v, 'e', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func fmtStat(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func (c driftColumn) String() string { return c.name }

var _ = flag.ErrHelp
