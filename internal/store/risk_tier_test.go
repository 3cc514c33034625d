package store_test

import (
	"encoding/json"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestSetRiskTier: an assessed tier re-scores the use case (high halves
// its score) and is audited with its reason; an unknown or "unassessed"
// tier, a missing reason, an archived use case and a failing audit write
// change nothing.
func TestSetRiskTier(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		w := newWorld(f)
		uc, err := f.s.CreateUseCase(f.ctx, w.aligned)
		if err != nil {
			t.Fatal(err)
		}
		if uc.RiskTier != "unassessed" || uc.Score != 6.4 {
			t.Fatalf("new use case: tier %q score %v, want unassessed 6.4", uc.RiskTier, uc.Score)
		}
		unchanged := func(label string) {
			t.Helper()
			got, err := f.s.FindUseCaseByID(f.ctx, uc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.RiskTier != "unassessed" || got.Score != 6.4 {
				t.Errorf("%s: tier %q score %v, want it unchanged (unassessed, 6.4)", label, got.RiskTier, got.Score)
			}
		}
		for _, tc := range []struct{ tier, reason, field string }{
			{"severe", "Annex III", "risk_tier"},
			{"unassessed", "Annex III", "risk_tier"},
			{"", "Annex III", "risk_tier"},
			{"high", "  ", "reason"},
			{"high", repeat("x", 2001), "reason"},
		} {
			n := f.auditCount()
			_, err := f.s.SetRiskTier(f.ctx, uc.ID, tc.tier, tc.reason)
			wantError(t, err, lodestar.EInvalid, tc.field)
			if f.auditCount() != n {
				t.Errorf("tier %q: a refused assessment was audited", tc.tier)
			}
			unchanged("tier " + tc.tier)
		}
		_, err = f.s.SetRiskTier(f.ctx, 99999, "high", "Annex III")
		wantError(t, err, lodestar.ENotFound)

		remove := injectAuditFailure(t, db, "audit_log")
		_, err = f.s.SetRiskTier(f.ctx, uc.ID, "high", "Annex III")
		remove()
		if err == nil {
			t.Error("the audit write failed, yet the assessment was saved")
		}
		unchanged("audit failure")

		got, err := f.s.SetRiskTier(f.ctx, uc.ID, "high", " Scores people's creditworthiness: EU AI Act Annex III 5(b). ")
		if err != nil {
			t.Fatal(err)
		}
		want := portfolio.Score(w.aligned.ValueEstimate, w.aligned.CostEstimate, w.aligned.Feasibility, "high")
		if got.RiskTier != "high" || got.Score != want || want != 3.2 {
			t.Errorf("assessed high: tier %q score %v, want high %v (6.4 ÷ 2)", got.RiskTier, got.Score, want)
		}
		ev := f.lastEvent()
		wantEvent(t, ev, adminActor, "assess_risk", "use_case", uc.ID)
		var after struct {
			RiskTier   string `json:"risk_tier"`
			Title      string `json:"title"`
			RiskReason string `json:"risk_reason"`
		}
		if err := json.Unmarshal([]byte(ev.After), &after); err != nil {
			t.Fatal(err)
		}
		if after.RiskTier != "high" || after.Title != "Recommendations" || after.RiskReason != "Scores people's creditworthiness: EU AI Act Annex III 5(b)." {
			t.Errorf("audit entry: %+v; want the tier, the use case and the reason", after)
		}
		// An edit keeps the assessed tier and its score.
		if got, err = f.s.UpdateUseCase(f.ctx, uc.ID, w.aligned); err != nil || got.RiskTier != "high" || got.Score != 3.2 {
			t.Errorf("after an edit: %+v, %v; want high, 3.2", got, err)
		}
		if _, err := f.s.ArchiveUseCase(f.ctx, uc.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.SetRiskTier(f.ctx, uc.ID, "minimal", "Reassessed")
		wantError(t, err, lodestar.EConflict)
	})
}
