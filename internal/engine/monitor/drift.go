package monitor

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Test names, as FeatureDrift.Test reports them and Thresholds accept.
const (
	TestAuto          = "auto"
	TestKS            = "ks"            // two-sample Kolmogorov–Smirnov: drift when p < PValue
	TestWasserstein   = "wasserstein"   // Wasserstein / reference std: drift when ≥ Wasserstein
	TestPSI           = "psi"           // drift when PSI ≥ PSIDrift
	TestChiSquare     = "chi2"          // chi-square homogeneity: drift when p < PValue
	TestJensenShannon = "jensenshannon" // JS distance, natural log: drift when ≥ JensenShannon
	TestNone          = "none"          // not testable (an empty sample)
)

// Feature kinds.
const (
	Numeric     = "numeric"
	Categorical = "categorical"
)

// Methods of computing numeric drift.
const (
	MethodExact  = "exact"  // from every value
	MethodBinned = "binned" // from reference-quantile histograms, with error bounds
)

// Thresholds decide drift. The defaults follow Evidently's data-drift
// preset (and agree with NannyML and common PSI practice): with at most
// SmallSample reference values, numeric features use the KS test and
// categorical ones chi-square, both at p < 0.05; with more, numeric
// features use the Wasserstein distance divided by the reference's
// standard deviation (drift at ≥ 0.1) and categorical ones the
// Jensen–Shannon distance (drift at ≥ 0.1), since with large samples any
// difference is significant. Numeric features with at most FewValues
// distinct values across both samples are tested as categorical (by
// `lodestar drift` and by a monitor's windows alike), and categories
// expected fewer than MinExpected times in a sample are pooled into one
// bin before any categorical statistic. PSI is always reported and
// graded: below 0.1 stable, 0.1–0.25 warn, from 0.25 drift. The dataset
// drifts when at least Share of the testable features drift. Zero fields
// take the defaults.
type Thresholds struct {
	NumericTest     string  // auto, ks, wasserstein or psi
	CategoricalTest string  // auto, chi2, jensenshannon or psi
	PValue          float64 // 0.05
	Wasserstein     float64 // 0.1
	JensenShannon   float64 // 0.1
	PSIWarn         float64 // 0.1
	PSIDrift        float64 // 0.25
	Share           float64 // 0.5
	SmallSample     int64   // 1000
	PSIBins         int     // 10
}

// DefaultThresholds returns the defaults described at Thresholds.
func DefaultThresholds() Thresholds { return Thresholds{}.WithDefaults() }

// WithDefaults fills zero fields with the defaults.
func (t Thresholds) WithDefaults() Thresholds {
	def := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	def(&t.PValue, 0.05)
	def(&t.Wasserstein, 0.1)
	def(&t.JensenShannon, 0.1)
	def(&t.PSIWarn, 0.1)
	def(&t.PSIDrift, 0.25)
	def(&t.Share, 0.5)
	if t.SmallSample == 0 {
		t.SmallSample = 1000
	}
	if t.PSIBins == 0 {
		t.PSIBins = DefaultPSIBins
	}
	if t.NumericTest == "" {
		t.NumericTest = TestAuto
	}
	if t.CategoricalTest == "" {
		t.CategoricalTest = TestAuto
	}
	return t
}

// MaxPSIBins is the most PSI bins Validate accepts. The PSI is read over
// deciles in practice (10 to 20 bins); past a few hundred most bins hold a
// handful of values and the index measures sampling noise, and every bin
// is memory in each histogram, so a thousand is far beyond any use while a
// mistyped 2000000000 is refused before anything is allocated.
const MaxPSIBins = 1000

