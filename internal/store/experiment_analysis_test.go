package store_test

import (
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/stats"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// TestAnalyzeVerdictCodes reaches every rule of the verdict and checks the
// code names it, and that the decision and reason are the engine's.
func TestAnalyzeVerdictCodes(t *testing.T) {
	design := lodestar.Experiment{Alpha: 0.05, TreatmentShare: 0.5,
		Primary:    lodestar.ExperimentMetric{Name: "conversion", Kind: lodestar.MetricProportion, Direction: lodestar.DirectionUp},
		Guardrails: []lodestar.ExperimentMetric{{Name: "latency", Kind: lodestar.MetricMean, Direction: lodestar.DirectionDown, MaxDegradation: 0.05}}}
	conv := func(n, x int64) stats.Summary { return stats.Summary{N: n, Sum: float64(x), SumSq: float64(x)} }
	// latency with mean m and variance 100 over n units.
	lat := func(n int64, m float64) stats.Summary {
		return stats.Summary{N: n, Sum: float64(n) * m, SumSq: float64(n)*m*m + 100*float64(n-1)}
	}
	type data map[string][2]stats.Summary // metric → control, treatment
	tests := []struct {
		name      string
		minSample int64
		d         data
		decision  string
		code      string
		metric    string
	}{
		{"sample ratio mismatch", 0, data{"conversion": {conv(10000, 1000), conv(9000, 1100)}, "latency": {lat(10000, 100), lat(9000, 100)}},
			lodestar.DecisionDoNotShip, store.VerdictSRM, ""},
		{"below the planned sample", 20000, data{"conversion": {conv(10000, 1000), conv(10000, 1200)}, "latency": {lat(10000, 100), lat(10000, 100)}},
			lodestar.DecisionKeepRunning, store.VerdictMinSample, ""},
		{"primary worse", 0, data{"conversion": {conv(10000, 1200), conv(10000, 1000)}, "latency": {lat(10000, 100), lat(10000, 100)}},
			lodestar.DecisionDoNotShip, store.VerdictPrimaryWorse, ""},
		{"guardrail violated", 0, data{"conversion": {conv(10000, 1000), conv(10000, 1200)}, "latency": {lat(10000, 100), lat(10000, 110)}},
			lodestar.DecisionDoNotShip, store.VerdictGuardrailViolated, "latency"},
		{"guardrail unsure", 0, data{"conversion": {conv(10000, 1000), conv(10000, 1200)}, "latency": {lat(20, 100), lat(20, 100)}},
			lodestar.DecisionKeepRunning, store.VerdictGuardrailUnsure, "latency"},
		{"ship", 0, data{"conversion": {conv(10000, 1000), conv(10000, 1200)}, "latency": {lat(10000, 100), lat(10000, 100)}},
			lodestar.DecisionShip, store.VerdictShip, ""},
		{"no effect at the planned sample", 10000, data{"conversion": {conv(10000, 1000), conv(10000, 1001)}, "latency": {lat(10000, 100), lat(10000, 100)}},
			lodestar.DecisionDoNotShip, store.VerdictNoEffect, ""},
		{"no effect yet", 0, data{"conversion": {conv(10000, 1000), conv(10000, 1001)}, "latency": {lat(10000, 100), lat(10000, 100)}},
			lodestar.DecisionKeepRunning, store.VerdictNotYet, ""},
		{"no primary data", 0, data{"latency": {lat(10000, 100), lat(10000, 100)}},
			lodestar.DecisionKeepRunning, store.VerdictNoData, ""},
		{"no guardrail data", 0, data{"conversion": {conv(10000, 1000), conv(10000, 1200)}},
			lodestar.DecisionKeepRunning, store.VerdictGuardrailNoData, "latency"},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := design.Copy()
			e.MinSample = tc.minSample
			a := store.Analyze(&e, func(variant, metric string) stats.Summary {
				i := 0
				if variant == lodestar.VariantTreatment {
					i = 1
				}
				return tc.d[metric][i]
			})
			seen[a.Verdict.Code] = true
			if a.Verdict.Decision != tc.decision || a.Verdict.Code != tc.code || a.Verdict.Metric != tc.metric {
				t.Errorf("got %s %s %q (%s), want %s %s %q", a.Verdict.Decision, a.Verdict.Code, a.Verdict.Metric, a.Verdict.Reason, tc.decision, tc.code, tc.metric)
			}
			if a.Verdict.Reason == "" {
				t.Error("got no reason")
			}
			if tc.code == store.VerdictNoData || tc.code == store.VerdictGuardrailNoData {
				return
			}
			// Everything else is the engine's own decision and reason.
			c, _ := stats.TwoProportions(stats.Count{N: tc.d["conversion"][0].N, Successes: int64(tc.d["conversion"][0].Sum)},
				stats.Count{N: tc.d["conversion"][1].N, Successes: int64(tc.d["conversion"][1].Sum)}, 0.05)
			l, _ := stats.Welch(tc.d["latency"][0], tc.d["latency"][1], 0.05)
			srm, _ := stats.SRM([]int64{c.Control.N, c.Treatment.N}, []float64{0.5, 0.5})
			want := stats.Decide(stats.VerdictInput{Primary: c, MinSample: tc.minSample, SRM: &srm,
				Guardrails: []stats.Guardrail{{Name: "latency", Result: l, MaxDegradation: 0.05, LowerIsBetter: true}}})
			if a.Verdict.Decision != string(want.Decision) || a.Verdict.Reason != want.Reason {
				t.Errorf("got %s %q, want the engine's %s %q", a.Verdict.Decision, a.Verdict.Reason, want.Decision, want.Reason)
			}
		})
	}
	for _, code := range store.VerdictCodes {
		if !seen[code] {
			t.Errorf("verdict code %s is never reached", code)
		}
	}
}
