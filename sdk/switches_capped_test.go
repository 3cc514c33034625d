package sdk_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/sdk"
)

// A client whose stream is lost and whose reconnections are refused with
// 429 and Retry-After (its token holds all the streams the server lets
// one credential hold) waits Retry-After between attempts — with a
// MinBackoff of 1 ms it would otherwise ask again at once, again and
// again — keeps the last state it knew meanwhile (not the default), says
// why in Err without taking the token for refused, and follows the
// stream again once one is taken.
func TestSwitchesBackOffOn429(t *testing.T) {
	var mu sync.Mutex
	var refusedAt []time.Time
	refusedTwice := make(chan struct{})
	requests := 0
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		n := requests
		mu.Unlock()
		switch {
		case n == 1 || n >= 4:
			// A snapshot with credit-risk off; the first stream then ends
			// (the server went away), the last stays until the test ends.
			w.Header().Set("Content-Type", "text/event-stream")
			version, state := 2, "off"
			if n >= 4 {
				version, state = 3, "fallback"
			}
			io.WriteString(w, "event: snapshot\nid: 1\ndata: [{\"key\":\"credit-risk\",\"state\":\""+state+"\",\"fallback\":\"rules\",\"version\":"+strconv.Itoa(version)+"}]\n\n")
			w.(http.Flusher).Flush()
			if n >= 4 {
				<-r.Context().Done()
			}
		default:
			w.Header().Set("Retry-After", "1")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"code":"too_many_requests","message":"This token already holds 5000 switch streams on this server."}}`)
			mu.Lock()
			refusedAt = append(refusedAt, time.Now())
			if len(refusedAt) == 2 {
				close(refusedTwice)
			}
			mu.Unlock()
		}
	}))
	defer front.Close()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: front.URL, Token: "lst_x", MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Second})
	defer sw.Close()
	select {
	case <-refusedTwice:
	case <-time.After(30 * time.Second):
		t.Fatalf("no second refusal within 30 s (Err: %v)", sw.Err())
	}
	if got := sw.State("credit-risk"); got != sdk.Off {
		t.Errorf("while refused: credit-risk %s, want off, the last state known (the default is on)", got)
	}
	err := sw.Err()
	if err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "already holds 5000 switch streams") {
		t.Errorf("Err while refused: %v, want the 429 with the server's reason", err)
	}
	if errors.Is(err, sdk.ErrRefused) {
		t.Errorf("Err %v is ErrRefused: a full cap is no refusal of the token", err)
	}
	waitFor(t, "the stream taken after the refusals", func() bool { return sw.State("credit-risk") == sdk.Fallback })
	mu.Lock()
	defer mu.Unlock()
	if gap := refusedAt[1].Sub(refusedAt[0]); gap < time.Second {
		t.Errorf("asked again %s after a 429 with Retry-After: 1", gap)
	}
	if requests != 4 {
		t.Errorf("%d requests, want 4: the first stream, two refused, the one taken", requests)
	}
}

// Against the real server: a second client on a token capped at one
// stream is refused (429), keeps asking at MaxBackoff, not in a loop,
// and follows the switches once the first client's stream closes and
// frees the slot.
func TestSwitchesAtTheCredentialsCap(t *testing.T) {
	ts, err := newTestServer(app.Options{MaxStreamsPerCredential: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.stop)
	first := sdk.NewSwitches(context.Background(), sdk.Options{URL: ts.srv.URL, Token: ts.readToken})
	select {
	case <-first.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("first client: no snapshot (Err: %v)", first.Err())
	}

	var mu sync.Mutex
	var refusedAt []time.Time
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		ts.srv.Config.Handler.ServeHTTP(rec, r)
		if rec.status == http.StatusTooManyRequests {
			mu.Lock()
			refusedAt = append(refusedAt, time.Now())
			mu.Unlock()
		}
	}))
	defer front.Close()
	const maxBackoff = 300 * time.Millisecond
	second := sdk.NewSwitches(context.Background(), sdk.Options{URL: front.URL, Token: ts.readToken, FailClosed: true,
		MinBackoff: time.Millisecond, MaxBackoff: maxBackoff})
	defer second.Close()
	waitFor(t, "two refusals of the second client", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(refusedAt) >= 2
	})
	if err := second.Err(); err == nil || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "--max-streams-per-credential") {
		t.Errorf("second client's Err: %v, want the 429 naming --max-streams-per-credential", err)
	}
	if got := second.State("credit-risk"); got != sdk.Off {
		t.Errorf("second client before any snapshot, failing closed: %s, want off", got)
	}
	first.Close()
	select {
	case <-second.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("second client: no snapshot after the first closed (Err: %v)", second.Err())
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(refusedAt); i++ {
		// The server says 20 s; MaxBackoff bounds it. A client that did
		// not honour it would ask again after 1, 2, 4 … ms.
		if gap := refusedAt[i].Sub(refusedAt[i-1]); gap < maxBackoff {
			t.Errorf("refusal %d came %s after the one before, want at least MaxBackoff (%s)", i, gap, maxBackoff)
		}
	}
}

// statusRecorder keeps the status a handler answered, and lets the
// stream's writes through (the real handler takes the connection over).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// The replicas of a service share a token; refused together at its cap
// of streams, with the SDK's default MaxBackoff they must still come back
// apart. The server's Retry-After at that cap was 30 s, as long as the
// default MaxBackoff, so the spread after it was clipped to nothing:
// every refused replica waited exactly 30 s and met the cap again in the
// same instant, each time costing the server a token lookup at once.
func TestSwitchesSpreadAtTheCredentialsCapByDefault(t *testing.T) {
	ts, err := newTestServer(app.Options{MaxStreamsPerCredential: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.stop)
	first := sdk.NewSwitches(context.Background(), sdk.Options{URL: ts.srv.URL, Token: ts.readToken})
	defer first.Close()
	select {
	case <-first.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("first client: no snapshot (Err: %v)", first.Err())
	}
	req, _ := http.NewRequest("GET", ts.srv.URL+"/api/v1/switches/stream", nil)
	req.Header.Set("Authorization", "Bearer "+ts.readToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a second stream of a token capped at one: %d, want 429", resp.StatusCode)
	}
	retryAfter := resp.Header.Get("Retry-After")
	floor, err := strconv.Atoi(retryAfter)
	if err != nil || floor <= 0 {
		t.Fatalf("Retry-After %q, want whole seconds", retryAfter)
	}
	opt := sdk.Options{URL: ts.srv.URL, Token: ts.readToken} // the default backoff
	seen := map[time.Duration]bool{}
	for range 200 {
		d := sdk.ReconnectWait(opt, retryAfter)
		if d < time.Duration(floor)*time.Second {
			t.Fatalf("wait %s after Retry-After %s, want it waited out", d, retryAfter)
		}
		seen[d/time.Millisecond] = true
	}
	if len(seen) < 150 {
		t.Errorf("200 clients refused at the token's cap (Retry-After %s) wait on %d distinct milliseconds with the default MaxBackoff, want them spread", retryAfter, len(seen))
	}
}
