package sdk_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/lodestar-hq/lodestar/sdk"
)

// A token read from a file or a secret mount ends in a line break: the
// client trims it. It was sent as is, Go refused the header, and the client
// retried forever without a word, answering defaults.
func TestSwitchesTrimTheToken(t *testing.T) {
	srv, tok, _ := server(t)
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: " " + tok + "\r\n", MinBackoff: 10 * time.Millisecond})
	defer sw.Close()
	select {
	case <-sw.Ready():
	case <-time.After(5 * time.Second):
		t.Fatalf("a token with a trailing line break: no snapshot (Err: %v)", sw.Err())
	}
	if err := sw.Err(); err != nil {
		t.Errorf("Err with a live stream: %v, want nil", err)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A refused token is said: Err and the logger give the status, the
// server's reason and what the client needs, where before the client
// kept answering defaults with nothing to tell why.
func TestSwitchesSayWhyTheStreamFails(t *testing.T) {
	srv, _, _ := server(t)
	var logs syncBuffer
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "lst_wrong", MinBackoff: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer sw.Close()
	waitFor(t, "the refusal", func() bool { return sw.Err() != nil })
	for _, want := range []string{"401", "invalid or revoked"} {
		if !strings.Contains(sw.Err().Error(), want) {
			t.Errorf("Err %q does not say %q", sw.Err(), want)
		}
	}
	waitFor(t, "the log line", func() bool { return strings.Contains(logs.String(), "401") })
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("log %q, want a warning", logs.String())
	}

	// A proxy's 403 without the server's reason: the client says what it needs.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "denied", http.StatusForbidden) }))
	defer proxy.Close()
	bare := sdk.NewSwitches(context.Background(), sdk.Options{URL: proxy.URL, Token: "t", MinBackoff: 10 * time.Millisecond})
	defer bare.Close()
	waitFor(t, "the bare refusal", func() bool { return bare.Err() != nil })
	if e := bare.Err().Error(); !strings.Contains(e, "403") || !strings.Contains(e, "read scope") {
		t.Errorf("a bare 403: Err %q, want the status and the scope the client needs", e)
	}

	down := sdk.NewSwitches(context.Background(), sdk.Options{URL: "http://127.0.0.1:1", Token: "t", MinBackoff: 10 * time.Millisecond})
	defer down.Close()
	waitFor(t, "the failed connection", func() bool { return down.Err() != nil })
	if !strings.Contains(down.Err().Error(), "127.0.0.1:1") {
		t.Errorf("unreachable server: Err %q does not name it", down.Err())
	}
}

// initResult runs SetProviderAndWait with a context that has no deadline,
// as openfeature.SetProviderAndWait does, and gives up on it after 10 s.
func initResult(t *testing.T, sw *sdk.Switches) error {
	t.Helper()
	api := isolated.NewAPI()
	done := make(chan error, 1)
	go func() { done <- api.SetProviderAndWait(context.Background(), sw.Provider()) }()
	select {
	case err := <-done:
		_ = api.Shutdown(context.Background())
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("SetProviderAndWait without a deadline never returned")
		return nil
	}
}

// OpenFeature's SetProviderAndWait passes a context without a deadline to
// InitWithContext, which then waited forever for a server that was down
// or refused the token: the service never started. The initialisation is
// bounded when the caller's context is not, and a refused token fails it
// at once, saying why.
func TestOpenFeatureInitEnds(t *testing.T) {
	srv, _, _ := server(t)
	refused := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "lst_wrong", MinBackoff: 10 * time.Millisecond})
	defer refused.Close()
	err := initResult(t, refused)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("refused token: init error %v, want the 401 and its reason", err)
	}

	defer sdk.SetInitTimeout(100 * time.Millisecond)()
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer dead.Close()
	silent := sdk.NewSwitches(context.Background(), sdk.Options{URL: dead.URL, Token: "t"})
	defer silent.Close()
	if err := initResult(t, silent); err == nil {
		t.Error("a server that never answers: the provider initialised")
	}
}

