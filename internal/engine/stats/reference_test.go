package stats

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

// The reference values in testdata/reference.json come from scipy 1.10 and
// statsmodels 0.13 (testdata/make_reference.py). Tolerances, relative unless
// said otherwise:
//
//   - tolRef = 1e-9 for every statistic, p-value, degrees of freedom and
//     interval bound. An interval bound is compared relative to the larger
//     of its own size and the interval's half-width, since a bound near 0 has
//     no relative precision to speak of in any implementation.
//   - tolSolver = 1e-5 absolute for statsmodels' own solve_power output: its
//     brentq_expanding stops at xtol = 1e-5. The script also solves the same
//     statsmodels power function with brentq at full precision, and that
//     root is held to tolRef.
//   - tolScipyT = 1e-8 for t-test power against statsmodels: scipy 1.10's
//     t.isf (cdflib) is good to only ~1e-9 at small df (2.446911848791681
//     for df = 6, where the true 97.5% point is 2.446911851144970), and
//     statsmodels' power inherits that. The script therefore also computes
//     the critical value and the noncentral t integral at 40 digits with
//     mpmath; the engine is held to tolRef against that.
//   - tolStatsmodelsOffset = 1e-7 for statsmodels' t-test on the
//     large_offset case only: DescrStatsW takes the mean as a plain dot
//     product, which at |mean|/sd = 1e6 costs ~1e-10 absolute in a
//     difference of 0.1. scipy (pairwise summation) and the engine agree
//     to 1e-12 there, and both are held to tolRef.
//   - p-values are also held to tolRef against mpmath's 40-digit I_x(df/2, ½)
//     at scipy's t and df, which confirms scipy's own p-values to 1e-13.
const (
	tolRef               = 1e-9
	tolSolver            = 1e-5
	tolScipyT            = 1e-8
	tolStatsmodelsOffset = 1e-7
)

type refSummary struct {
	N                 int64   `json:"n"`
	Sum               float64 `json:"sum"`
	SumSquares        float64 `json:"sum_squares"`
	Shift             float64 `json:"shift"`
	ShiftedSum        float64 `json:"shifted_sum"`
	ShiftedSumSquares float64 `json:"shifted_sum_squares"`
}

func (r refSummary) plain() Summary { return Summary{N: r.N, Sum: r.Sum, SumSq: r.SumSquares} }
func (r refSummary) shifted() Summary {
	return Summary{N: r.N, Sum: r.ShiftedSum, SumSq: r.ShiftedSumSquares, Shift: r.Shift}
}

type refInterval struct {
	Estimate float64 `json:"estimate"`
	SE       float64 `json:"se"`
	Lo       float64 `json:"ci_low"`
	Hi       float64 `json:"ci_high"`
}

