package store

import (
	"context"
	"errors"
	"fmt"
	"math"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/stats"
)

// Messages for a metric the engine cannot compare yet.
const (
	msgTooFew      = "Not enough data yet."
	msgNoVariation = "No variation in the data yet, so the test cannot be computed."
	msgUnusable    = "The data cannot be analysed."
)

// Verdict codes: the rule of stats.Decide that decided, plus the two this
// layer adds for metrics without enough data.
const (
	VerdictSRM               = "srm"
	VerdictMinSample         = "min_sample"
	VerdictPrimaryWorse      = "primary_worse"
	VerdictGuardrailViolated = "guardrail_violated"
	VerdictGuardrailUnsure   = "guardrail_unsure"
	VerdictShip              = "ship"
	VerdictNoEffect          = "no_effect"
	VerdictNotYet            = "not_yet"
	VerdictNoData            = "no_data"
	VerdictGuardrailNoData   = "guardrail_no_data"
)

// VerdictCodes lists every verdict code, for the catalogs' tests.
var VerdictCodes = []string{VerdictSRM, VerdictMinSample, VerdictPrimaryWorse, VerdictGuardrailViolated, VerdictGuardrailUnsure,
	VerdictShip, VerdictNoEffect, VerdictNotYet, VerdictNoData, VerdictGuardrailNoData}

// AnalyzeExperiment implements lodestar.ExperimentService: the stats
// engine on the stored sufficient statistics.
func (s *Store) AnalyzeExperiment(ctx context.Context, id int64) (*lodestar.ExperimentAnalysis, error) {
	e, err := s.FindExperimentByID(ctx, id)
	if err != nil {
		return nil, err
	}
	st, err := s.experimentStats(ctx, id)
	if err != nil {
		return nil, wrap("experiment stats", err)
	}
	return Analyze(e, func(variant, metric string) stats.Summary { return st[statKey{variant, metric}] }), nil
}

// Analyze computes an experiment's analysis from its statistics, given by
// variant and metric (a zero Summary for none).
func Analyze(e *lodestar.Experiment, data func(variant, metric string) stats.Summary) *lodestar.ExperimentAnalysis {
	a := &lodestar.ExperimentAnalysis{ExperimentID: e.ID, Alpha: e.Alpha, MinSample: e.MinSample, TreatmentShare: e.TreatmentShare,
		Guardrails: []lodestar.GuardrailResult{}}
	compare := func(m lodestar.ExperimentMetric) (lodestar.MetricResult, *stats.Comparison) {
		return compareMetric(m, data(lodestar.VariantControl, m.Name), data(lodestar.VariantTreatment, m.Name), e.Alpha)
	}
	primary, pc := compare(e.Primary)
	a.Primary = primary
	in := stats.VerdictInput{LowerIsBetter: e.Primary.Direction == lodestar.DirectionDown, MinSample: e.MinSample}
	nc, nt := data(lodestar.VariantControl, e.Primary.Name).N, data(lodestar.VariantTreatment, e.Primary.Name).N
	if nc+nt > 0 {
		if r, err := stats.SRM([]int64{nc, nt}, []float64{1 - e.TreatmentShare, e.TreatmentShare}); err == nil {
			a.SRM = &lodestar.SRMCheck{Observed: [2]int64{nc, nt}, Expected: [2]float64{r.Expected[0], r.Expected[1]},
				ChiSquare: r.Stat, P: r.P, Mismatch: r.Mismatch}
			in.SRM = &r
		}
	}
	var noData string
	for _, g := range e.Guardrails {
		res, gc := compare(g)
		gr := lodestar.GuardrailResult{MetricResult: res, Status: lodestar.GuardrailNoData}
		if gc != nil {
			sg := stats.Guardrail{Name: g.Name, Result: *gc, MaxDegradation: g.MaxDegradation, LowerIsBetter: g.Direction == lodestar.DirectionDown}
			gr.Status = guardrailStatus(sg)
			in.Guardrails = append(in.Guardrails, sg)
		} else if noData == "" {
			noData = g.Name
		}
		a.Guardrails = append(a.Guardrails, gr)
	}
	if pc == nil {
		a.Verdict = lodestar.ExperimentVerdict{Decision: lodestar.DecisionKeepRunning, Code: VerdictNoData,
			Reason: "the primary metric cannot be analysed yet: " + primary.Error}
		if in.SRM != nil && in.SRM.Mismatch {
			v := stats.Decide(in) // rule 1 needs no primary result
			a.Verdict = lodestar.ExperimentVerdict{Decision: string(v.Decision), Reason: v.Reason, Code: VerdictSRM}
		}
		return a
	}
	in.Primary = *pc
	v := stats.Decide(in)
	code, metric := verdictCode(in)
	a.Verdict = lodestar.ExperimentVerdict{Decision: string(v.Decision), Reason: v.Reason, Code: code, Metric: metric}
	if decisionOf(code) != a.Verdict.Decision {
		a.Verdict.Code, a.Verdict.Metric = "", "" // the engine's rules moved on: show its English reason
	}
	if v.Decision == stats.Ship && noData != "" {
		a.Verdict = lodestar.ExperimentVerdict{Decision: lodestar.DecisionKeepRunning, Code: VerdictGuardrailNoData, Metric: noData,
			Reason: fmt.Sprintf("guardrail %q cannot be analysed yet, so harm to it is not ruled out", noData)}
	}
	return a
}

