package sdk

import (
	"sync/atomic"
	"testing"
)

// Lookup answers a state and its fallback from one copy: a switch
// flipped between fallback and on as fast as the copy can be replaced
// is never read as a fallback with no name (or on with one), and a read
// allocates nothing.
func TestLookupReadsOneMoment(t *testing.T) {
	c := &Switches{done: make(chan struct{})}
	atFallback := newTable(map[string]entry{"credit-risk": {state: Fallback, fallback: "rules-v2", version: 1}})
	atOn := newTable(map[string]entry{"credit-risk": {state: On, version: 2}})
	c.t.Store(atFallback)
	var stop atomic.Bool
	flipped := make(chan int)
	go func() {
		n := 0
		for !stop.Load() {
			c.t.Store(atOn)
			c.t.Store(atFallback)
			n++
		}
		flipped <- n
	}()
	seen := map[State]int{}
	for range 2_000_000 {
		state, instead := c.Lookup("credit-risk")
		seen[state]++
		if (state == Fallback) != (instead == "rules-v2") || (state != Fallback && state != On) {
			stop.Store(true)
			<-flipped
			t.Fatalf("Lookup = %q, %q: a state and a fallback of two different flips", state, instead)
		}
	}
	stop.Store(true)
	if n := <-flipped; n == 0 {
		t.Fatal("the switch was never flipped while it was read")
	}
	if seen[Fallback] == 0 || seen[On] == 0 {
		t.Logf("states read: %v (one side only: the flipper rarely ran alongside)", seen)
	}
	if state, instead := c.Lookup("unknown"); state != On || instead != "" {
		t.Errorf("an unknown key: %q, %q; want the default, on, and no fallback", state, instead)
	}
	if state, instead := (*Switches)(nil).Lookup("credit-risk"); state != On || instead != "" {
		t.Errorf("a nil client: %q, %q; want on", state, instead)
	}
	if allocs := testing.AllocsPerRun(1000, func() { c.Lookup("credit-risk") }); allocs != 0 {
		t.Errorf("Lookup allocates %.1f times, want 0", allocs)
	}
}
