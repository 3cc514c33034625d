package stats

import (
	"fmt"
	"math"
)

// Decision is what to do with an experiment.
type Decision string

// The three decisions [Decide] can reach.
const (
	Ship        Decision = "ship"
	DoNotShip   Decision = "do-not-ship"
	KeepRunning Decision = "keep-running"
)

// Guardrail is a metric the treatment must not harm by more than an agreed
// amount, such as latency or refund rate.
type Guardrail struct {
	Name   string
	Result Comparison
	// MaxDegradation is the largest acceptable relative change in the bad
	// direction, as a fraction: 0.02 allows 2% worse.
	MaxDegradation float64
	// LowerIsBetter is true for metrics like latency or errors, where an
	// increase is a degradation.
	LowerIsBetter bool
}

// VerdictInput is everything [Decide] weighs.
type VerdictInput struct {
	// Primary is the result on the metric the experiment exists to move.
	Primary Comparison
	// LowerIsBetter is true when the primary metric should go down.
	LowerIsBetter bool
	// Guardrails are checked as non-inferiority tests on their relative
	// intervals (each at its own Result.Alpha).
	Guardrails []Guardrail
	// MinSample is the planned number of units per variant: below it the
	// answer is always keep-running (peeking at a fixed-horizon test inflates
	// false positives), and at or above it a non-significant primary means
	// do-not-ship. 0 means no plan: a non-significant result keeps running.
	MinSample int64
	// SRM, when set, is the sample-ratio check of the same experiment.
	SRM *SRMResult
	// AlwaysValid says Primary comes from a sequential test (its P an
	// always-valid p-value, its Diff interval a confidence sequence), which
	// may be stopped at any look: a significant result then decides even
	// below MinSample. Rule 2 still holds a non-significant one open.
	AlwaysValid bool
}

// Verdict is a decision with the reason for it, phrased for the analysis page.
type Verdict struct {
	Decision Decision
	Reason   string
}

// Decide turns the analysis into a decision. The rules, first match wins:
//
//  1. SRM mismatch → do-not-ship: the assignment is broken and no result can
//     be trusted until it is fixed.
//  2. Either variant below MinSample → keep-running (with AlwaysValid, only
//     when the primary is not significant: an always-valid test may stop early).
//  3. Primary significantly worse → do-not-ship.
//  4. A guardrail whose whole relative interval lies beyond its allowed
//     degradation → do-not-ship.
//  5. A guardrail whose interval still reaches beyond the allowed
//     degradation → keep-running: harm within bounds is not yet shown.
//  6. Primary significantly better → ship.
//  7. Otherwise → do-not-ship if MinSample was set (the planned sample saw no
//     effect), keep-running if not.
func Decide(in VerdictInput) Verdict {
	p := in.Primary
	if in.SRM != nil && in.SRM.Mismatch {
		return Verdict{DoNotShip, fmt.Sprintf("sample ratio mismatch (chi-square p = %s < %g): the traffic split is not what was planned, so the results cannot be trusted; fix assignment or logging first",
			fmtP(in.SRM.P), SRMThreshold)}
	}
	pName := "p"
	if in.AlwaysValid {
		pName = "always-valid p"
	}
	if n := min(p.Control.N, p.Treatment.N); n < in.MinSample && !(in.AlwaysValid && p.Significant()) {
		return Verdict{KeepRunning, fmt.Sprintf("%d units in the smaller variant, below the planned minimum of %d per variant", n, in.MinSample)}
	}
	better := p.Diff.Value > 0 != in.LowerIsBetter
	if p.Significant() && !better {
		return Verdict{DoNotShip, fmt.Sprintf("the primary metric is significantly worse (%s, %s = %s)", fmtChange(p), pName, fmtP(p.P))}
	}
	for _, g := range in.Guardrails {
		if v, bad := checkGuardrail(g); bad {
			return v
		}
	}
	for _, g := range in.Guardrails {
		if v, unsure := guardrailUnsure(g); unsure {
			return v
		}
	}
	if p.Significant() {
		return Verdict{Ship, fmt.Sprintf("the primary metric is significantly better (%s, %s = %s)%s",
			fmtChange(p), pName, fmtP(p.P), guardrailNote(in.Guardrails))}
	}
	if in.MinSample > 0 {
		return Verdict{DoNotShip, fmt.Sprintf("no significant difference at the planned sample (%s = %s ≥ alpha = %g)", pName, fmtP(p.P), p.Alpha)}
	}
	return Verdict{KeepRunning, fmt.Sprintf("no significant difference yet (%s = %s ≥ alpha = %g)", pName, fmtP(p.P), p.Alpha)}
}

// guardrailBounds returns the two ends of a guardrail's relative interval
// as degradations (positive = worse): the worst case and the best case.
func guardrailBounds(g Guardrail) (worst, best float64, ok bool) {
	r := g.Result.Relative
	if r == nil {
		return 0, 0, false
	}
	if g.LowerIsBetter {
		return r.Hi, r.Lo, true
	}
	return -r.Lo, -r.Hi, true
}

func checkGuardrail(g Guardrail) (Verdict, bool) {
	worst, best, ok := guardrailBounds(g)
	if !ok || best <= g.MaxDegradation {
		return Verdict{}, false
	}
	return Verdict{DoNotShip, fmt.Sprintf("guardrail %q is degraded by %s to %s, beyond the allowed %s",
		g.Name, pct(best), pct(worst), pct(g.MaxDegradation))}, true
}

func guardrailUnsure(g Guardrail) (Verdict, bool) {
	worst, _, ok := guardrailBounds(g)
	if !ok {
		return Verdict{KeepRunning, fmt.Sprintf("guardrail %q has a control mean of 0, so its relative change is undefined", g.Name)}, true
	}
	if worst <= g.MaxDegradation {
		return Verdict{}, false
	}
	return Verdict{KeepRunning, fmt.Sprintf("guardrail %q may be degraded by up to %s, more than the allowed %s; more data needed",
		g.Name, pct(worst), pct(g.MaxDegradation))}, true
}

func guardrailNote(gs []Guardrail) string {
	if len(gs) == 0 {
		return ""
	}
	return fmt.Sprintf("; %d guardrail(s) within their allowed degradation", len(gs))
}

func fmtChange(c Comparison) string {
	if c.Relative != nil {
		return fmt.Sprintf("%+.2f%% relative", 100*c.Relative.Value)
	}
	return fmt.Sprintf("difference %+.4g", c.Diff.Value)
}

func pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

func fmtP(p float64) string {
	if p < 1e-4 {
		return fmt.Sprintf("%.2g", p)
	}
	return fmt.Sprintf("%.4f", math.Round(p*1e4)/1e4)
}
