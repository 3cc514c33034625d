package api

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// rawStream opens a stream over a plain TCP connection and returns the
// connection and the stream's body, unchunked by hand: the bytes as sent.
// readBuffer, when not 0, is the size of its socket's receive buffer.
func rawStream(t *testing.T, url string, readBuffer int) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if readBuffer > 0 {
		if err := conn.(*net.TCPConn).SetReadBuffer(readBuffer); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("stream answered %s, transfer encoding %v; want 200, chunked", resp.Status, resp.TransferEncoding)
	}
	// The body read chunk by chunk, as any HTTP/1.1 client reads it: a
	// malformed chunk is an error here.
	return conn, bufio.NewReader(httputil.NewChunkedReader(br))
}

// conns is how many streams the hub serves on their connections.
func (h *SwitchHub) connCount() int {
	h.fmu.Lock()
	defer h.fmu.Unlock()
	return len(h.conns)
}

// eventually waits for cond, failing after 30 s: a bound on a wait, not a
// timing assertion — a loaded machine under the race detector (CI, with
// other suites running) has taken more than 10 s to serve 25 streams four
// 50 ms heartbeats.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func wantFlip(t *testing.T, br *bufio.Reader, id int64, version int64) {
	t.Helper()
	ev := nextEvent(t, br)
	var sw lodestar.Switch
	if ev.event != "switch" || ev.id != strconv.FormatInt(id, 10) || json.Unmarshal([]byte(ev.data), &sw) != nil || sw.Version != version {
		t.Fatalf("got %+v, want the flip to version %d at id %d", ev, version, id)
	}
}

// TestConnStreamsGetEveryFlipInOrder: streams served on their connections
// (more than one fan-out goroutine's share) each get every flip, in
// order, with its event ID, in a well-formed chunked body of valid
// events; a stream the hub ends gets the body's last chunk.
func TestConnStreamsGetEveryFlipInOrder(t *testing.T) {
	hub := NewSwitchHub()
	s := &Server{Switches: oneSwitch{sw: lodestar.Switch{Key: "m", State: "on", Version: 1}}, Hub: hub}
	srv := httptest.NewServer(http.HandlerFunc(s.streamSwitches))
	defer srv.Close()
	const n = 300
	streams := make([]*bufio.Reader, n)
	for i := range streams {
		_, streams[i] = rawStream(t, srv.URL, 0)
		if ev := nextEvent(t, streams[i]); ev.event != "snapshot" || ev.id != "1" {
			t.Fatalf("stream %d's first event: %+v, want the snapshot at id 1", i, ev)
		}
	}
	eventually(t, "every stream on its connection", func() bool { return hub.connCount() == n })
	// Published without waiting for any stream to read; a second switch
	// adds its own version to the IDs.
	for v := int64(2); v <= 21; v++ {
		hub.Publish(&lodestar.Switch{Key: "m", State: []string{"off", "on"}[v%2], Version: v})
	}
	hub.Publish(&lodestar.Switch{Key: "n", State: "off", Version: 3})
	for i, br := range streams {
		for v := int64(2); v <= 21; v++ {
			wantFlip(t, br, v, v)
		}
		ev := nextEvent(t, br)
		if ev.event != "switch" || ev.id != "24" || !strings.Contains(ev.data, `"key":"n"`) {
			t.Fatalf("stream %d: got %+v, want n's flip at id 24", i, ev)
		}
	}
	hub.Close()
	for i, br := range streams {
		rest, err := io.ReadAll(br)
		if err != nil || len(rest) != 0 {
			t.Fatalf("stream %d after the hub closed: %q, %v; want the body's end and nothing more", i, rest, err)
		}
	}
	eventually(t, "the streams gone from the hub", func() bool { return hub.connCount() == 0 })
}

// TestConnStreamSlowClientHoldsUpNoOne: a client that stops reading fills
// its socket; the flips still go out to a reading stream, each in order,
// and the stuck stream, more than Backlog flips behind once it reads
// again, gets a whole prefix of the flips and then the end of its body
// (its client reconnects for a snapshot), instead of a queue of flips.
func TestConnStreamSlowClientHoldsUpNoOne(t *testing.T) {
	hub := NewSwitchHub()
	s := &Server{Switches: oneSwitch{sw: lodestar.Switch{Key: "m", State: "on", Version: 1}}, Hub: hub}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.streamSwitches))
	// The server's send buffers are small too (the kernel would otherwise
	// let them grow to megabytes).
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.Start()
	defer srv.Close()
	_, fast := rawStream(t, srv.URL, 0)
	// The slow client's receive buffer is small; flips are large.
	_, slow := rawStream(t, srv.URL, 4096)
	for _, br := range []*bufio.Reader{fast, slow} {
		if ev := nextEvent(t, br); ev.event != "snapshot" {
			t.Fatalf("first event %+v, want the snapshot", ev)
		}
	}
	eventually(t, "both streams on their connections", func() bool { return hub.connCount() == 2 })
	reason := strings.Repeat("r", 16<<10)
	const last = Backlog * 3
	// Each flip is read off the reading stream before the next is
	// published.
	for v := int64(2); v <= last; v++ {
		hub.Publish(&lodestar.Switch{Key: "m", State: []string{"off", "on"}[v%2], Version: v, Reason: reason})
		if ev := nextEvent(t, fast); ev.event != "switch" || ev.id != strconv.FormatInt(v, 10) {
			t.Fatalf("reading stream: got %s at id %s, want a flip at id %d", ev.event, ev.id, v)
		}
	}
	// The stuck client reads again: flips 2, 3, … up to some point, then
	// the end of the body.
	want := int64(2)
	for want <= last {
		ev, err := readEvent(slow)
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("slow stream after flip %d: %v", want-1, err)
		}
		if ev.event != "switch" || ev.id != strconv.FormatInt(want, 10) {
			t.Fatalf("slow stream: got %s at id %s, want the flip at id %d", ev.event, ev.id, want)
		}
		want++
	}
	if want > last {
		t.Fatalf("the stuck stream got every flip (%d): its socket never filled, the test tests nothing", want-1)
	}
	eventually(t, "the slow stream gone from the hub", func() bool { return hub.connCount() == 1 })
}