// A URL without its scheme can never connect: Err says so from the start
// and the OpenFeature initialisation fails at once, where the client
// retried forever on "unsupported protocol scheme".
func TestSwitchesRefuseAURLTheyCannotFollow(t *testing.T) {
	for _, base := range []string{"localhost:8080", "127.0.0.1:8080", "ftp://lodestar.example", ""} {
		sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: base, Token: "t", FailClosed: true})
		if err := sw.Err(); err == nil || !strings.Contains(err.Error(), "http:// or https://") {
			t.Errorf("%q: Err %v, want the URL refused", base, err)
		}
		if sw.State("credit-risk") != sdk.Off {
			t.Errorf("%q: state %s, want the fail-closed default", base, sw.State("credit-risk"))
		}
		if err := initResult(t, sw); err == nil || !strings.Contains(err.Error(), "http:// or https://") {
			t.Errorf("%q: OpenFeature init %v, want the URL refused", base, err)
		}
		sw.Close()
	}
}

// A client whose context ends (a request's, passed by mistake) stops
// following the server: Err says so, where it stayed nil and the states
// froze without a word. Close is the caller's own end: Err stays as it was.
func TestSwitchesSayWhenTheirContextEnds(t *testing.T) {
	srv, tok, _ := server(t)
	ctx, cancel := context.WithCancel(context.Background())
	// Fail-closed: the last known on cannot be mistaken for the default.
	sw := sdk.NewSwitches(ctx, sdk.Options{URL: srv.URL, Token: tok, FailClosed: true})
	defer sw.Close()
	<-sw.Ready()
	cancel()
	waitFor(t, "the stop to be told", func() bool { return sw.Err() != nil })
	if e := sw.Err().Error(); !strings.Contains(e, "context ended") || !strings.Contains(e, "context canceled") {
		t.Errorf("Err %q, want the context's end", e)
	}
	if sw.State("credit-risk") != sdk.On {
		t.Errorf("state %s after the stop, want the last known on", sw.State("credit-risk"))
	}

	closed := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: tok})
	<-closed.Ready()
	closed.Close()
	if err := closed.Err(); err != nil {
		t.Errorf("after Close: Err %v, want nil", err)
	}
}

// A server that answers 503 with Retry-After (its database away: the
// real server says 5 s) is given that long before the client reconnects,
// where it came back within MinBackoff, thousands of clients over; the
// wait stays within MaxBackoff, so a proxy asking for an hour does not
// hold the switches stale for an hour.
func TestSwitchesWaitOutRetryAfter(t *testing.T) {
	srv, tok, _ := server(t)
	for _, tc := range []struct {
		name, retryAfter string
		maxBackoff       time.Duration
		minGap           time.Duration
	}{
		{"waited out", "1", 5 * time.Second, time.Second},
		{"within MaxBackoff", "3600", 50 * time.Millisecond, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			var arrived, answered []time.Time
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				n := len(arrived)
				arrived = append(arrived, time.Now())
				mu.Unlock()
				if n == 0 {
					w.Header().Set("Retry-After", tc.retryAfter)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusServiceUnavailable)
					io.WriteString(w, `{"error":{"code":"unavailable","message":"The database cannot be reached."}}`)
					mu.Lock()
					answered = append(answered, time.Now())
					mu.Unlock()
					return
				}
				srv.Config.Handler.ServeHTTP(w, r)
			}))
			defer front.Close()
			sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: front.URL, Token: tok,
				MinBackoff: time.Millisecond, MaxBackoff: tc.maxBackoff})
			defer sw.Close()
			select {
			case <-sw.Ready():
			case <-time.After(10 * time.Second):
				t.Fatalf("no snapshot after the 503 (Err: %v)", sw.Err())
			}
			mu.Lock()
			defer mu.Unlock()
			if len(arrived) != 2 {
				t.Fatalf("%d requests, want the refused one and the one that got the snapshot", len(arrived))
			}
			if gap := arrived[1].Sub(answered[0]); gap < tc.minGap {
				t.Errorf("reconnected %s after a 503 with Retry-After: %s", gap, tc.retryAfter)
			}
		})
	}
}

// A token copied with its "Bearer " from a curl command works: it was
// sent as "Bearer Bearer …" and refused on every request.
func TestSwitchesTakeATokenWithItsBearer(t *testing.T) {
	srv, tok, _ := server(t)
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "Bearer " + tok, MinBackoff: 10 * time.Millisecond})
	defer sw.Close()
	select {
	case <-sw.Ready():
	case <-time.After(5 * time.Second):
		t.Fatalf("a token given as 'Bearer <token>': no snapshot (Err: %v)", sw.Err())
	}
}