// Validate reports thresholds that cannot work. A zero field means its
// default; a negative or non-finite one is refused, never replaced.
func (t Thresholds) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"p-value threshold", t.PValue}, {"Wasserstein threshold", t.Wasserstein}, {"Jensen–Shannon threshold", t.JensenShannon},
		{"PSI warn threshold", t.PSIWarn}, {"PSI drift threshold", t.PSIDrift}, {"share", t.Share}} {
		if !(f.v >= 0) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s %g: want a finite number above 0 (0: the default)", f.name, f.v)
		}
	}
	switch {
	case t.SmallSample < 0:
		return fmt.Errorf("small sample %d: want at least 1 (0: the default)", t.SmallSample)
	case t.PSIBins < 0 || t.PSIBins > MaxPSIBins:
		return fmt.Errorf("PSI bins %d: want 2 to %d (0: the default, %d)", t.PSIBins, MaxPSIBins, DefaultPSIBins)
	}
	t = t.WithDefaults()
	switch t.NumericTest {
	case TestAuto, TestKS, TestWasserstein, TestPSI:
	default:
		return fmt.Errorf("numeric test %q: want auto, ks, wasserstein or psi", t.NumericTest)
	}
	switch t.CategoricalTest {
	case TestAuto, TestChiSquare, TestJensenShannon, TestPSI:
	default:
		return fmt.Errorf("categorical test %q: want auto, chi2, jensenshannon or psi", t.CategoricalTest)
	}
	switch {
	case !(t.PValue > 0 && t.PValue < 1):
		return fmt.Errorf("p-value threshold %g: want between 0 and 1", t.PValue)
	case !(t.Share > 0 && t.Share <= 1):
		return fmt.Errorf("share %g: want above 0 and at most 1", t.Share)
	case !(t.PSIWarn > 0 && t.PSIDrift >= t.PSIWarn):
		return fmt.Errorf("PSI thresholds %g/%g: want 0 < warn ≤ drift", t.PSIWarn, t.PSIDrift)
	case !(t.Wasserstein > 0) || !(t.JensenShannon > 0 && t.JensenShannon <= JensenShannonMax):
		return fmt.Errorf("distance thresholds must be positive (Jensen–Shannon, in natural log, at most √ln 2 ≈ 0.8326)")
	case t.PSIBins < 2:
		return fmt.Errorf("PSI bins %d: want 2 to %d", t.PSIBins, MaxPSIBins)
	}
	return nil
}

// PSI grades.
const (
	PSIStable = "stable"
	PSIWarn   = "warn"
	PSIDrift  = "drift"
)

// FeatureDrift is the drift of one feature against its reference. Float
// fields are NaN where not defined (null in JSON).
type FeatureDrift struct {
	Name      string
	Kind      string  // Numeric or Categorical
	Test      string  // the test that decided Drifted
	Statistic float64 // that test's statistic
	PValue    float64 // that test's p-value; for a distance, SignificanceTest's, else NaN
	Threshold float64 // the threshold it was held against
	Drifted   bool
	// SignificanceTest is the test whose p-value (PValue) a distance's
	// verdict also needed below PValueThreshold, "" when none did: chi2
	// for the Jensen–Shannon distance the automatic choice makes
	// (decideCategorical). NaN PValueThreshold when none.
	SignificanceTest string
	PValueThreshold  float64
	PSI              float64
	PSILevel         string // PSIStable, PSIWarn or PSIDrift

	// Every statistic computed, whichever decided.
	KS, KSPValue     float64
	KSMethod         string  // KSExact or KSAsymp
	KSUpper          float64 // binned: an upper bound of the KS statistic
	Wasserstein      float64 // divided by the reference standard deviation
	WassersteinBound float64 // binned: bound on the error of Wasserstein (same scale)
	ChiSquare        float64
	ChiSquarePValue  float64
	JensenShannon    float64
	Method           string // numeric: MethodExact or MethodBinned
	RefN, CurN       int64  // values tested (missing excluded)
	RefMiss, CurMiss int64  // missing values
	Categories       int    // categorical: distinct values across both
	Pooled           int    // categorical: of those, how many were tested as one bin (MinExpected)
	Note             string // why a feature was not tested, or how it was
}

// Testable reports whether the feature was tested.
func (f FeatureDrift) Testable() bool { return f.Test != TestNone }

