package monitoring_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// TestRecomputeRacingTheLoop: a recomputation asked of one replica (POST
// …/evaluate with from, for events or labels that came late) while
// another replica's loop saves the next window is not dropped: it is
// computed again on the monitor as the loop left it, and the window
// holding the late events is recomputed.
func TestRecomputeRacingTheLoop(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{}, 0, "")
	var evs []lodestar.StoredEvent
	for i := range 30 {
		evs = append(evs, ev(fmt.Sprintf("e-%d", i), e.t0.Add(time.Duration(i)*time.Minute), 0.5, 0.9, 1))
	}
	e.add(t, evs...)
	b := &monitoring.Service{Store: e.st}
	if _, err := b.Evaluate(e.ctx, m.ID, e.t0.Add(time.Hour+time.Second), time.Time{}); err != nil {
		t.Fatal(err)
	}
	// 30 events of the first hour come late, and some of the second hour.
	evs = evs[:0]
	for i := 30; i < 60; i++ {
		evs = append(evs, ev(fmt.Sprintf("e-%d", i), e.t0.Add(time.Duration(i)*time.Minute), 0.5, 0.9, 1))
	}
	for i := range 10 {
		evs = append(evs, ev(fmt.Sprintf("n-%d", i), e.t0.Add(time.Hour+time.Duration(i)*time.Minute), 0.5, 0.9, 1))
	}
	e.add(t, evs...)
	now := e.t0.Add(2*time.Hour + time.Second)
	rs := &racingStore{Store: e.st}
	a := &monitoring.Service{Store: rs}
	rs.before = func() { // replica B's loop saves the second hour first
		if _, err := b.Evaluate(e.ctx, m.ID, now, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Evaluate(e.ctx, m.ID, now, e.t0); err != nil {
		t.Fatal(err)
	}
	ws := since(mustWindows(t, e, m.ID), e.t0)
	if len(ws) != 2 || ws[0].Events != 60 || ws[1].Events != 10 {
		got := []int64{}
		for _, w := range ws {
			got = append(got, w.Events)
		}
		t.Errorf("after the recomputation from t0: windows with %v events; want [60 10]", got)
	}
}

// overtakenStore's saves are always overtaken by another evaluator's.
type overtakenStore struct{ *store.Store }

func (overtakenStore) SaveEvaluation(context.Context, int64, time.Time, *lodestar.Evaluation) error {
	return lodestar.ErrEvaluatedMeanwhile
}

// TestRecomputeOvertakenEveryTime: a recomputation whose every try is
// overtaken says so (a conflict to ask again), instead of answering as if
// there had been nothing to recompute; the loop's own evaluation, which
// the other evaluator made, answers empty as before.
func TestRecomputeOvertakenEveryTime(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{}, 0, "")
	e.add(t, ev("e-1", e.t0.Add(time.Minute), 0.5, 0.9, 1))
	a := &monitoring.Service{Store: overtakenStore{e.st}}
	now := e.t0.Add(2 * time.Hour)
	if _, err := a.Evaluate(e.ctx, m.ID, now, e.t0); lodestar.ErrorCode(err) != lodestar.EConflict {
		t.Errorf("recomputation overtaken every time: got %v, want a conflict", err)
	}
	if out, err := a.Evaluate(e.ctx, m.ID, now, time.Time{}); err != nil || out == nil {
		t.Errorf("the loop's evaluation overtaken: got %v, %v; want an empty evaluation", out, err)
	}
}
