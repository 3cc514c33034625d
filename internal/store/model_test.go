package store_test

import (
	"math"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

func TestModelRegistry(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Recommender"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "recsys", Name: "Recommender"})
		if err != nil {
			t.Fatalf("CreateModel: %v", err)
		}
		wantEvent(t, f.lastEvent(), adminActor, "create", "model", m.ID)

		before := f.counts()
		for name, in := range map[string]lodestar.Model{
			"bad key":          {UseCaseID: uc.ID, Key: "Rec Sys!", Name: "x"},
			"reserved key":     {UseCaseID: uc.ID, Key: "stream", Name: "x"}, // GET /api/v1/switches/stream is the event stream
			"no use case":      {Key: "a", Name: "x"},
			"unknown use case": {UseCaseID: 9999, Key: "b", Name: "x"},
			"no name":          {UseCaseID: uc.ID, Key: "c"},
		} {
			_, err := f.s.CreateModel(f.ctx, in)
			if lodestar.ErrorCode(err) != lodestar.EInvalid {
				t.Errorf("%s: got %v, want invalid", name, err)
			}
		}
		_, err = f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "recsys", Name: "Again"})
		wantError(t, err, lodestar.EConflict, "key")
		_, err = f.s.UpdateModel(f.ctx, m.ID, lodestar.Model{UseCaseID: uc.ID, Key: "other", Name: "x"})
		wantError(t, err, lodestar.EInvalid, "key")
		f.wantUnchanged(before)

		v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0",
			Card: lodestar.ModelCard{IntendedUse: "Rank products", EvaluationMetrics: map[string]float64{"ndcg@10": 0.41}}})
		if err != nil {
			t.Fatalf("CreateModelVersion: %v", err)
		}
		if v.Status != lodestar.ModelDevelopment || v.Card.EvaluationMetrics["ndcg@10"] != 0.41 {
			t.Errorf("new version: got %+v, want development with its card", v)
		}
		before = f.counts()
		_, err = f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
		wantError(t, err, lodestar.EConflict, "version")
		_, err = f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: " "})
		wantError(t, err, lodestar.EInvalid, "version")
		_, err = f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "2", Card: lodestar.ModelCard{EvaluationMetrics: map[string]float64{"auc": math.NaN()}}})
		wantError(t, err, lodestar.EInvalid, "card.evaluation_metrics.auc")
		_, err = f.s.CreateModelVersion(f.ctx, 9999, lodestar.ModelVersion{Version: "1"})
		wantError(t, err, lodestar.ENotFound)
		f.wantUnchanged(before)

		// The lifecycle, with the reason kept and audited.
		steps := []struct {
			to, reason string
			code       string
		}{
			{lodestar.ModelProduction, "skip staging", lodestar.EInvalid},
			{lodestar.ModelStaging, "", lodestar.EInvalid},
			{lodestar.ModelStaging, "offline metrics pass", ""},
			{lodestar.ModelProduction, "A/B test shipped", ""},
			{lodestar.ModelDevelopment, "rollback after drift", ""},
			{lodestar.ModelStaging, "retrained", ""},
			{lodestar.ModelProduction, "again", ""},
			{lodestar.ModelRetired, "replaced by 2.0", ""},
			{lodestar.ModelDevelopment, "revive", lodestar.EInvalid},
			{"shipping", "x", lodestar.EInvalid},
		}
		for _, st := range steps {
			got, err := f.s.SetModelVersionStatus(f.ctx, v.ID, st.to, st.reason)
			if st.code != "" {
				if lodestar.ErrorCode(err) != st.code {
					t.Errorf("to %s (%q): got %v, want %s", st.to, st.reason, err, st.code)
				}
				continue
			}
			if err != nil {
				t.Fatalf("to %s: %v", st.to, err)
			}
			if got.Status != st.to || got.StatusReason != st.reason {
				t.Errorf("to %s: got %s %q, want %s %q", st.to, got.Status, got.StatusReason, st.to, st.reason)
			}
			wantEvent(t, f.lastEvent(), adminActor, "set_status", "model_version", v.ID)
		}

		card, err := f.s.UpdateModelCard(f.ctx, v.ID, lodestar.ModelCard{Limitations: "cold-start users"})
		if err != nil || card.Card.Limitations != "cold-start users" {
			t.Errorf("UpdateModelCard: got %+v, %v", card, err)
		}
		vs, err := f.s.ListModelVersions(f.ctx, m.ID)
		if err != nil || len(vs) != 1 {
			t.Errorf("ListModelVersions: got %d, %v; want 1", len(vs), err)
		}
		ms, err := f.s.ListModels(f.ctx, uc.ID)
		if err != nil || len(ms) != 1 || ms[0].Key != "recsys" {
			t.Errorf("ListModels: got %v, %v", ms, err)
		}
		f.verify(int64(f.auditCount()))
	})
}

func TestCheckModelTransition(t *testing.T) {
	statuses := lodestar.ModelStatuses
	allowed := map[[2]string]bool{
		{"development", "staging"}: true, {"staging", "production"}: true, {"production", "retired"}: true,
		{"staging", "development"}: true, {"production", "development"}: true,
		{"development", "retired"}: true, {"staging", "retired"}: true,
	}
	for _, from := range statuses {
		for _, to := range statuses {
			err := portfolio.CheckModelTransition(from, to, "why")
			if got := err == nil; got != allowed[[2]string{from, to}] {
				t.Errorf("%s → %s: got allowed %v, want %v", from, to, got, allowed[[2]string{from, to}])
			}
		}
	}
}
