package store_test

import (
	"encoding/json"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/stats"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// A unit recorded in control must not be accepted in treatment just
// because the second line carries a different metric.
func TestExperimentUnitSwitchesVariantAcrossMetrics(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		e := runningExperiment(t, f)
		res, err := f.s.IngestObservations(f.ctx, e.ID, source(
			obs("u1", "control", map[string]float64{"conversion": 1}),
			obs("u1", "treatment", map[string]float64{"revenue": 30}),
		), false)
		if err != nil {
			t.Fatal(err)
		}
		if res.RejectedCount != 1 {
			t.Errorf("u1 in control, then in treatment: got accepted %d rejected %d, want line 2 refused (a unit belongs to one variant)",
				res.Accepted, res.RejectedCount)
		}
	})
}

// Relative change is t/c − 1: with a negative control mean an improvement
// shows as a degradation, and a guardrail that got better is "violated".
func TestExperimentGuardrailNegativeControlMean(t *testing.T) {
	e := &lodestar.Experiment{ID: 1, Alpha: 0.05, TreatmentShare: 0.5,
		Primary:    lodestar.ExperimentMetric{Name: "conversion", Kind: lodestar.MetricProportion, Direction: lodestar.DirectionUp},
		Guardrails: []lodestar.ExperimentMetric{{Name: "profit", Kind: lodestar.MetricMean, Direction: lodestar.DirectionUp, MaxDegradation: 0.05}}}
	sum := func(n int64, mean, sd float64) stats.Summary {
		// n values with this mean and sample sd.
		fn := float64(n)
		return stats.Summary{N: n, Sum: fn * mean, SumSq: (fn-1)*sd*sd + fn*mean*mean}
	}
	data := map[[2]string]stats.Summary{
		{"control", "conversion"}:   {N: 5000, Sum: 500, SumSq: 500},
		{"treatment", "conversion"}: {N: 5000, Sum: 600, SumSq: 600},
		{"control", "profit"}:       sum(5000, -10, 2), // losing 10 per unit
		{"treatment", "profit"}:     sum(5000, -5, 2),  // losing only 5: better
	}
	a := store.Analyze(e, func(v, m string) stats.Summary { return data[[2]string{v, m}] })
	g := a.Guardrails[0]
	if g.Diff.Lo <= 0 {
		t.Fatalf("setup: profit should be significantly higher, diff %+v", g.Diff)
	}
	if g.Status != lodestar.GuardrailOK || a.Verdict.Decision != lodestar.DecisionShip {
		t.Errorf("profit improved from -10 to -5: got guardrail %s (relative %+v), verdict %s %q; want ok and ship",
			g.Status, g.Relative, a.Verdict.Decision, a.Verdict.Reason)
	}
}

// Aggregates whose sum is so large that sum² overflows pass the
// "sum_squares ≥ sum²/n" check (NaN compares false), are stored, and the
// analysis then carries NaN, which JSON cannot encode.
func TestExperimentHugeAggregateBypassesValidation(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		e := runningExperiment(t, f)
		err := f.s.AddExperimentAggregates(f.ctx, e.ID, []lodestar.ExperimentAggregate{
			{Variant: "control", Metric: "revenue", N: 2, Sum: ptr(1e200), SumSquares: ptr(1.0)}, // impossible: Σx² ≥ (Σx)²/n
		})
		if err == nil {
			t.Errorf("sum 1e200 with sum_squares 1 over 2 units: accepted, want refused (no data has sum_squares < sum²/n)")
		}
		_ = f.s.AddExperimentAggregates(f.ctx, e.ID, []lodestar.ExperimentAggregate{
			{Variant: "treatment", Metric: "revenue", N: 10, Sum: ptr(100.0), SumSquares: ptr(1200.0)},
		})
		a, err := f.s.AnalyzeExperiment(f.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(a); err != nil {
			t.Errorf("analysis cannot be encoded as JSON (GET /analysis fails): %v", err)
		}
	})
}

// One finite but huge value poisons the stored sums: every later upload
// for that metric and variant fails with an overflow, without a line.
func TestExperimentHugeObservationPoisonsMetric(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		e := runningExperiment(t, f)
		if _, err := f.s.IngestObservations(f.ctx, e.ID, source(obs("u1", "control", map[string]float64{"revenue": 1e200})), false); err != nil {
			t.Logf("first upload: %v", err)
		}
		res, err := f.s.IngestObservations(f.ctx, e.ID, source(
			obs("u2", "control", map[string]float64{"revenue": 12}),
			obs("u3", "control", map[string]float64{"conversion": 1}),
		), false)
		if err != nil || res.Accepted != 2 {
			t.Errorf("ordinary later upload: got %+v, %v; want both lines accepted (the 1e200 line should have been refused by line)", res, err)
		}
	})
}

// GET /experiments/{id}/assignments assigns any unit ID of 1–256 bytes,
// but observations refuse unit IDs over 200 characters: a unit the API
// assigned cannot report its data.
func TestExperimentUnitLength(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		e := runningExperiment(t, f)
		// lodestar.MaxUnitLen characters, as the assignments endpoint
		// takes them (600 bytes of Chinese here).
		unit := strings.Repeat("客", lodestar.MaxUnitLen)
		res, err := f.s.IngestObservations(f.ctx, e.ID, source(obs(unit, "control", map[string]float64{"conversion": 1}),
			obs(unit+"客", "control", map[string]float64{"conversion": 1})), false)
		if err != nil || res.Accepted != 1 || res.RejectedCount != 1 {
			t.Errorf("units of %d and %d characters: got %+v, %v; want the first accepted, the second refused", lodestar.MaxUnitLen, lodestar.MaxUnitLen+1, res, err)
		}
	})
}
