package store_test

import (
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/stats"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// experimentSetup is a use case with a model and two versions, and a
// second use case whose model's version may not be used.
type experimentSetup struct {
	useCase, other     int64
	control, treatment int64
	foreign            int64
	design             lodestar.Experiment
}

func newExperimentSetup(t *testing.T, f *fixture) experimentSetup {
	t.Helper()
	var s experimentSetup
	for i, title := range []string{"Recommender", "Credit"} {
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: title})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "m-" + strings.ToLower(title), Name: title})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, v := range []string{"1.0", "2.0"} {
			mv, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: v})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, mv.ID)
		}
		if i == 0 {
			s.useCase, s.control, s.treatment = uc.ID, ids[0], ids[1]
		} else {
			s.other, s.foreign = uc.ID, ids[0]
		}
	}
	s.design = lodestar.Experiment{UseCaseID: s.useCase, Key: "recsys-v2", Name: "Recommender 2.0", Hypothesis: "2.0 converts better",
		ControlVersionID: s.control, TreatmentVersionID: s.treatment, MinSample: 100,
		Primary: lodestar.ExperimentMetric{Name: "conversion", Kind: lodestar.MetricProportion, Direction: lodestar.DirectionUp},
		Guardrails: []lodestar.ExperimentMetric{
			{Name: "latency_ms", Kind: lodestar.MetricMean, Direction: lodestar.DirectionDown, MaxDegradation: 0.05},
			{Name: "revenue", Kind: lodestar.MetricMean, Direction: lodestar.DirectionUp, MaxDegradation: 0.02}}}
	return s
}

// experimentCounts are the rows of the experiment tables.
func experimentCounts(t *testing.T, db *sqldb.DB) [4]int {
	return [4]int{testdb.Count(t, db, "experiments"), testdb.Count(t, db, "experiment_stats"),
		testdb.Count(t, db, "experiment_units"), testdb.Count(t, db, "audit_log")}
}

