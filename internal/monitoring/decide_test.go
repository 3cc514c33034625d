package monitoring

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// windows makes hourly windows from a pattern: B breaches accuracy, G is
// good, U has no labels (cannot judge accuracy).
func windows(pattern string) []*lodestar.WindowResult {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []*lodestar.WindowResult
	for i, c := range pattern {
		w := &lodestar.WindowResult{Start: t0.Add(time.Duration(i) * time.Hour), End: t0.Add(time.Duration(i+1) * time.Hour),
			Events: 100, Metrics: map[string]float64{}, Breaches: []string{}}
		switch c {
		case 'B':
			w.Metrics["accuracy"] = 0.5
			w.Breaches = []string{"accuracy"}
		case 'G':
			w.Metrics["accuracy"] = 0.9
		}
		out = append(out, w)
	}
	return out
}

func TestDecideHysteresis(t *testing.T) {
	m := &lodestar.Monitor{Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}, AlertAfter: 2, ResolveAfter: 2}
	ws := windows("BBGBGGB")
	ev := Decide(m, nil, nil, false, ws)
	// Opened at window 1, dated from the start of its breach (window 0).
	if len(ev.Opened) != 1 || !ev.Opened[0].OpenedAt.Equal(ws[0].Start) || ev.Opened[0].Status != lodestar.AlertResolved || !ev.Opened[0].ResolvedAt.Equal(ws[5].Start) {
		t.Fatalf("got %+v; want one alert for the breach from window 0, resolved at window 5", ev.Opened)
	}
	// Unlabelled windows neither break a bad streak nor count as good.
	ev = Decide(m, nil, nil, false, windows("BUB"))
	if len(ev.Opened) != 1 || !ev.Opened[0].OpenedAt.Equal(windows("BUB")[0].Start) || ev.Opened[0].Status == lodestar.AlertResolved {
		t.Errorf("BUB: got %+v; want one open alert, its breach from window 0", ev.Opened)
	}
	// Streaks continue across runs through the recent windows.
	ev = Decide(m, nil, windows("B"), false, windows("xB")[1:])
	if len(ev.Opened) != 1 {
		t.Errorf("across runs: got %+v; want the second bad window to open the alert", ev.Opened)
	}
	// An open alert is resolved, not opened again.
	open := &lodestar.Alert{ID: 7, Kind: "accuracy", Status: lodestar.AlertOpen}
	ev = Decide(m, []*lodestar.Alert{open}, nil, false, windows("BGG"))
	if len(ev.Opened) != 0 || len(ev.Resolved) != 1 || ev.Resolved[0].ID != 7 {
		t.Errorf("open alert: got opened %+v resolved %+v", ev.Opened, ev.Resolved)
	}
}

func TestDecideRetraining(t *testing.T) {
	m := &lodestar.Monitor{Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}, RetrainAfter: 3}
	ev := Decide(m, nil, nil, false, windows("BBGBBB"))
	if len(ev.Tasks) != 1 || !ev.Tasks[0].OpenedAt.Equal(windows("BBGBBB")[5].End) || ev.Tasks[0].Before["accuracy"] != 0.5 {
		t.Fatalf("got %+v; want one task after the third bad window in a row", ev.Tasks)
	}
	if ev := Decide(m, nil, nil, true, windows("BBBBBB")); len(ev.Tasks) != 0 {
		t.Errorf("a task is already open: got %+v, want none", ev.Tasks)
	}
	if ev := Decide(&lodestar.Monitor{Thresholds: m.Thresholds}, nil, nil, false, windows("BBBBBB")); len(ev.Tasks) != 0 {
		t.Errorf("retrain_after 0: got %+v, want none", ev.Tasks)
	}
}

