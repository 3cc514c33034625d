package web

import (
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// A drift row's statistic and p-value: a binned Kolmogorov–Smirnov test's
// statistic is the range the exact one lies in and its p-value a bound —
// from the upper statistic's p-value when the engine's was asymptotic (its
// own function), else "≤" the one the verdict used; every other row, and a
// binned one whose bounds meet, reads as one figure.
func TestDriftCells(t *testing.T) {
	f := func(x float64) *float64 { return &x }
	en := &Page{ID: &httpx.Identity{Locale: "en"}, bundle: i18n.MustLoad()}
	zh := &Page{ID: &httpx.Identity{Locale: "zh-CN"}, bundle: i18n.MustLoad()}

	exact := driftColumn{Test: monitor.TestKS, Method: monitor.MethodBinned, KSMethod: monitor.KSExact,
		Statistic: f(0.1), KSUpper: f(0.14), RefN: 300, CurN: 80}
	exact.PValue = f(monitor.KSPValue(0.1, 300, 80, monitor.KSExact))
	shown := en.Figure(*exact.PValue)
	// The exact p-value of the upper statistic: the lattice-path count,
	// as the engine computed the one shown.
	exactLow := monitor.KSPValue(0.14, 300, 80, monitor.KSExact)
	if !(exactLow < *exact.PValue) || exactLow == monitor.KSPValueAsymp(0.14, 300, 80) {
		t.Fatalf("the upper statistic's exact p-value %v: not below %v, or the asymptotic one", exactLow, *exact.PValue)
	}
	if s, p := en.DriftStatistic(exact), en.DriftPValue(exact); s != "0.1 to 0.14" || p != en.Figure(exactLow)+" to "+shown {
		t.Errorf("binned, exact p: %q, %q; want 0.1 to 0.14, %s to %s", s, p, en.Figure(exactLow), shown)
	}
	if s, p := zh.DriftStatistic(exact), zh.DriftPValue(exact); s != "0.1 至 0.14" || p != zh.Figure(exactLow)+" 至 "+shown {
		t.Errorf("binned, exact p, in Chinese: %q, %q", s, p)
	}
	// A method the page does not know (a window stored by another
	// version): the p-value shown is only an upper bound.
	unknown := exact
	unknown.KSMethod = ""
	if p := en.DriftPValue(unknown); p != "≤ "+shown {
		t.Errorf("binned, unknown method: %q, want ≤ %s", p, shown)
	}

	asymp := driftColumn{Test: monitor.TestKS, Method: monitor.MethodBinned, KSMethod: monitor.KSAsymp,
		Statistic: f(0.012), KSUpper: f(0.018), RefN: 20000, CurN: 20000}
	asymp.PValue = f(monitor.KSPValueAsymp(0.012, 20000, 20000))
	low := monitor.KSPValueAsymp(0.018, 20000, 20000)
	if !(low < *asymp.PValue) {
		t.Fatalf("the upper statistic's p-value %v is not below %v", low, *asymp.PValue)
	}
	if got, want := en.DriftPValue(asymp), en.Figure(low)+" to "+en.Figure(*asymp.PValue); got != want {
		t.Errorf("binned, asymptotic p: %q, want %q", got, want)
	}

	for name, c := range map[string]driftColumn{
		"bounds meet":   {Test: monitor.TestKS, Method: monitor.MethodBinned, KSMethod: monitor.KSExact, Statistic: f(0.1), KSUpper: f(0.1), PValue: f(0.2)},
		"every value":   {Test: monitor.TestKS, Method: monitor.MethodExact, KSMethod: monitor.KSExact, Statistic: f(0.1), PValue: f(0.2)},
		"a distance":    {Test: monitor.TestWasserstein, Method: monitor.MethodBinned, KSMethod: monitor.KSAsymp, Statistic: f(0.1), KSUpper: f(0.3), PValue: f(0.2)},
		"round to same": {Test: monitor.TestKS, Method: monitor.MethodBinned, KSMethod: monitor.KSExact, Statistic: f(0.1), KSUpper: f(0.10001), PValue: f(0.2)},
	} {
		s, p := en.DriftStatistic(c), en.DriftPValue(c)
		if name == "round to same" {
			p = strings.TrimPrefix(p, "≤ ") // a bound still: the p-value is the lower statistic's
		}
		if s != "0.1" || p != "0.2" {
			t.Errorf("%s: %q, %q; want 0.1, 0.2", name, s, p)
		}
	}
	// p-values too small to write: a bound already, never "≤ < 0.001";
	// a range whose lower end is too small is "≤" its upper end.
	tinyP := driftColumn{Test: monitor.TestKS, Method: monitor.MethodBinned, KSMethod: "", Statistic: f(0.3), KSUpper: f(0.32), PValue: f(1e-9), RefN: 5000, CurN: 5000}
	if p := en.DriftPValue(tinyP); p != "< 0.001" {
		t.Errorf("binned, unknown method, tiny p: %q, want < 0.001", p)
	}
	tinyP.KSMethod = monitor.KSAsymp
	if p := en.DriftPValue(tinyP); p != "< 0.001" {
		t.Errorf("binned, asymptotic, tiny p: %q, want < 0.001", p)
	}
	// A p-value that underflowed to 0 (chi-square on a large window) is
	// too small to write, not "0" — exact or binned, in both languages.
	zero := driftColumn{Test: monitor.TestChiSquare, Method: monitor.MethodExact, Statistic: f(812.5), PValue: f(0)}
	if p := en.DriftPValue(zero); p != "< 0.001" {
		t.Errorf("p-value 0: %q, want < 0.001", p)
	}
	zero = driftColumn{Test: monitor.TestKS, Method: monitor.MethodBinned, KSMethod: monitor.KSAsymp, Statistic: f(0.5), KSUpper: f(0.52), PValue: f(0), RefN: 50000, CurN: 50000}
	if p := en.DriftPValue(zero); p != "< 0.001" {
		t.Errorf("binned, p-value 0: %q, want < 0.001", p)
	}
	if got := en.between(1e-9, 0.02); got != "≤ 0.02" {
		t.Errorf("a range from a tiny figure: %q, want ≤ 0.02", got)
	}
	if s, p := en.DriftStatistic(driftColumn{Test: monitor.TestNone}), en.DriftPValue(driftColumn{Test: monitor.TestNone}); s != "—" || p != "—" {
		t.Errorf("not tested: %q, %q; want dashes", s, p)
	}
	if !(monitorView{Drift: []driftColumn{{Test: monitor.TestPSI}, exact}}).DriftBounded() || (monitorView{Drift: []driftColumn{{Test: monitor.TestPSI}}}).DriftBounded() {
		t.Error("DriftBounded: want true with a bounded row only")
	}
}

// The thresholds in force: the monitor's own, the engine's defaults where
// it sets none, and a word when its drift alerts are off.
func TestDriftRules(t *testing.T) {
	en := &Page{ID: &httpx.Identity{Locale: "en"}, bundle: i18n.MustLoad()}
	zh := &Page{ID: &httpx.Identity{Locale: "zh-CN"}, bundle: i18n.MustLoad()}
	m := &lodestar.Monitor{Thresholds: lodestar.MonitorThresholds{Drift: true, DriftDistance: 0.2, DriftPValue: 0.01, DriftShare: 0.3}}
	want := "Thresholds in force: a feature drifts when its test gives p < 0.01 (Kolmogorov–Smirnov, chi-square), a distance ≥ 0.2 (Wasserstein, Jensen–Shannon) or a PSI ≥ 0.25; the data set drifts when 30% or more of the features tested drift." +
		" A Jensen–Shannon distance the automatic choice made drifts only if chi-square over the same categories also gives p < 0.01: within sampling noise, it is no drift."
	if got := en.DriftRules(m); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	if got := zh.DriftRules(m); !strings.Contains(got, "p < 0.01") || !strings.Contains(got, "距离 ≥ 0.2") || !strings.Contains(got, "占 30% 或以上") || !strings.Contains(got, "卡方检验 p < 0.01 才判为漂移") {
		t.Errorf("in Chinese: %q", got)
	}
	off := &lodestar.Monitor{}
	if got := en.DriftRules(off); !strings.Contains(got, "p < 0.05") || !strings.Contains(got, "distance ≥ 0.1") || !strings.HasSuffix(got, " Drift alerts are off on this monitor: a drift raises none.") {
		t.Errorf("defaults, alerts off: %q", got)
	}
	if got := zh.DriftRules(off); !strings.HasSuffix(got, "本监控器未开启漂移告警：漂移不会引发告警。") {
		t.Errorf("defaults, alerts off, in Chinese: %q", got)
	}
}
