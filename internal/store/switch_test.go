package store_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
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

// TestSwitchFlipsChain: a flip based on a version the switch has left is
// refused and changes nothing; flips made at once each see the one
// before (on PostgreSQL, read committed, the later otherwise read the
// switch as it was before the earlier and audited that as its "before",
// and a version check would pass on the stale row).
func TestSwitchFlipsChain(t *testing.T) {
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
		if _, err := f.s.FlipSwitch(f.ctx, "credit-risk", lodestar.SwitchOff, "", "drift"); err != nil {
			t.Fatal(err)
		}
		before := f.counts()
		_, err = f.s.FlipSwitch(lodestar.WithSwitchVersion(f.ctx, 1), "credit-risk", lodestar.SwitchOn, "", "stale page")
		wantError(t, err, lodestar.EConflict)
		f.wantUnchanged(before)
		if sw, _ := f.s.FindSwitch(f.ctx, "credit-risk"); sw.State != lodestar.SwitchOff || sw.Version != 2 {
			t.Fatalf("after a stale flip: %+v", sw)
		}
		// The refusal says what the switch is now and who flipped it, and
		// carries it (the API's "current").
		var stale *lodestar.Error
		if !errors.As(err, &stale) {
			t.Fatalf("a stale flip: %v", err)
		}
		if cur, ok := stale.Current.(*lodestar.Switch); !ok || cur.Version != 2 || cur.State != lodestar.SwitchOff || cur.ChangedBy != adminActor.Label {
			t.Errorf("a stale flip's current switch: %#v, want off at version 2 by %s", stale.Current, adminActor.Label)
		}
		if want := "it is at version 2 now, not 1; " + adminActor.Label + " flipped it to off at "; !strings.Contains(stale.Message, want) {
			t.Errorf("a stale flip's message %q does not say %q", stale.Message, want)
		}
		// A version the switch never had is a bad field, not a conflict.
		_, err = f.s.FlipSwitch(lodestar.WithSwitchVersion(f.ctx, 1000), "credit-risk", lodestar.SwitchOn, "", "made-up version")
		wantError(t, err, lodestar.EInvalid, "version")
		var le *lodestar.Error
		if !errors.As(err, &le) || le.Fields["version"] != "The switch is at version 2; 1000 is ahead of it. Send the version you read." {
			t.Errorf("a version ahead of the switch: %v", err)
		}
		f.wantUnchanged(before)
		if _, err := f.s.FlipSwitch(lodestar.WithSwitchVersion(f.ctx, 2), "credit-risk", lodestar.SwitchOn, "", "current page"); err != nil {
			t.Fatalf("flip on the current version: %v", err)
		}

		var wg sync.WaitGroup
		for i := range 4 {
			wg.Go(func() {
				for j := range 15 {
					state := []string{lodestar.SwitchOn, lodestar.SwitchOff}[(i+j)%2]
					if _, err := f.s.FlipSwitch(f.ctx, "credit-risk", state, "", fmt.Sprintf("flipper %d, flip %d", i, j)); err != nil {
						t.Errorf("flip: %v", err)
					}
				}
			})
		}
		wg.Wait()
		evs, err := f.s.FindEvents(f.ctx, lodestar.AuditFilter{EntityType: "switch", EntityID: fmt.Sprint(m.ID), Limit: 200})
		if err != nil || len(evs) != 62 {
			t.Fatalf("audit entries of the switch: %d, %v; want 62", len(evs), err)
		}
		for _, ev := range evs {
			var b, a lodestar.Switch
			if json.Unmarshal([]byte(ev.Before), &b) != nil || json.Unmarshal([]byte(ev.After), &a) != nil {
				t.Fatalf("entry %d does not hold switches", ev.Seq)
			}
			if b.Version != a.Version-1 {
				t.Errorf("entry %d: before is version %d, after %d: the flip did not see the one before it", ev.Seq, b.Version, a.Version)
			}
		}
	})
}