func TestExperimentCreateAndValidate(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		s := newExperimentSetup(t, f)
		e, err := f.s.CreateExperiment(f.ctx, s.design)
		if err != nil {
			t.Fatalf("CreateExperiment: %v", err)
		}
		if e.Status != lodestar.ExperimentDraft || e.Alpha != 0.05 || e.TreatmentShare != 0.5 || len(e.Guardrails) != 2 {
			t.Errorf("new experiment: got status %s alpha %g share %g guardrails %d, want draft 0.05 0.5 2",
				e.Status, e.Alpha, e.TreatmentShare, len(e.Guardrails))
		}
		wantEvent(t, f.lastEvent(), adminActor, "create", "experiment", e.ID)

		before := experimentCounts(t, db)
		bad := func(mut func(*lodestar.Experiment)) lodestar.Experiment {
			in := s.design
			in.Key = "other"
			in.Guardrails = append([]lodestar.ExperimentMetric(nil), s.design.Guardrails...)
			mut(&in)
			return in
		}
		tests := []struct {
			name   string
			in     lodestar.Experiment
			code   string
			fields []string
		}{
			{"bad key", bad(func(e *lodestar.Experiment) { e.Key = "Bad Key" }), lodestar.EInvalid, []string{"key"}},
			{"no name", bad(func(e *lodestar.Experiment) { e.Name = " " }), lodestar.EInvalid, []string{"name"}},
			{"no hypothesis", bad(func(e *lodestar.Experiment) { e.Hypothesis = "" }), lodestar.EInvalid, []string{"hypothesis"}},
			{"no use case", bad(func(e *lodestar.Experiment) { e.UseCaseID = 0 }), lodestar.EInvalid, []string{"use_case_id"}},
			{"unknown use case", bad(func(e *lodestar.Experiment) { e.UseCaseID = 9999 }), lodestar.EInvalid,
				[]string{"use_case_id", "control_version_id", "treatment_version_id"}},
			{"version of another use case", bad(func(e *lodestar.Experiment) { e.TreatmentVersionID = s.foreign }), lodestar.EInvalid, []string{"treatment_version_id"}},
			{"unknown version", bad(func(e *lodestar.Experiment) { e.ControlVersionID = 9999 }), lodestar.EInvalid, []string{"control_version_id"}},
			{"no version", bad(func(e *lodestar.Experiment) { e.ControlVersionID = 0 }), lodestar.EInvalid, []string{"control_version_id"}},
			{"same versions", bad(func(e *lodestar.Experiment) { e.TreatmentVersionID = s.control }), lodestar.EInvalid, []string{"treatment_version_id"}},
			{"alpha too big", bad(func(e *lodestar.Experiment) { e.Alpha = 0.9 }), lodestar.EInvalid, []string{"alpha"}},
			{"negative alpha", bad(func(e *lodestar.Experiment) { e.Alpha = -0.1 }), lodestar.EInvalid, []string{"alpha"}},
			{"share 1", bad(func(e *lodestar.Experiment) { e.TreatmentShare = 1 }), lodestar.EInvalid, []string{"treatment_share"}},
			{"negative min sample", bad(func(e *lodestar.Experiment) { e.MinSample = -1 }), lodestar.EInvalid, []string{"min_sample"}},
			{"bad primary", bad(func(e *lodestar.Experiment) {
				e.Primary = lodestar.ExperimentMetric{Name: "Bad Name", Kind: "median", Direction: "sideways"}
			}),
				lodestar.EInvalid, []string{"primary.name", "primary.kind", "primary.direction"}},
			{"primary with degradation", bad(func(e *lodestar.Experiment) { e.Primary.MaxDegradation = 0.1 }), lodestar.EInvalid, []string{"primary.max_degradation"}},
			{"guardrail degradation out of range", bad(func(e *lodestar.Experiment) { e.Guardrails[1].MaxDegradation = 2 }), lodestar.EInvalid,
				[]string{"guardrails[1].max_degradation"}},
			{"guardrail named like the primary", bad(func(e *lodestar.Experiment) { e.Guardrails[0].Name = "conversion" }), lodestar.EInvalid,
				[]string{"guardrails[0].name"}},
			{"NaN degradation", bad(func(e *lodestar.Experiment) { e.Guardrails[0].MaxDegradation = math.NaN() }), lodestar.EInvalid,
				[]string{"guardrails[0].max_degradation"}},
			{"duplicate key", bad(func(e *lodestar.Experiment) { e.Key = "recsys-v2" }), lodestar.EConflict, []string{"key"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.s.CreateExperiment(f.ctx, tc.in)
				wantError(t, err, tc.code, tc.fields...)
			})
		}
		many := bad(func(e *lodestar.Experiment) {
			e.Guardrails = nil
			for i := 0; i < 11; i++ {
				e.Guardrails = append(e.Guardrails, lodestar.ExperimentMetric{Name: "g" + string(rune('a'+i)), Kind: "mean", Direction: "up"})
			}
		})
		_, err = f.s.CreateExperiment(f.ctx, many)
		wantError(t, err, lodestar.EInvalid, "guardrails")
		if after := experimentCounts(t, db); after != before {
			t.Errorf("refused creates changed data: got %v, want %v", after, before)
		}

		// A draft can be edited, but not its key.
		in := e.Copy()
		in.Name = "Recommender 2.0, retrained"
		got, err := f.s.UpdateExperiment(f.ctx, e.ID, in)
		if err != nil || got.Name != in.Name {
			t.Fatalf("UpdateExperiment: got %+v, %v", got, err)
		}
		wantEvent(t, f.lastEvent(), adminActor, "update", "experiment", e.ID)
		in.Key = "renamed"
		_, err = f.s.UpdateExperiment(f.ctx, e.ID, in)
		wantError(t, err, lodestar.EInvalid, "key")

		list, err := f.s.ListExperiments(f.ctx, lodestar.ExperimentFilter{UseCaseID: s.useCase})
		if err != nil || len(list) != 1 {
			t.Errorf("ListExperiments(use case): got %d, %v; want 1", len(list), err)
		}
		list, err = f.s.ListExperiments(f.ctx, lodestar.ExperimentFilter{UseCaseID: s.other})
		if err != nil || len(list) != 0 {
			t.Errorf("ListExperiments(other use case): got %d, %v; want 0", len(list), err)
		}
		list, err = f.s.ListExperiments(f.ctx, lodestar.ExperimentFilter{Status: lodestar.ExperimentRunning})
		if err != nil || len(list) != 0 {
			t.Errorf("ListExperiments(running): got %d, %v; want 0", len(list), err)
		}
		_, err = f.s.FindExperimentByID(f.ctx, 9999)
		wantError(t, err, lodestar.ENotFound)
		f.verify(int64(f.auditCount()))
	})
}

