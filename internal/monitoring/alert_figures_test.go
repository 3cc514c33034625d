package monitoring

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// accuracyDays makes daily windows with these accuracies, each breaching
// accuracy below 0.72.
func accuracyDays(t0 time.Time, acc ...float64) []*lodestar.WindowResult {
	var out []*lodestar.WindowResult
	for i, v := range acc {
		w := &lodestar.WindowResult{Start: t0.AddDate(0, 0, i), End: t0.AddDate(0, 0, i+1), Events: 100,
			Metrics: map[string]float64{"accuracy": v}, Breaches: []string{}}
		if v < 0.72 {
			w.Breaches = []string{"accuracy"}
		}
		out = append(out, w)
	}
	return out
}

// TestAlertFiguresAreItsOpeningWindows: an alert is dated from its
// breach's first window, and reports that window's figures — not those of
// the window that made the breach long enough to alert (the demo's recsys
// accuracy alert read "Opened 1 Sep 2026 … Accuracy 0.687", 0.687 being
// 3 Sep's figure, the third breaching window; 1 Sep's was 0.680).
func TestAlertFiguresAreItsOpeningWindows(t *testing.T) {
	t0 := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	m := &lodestar.Monitor{Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.72}, AlertAfter: 3}
	check := func(name string, a *lodestar.Alert, opened time.Time, value float64, msg string) {
		t.Helper()
		if !a.OpenedAt.Equal(opened) || a.Value != value || a.Threshold != 0.72 || a.Message != msg {
			t.Errorf("%s: opened %v, value %v, threshold %v, message %q; want %v, %v, 0.72, %q", name, a.OpenedAt, a.Value, a.Threshold, a.Message, opened, value, msg)
		}
	}

	ws := accuracyDays(t0, 0.80, 0.680, 0.700, 0.687, 0.69)
	ev := Decide(m, nil, nil, false, ws)
	if len(ev.Opened) != 1 {
		t.Fatalf("got %d alerts opened, want 1", len(ev.Opened))
	}
	check("in one run", ev.Opened[0], ws[1].Start, 0.680, "Accuracy 0.680 is below 0.720.")

	// The breach's first window stored by an earlier run: its figures still.
	ev = Decide(m, nil, ws[:3], false, ws[3:])
	if len(ev.Opened) != 1 {
		t.Fatalf("across runs: got %d alerts opened, want 1", len(ev.Opened))
	}
	check("across runs", ev.Opened[0], ws[1].Start, 0.680, "Accuracy 0.680 is below 0.720.")

	// Recomputed windows (late labels) show the breach starting a window
	// earlier: the alert is redated, and its figures move with the date.
	open := &lodestar.Alert{ID: 9, Kind: "accuracy", Status: lodestar.AlertOpen, OpenedAt: ws[2].Start, Value: 0.700, Threshold: 0.72,
		Message: "Accuracy 0.700 is below 0.720."}
	ev = Decide(m, []*lodestar.Alert{open}, nil, false, ws)
	if len(ev.Opened) != 0 || len(ev.Corrected) != 1 || ev.Corrected[0].ID != 9 {
		t.Fatalf("redated: opened %+v, corrected %+v; want alert 9 corrected", ev.Opened, ev.Corrected)
	}
	check("redated", ev.Corrected[0], ws[1].Start, 0.680, "Accuracy 0.680 is below 0.720.")

	// Decided again on the same windows, it is left as it is.
	ev = Decide(m, []*lodestar.Alert{ev.Corrected[0]}, nil, false, ws)
	if len(ev.Opened)+len(ev.Corrected)+len(ev.Resolved)+len(ev.Reopened) != 0 {
		t.Errorf("decided again: %+v, want nothing changed", ev)
	}
}
