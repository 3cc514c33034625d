package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// SwitchHub fans switch flips out to the streams open on this server.
// Each flip is published once it is committed.
type SwitchHub struct {
	mu   sync.Mutex
	subs map[chan flipEvent]struct{}
	// last is the version last published per key: a flip announced twice
	// (by this replica and by the database's notification) or out of
	// order goes out once, newest only.
	last map[string]int64
}

// flipEvent is a published flip, encoded once for every stream: with
// thousands of streams, encoding per stream was most of a flip's
// fan-out cost.
type flipEvent struct{ data []byte }

// NewSwitchHub returns an empty hub.
func NewSwitchHub() *SwitchHub {
	return &SwitchHub{subs: map[chan flipEvent]struct{}{}, last: map[string]int64{}}
}

// Publish sends a flipped switch to every open stream. A stream too slow
// to keep up loses the event and is told to reconnect (its channel is
// closed), so a flip never waits on a client.
func (h *SwitchHub) Publish(sw *lodestar.Switch) {
	b, err := json.Marshal(sw)
	if err != nil {
		return // a Switch always encodes
	}
	ev := flipEvent{data: b}
	h.mu.Lock()
	defer h.mu.Unlock()
	if sw.Version <= h.last[sw.Key] {
		return
	}
	h.last[sw.Key] = sw.Version
	for c := range h.subs {
		select {
		case c <- ev:
		default:
			delete(h.subs, c)
			close(c)
		}
	}
}

func (h *SwitchHub) subscribe() chan flipEvent {
	c := make(chan flipEvent, 64)
	h.mu.Lock()
	h.subs[c] = struct{}{}
	h.mu.Unlock()
	return c
}

func (h *SwitchHub) unsubscribe(c chan flipEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[c]; ok {
		delete(h.subs, c)
		close(c)
	}
}

// Heartbeat is how often an idle stream gets a comment line, so proxies
// keep it open and clients notice a dead server.
var Heartbeat = 15 * time.Second

// streamSwitches serves Server-Sent Events: on connect (and on every
// reconnect, whatever Last-Event-ID says) the full state as one
// "snapshot" event, then one "switch" event per flip, and a comment line
// every Heartbeat. Switch states are idempotent, so a full snapshot on
// reconnect is an exact resume. Event IDs are the sum of all switch
// versions: every flip adds one, on every replica alike.
func (s *Server) streamSwitches(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// A stream outlives the server's write timeout, which guards requests.
	_ = rc.SetWriteDeadline(time.Time{})
	c := s.Hub.subscribe()
	defer s.Hub.unsubscribe(c)
	all, err := s.Switches.ListSwitches(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var seq int64
	for _, sw := range all {
		seq += sw.Version
	}
	if err := writeEvent(w, "snapshot", seq, all); err != nil {
		return
	}
	_ = rc.Flush()
	tick := time.NewTicker(Heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-c:
			if !ok {
				return // too slow: the client reconnects and gets a snapshot
			}
			seq++
			if err := writeData(w, "switch", seq, ev.data); err != nil {
				return
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func writeEvent(w http.ResponseWriter, event string, id int64, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return writeData(w, event, id, b)
}

// writeData writes one event whose data is already JSON.
func writeData(w http.ResponseWriter, event string, id int64, data []byte) error {
	buf := make([]byte, 0, len(event)+len(data)+40)
	buf = append(buf, "event: "...)
	buf = append(buf, event...)
	buf = append(buf, "\nid: "...)
	buf = strconv.AppendInt(buf, id, 10)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, data...)
	buf = append(buf, "\n\n"...)
	_, err := w.Write(buf)
	return err
}

// flipAndPublish flips a switch and, once committed, tells the streams.
func (s *Server) flipAndPublish(ctx context.Context, key string, in flipIn) (*lodestar.Switch, error) {
	sw, err := s.Switches.FlipSwitch(ctx, key, in.State, in.Fallback, in.Reason)
	if err == nil && s.Hub != nil {
		s.Hub.Publish(sw)
	}
	return sw, err
}
