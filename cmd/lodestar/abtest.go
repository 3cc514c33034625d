package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/lodestar-hq/lodestar/internal/engine/stats"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

func init() {
	register("abtest", "analyse an A/B test from a CSV file (no server needed)", (*cmdEnv).abtest)
}

const abtestHelp = `Usage: lodestar abtest --data FILE [flags]

Analyses an A/B test from a CSV file, comparing every treatment with the
control: Welch's t-test for --metric mean, the two-proportion z-test for
--metric proportion, a sample-ratio-mismatch check, and a verdict.

FILE has one of two layouts, told apart by its header:
  per-variant statistics  variant,n,sum,sum_squares   one row per variant, the
                          first is the control; for proportions sum is the
                          number of conversions and sum_squares may be omitted
  observations            variant,value               one row per unit,
                          streamed in constant memory; the first variant seen
                          is the control; for proportions values are 0 or 1
Columns are found by name (exact, else case-insensitive); pick others, or one
of several columns with the same name, with --column ROLE=COL, where ROLE is
variant, value, n, sum or sum_squares and COL a name or #N (the N-th column).
Numbers use '.' for decimals; surrounding spaces in numbers and variant names
are ignored.

Sample ratio: with --split the observed allocation is checked against the
planned one (chi-square, mismatch at p < 0.001, which makes the verdict
do-not-ship). Without --split an equal split is assumed, and the output says
so; give the planned split whenever it is not equal.

Sequential testing (--sequential): each comparison also gets an always-valid
1-alpha confidence sequence for the difference (treatment - control), the
asymptotic confidence sequence of Waudby-Smith et al. (2023), and its
always-valid p-value. Each run of the command on the data so far is one look;
look as often as you like: the interval holds at every look at once, so
stopping the first time it excludes 0 keeps the false-positive rate at alpha.
The verdict then follows the sequence, not the fixed-horizon test. Its tuning
parameter rho sets where the sequence is narrowest: --sequential-n N makes it
narrowest at N units (control + treatment of a comparison), through
rho^2 = (u - 1)/N with u - ln u = 1 - 2 ln alpha; the default N is 10000, or
2 x --min-sample when that is given. --rho sets it directly. Any rho > 0 is
valid, but it must be fixed before the first look: choosing it after seeing
the data voids the guarantee. The guarantee is asymptotic (it needs a few
hundred units per variant) and assumes random assignment at a fixed split.
For --metric proportion the values are the 0/1 outcomes.

` + reportLangHelp + dataFileRules + `
Flags:
`

// abtestArgs are the abtest command's flags.
// maxMinSample bounds --min-sample: a trillion units per variant.
const maxMinSample = 1_000_000_000_000

type abtestArgs struct {
	data, metric, split, format string
	lang                        string // the text report's, as given
	alpha                       float64
	minSample                   int64
	lowerIsBetter               bool
	sequential                  bool
	sequentialN                 int64
	rho                         float64
	columns                     abtestColumns
	table                       tableFlags
}

// abtestColumns collects repeated --column ROLE=COL flags.
type abtestColumns map[string]string

func (c abtestColumns) String() string { return "" }

func (c abtestColumns) Set(v string) error {
	role, col, ok := strings.Cut(v, "=")
	role = strings.TrimSpace(role)
	switch {
	case !ok || col == "":
		return fmt.Errorf("want ROLE=COL, e.g. value=#3")
	case !isAbtestRole(role):
		return fmt.Errorf("unknown role %q: want variant, value, n, sum or sum_squares", role)
	}
	c[role] = col
	return nil
}

func isAbtestRole(r string) bool {
	switch r {
	case "variant", "value", "n", "sum", "sum_squares":
		return true
	}
	return false
}

