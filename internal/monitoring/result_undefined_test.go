package monitoring

import (
	"math"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
)

// A window whose labels are all of one class has no ROC AUC (sklearn's
// roc_auc_score raises) and no recall when none is positive: the stored
// result leaves them out, so the health page and the API show no figure
// rather than 0, and keeps the figures that are defined. Scores of
// exactly 0 and 1 give a finite log loss, clipped as sklearn's: labels
// [0 0 0 0 0], scores [0 1 0.3 1 0.5] —
// /usr/bin/python3 -c "from sklearn.metrics import log_loss; print(log_loss([0]*5, [0, 1, 0.3, 1, 0.5], labels=[0, 1]))"
// prints 14.627425780546599 (testdata "one-class-extreme" in
// internal/engine/monitor).
func TestResultLeavesUndefinedOut(t *testing.T) {
	s := monitor.Schema{Task: monitor.TaskBinary}
	l, err := monitor.NewLayout(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := monitor.NewWindow(l)
	for _, score := range []float64{0, 1, 0.3, 1, 0.5} {
		ev := s.NewEvent()
		ev.Score, ev.Label = score, 0
		if err := w.Add(&ev); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Result(w, monitor.NewWindow(l), monitor.Thresholds{}, &lodestar.Monitor{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"auc", "recall", "mae", "rmse", "latency_p50"} {
		if v, ok := res.Metrics[k]; ok {
			t.Errorf("%s = %v stored; want it left out (undefined)", k, v)
		}
	}
	want := map[string]float64{"accuracy": 0.4, "precision": 0, "f1": 0, "positive_rate": 0.6, "mean_score": 0.56, "log_loss": 14.627425780546599}
	for k, v := range want {
		got, ok := res.Metrics[k]
		if !ok || math.Abs(got-v) > 1e-12*math.Max(1, v) {
			t.Errorf("%s = %v (stored %v), want %v", k, got, ok, v)
		}
	}
}
