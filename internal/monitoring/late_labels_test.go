package monitoring_test

import (
	"fmt"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// Labels sent later (POST …/labels), then the windows recomputed (POST
// …/evaluate with from): the accuracy they show is decided on — an
// alert opens when the late labels show a breach, resolves when later
// ones show recovery — and deciding the same windows again records no
// breach twice. Deciding only never-seen windows, whose labels had not
// come when they closed, no accuracy alert ever opened.
func TestLateLabelsDecideAlerts(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, "")
	svc := &monitoring.Service{Store: e.st}
	addUnlabelledHours(t, e, 2)
	now := e.t0.Add(2*time.Hour + time.Second)
	if out, err := svc.Evaluate(e.ctx, m.ID, now, time.Time{}); err != nil {
		t.Fatal(err)
	} else if len(out.Opened) != 0 {
		t.Fatalf("unlabelled windows opened %+v", out.Opened)
	}
	label := func(h int, y string) { t.Helper(); labelHour(t, e, h, y) }
	openAlerts := func() []*lodestar.Alert {
		t.Helper()
		as, err := e.st.ListAlerts(e.ctx, e.model, true)
		if err != nil {
			t.Fatal(err)
		}
		return as
	}

	// Hour 0's labels come: every prediction (0.9) was wrong.
	label(0, "0")
	out, err := svc.Evaluate(e.ctx, m.ID, now, e.t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Opened) != 1 || out.Opened[0].Kind != "accuracy" || !out.Opened[0].OpenedAt.Equal(e.t0) {
		t.Fatalf("recomputed with late labels: opened %+v; want one accuracy alert opened at %s", out.Opened, e.t0)
	}
	if open := openAlerts(); len(open) != 1 || open[0].Kind != "accuracy" {
		t.Fatalf("open alerts after the recomputation: %+v; want the accuracy alert", open)
	}

	// Hour 1's labels come: every prediction was right; it resolves.
	label(1, "1")
	out, err = svc.Evaluate(e.ctx, m.ID, now, e.t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Resolved) != 1 || !out.Resolved[0].ResolvedAt.Equal(e.t0.Add(time.Hour)) {
		t.Fatalf("recomputed with good late labels: resolved %+v; want the accuracy alert resolved at %s", out.Resolved, e.t0.Add(time.Hour))
	}
	if open := openAlerts(); len(open) != 0 {
		t.Fatalf("open alerts after recovery: %+v; want none", open)
	}

	// Both hours again: the breach is recorded already.
	out, err = svc.Evaluate(e.ctx, m.ID, now, e.t0)
	if err != nil {
		t.Fatalf("deciding recorded windows again: %v", err)
	}
	if len(out.Opened)+len(out.Resolved) != 0 {
		t.Errorf("deciding the same windows again opened %+v, resolved %+v; want nothing new", out.Opened, out.Resolved)
	}
	all, err := e.st.ListAlerts(e.ctx, e.model, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 {
		t.Errorf("alerts after three decisions on one breach: %d (%+v); want 1", len(all), all)
	}
}

// Late labels for hours before an open alert's breach, all good, leave
// the alert open: recomputed, those hours resolved it at a time before it
// opened, and the breach still running opened a second alert (a resolved
// and an opened webhook for one breach that never ended).
func TestLateLabelsBeforeAnOpenAlert(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, "")
	svc := &monitoring.Service{Store: e.st}
	addUnlabelledHours(t, e, 3)
	label := func(h int, y string) { t.Helper(); labelHour(t, e, h, y) }
	now := e.t0.Add(3*time.Hour + time.Second)
	// Hour 2's labels come first: every prediction (0.9) was wrong.
	label(2, "0")
	out, err := svc.Evaluate(e.ctx, m.ID, now, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	breach := e.t0.Add(2 * time.Hour)
	if len(out.Opened) != 1 || !out.Opened[0].OpenedAt.Equal(breach) {
		t.Fatalf("opened %+v; want one accuracy alert opened at %s", out.Opened, breach)
	}
	// Hours 0 and 1's labels come later: right, before the breach.
	label(0, "1")
	label(1, "1")
	out, err = svc.Evaluate(e.ctx, m.ID, now, e.t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Opened)+len(out.Resolved) != 0 {
		t.Errorf("recomputed with good labels before the breach: opened %+v, resolved %+v; want nothing", out.Opened, out.Resolved)
	}
	all, err := e.st.ListAlerts(e.ctx, e.model, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].Status != lodestar.AlertOpen || !all[0].OpenedAt.Equal(breach) {
		t.Errorf("alerts: %+v; want the one opened at %s, still open", all, breach)
	}
}

// addUnlabelledHours stores ten unlabelled events in each of the first n
// hours from e.t0, with IDs h<hour>-<i>.
func addUnlabelledHours(t *testing.T, e *env, n int) {
	t.Helper()
	for h := range n {
		var evs []lodestar.StoredEvent
		for i := range 10 {
			evs = append(evs, evUnlabelled(fmt.Sprintf("h%d-%d", h, i), e.t0.Add(time.Duration(h)*time.Hour+time.Duration(i)*time.Minute)))
		}
		e.add(t, evs...)
	}
}

// labelHour attaches label y, late, to hour h's ten events.
func labelHour(t *testing.T, e *env, h int, y string) {
	t.Helper()
	var ls []lodestar.EventLabel
	for i := range 10 {
		ls = append(ls, lodestar.EventLabel{ID: fmt.Sprintf("h%d-%d", h, i), Label: []byte(y)})
	}
	if _, err := e.st.AttachLabels(e.ctx, e.model, ls); err != nil {
		t.Fatal(err)
	}
}

// TestLoopRecomputesLateLabels: labels sent for windows evaluated already
// reach their accuracy on the loop's next run (EvaluateAll) — the windows
// are recomputed from the earliest event labelled and the alert decided —
// without anyone asking for a recomputation; the run after that has
// nothing left to recompute.
func TestLoopRecomputesLateLabels(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnvOn(t, d, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
		m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, "")
		svc := &monitoring.Service{Store: e.st}
		addUnlabelledHours(t, e, 2)
		now := e.t0.Add(2*time.Hour + time.Second)
		svc.EvaluateAll(e.ctx, now)
		window := func() *lodestar.WindowResult {
			t.Helper()
			ws, err := e.st.ListWindows(e.ctx, m.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range ws {
				if w.Start.Equal(e.t0) {
					return w
				}
			}
			t.Fatalf("no window at %s in %+v", e.t0, ws)
			return nil
		}
		if w := window(); w.Labelled != 0 {
			t.Fatalf("before the labels: %d labelled; want 0", w.Labelled)
		}
		labelHour(t, e, 0, "0") // every prediction (0.9) was wrong
		svc.EvaluateAll(e.ctx, now)
		if w := window(); w.Labelled != 10 || w.Metrics["accuracy"] != 0 {
			t.Errorf("after the late labels and a loop run: %d labelled, accuracy %v; want 10, 0", w.Labelled, w.Metrics["accuracy"])
		}
		open, err := e.st.ListAlerts(e.ctx, e.model, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].Kind != "accuracy" || !open[0].OpenedAt.Equal(e.t0) {
			t.Errorf("open alerts after the loop run: %+v; want one accuracy alert opened at %s", open, e.t0)
		}
		got, err := e.st.FindMonitorByID(e.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.RelabeledFrom.IsZero() {
			t.Errorf("late labels still pending after the recomputation: from %s", got.RelabeledFrom)
		}
		// A label written between the loop's read and its clearing is
		// not forgotten: the clear takes the mark read.
		labelHour(t, e, 1, "1")
		if err := e.st.ClearRelabel(e.ctx, m.ID, got.RelabelMark); err != nil {
			t.Fatal(err)
		}
		if again, err := e.st.FindMonitorByID(e.ctx, m.ID); err != nil {
			t.Fatal(err)
		} else if !again.RelabeledFrom.Equal(e.t0.Add(time.Hour)) {
			t.Errorf("a label written after the mark was read: pending from %s; want %s", again.RelabeledFrom, e.t0.Add(time.Hour))
		}
	})
}