func TestBreaches(t *testing.T) {
	th := lodestar.MonitorThresholds{MinAccuracy: 0.8, MaxLatencyP95MS: 100, MinEvents: 10, MaxEvents: 1000, Drift: true}
	w := &lodestar.WindowResult{Events: 5, Metrics: map[string]float64{"accuracy": 0.79, "latency_p95": 101}, DatasetDrift: true}
	if got := Breaches(w, th); len(got) != 4 {
		t.Errorf("got %v, want all four", got)
	}
	w = &lodestar.WindowResult{Events: 10, Metrics: map[string]float64{"accuracy": 0.8, "latency_p95": 100}}
	if got := Breaches(w, th); len(got) != 0 {
		t.Errorf("at the thresholds: got %v, want none (limits are inclusive)", got)
	}
	if got := Breaches(&lodestar.WindowResult{Events: 2000, Metrics: map[string]float64{}}, lodestar.MonitorThresholds{MaxEvents: 1000}); len(got) != 1 || got[0] != "volume" {
		t.Errorf("too many events: got %v", got)
	}
}

// Windows recomputed from before an open alert's breach (late labels for
// earlier hours, all good) do not resolve it: it resolved at a time
// before it opened, and the breach, still running, opened a second alert.
func TestDecideRecomputedBeforeOpenAlert(t *testing.T) {
	m := &lodestar.Monitor{Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}
	ws := windows("GGB")
	open := &lodestar.Alert{ID: 7, Kind: "accuracy", Status: lodestar.AlertOpen, OpenedAt: ws[2].Start}
	ev := Decide(m, []*lodestar.Alert{open}, nil, false, ws)
	if len(ev.Opened) != 0 || len(ev.Resolved) != 0 {
		t.Fatalf("opened %+v, resolved %+v; want the open alert left open, none opened", ev.Opened, ev.Resolved)
	}
	// A good window after its breach still resolves it.
	ws = windows("GGBG")
	open = &lodestar.Alert{ID: 7, Kind: "accuracy", Status: lodestar.AlertOpen, OpenedAt: ws[2].Start}
	ev = Decide(m, []*lodestar.Alert{open}, nil, false, ws)
	if len(ev.Opened) != 0 || len(ev.Resolved) != 1 || !ev.Resolved[0].ResolvedAt.Equal(ws[3].Start) {
		t.Fatalf("opened %+v, resolved %+v; want alert 7 resolved at window 3", ev.Opened, ev.Resolved)
	}
}

// An alert resolved by its version's retirement is history as it stands:
// windows recomputed over its breach neither open it again nor open a
// second alert for the breach.
func TestDecideRetiredAlertStaysResolved(t *testing.T) {
	m := &lodestar.Monitor{Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}
	ws := windows("BBB")
	retired := &lodestar.Alert{ID: 7, Kind: "accuracy", Status: lodestar.AlertResolved, OpenedAt: ws[0].Start,
		ResolvedAt: ws[1].Start, Resolution: lodestar.ResolutionRetired}
	ev := Decide(m, []*lodestar.Alert{retired}, nil, false, ws)
	if len(ev.Opened)+len(ev.Resolved)+len(ev.Reopened)+len(ev.Corrected) != 0 || retired.Status != lodestar.AlertResolved {
		t.Errorf("opened %+v, resolved %+v, reopened %+v, corrected %+v; want nothing", ev.Opened, ev.Resolved, ev.Reopened, ev.Corrected)
	}
}

// Each recorded alert is matched with one breach: two breaches overlapping
// one resolved alert are that alert (redated to the first) and a new one,
// and an open alert no breach overlaps is withdrawn, not deleted.
func TestDecideMatchesEachAlertOnce(t *testing.T) {
	m := &lodestar.Monitor{Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}
	ws := windows("BGBG")
	old := &lodestar.Alert{ID: 7, Kind: "accuracy", Status: lodestar.AlertResolved, OpenedAt: ws[0].Start, ResolvedAt: ws[3].Start, Resolution: lodestar.ResolutionRecovered}
	ev := Decide(m, []*lodestar.Alert{old}, nil, false, ws)
	if len(ev.Corrected) != 1 || ev.Corrected[0].ID != 7 || !ev.Corrected[0].ResolvedAt.Equal(ws[1].Start) {
		t.Errorf("corrected %+v; want alert 7 resolved at window 1", ev.Corrected)
	}
	if len(ev.Opened) != 1 || !ev.Opened[0].OpenedAt.Equal(ws[2].Start) || ev.Opened[0].Status != lodestar.AlertResolved {
		t.Errorf("opened %+v; want the breach of window 2, opened and resolved (history)", ev.Opened)
	}
	ws = windows("GG")
	open := &lodestar.Alert{ID: 8, Kind: "accuracy", Status: lodestar.AlertOpen, OpenedAt: ws[1].Start}
	ev = Decide(m, []*lodestar.Alert{open}, nil, false, ws)
	if len(ev.Resolved) != 1 || ev.Resolved[0].Resolution != lodestar.ResolutionWithdrawn || !ev.Resolved[0].ResolvedAt.Equal(ws[1].Start) {
		t.Errorf("resolved %+v; want alert 8 withdrawn at its start", ev.Resolved)
	}
}