// smallSendBuffers is a listener whose connections have small send
// buffers.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// readEvent is nextEvent that returns io.EOF at a clean end between
// events.
func readEvent(br *bufio.Reader) (sse, error) {
	var ev sse
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) && line == "" && ev.event == "" {
				return ev, io.EOF
			}
			return ev, fmt.Errorf("read %q: %w", line, err)
		}
		switch line = strings.TrimSuffix(line, "\n"); {
		case line == "" && ev.event != "":
			return ev, nil
		case strings.HasPrefix(line, "event: "):
			ev.event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			ev.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
	}
}

// TestConnStreamDeadClientRemoved: a client that goes away is dropped
// from the hub, and a flip published after it reaches the others.
func TestConnStreamDeadClientRemoved(t *testing.T) {
	hub := NewSwitchHub()
	s := &Server{Switches: oneSwitch{sw: lodestar.Switch{Key: "m", State: "on", Version: 1}}, Hub: hub}
	srv := httptest.NewServer(http.HandlerFunc(s.streamSwitches))
	defer srv.Close()
	deadConn, dead := rawStream(t, srv.URL, 0)
	_, alive := rawStream(t, srv.URL, 0)
	nextEvent(t, dead)
	nextEvent(t, alive)
	eventually(t, "both streams on their connections", func() bool { return hub.connCount() == 2 })
	deadConn.Close()
	eventually(t, "the dead stream gone from the hub", func() bool { return hub.connCount() == 1 })
	hub.Publish(&lodestar.Switch{Key: "m", State: "off", Version: 2})
	wantFlip(t, alive, 2, 2)
}

// TestConnStreamHeartbeat: a stream on its connection gets a comment
// line each heartbeat, between its flips. (Its credential's check each
// heartbeat is tested with the real guard: stream_check_test.go and
// internal/app.)
func TestConnStreamHeartbeat(t *testing.T) {
	hub := NewSwitchHub()
	s := &Server{Switches: oneSwitch{sw: lodestar.Switch{Key: "m", State: "on", Version: 1}}, Hub: hub, Heartbeat: 20 * time.Millisecond}
	srv := httptest.NewServer(http.HandlerFunc(s.streamSwitches))
	defer srv.Close()
	_, br := rawStream(t, srv.URL, 0)
	nextEvent(t, br)
	ping := func() {
		t.Helper()
		if line, err := br.ReadString('\n'); err != nil || line != ": ping\n" {
			t.Fatalf("got %q, %v; want the heartbeat comment", line, err)
		}
		if line, err := br.ReadString('\n'); err != nil || line != "\n" {
			t.Fatalf("after the comment: %q, %v; want a blank line", line, err)
		}
	}
	ping()
	ping()
	eventually(t, "the stream on its connection", func() bool { return hub.connCount() == 1 })
	hub.Publish(&lodestar.Switch{Key: "m", State: "off", Version: 2})
	wantFlip(t, br, 2, 2) // nextEvent passes over the comments before it
	ping()
}

// stuckStream opens a stream whose client never reads and publishes large
// flips until the stream's own goroutine is left a write the socket does
// not take (it blocks in it); fast is a stream that reads them all.
func stuckStream(t *testing.T, hub *SwitchHub, beat time.Duration) (fast *bufio.Reader) {
	t.Helper()
	s := &Server{Switches: oneSwitch{sw: lodestar.Switch{Key: "m", State: "on", Version: 1}}, Hub: hub, Heartbeat: beat}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.streamSwitches))
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	_, fast = rawStream(t, srv.URL, 0)
	_, stuck := rawStream(t, srv.URL, 4096)
	nextEvent(t, fast)
	nextEvent(t, stuck)
	eventually(t, "both streams on their connections", func() bool { return hub.connCount() == 2 })
	reason := strings.Repeat("r", 16<<10)
	for v := int64(2); ; v++ {
		hub.Publish(&lodestar.Switch{Key: "m", State: []string{"off", "on"}[v%2], Version: v, Reason: reason})
		wantFlip(t, fast, v, v)
		busy := false
		hub.fmu.Lock()
		for c := range hub.conns {
			c.mu.Lock()
			busy = busy || c.busy
			c.mu.Unlock()
		}
		hub.fmu.Unlock()
		if busy {
			return fast
		}
		if v > Backlog {
			t.Fatal("the stuck stream's socket never filled: the test tests nothing")
		}
	}
}