// MarshalJSON writes NaN as null and names fields in snake case.
func (f FeatureDrift) MarshalJSON() ([]byte, error) {
	num := func(v float64) *float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	type out struct {
		Name             string   `json:"name"`
		Kind             string   `json:"kind"`
		Test             string   `json:"test"`
		Statistic        *float64 `json:"statistic"`
		PValue           *float64 `json:"p_value"`
		Threshold        *float64 `json:"threshold"`
		Drifted          bool     `json:"drifted"`
		SignificanceTest string   `json:"significance_test,omitempty"`
		PValueThreshold  *float64 `json:"p_value_threshold,omitempty"`
		PSI              *float64 `json:"psi"`
		PSILevel         string   `json:"psi_level,omitempty"`
		KS               *float64 `json:"ks,omitempty"`
		KSPValue         *float64 `json:"ks_p_value,omitempty"`
		KSMethod         string   `json:"ks_method,omitempty"`
		KSUpper          *float64 `json:"ks_upper_bound,omitempty"`
		Wasserstein      *float64 `json:"wasserstein_norm,omitempty"`
		WassersteinBound *float64 `json:"wasserstein_error_bound,omitempty"`
		ChiSquare        *float64 `json:"chi2,omitempty"`
		ChiSquarePValue  *float64 `json:"chi2_p_value,omitempty"`
		JensenShannon    *float64 `json:"jensenshannon,omitempty"`
		Method           string   `json:"method,omitempty"`
		RefN             int64    `json:"reference_count"`
		CurN             int64    `json:"current_count"`
		RefMiss          int64    `json:"reference_missing"`
		CurMiss          int64    `json:"current_missing"`
		Categories       int      `json:"categories,omitempty"`
		Pooled           int      `json:"pooled_categories,omitempty"`
		Note             string   `json:"note,omitempty"`
	}
	return json.Marshal(out{
		f.Name, f.Kind, f.Test, num(f.Statistic), num(f.PValue), num(f.Threshold), f.Drifted, f.SignificanceTest, num(f.PValueThreshold),
		num(f.PSI), f.PSILevel, num(f.KS), num(f.KSPValue), f.KSMethod, num(f.KSUpper),
		num(f.Wasserstein), num(f.WassersteinBound), num(f.ChiSquare), num(f.ChiSquarePValue),
		num(f.JensenShannon), f.Method, f.RefN, f.CurN, f.RefMiss, f.CurMiss, f.Categories, f.Pooled, f.Note,
	})
}

// addNote appends a clause to the feature's note.
func (f *FeatureDrift) addNote(s string) {
	if f.Note != "" {
		s = f.Note + "; " + s
	}
	f.Note = s
}