type reference struct {
	StudentT []struct {
		DF     float64 `json:"df"`
		T      float64 `json:"t"`
		PValue float64 `json:"pvalue"`
		Method string  `json:"method"`
		Scipy  float64 `json:"scipy"`
	} `json:"student_t"`
	Welch []struct {
		Name      string     `json:"name"`
		Alpha     float64    `json:"alpha"`
		Control   refSummary `json:"control"`
		Treatment refSummary `json:"treatment"`
		Raw       struct {
			MeanControl   float64 `json:"mean_control"`
			MeanTreatment float64 `json:"mean_treatment"`
			VarControl    float64 `json:"var_control"`
			VarTreatment  float64 `json:"var_treatment"`
			Diff          float64 `json:"diff"`
			Statistic     float64 `json:"statistic"`
			PValue        float64 `json:"pvalue"`
			PValueMPMath  float64 `json:"pvalue_mpmath"`
			SMStatistic   float64 `json:"statsmodels_statistic"`
			SMPValue      float64 `json:"statsmodels_pvalue"`
			DF            float64 `json:"df"`
			Lo            float64 `json:"ci_low"`
			Hi            float64 `json:"ci_high"`
			Relative      refInterval
		} `json:"raw"`
		FromStats struct {
			MeanControl   float64 `json:"mean_control"`
			MeanTreatment float64 `json:"mean_treatment"`
			VarControl    float64 `json:"var_control"`
			VarTreatment  float64 `json:"var_treatment"`
			Statistic     float64 `json:"statistic"`
			PValue        float64 `json:"pvalue"`
		} `json:"from_stats"`
	} `json:"welch"`
	Proportions []struct {
		Name               string  `json:"name"`
		Alpha              float64 `json:"alpha"`
		Control, Treatment struct {
			N         int64 `json:"n"`
			Successes int64 `json:"successes"`
		}
		Statistic float64     `json:"statistic"`
		PValue    float64     `json:"pvalue"`
		Diff      float64     `json:"diff"`
		Lo        float64     `json:"ci_low"`
		Hi        float64     `json:"ci_high"`
		Relative  refInterval `json:"relative"`
	} `json:"proportions"`
	SRM []struct {
		Name      string    `json:"name"`
		Observed  []int64   `json:"observed"`
		Weights   []float64 `json:"weights"`
		Statistic float64   `json:"statistic"`
		DF        int       `json:"df"`
		PValue    float64   `json:"pvalue"`
	} `json:"srm"`
	CUPED []struct {
		Name               string  `json:"name"`
		Alpha              float64 `json:"alpha"`
		Control, Treatment struct {
			N     int64   `json:"n"`
			SumX  float64 `json:"sum_x"`
			SumY  float64 `json:"sum_y"`
			SumXX float64 `json:"sum_xx"`
			SumYY float64 `json:"sum_yy"`
			SumXY float64 `json:"sum_xy"`
		}
		Theta                 float64 `json:"theta"`
		AdjustedMeanControl   float64 `json:"adjusted_mean_control"`
		AdjustedMeanTreatment float64 `json:"adjusted_mean_treatment"`
		AdjustedVarControl    float64 `json:"adjusted_var_control"`
		AdjustedVarTreatment  float64 `json:"adjusted_var_treatment"`
		Statistic             float64 `json:"statistic"`
		PValue                float64 `json:"pvalue"`
		DF                    float64 `json:"df"`
		Lo                    float64 `json:"ci_low"`
		Hi                    float64 `json:"ci_high"`
		UnadjustedPValue      float64 `json:"unadjusted_pvalue"`
	} `json:"cuped"`
	Sequential []struct {
		Name    string  `json:"name"`
		Alpha   float64 `json:"alpha"`
		TargetN int64   `json:"target_n"`
		Rho     float64 `json:"rho"`
		Looks   []struct {
			Control       refSummary `json:"control"`
			Treatment     refSummary `json:"treatment"`
			Estimate      float64    `json:"estimate"`
			SE            float64    `json:"se"`
			Lo            float64    `json:"ci_low"`
			Hi            float64    `json:"ci_high"`
			PValue        float64    `json:"pvalue"`
			RunningPValue float64    `json:"running_pvalue"`
		} `json:"looks"`
	} `json:"sequential"`
	PowerMeans []struct {
		EffectSize  float64 `json:"effect_size"`
		NObs1       float64 `json:"nobs1"`
		Ratio       float64 `json:"ratio"`
		Alpha       float64 `json:"alpha"`
		Power       float64 `json:"power"`
		PowerMPMath float64 `json:"power_mpmath"`
		CritMPMath  float64 `json:"t_critical_mpmath"`
	} `json:"power_means"`
	SampleSizeMeans []struct {
		EffectSize float64 `json:"effect_size"`
		Power      float64 `json:"power"`
		Ratio      float64 `json:"ratio"`
		Alpha      float64 `json:"alpha"`
		NObs1SM    float64 `json:"nobs1_statsmodels"`
		NObs1      float64 `json:"nobs1"`
	} `json:"sample_size_means"`
	MDEMeans []struct {
		NObs1      float64 `json:"nobs1"`
		Power      float64 `json:"power"`
		Ratio      float64 `json:"ratio"`
		Alpha      float64 `json:"alpha"`
		EffectSM   float64 `json:"effect_size_statsmodels"`
		EffectSize float64 `json:"effect_size"`
	} `json:"mde_means"`
	PowerProportions []struct {
		P1, P2 float64
		H      float64 `json:"h"`
		NObs1  float64 `json:"nobs1"`
		Ratio  float64 `json:"ratio"`
		Alpha  float64 `json:"alpha"`
		Power  float64 `json:"power"`
	} `json:"power_proportions"`
	SampleSizeProportions []struct {
		P1, P2  float64
		Power   float64 `json:"power"`
		Ratio   float64 `json:"ratio"`
		Alpha   float64 `json:"alpha"`
		NObs1SM float64 `json:"nobs1_statsmodels"`
		NObs1   float64 `json:"nobs1"`
	} `json:"sample_size_proportions"`
	MDEProportions []struct {
		P1    float64 `json:"p1"`
		NObs1 float64 `json:"nobs1"`
		Power float64 `json:"power"`
		Ratio float64 `json:"ratio"`
		Alpha float64 `json:"alpha"`
		H     float64 `json:"h"`
		P2    float64 `json:"p2"`
	} `json:"mde_proportions"`
}

