package sdk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/sdk"
)

// Proxy modes: how chaosProxy treats the server's bytes to the client.
const (
	modePass  = iota // forwarded as they come
	modeBytes        // forwarded one byte per write
	modeCut          // forwarded until a switch event, then cut inside it
	modeStall        // connections accepted, nothing sent either way
	modeShut         // connections closed at once
	modeHold         // connections held until release, then forwarded as they come
)

// chaosProxy is a TCP proxy between a client and a server whose mode
// (one of the above) applies to the connections accepted from then on;
// cuts counts the connections modeCut ended inside an event, held those
// modeHold holds until release is closed.
type chaosProxy struct {
	addr    string
	mode    atomic.Int32
	cuts    atomic.Int64
	held    atomic.Int64
	release chan struct{}
}

func newChaosProxy(t *testing.T, backend string) *chaosProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &chaosProxy{addr: ln.Addr().String(), release: make(chan struct{})}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var open []net.Conn
	t.Cleanup(func() {
		ln.Close()
		select {
		case <-p.release:
		default:
			close(p.release)
		}
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mode := p.mode.Load()
			if mode == modeShut {
				c.Close()
				continue
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			if mode == modeStall {
				continue // held open, silent, until the cleanup
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if mode == modeHold {
					p.held.Add(1)
					<-p.release
					mode = modePass
				}
				b, err := net.Dial("tcp", backend)
				if err != nil {
					c.Close()
					return
				}
				mu.Lock()
				open = append(open, b)
				mu.Unlock()
				wg.Add(1)
				go func() { defer wg.Done(); io.Copy(b, c); b.Close() }()
				defer c.Close()
				defer b.Close()
				p.forward(c, b, mode)
			}()
		}
	}()
	return p
}