func TestExperimentStatusTransitions(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		s := newExperimentSetup(t, f)
		e, err := f.s.CreateExperiment(f.ctx, s.design)
		if err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name, to, reason string
			code             string
			fields           []string
		}{
			{"no reason", lodestar.ExperimentRunning, " ", lodestar.EInvalid, []string{"reason"}},
			{"unknown status", "paused", "why", lodestar.EInvalid, []string{"status"}},
			{"back to draft", lodestar.ExperimentDraft, "why", lodestar.EInvalid, []string{"status"}},
			{"skip running", lodestar.ExperimentStopped, "why", lodestar.EInvalid, []string{"status"}},
			{"start", lodestar.ExperimentRunning, "Design reviewed", "", nil},
			{"start again", lodestar.ExperimentRunning, "again", lodestar.EInvalid, []string{"status"}},
			{"stop", lodestar.ExperimentStopped, "Shipped 2.0", "", nil},
			{"restart", lodestar.ExperimentRunning, "again", lodestar.EInvalid, []string{"status"}},
		}
		for _, st := range steps {
			before := experimentCounts(t, db)
			got, err := f.s.SetExperimentStatus(f.ctx, e.ID, st.to, st.reason)
			if st.code != "" {
				wantError(t, err, st.code, st.fields...)
				if after := experimentCounts(t, db); after != before {
					t.Errorf("%s: refused change wrote: got %v, want %v", st.name, after, before)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got.Status != st.to || got.StatusReason != st.reason {
				t.Errorf("%s: got %s %q, want %s %q", st.name, got.Status, got.StatusReason, st.to, st.reason)
			}
			wantEvent(t, f.lastEvent(), adminActor, "set_status", "experiment", e.ID)
			if st.to == lodestar.ExperimentRunning {
				// A running experiment's design is fixed.
				_, err := f.s.UpdateExperiment(f.ctx, e.ID, got.Copy())
				wantError(t, err, lodestar.EConflict)
			}
		}
		got, _ := f.s.FindExperimentByID(f.ctx, e.ID)
		if got.StartedAt.IsZero() || got.StoppedAt.IsZero() {
			t.Errorf("stopped experiment: got started %v stopped %v, want both set", got.StartedAt, got.StoppedAt)
		}
		_, err = f.s.SetExperimentStatus(f.ctx, 9999, lodestar.ExperimentRunning, "x")
		wantError(t, err, lodestar.ENotFound)
		f.verify(int64(f.auditCount()))
	})
}

func ptr[T any](v T) *T { return &v }

// source serves observations, and LineErrors, from a slice.
func source(items ...any) lodestar.ObservationSource {
	i := 0
	return func() (*lodestar.ExperimentObservation, error) {
		if i >= len(items) {
			return nil, io.EOF
		}
		it := items[i]
		i++
		switch it := it.(type) {
		case *lodestar.LineError:
			return nil, it
		case lodestar.ExperimentObservation:
			it.Line = i
			return &it, nil
		}
		panic("source: unknown item")
	}
}

func obs(unit, variant string, metrics map[string]float64) lodestar.ExperimentObservation {
	return lodestar.ExperimentObservation{Unit: unit, Variant: variant, Metrics: metrics}
}