func loadReference(t *testing.T) reference {
	t.Helper()
	b, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var r reference
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// worst tracks the largest relative error seen per quantity, reported with -v.
type worst map[string]float64

func (w worst) log(t *testing.T) {
	t.Helper()
	for k, v := range w {
		t.Logf("max relative error %-28s %.2g", k, v)
	}
}

// near checks got against want to relative tolerance tol (absolute when
// want is 0) and records the error under key.
func near(t *testing.T, w worst, key, where string, got, want, tol float64) {
	t.Helper()
	nearScale(t, w, key, where, got, want, math.Abs(want), tol)
}

// nearScale is near with an explicit scale: |got − want| ≤ tol·scale.
func nearScale(t *testing.T, w worst, key, where string, got, want, scale, tol float64) {
	t.Helper()
	if scale == 0 {
		scale = 1
	}
	e := math.Abs(got-want) / scale
	if math.IsNaN(got) != math.IsNaN(want) || e > tol {
		t.Errorf("%s: %s = %.17g, want %.17g (relative error %.2g > %.0g)", where, key, got, want, e, tol)
	}
	if w != nil && e > w[key] {
		w[key] = e
	}
}

// nearBound checks an interval bound relative to max(|want|, halfWidth).
func nearBound(t *testing.T, w worst, key, where string, got, want, halfWidth, tol float64) {
	t.Helper()
	nearScale(t, w, key, where, got, want, math.Max(math.Abs(want), halfWidth), tol)
}

// TestReferenceStudentT checks the two-sided t tail from df = 1 to 1e12
// against mpmath at 40 digits and against scipy. p-values below 1e-300
// underflow to 0 in both.
func TestReferenceStudentT(t *testing.T) {
	ref := loadReference(t)
	w := worst{}
	for _, c := range ref.StudentT {
		where := fmt.Sprintf("df=%g t=%g", c.DF, c.T)
		got := tTwoSided(c.T, c.DF)
		// Relative to t, p moves about t² times as fast (more for t ≫ √df),
		// so the last bits of t itself limit agreement at t = 30.
		tol := 1e-13 * math.Max(1, c.T*c.T/100)
		near(t, w, "p (mpmath)", where, got, c.PValue, tol)
		near(t, w, "p (scipy)", where, got, c.Scipy, tolRef)
	}
	w.log(t)
}

func TestReferenceWelch(t *testing.T) {
	ref := loadReference(t)
	w := worst{}
	for _, c := range ref.Welch {
		// The engine on shifted sums (as Summary.Add stores them) against
		// scipy and statsmodels on the raw data.
		r, err := Welch(c.Control.shifted(), c.Treatment.shifted(), c.Alpha)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		raw := c.Raw
		near(t, w, "mean", c.Name, r.Control.Mean, raw.MeanControl, tolRef)
		near(t, w, "mean", c.Name, r.Treatment.Mean, raw.MeanTreatment, tolRef)
		near(t, w, "variance", c.Name, r.Control.Variance, raw.VarControl, tolRef)
		near(t, w, "variance", c.Name, r.Treatment.Variance, raw.VarTreatment, tolRef)
		near(t, w, "t (scipy)", c.Name, r.Stat, raw.Statistic, tolRef)
		near(t, w, "p (scipy)", c.Name, r.P, raw.PValue, tolRef)
		near(t, w, "p (mpmath)", c.Name, r.P, raw.PValueMPMath, tolRef)
		tolSM := tolRef
		if c.Name == "large_offset" {
			tolSM = tolStatsmodelsOffset
		}
		near(t, w, "t (statsmodels)", c.Name, r.Stat, raw.SMStatistic, tolSM)
		near(t, w, "p (statsmodels)", c.Name, r.P, raw.SMPValue, tolSM)
		near(t, w, "df", c.Name, r.DF, raw.DF, tolSM)
		half := (raw.Hi - raw.Lo) / 2
		nearBound(t, w, "diff", c.Name, r.Diff.Value, raw.Diff, half, tolRef)
		nearBound(t, w, "ci (statsmodels)", c.Name, r.Diff.Lo, raw.Lo, half, tolSM)
		nearBound(t, w, "ci (statsmodels)", c.Name, r.Diff.Hi, raw.Hi, half, tolSM)
		rel := raw.Relative
		relHalf := (rel.Hi - rel.Lo) / 2
		nearBound(t, w, "relative", c.Name, r.Relative.Value, rel.Estimate, relHalf, tolRef)
		near(t, w, "relative se", c.Name, r.Relative.SE, rel.SE, tolRef)
		nearBound(t, w, "relative ci", c.Name, r.Relative.Lo, rel.Lo, relHalf, tolRef)
		nearBound(t, w, "relative ci", c.Name, r.Relative.Hi, rel.Hi, relHalf, tolRef)

		// The engine on plain (n, Σx, Σx²) against scipy's
		// ttest_ind_from_stats on the exact mean and variance of those sums.
		p, err := Welch(c.Control.plain(), c.Treatment.plain(), c.Alpha)
		if err != nil {
			t.Fatalf("%s plain: %v", c.Name, err)
		}
		fs := c.FromStats
		near(t, w, "plain variance", c.Name, p.Control.Variance, fs.VarControl, tolRef)
		near(t, w, "plain variance", c.Name, p.Treatment.Variance, fs.VarTreatment, tolRef)
		near(t, w, "plain t", c.Name, p.Stat, fs.Statistic, tolRef)
		near(t, w, "plain p", c.Name, p.P, fs.PValue, tolRef)
	}
	w.log(t)
}

func TestReferenceTwoProportions(t *testing.T) {
	ref := loadReference(t)
	w := worst{}
	for _, c := range ref.Proportions {
		r, err := TwoProportions(Count(c.Control), Count(c.Treatment), c.Alpha)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		half := (c.Hi - c.Lo) / 2
		near(t, w, "z", c.Name, r.Stat, c.Statistic, tolRef)
		near(t, w, "p", c.Name, r.P, c.PValue, tolRef)
		nearBound(t, w, "diff", c.Name, r.Diff.Value, c.Diff, half, tolRef)
		nearBound(t, w, "ci", c.Name, r.Diff.Lo, c.Lo, half, tolRef)
		nearBound(t, w, "ci", c.Name, r.Diff.Hi, c.Hi, half, tolRef)
		relHalf := (c.Relative.Hi - c.Relative.Lo) / 2
		nearBound(t, w, "relative", c.Name, r.Relative.Value, c.Relative.Estimate, relHalf, tolRef)
		nearBound(t, w, "relative ci", c.Name, r.Relative.Lo, c.Relative.Lo, relHalf, tolRef)
		nearBound(t, w, "relative ci", c.Name, r.Relative.Hi, c.Relative.Hi, relHalf, tolRef)
		if r.DF != 0 {
			t.Errorf("%s: DF = %g for a z-test, want 0", c.Name, r.DF)
		}
	}
	w.log(t)
}

func TestReferenceSRM(t *testing.T) {
	ref := loadReference(t)
	w := worst{}
	for _, c := range ref.SRM {
		r, err := SRM(c.Observed, c.Weights)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		near(t, w, "chi-square", c.Name, r.Stat, c.Statistic, tolRef)
		near(t, w, "p", c.Name, r.P, c.PValue, tolRef)
		if r.DF != c.DF {
			t.Errorf("%s: df = %d, want %d", c.Name, r.DF, c.DF)
		}
		if want := c.PValue < 0.001; r.Mismatch != want {
			t.Errorf("%s: Mismatch = %v, want %v (p = %g)", c.Name, r.Mismatch, want, c.PValue)
		}
	}
	w.log(t)
}

func TestReferenceCUPED(t *testing.T) {
	ref := loadReference(t)
	w := worst{}
	for _, c := range ref.CUPED {
		ctl := Paired{N: c.Control.N, SumX: c.Control.SumX, SumY: c.Control.SumY, SumXX: c.Control.SumXX, SumYY: c.Control.SumYY, SumXY: c.Control.SumXY}
		trt := Paired{N: c.Treatment.N, SumX: c.Treatment.SumX, SumY: c.Treatment.SumY, SumXX: c.Treatment.SumXX, SumYY: c.Treatment.SumYY, SumXY: c.Treatment.SumXY}
		r, err := CUPED(ctl, trt, c.Alpha)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		near(t, w, "theta", c.Name, r.Theta, c.Theta, tolRef)
		near(t, w, "adjusted mean", c.Name, r.Control.Mean, c.AdjustedMeanControl, tolRef)
		near(t, w, "adjusted mean", c.Name, r.Treatment.Mean, c.AdjustedMeanTreatment, tolRef)
		near(t, w, "adjusted variance", c.Name, r.Control.Variance, c.AdjustedVarControl, tolRef)
		near(t, w, "adjusted variance", c.Name, r.Treatment.Variance, c.AdjustedVarTreatment, tolRef)
		near(t, w, "t", c.Name, r.Stat, c.Statistic, tolRef)
		near(t, w, "p", c.Name, r.P, c.PValue, tolRef)
		near(t, w, "df", c.Name, r.DF, c.DF, tolRef)
		half := (c.Hi - c.Lo) / 2
		nearBound(t, w, "ci", c.Name, r.Diff.Lo, c.Lo, half, tolRef)
		nearBound(t, w, "ci", c.Name, r.Diff.Hi, c.Hi, half, tolRef)
		if !(r.VarianceReduction > 0 && r.VarianceReduction < 1) {
			t.Errorf("%s: variance reduction %g outside (0, 1)", c.Name, r.VarianceReduction)
		}
		plain, err := Welch(ctl.Y(), trt.Y(), c.Alpha)
		if err != nil {
			t.Fatal(err)
		}
		near(t, w, "unadjusted p", c.Name, plain.P, c.UnadjustedPValue, tolRef)
	}
	w.log(t)
}

func TestReferenceSequential(t *testing.T) {
	ref := loadReference(t)
	w := worst{}
	for _, c := range ref.Sequential {
		rho, err := Rho(float64(c.TargetN), c.Alpha)
		if err != nil {
			t.Fatal(err)
		}
		near(t, w, "rho", c.Name, rho, c.Rho, 1e-12)
		s, err := NewSequential(SequentialConfig{Alpha: c.Alpha, TargetN: c.TargetN})
		if err != nil {
			t.Fatal(err)
		}
		for i, l := range c.Looks {
			single, err := ConfidenceSequence(l.Control.shifted(), l.Treatment.shifted(), c.Alpha, c.Rho)
			if err != nil {
				t.Fatalf("%s look %d: %v", c.Name, i, err)
			}
			got, err := s.Look(l.Control.shifted(), l.Treatment.shifted())
			if err != nil {
				t.Fatalf("%s look %d: %v", c.Name, i, err)
			}
			half := (l.Hi - l.Lo) / 2
			nearBound(t, w, "estimate", c.Name, got.Estimate, l.Estimate, half, tolRef)
			near(t, w, "se", c.Name, got.SE, l.SE, tolRef)
			nearBound(t, w, "cs", c.Name, got.Lo, l.Lo, half, tolRef)
			nearBound(t, w, "cs", c.Name, got.Hi, l.Hi, half, tolRef)
			near(t, w, "p (one look)", c.Name, single.P, l.PValue, tolRef)
			near(t, w, "p (always valid)", c.Name, got.P, l.RunningPValue, tolRef)
			if got.N != l.Control.N+l.Treatment.N {
				t.Errorf("%s look %d: N = %d", c.Name, i, got.N)
			}
		}
	}
	w.log(t)
}

func TestReferencePowerMeans(t *testing.T) {
	ref := loadReference(t)
	w := worst{}
	for _, c := range ref.PowerMeans {
		got, err := PowerMeans(c.EffectSize, c.NObs1, c.Ratio, c.Alpha)
		if err != nil {
			t.Fatal(err)
		}
		near(t, w, "power (mpmath)", "power", got, c.PowerMPMath, tolRef)
		near(t, w, "power (statsmodels)", "power", got, c.Power, tolScipyT)
		df := c.NObs1*(1+c.Ratio) - 2
		near(t, w, "t critical (mpmath)", "power", tCritical(c.Alpha, df), c.CritMPMath, tolRef)
	}
	for _, c := range ref.SampleSizeMeans {
		got, err := SampleSizeMeans(c.EffectSize, c.Alpha, c.Power, c.Ratio)
		if err != nil {
			t.Fatal(err)
		}
		near(t, w, "nobs1", "sample size", got, c.NObs1, tolRef)
		nearScale(t, w, "nobs1 (solve_power)", "sample size", got, c.NObs1SM, 1, tolSolver)
	}
	for _, c := range ref.MDEMeans {
		got, err := MDEMeans(c.NObs1, c.Ratio, c.Alpha, c.Power)
		if err != nil {
			t.Fatal(err)
		}
		near(t, w, "effect", "mde", got, c.EffectSize, tolRef)
		nearScale(t, w, "effect (solve_power)", "mde", got, c.EffectSM, 1, tolSolver)
	}
	w.log(t)
}

func TestReferencePowerProportions(t *testing.T) {
	ref := loadReference(t)
	w := worst{}
	for _, c := range ref.PowerProportions {
		near(t, w, "h", "cohen h", CohenH(c.P1, c.P2), c.H, tolRef)
		got, err := PowerProportions(c.P1, c.P2, c.NObs1, c.Ratio, c.Alpha)
		if err != nil {
			t.Fatal(err)
		}
		near(t, w, "power", "power", got, c.Power, tolRef)
	}
	for _, c := range ref.SampleSizeProportions {
		got, err := SampleSizeProportions(c.P1, c.P2, c.Alpha, c.Power, c.Ratio)
		if err != nil {
			t.Fatal(err)
		}
		near(t, w, "nobs1", "sample size", got, c.NObs1, tolRef)
		nearScale(t, w, "nobs1 (solve_power)", "sample size", got, c.NObs1SM, 1, tolSolver)
	}
	for _, c := range ref.MDEProportions {
		got, err := MDEProportions(c.P1, c.NObs1, c.Ratio, c.Alpha, c.Power)
		if err != nil {
			t.Fatal(err)
		}
		near(t, w, "p2", "mde", got, c.P2, tolRef)
	}
	w.log(t)
}
