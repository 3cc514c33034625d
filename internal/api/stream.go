package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// SwitchHub fans switch flips out to the streams open on this server.
// Each flip is published once it is committed.
//
// Publishing costs the same whatever the number of streams: the flip is
// encoded once, appended to a short backlog shared by every stream, and
// the streams waiting for it are woken together by closing one channel.
// Each stream then writes, from the backlog, the flips it has not sent
// yet. A stream more than Backlog flips behind (its client reads too
// slowly) is ended instead, so its client reconnects for a fresh
// snapshot: a flip never waits on a client, and memory stays bounded.
type SwitchHub struct {
	mu sync.Mutex // serialises Publish; streams read cur without it
	// last is the version last published per key: a flip announced twice
	// (by this replica and by the database's notification) or out of
	// order goes out once, newest only.
	last map[string]int64
	// index numbers each switch key the hub has seen, for sentVersions.
	index map[string]int
	cur   atomic.Pointer[hubState]

	// The streams on connections taken over from net/http (connStream)
	// are written by the hub itself: see fanOut.
	fmu     sync.Mutex
	conns   map[*connStream]struct{}
	fanning bool  // a fanOut is running
	fanned  int64 // the flips it has sent, or is sending, to conns
}

// Backlog is how many flips a stream may fall behind before it is ended.
const Backlog = 64

// hubState is the hub after some number of flips. It is never changed
// once published; the next flip replaces it and closes its next channel.
type hubState struct {
	n      int64  // flips published so far
	recent []flip // the last min(n, Backlog) flips, oldest first
	next   chan struct{}
}

// flip is a published flip: its switch's key (and the hub's index of
// it), version, and JSON.
type flip struct {
	key     string
	idx     int
	version int64
	data    []byte
}

// sentVersions is the version of each switch a stream has sent, by the
// hub's index of the switch's key: a stream looks a flip up by index, not
// by hashing its key into a map of its own (with 10,000 streams, the maps
// were a fifteenth of the fan-out's CPU).
type sentVersions []int64

