package sdk_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// A stream cut right after its snapshot (a proxy that ends every response
// at once, a server ending each stream) is not a stream that worked: the
// reconnections back off as after any failure, instead of starting over
// at MinBackoff every time — hundreds of snapshots a second from each
// client, thousands of clients over, against a server that could not
// keep them. The states still come from each snapshot meanwhile.
func TestSwitchesBackOffWhenStreamsEndAtOnce(t *testing.T) {
	var streams atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		streams.Add(1)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: snapshot\nid: 1\ndata: [{\"key\":\"credit-risk\",\"state\":\"off\",\"version\":1}]\n\n")
	}))
	defer srv.Close()
	// Waits of 10 ms doubling to 400 ms: backing off, the client can
	// open at most about 17 streams in 2 s (10+20+…+320 ms, halved by the
	// jitter at worst, then 200–400 ms each); starting over each time it
	// opened hundreds.
	c := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "t", MinBackoff: 10 * time.Millisecond, MaxBackoff: 400 * time.Millisecond})
	<-c.Ready()
	time.Sleep(2 * time.Second)
	c.Close()
	if n := streams.Load(); n > 25 {
		t.Errorf("%d streams in 2 s from one client whose streams each ended after the snapshot, want at most 25: the waits did not grow", n)
	}
	if c.State("credit-risk") != sdk.Off {
		t.Errorf("credit-risk reads %v, want off, as every snapshot said", c.State("credit-risk"))
	}
	if c.Err() == nil {
		t.Error("Err is nil, want why the latest stream failed")
	}
}

// A stream that lives a while each time — a load balancer that ends every
// response after its timeout (30 s on some) — is a stream that worked: the
// client reconnects at once after each, as after a server restart, rather
// than backing off further each time and going without a stream, its flips
// unseen, for up to MaxBackoff between two. Here each stream lives 150 ms,
// longer than the first wait (50–100 ms), with a MaxBackoff of 5 s:
// reconnecting at once, ten streams take about 2.5 s; backing off further
// each time (100 ms doubling), over 15 s.
func TestSwitchesReconnectAtOnceAfterAStreamThatLasted(t *testing.T) {
	var streams atomic.Int64
	tenth := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if streams.Add(1) == 10 {
			close(tenth)
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: snapshot\nid: 1\ndata: [{\"key\":\"credit-risk\",\"state\":\"off\",\"version\":1}]\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-time.After(150 * time.Millisecond):
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	c := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "t", MinBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second})
	defer c.Close()
	select {
	case <-tenth:
	case <-time.After(8 * time.Second):
		t.Fatalf("%d streams in 8 s from a client whose streams each lasted 150 ms, want 10: it backed off after streams that worked", streams.Load())
	}
}