// forward copies the server's bytes to the client as mode says.
func (p *chaosProxy) forward(c, b net.Conn, mode int32) {
	buf := make([]byte, 32<<10)
	var seen []byte // modeCut: what came from the server so far
	for {
		n, err := b.Read(buf)
		chunk := buf[:n]
		switch mode {
		case modeBytes:
			for i := range chunk {
				if _, err := c.Write(chunk[i : i+1]); err != nil {
					return
				}
			}
		case modeCut:
			start := len(seen)
			seen = append(seen, chunk...)
			// Everything of the switch event but the blank line that ends
			// it: its data line whole, JSON and all.
			if i := bytes.Index(seen, []byte("event: switch\n")); i >= 0 {
				if j := bytes.Index(seen[i:], []byte("\n\n")); j >= 0 {
					c.Write(seen[start : i+j+1])
					p.cuts.Add(1)
					return
				}
			}
			if _, err := c.Write(chunk); err != nil {
				return
			}
		default:
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// goroutinesBack waits until no more goroutines run than before.
func goroutinesBack(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Close, %d before\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSwitchesThroughABytewiseProxy: a stream that arrives one byte per
// TCP write — the snapshot and each flip split everywhere, the line ends
// too — reads as it does whole.
func TestSwitchesThroughABytewiseProxy(t *testing.T) {
	srv, tok, flip := server(t)
	p := newChaosProxy(t, strings.TrimPrefix(srv.URL, "http://"))
	p.mode.Store(modeBytes)
	before := runtime.NumGoroutine()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: "http://" + p.addr, Token: tok, MinBackoff: 10 * time.Millisecond})
	select {
	case <-sw.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("no snapshot byte by byte: %v", sw.Err())
	}
	for _, f := range []struct {
		state, fallback string
		want            sdk.State
	}{{"off", "", sdk.Off}, {"fallback", "rules-v3", sdk.Fallback}, {"on", "", sdk.On}} {
		flip(f.state, f.fallback)
		waitFor(t, "the flip to "+f.state, func() bool { return sw.State("credit-risk") == f.want })
	}
	if got := sw.Connections(); got != 1 {
		t.Errorf("%d streams opened, want the one: reading byte by byte failed a stream (Err: %v)", got, sw.Err())
	}
	sw.Close()
	goroutinesBack(t, before)
}

// TestSwitchesIgnoreAnEventCutOff: a connection cut inside a flip's event
// — its data line whole, only the blank line that ends the event missing
// — does not apply the flip: the client keeps the last state it knew,
// Err saying the connection was lost, until a new stream's snapshot
// brings the flip, announced once.
func TestSwitchesIgnoreAnEventCutOff(t *testing.T) {
	srv, tok, flip := server(t)
	p := newChaosProxy(t, strings.TrimPrefix(srv.URL, "http://"))
	p.mode.Store(modeCut)
	before := runtime.NumGoroutine()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: "http://" + p.addr, Token: tok, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	api := isolated.NewAPI()
	var changes atomic.Int64
	onChange := func(d openfeature.EventDetails) { changes.Add(int64(len(d.FlagChanges))) }
	api.AddHandler(openfeature.ProviderConfigChange, &onChange)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := api.SetProviderAndWait(ctx, sw.Provider()); err != nil {
		t.Fatal(err)
	}
	p.mode.Store(modeHold) // the next stream waits until the checks below
	flip("off", "")
	waitFor(t, "the cut", func() bool { return p.cuts.Load() == 1 })
	waitFor(t, "the client to reconnect", func() bool { return p.held.Load() == 1 })
	// Said as the stream's lost connection, not a bare "unexpected EOF".
	if err := sw.Err(); !strings.HasPrefix(err.Error(), "lodestar: switch stream: the connection was lost") || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Err %q: want it to say the stream's connection was lost, wrapping io.ErrUnexpectedEOF", err)
	}
	if got := sw.State("credit-risk"); got != sdk.On {
		t.Fatalf("after a flip's event cut before its end: %s, want the last known on (Err: %v)", got, sw.Err())
	}
	if n := changes.Load(); n != 0 {
		t.Errorf("the cut event was announced %d times", n)
	}
	p.mode.Store(modePass)
	close(p.release)
	waitFor(t, "the flip, from a new snapshot", func() bool { return sw.State("credit-risk") == sdk.Off })
	waitFor(t, "the announcement", func() bool { return changes.Load() >= 1 })
	time.Sleep(100 * time.Millisecond) // a second one, if any, is delivered
	if n := changes.Load(); n != 1 {
		t.Errorf("the flip was announced %d times, want once", n)
	}
	_ = api.Shutdown(context.Background())
	sw.Close()
	goroutinesBack(t, before)
}

// TestSwitchesThroughAStallingProxy: a proxy that takes the connection
// and sends nothing, ever, holds the client for IdleTimeout per attempt
// (Err wraps ErrIdle); once the proxy passes the stream again the client
// follows it.
func TestSwitchesThroughAStallingProxy(t *testing.T) {
	srv, tok, flip := server(t)
	p := newChaosProxy(t, strings.TrimPrefix(srv.URL, "http://"))
	p.mode.Store(modeStall)
	before := runtime.NumGoroutine()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: "http://" + p.addr, Token: tok, FailClosed: true,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, IdleTimeout: 100 * time.Millisecond})
	waitFor(t, "the stall to be given up", func() bool { return errors.Is(sw.Err(), sdk.ErrIdle) })
	if got := sw.State("credit-risk"); got != sdk.Off {
		t.Errorf("fail closed, before any snapshot: %s, want off", got)
	}
	flip("fallback", "rules")
	p.mode.Store(modePass)
	waitFor(t, "the stream through the proxy", func() bool { return sw.State("credit-risk") == sdk.Fallback })
	sw.Close()
	goroutinesBack(t, before)
}