func (s sentVersions) of(i int) int64 {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func (s *sentVersions) set(i int, v int64) {
	if i >= len(*s) {
		*s = append(*s, make([]int64, i+1-len(*s))...)
	}
	(*s)[i] = v
}

// keyIndex is the hub's index of key, made when first asked. Called with
// h.mu held.
func (h *SwitchHub) keyIndex(key string) int {
	i, ok := h.index[key]
	if !ok {
		i = len(h.index)
		h.index[key] = i
	}
	return i
}

// snapshotSent returns what a stream has sent once its snapshot of all
// is: each switch's version, and their sum, the snapshot's event ID.
func (h *SwitchHub) snapshotSent(all []*lodestar.Switch) (sentVersions, int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sent := make(sentVersions, len(h.index))
	var seq int64
	for _, sw := range all {
		seq += sw.Version
		sent.set(h.keyIndex(sw.Key), sw.Version)
	}
	return sent, seq
}

// since returns the flips published after the first pos flips, and
// false if some of them have already left the backlog.
func (st *hubState) since(pos int64) ([]flip, bool) {
	behind := st.n - pos
	if behind > int64(len(st.recent)) {
		return nil, false
	}
	return st.recent[int64(len(st.recent))-behind:], true
}

// NewSwitchHub returns an empty hub.
func NewSwitchHub() *SwitchHub {
	h := &SwitchHub{last: map[string]int64{}, index: map[string]int{}, conns: map[*connStream]struct{}{}}
	h.cur.Store(&hubState{next: make(chan struct{})})
	return h
}

// Publish sends a flipped switch to every open stream without waiting
// for any of them.
func (h *SwitchHub) Publish(sw *lodestar.Switch) {
	b, err := json.Marshal(sw)
	if err != nil {
		return // a Switch always encodes
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if sw.Version <= h.last[sw.Key] {
		return
	}
	h.last[sw.Key] = sw.Version
	old := h.cur.Load()
	keep := old.recent[max(0, len(old.recent)-(Backlog-1)):]
	recent := make([]flip, len(keep), len(keep)+1)
	copy(recent, keep)
	h.cur.Store(&hubState{n: old.n + 1, recent: append(recent, flip{sw.Key, h.keyIndex(sw.Key), sw.Version, b}), next: make(chan struct{})})
	close(old.next)
	h.kick()
}

// state returns the hub as it is now.
func (h *SwitchHub) state() *hubState { return h.cur.Load() }

// Heartbeat is how often an idle stream gets a comment line, so proxies
// keep it open and clients notice a dead server (the first comes at a
// random point of the second half of the interval, so that streams opened
// together are spread), and how often the credentials of the streams are
// checked again, once per credential: a credential no longer good ends
// its streams within a heartbeat (credChecks says how closely).
// Server.Heartbeat overrides it.
var Heartbeat = 15 * time.Second

// streamSwitches serves Server-Sent Events: on connect (and on every
// reconnect, whatever Last-Event-ID says) the full state as one
// "snapshot" event, then one "switch" event per flip, and a comment line
// every Heartbeat. Switch states are idempotent, so a full snapshot on
// reconnect is an exact resume. A stream never sends a switch at a
// version it has already sent (in the snapshot or a flip), so its client
// never steps back to an older state; event IDs are the sum of the
// versions of the switches the stream has sent, the same on every replica
// for the same states.
func (s *Server) streamSwitches(w http.ResponseWriter, r *http.Request) {
	// The stream takes no query parameters: one given (a misspelt
	// option, a Last-Event-ID sent in the query) is refused by name, as
	// the other routes refuse theirs, before it costs a slot.
	if err := onlyParams(r); err != nil {
		s.fail(w, r, err)
		return
	}
	// A slot first, before the stream costs a query: a stream over a cap
	// is refused at once; its slot is given back when it ends, however.
	release, err := s.takeStreamSlot(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer release()
	rc := http.NewResponseController(w)
	beat := s.Heartbeat
	if beat <= 0 {
		beat = Heartbeat
	}
	// The hub's state before the snapshot is read: flips after it are
	// sent, even those the snapshot already has (states are idempotent).
	st := s.Hub.state()
	all, err := s.Switches.ListSwitches(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// A stream outlives the server's write timeout, which guards requests;
	// its writes have their own: a client that takes nothing of one for
	// writeGrace is ended (it reconnects if alive). This one covers the
	// snapshot, which a client that reads nothing would otherwise hold
	// without limit, with its connection and goroutine; the writes after it
	// set theirs.
	stall := func() { _ = rc.SetWriteDeadline(time.Now().Add(writeGrace(beat))) }
	stall()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	// no-transform: a compressing proxy (Traefik's compress, Caddy's
	// encode, Express's compression) would otherwise gzip the stream for a
	// client that accepts it and hold the events until its window fills —
	// the snapshot, flips and heartbeats alike. X-Accel-Buffering: nginx's
	// buffering.
	h.Set("Cache-Control", "no-store, no-transform")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// sent is the version of each switch the client has; a flip the
	// snapshot already has (committed between the hub's state and the
	// list) or one older than it is not sent again.
	sent, seq := s.Hub.snapshotSent(all)
	data, err := json.Marshal(all)
	if err != nil {
		return
	}
	if _, err := w.Write(appendEvent(nil, "snapshot", seq, data)); err != nil {
		return
	}
	if conn := takeOver(w, r, rc); conn != nil {
		s.serveConn(r, conn, st, seq, sent, beat)
		return
	}
	// The caller's credential is checked again every heartbeat, once for
	// all the streams that present it (credChecks); a credential no
	// longer good closes refused.
	refused := make(chan struct{})
	check := s.checks.join(r, beat, func() { close(refused) })
	defer s.checks.leave(check)
	tick := time.NewTimer(jitter(beat))
	defer tick.Stop()
	// buf is reused for every write: a flip costs a stream no allocation,
	// and the flips it is behind go out in one write.
	var buf []byte
	// A client that takes nothing of a write for writeGrace is ended (it
	// reconnects if alive): a write blocked for good held the stream's
	// goroutine and connection, and its credential was never checked again.
	// The deadline is set for each write and cleared once it is flushed,
	// not left running while the stream waits for its next flip: over
	// HTTP/2 a stream's write deadline resets the stream when it passes,
	// written to or not, so a stream whose goroutine waited long to be
	// scheduled (a loaded machine) was cut off with nothing pending.
	idle := func() { _ = rc.SetWriteDeadline(time.Time{}) }
	// The snapshot's deadline, set above, covers its flush. Cleared, too,
	// on the way out: the connection may serve another request after the
	// stream.
	defer idle()
	flush := func() bool {
		err := rc.Flush()
		idle()
		return err == nil
	}
	if !flush() {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-st.next:
			pos := st.n
			st = s.Hub.state()
			flips, ok := st.since(pos)
			if !ok {
				return // too slow: the client reconnects and gets a snapshot
			}
			for _, f := range flips {
				if had := sent.of(f.idx); f.version > had {
					seq += f.version - had
					sent.set(f.idx, f.version)
					buf = appendEvent(buf, "switch", seq, f.data)
				}
			}
		case <-refused:
			// A token revoked or expired, a session ended or a user
			// disabled since the stream opened: it gets no more flips,
			// and its client's reconnection is refused.
			return
		case <-tick.C:
			tick.Reset(beat)
			buf = append(buf, ": ping\n\n"...)
		}
		stall()
		if _, err := w.Write(buf); err != nil || !flush() {
			return
		}
		buf = buf[:0]
	}
}

// writeGrace is how long a stream's write may wait for its client before
// the client is taken for stuck and the stream ended: two heartbeats, and
// never less than minWriteGrace — a deadline of a fraction of a second
// (a short heartbeat) cut off clients that were only slow to be scheduled
// on a loaded machine, or on a slow link.
func writeGrace(beat time.Duration) time.Duration { return max(2*beat, minWriteGrace) }

const minWriteGrace = 2 * time.Second

// appendEvent appends one event whose data is already JSON.
func appendEvent(buf []byte, event string, id int64, data []byte) []byte {
	buf = append(buf, "event: "...)
	buf = append(buf, event...)
	buf = append(buf, "\nid: "...)
	buf = strconv.AppendInt(buf, id, 10)
	buf = append(buf, "\ndata: "...)
	buf = append(buf, data...)
	return append(buf, "\n\n"...)
}

// flipAndPublish flips a switch and, once committed, tells the streams.
func (s *Server) flipAndPublish(ctx context.Context, key string, in flipIn) (*lodestar.Switch, error) {
	if in.Version != nil {
		if *in.Version < 1 {
			return nil, lodestar.FieldError("version", "The version is the switch's version the flip is based on, 1 or more.")
		}
		ctx = lodestar.WithSwitchVersion(ctx, *in.Version)
	}
	sw, err := s.Switches.FlipSwitch(ctx, key, in.State, in.Fallback, in.Reason)
	if err == nil && s.Hub != nil {
		s.Hub.Publish(sw)
	}
	return sw, err
}

// publishSwitch tells the streams about a switch that appeared without a
// flip — a new model's, on — which the snapshots of the streams already
// open do not have: a fail-closed client would answer off for it until
// it happened to reconnect.
func (s *Server) publishSwitch(ctx context.Context, key string) {
	if s.Hub == nil {
		return
	}
	if sw, err := s.Switches.FindSwitch(ctx, key); err == nil {
		s.Hub.Publish(sw)
	}
}
