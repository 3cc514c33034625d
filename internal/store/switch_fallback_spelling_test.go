package store_test

import (
	"fmt"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestSwitchFallbackOtherSpelling: a fallback naming a model of the
// registry by its numeric ID (which the switch routes take for its key)
// or by its key in other letter case is that model, not a rule the
// services serve themselves: it was taken as a rule, so the model's own
// rules (not itself, its switch on, a version live) were never checked —
// "CREDIT-OFF" put a model at fallback to one switched off — and the
// services, looking the fallback up by key, found no model of that
// name. It is refused, naming the key to give; nothing changes.
func TestSwitchFallbackOtherSpelling(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Credit scoring"})
		if err != nil {
			t.Fatal(err)
		}
		model := func(key string) *lodestar.Model {
			t.Helper()
			m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: key, Name: key})
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
				if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, st, "lifecycle"); err != nil {
					t.Fatal(err)
				}
			}
			return m
		}
		risk, v1, off := model("credit-risk"), model("credit-v1"), model("credit-off")
		if _, err := f.s.FlipSwitch(f.ctx, "credit-off", lodestar.SwitchOff, "", "skew"); err != nil {
			t.Fatal(err)
		}
		before := f.counts()
		for _, c := range []struct{ fallback, key string }{
			{"CREDIT-OFF", "credit-off"}, {fmt.Sprint(off.ID), "credit-off"},
			{"Credit-Risk", "credit-risk"}, {fmt.Sprint(risk.ID), "credit-risk"},
			{"CREDIT-V1", "credit-v1"}, {fmt.Sprint(v1.ID), "credit-v1"},
		} {
			sw, err := f.s.FlipSwitch(f.ctx, "credit-risk", lodestar.SwitchFallback, c.fallback, "why")
			msg := lodestar.ErrorFields(err)["fallback"]
			if lodestar.ErrorCode(err) != lodestar.EInvalid || !strings.Contains(msg, c.key) {
				t.Errorf("fallback %q: got %+v, %v; want refused, naming the key %s", c.fallback, sw, err, c.key)
			}
		}
		f.wantUnchanged(before)
		// The key as registered, and a name no model has, are taken.
		for _, fb := range []string{"credit-v1", "rules-v3", "99999"} {
			if sw, err := f.s.FlipSwitch(f.ctx, "credit-risk", lodestar.SwitchFallback, fb, "why"); err != nil || sw.Fallback != fb {
				t.Errorf("fallback %s: got %+v, %v", fb, sw, err)
			}
		}
	})
}
