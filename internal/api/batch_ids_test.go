package api

import (
	"slices"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

func batch(ids ...string) []lodestar.StoredEvent {
	out := make([]lodestar.StoredEvent, len(ids))
	for i, id := range ids {
		out[i] = lodestar.StoredEvent{ID: id, Line: i + 1}
	}
	return out
}

func lines(events []lodestar.StoredEvent) []int {
	var out []int
	for _, e := range events {
		out = append(out, e.Line)
	}
	return out
}

// TestFirstOfEachID checks that a batch's repeated IDs count once, by
// their first line, whether the IDs come in order or not.
func TestFirstOfEachID(t *testing.T) {
	for _, c := range []struct {
		ids  []string
		want []int
	}{
		{[]string{"a", "b", "c"}, []int{1, 2, 3}},
		{[]string{"a", "b", "b", "c"}, []int{1, 2, 4}},      // in order, a repeat next to its first
		{[]string{"c", "a", "c", "b", "a"}, []int{1, 2, 4}}, // out of order
		{[]string{"b", "a"}, []int{1, 2}},                   // out of order, no repeat
		{[]string{"a", "a", "a"}, []int{1}},
		{[]string{"a"}, []int{1}},
	} {
		if got := lines(firstOfEachID(batch(c.ids...))); !slices.Equal(got, c.want) {
			t.Errorf("%v: lines %v, want %v", c.ids, got, c.want)
		}
	}
	if got := firstOfEachID(nil); len(got) != 0 {
		t.Errorf("no events: %v", got)
	}
}

// TestEventsByVersion checks the count and latest time per version kept,
// with runs of one version, versions interleaved and versions not kept
// between those that are.
func TestEventsByVersion(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var events []lodestar.StoredEvent
	for i, v := range []string{"1", "1", "2", "x", "1", "x", "2", "2", "3"} {
		events = append(events, lodestar.StoredEvent{ID: string(rune('a' + i)), Version: v, Time: t0.Add(time.Duration(i)*time.Second + 500*time.Microsecond)})
	}
	by, names := eventsByVersion(events, func(v string) bool { return v != "x" })
	if !slices.Equal(names, []string{"1", "2", "3"}) {
		t.Fatalf("versions %v", names)
	}
	for _, w := range []struct {
		v    string
		n    int64
		last int
	}{{"1", 3, 4}, {"2", 3, 7}, {"3", 1, 8}} {
		got := by[w.v]
		if got == nil || got.Events != w.n || !got.LastEventAt.Equal(t0.Add(time.Duration(w.last)*time.Second)) {
			t.Errorf("version %s: %+v, want %d events, the last at second %d (to the millisecond)", w.v, got, w.n, w.last)
		}
	}
	if _, ok := by["x"]; ok {
		t.Error("version x is not kept, but is listed")
	}
}
