package stats

import (
	"strings"
	"testing"
)

func TestDecide(t *testing.T) {
	sig := func(diff, p float64, n int64) Comparison {
		return Comparison{
			Alpha: 0.05, P: p,
			Control:   Arm{N: n, Mean: 10},
			Treatment: Arm{N: n, Mean: 10 + diff},
			Diff:      Estimate{Value: diff},
			Relative:  &Estimate{Value: diff / 10},
		}
	}
	guard := func(lo, hi float64, lower bool) Guardrail {
		return Guardrail{Name: "latency", MaxDegradation: 0.02, LowerIsBetter: lower,
			Result: Comparison{Alpha: 0.05, Relative: &Estimate{Lo: lo, Hi: hi}}}
	}
	srmBad := &SRMResult{P: 1e-6, Mismatch: true}
	srmOK := &SRMResult{P: 0.4}
	cases := []struct {
		name   string
		in     VerdictInput
		want   Decision
		reason string
	}{
		{"clear win", VerdictInput{Primary: sig(0.5, 0.001, 5000), SRM: srmOK}, Ship, "significantly better (+5.00% relative, p = 0.0010)"},
		{"clear loss", VerdictInput{Primary: sig(-0.5, 0.001, 5000)}, DoNotShip, "significantly worse"},
		{"lower is better flips", VerdictInput{Primary: sig(-0.5, 0.001, 5000), LowerIsBetter: true}, Ship, "significantly better"},
		{"srm beats a win", VerdictInput{Primary: sig(0.5, 0.001, 5000), SRM: srmBad}, DoNotShip, "sample ratio mismatch"},
		{"below minimum sample", VerdictInput{Primary: sig(0.5, 0.001, 500), MinSample: 1000}, KeepRunning, "500 units in the smaller variant, below the planned minimum of 1000"},
		{"not significant, no plan", VerdictInput{Primary: sig(0.1, 0.3, 5000)}, KeepRunning, "no significant difference yet (p = 0.3000"},
		{"not significant at plan", VerdictInput{Primary: sig(0.1, 0.3, 5000), MinSample: 5000}, DoNotShip, "at the planned sample"},
		{"guardrail breached", VerdictInput{Primary: sig(0.5, 0.001, 5000), Guardrails: []Guardrail{guard(0.03, 0.06, true)}}, DoNotShip, `guardrail "latency" is degraded by 3.00% to 6.00%, beyond the allowed 2.00%`},
		{"guardrail breached, higher is better", VerdictInput{Primary: sig(0.5, 0.001, 5000), Guardrails: []Guardrail{guard(-0.06, -0.03, false)}}, DoNotShip, "degraded by 3.00% to 6.00%"},
		{"guardrail unsure", VerdictInput{Primary: sig(0.5, 0.001, 5000), Guardrails: []Guardrail{guard(-0.01, 0.03, true)}}, KeepRunning, "may be degraded by up to 3.00%"},
		{"guardrail fine", VerdictInput{Primary: sig(0.5, 0.001, 5000), Guardrails: []Guardrail{guard(-0.01, 0.015, true)}}, Ship, "1 guardrail(s) within"},
		{"guardrail undefined", VerdictInput{Primary: sig(0.5, 0.001, 5000), Guardrails: []Guardrail{{Name: "refunds", MaxDegradation: 0.1}}}, KeepRunning, "control mean of 0"},
		{"always-valid win below the plan", VerdictInput{Primary: sig(0.5, 0.001, 500), MinSample: 1000, AlwaysValid: true}, Ship, "always-valid p = 0.0010"},
		{"always-valid loss below the plan", VerdictInput{Primary: sig(-0.5, 0.001, 500), MinSample: 1000, AlwaysValid: true}, DoNotShip, "significantly worse (-5.00% relative, always-valid p"},
		{"always-valid, not significant below the plan", VerdictInput{Primary: sig(0.1, 0.3, 500), MinSample: 1000, AlwaysValid: true}, KeepRunning, "below the planned minimum"},
		{"always-valid, not significant at the plan", VerdictInput{Primary: sig(0.1, 0.3, 5000), MinSample: 1000, AlwaysValid: true}, DoNotShip, "(always-valid p = 0.3000 ≥ alpha"},
		{"always-valid srm", VerdictInput{Primary: sig(0.5, 0.001, 500), AlwaysValid: true, SRM: srmBad}, DoNotShip, "sample ratio mismatch"},
		{"loss beats guardrail", VerdictInput{Primary: sig(-0.5, 0.001, 5000), Guardrails: []Guardrail{guard(-0.01, 0.03, true)}}, DoNotShip, "significantly worse"},
	}
	for _, c := range cases {
		got := Decide(c.in)
		if got.Decision != c.want || !strings.Contains(got.Reason, c.reason) {
			t.Errorf("%s: got %s (%q), want %s with %q", c.name, got.Decision, got.Reason, c.want, c.reason)
		}
	}
}