func (e *cmdEnv) abtest(args []string) error {
	fs := e.flags("abtest")
	a := abtestArgs{columns: abtestColumns{}}
	fs.StringVar(&a.data, "data", "", "CSV file to analyse, or - for standard input (required)")
	numberVar(fs, &a.alpha, "alpha", 0.05, "two-sided significance level; intervals are at 1-alpha")
	fs.StringVar(&a.metric, "metric", "mean", "mean (Welch's t-test) or proportion (two-proportion z-test)")
	fs.StringVar(&a.split, "split", "", "planned traffic split, control first, e.g. 50,50 or 90,10, for the sample-ratio check\n(default: an equal split is assumed, and the output says so)")
	fs.Int64Var(&a.minSample, "min-sample", 0, "planned units per variant: below it the verdict is keep-running (with --sequential,\nunless the sequence already excludes 0); at it a non-significant result is do-not-ship\n(default 0: no plan)")
	fs.BoolVar(&a.lowerIsBetter, "lower-is-better", false, "the metric should go down (e.g. latency, refunds)")
	fs.Var(a.columns, "column", "`ROLE=COL`: read ROLE (variant, value, n, sum, sum_squares) from column COL,\na header name or #N; repeatable")
	fs.BoolVar(&a.sequential, "sequential", false, "add always-valid confidence sequences, safe to look at after every batch (see above)")
	fs.Int64Var(&a.sequentialN, "sequential-n", 0, "with --sequential: total units of a comparison at which the sequence is narrowest;\nsets rho (default 10000, or 2 x --min-sample when given)")
	numberVar(fs, &a.rho, "rho", 0, "with --sequential: the confidence sequence's tuning parameter, set directly\n(default: from --sequential-n; 0.0287 for 10000 units at alpha 0.05)")
	fs.StringVar(&a.format, "format", "text", "output format: text, json or csv")
	registerLang(fs, &a.lang)
	a.table.register(fs)
	fs.Usage = func() { printHelp(fs, abtestHelp, "") }
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	// A tuning flag given as 0 is a mistake, not "the default": say so
	// rather than run with the default.
	var zero error
	fs.Visit(func(f *flag.Flag) {
		switch {
		case zero != nil:
		case f.Name == "rho" && a.rho == 0, f.Name == "sequential-n" && a.sequentialN == 0:
			zero = errUsage{fmt.Sprintf("abtest: --%s 0: want a positive number (leave it out for the default)", f.Name)}
		}
	})
	if zero != nil {
		return zero
	}
	weights, err := a.check()
	if err != nil {
		return err
	}
	lang, err := reportLang("abtest", a.lang, e.getenv)
	if err != nil {
		return err
	}
	opt, err := a.table.options("abtest")
	if err != nil {
		return err
	}
	data, err := a.read(opt)
	if err != nil {
		return err
	}
	rep, err := analyseABTest(a, data, weights)
	if err != nil {
		return err
	}
	switch a.format {
	case "json":
		return writeJSON(e.stdout, rep)
	case "csv":
		return writeABTestCSV(e.stdout, rep)
	}
	return writeABTestText(e.stdout, rep, lang)
}

// check validates the flags that need no file, returning the split weights.
func (a *abtestArgs) check() ([]float64, error) {
	switch {
	case a.data == "":
		return nil, errUsage{"abtest: --data is required"}
	case !(a.alpha > 0 && a.alpha < 1):
		return nil, errUsage{fmt.Sprintf("abtest: --alpha %g: want a number between 0 and 1", a.alpha)}
	case a.metric != "mean" && a.metric != "proportion":
		return nil, errUsage{fmt.Sprintf("abtest: --metric %q: want mean or proportion", a.metric)}
	case a.minSample < 0:
		return nil, errUsage{fmt.Sprintf("abtest: --min-sample %d: want 0 or more", a.minSample)}
	case a.minSample > maxMinSample:
		// Far past any experiment, and twice it (the sequential plan's
		// total) would overflow.
		return nil, errUsage{fmt.Sprintf("abtest: --min-sample %d: want at most %d units per variant", a.minSample, int64(maxMinSample))}
	case !a.sequential && (a.sequentialN != 0 || a.rho != 0):
		return nil, errUsage{"abtest: --sequential-n and --rho tune --sequential; add --sequential"}
	case a.sequentialN != 0 && a.rho != 0:
		return nil, errUsage{"abtest: give --sequential-n or --rho, not both"}
	case a.sequentialN < 0:
		return nil, errUsage{fmt.Sprintf("abtest: --sequential-n %d: want a positive number of units", a.sequentialN)}
	case a.rho < 0 || math.IsNaN(a.rho) || math.IsInf(a.rho, 0):
		return nil, errUsage{fmt.Sprintf("abtest: --rho %g: want a positive number", a.rho)}
	}
	if err := checkFormat("abtest", a.format); err != nil {
		return nil, err
	}
	if a.split == "" {
		return nil, nil
	}
	var w []float64
	for _, f := range strings.Split(a.split, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return nil, errUsage{fmt.Sprintf("abtest: --split %q: want positive numbers separated by commas, e.g. 50,50", a.split)}
		}
		w = append(w, v)
	}
	if len(w) < 2 {
		return nil, errUsage{fmt.Sprintf("abtest: --split %q: want one share per variant, at least two", a.split)}
	}
	// The shares are a ratio: scaled to the largest, they sum to a finite
	// number however large they are (1e308,5e307 overflowed to a NaN
	// sample-ratio check that read "ok"); a share that vanishes beside the
	// largest plans no units at all.
	top := slices.Max(w)
	for i := range w {
		if w[i] /= top; w[i] == 0 {
			return nil, errUsage{fmt.Sprintf("abtest: --split %q: the shares are too far apart to plan units for each", a.split)}
		}
	}
	return w, nil
}

// abtestVariantData is one variant as read from the file.
type abtestVariantData struct {
	name    string
	line    int // the row it came from (statistics layout) or first appeared on
	summary stats.Summary
	count   stats.Count
}

