package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// oneSwitch is a SwitchService holding one switch, for the stream.
type oneSwitch struct {
	lodestar.SwitchService
	sw lodestar.Switch
}

func (o oneSwitch) ListSwitches(context.Context) ([]*lodestar.Switch, error) {
	sw := o.sw
	return []*lodestar.Switch{&sw}, nil
}

// stuckWriter is a stream's client that takes the snapshot, then stops
// reading: its next write blocks until release is closed.
type stuckWriter struct {
	header   http.Header
	writes   int
	snapshot chan struct{} // closed once the snapshot is written
	stuck    chan struct{} // closed when the next write blocks
	release  chan struct{}
	mu       sync.Mutex
	got      strings.Builder
}

func (w *stuckWriter) Header() http.Header { return w.header }
func (w *stuckWriter) WriteHeader(int)     {}
func (w *stuckWriter) Flush()              {}
func (w *stuckWriter) Write(b []byte) (int, error) {
	w.writes++
	if w.writes == 1 {
		defer close(w.snapshot)
	}
	if w.writes == 2 {
		close(w.stuck)
		<-w.release
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got.Write(b)
	return len(b), nil
}

// sse is one event read off a stream.
type sse struct{ event, id, data string }

func nextEvent(t *testing.T, br *bufio.Reader) sse {
	t.Helper()
	ev, err := readEvent(br)
	if err != nil {
		t.Fatalf("read stream: %v", err)
	}
	return ev
}

// TestSlowStreamHoldsUpNoOne has one stream whose client stops reading
// while more than Backlog flips are published: the flips are published
// all the same, a reading stream gets every one in order, and the stuck
// stream, once its write returns, ends (its client would reconnect for
// a snapshot) instead of queueing flips for it.
func TestSlowStreamHoldsUpNoOne(t *testing.T) {
	hub := NewSwitchHub()
	s := &Server{Switches: oneSwitch{sw: lodestar.Switch{Key: "m", State: "on", Version: 1}}, Hub: hub}
	srv := httptest.NewServer(http.HandlerFunc(s.streamSwitches))
	defer srv.Close()

	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	fast := bufio.NewReader(resp.Body)
	if ev := nextEvent(t, fast); ev.event != "snapshot" || ev.id != "1" {
		t.Fatalf("fast stream's first event: %+v, want the snapshot at id 1", ev)
	}
	slow := &stuckWriter{header: http.Header{}, snapshot: make(chan struct{}), stuck: make(chan struct{}), release: make(chan struct{})}
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		s.streamSwitches(slow, httptest.NewRequest("GET", "/", nil))
	}()

	// Each flip is read off the fast stream before the next is published.
	flip := func(v int64) {
		hub.Publish(&lodestar.Switch{Key: "m", State: []string{"off", "on"}[v%2], Version: v})
		ev := nextEvent(t, fast)
		var sw lodestar.Switch
		if ev.event != "switch" || ev.id != strconv.FormatInt(v, 10) || json.Unmarshal([]byte(ev.data), &sw) != nil || sw.Version != v {
			t.Fatalf("fast stream: got %+v, want the flip to version %d at id %d", ev, v, v)
		}
	}
	// The slow stream takes its snapshot and blocks writing the first
	// flip; then it falls more than Backlog flips behind.
	<-slow.snapshot
	flip(2)
	<-slow.stuck
	for v := int64(3); v <= Backlog+3; v++ {
		flip(v)
	}

	close(slow.release)
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the stream more than Backlog flips behind did not end")
	}
	slow.mu.Lock()
	defer slow.mu.Unlock()
	got := slow.got.String()
	if !strings.HasPrefix(got, "event: snapshot\n") || strings.Count(got, "event: switch\n") != 1 || !strings.Contains(got, "\nid: 2\n") {
		t.Errorf("slow stream got %q, want the snapshot and the first flip only", got)
	}
}

// TestPublishOnce: a flip announced twice, or after a newer one, goes out
// once, newest only.
func TestPublishOnce(t *testing.T) {
	hub := NewSwitchHub()
	st := hub.state()
	hub.Publish(&lodestar.Switch{Key: "a", State: "off", Version: 2})
	hub.Publish(&lodestar.Switch{Key: "a", State: "off", Version: 2})
	hub.Publish(&lodestar.Switch{Key: "b", State: "off", Version: 5})
	hub.Publish(&lodestar.Switch{Key: "b", State: "on", Version: 4})
	<-st.next
	flips, ok := hub.state().since(st.n)
	if !ok || len(flips) != 2 || !strings.Contains(string(flips[0].data), `"key":"a"`) || !strings.Contains(string(flips[1].data), `"version":5`) {
		t.Errorf("published %+v (ok %v), want a at 2 then b at 5", flips, ok)
	}
}

// flipsDuringList is a SwitchService whose list is read after flips were
// committed and published — between the stream taking the hub's state
// and reading the list, as can happen.
type flipsDuringList struct {
	lodestar.SwitchService
	hub   *SwitchHub
	flips []*lodestar.Switch // published while the list is read; the last is listed
}

func (f flipsDuringList) ListSwitches(context.Context) ([]*lodestar.Switch, error) {
	for _, sw := range f.flips {
		f.hub.Publish(sw)
	}
	sw := *f.flips[len(f.flips)-1]
	return []*lodestar.Switch{&sw}, nil
}

// TestStreamSkipsWhatTheSnapshotHas: flips the snapshot already holds are
// not sent after it — the client never steps back to an older state — and
// event IDs stay the sum of the versions sent.
func TestStreamSkipsWhatTheSnapshotHas(t *testing.T) {
	hub := NewSwitchHub()
	hub.Publish(&lodestar.Switch{Key: "m", State: "on", Version: 1})
	s := &Server{Hub: hub, Switches: flipsDuringList{hub: hub, flips: []*lodestar.Switch{
		{Key: "m", State: "off", Version: 2}, {Key: "m", State: "on", Version: 3},
	}}}
	srv := httptest.NewServer(http.HandlerFunc(s.streamSwitches))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if ev := nextEvent(t, br); ev.event != "snapshot" || ev.id != "3" {
		t.Fatalf("first event %+v, want the snapshot at id 3", ev)
	}
	hub.Publish(&lodestar.Switch{Key: "m", State: "off", Version: 4})
	hub.Publish(&lodestar.Switch{Key: "n", State: "off", Version: 1}) // a switch the snapshot did not have
	for _, want := range []struct {
		id      string
		key     string
		version int64
	}{{"4", "m", 4}, {"5", "n", 1}} {
		ev := nextEvent(t, br)
		var sw lodestar.Switch
		if ev.event != "switch" || json.Unmarshal([]byte(ev.data), &sw) != nil || ev.id != want.id || sw.Key != want.key || sw.Version != want.version {
			t.Fatalf("got %+v, want %s at version %d with id %s (versions 2 and 3 were in the snapshot)", ev, want.key, want.version, want.id)
		}
	}
}
