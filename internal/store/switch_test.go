package store_test

import (
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

func TestSwitches(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Credit scoring"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "credit-risk", Name: "Credit risk"})
		if err != nil {
			t.Fatal(err)
		}
		sw, err := f.s.FindSwitch(f.ctx, "credit-risk")
		if err != nil || sw.State != lodestar.SwitchOn || sw.Version != 1 || sw.ModelID != m.ID {
			t.Fatalf("new model's switch: got %+v, %v; want on at version 1", sw, err)
		}
		before := f.counts()
		for name, tc := range map[string]struct{ state, fallback, reason, field string }{
			"unknown state":           {"paused", "", "why", "state"},
			"no reason":               {lodestar.SwitchOff, "", " ", "reason"},
			"fallback without target": {lodestar.SwitchFallback, "", "why", "fallback"},
			"target without fallback": {lodestar.SwitchOff, "rules", "why", "fallback"},
		} {
			_, err := f.s.FlipSwitch(f.ctx, "credit-risk", tc.state, tc.fallback, tc.reason)
			if lodestar.ErrorCode(err) != lodestar.EInvalid || lodestar.ErrorFields(err)[tc.field] == "" {
				t.Errorf("%s: got %v, want invalid naming %s", name, err, tc.field)
			}
		}
		_, err = f.s.FlipSwitch(f.ctx, "no-such-model", lodestar.SwitchOff, "", "why")
		wantError(t, err, lodestar.ENotFound)
		f.wantUnchanged(before)

		off, err := f.s.FlipSwitch(f.ctx, "credit-risk", lodestar.SwitchOff, "", "flags good customers as high-risk")
		if err != nil {
			t.Fatal(err)
		}
		if off.State != lodestar.SwitchOff || off.Version != 2 || off.Reason != "flags good customers as high-risk" || off.ChangedBy != adminActor.Label {
			t.Errorf("after the flip: got %+v", off)
		}
		wantEvent(t, f.lastEvent(), adminActor, "flip", "switch", m.ID)
		fb, err := f.s.FlipSwitch(f.ctx, "credit-risk", lodestar.SwitchFallback, "rules-v3", "manual rules while retraining")
		if err != nil || fb.Fallback != "rules-v3" || fb.Version != 3 {
			t.Errorf("fallback: got %+v, %v", fb, err)
		}
		all, err := f.s.ListSwitches(f.ctx)
		if err != nil || len(all) != 1 || all[0].State != lodestar.SwitchFallback {
			t.Errorf("ListSwitches: got %v, %v", all, err)
		}
		f.verify(int64(f.auditCount()))
	})
}