// abtestData is the file, read.
type abtestData struct {
	path, layout, encoding string
	encodingDetected       bool
	separator              rune
	variants               []*abtestVariantData
}

// maxABTestVariants guards against a wrong --column variant= turning every
// row into its own variant.
const maxABTestVariants = 1000

func (a *abtestArgs) read(opt tabular.Options) (*abtestData, error) {
	var t *tabular.Reader
	var err error
	if a.data == "-" {
		opt.Name = "stdin"
		t, err = tabular.Open(os.Stdin, opt)
	} else {
		t, err = tabular.OpenFile(a.data, opt)
	}
	if err != nil {
		return nil, err
	}
	defer t.Close()
	d := &abtestData{path: a.data, encoding: t.Encoding(), encodingDetected: t.EncodingDetected(), separator: t.Separator()}
	cols, layout, err := a.layout(t)
	if err != nil {
		return nil, err
	}
	d.layout = layout
	if layout == "summary" {
		err = a.readSummaries(t, cols, d)
	} else {
		err = a.readObservations(t, cols, d)
	}
	if err != nil {
		return nil, err
	}
	if len(d.variants) == 0 {
		return nil, fmt.Errorf("%s: %w", a.data, errNoRows)
	}
	if len(d.variants) < 2 {
		names := make([]string, len(d.variants))
		for i, v := range d.variants {
			names[i] = strconv.Quote(v.name)
		}
		return nil, fmt.Errorf("%s: found %d variant(s) %s; an A/B test needs a control and at least one treatment", a.data, len(d.variants), strings.Join(names, ", "))
	}
	return d, nil
}

// layout resolves the columns and tells the two file layouts apart.
func (a *abtestArgs) layout(t *tabular.Reader) (map[string]int, string, error) {
	cols := map[string]int{}
	find := func(role string) (bool, error) {
		spec, given := a.columns[role]
		if !given {
			spec = role
		}
		i, err := t.Column(spec)
		switch {
		case err == nil:
			cols[role] = i
			return true, nil
		case errors.Is(err, tabular.ErrAmbiguous):
			return false, fmt.Errorf("%w (pass --column %s=#N)", err, role)
		case given || !errors.Is(err, tabular.ErrColumn):
			return false, fmt.Errorf("--column %s=%s: %w", role, spec, err)
		}
		return false, nil
	}
	var have [5]bool
	for i, role := range []string{"variant", "n", "sum", "sum_squares", "value"} {
		ok, err := find(role)
		if err != nil {
			return nil, "", err
		}
		have[i] = ok
	}
	hasVariant, hasN, hasSum, hasSumSq, hasValue := have[0], have[1], have[2], have[3], have[4]
	var missing []string
	layout := "observations"
	switch {
	case hasN || hasSum:
		layout = "summary"
		for _, c := range []struct {
			ok   bool
			name string
		}{{hasVariant, "variant"}, {hasN, "n"}, {hasSum, "sum"}, {hasSumSq || a.metric == "proportion", "sum_squares"}} {
			if !c.ok {
				missing = append(missing, c.name)
			}
		}
	case hasValue || hasVariant:
		for _, c := range []struct {
			ok   bool
			name string
		}{{hasVariant, "variant"}, {hasValue, "value"}} {
			if !c.ok {
				missing = append(missing, c.name)
			}
		}
	default:
		missing = []string{"variant"}
	}
	if len(missing) == 1 && missing[0] == "sum_squares" {
		return nil, "", fmt.Errorf("%s: missing column sum_squares, which --metric mean needs (for conversions, where sum counts them, use --metric proportion); its columns are %s",
			a.data, quotedHeader(t.Header()))
	}
	if len(missing) > 0 {
		return nil, "", fmt.Errorf("%s: missing column %s: the file needs variant,n,sum,sum_squares (one row per variant) or variant,value (one row per observation); its columns are %s (select others with --column ROLE=COL)",
			a.data, strings.Join(missing, ", "), quotedHeader(t.Header()))
	}
	return cols, layout, nil
}

