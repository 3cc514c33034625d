package demo_test

import (
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// TestDemoExperiments checks the recommender's two experiments reach the
// verdicts their stories need: the retrained model ships; the feed test's
// broken split is caught by the sample-ratio check.
func TestDemoExperiments(t *testing.T) {
	ctx, st := loadDemo(t)
	xs, err := st.ListExperiments(ctx, lodestar.ExperimentFilter{Status: lodestar.ExperimentRunning})
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]*lodestar.Experiment{}
	for _, e := range xs {
		byKey[e.Key] = e
	}
	tests := []struct {
		key, decision, code string
		mismatch            bool
	}{
		{"recsys-4-short-video", lodestar.DecisionShip, store.VerdictShip, false},
		{"recsys-video-feed", lodestar.DecisionDoNotShip, store.VerdictSRM, true},
	}
	for _, tc := range tests {
		e := byKey[tc.key]
		if e == nil {
			t.Errorf("experiment %s: missing or not running", tc.key)
			continue
		}
		a, err := st.AnalyzeExperiment(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Verdict.Decision != tc.decision || a.Verdict.Code != tc.code {
			t.Errorf("%s: got verdict %s (%s: %s), want %s (%s)", tc.key, a.Verdict.Decision, a.Verdict.Code, a.Verdict.Reason, tc.decision, tc.code)
		}
		if a.SRM == nil || a.SRM.Mismatch != tc.mismatch {
			t.Errorf("%s: got SRM %+v, want mismatch %v", tc.key, a.SRM, tc.mismatch)
		}
		for _, g := range a.Guardrails {
			if tc.decision == lodestar.DecisionShip && g.Status != lodestar.GuardrailOK {
				t.Errorf("%s: guardrail %s is %s, want ok", tc.key, g.Metric.Name, g.Status)
			}
		}
		t.Logf("%s: conversion %+.2f%% [%+.2f%%, %+.2f%%] p=%.3g, SRM p=%.3g; %s", tc.key, 100*a.Primary.Relative.Value,
			100*a.Primary.Relative.Lo, 100*a.Primary.Relative.Hi, a.Primary.P, a.SRM.P, a.Verdict.Reason)
	}
}
