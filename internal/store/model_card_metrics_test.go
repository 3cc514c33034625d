package store_test

import (
	"maps"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestModelCardQualityMetrics: the card's metrics named as monitors name
// their quality metrics are what a retraining task closes with as its
// "after" figures, so they are held to what those metrics are: accuracy,
// precision, recall, F1 and AUC a share from 0 to 1 (85 for 85% closed a
// task at "0.64 → 85"), log loss, MAE and RMSE never negative — in any
// letter case, as a task reads "Accuracy" as accuracy. Other metrics are
// free, and a card refused is not saved, on the create and the edit alike.
func TestModelCardQualityMetrics(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Recommender"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "recs", Name: "recs"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		before := f.counts()
		for _, c := range []struct {
			metrics map[string]float64
			want    string // the bad metric: its field's key and in its message
		}{
			{map[string]float64{"accuracy": 85}, "accuracy"},
			{map[string]float64{"auc": 1.5}, "auc"},
			{map[string]float64{"f1": -0.1}, "f1"},
			{map[string]float64{"log_loss": -1}, "log_loss"},
			{map[string]float64{"rmse": -0.5}, "rmse"},
			{map[string]float64{"accuracy": 0.8, "mae": -3, "ndcg@10": 0.4}, "mae"},
			{map[string]float64{"Accuracy": 85}, "Accuracy"},
			{map[string]float64{"AUC": 0.9, "RMSE": -1}, "RMSE"},
		} {
			card := lodestar.ModelCard{IntendedUse: "ranking", EvaluationMetrics: c.metrics}
			_, err := f.s.UpdateModelCard(f.ctx, v.ID, card)
			msg := lodestar.ErrorFields(err)["card.evaluation_metrics."+c.want]
			if lodestar.ErrorCode(err) != lodestar.EInvalid || !strings.Contains(msg, c.want) {
				t.Errorf("card metrics %v: got %v (%q); want refused naming %s", c.metrics, err, msg, c.want)
			}
			if _, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "2.0", Card: card}); lodestar.ErrorCode(err) != lodestar.EInvalid {
				t.Errorf("new version with card metrics %v: got %v; want refused", c.metrics, err)
			}
		}
		f.wantUnchanged(before)
		ok := map[string]float64{"accuracy": 0, "auc": 1, "f1": 0.5, "log_loss": 36.04, "mae": 12.5, "rmse": 0, "ndcg@10": 7, "lift": -2, "AUC": 0.91}
		got, err := f.s.UpdateModelCard(f.ctx, v.ID, lodestar.ModelCard{EvaluationMetrics: ok})
		if err != nil || len(got.Card.EvaluationMetrics) != len(ok) {
			t.Fatalf("card metrics %v: got %+v, %v", ok, got, err)
		}
	})
}

// TestModelCardEveryBadMetric: a card with several bad metrics is refused
// naming each, under its own name — a blank name under
// "card.evaluation_metrics." — each with its whole message, not the last
// one found.
func TestModelCardEveryBadMetric(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Recommender"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "recs", Name: "recs"})
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		share := "accuracy is a share from 0 to 1, not 85: write a percentage as a fraction (0.85, not 85)."
		blank := "Each metric needs a name of at most 100 characters and a finite number."
		before := f.counts()
		for _, c := range []struct {
			metrics map[string]float64
			want    map[string]string
		}{
			{map[string]float64{"AUC": 0.91, "mae": -1, "accuracy": 85},
				map[string]string{"card.evaluation_metrics.mae": "mae is never negative, not -1.", "card.evaluation_metrics.accuracy": share}},
			{map[string]float64{"zz": 1, "": 2, "accuracy": 85},
				map[string]string{"card.evaluation_metrics.": blank, "card.evaluation_metrics.accuracy": share}},
		} {
			_, err := f.s.UpdateModelCard(f.ctx, v.ID, lodestar.ModelCard{EvaluationMetrics: c.metrics})
			if got := lodestar.ErrorFields(err); lodestar.ErrorCode(err) != lodestar.EInvalid || !maps.Equal(got, c.want) {
				t.Errorf("card metrics %v: got %v, fields %q; want refused with %q", c.metrics, err, got, c.want)
			}
		}
		f.wantUnchanged(before)
	})
}