// TestSwitchFallbackMayServe: a fallback that names a model in the
// registry must be one that may serve in its place — not the model
// itself, not one switched off (or at fallback itself), not one with no
// version in production (its versions retired). A fallback the registry
// does not know (rules, a static list) is the services' to know.
func TestSwitchFallbackMayServe(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Credit scoring"})
		if err != nil {
			t.Fatal(err)
		}
		model := func(key string, statuses ...string) {
			t.Helper()
			m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: key, Name: key})
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range statuses {
				if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, st, "lifecycle"); err != nil {
					t.Fatal(err)
				}
			}
		}
		live := []string{lodestar.ModelStaging, lodestar.ModelProduction}
		model("credit-risk", live...)
		model("credit-v1", live...)
		model("credit-old", append(live, lodestar.ModelRetired)...)
		model("credit-new", lodestar.ModelStaging)
		model("credit-off", live...)
		if _, err := f.s.FlipSwitch(f.ctx, "credit-off", lodestar.SwitchOff, "", "skew"); err != nil {
			t.Fatal(err)
		}
		before := f.counts()
		for _, fb := range []string{"credit-risk", "credit-old", "credit-new", "credit-off"} {
			_, err := f.s.FlipSwitch(f.ctx, "credit-risk", lodestar.SwitchFallback, fb, "why")
			if lodestar.ErrorCode(err) != lodestar.EInvalid || lodestar.ErrorFields(err)["fallback"] == "" {
				t.Errorf("fallback %s: got %v, want refused naming the fallback", fb, err)
			}
		}
		f.wantUnchanged(before)
		for _, fb := range []string{"credit-v1", "rules-v3"} {
			if sw, err := f.s.FlipSwitch(f.ctx, "credit-risk", lodestar.SwitchFallback, fb, "why"); err != nil || sw.Fallback != fb {
				t.Errorf("fallback %s: got %+v, %v", fb, sw, err)
			}
		}
	})
}

// TestSwitchStamp: the stamp a server polls to learn of flips made by
// another process changes with every flip and every new model, refused
// flips leave it as it was, and it is the same for the same switches.
func TestSwitchStamp(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		stamp := func() store.SwitchStamp {
			t.Helper()
			st, err := f.s.SwitchStamp(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		if st := stamp(); st != (store.SwitchStamp{}) {
			t.Errorf("no models: stamp %+v, want zero", st)
		}
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Credit scoring"})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[store.SwitchStamp]string{}
		changed := func(what string) {
			t.Helper()
			st := stamp()
			if prev, dup := seen[st]; dup {
				t.Errorf("%s: stamp %+v, the same as after %s", what, st, prev)
			}
			seen[st] = what
		}
		for _, key := range []string{"credit-risk", "fraud"} {
			if _, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: key, Name: key}); err != nil {
				t.Fatal(err)
			}
			changed("model " + key)
		}
		for i, state := range []string{lodestar.SwitchOff, lodestar.SwitchOn, lodestar.SwitchOn} {
			if _, err := f.s.FlipSwitch(f.ctx, "credit-risk", state, "", "review"); err != nil {
				t.Fatal(err)
			}
			changed(fmt.Sprintf("flip %d", i))
		}
		if _, err := f.s.FlipSwitch(lodestar.WithSwitchVersion(f.ctx, 1), "fraud", lodestar.SwitchOff, "", "current"); err != nil {
			t.Fatal(err)
		}
		changed("flip of fraud")
		before := stamp()
		if _, err := f.s.FlipSwitch(f.ctx, "credit-risk", "paused", "", "review"); lodestar.ErrorCode(err) != lodestar.EInvalid {
			t.Fatalf("flip to paused: %v", err)
		}
		if _, err := f.s.FlipSwitch(lodestar.WithSwitchVersion(f.ctx, 1), "fraud", lodestar.SwitchOn, "", "stale"); lodestar.ErrorCode(err) != lodestar.EConflict {
			t.Fatalf("stale flip: %v", err)
		}
		if st := stamp(); st != before {
			t.Errorf("after refused flips: stamp %+v, want %+v", st, before)
		}
		if st := stamp(); st != (store.SwitchStamp{Count: 2, Versions: 4 + 2}) {
			t.Errorf("two switches at versions 4 and 2: stamp %+v", st)
		}
	})
}