// TestConnStreamCloseEndsAStuckWrite: the hub's Close (the server
// shutting down) ends a stream whose goroutine is blocked writing to a
// client that reads nothing; net/http does not track the connection, and
// asking the goroutine to stop reading did not stop its write.
func TestConnStreamCloseEndsAStuckWrite(t *testing.T) {
	hub := NewSwitchHub()
	stuckStream(t, hub, time.Hour)
	hub.Close()
	eventually(t, "both streams ended", func() bool { return hub.connCount() == 0 })
}

// TestConnStreamStuckClientEnded: a client that takes nothing of a write
// for writeGrace is ended (its client, if alive, reconnects for a
// snapshot), instead of holding its connection and goroutine for good
// and never having its credential checked again.
func TestConnStreamStuckClientEnded(t *testing.T) {
	hub := NewSwitchHub()
	fast := stuckStream(t, hub, 50*time.Millisecond)
	eventually(t, "the stuck stream ended", func() bool { return hub.connCount() == 1 })
	n := hub.state().n + 1
	hub.Publish(&lodestar.Switch{Key: "m", State: "x", Version: n + 100})
	ev := nextEvent(t, fast)
	if ev.event != "switch" || !strings.Contains(ev.data, `"state":"x"`) {
		t.Fatalf("the reading stream after: %+v, want the last flip", ev)
	}
}

// TestTLSStreamStuckClientEnded: a stream that keeps its goroutine (TLS,
// HTTP/2) to a client that reads nothing ends within writeGrace of a
// write it cannot finish, instead of blocking in that write for good.
func TestTLSStreamStuckClientEnded(t *testing.T) {
	hub := NewSwitchHub()
	s := &Server{Switches: oneSwitch{sw: lodestar.Switch{Key: "m", State: "on", Version: 1}}, Hub: hub, Heartbeat: 50 * time.Millisecond}
	var active atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		active.Add(1)
		defer active.Add(-1)
		s.streamSwitches(w, r)
	}))
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	conn, err := tls.Dial("tcp", strings.TrimPrefix(srv.URL, "https://"), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if tc, ok := conn.NetConn().(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stream served", func() bool { return active.Load() == 1 })
	// Flips far larger than both sockets' buffers, never read: the
	// stream's write blocks.
	reason := strings.Repeat("r", 64<<10)
	for v := int64(2); v < 12; v++ {
		hub.Publish(&lodestar.Switch{Key: "m", State: []string{"off", "on"}[v%2], Version: v, Reason: reason})
	}
	eventually(t, "the stuck stream's handler returned", func() bool { return active.Load() == 0 })
}

// TestStreamStuckBeforeSnapshotEnded: a client that reads nothing, not
// even a snapshot larger than the sockets' buffers, is ended within
// writeGrace too, on a plain connection and over TLS. The snapshot was
// written with no deadline at all (the server's write timeout is lifted
// for streams), so its write held the handler, the connection and its
// goroutine for as long as the client stayed connected.
func TestStreamStuckBeforeSnapshotEnded(t *testing.T) {
	for _, useTLS := range []bool{false, true} {
		t.Run(fmt.Sprintf("tls=%v", useTLS), func(t *testing.T) {
			big := lodestar.Switch{Key: "m", State: "on", Version: 1, Reason: strings.Repeat("r", 4<<20)}
			s := &Server{Switches: oneSwitch{sw: big}, Hub: NewSwitchHub(), Heartbeat: 50 * time.Millisecond}
			var active, served atomic.Int32
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				active.Add(1)
				served.Add(1)
				defer active.Add(-1)
				s.streamSwitches(w, r)
			}))
			srv.Listener = smallSendBuffers{srv.Listener}
			var conn net.Conn
			if useTLS {
				srv.StartTLS()
				tc, err := tls.Dial("tcp", strings.TrimPrefix(srv.URL, "https://"), &tls.Config{InsecureSkipVerify: true})
				if err != nil {
					t.Fatal(err)
				}
				if raw, ok := tc.NetConn().(*net.TCPConn); ok {
					_ = raw.SetReadBuffer(4096)
				}
				conn = tc
			} else {
				srv.Start()
				c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
				if err != nil {
					t.Fatal(err)
				}
				_ = c.(*net.TCPConn).SetReadBuffer(4096)
				conn = c
			}
			t.Cleanup(srv.Close)
			defer conn.Close()
			if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the stream served", func() bool { return served.Load() == 1 })
			eventually(t, "the handler stuck in the snapshot returned", func() bool { return active.Load() == 0 })
		})
	}
}
