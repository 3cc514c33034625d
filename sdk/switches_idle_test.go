package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/api"
	"github.com/lodestar-hq/lodestar/sdk"
)

// silencingProxy forwards TCP to backend; after silence(), the connections
// open at that moment stop delivering the server's bytes to the client
// without closing (as a NAT or load balancer that dropped its entry does),
// while new connections work.
func silencingProxy(t *testing.T, backend string) (addr string, silence func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var gen atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			born := gen.Load()
			b, err := net.Dial("tcp", backend)
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); b.Close() })
			go io.Copy(b, c)
			go func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := b.Read(buf)
					if n > 0 && gen.Load() == born {
						c.Write(buf[:n])
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), func() { gen.Add(1) }
}

// TestSwitchesSilentStreamReconnects: a stream on which nothing arrives,
// not even the heartbeat, is given up after IdleTimeout and a new one
// opened, so a flip made meanwhile reaches the client.
func TestSwitchesSilentStreamReconnects(t *testing.T) {
	old := api.Heartbeat
	api.Heartbeat = 20 * time.Millisecond
	defer func() { api.Heartbeat = old }()
	srv, tok, flip := server(t)
	addr, silence := silencingProxy(t, strings.TrimPrefix(srv.URL, "http://"))
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: "http://" + addr, Token: tok,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, IdleTimeout: 200 * time.Millisecond})
	defer sw.Close()
	<-sw.Ready()
	silence()
	flip("off", "")
	deadline := time.Now().Add(20 * time.Second)
	for sw.State("credit-risk") != sdk.Off && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := sw.State("credit-risk"); got != sdk.Off || sw.Connections() < 2 {
		t.Errorf("after the stream went silent: state %s, %d streams opened; want off through a new stream", got, sw.Connections())
	}
}

// A stream given up for silence says so: Err wraps sdk.ErrIdle and names
// IdleTimeout, and so does the log line, where both said only "context
// canceled" — after the snapshot (a proxy that froze), before it (a
// server or proxy stuck before it, heartbeats flowing) and before any
// answer at all. The backoff is long, so that Err stays the failure's.
func TestSwitchesSaySilence(t *testing.T) {
	old := api.Heartbeat
	api.Heartbeat = 20 * time.Millisecond
	defer func() { api.Heartbeat = old }()
	srv, tok, _ := server(t)
	frozen, silence := silencingProxy(t, strings.TrimPrefix(srv.URL, "http://"))
	noSnapshot := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for {
			fmt.Fprint(w, ": heartbeat\n\n")
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}))
	defer noSnapshot.Close()
	noAnswer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer noAnswer.Close()
	for _, tc := range []struct {
		name, url, want string
		snapshot        bool
	}{
		{"after the snapshot", "http://" + frozen, "not even a heartbeat", true},
		{"before the snapshot", noSnapshot.URL, "no snapshot", false},
		{"before an answer", noAnswer.URL, "no answer", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs syncBuffer
			sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: tc.url, Token: tok,
				MinBackoff: time.Hour, IdleTimeout: 200 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			defer sw.Close()
			if tc.snapshot {
				<-sw.Ready()
				silence()
			}
			waitFor(t, "the stream to be given up", func() bool { return sw.Err() != nil })
			err := sw.Err()
			if !errors.Is(err, sdk.ErrIdle) {
				t.Errorf("Err %q does not wrap sdk.ErrIdle", err)
			}
			for _, want := range []string{tc.want, "200ms (IdleTimeout)"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Err %q does not say %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "context canceled") {
				t.Errorf("Err %q: the silence is said as a cancellation", err)
			}
			waitFor(t, "the log line", func() bool { return strings.Contains(logs.String(), "IdleTimeout") })
			if l := logs.String(); strings.Contains(l, "context canceled") || !strings.Contains(l, tc.want) {
				t.Errorf("log %q, want the silence (%q) said, not a cancellation", l, tc.want)
			}
		})
	}
}

// TestSwitchesUnknownState: a state the client does not know (a newer
// server's) reads as the client's default: Off when it fails closed, On
// when it fails open.
func TestSwitchesUnknownState(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: snapshot\nid: 1\ndata: [{\"key\":\"a\",\"state\":\"paused\",\"version\":1},{\"key\":\"b\",\"version\":1},{\"key\":\"c\",\"state\":\"on\",\"version\":1}]\n\n")
		fmt.Fprint(w, "event: switch\nid: 2\ndata: {\"key\":\"c\",\"state\":\"OFF\",\"version\":2}\n\n")
		// A known flip after it: once the client has it, it has c's too.
		fmt.Fprint(w, "event: switch\nid: 3\ndata: {\"key\":\"marker\",\"state\":\"fallback\",\"version\":1}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	for _, closed := range []bool{true, false} {
		sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "x", FailClosed: closed})
		<-sw.Ready()
		want := map[bool]sdk.State{true: sdk.Off, false: sdk.On}[closed]
		deadline := time.Now().Add(10 * time.Second)
		for sw.State("marker") != sdk.Fallback && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		for _, key := range []string{"a", "b", "c"} {
			if got := sw.State(key); got != want {
				t.Errorf("fail closed %v: %s is %s, want %s", closed, key, got, want)
			}
		}
		sw.Close()
	}
}
