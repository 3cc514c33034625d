package sdk_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// connTracker counts a server's open connections as the server sees
// them.
type connTracker struct {
	mu   sync.Mutex
	open map[net.Conn]bool
	seen int
}

func (c *connTracker) state(conn net.Conn, s http.ConnState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch s {
	case http.StateNew:
		c.open[conn] = true
		c.seen++
	case http.StateClosed, http.StateHijacked:
		delete(c.open, conn)
	}
}

func (c *connTracker) counts() (open, seen int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.open), c.seen
}

// A client on the default HTTP client that met a refusal (503 with
// Retry-After while the server's database is away, a 401) left that
// connection idle in net/http's shared transport after Close: two
// goroutines and a socket per client, which a goleak check in the
// caller's tests reports, until the server's idle timeout. Close now
// closes the connections of the client's own transport.
func TestSwitchesCloseClosesItsConnections(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusUnauthorized} {
		conns := &connTracker{open: map[net.Conn]bool{}}
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(`{"error":{"code":"x","message":"not now"}}`))
		}))
		srv.Config.ConnState = conns.state
		srv.Start()
		sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "lst_x", MinBackoff: 10 * time.Millisecond})
		waitFor(t, "a refusal", func() bool { return sw.Err() != nil })
		if open, _ := conns.counts(); open < 1 {
			t.Fatalf("%d: no connection open, want the refused one kept alive for the next attempt", status)
		}
		sw.Close()
		waitFor(t, "the client's connection to close", func() bool { open, _ := conns.counts(); return open == 0 })
		srv.Close()
	}
}

// A client given an HTTP client with a Timeout, as production code sets
// one, had its stream cut at every Timeout and reconnected, fetching a
// new snapshot, going STALE for OpenFeature, flips waiting for the
// reconnect, and Err saying "Client.Timeout exceeded". The stream is
// not timed out; the caller's client is left as it was.
func TestSwitchesIgnoreTheHTTPClientTimeout(t *testing.T) {
	srv, tok, flip := server(t)
	hc := &http.Client{Timeout: 100 * time.Millisecond}
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: tok, HTTPClient: hc, MinBackoff: 10 * time.Millisecond})
	defer sw.Close()
	select {
	case <-sw.Ready():
	case <-time.After(5 * time.Second):
		t.Fatalf("no snapshot: %v", sw.Err())
	}
	time.Sleep(5 * hc.Timeout) // several Timeouts: the stream outlives them
	flip("off", "")
	waitFor(t, "the flip", func() bool { return sw.State("credit-risk") == sdk.Off })
	if n, err := sw.Connections(), sw.Err(); n != 1 || err != nil {
		t.Errorf("%d streams, Err %v; want the first stream still live", n, err)
	}
	if hc.Timeout != 100*time.Millisecond {
		t.Errorf("the caller's client changed: Timeout %s", hc.Timeout)
	}
}