// Decided again (a recomputation), an alert opened before the first
// window is a breach already running only when the stored windows before
// it show AlertAfter breaching windows in a row: otherwise it is matched
// as one opened within the windows. Decided on new windows, an open alert
// is the breach it was opened for, whatever the stored windows.
func TestDecideAgainJudgesTheStoredWindows(t *testing.T) {
	m := &lodestar.Monitor{Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}, AlertAfter: 2}
	ws := windows("BGB")
	openAt := func() *lodestar.Alert {
		return &lodestar.Alert{ID: 7, Kind: "accuracy", Status: lodestar.AlertOpen, OpenedAt: ws[0].Start}
	}
	// One breaching window before the first: the breach never ran.
	ev := decide(m, []*lodestar.Alert{openAt()}, ws[:1], false, ws[1:], true)
	if len(ev.Opened) != 0 || len(ev.Resolved) != 1 || ev.Resolved[0].Resolution != lodestar.ResolutionWithdrawn || !ev.Resolved[0].ResolvedAt.Equal(ws[0].Start) {
		t.Errorf("again: opened %+v, resolved %+v; want alert 7 withdrawn at its start", ev.Opened, ev.Resolved)
	}
	// The same as deciding from window 0.
	if ev := decide(m, []*lodestar.Alert{openAt()}, nil, false, ws, true); len(ev.Opened) != 0 || len(ev.Resolved) != 1 || ev.Resolved[0].Resolution != lodestar.ResolutionWithdrawn {
		t.Errorf("again from window 0: opened %+v, resolved %+v; want alert 7 withdrawn", ev.Opened, ev.Resolved)
	}
	// Not decided again: the open alert is followed and recovers.
	ev = decide(m, []*lodestar.Alert{openAt()}, ws[:1], false, ws[1:], false)
	if len(ev.Resolved) != 1 || ev.Resolved[0].Resolution != lodestar.ResolutionRecovered || !ev.Resolved[0].ResolvedAt.Equal(ws[1].Start) {
		t.Errorf("new windows: resolved %+v; want alert 7 recovered at window 1", ev.Resolved)
	}
	// Two breaching windows before the first: running, it recovers.
	ws = windows("BBG")
	ev = decide(m, []*lodestar.Alert{openAt()}, ws[:2], false, ws[2:], true)
	if len(ev.Resolved) != 1 || ev.Resolved[0].Resolution != lodestar.ResolutionRecovered || !ev.Resolved[0].ResolvedAt.Equal(ws[2].Start) {
		t.Errorf("again after a breach: resolved %+v; want alert 7 recovered at window 2", ev.Resolved)
	}
	// Stored windows that do not reach back to the alert's opening (pruned)
	// cannot tell: it is taken as running.
	ev = decide(m, []*lodestar.Alert{openAt()}, ws[1:2], false, ws[2:], true)
	if len(ev.Resolved) != 1 || ev.Resolved[0].Resolution != lodestar.ResolutionRecovered {
		t.Errorf("stored windows after its opening: resolved %+v; want alert 7 recovered", ev.Resolved)
	}
	// A breach the stored windows show running with no alert (alert_after
	// lowered since): it opens one, dated from its first window.
	ev = decide(m, nil, ws[:2], false, ws[2:], true)
	if len(ev.Opened) != 1 || !ev.Opened[0].OpenedAt.Equal(ws[0].Start) || !ev.Opened[0].ResolvedAt.Equal(ws[2].Start) {
		t.Errorf("unrecorded breach: opened %+v; want one from window 0, resolved at window 2", ev.Opened)
	}
}