// fakeStream serves what each request's turn says: the handler for the
// n-th request (from 0; the last one repeats).
func fakeStream(t *testing.T, turns ...http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1) - 1)
		turns[min(i, len(turns)-1)](w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// sse writes events and, with hold, keeps the stream open.
func sse(hold bool, events ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, e := range events {
			io.WriteString(w, e)
		}
		w.(http.Flusher).Flush()
		if hold {
			<-r.Context().Done()
		}
	}
}

func snapshotOf(state string, version int) string {
	return fmt.Sprintf("event: snapshot\nid: %d\ndata: [{\"key\":\"k\",\"state\":%q,\"version\":%d}]\n\n", version, state, version)
}

// TestSwitchesKeepStatesThroughBadAnswers: a 500, a malformed flip, a
// malformed snapshot and an event larger than the client reads end the
// stream, say why in Err, and keep the last known state; the next good
// stream is followed.
func TestSwitchesKeepStatesThroughBadAnswers(t *testing.T) {
	huge := "event: switch\ndata: {\"key\":\"k\",\"state\":\"on\",\"version\":9,\"fallback\":\"" + strings.Repeat("x", 17<<20) + "\"}\n\n"
	for _, tc := range []struct {
		name string
		bad  http.HandlerFunc
		want string
	}{
		{"500", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"code":"internal","message":"database is locked"}}`)
		}, "500 Internal Server Error: database is locked"},
		{"malformed flip", sse(true, snapshotOf("off", 2), "event: switch\ndata: {\"key\":\"k\",\"state\":\"on\",\"version\":3\n\n"), "a switch event that is not the server's JSON"},
		{"malformed snapshot", sse(true, "event: snapshot\ndata: [{\"key\":\"k\",\"state\":\"on\",\"version\":3}\n\n"), "a snapshot event that is not the server's JSON"},
		{"huge event", sse(true, snapshotOf("off", 2), huge), "16 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checked := make(chan struct{})
			good := sse(true, snapshotOf("fallback", 4))
			srv, n := fakeStream(t, sse(false, snapshotOf("off", 2)), tc.bad, func(w http.ResponseWriter, r *http.Request) {
				<-checked // Err stays the bad answer's until it is read
				good(w, r)
			})
			before := runtime.NumGoroutine()
			sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "x", MinBackoff: 200 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
			<-sw.Ready()
			waitFor(t, "the bad answer", func() bool { return n.Load() >= 3 })
			err := sw.Err()
			if got := sw.State("k"); got != sdk.Off {
				t.Errorf("after %s: %s, want the last known off", tc.name, got)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "lodestar: switch stream") {
				t.Errorf("Err %q: want it to start with \"lodestar: switch stream\" and say %q", err, tc.want)
			}
			close(checked)
			waitFor(t, "the next good stream", func() bool { return sw.State("k") == sdk.Fallback })
			sw.Close()
			goroutinesBack(t, before)
		})
	}
}

// TestSwitchesTokenRevokedWhileStreaming: a token revoked while its
// stream is open ends the stream within a heartbeat or two, and the
// reconnection is refused: Err wraps ErrRefused with the server's reason,
// and the client keeps answering the last known state (not the default).
func TestSwitchesTokenRevokedWhileStreaming(t *testing.T) {
	a, srv, _, flip := serverApp(t)
	a.API.Heartbeat = 20 * time.Millisecond
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
	tok, secret, err := a.Store.CreateToken(ctx, "svc@example.com", "revoked-later", nil)
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: secret,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	<-sw.Ready()
	flip("off", "")
	waitFor(t, "the flip", func() bool { return sw.State("credit-risk") == sdk.Off })
	if err := a.Store.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the refusal", func() bool { return errors.Is(sw.Err(), sdk.ErrRefused) })
	if err := sw.Err(); !strings.Contains(err.Error(), "401") {
		t.Errorf("Err %q does not say the server's 401", err)
	}
	if got := sw.State("credit-risk"); got != sdk.Off {
		t.Errorf("refused: %s, want the last known off", got)
	}
	sw.Close()
	goroutinesBack(t, before)
}