func TestExperimentData(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		s := newExperimentSetup(t, f)
		e, err := f.s.CreateExperiment(f.ctx, s.design)
		if err != nil {
			t.Fatal(err)
		}
		agg := []lodestar.ExperimentAggregate{{Variant: "control", Metric: "conversion", N: 1000, Successes: ptr[int64](100)}}
		wantError(t, f.s.AddExperimentAggregates(f.ctx, e.ID, agg), lodestar.EConflict)
		if _, err := f.s.SetExperimentStatus(f.ctx, e.ID, lodestar.ExperimentRunning, "go"); err != nil {
			t.Fatal(err)
		}

		data := []lodestar.ExperimentAggregate{
			{Variant: "control", Metric: "conversion", N: 1000, Successes: ptr[int64](100)},
			{Variant: "treatment", Metric: "conversion", N: 1010, Successes: ptr[int64](140)},
			{Variant: "control", Metric: "revenue", N: 1000, Sum: ptr(12000.0), SumSquares: ptr(200000.0)},
			{Variant: "treatment", Metric: "revenue", N: 1010, Sum: ptr(12500.0), SumSquares: ptr(210000.0)},
		}
		if err := f.s.AddExperimentAggregates(f.ctx, e.ID, data); err != nil {
			t.Fatalf("AddExperimentAggregates: %v", err)
		}
		wantEvent(t, f.lastEvent(), adminActor, "add_data", "experiment", e.ID)

		before := experimentCounts(t, db)
		badAgg := []struct {
			name   string
			in     lodestar.ExperimentAggregate
			fields []string
		}{
			{"unknown variant", lodestar.ExperimentAggregate{Variant: "b", Metric: "conversion", N: 1, Successes: ptr[int64](0)}, []string{"data[1].variant"}},
			{"unknown metric", lodestar.ExperimentAggregate{Variant: "control", Metric: "clicks", N: 1, Sum: ptr(1.0), SumSquares: ptr(1.0)}, []string{"data[1].metric"}},
			{"zero n", lodestar.ExperimentAggregate{Variant: "control", Metric: "revenue", N: 0, Sum: ptr(0.0), SumSquares: ptr(0.0)}, []string{"data[1].n"}},
			{"proportion with sums", lodestar.ExperimentAggregate{Variant: "control", Metric: "conversion", N: 5, Sum: ptr(1.0), Successes: ptr[int64](1)}, []string{"data[1].sum"}},
			{"proportion without successes", lodestar.ExperimentAggregate{Variant: "control", Metric: "conversion", N: 5}, []string{"data[1].successes"}},
			{"too many successes", lodestar.ExperimentAggregate{Variant: "control", Metric: "conversion", N: 5, Successes: ptr[int64](6)}, []string{"data[1].successes"}},
			{"mean with successes", lodestar.ExperimentAggregate{Variant: "control", Metric: "revenue", N: 5, Sum: ptr(1.0), SumSquares: ptr(1.0), Successes: ptr[int64](1)}, []string{"data[1].successes"}},
			{"mean without sums", lodestar.ExperimentAggregate{Variant: "control", Metric: "revenue", N: 5}, []string{"data[1].sum", "data[1].sum_squares"}},
			{"impossible sums", lodestar.ExperimentAggregate{Variant: "control", Metric: "revenue", N: 5, Sum: ptr(10.0), SumSquares: ptr(1.0)}, []string{"data[1].sum_squares"}},
		}
		for _, tc := range badAgg {
			t.Run(tc.name, func(t *testing.T) {
				// The first item is valid: nothing of the batch is written.
				err := f.s.AddExperimentAggregates(f.ctx, e.ID, []lodestar.ExperimentAggregate{data[0], tc.in})
				wantError(t, err, lodestar.EInvalid, tc.fields...)
			})
		}
		wantError(t, f.s.AddExperimentAggregates(f.ctx, e.ID, nil), lodestar.EInvalid, "data")
		wantError(t, f.s.AddExperimentAggregates(f.ctx, 9999, data), lodestar.ENotFound)
		if after := experimentCounts(t, db); after != before {
			t.Errorf("refused aggregates changed data: got %v, want %v", after, before)
		}

		// Observations: a unit's value of a metric counts once; a unit in
		// the other variant is refused; the rest is recorded.
		res, err := f.s.IngestObservations(f.ctx, e.ID, source(
			obs("u1", "treatment", map[string]float64{"conversion": 1, "revenue": 20}),
			obs("u1", "treatment", map[string]float64{"conversion": 1}), // duplicate
			obs("u1", "control", map[string]float64{"conversion": 0}),   // other variant
			obs("u2", "treatment", map[string]float64{"conversion": 2}), // not 0/1
			obs("u3", "b", map[string]float64{"conversion": 1}),
			obs("u4", "control", map[string]float64{"clicks": 1}),
			obs("u5", "control", map[string]float64{"revenue": math.Inf(1)}),
			obs("u6", "control", nil),
			&lodestar.LineError{Line: 9, Message: "Malformed JSON."},
			obs("u7", "control", map[string]float64{"conversion": 0, "revenue": 4}),
			// u1's revenue is new, but its conversion is in the other
			// variant: the whole line is refused, revenue included.
			obs("u1", "control", map[string]float64{"conversion": 1, "latency_ms": 80}),
		), false)
		if err != nil {
			t.Fatalf("IngestObservations: %v", err)
		}
		// Each of the 11 lines counts once: the repeat of u1 adds nothing,
		// so it is a duplicate, not also accepted.
		if res.Accepted != 2 || res.Duplicates != 1 || res.RejectedCount != 8 || len(res.Rejected) != 8 {
			t.Errorf("ingest: got accepted %d duplicates %d rejected %d %v, want 2, 1, 8", res.Accepted, res.Duplicates, res.RejectedCount, res.Rejected)
		}
		if len(res.Rejected) > 0 && (res.Rejected[0].Line != 3 || res.Rejected[len(res.Rejected)-1].Line != 11) {
			t.Errorf("rejected lines: got %v, want lines 3 … 11", res.Rejected)
		}
		if n := testdb.Count(t, db, "experiment_units"); n != 4 {
			t.Errorf("units: got %d rows, want 4 (u1 conversion and revenue, u7 conversion and revenue)", n)
		}
		a, err := f.s.AnalyzeExperiment(f.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Primary.Control.N != 1001 || a.Primary.Treatment.N != 1011 {
			t.Errorf("conversion n: got %d/%d, want 1001/1011", a.Primary.Control.N, a.Primary.Treatment.N)
		}

		// Across batches: 1,200 lines of 600 units, each sent twice.
		var items []any
		for i := 0; i < 1200; i++ {
			items = append(items, obs(fmt.Sprintf("b%d", i%600), "treatment", map[string]float64{"latency_ms": float64(100 + i%600)}))
		}
		res, err = f.s.IngestObservations(f.ctx, e.ID, source(items...), false)
		if err != nil || res.Accepted != 600 || res.Duplicates != 600 || res.RejectedCount != 0 {
			t.Errorf("two batches: got %+v, %v; want 600 accepted, 600 duplicates", res, err)
		}
		if a, _ := f.s.AnalyzeExperiment(f.ctx, e.ID); a.Guardrails[0].Treatment.N != 600 || a.Guardrails[0].Treatment.Mean != 399.5 {
			t.Errorf("latency after two batches: got %+v, want n 600 mean 399.5", a.Guardrails[0].Treatment)
		}

		// Atomic: one bad line, nothing recorded.
		before = experimentCounts(t, db)
		_, err = f.s.IngestObservations(f.ctx, e.ID, source(
			obs("u8", "control", map[string]float64{"conversion": 1}),
			obs("u9", "control", map[string]float64{"conversion": 7}),
		), true)
		wantError(t, err, lodestar.EInvalid, "line 2")
		_, err = f.s.IngestObservations(f.ctx, e.ID, source(), false)
		wantError(t, err, lodestar.EInvalid, "body")
		if after := experimentCounts(t, db); after != before {
			t.Errorf("refused upload changed data: got %v, want %v", after, before)
		}

		// The analysis is the engine's on the same sufficient statistics.
		a, err = f.s.AnalyzeExperiment(f.ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := stats.TwoProportions(stats.Count{N: 1001, Successes: 100}, stats.Count{N: 1011, Successes: 141}, 0.05)
		if err != nil {
			t.Fatal(err)
		}
		if a.Primary.P != want.P || a.Primary.Diff.Lo != want.Diff.Lo || a.Primary.Relative.Hi != want.Relative.Hi || a.Primary.Stat != want.Stat {
			t.Errorf("primary: got p %g diff %+v rel %+v, want the engine's p %g diff %+v rel %+v",
				a.Primary.P, a.Primary.Diff, a.Primary.Relative, want.P, want.Diff, want.Relative)
		}
		var rc, rt stats.Summary
		rc.Merge(stats.Summary{N: 1000, Sum: 12000, SumSq: 200000})
		rc.Merge(stats.Summary{N: 1, Sum: 0, SumSq: 0, Shift: 4})
		rt.Merge(stats.Summary{N: 1010, Sum: 12500, SumSq: 210000})
		rt.Merge(stats.Summary{N: 1, Shift: 20})
		wantRev, err := stats.Welch(rc, rt, 0.05)
		if err != nil {
			t.Fatal(err)
		}
		rev := a.Guardrails[1]
		if rev.Metric.Name != "revenue" || !near(rev.P, wantRev.P) || !near(rev.Diff.Value, wantRev.Diff.Value) || !near(rev.DF, wantRev.DF) {
			t.Errorf("revenue: got p %g diff %g df %g, want %g %g %g", rev.P, rev.Diff.Value, rev.DF, wantRev.P, wantRev.Diff.Value, wantRev.DF)
		}
		if a.Guardrails[0].Status != lodestar.GuardrailNoData || a.Guardrails[0].Error == "" {
			t.Errorf("latency without control data: got %s %q, want no_data with a reason", a.Guardrails[0].Status, a.Guardrails[0].Error)
		}
		if a.SRM == nil || a.SRM.Observed != [2]int64{1001, 1011} || a.SRM.Mismatch {
			t.Errorf("SRM: got %+v, want observed 1001/1011 and no mismatch", a.SRM)
		}
		if a.Verdict.Decision == lodestar.DecisionShip {
			t.Errorf("verdict: got ship with a guardrail without data, want not ship")
		}

		// Stopped: no more data.
		if _, err := f.s.SetExperimentStatus(f.ctx, e.ID, lodestar.ExperimentStopped, "done"); err != nil {
			t.Fatal(err)
		}
		wantError(t, f.s.AddExperimentAggregates(f.ctx, e.ID, data), lodestar.EConflict)
		f.verify(int64(f.auditCount()))
	})
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// TestExperimentDataTransactional checks that a write whose audit entry
// fails leaves the statistics and the units as they were.
func TestExperimentDataTransactional(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		e := runningExperiment(t, f)
		if _, err := f.s.IngestObservations(f.ctx, e.ID, source(obs("u1", "control", map[string]float64{"conversion": 1})), false); err != nil {
			t.Fatal(err)
		}
		before := experimentCounts(t, db)
		a0, _ := f.s.AnalyzeExperiment(f.ctx, e.ID)
		remove := injectAuditFailure(t, db, "audit_log")
		err := f.s.AddExperimentAggregates(f.ctx, e.ID, []lodestar.ExperimentAggregate{{Variant: "control", Metric: "conversion", N: 10, Successes: ptr[int64](3)}})
		if err == nil {
			t.Error("AddExperimentAggregates with a failing audit: got nil error")
		}
		_, err = f.s.IngestObservations(f.ctx, e.ID, source(obs("u2", "control", map[string]float64{"conversion": 1})), false)
		if err == nil {
			t.Error("IngestObservations with a failing audit: got nil error")
		}
		remove()
		if after := experimentCounts(t, db); after != before {
			t.Errorf("failed writes changed data: got %v, want %v", after, before)
		}
		a1, _ := f.s.AnalyzeExperiment(f.ctx, e.ID)
		if a1.Primary.Control.N != a0.Primary.Control.N {
			t.Errorf("control n: got %d, want %d", a1.Primary.Control.N, a0.Primary.Control.N)
		}
	})
}

