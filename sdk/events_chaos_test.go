package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/api"
	"github.com/lodestar-hq/lodestar/sdk"
)

// realIngest is the real server (one model, credit-risk, no version
// registered) for reporter tests, and its service token (read and
// ingest).
func realIngest(t *testing.T) *testServer {
	t.Helper()
	ts, err := newTestServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.stop)
	return ts
}

// storedEvents is how many events of version the server holds for
// credit-risk, read through the API: credit-risk registers no version,
// so GET /api/v1/models/{id}/unregistered-versions counts every one.
func storedEvents(t *testing.T, ts *testServer, version string) int64 {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+ts.serviceToken)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var sw struct {
		ModelID int64 `json:"model_id"`
	}
	get("/api/v1/switches/credit-risk", &sw)
	var page struct {
		Data []struct {
			Version string `json:"version"`
			Events  int64  `json:"events"`
		} `json:"data"`
	}
	get(fmt.Sprintf("/api/v1/models/%d/unregistered-versions", sw.ModelID), &page)
	for _, v := range page.Data {
		if v.Version == version {
			return v.Events
		}
	}
	return 0
}

func chaosEvent(version string, i int) sdk.Event {
	return sdk.Event{Version: version, Prediction: sdk.Number(float64(i%100) / 100), Features: map[string]any{"age": i % 90, "region": "north"}}
}

// TestReporterThroughAnOutage: while the server cannot be reached the
// queue holds at most its bound, the events beyond it are dropped and
// counted (ErrQueueFull, Dropped, the error handler); once the server is
// back every queued event is stored once, as the API counts them.
func TestReporterThroughAnOutage(t *testing.T) {
	ts := realIngest(t)
	p := newChaosProxy(t, strings.TrimPrefix(ts.srv.URL, "http://"))
	p.mode.Store(modeShut)
	before := runtime.NumGoroutine()
	var l losses
	rep := sdk.NewReporter("http://"+p.addr, ts.serviceToken, "credit-risk", sdk.WithBatchSize(100),
		sdk.WithMaxQueued(1000, 0), sdk.WithRetry(100_000, 5*time.Millisecond, 20*time.Millisecond),
		sdk.WithFlushInterval(10*time.Millisecond), sdk.WithErrorHandler(l.handle))
	full := 0
	for i := range 3000 {
		switch err := rep.Report(chaosEvent("outage", i)); {
		case errors.Is(err, sdk.ErrQueueFull):
			full++
		case err != nil:
			t.Fatalf("event %d: %v", i, err)
		}
	}
	st := rep.Stats()
	if st.Queued != 1000 || st.Dropped != 2000 || full != 2000 || st.Sent != 0 {
		t.Errorf("server down: queued %d, dropped %d, ErrQueueFull %d, sent %d; want 1000 held, 2000 dropped, none sent", st.Queued, st.Dropped, full, st.Sent)
	}
	waitFor(t, "retries against the down server", func() bool { return rep.Stats().Retries >= 3 })
	p.mode.Store(modePass)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := rep.Close(ctx); err != nil {
		t.Fatalf("Close once the server is back: %v", err)
	}
	st = rep.Stats()
	if st.Sent != 1000 || st.Duplicates != 0 || st.Failed != 0 || st.Queued != 0 || st.Dropped != 2000 {
		t.Errorf("after the outage: %+v; want 1000 sent, 2000 dropped, nothing else", st)
	}
	if n := storedEvents(t, ts, "outage"); n != 1000 {
		t.Errorf("the server holds %d events, want 1000", n)
	}
	if n := l.count(sdk.LossQueueFull, false); n != 2000 {
		t.Errorf("the error handler heard of %d events dropped, want 2000", n)
	}
	goroutinesBack(t, before)
}

