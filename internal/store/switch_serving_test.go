package store_test

import (
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestSwitchServing: a switch says whether its model serves — on, with a
// version in production — in FindSwitch, ListSwitches and a flip's
// result, so an "on" switch with nothing in production (no version yet,
// or all retired) no longer reads like one that serves.
func TestSwitchServing(t *testing.T) {
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
		if _, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "idle", Name: "Idle"}); err != nil {
			t.Fatal(err)
		}
		want := func(when string, serving bool) {
			t.Helper()
			sw, err := f.s.FindSwitch(f.ctx, "credit-risk")
			if err != nil || sw.Serving != serving {
				t.Errorf("%s: FindSwitch %+v, %v; want serving %v", when, sw, err, serving)
			}
			all, err := f.s.ListSwitches(f.ctx)
			if err != nil || len(all) != 2 || all[0].Key != "credit-risk" || all[0].Serving != serving || all[1].Serving {
				t.Errorf("%s: ListSwitches %+v, %v; want credit-risk serving %v, idle not serving", when, all, err, serving)
			}
		}
		want("on, no version yet", false)
		v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		want("on, a version in development", false)
		for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, st, "lifecycle"); err != nil {
				t.Fatal(err)
			}
		}
		want("on, a version in production", true)
		off, err := f.s.FlipSwitch(f.ctx, "credit-risk", lodestar.SwitchOff, "", "drift")
		if err != nil || off.Serving {
			t.Errorf("flip off: %+v, %v; want not serving", off, err)
		}
		want("off", false)
		fb, err := f.s.FlipSwitch(f.ctx, "credit-risk", lodestar.SwitchFallback, "rules-v3", "rules while retraining")
		if err != nil || fb.Serving {
			t.Errorf("flip to fallback: %+v, %v; want not serving", fb, err)
		}
		on, err := f.s.FlipSwitch(f.ctx, "credit-risk", lodestar.SwitchOn, "", "retrained")
		if err != nil || !on.Serving {
			t.Errorf("flip on: %+v, %v; want serving", on, err)
		}
		if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, lodestar.ModelRetired, "replaced"); err != nil {
			t.Fatal(err)
		}
		want("on, its only version retired", false)
	})
}