// TestConcurrentObservations sends observations for one experiment from
// many uploads at once: each succeeds and none is lost (on PostgreSQL,
// two transactions merging the same sums at once lost one's, or failed
// on a duplicate key when the sums' row did not exist yet).
func TestConcurrentObservations(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		e := runningExperiment(t, f)
		const uploads, each = 16, 25
		var wg sync.WaitGroup
		errs := make([]error, uploads)
		for u := range uploads {
			wg.Add(1)
			go func() {
				defer wg.Done()
				i := 0
				next := func() (*lodestar.ExperimentObservation, error) {
					if i == each {
						return nil, io.EOF
					}
					i++
					return &lodestar.ExperimentObservation{Line: i, Unit: fmt.Sprintf("u%d-%d", u, i), Variant: []string{"control", "treatment"}[i%2],
						Metrics: map[string]float64{"conversion": float64(i % 2)}}, nil
				}
				res, err := f.s.IngestObservations(f.ctx, e.ID, next, false)
				if err == nil && res.Accepted != each {
					err = fmt.Errorf("accepted %d of %d: %+v", res.Accepted, each, res.Rejected)
				}
				errs[u] = err
			}()
		}
		wg.Wait()
		for u, err := range errs {
			if err != nil {
				t.Errorf("upload %d: %v", u, err)
			}
		}
		var n int64
		if err := db.QueryRow(f.ctx, `SELECT SUM(n) FROM experiment_stats WHERE experiment_id = ? AND metric = 'conversion'`, e.ID).Scan(&n); err != nil || n != uploads*each {
			t.Errorf("stored %d observations (%v), want %d", n, err, uploads*each)
		}
	})
}

