package monitoring_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// Events the monitor cannot read (a binary score outside [0, 1], a string
// score) are counted in their hour's window with the first one's reason,
// and in no metric; an hour of only such events still has its window.
func TestHourWindowsCountUnreadableEvents(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{}, 0, "")
	svc := &monitoring.Service{Store: e.st}
	var evs []lodestar.StoredEvent
	for i := range 5 {
		evs = append(evs, ev(fmt.Sprintf("good-%d", i), e.t0.Add(time.Duration(i)*time.Minute), 0.5, 0.9, 1))
	}
	evs = append(evs,
		evRaw("bad-1", e.t0.Add(10*time.Minute), `{"id":"bad-1","version":"1","features":{"x":0.5},"prediction":1.4,"label":1}`),
		evRaw("bad-2", e.t0.Add(20*time.Minute), `{"id":"bad-2","version":"1","features":{"x":0.5},"prediction":"yes","label":1}`),
		// The next hour: only events the monitor cannot read.
		evRaw("bad-3", e.t0.Add(70*time.Minute), `{"id":"bad-3","version":"1","prediction":"yes"}`),
		evRaw("bad-4", e.t0.Add(80*time.Minute), `{"id":"bad-4","version":"1","prediction":7}`),
		evRaw("bad-5", e.t0.Add(90*time.Minute), `{"id":"bad-5","version":"1","prediction":7}`),
	)
	e.add(t, evs...)
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(3*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	ws := since(mustWindows(t, e, m.ID), e.t0)
	if len(ws) != 2 {
		t.Fatalf("got %d windows since t0, want 2 (the second of unreadable events only)", len(ws))
	}
	first, second := ws[0], ws[1]
	if first.Events != 5 || first.Labelled != 5 || first.Unreadable != 2 || first.UnreadableReason != "score 1.4 is outside [0, 1]" {
		t.Errorf("first hour: %d events, %d labelled, %d unreadable (%q); want 5, 5, 2 (score 1.4 is outside [0, 1])",
			first.Events, first.Labelled, first.Unreadable, first.UnreadableReason)
	}
	if first.Metrics["mean_score"] != 0.9 || first.Metrics["accuracy"] != 1 {
		t.Errorf("first hour's metrics %v: want those of the five readable events (mean score 0.9, accuracy 1)", first.Metrics)
	}
	if !second.Start.Equal(e.t0.Add(time.Hour)) || !second.End.Equal(e.t0.Add(2*time.Hour)) || second.Events != 0 ||
		second.Unreadable != 3 || second.UnreadableReason != `prediction "yes" is not a score` {
		t.Errorf("second hour [%v, %v]: %d events, %d unreadable (%q); want [t0+1h, t0+2h], 0, 3 (prediction \"yes\" is not a score)",
			second.Start, second.End, second.Events, second.Unreadable, second.UnreadableReason)
	}
	if _, ok := second.Metrics["accuracy"]; ok || len(second.Breaches) != 0 {
		t.Errorf("a window of unreadable events only has metrics %v and breaches %v; want none", second.Metrics, second.Breaches)
	}
	// The reference hours before t0 had none.
	for _, w := range mustWindows(t, e, m.ID) {
		if w.Start.Before(e.t0) && (w.Unreadable != 0 || w.UnreadableReason != "") {
			t.Errorf("window %v: %d unreadable (%q), want none", w.Start, w.Unreadable, w.UnreadableReason)
		}
	}
}

// With a volume threshold, an hour of only unreadable events breaches it
// (no readable event came) and still says why.
func TestUnreadableOnlyHourBreachesVolume(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinEvents: 1}, 0, "")
	svc := &monitoring.Service{Store: e.st}
	e.add(t, ev("good", e.t0, 0.5, 0.9, 1),
		evRaw("bad", e.t0.Add(90*time.Minute), `{"id":"bad","version":"1","prediction":1.4}`))
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(3*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	ws := since(mustWindows(t, e, m.ID), e.t0)
	var got []string
	for _, w := range ws {
		got = append(got, fmt.Sprintf("%d/%d/%v", w.Events, w.Unreadable, w.Breaches))
	}
	if want := []string{"1/0/[]", "0/1/[volume]", "0/0/[volume]"}; !slices.Equal(got, want) {
		t.Errorf("windows (events/unreadable/breaches) %v, want %v", got, want)
	}
	if ws[1].UnreadableReason != "score 1.4 is outside [0, 1]" {
		t.Errorf("reason %q", ws[1].UnreadableReason)
	}
}

// An N-event window counts the unreadable events up to its last event's
// millisecond; those after it go to the next window, and those after the
// last closed window wait for it.
func TestCountWindowsCountUnreadableEvents(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "events:10", lodestar.MonitorThresholds{}, 0, "")
	svc := &monitoring.Service{Store: e.st}
	at := func(s float64) time.Time { return e.t0.Add(time.Duration(s * float64(time.Second))) }
	bad := func(id string, s float64) lodestar.StoredEvent {
		return evRaw(id, at(s), `{"id":"`+id+`","version":"1","prediction":"no"}`)
	}
	var evs []lodestar.StoredEvent
	for i := range 22 {
		evs = append(evs, ev(fmt.Sprintf("good-%02d", i), at(float64(i)), 0.5, 0.9, 1))
	}
	evs = append(evs, bad("bad-a", 1.5), bad("bad-b", 9), bad("bad-c", 9.5), bad("bad-d", 15.5), bad("bad-e", 21.5))
	e.add(t, evs...)
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range since(mustWindows(t, e, m.ID), e.t0) {
		got = append(got, fmt.Sprintf("%d/%d", w.Events, w.Unreadable))
	}
	// [0s, 9s]: bad-a and bad-b (9s, its last millisecond); [10s, 19s]:
	// bad-c (between the windows) and bad-d; bad-e waits with the open
	// window.
	if want := []string{"10/2", "10/2"}; !slices.Equal(got, want) {
		t.Errorf("windows (events/unreadable) %v, want %v", got, want)
	}
	evs = evs[:0]
	for i := 22; i <= 30; i++ {
		evs = append(evs, ev(fmt.Sprintf("good-%02d", i), at(float64(i)), 0.5, 0.9, 1))
	}
	e.add(t, evs...)
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, w := range since(mustWindows(t, e, m.ID), e.t0) {
		got = append(got, fmt.Sprintf("%d/%d", w.Events, w.Unreadable))
	}
	if want := []string{"10/2", "10/2", "10/1"}; !slices.Equal(got, want) {
		t.Errorf("after more events: windows (events/unreadable) %v, want %v", got, want)
	}
}