// compareMetric runs the metric's test on its two summaries.
func compareMetric(m lodestar.ExperimentMetric, c, t stats.Summary, alpha float64) (lodestar.MetricResult, *stats.Comparison) {
	res := lodestar.MetricResult{Metric: m, Control: armStats(c), Treatment: armStats(t)}
	var cmp stats.Comparison
	var err error
	if m.Kind == lodestar.MetricProportion {
		cmp, err = stats.TwoProportions(stats.Count{N: c.N, Successes: int64(math.Round(c.Sum))},
			stats.Count{N: t.N, Successes: int64(math.Round(t.Sum))}, alpha)
	} else {
		cmp, err = stats.Welch(c, t, alpha)
	}
	if err != nil {
		switch {
		case errors.Is(err, stats.ErrTooFew):
			res.Error = msgTooFew
		case errors.Is(err, stats.ErrZeroVariance):
			res.Error = msgNoVariation
		default:
			res.Error = msgUnusable
		}
		return res, nil
	}
	res.Method = string(cmp.Method)
	res.Control = lodestar.ArmStats{N: cmp.Control.N, Mean: cmp.Control.Mean, Variance: cmp.Control.Variance}
	res.Treatment = lodestar.ArmStats{N: cmp.Treatment.N, Mean: cmp.Treatment.Mean, Variance: cmp.Treatment.Variance}
	res.Diff = lodestar.Interval(cmp.Diff)
	if cmp.Relative != nil {
		r := lodestar.Interval(*cmp.Relative)
		res.Relative = &r
	}
	res.Stat, res.DF, res.P, res.Significant = cmp.Stat, cmp.DF, cmp.P, cmp.Significant()
	return res, &cmp
}

// armStats describes a variant's data before any test: what is defined
// of it (a mean from one unit, a variance from two).
func armStats(s stats.Summary) lodestar.ArmStats {
	a := lodestar.ArmStats{N: s.N}
	if s.N > 0 {
		a.Mean = s.Mean()
	}
	if s.N > 1 {
		a.Variance = s.Variance()
	}
	return a
}

// guardrailBounds returns a guardrail's relative interval as degradations
// (positive = worse): the worst and the best case, as stats.Decide reads it.
func guardrailBounds(g stats.Guardrail) (worst, best float64, ok bool) {
	r := g.Result.Relative
	if r == nil {
		return 0, 0, false
	}
	if g.LowerIsBetter {
		return r.Hi, r.Lo, true
	}
	return -r.Lo, -r.Hi, true
}

func guardrailStatus(g stats.Guardrail) string {
	worst, best, ok := guardrailBounds(g)
	switch {
	case !ok:
		return lodestar.GuardrailUnsure
	case best > g.MaxDegradation:
		return lodestar.GuardrailViolated
	case worst > g.MaxDegradation:
		return lodestar.GuardrailUnsure
	}
	return lodestar.GuardrailOK
}

// verdictCode names the rule of stats.Decide that decides in, in its
// order, and the guardrail it is about.
func verdictCode(in stats.VerdictInput) (code, metric string) {
	p := in.Primary
	if in.SRM != nil && in.SRM.Mismatch {
		return VerdictSRM, ""
	}
	if min(p.Control.N, p.Treatment.N) < in.MinSample {
		return VerdictMinSample, ""
	}
	better := p.Diff.Value > 0 != in.LowerIsBetter
	if p.Significant() && !better {
		return VerdictPrimaryWorse, ""
	}
	for _, g := range in.Guardrails {
		if guardrailStatus(g) == lodestar.GuardrailViolated {
			return VerdictGuardrailViolated, g.Name
		}
	}
	for _, g := range in.Guardrails {
		if guardrailStatus(g) == lodestar.GuardrailUnsure {
			return VerdictGuardrailUnsure, g.Name
		}
	}
	if p.Significant() {
		return VerdictShip, ""
	}
	if in.MinSample > 0 {
		return VerdictNoEffect, ""
	}
	return VerdictNotYet, ""
}

// decisionOf is the decision a verdict code stands for.
func decisionOf(code string) string {
	switch code {
	case VerdictShip:
		return lodestar.DecisionShip
	case VerdictMinSample, VerdictGuardrailUnsure, VerdictNotYet, VerdictNoData, VerdictGuardrailNoData:
		return lodestar.DecisionKeepRunning
	}
	return lodestar.DecisionDoNotShip
}
