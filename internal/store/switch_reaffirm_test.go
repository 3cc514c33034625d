package store_test

import (
	"encoding/json"
	"fmt"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestSwitchReaffirm: a flip to the state (and fallback) the switch
// already has is made — a new reason, a new version, audited — as a
// re-affirmation: the switch, as every later read gives it, and the
// flip's audit entry say "reaffirmed", so neither the streams nor an
// auditor read it as a change; the next flip that changes the switch
// clears it. A new fallback is a change, not a re-affirmation.
func TestSwitchReaffirm(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Recommendations"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "recsys", Name: "Recsys"})
		if err != nil {
			t.Fatal(err)
		}
		lastAfter := func() lodestar.Switch {
			t.Helper()
			evs, err := f.s.FindEvents(f.ctx, lodestar.AuditFilter{Action: "flip", EntityType: "switch", EntityID: fmt.Sprint(m.ID), Limit: 1})
			var after lodestar.Switch
			if err != nil || len(evs) != 1 || json.Unmarshal([]byte(evs[0].After), &after) != nil {
				t.Fatalf("the last flip's audit entry: %v, %v", evs, err)
			}
			return after
		}
		steps := []struct {
			state, fallback, reason string
			reaffirmed              bool
		}{
			{lodestar.SwitchFallback, "bestsellers", "Drift alert", false},
			{lodestar.SwitchFallback, "bestsellers", "Still drifting: reviewed weekly", true},
			{lodestar.SwitchFallback, "rules-v3", "Rules instead", false},
			{lodestar.SwitchOn, "", "Retrained", false},
			{lodestar.SwitchOn, "", "Quarterly review: keep serving", true},
		}
		for i, st := range steps {
			sw, err := f.s.FlipSwitch(f.ctx, "recsys", st.state, st.fallback, st.reason)
			if err != nil {
				t.Fatalf("flip %d: %v", i, err)
			}
			if sw.Version != int64(i+2) || sw.Reason != st.reason || sw.Reaffirmed != st.reaffirmed {
				t.Errorf("flip %d (%s %s): %+v, want version %d, reaffirmed %v", i, st.state, st.fallback, sw, i+2, st.reaffirmed)
			}
			if got, _ := f.s.FindSwitch(f.ctx, "recsys"); got == nil || got.Reaffirmed != st.reaffirmed {
				t.Errorf("flip %d read back: %+v, want reaffirmed %v", i, got, st.reaffirmed)
			}
			if a := lastAfter(); a.Reaffirmed != st.reaffirmed || a.Version != sw.Version {
				t.Errorf("flip %d's audit entry: after %+v, want reaffirmed %v", i, a, st.reaffirmed)
			}
		}
		f.verify(int64(f.auditCount()))
	})
}