// fmtNote writes a figure in a note: four significant digits.
func fmtNote(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

func newFeatureDrift(kind string) FeatureDrift {
	nan := math.NaN()
	return FeatureDrift{Kind: kind, Statistic: nan, PValue: nan, Threshold: nan, PValueThreshold: nan, PSI: nan,
		KS: nan, KSPValue: nan, KSUpper: nan, Wasserstein: nan, WassersteinBound: nan,
		ChiSquare: nan, ChiSquarePValue: nan, JensenShannon: nan}
}

func untestable(f FeatureDrift, note string) FeatureDrift {
	f.Test, f.Note = TestNone, note
	return f
}

func (t Thresholds) psiLevel(psi float64) string {
	switch {
	case math.IsNaN(psi):
		return ""
	case psi >= t.PSIDrift:
		return PSIDrift
	case psi >= t.PSIWarn:
		return PSIWarn
	}
	return PSIStable
}

// decideNumeric picks the numeric test and applies its threshold.
func (t Thresholds) decideNumeric(f *FeatureDrift) {
	test := t.NumericTest
	if test == TestAuto {
		test = TestWasserstein
		if f.RefN <= t.SmallSample {
			test = TestKS
		}
	}
	f.Test = test
	switch test {
	case TestKS:
		f.Statistic, f.PValue, f.Threshold = f.KS, f.KSPValue, t.PValue
		f.Drifted = f.KSPValue < t.PValue
	case TestWasserstein:
		f.Statistic, f.Threshold = f.Wasserstein, t.Wasserstein
		f.Drifted = f.Wasserstein >= t.Wasserstein
	case TestPSI:
		f.Statistic, f.Threshold = f.PSI, t.PSIDrift
		f.Drifted = f.PSI >= t.PSIDrift
	}
}

// decideCategorical picks the categorical test and applies its threshold.
// The Jensen–Shannon distance the automatic choice makes for a large
// reference counts as drift only when the chi-square test over the same
// (pooled) table is also significant at PValue: the distance between two
// samples of one distribution is above 0 by sampling noise alone, the
// more so the more categories each sample spreads over (two samples of
// 100,000 values uniform over 9,000 read 0.15, past the 0.1 threshold,
// with chi-square p 0.62), so the distance says how large a change is and
// the p-value whether it is there at all (SignificanceTest). A distance
// chosen explicitly (CategoricalTest jensenshannon or psi) keeps its plain
// threshold.
func (t Thresholds) decideCategorical(f *FeatureDrift) {
	test := t.CategoricalTest
	auto := test == TestAuto
	if auto {
		test = TestJensenShannon
		if f.RefN <= t.SmallSample {
			test = TestChiSquare
		}
	}
	f.Test = test
	switch test {
	case TestChiSquare:
		f.Statistic, f.PValue, f.Threshold = f.ChiSquare, f.ChiSquarePValue, t.PValue
		f.Drifted = f.ChiSquarePValue < t.PValue
	case TestJensenShannon:
		f.Statistic, f.Threshold = f.JensenShannon, t.JensenShannon
		f.Drifted = f.JensenShannon >= t.JensenShannon
		if auto {
			f.PValue, f.SignificanceTest, f.PValueThreshold = f.ChiSquarePValue, TestChiSquare, t.PValue
			if f.Drifted && !(f.ChiSquarePValue < t.PValue) {
				f.Drifted = false
				f.addNote(fmt.Sprintf("within sampling noise: Jensen–Shannon %s reaches %s, but chi-square p = %s is not below %s: not drift",
					fmtNote(f.JensenShannon), fmtNote(t.JensenShannon), fmtNote(f.ChiSquarePValue), fmtNote(t.PValue)))
			}
		}
	case TestPSI:
		f.Statistic, f.Threshold = f.PSI, t.PSIDrift
		f.Drifted = f.PSI >= t.PSIDrift
	}
}

// NumericExact measures the drift of a numeric feature from every value:
// ref and cur are sorted and hold no NaN. Features with at most
// FewValues distinct values should go to FewValuesDrift instead.
func NumericExact(ref, cur []float64, t Thresholds) FeatureDrift {
	t = t.WithDefaults()
	f := newFeatureDrift(Numeric)
	f.Method = MethodExact
	f.RefN, f.CurN = int64(len(ref)), int64(len(cur))
	if len(ref) == 0 || len(cur) == 0 {
		return untestable(f, "no values in "+emptySide(len(ref), len(cur)))
	}
	ks := KSTwoSample(ref, cur)
	f.KS, f.KSPValue, f.KSMethod = ks.Statistic, ks.PValue, ks.Method
	f.Wasserstein = normWasserstein(Wasserstein(ref, cur), StdDev(ref))
	f.PSI = PSISorted(ref, cur, t.PSIBins)
	f.PSILevel = t.psiLevel(f.PSI)
	t.decideNumeric(&f)
	return f
}

// NumericBinned measures the drift of a numeric feature from two
// histograms over the same Bins. The KS statistic is evaluated at every
// fine bin edge, where both CDFs are exact: it is a lower bound of the
// exact statistic, and KSUpper an upper bound. The p-value is that of the
// lower bound, by scipy's method "auto" (exact when neither sample holds
// more than KSExactMaxN values, else asymptotic) when KS decides; when a
// distance decides, asymptotic (KSMethod says which). The Wasserstein distance places each bin's mass at its
// mean; WassersteinBound bounds the error. The PSI is exact for the PSI
// bins, which are quantiles of the reference sample the Bins were cut
// from (the whole reference when it fitted the exact limit).
func NumericBinned(ref, cur *Hist, t Thresholds) FeatureDrift {
	t = t.WithDefaults()
	f := newFeatureDrift(Numeric)
	f.Method = MethodBinned
	f.RefN, f.CurN = int64(ref.N), int64(cur.N)
	f.RefMiss, f.CurMiss = int64(ref.Missing), int64(cur.Missing)
	if ref.N == 0 || cur.N == 0 {
		return untestable(f, "no values in "+emptySide(int(ref.N), int(cur.N)))
	}
	d, upper := binnedKS(ref, cur)
	f.KS, f.KSUpper = d, upper
	f.KSPValue, f.KSMethod = KSPValueAsymp(d, int64(ref.N), int64(cur.N)), KSAsymp
	ksDecides := t.NumericTest == TestKS || t.NumericTest == TestAuto && f.RefN <= t.SmallSample
	if ksDecides && max(ref.N, cur.N) <= KSExactMaxN && !ksFarTail(f.KSPValue, t.PValue, int64(ref.N), int64(cur.N), d) {
		// As KSTwoSample and scipy's ks_2samp (method "auto"): small
		// samples take the exact null distribution. The asymptotic one
		// is off by up to a tenth near 0.05 for a small window against
		// a reference of a thousand values, enough to flip the verdict.
		// Only where KS decides: the exact distribution of two coprime
		// samples of 10,000 costs up to a second, and a monitor's
		// windows are many; the distances decide larger references.
		// Nor far past the threshold in a large sample (ksFarTail),
		// where it costs most and changes nothing.
		if dd, p, ok := ksExact(int(ref.N), int(cur.N), d); ok {
			f.KS, f.KSPValue, f.KSMethod = dd, p, KSExact
			f.KSUpper = math.Max(upper, dd)
		}
	}
	w, bound := binnedWasserstein(ref, cur)
	sd := math.Max(ref.Std(), WassersteinFloor)
	f.Wasserstein, f.WassersteinBound = w/sd, bound/sd
	f.PSI = PSI(ref.PSICounts(), cur.PSICounts())
	f.PSILevel = t.psiLevel(f.PSI)
	t.decideNumeric(&f)
	return f
}

// ksExactWork and ksFarFactor bound the exact KS p-value's cost in a
// monitor's windows: it takes about one step per lattice point in the
// band |x/m − y/n| < d, some m·min(n, 2dn) of them for samples of m ≥ n,
// up to 10⁸ (most of a second) for two coprime samples of 10,000 that
// differ wholly. Past ksExactWork steps the asymptotic p-value is kept
// when it is below the threshold by ksFarFactor: so far into the tail
// the exact one is as far below it, and the verdict is the same.
const (
	ksExactWork = 4e6
	ksFarFactor = 1e-3
)

// ksFarTail reports whether the exact p-value of a statistic d between
// samples of n1 and n2 values would cost more than ksExactWork steps for
// a verdict that the asymptotic p-value, pAsymp, already gives beyond
// doubt against the threshold.
func ksFarTail(pAsymp, threshold float64, n1, n2 int64, d float64) bool {
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	return m*math.Min(n, 2*d*n+1) > ksExactWork && pAsymp < threshold*ksFarFactor
}

// CategoricalDrift measures the drift of a categorical feature from its
// value counts: chi-square over the 2×k table of values seen in either,
// Jensen–Shannon distance and PSI over the same values, the categories
// expected fewer than MinExpected times in a sample pooled into one bin
// (not tested when every one is: poolSparse). A feature either
// side of which had more distinct values than it counts one by one
// (Counts.Lumped) is not tested, as `lodestar drift` does not test one of
// more than 10,000: each side lumps the values past its first ones, in
// the order they came, so the two lumps hold different values, a value
// one side lumped is counted by name on the other, and the distance read
// near its largest for samples of one distribution.
func CategoricalDrift(ref, cur *Counts, t Thresholds) FeatureDrift {
	t = t.WithDefaults()
	f := newFeatureDrift(Categorical)
	f.RefMiss, f.CurMiss = int64(ref.Missing), int64(cur.Missing)
	if ref.Lumped() || cur.Lumped() {
		f.RefN, f.CurN = int64(ref.Total()), int64(cur.Total())
		return untestable(f, fmt.Sprintf("more than %d distinct values (an identifier or free text?): not tested", max(ref.limit(), cur.limit())))
	}
	_, r, c := aligned(ref, cur)
	countsDrift(&f, r, c, t)
	return f
}

// The ID-like rule, `lodestar drift`'s: a categorical feature with at
// least IDLikeMinValues values in the reference, IDLikeShare or more of
// them distinct (order numbers, session IDs, a category among tens of
// thousands seen once or twice), is not tested. Two samples of one such
// distribution share few values, so every test reads them as far apart
// (Jensen–Shannon near its largest) whether or not anything changed.
const (
	IDLikeShare     = 0.95
	IDLikeMinValues = 50
)

// IDLike is the ID-like rule over a reference's value count and its
// distinct values.
func IDLike(values int64, distinct int) bool {
	return values >= IDLikeMinValues && float64(distinct) >= IDLikeShare*float64(values)
}

// IDLikeDrift is an ID-like feature's line: not tested, its counts kept,
// its note `lodestar drift`'s (a monitor has no --columns to test it
// anyway).
func IDLikeDrift(ref, cur *Counts) FeatureDrift {
	f := newFeatureDrift(Categorical)
	f.RefMiss, f.CurMiss = int64(ref.Missing), int64(cur.Missing)
	f.RefN, f.CurN = int64(ref.Total()), int64(cur.Total())
	names, _, _ := aligned(ref, cur)
	f.Categories = len(names)
	return untestable(f, fmt.Sprintf("id-like: %d distinct values among %d in the reference: not tested", ref.Distinct(), ref.Total()))
}

// FewValuesDrift tests a numeric feature with at most FewValues distinct
// values as categorical over its values, given as parallel slices of
// values and counts for each sample.
func FewValuesDrift(refVals, refN, curVals, curN []float64, t Thresholds) FeatureDrift {
	t = t.WithDefaults()
	f := newFeatureDrift(Numeric)
	f.Method = MethodExact
	var rc, cc Counts
	name := func(v float64) string {
		if v == 0 {
			v = math.Abs(v) // −0 is 0: one category, whichever a sample saw first
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for i, v := range refVals {
		rc.addNew(name(v), uint64(refN[i]))
	}
	for i, v := range curVals {
		cc.addNew(name(v), uint64(curN[i]))
	}
	_, r, c := aligned(&rc, &cc)
	countsDrift(&f, r, c, t)
	if f.Testable() {
		note := fmt.Sprintf("at most %d distinct values: tested as categorical", FewValues)
		if f.Note != "" {
			note += "; " + f.Note
		}
		f.Note = note
	}
	return f
}

// DistinctUnion returns how many distinct values a and b (each of
// distinct values) hold together: the count FewValues is held against.
func DistinctUnion(a, b []float64) int {
	n := len(a)
	for _, x := range b {
		if !slices.Contains(a, x) {
			n++
		}
	}
	return n
}

// MinExpected is the smallest expected count a category needs to be
// tested on its own: the expected count of a cell of the 2×k table of
// reference and current counts, under the hypothesis that both samples
// come from one distribution, is the sample's size times the category's
// count in both over the count of both (chi2_contingency's expected
// frequencies), and the chi-square approximation wants these at 5 or
// more (the textbook rule; Cochran's tolerates a few cells below it, as
// one sparse category left alone is). Below it in both samples the
// sampling noise alone gives large distances: two samples of 5,000 of one
// distribution over 20,000 values, each seen once or twice, read
// Jensen–Shannon 0.74.
const MinExpected = 5

// poolSparse pools the categories whose expected count is below
// MinExpected in each sample — in the larger one too — into one bin,
// appended after the others: the table the chi-square, Jensen–Shannon and
// PSI are computed over. A category's expected count depends only on its
// count in both samples (and the samples' sizes), never on how the two
// split it, so the pooling does not lean toward either verdict. Not the
// smaller sample's alone: against a reference 100 times a window's size,
// a category seen 200 times in the reference is expected 2 times in the
// window, and pooling every such category hid a window of one value of
// a hundred (not tested) or a tail's share moved onto one of its values
// (the pooled bin unchanged), which chi-square over the unpooled table
// finds at p ≈ 0; with cells of the window expected below 5 but the
// reference's well filled, chi-square's p-value stays calibrated (4.0% to
// 6.8% below 0.05 in simulations of one distribution, 400 draws each:
// testdata/pooled_calibration.py).
// One sparse category alone is already its own bin, and is kept as it
// is. It returns the bins, how many categories were pooled (0 when none,
// or one) and how many were not.
func poolSparse(r, c []float64, nr, nc float64) (rb, cb []float64, pooled, kept int) {
	large, n := math.Max(nr, nc), nr+nc
	sparse := func(i int) bool { return large*(r[i]+c[i])/n < MinExpected }
	for i := range r {
		if sparse(i) {
			pooled++
		}
	}
	kept = len(r) - pooled
	if pooled < 2 {
		return r, c, 0, len(r)
	}
	rb, cb = make([]float64, 0, kept+1), make([]float64, 0, kept+1)
	var ro, co float64
	for i := range r {
		if sparse(i) {
			ro += r[i]
			co += c[i]
			continue
		}
		rb, cb = append(rb, r[i]), append(cb, c[i])
	}
	return append(rb, ro), append(cb, co), pooled, kept
}

func countsDrift(f *FeatureDrift, r, c []float64, t Thresholds) {
	var nr, nc float64
	for i := range r {
		nr += r[i]
		nc += c[i]
	}
	f.RefN, f.CurN, f.Categories = int64(nr), int64(nc), len(r)
	if nr == 0 || nc == 0 {
		*f = untestable(*f, "no values in "+emptySide(int(nr), int(nc)))
		return
	}
	r, c, pooled, kept := poolSparse(r, c, nr, nc)
	f.Pooled = pooled
	if kept == 0 && pooled > 0 {
		*f = untestable(*f, fmt.Sprintf("sparse: none of its %d categories is expected %d or more times in each sample (%d reference values, %d current): not tested", pooled, MinExpected, f.RefN, f.CurN))
		return
	}
	if pooled > 0 {
		f.Note = fmt.Sprintf("pooled into one bin: %d of %d categories, each expected fewer than %d times in a sample", pooled, f.Categories, MinExpected)
	}
	f.ChiSquare, f.ChiSquarePValue, _ = ChiSquare(r, c)
	f.JensenShannon = JensenShannon(r, c)
	f.PSI = PSI(r, c)
	f.PSILevel = t.psiLevel(f.PSI)
	t.decideCategorical(f)
}

func emptySide(nr, nc int) string {
	switch {
	case nr == 0 && nc == 0:
		return "either sample"
	case nr == 0:
		return "the reference"
	}
	return "the current sample"
}

// DatasetDrift is the verdict over all features.
type DatasetDrift struct {
	Features     []FeatureDrift `json:"columns"`
	Tested       int            `json:"tested"`
	Drifted      int            `json:"drifted"`
	ShareDrifted float64        `json:"share_drifted"`
	Share        float64        `json:"share_threshold"`
	Drift        bool           `json:"dataset_drift"`
}

// Determined reports whether the verdict says anything: at least one
// feature was tested. With none (every feature empty, or not testable)
// Drift is false and ShareDrifted 0, but that is no finding of "no
// drift": a report or an alert must read it as undetermined (a monitor's
// window with none tested judges neither way, monitoring.DriftTested).
func (d DatasetDrift) Determined() bool { return d.Tested > 0 }

// Summarize decides dataset drift: at least t.Share of the testable
// features drifted (features that could not be tested do not count; with
// none tested the verdict is undetermined, see Determined).
func Summarize(features []FeatureDrift, t Thresholds) DatasetDrift {
	t = t.WithDefaults()
	d := DatasetDrift{Features: features, Share: t.Share}
	for _, f := range features {
		if !f.Testable() {
			continue
		}
		d.Tested++
		if f.Drifted {
			d.Drifted++
		}
	}
	if d.Tested > 0 {
		d.ShareDrifted = float64(d.Drifted) / float64(d.Tested)
		d.Drift = d.ShareDrifted >= t.Share
	}
	return d
}