// TestReporterAnswerLostAfterStoring: a batch the server stored whose
// answer never reached the reporter (the connection cut after the
// server's commit) is sent again, and stored once: the API counts each
// event once, Stats counts the second delivery's as Duplicates.
func TestReporterAnswerLostAfterStoring(t *testing.T) {
	ts := realIngest(t)
	real := ts.srv.Config.Handler
	var mu sync.Mutex
	seen := map[string]bool{} // each batch by its body: the first attempt's answer is lost
	var cut atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" {
			real.ServeHTTP(w, r)
			return
		}
		buf, err := io.ReadAll(r.Body)
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		first := !seen[string(buf)]
		seen[string(buf)] = true
		mu.Unlock()
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(buf))
		if first {
			rec := httptest.NewRecorder()
			real.ServeHTTP(rec, r2)
			if rec.Code != http.StatusOK {
				t.Errorf("the server refused a batch: %d %s", rec.Code, rec.Body)
			}
			cut.Add(1)
			panic(http.ErrAbortHandler) // stored; the answer is lost
		}
		real.ServeHTTP(w, r2)
	}))
	defer front.Close()
	rep := sdk.NewReporter(front.URL, ts.serviceToken, "credit-risk", sdk.WithBatchSize(100),
		sdk.WithRetry(8, 5*time.Millisecond, 20*time.Millisecond))
	for i := range 250 {
		if err := rep.Report(chaosEvent("lost-answer", i)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := rep.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := rep.Stats()
	if cut.Load() != 3 || st.Sent != 0 || st.Duplicates != 250 || st.Failed != 0 || st.Retries != 3 {
		t.Errorf("three batches whose first answer was lost (%d cut): %+v; want 250 duplicates on 3 retries, none sent anew or failed", cut.Load(), st)
	}
	if n := storedEvents(t, ts, "lost-answer"); n != 250 {
		t.Errorf("the server holds %d events, want 250, each once", n)
	}
}

// TestReporterConflictFromTheServer: an ID the server already holds for
// another event is refused line by line; the rest of the batch is
// stored, the refused line counted in Rejected and Conflicts and told to
// the error handler by its ID.
func TestReporterConflictFromTheServer(t *testing.T) {
	ts := realIngest(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	first := sdk.NewReporter(ts.srv.URL, ts.serviceToken, "credit-risk")
	e := chaosEvent("conflict", 1)
	e.ID = "evt-taken"
	if err := first.Report(e); err != nil {
		t.Fatal(err)
	}
	if err := first.Close(ctx); err != nil {
		t.Fatal(err)
	}
	var l losses
	second := sdk.NewReporter(ts.srv.URL, ts.serviceToken, "credit-risk", sdk.WithErrorHandler(l.handle))
	e.Prediction = sdk.Number(0.99) // the same ID, another event
	other := chaosEvent("conflict", 2)
	other.ID = "evt-free"
	for _, ev := range []sdk.Event{e, other} {
		if err := second.Report(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := second.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := second.Stats()
	if st.Sent != 1 || st.Rejected != 1 || st.Conflicts != 1 || st.Failed != 0 {
		t.Errorf("an ID taken and a new one: %+v; want 1 sent, 1 rejected as a conflict", st)
	}
	got := l.all()
	if len(got) != 1 || got[0].Reason != sdk.LossConflict || len(got[0].IDs) != 1 || got[0].IDs[0] != "evt-taken" {
		t.Errorf("the error handler heard %+v; want one LossConflict naming evt-taken", got)
	}
	if n := storedEvents(t, ts, "conflict"); n != 2 {
		t.Errorf("the server holds %d events, want 2 (the first kept as it was)", n)
	}
}

// TestReporterCloseWhileTheServerIsDown: Close with events queued and the
// server unreachable (connections refused, or taken and never answered)
// gives up when its context ends: it returns an error
// wrapping the context's, counts every undelivered event in Failed, and
// leaves no goroutine behind.
func TestReporterCloseWhileTheServerIsDown(t *testing.T) {
	ts := realIngest(t)
	for _, tc := range []struct {
		name string
		mode int32
	}{{"refusing connections", modeShut}, {"stalling", modeStall}} {
		t.Run(tc.name, func(t *testing.T) {
			p := newChaosProxy(t, strings.TrimPrefix(ts.srv.URL, "http://"))
			p.mode.Store(tc.mode)
			closeWhileDown(t, "http://"+p.addr, ts.serviceToken)
		})
	}
}

func closeWhileDown(t *testing.T, url, token string) {
	before := runtime.NumGoroutine()
	var l losses
	rep := sdk.NewReporter(url, token, "credit-risk", sdk.WithBatchSize(100), sdk.WithErrorHandler(l.handle))
	for i := range 500 {
		if err := rep.Report(chaosEvent("down", i)); err != nil {
			t.Fatal(err)
		}
		if i%100 == 0 {
			if err := rep.ReportLabel(fmt.Sprint(i), sdk.Number(1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- rep.Close(ctx) }()
	var err error
	select {
	case err = <-closed:
	case <-time.After(30 * time.Second): // the default retries would take 25–51 s
		t.Fatal("Close did not return once its context ended")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: %v, want an error wrapping context.DeadlineExceeded", err)
	}
	st := rep.Stats()
	if st.Failed != 500 || st.Queued != 0 || st.Sent != 0 || st.Labels.Failed != 5 || st.Labels.Queued != 0 {
		t.Errorf("after Close gave up: %+v; want the 500 events and 5 labels failed, none queued", st)
	}
	if n := l.count(sdk.LossClosed, false); n != 500 {
		t.Errorf("the error handler heard of %d events cut off by Close, want 500", n)
	}
	goroutinesBack(t, before)
}

// TestReporterConcurrentReports: many goroutines reporting at once to the
// real server: every event is stored once (the API counts them all),
// Stats adds up, and the race detector finds nothing.
func TestReporterConcurrentReports(t *testing.T) {
	ts := realIngest(t)
	rep := sdk.NewReporter(ts.srv.URL, ts.serviceToken, "credit-risk", sdk.WithBatchSize(500), sdk.WithFlushInterval(20*time.Millisecond))
	const goroutines, each = 32, 250
	var wg sync.WaitGroup
	var failed atomic.Int64
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := rep.Report(chaosEvent("concurrent", g*each+i)); err != nil {
					failed.Add(1)
				}
				if i%50 == 0 {
					_ = rep.Stats()
				}
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := rep.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d reports refused", n)
	}
	if st := rep.Stats(); st.Sent != goroutines*each || st.Duplicates != 0 || st.Queued != 0 {
		t.Errorf("%+v; want %d sent", st, goroutines*each)
	}
	if n := storedEvents(t, ts, "concurrent"); n != goroutines*each {
		t.Errorf("the server holds %d events, want %d", n, goroutines*each)
	}
}

// TestReporterCloseWhileReporting: Close called while goroutines are
// still reporting: every call ends in exactly one counter (the events
// Report took are sent, those after Close dropped with ErrClosed), as
// Stats promises, whenever Close comes.
func TestReporterCloseWhileReporting(t *testing.T) {
	ts := realIngest(t)
	for round := range 4 {
		rep := sdk.NewReporter(ts.srv.URL, ts.serviceToken, "credit-risk", sdk.WithBatchSize(50), sdk.WithFlushInterval(time.Millisecond))
		var wg sync.WaitGroup
		var calls, taken atomic.Int64
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 400 {
					calls.Add(1)
					switch err := rep.Report(chaosEvent("closing", i)); {
					case err == nil:
						taken.Add(1)
					case !errors.Is(err, sdk.ErrClosed):
						t.Errorf("Report: %v", err)
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(round) * 5 * time.Millisecond) // Close at another point each round
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if err := rep.Close(ctx); err != nil {
			t.Error(err)
		}
		cancel()
		wg.Wait()
		st := rep.Stats()
		if sum := st.Sent + st.Duplicates + st.Rejected + st.Dropped + st.Failed + st.Queued; sum != calls.Load() || st.Sent != taken.Load() || st.Dropped != calls.Load()-taken.Load() {
			t.Errorf("round %d: %+v: the counters add up to %d for %d calls, %d taken; want every taken one sent, the rest dropped", round, st, sum, calls.Load(), taken.Load())
		}
	}
}

// TestReporterAtTheServersIngestRate: a server holding the token to
// 2,000 lines a second (with its burst of 10,000 lines) refuses the
// batch beyond it with 429 and Retry-After; the reporter waits it out and
// resends, and every event is stored once. The limiter's clock stands
// still but for the Retry-After each refusal asks, so that the refusal
// does not hang on how fast the machine sends.
func TestReporterAtTheServersIngestRate(t *testing.T) {
	ts := realIngest(t)
	var mu sync.Mutex
	now := time.Now()
	ts.app.API.IngestLimit = &api.IngestLimiter{Rate: 2000, Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}}
	var refused atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		ts.srv.Config.Handler.ServeHTTP(rec, r)
		if rec.status == http.StatusTooManyRequests {
			refused.Add(1)
			secs, err := strconv.Atoi(w.Header().Get("Retry-After"))
			if err != nil {
				t.Errorf("429 without Retry-After in seconds: %v", err)
			}
			mu.Lock()
			now = now.Add(time.Duration(secs) * time.Second)
			mu.Unlock()
		}
	}))
	defer front.Close()
	rep := sdk.NewReporter(front.URL, ts.serviceToken, "credit-risk", sdk.WithBatchSize(1000))
	const total = 12_000 // the burst, and a second's worth more
	for i := range total {
		if err := rep.Report(chaosEvent("rate", i)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := rep.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := rep.Stats()
	if st.Sent != total || st.Failed != 0 || refused.Load() != 1 || st.Retries != 1 {
		t.Errorf("%+v after %d refusals; want all %d sent, the one batch refused sent again after its Retry-After", st, refused.Load(), total)
	}
	if n := storedEvents(t, ts, "rate"); n != total {
		t.Errorf("the server holds %d events, want %d", n, total)
	}
}