func quotedHeader(h []string) string {
	q := make([]string, len(h))
	for i, s := range h {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// abtestField names a value's place in the file for error messages.
func (a *abtestArgs) field(t *tabular.Reader, line, col int) string {
	return fmt.Sprintf("%s: line %d, column #%d %q", a.data, line, col+1, t.Header()[col])
}

func (a *abtestArgs) readSummaries(t *tabular.Reader, cols map[string]int, d *abtestData) error {
	seen := map[string]int{}
	for {
		rec, line, err := t.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		name := strings.TrimSpace(rec[cols["variant"]])
		if name == "" {
			return fmt.Errorf("%s: the variant name is empty", a.field(t, line, cols["variant"]))
		}
		if first, dup := seen[name]; dup {
			return fmt.Errorf("%s: variant %q appears again (first on line %d); give one row per variant", a.field(t, line, cols["variant"]), name, first)
		}
		seen[name] = line
		number := func(role string) (float64, error) {
			v, err := abtestNumber(rec[cols[role]])
			if err != nil {
				return 0, fmt.Errorf("%s: %v", a.field(t, line, cols[role]), err)
			}
			return v, nil
		}
		n, err := number("n")
		if err != nil {
			return err
		}
		if n < 0 || n != math.Trunc(n) || n > 1<<53 {
			return fmt.Errorf("%s: n = %s must be a whole number of units, 0 or more", a.field(t, line, cols["n"]), rec[cols["n"]])
		}
		sum, err := number("sum")
		if err != nil {
			return err
		}
		v := &abtestVariantData{name: name, line: line}
		if a.metric == "proportion" {
			if sum < 0 || sum > n || sum != math.Trunc(sum) {
				return fmt.Errorf("%s: sum = %s must count the conversions: a whole number from 0 to n = %g", a.field(t, line, cols["sum"]), rec[cols["sum"]], n)
			}
			if i, ok := cols["sum_squares"]; ok {
				if sq, err := number("sum_squares"); err != nil {
					return err
				} else if sq != sum {
					return fmt.Errorf("%s: sum_squares = %s differs from sum = %s, so the values are not all 0 or 1 as --metric proportion needs", a.field(t, line, i), rec[i], rec[cols["sum"]])
				}
			}
			v.count = stats.Count{N: int64(n), Successes: int64(sum)}
		} else {
			sq, err := number("sum_squares")
			if err != nil {
				return err
			}
			v.summary = stats.Summary{N: int64(n), Sum: sum, SumSq: sq}
			if err := v.summary.Validate(); err != nil {
				return fmt.Errorf("%s: line %d: variant %q: %v", a.data, line, name, err)
			}
		}
		d.variants = append(d.variants, v)
		if len(d.variants) > maxABTestVariants {
			return fmt.Errorf("%s: more than %d variants; is the variant column right?", a.data, maxABTestVariants)
		}
	}
}

func (a *abtestArgs) readObservations(t *tabular.Reader, cols map[string]int, d *abtestData) error {
	index := map[string]*abtestVariantData{}
	vc, xc := cols["variant"], cols["value"]
	for {
		rec, line, err := t.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		v, ok := index[rec[vc]]
		if !ok {
			name := strings.TrimSpace(rec[vc])
			if name == "" {
				return fmt.Errorf("%s: the variant name is empty", a.field(t, line, vc))
			}
			if v, ok = index[name]; !ok {
				if len(d.variants) == maxABTestVariants {
					return fmt.Errorf("%s: line %d: more than %d variants; is the variant column right?", a.data, line, maxABTestVariants)
				}
				v = &abtestVariantData{name: name, line: line}
				d.variants = append(d.variants, v)
				index[name] = v
			}
			// Remember this spelling (say " B") too, within reason: a file of
			// ever-new spellings must not grow the map without bound.
			if rec[vc] != name && len(index) < 4*maxABTestVariants {
				index[strings.Clone(rec[vc])] = v
			}
		}
		x, err := abtestNumber(rec[xc])
		if err != nil {
			return fmt.Errorf("%s: %v", a.field(t, line, xc), err)
		}
		if a.metric == "proportion" {
			if x != 0 && x != 1 {
				return fmt.Errorf("%s: value %s is not 0 or 1, as --metric proportion needs", a.field(t, line, xc), strings.TrimSpace(rec[xc]))
			}
			v.count.N++
			v.count.Successes += int64(x)
			continue
		}
		v.summary.Add(x)
	}
}

// abtestNumber reads a finite number written with a decimal point.
func abtestNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("the value is empty")
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil && strings.Contains(s, ","):
		return 0, fmt.Errorf("%q is not a number (write decimals with '.', and no thousands separators)", s)
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", s)
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}

// abtestReport is the document `lodestar abtest --format json` writes.
// Differences are treatment − control; intervals are two-sided at 1 − alpha.
type abtestReport struct {
	Data             string  `json:"data"`              // the file analysed ("-" for standard input)
	Layout           string  `json:"layout"`            // "summary" (variant,n,sum,sum_squares) or "observations" (variant,value)
	Encoding         string  `json:"encoding"`          // the file's text encoding
	EncodingDetected bool    `json:"encoding_detected"` // false when given with --encoding
	Separator        string  `json:"separator"`         // "comma", "semicolon" or "tab"
	Metric           string  `json:"metric"`            // "mean" or "proportion"
	Alpha            float64 `json:"alpha"`             // significance level
	MinSample        int64   `json:"min_sample"`        // planned units per variant; 0 if none
	LowerIsBetter    bool    `json:"lower_is_better"`   // whether a decrease is the desired direction
	// Variants lists every variant in file order; the first is the control.
	Variants []abtestVariant `json:"variants"`
	// SRM is the sample-ratio-mismatch check over all variants.
	SRM abtestSRM `json:"srm"`
	// Sequential is the set-up of the always-valid test; null without
	// --sequential.
	Sequential *abtestSequential `json:"sequential"`
	// Comparisons holds one entry per treatment, each against the control.
	Comparisons []abtestComparison `json:"comparisons"`
}

// abtestVariant describes one variant's data.
type abtestVariant struct {
	Name string  `json:"name"`
	N    int64   `json:"n"`    // units
	Mean float64 `json:"mean"` // mean value, or the conversion rate for proportions
	SD   float64 `json:"sd"`   // sample standard deviation (n − 1); √(p(1 − p)) for proportions
}

// abtestSRM is the chi-square goodness-of-fit test of the allocation.
type abtestSRM struct {
	ExpectedShare []float64 `json:"expected_share"` // planned share of units per variant, summing to 1
	Observed      []int64   `json:"observed"`       // units per variant
	Expected      []float64 `json:"expected"`       // units the planned split predicts
	ChiSquare     float64   `json:"chi_square"`     // Pearson's statistic
	DF            int       `json:"df"`             // variants − 1
	PValue        float64   `json:"p_value"`
	Mismatch      bool      `json:"mismatch"` // p_value < 0.001: the split is not what was planned
	// SplitAssumed is true when no --split was given and an equal split was
	// assumed.
	SplitAssumed bool `json:"split_assumed"`
}

// abtestSequential is how the confidence sequences were tuned.
type abtestSequential struct {
	Method string  `json:"method"` // "asymptotic-confidence-sequence"
	Rho    float64 `json:"rho"`    // the tuning parameter
	// TargetN is the total units of a comparison at which the sequence is
	// narrowest; 0 when --rho was given directly.
	TargetN int64 `json:"target_n"`
	// RhoFrom says where rho came from: "default", "min-sample",
	// "sequential-n" or "rho".
	RhoFrom string `json:"rho_from"`
}

// abtestSequentialLook is one comparison's always-valid result at this look.
type abtestSequentialLook struct {
	N        int64   `json:"n"`        // units in the two variants compared
	Estimate float64 `json:"estimate"` // difference treatment − control
	SE       float64 `json:"se"`
	// CSLow and CSHigh bound the 1 − alpha confidence sequence at this look.
	CSLow  float64 `json:"cs_low"`
	CSHigh float64 `json:"cs_high"`
	// PValue is the always-valid p-value at this look: valid whenever one
	// stops, however often one has looked.
	PValue float64 `json:"p_value"`
	// ExcludesZero is true when the interval lies wholly above or below 0:
	// the difference is established and the test may stop.
	ExcludesZero bool `json:"excludes_zero"`
	// Warning is set when a variant is too small for the asymptotic
	// guarantee to be trusted.
	Warning string `json:"warning,omitempty"`
}

// abtestInterval is an estimate with its standard error and interval.
type abtestInterval struct {
	Estimate float64 `json:"estimate"`
	SE       float64 `json:"se"`
	CILow    float64 `json:"ci_low"`
	CIHigh   float64 `json:"ci_high"`
}

// abtestComparison is one treatment against the control.
type abtestComparison struct {
	Variant       string  `json:"variant"` // the treatment
	Control       string  `json:"control"`
	Test          string  `json:"test"` // "welch-t" or "two-proportion-z"
	MeanControl   float64 `json:"mean_control"`
	MeanTreatment float64 `json:"mean_treatment"`
	// Difference is mean_treatment − mean_control; its interval is Welch's t
	// interval, or Newcombe's hybrid score interval for proportions.
	Difference abtestInterval `json:"difference"`
	// RelativeDifference is mean_treatment/mean_control − 1 with a
	// delta-method normal interval; null when the control mean is 0.
	RelativeDifference *abtestInterval `json:"relative_difference"`
	Statistic          float64         `json:"statistic"`   // t or z
	DF                 *float64        `json:"df"`          // Welch–Satterthwaite degrees of freedom; null for the z-test
	PValue             float64         `json:"p_value"`     // two-sided
	Significant        bool            `json:"significant"` // p_value < alpha
	// Sequential is the always-valid result; null without --sequential.
	// With it, the verdict follows this rather than the fixed-horizon test.
	Sequential *abtestSequentialLook `json:"sequential"`
	Verdict    string                `json:"verdict"` // "ship", "do-not-ship" or "keep-running"
	Reason     string                `json:"reason"`  // why, in a sentence
}

func analyseABTest(a abtestArgs, d *abtestData, weights []float64) (*abtestReport, error) {
	k := len(d.variants)
	if weights != nil && len(weights) != k {
		return nil, errUsage{fmt.Sprintf("abtest: --split has %d shares but %s has %d variants", len(weights), a.data, k)}
	}
	rep := &abtestReport{
		Data: a.data, Layout: d.layout, Encoding: d.encoding, EncodingDetected: d.encodingDetected,
		Separator: map[rune]string{',': "comma", ';': "semicolon", '\t': "tab"}[d.separator],
		Metric:    a.metric, Alpha: a.alpha, MinSample: a.minSample, LowerIsBetter: a.lowerIsBetter,
	}
	observed := make([]int64, k)
	for i, v := range d.variants {
		if err := a.checkVariant(v, d.layout); err != nil {
			return nil, err
		}
		row := abtestVariant{Name: v.name}
		if a.metric == "proportion" {
			p := v.count.Rate()
			row.N, row.Mean, row.SD = v.count.N, p, math.Sqrt(p*(1-p))
		} else {
			row.N, row.Mean, row.SD = v.summary.N, v.summary.Mean(), math.Sqrt(v.summary.Variance())
		}
		observed[i] = row.N
		rep.Variants = append(rep.Variants, row)
	}
	srm, err := stats.SRM(observed, weights)
	if err != nil {
		return nil, fmt.Errorf("%s: sample-ratio check: %w", a.data, err)
	}
	var total float64
	for _, e := range srm.Expected {
		total += e
	}
	rep.SRM = abtestSRM{Observed: srm.Observed, Expected: srm.Expected, ChiSquare: srm.Stat, DF: srm.DF, PValue: srm.P, Mismatch: srm.Mismatch,
		SplitAssumed: weights == nil}
	for _, e := range srm.Expected {
		rep.SRM.ExpectedShare = append(rep.SRM.ExpectedShare, e/total)
	}
	if a.sequential {
		if rep.Sequential, err = a.newSequential(); err != nil {
			return nil, err
		}
	}
	control := d.variants[0]
	for _, v := range d.variants[1:] {
		var c stats.Comparison
		if a.metric == "proportion" {
			c, err = stats.TwoProportions(control.count, v.count, a.alpha)
		} else {
			c, err = stats.Welch(control.summary, v.summary, a.alpha)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: comparing %q with the control %q: %w", a.data, v.name, control.name, err)
		}
		in := stats.VerdictInput{Primary: c, LowerIsBetter: a.lowerIsBetter, MinSample: a.minSample, SRM: &srm}
		var look *abtestSequentialLook
		if rep.Sequential != nil {
			if look, err = a.sequentialLook(rep.Sequential.Rho, control, v, &in); err != nil {
				return nil, err
			}
		}
		verdict := stats.Decide(in)
		row := abtestComparison{
			Sequential: look,
			Variant:    v.name, Control: control.name, Test: string(c.Method),
			MeanControl: c.Control.Mean, MeanTreatment: c.Treatment.Mean,
			Difference: abtestInterval{c.Diff.Value, c.Diff.SE, c.Diff.Lo, c.Diff.Hi},
			Statistic:  c.Stat, PValue: c.P, Significant: c.Significant(),
			Verdict: string(verdict.Decision), Reason: verdict.Reason,
		}
		if r := c.Relative; r != nil {
			row.RelativeDifference = &abtestInterval{r.Value, r.SE, r.Lo, r.Hi}
		}
		if c.Method != stats.MethodTwoProportion {
			df := c.DF
			row.DF = &df
		}
		rep.Comparisons = append(rep.Comparisons, row)
	}
	return rep, nil
}

// newSequential settles the tuning parameter of the always-valid test.
func (a abtestArgs) newSequential() (*abtestSequential, error) {
	cfg := stats.SequentialConfig{Alpha: a.alpha, Rho: a.rho}
	setup := &abtestSequential{Method: "asymptotic-confidence-sequence", RhoFrom: "rho"}
	if a.rho == 0 {
		switch {
		case a.sequentialN > 0:
			cfg.TargetN, setup.RhoFrom = a.sequentialN, "sequential-n"
		case a.minSample > 0:
			cfg.TargetN, setup.RhoFrom = 2*a.minSample, "min-sample"
		default:
			cfg.TargetN, setup.RhoFrom = stats.DefaultTargetN, "default"
		}
		setup.TargetN = cfg.TargetN
	}
	seq, err := stats.NewSequential(cfg)
	if err != nil {
		return nil, errUsage{fmt.Sprintf("abtest: --sequential: %v", err)}
	}
	setup.Rho = seq.Rho()
	return setup, nil
}

// minSequentialN is the units per variant below which the asymptotic
// confidence sequence gets a warning: the time-uniform CLT it rests on
// needs hundreds of units for well-behaved metrics.
const minSequentialN = 100

// sequentialLook computes the always-valid result of one comparison at
// this look and makes it the verdict's primary result. Each run is one
// look: its p-value is always valid on its own (the confidence sequence
// holds at every look at once), so no history is needed.
func (a abtestArgs) sequentialLook(rho float64, control, v *abtestVariantData, in *stats.VerdictInput) (*abtestSequentialLook, error) {
	c, t := control.summary, v.summary
	if a.metric == "proportion" {
		// The 0/1 outcomes: their sum of squares is their sum.
		c = stats.Summary{N: control.count.N, Sum: float64(control.count.Successes), SumSq: float64(control.count.Successes)}
		t = stats.Summary{N: v.count.N, Sum: float64(v.count.Successes), SumSq: float64(v.count.Successes)}
	}
	l, err := stats.ConfidenceSequence(c, t, a.alpha, rho)
	if err != nil {
		return nil, fmt.Errorf("%s: confidence sequence of %q against the control %q: %w", a.data, v.name, control.name, err)
	}
	out := &abtestSequentialLook{N: l.N, Estimate: l.Estimate, SE: l.SE, CSLow: l.Lo, CSHigh: l.Hi, PValue: l.P,
		ExcludesZero: l.Lo > 0 || l.Hi < 0}
	if n := min(c.N, t.N); n < minSequentialN {
		out.Warning = fmt.Sprintf("only %d units in the smaller variant: the confidence sequence is asymptotic and needs a few hundred per variant, so treat it as indicative", n)
	}
	p := in.Primary
	p.P = l.P
	p.Diff = stats.Estimate{Value: l.Estimate, SE: l.SE, Lo: l.Lo, Hi: l.Hi}
	in.Primary, in.AlwaysValid = p, true
	return out, nil
}

// checkVariant refuses a variant too small to test, naming it and its line.
func (a abtestArgs) checkVariant(v *abtestVariantData, layout string) error {
	where := fmt.Sprintf("%s: variant %q", a.data, v.name)
	if layout == "summary" {
		where = fmt.Sprintf("%s: line %d: variant %q", a.data, v.line, v.name)
	}
	if a.metric == "proportion" {
		if v.count.N < 1 {
			return fmt.Errorf("%s has n = 0; each variant needs at least 1 unit", where)
		}
		return nil
	}
	if v.summary.N < 2 {
		return fmt.Errorf("%s has n = %d; each variant needs at least 2 observations for a t-test", where, v.summary.N)
	}
	return nil
}

func writeABTestCSV(w io.Writer, rep *abtestReport) error {
	cw := evidence.NewCSVWriter(w) // names from the input file: formulas defused
	cw.Write([]string{"variant", "control", "test", "n_control", "n", "mean_control", "mean",
		"difference", "difference_ci_low", "difference_ci_high",
		"relative_difference", "relative_ci_low", "relative_ci_high",
		"statistic", "df", "p_value", "significant", "srm_p_value", "srm_mismatch", "verdict", "reason",
		"sequential_cs_low", "sequential_cs_high", "sequential_p_value", "sequential_excludes_zero"})
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i, c := range rep.Comparisons {
		rel := []string{"", "", ""}
		if r := c.RelativeDifference; r != nil {
			rel = []string{g(r.Estimate), g(r.CILow), g(r.CIHigh)}
		}
		df := ""
		if c.DF != nil {
			df = g(*c.DF)
		}
		row := []string{c.Variant, c.Control, c.Test,
			strconv.FormatInt(rep.Variants[0].N, 10), strconv.FormatInt(rep.Variants[i+1].N, 10),
			g(c.MeanControl), g(c.MeanTreatment),
			g(c.Difference.Estimate), g(c.Difference.CILow), g(c.Difference.CIHigh)}
		row = append(row, rel...)
		row = append(row, g(c.Statistic), df, g(c.PValue), strconv.FormatBool(c.Significant),
			g(rep.SRM.PValue), strconv.FormatBool(rep.SRM.Mismatch), c.Verdict, c.Reason)
		if s := c.Sequential; s != nil {
			row = append(row, g(s.CSLow), g(s.CSHigh), g(s.PValue), strconv.FormatBool(s.ExcludesZero))
		} else {
			row = append(row, "", "", "", "")
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func writeABTestText(dst io.Writer, rep *abtestReport, lang string) error {
	w := &errWriter{w: dst}
	t := newReportText(lang)
	level := fmt.Sprintf("%g%%", 100*(1-rep.Alpha))
	src := t.T("clireport.abtest.layout.observations")
	if rep.Layout == "summary" {
		src = t.T("clireport.abtest.layout.summary")
	}
	how := t.T("clireport.encoding_given")
	if rep.EncodingDetected {
		how = t.T("clireport.encoding_detected")
	}
	fmt.Fprintln(w, t.T("clireport.abtest.title", rep.Data, src, rep.Encoding, how, t.Word("clireport.separator.", rep.Separator)))
	fmt.Fprint(w, t.T("clireport.abtest.metric", t.Word("clireport.abtest.metric.", rep.Metric), rep.Alpha))
	if rep.LowerIsBetter {
		fmt.Fprint(w, t.T("clireport.abtest.lower_is_better"))
	}
	if rep.MinSample > 0 {
		fmt.Fprint(w, t.T("clireport.abtest.planned", rep.MinSample))
	}
	fmt.Fprint(w, "\n\n")

	mean := t.T("clireport.abtest.col.mean")
	if rep.Metric == "proportion" {
		mean = t.T("clireport.abtest.col.rate")
	}
	rows := [][]string{{t.T("clireport.abtest.col.variant"), "n", mean, t.T("clireport.abtest.col.sd"),
		t.T("clireport.abtest.col.share"), t.T("clireport.abtest.col.expected")}}
	var total int64
	for _, v := range rep.Variants {
		total += v.N
	}
	for i, v := range rep.Variants {
		name := v.Name
		if i == 0 {
			name = t.T("clireport.abtest.control", name)
		}
		rows = append(rows, []string{name, strconv.FormatInt(v.N, 10), abtestNum(v.Mean), abtestNum(v.SD),
			fmt.Sprintf("%.2f%%", 100*float64(v.N)/float64(total)), fmt.Sprintf("%.2f%%", 100*rep.SRM.ExpectedShare[i])})
	}
	writeTabbed(w, rows, false)
	srm := rep.SRM
	against := t.T("clireport.abtest.srm.planned")
	if srm.SplitAssumed {
		against = t.T("clireport.abtest.srm.assumed")
	}
	outcome := t.T("clireport.abtest.srm.ok")
	switch {
	case srm.Mismatch && srm.SplitAssumed:
		outcome = t.T("clireport.abtest.srm.mismatch_assumed")
	case srm.Mismatch:
		outcome = t.T("clireport.abtest.srm.mismatch")
	}
	fmt.Fprint(w, "\n"+t.T("clireport.abtest.srm", against, srm.ChiSquare, srm.DF, abtestP(srm.PValue), outcome)+"\n")
	if s := rep.Sequential; s != nil {
		tuned := t.T("clireport.abtest.sequential.narrowest", s.TargetN)
		if s.RhoFrom == "rho" {
			tuned = t.T("clireport.abtest.sequential.rho")
		}
		fmt.Fprintln(w, t.T("clireport.abtest.sequential", level, s.Rho, tuned))
	}
	// The labels of a comparison's first two lines, padded alike.
	diffLabel, relLabel := t.T("clireport.abtest.difference"), t.T("clireport.abtest.relative")
	labelCells := max(cellWidth(diffLabel), cellWidth(relLabel)) + 2
	diffLabel, relLabel = padCells(diffLabel, labelCells), padCells(relLabel, labelCells)
	for _, c := range rep.Comparisons {
		fmt.Fprint(w, "\n"+t.T("clireport.abtest.versus", c.Variant, c.Control)+"\n")
		d := c.Difference
		ci := t.T("clireport.abtest.ci", level)
		if c.Sequential != nil {
			ci = t.T("clireport.abtest.ci_fixed", level) // valid at one planned look, not at every look
		}
		fmt.Fprintln(w, "  "+diffLabel+t.T("clireport.abtest.difference_value", abtestSigned(d.Estimate), ci, abtestSigned(d.CILow), abtestSigned(d.CIHigh)))
		if r := c.RelativeDifference; r != nil {
			fmt.Fprintln(w, "  "+relLabel+t.T("clireport.abtest.relative_value", 100*r.Estimate, t.T("clireport.abtest.ci", level), 100*r.CILow, 100*r.CIHigh))
		} else {
			fmt.Fprintln(w, "  "+relLabel+t.T("clireport.abtest.relative_undefined"))
		}
		if c.DF != nil {
			fmt.Fprintln(w, "  "+t.T("clireport.abtest.welch", c.Statistic, *c.DF, abtestP(c.PValue)))
		} else {
			fmt.Fprintln(w, "  "+t.T("clireport.abtest.z", c.Statistic, abtestP(c.PValue)))
		}
		if s := c.Sequential; s != nil {
			verdict := t.T("clireport.abtest.cs.includes_zero")
			if s.ExcludesZero {
				verdict = t.T("clireport.abtest.cs.excludes_zero")
			}
			fmt.Fprintln(w, "  "+t.T("clireport.abtest.cs", level, abtestSigned(s.CSLow), abtestSigned(s.CSHigh), abtestP(s.PValue), verdict))
			if s.Warning != "" {
				fmt.Fprintln(w, "  "+t.T("clireport.abtest.warning", t.Msg(s.Warning)))
			}
		}
		fmt.Fprintln(w, "  "+t.T("clireport.abtest.verdict", t.Word("clireport.abtest.decision.", c.Verdict), t.Msg(c.Reason)))
	}
	return w.err
}

// abtestNum formats a value to six significant digits.
func abtestNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func abtestSigned(v float64) string {
	s := abtestNum(v)
	if v >= 0 {
		s = "+" + s
	}
	return s
}

func abtestP(p float64) string {
	if p < 1e-4 {
		return strconv.FormatFloat(p, 'e', 2, 64)
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}