// runningExperiment creates the set-up's experiment and starts it.
func runningExperiment(t *testing.T, f *fixture) *lodestar.Experiment {
	t.Helper()
	s := newExperimentSetup(t, f)
	e, err := f.s.CreateExperiment(f.ctx, s.design)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.SetExperimentStatus(f.ctx, e.ID, lodestar.ExperimentRunning, "go"); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestObservationRepeats: a line counts once, as accepted when it added a
// value and as a duplicate when every metric it holds was recorded already
// for its unit, so accepted + duplicates + rejected is the lines sent. A
// repeat used to count as accepted and as a duplicate both, and a batch
// of repeats only wrote an audit entry with "added": null.
func TestObservationRepeats(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		e := runningExperiment(t, f)
		line := obs("u1", "treatment", map[string]float64{"conversion": 1, "revenue": 12.5})
		lastAudit := func() (string, string) {
			evs, err := f.s.FindEvents(f.ctx, lodestar.AuditFilter{Action: "add_data", Limit: 1})
			if err != nil || len(evs) == 0 {
				t.Fatalf("audit: %v, %d entries", err, len(evs))
			}
			return evs[0].After, fmt.Sprint(evs[0].Seq)
		}

		// Two identical lines in one batch: one accepted, one duplicate.
		res, err := f.s.IngestObservations(f.ctx, e.ID, source(line, line), false)
		if err != nil || res.Accepted != 1 || res.Duplicates != 1 || res.RejectedCount != 0 {
			t.Fatalf("one batch: got %+v, %v; want 1 accepted, 1 duplicate", res, err)
		}
		after, seq := lastAudit()
		if !strings.Contains(after, `"items":1`) || !strings.Contains(after, `"duplicates":1`) ||
			!strings.Contains(after, `"variant":"treatment","metric":"conversion","n":1`) || !strings.Contains(after, `"metric":"revenue","n":1`) {
			t.Errorf("audit of the batch: %s; want 1 item, 1 duplicate, conversion and revenue each n 1", after)
		}
		stats := experimentCounts(t, db)

		// The same line again: a duplicate, nothing recorded or audited.
		res, err = f.s.IngestObservations(f.ctx, e.ID, source(line), false)
		if err != nil || res.Accepted != 0 || res.Duplicates != 1 || res.RejectedCount != 0 {
			t.Errorf("repeat: got %+v, %v; want 0 accepted, 1 duplicate", res, err)
		}
		if _, s2 := lastAudit(); s2 != seq {
			t.Errorf("a batch that added nothing was audited (entry %s after %s)", s2, seq)
		}
		if after := experimentCounts(t, db); after != stats {
			t.Errorf("a batch that added nothing changed data: %v, want %v", after, stats)
		}

		// A line adding one new metric beside a repeated one is accepted.
		res, err = f.s.IngestObservations(f.ctx, e.ID, source(obs("u1", "treatment", map[string]float64{"conversion": 1, "latency_ms": 90})), false)
		if err != nil || res.Accepted != 1 || res.Duplicates != 0 {
			t.Errorf("partly new line: got %+v, %v; want 1 accepted", res, err)
		}
		if after, _ := lastAudit(); !strings.Contains(after, `"metric":"latency_ms","n":1`) || strings.Contains(after, `"metric":"conversion"`) {
			t.Errorf("audit of the partly new line: %s; want latency_ms added, conversion not", after)
		}
		a, err := f.s.AnalyzeExperiment(f.ctx, e.ID)
		if err != nil || a.Primary.Treatment.N != 1 {
			t.Errorf("conversion n: got %+v, %v; want 1", a.Primary.Treatment, err)
		}
	})
}
