package sdk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// ingest is a test server speaking the ingestion protocol: it checks the
// token, model key, content type and limits, stores events by ID
// (dropping duplicates), matches labels to stored events, and rejects
// lines that are not valid events of a binary model. hook, when set, runs
// first and may answer the request itself (return true).
type ingest struct {
	t        testing.TB
	mu       sync.Mutex
	events   map[string]map[string]any // id → the line as decoded
	raw      map[string]string         // id → the line as sent
	labels   map[string]any
	requests []time.Time // arrival of each request
	answered []time.Time // when each answer was written
	dups     int64
	hook     func(n int, w http.ResponseWriter, r *http.Request) bool
	after    func(n int, w http.ResponseWriter, r *http.Request) // after storing, before answering
	srv      *httptest.Server
}

const ingestToken = "lst_ingest_test"

func newIngest(t testing.TB) *ingest {
	s := &ingest{t: t, events: map[string]map[string]any{}, raw: map[string]string{}, labels: map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/models/{key}/events", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, s.event) })
	mux.HandleFunc("POST /api/v1/models/{key}/labels", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, s.label) })
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"code":%q,"message":%q}}`, code, msg)
}

type tally struct {
	Accepted   int              `json:"accepted"`
	Duplicates int              `json:"duplicates"`
	Updated    int              `json:"updated"`
	Unknown    []map[string]any `json:"unknown"`
	Rejected   []map[string]any `json:"rejected"`
}

func (s *ingest) serve(w http.ResponseWriter, r *http.Request, line func(int, []byte, *tally) error) {
	s.mu.Lock()
	n := len(s.requests)
	s.requests = append(s.requests, time.Now())
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.answered = append(s.answered, time.Now())
		s.mu.Unlock()
	}()
	if s.hook != nil && s.hook(n, w, r) {
		return
	}
	switch {
	case r.Header.Get("Authorization") != "Bearer "+ingestToken:
		apiError(w, 401, "unauthorized", "bad token")
		return
	case r.PathValue("key") != "credit-risk":
		apiError(w, 404, "not_found", "no model "+r.PathValue("key"))
		return
	case r.Header.Get("Content-Type") != "application/x-ndjson":
		apiError(w, 415, "unsupported_media", "want application/x-ndjson")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 8<<20))
	if err != nil {
		apiError(w, 413, "too_large", err.Error())
		return
	}
	lines := bytes.Split(bytes.TrimSuffix(body, []byte("\n")), []byte("\n"))
	if len(lines) > 10_000 {
		apiError(w, 413, "too_large", "more than 10,000 lines")
		return
	}
	var res tally
	s.mu.Lock()
	for i, l := range lines {
		if err := line(i+1, l, &res); err != nil {
			res.Rejected = append(res.Rejected, map[string]any{"line": i + 1, "error": err.Error()})
		}
	}
	s.mu.Unlock()
	if s.after != nil {
		s.after(n, w, r)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(res)
}

// event stores one line; the caller holds mu.
func (s *ingest) event(_ int, l []byte, res *tally) error {
	var e map[string]any
	d := json.NewDecoder(bytes.NewReader(l))
	d.UseNumber()
	if err := d.Decode(&e); err != nil {
		return err
	}
	for k := range e {
		switch k {
		case "id", "time", "version", "features", "prediction", "label", "latency_ms", "groups":
		default:
			return fmt.Errorf("unknown field %q", k)
		}
	}
	id, _ := e["id"].(string)
	if id == "" {
		return errors.New("no id")
	}
	if v, _ := e["version"].(string); v == "" {
		return errors.New("no version")
	}
	if t, ok := e["time"]; ok {
		ts, _ := t.(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			return fmt.Errorf("time: %v", err)
		}
	}
	if f, ok := e["features"].(map[string]any); !ok && e["features"] != nil {
		return errors.New("features is not an object")
	} else {
		for k, v := range f {
			switch v.(type) {
			case nil, string, json.Number:
			default:
				return fmt.Errorf("feature %q: %T", k, v)
			}
		}
	}
	p, ok := e["prediction"].(json.Number)
	if !ok {
		return errors.New("prediction is not a number (binary model)")
	}
	if x, _ := p.Float64(); x < 0 || x > 1 {
		return fmt.Errorf("prediction %v out of [0, 1]", x)
	}
	if _, dup := s.events[id]; dup {
		res.Duplicates++
		s.dups++
		return nil
	}
	s.events[id] = e
	s.raw[id] = string(l)
	res.Accepted++
	return nil
}

func (s *ingest) label(n int, l []byte, res *tally) error {
	var in struct {
		ID    string `json:"id"`
		Label any    `json:"label"`
	}
	d := json.NewDecoder(bytes.NewReader(l))
	d.DisallowUnknownFields()
	if err := d.Decode(&in); err != nil {
		return err
	}
	if _, ok := s.events[in.ID]; !ok {
		res.Unknown = append(res.Unknown, map[string]any{"line": n, "id": in.ID})
		return nil
	}
	s.labels[in.ID] = in.Label
	res.Updated++
	return nil
}

func (s *ingest) count() (events, requests int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events), len(s.requests)
}

func (s *ingest) reporter(key string, opts ...sdk.ReporterOption) *sdk.Reporter {
	return sdk.NewReporter(s.srv.URL, ingestToken, key, opts...)
}

func closeReporter(t testing.TB, r *sdk.Reporter) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func event(id string, score float64) sdk.Event {
	return sdk.Event{ID: id, Version: "2.0", Features: map[string]any{"age": 31, "region": "north"}, Prediction: sdk.Number(score)}
}

func TestReporterWritesTheWireFormat(t *testing.T) {
	s := newIngest(t)
	r := s.reporter("credit-risk", sdk.WithFlushInterval(time.Hour))
	at := time.Date(2026, 11, 28, 18, 0, 0, 123_000_000, time.FixedZone("CST", 8*3600))
	full := sdk.Event{
		ID: "e-1", Time: at, Version: "2.0",
		Features:   map[string]any{"age": 31, "income": nil, "region": "north", "ratio": 0.25, "n": uint16(7), "f32": float32(1.5), "note": "quote \" backslash \\ newline \n ctl \x01 中文 bad \xff"},
		Prediction: sdk.Number(0.82), Label: sdk.Number(1), Latency: 12500 * time.Microsecond,
		Groups: map[string]string{"gender": "f", "区域": "华北"},
	}
	if err := r.Report(full); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if err := r.Report(sdk.Event{Version: "2.0", Prediction: sdk.Number(0)}); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	closeReporter(t, r)

	if len(s.events) != 2 {
		t.Fatalf("got %d events stored, want 2", len(s.events))
	}
	got := s.events["e-1"]
	want := map[string]any{
		"id": "e-1", "time": "2026-11-28T10:00:00.123Z", "version": "2.0",
		"features": map[string]any{"age": json.Number("31"), "income": nil, "region": "north", "ratio": json.Number("0.25"),
			"n": json.Number("7"), "f32": json.Number("1.5"), "note": "quote \" backslash \\ newline \n ctl \x01 中文 bad \ufffd"},
		"prediction": json.Number("0.82"), "label": json.Number("1"), "latency_ms": json.Number("12.5"),
		"groups": map[string]any{"gender": "f", "区域": "华北"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored event:\n got %v\nwant %v", got, want)
	}
	for id, raw := range s.raw {
		if id == "e-1" {
			continue
		}
		if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
			t.Errorf("generated ID %q, want a UUIDv7", id)
		}
		for _, absent := range []string{`"label"`, `"latency_ms"`, `"groups"`} {
			if strings.Contains(raw, absent) {
				t.Errorf("minimal event %s carries %s", raw, absent)
			}
		}
		// An event without a time is stamped when reported, not left to
		// the server's arrival time (the batch's, one for all its events).
		stamp, err := time.Parse(time.RFC3339Nano, fmt.Sprint(s.events[id]["time"]))
		if err != nil || stamp.Before(before) || stamp.After(after) {
			t.Errorf("minimal event's time %v (%v), want the moment of Report, between %v and %v", s.events[id]["time"], err, before, after)
		}
	}
	if st := r.Stats(); st.Sent != 2 || st.Queued != 0 || st.Failed != 0 {
		t.Errorf("stats %+v, want 2 sent and nothing queued or failed", st)
	}
}

func TestReporterSendsMulticlassPredictions(t *testing.T) {
	s := newIngest(t)
	r := s.reporter("credit-risk")
	r.Report(sdk.Event{ID: "m-1", Version: "1", Prediction: sdk.Class("approve")})
	closeReporter(t, r)
	// The test server models a binary classifier, so a class name is
	// refused line by line: counted, and not retried.
	if st := r.Stats(); st.Rejected != 1 || st.Sent != 0 || st.Retries != 0 {
		t.Errorf("stats %+v, want the one line rejected", st)
	}
}

// The server fails twice with 503, then stores a batch but the answer is
// lost (the connection drops): the retry must be counted as duplicates,
// and every event stored exactly once.
func TestReporterRetriesWithoutLossOrDuplication(t *testing.T) {
	s := newIngest(t)
	s.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n < 2 {
			apiError(w, 503, "unavailable", "warming up")
			return true
		}
		return false
	}
	s.after = func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 2 {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			conn.Close()
			panic(http.ErrAbortHandler)
		}
	}
	r := s.reporter("credit-risk", sdk.WithBatchSize(50), sdk.WithFlushInterval(time.Hour), sdk.WithRetry(10, time.Millisecond, 20*time.Millisecond))
	ids := map[string]bool{}
	for i := range 500 {
		id := ""
		if i%2 == 0 { // half with the caller's IDs, half generated
			id = sdk.NewEventID()
			ids[id] = true
		}
		if err := r.Report(event(id, 0.5)); err != nil {
			t.Fatal(err)
		}
	}
	closeReporter(t, r)
	st := r.Stats()
	if st.Sent != 450 || st.Duplicates != 50 || st.Retries != 3 || st.Failed != 0 || st.Queued != 0 || st.Dropped != 0 {
		t.Errorf("stats %+v, want 450 sent and 50 duplicates (the batch whose answer was lost, stored by the first attempt), 3 retries", st)
	}
	if len(s.events) != 500 || s.dups != 50 {
		t.Errorf("server stored %d events and saw %d duplicates, want 500 and 50", len(s.events), s.dups)
	}
	for id := range ids {
		if s.events[id] == nil {
			t.Errorf("event %s lost", id)
		}
	}
}

// A server slower than the client's timeout: the client gives up on the
// request and retries it; the server, which did store the batch, reports
// duplicates, and nothing is stored twice.
func TestReporterRetriesTimedOutRequests(t *testing.T) {
	s := newIngest(t)
	s.after = func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			<-r.Context().Done() // answer only once the client has given up
		}
	}
	r := s.reporter("credit-risk", sdk.WithBatchSize(20), sdk.WithFlushInterval(time.Hour),
		sdk.WithHTTPClient(&http.Client{Timeout: 300 * time.Millisecond}), sdk.WithRetry(5, time.Millisecond, 10*time.Millisecond))
	for range 60 {
		r.Report(event("", 0.1))
	}
	closeReporter(t, r)
	st := r.Stats()
	if st.Sent+st.Duplicates != 60 || st.Retries < 1 || st.Failed != 0 || st.Duplicates != s.dups {
		t.Errorf("stats %+v (server saw %d duplicates), want 60 delivered after at least one retry", st, s.dups)
	}
	if len(s.events) != 60 {
		t.Errorf("server stored %d events, want 60", len(s.events))
	}
}

func TestReporterHonoursRetryAfter(t *testing.T) {
	for _, status := range []int{429, 503} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			s := newIngest(t)
			s.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
				if n == 0 {
					w.Header().Set("Retry-After", "1")
					apiError(w, status, "too_many_requests", "slow down")
					return true
				}
				return false
			}
			// Backoff alone would retry within 2 ms.
			r := s.reporter("credit-risk", sdk.WithRetry(3, time.Millisecond, 2*time.Millisecond))
			r.Report(event("a", 0.3))
			closeReporter(t, r)
			if len(s.requests) != 2 || r.Stats().Sent != 1 || r.Stats().Retries != 1 {
				t.Fatalf("%d requests, stats %+v; want one refused, one accepted", len(s.requests), r.Stats())
			}
			if gap := s.requests[1].Sub(s.answered[0]); gap < time.Second {
				t.Errorf("retried %s after a Retry-After of 1 s", gap)
			}
		})
	}
}

func TestReporterDoesNotRetryClientErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		key    string
		token  string
		status int // injected; 0 lets the server decide
		reqs   int // requests made; 0 means 1
	}{
		{"401 bad token", "credit-risk", "lst_wrong", 0, 0},
		{"404 unknown model", "no-such-model", ingestToken, 0, 0},
		{"400", "credit-risk", ingestToken, 400, 0},
		{"403", "credit-risk", ingestToken, 403, 0},
		// A batch refused as too large is sent again in halves (see
		// TestReporterSplitsWhatAProxyRefusesAsTooLarge), never retried
		// as is: 5 lines, then 2 and 3, then 1, 1, 1 and 2, then 1 and 1.
		{"413", "credit-risk", ingestToken, 413, 9},
		{"415", "credit-risk", ingestToken, 415, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newIngest(t)
			if tc.status != 0 {
				s.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
					apiError(w, tc.status, "refused", "no")
					return true
				}
			}
			r := sdk.NewReporter(s.srv.URL, tc.token, tc.key, sdk.WithRetry(5, time.Millisecond, time.Millisecond))
			for i := range 5 {
				r.Report(event(fmt.Sprint("e-", i), 0.5))
			}
			closeReporter(t, r)
			st := r.Stats()
			want := max(1, tc.reqs)
			if _, reqs := s.count(); reqs != want || st.Failed != 5 || st.Retries != 0 || st.Sent != 0 {
				t.Errorf("%d requests, stats %+v; want %d and the 5 events failed without retry", reqs, st, want)
			}
		})
	}
}

func TestReporterCountsRejectedLines(t *testing.T) {
	s := newIngest(t)
	r := s.reporter("credit-risk", sdk.WithRetry(5, time.Millisecond, time.Millisecond))
	for i := range 10 {
		score := 0.5
		if i%5 == 0 {
			score = 1.5 // out of [0, 1]: the server refuses the line
		}
		r.Report(event(fmt.Sprint("e-", i), score))
	}
	closeReporter(t, r)
	if st := r.Stats(); st.Sent != 8 || st.Rejected != 2 || st.Retries != 0 || st.Failed != 0 {
		t.Errorf("stats %+v, want 8 sent and 2 rejected, no retries", st)
	}
}

func TestReporterGivesUpAfterRetries(t *testing.T) {
	s := newIngest(t)
	s.hook = func(int, http.ResponseWriter, *http.Request) bool { panic(http.ErrAbortHandler) } // network errors
	r := s.reporter("credit-risk", sdk.WithRetry(2, time.Millisecond, 2*time.Millisecond))
	for range 7 {
		r.Report(event("", 0.5))
	}
	closeReporter(t, r)
	if _, reqs := s.count(); reqs != 3 {
		t.Errorf("%d requests, want 3 (one and two retries)", reqs)
	}
	if st := r.Stats(); st.Failed != 7 || st.Retries != 2 || st.Queued != 0 {
		t.Errorf("stats %+v, want 7 failed after 2 retries", st)
	}
}

// While the server does not answer, the queue fills to its bound; the
// newest events are dropped and counted, and what was kept arrives.
func TestReporterBoundedQueueDropsNewest(t *testing.T) {
	s := newIngest(t)
	release := make(chan struct{})
	s.hook = func(int, http.ResponseWriter, *http.Request) bool { <-release; return false }
	r := s.reporter("credit-risk", sdk.WithBatchSize(10), sdk.WithMaxQueued(100, 0))
	kept := map[string]bool{}
	full := 0
	for i := range 1000 {
		id := fmt.Sprint("e-", i)
		switch err := r.Report(event(id, 0.5)); {
		case err == nil:
			kept[id] = true
		case errors.Is(err, sdk.ErrQueueFull):
			full++
		default:
			t.Fatal(err)
		}
	}
	if st := r.Stats(); st.Queued != 100 || st.Dropped != 900 || full != 900 {
		t.Errorf("with the server stalled: stats %+v and %d ErrQueueFull, want 100 queued and 900 dropped", st, full)
	}
	close(release)
	closeReporter(t, r)
	if st := r.Stats(); st.Sent != 100 || st.Queued != 0 {
		t.Errorf("after the server answered: stats %+v, want the 100 kept sent", st)
	}
	for id := range kept {
		if s.events[id] == nil {
			t.Errorf("kept event %s never arrived", id)
		}
	}
	if !kept["e-0"] || kept["e-999"] {
		t.Errorf("the oldest events should be kept and the newest dropped")
	}
	if err := r.Report(event("late", 0.5)); !errors.Is(err, sdk.ErrClosed) || r.Stats().Dropped != 901 {
		t.Errorf("Report after Close: got %v (dropped %d), want ErrClosed, counted", err, r.Stats().Dropped)
	}
}

func TestReporterByteBound(t *testing.T) {
	s := newIngest(t)
	release := make(chan struct{})
	s.hook = func(int, http.ResponseWriter, *http.Request) bool { <-release; return false }
	r := s.reporter("credit-risk", sdk.WithBatchSize(10), sdk.WithMaxQueued(0, 4096))
	big := event("", 0.5)
	big.Features["blob"] = strings.Repeat("x", 1000)
	for range 10 {
		r.Report(big)
	}
	close(release)
	closeReporter(t, r)
	if st := r.Stats(); st.Sent+st.Dropped != 10 || st.Sent != 3 {
		t.Errorf("stats %+v, want 3 events of ~1 KiB within 4 KiB and 7 dropped", st)
	}
}

func TestReporterFlushesOnInterval(t *testing.T) {
	s := newIngest(t)
	r := s.reporter("credit-risk", sdk.WithBatchSize(1000), sdk.WithFlushInterval(20*time.Millisecond))
	defer closeReporter(t, r)
	for range 5 {
		r.Report(event("", 0.5))
	}
	waitFor(t, "the interval flush", func() bool { n, _ := s.count(); return n == 5 })
}

func TestReporterLabels(t *testing.T) {
	s := newIngest(t)
	r := s.reporter("credit-risk", sdk.WithFlushInterval(time.Hour))
	for i := range 37 {
		r.Report(event(fmt.Sprint("e-", i), 0.5))
	}
	r.ReportLabel("e-3", sdk.Number(1))
	r.ReportLabel("e-4", sdk.Number(0))
	r.ReportLabel("e-999", sdk.Number(1)) // never reported
	if err := r.ReportLabel("", sdk.Number(1)); !errors.Is(err, sdk.ErrInvalidEvent) {
		t.Errorf("label without an ID: got %v, want ErrInvalidEvent", err)
	}
	if err := r.ReportLabel("e-5", sdk.Value{}); !errors.Is(err, sdk.ErrInvalidEvent) {
		t.Errorf("empty label: got %v, want ErrInvalidEvent", err)
	}
	// Close sends the events before the labels, so labels find them.
	closeReporter(t, r)
	st := r.Stats()
	if st.Sent != 37 || st.Labels.Sent != 2 || st.Labels.Unknown != 1 || st.Labels.Rejected != 2 || st.Labels.Queued != 0 {
		t.Errorf("stats %+v, want 37 events, 2 labels matched, 1 unknown, 2 refused", st)
	}
	if fmt.Sprint(s.labels["e-3"], s.labels["e-4"]) != "1 0" {
		t.Errorf("labels stored: %v", s.labels)
	}
}

func TestReporterRefusesInvalidEvents(t *testing.T) {
	s := newIngest(t)
	r := s.reporter("credit-risk")
	for _, tc := range []struct {
		name string
		e    sdk.Event
	}{
		{"no version", sdk.Event{Prediction: sdk.Number(1)}},
		{"no prediction", sdk.Event{Version: "1"}},
		{"NaN prediction", sdk.Event{Version: "1", Prediction: sdk.Number(math.NaN())}},
		{"infinite label", sdk.Event{Version: "1", Prediction: sdk.Number(1), Label: sdk.Number(math.Inf(1))}},
		{"bool feature", sdk.Event{Version: "1", Prediction: sdk.Number(1), Features: map[string]any{"vip": true}}},
		{"NaN feature", sdk.Event{Version: "1", Prediction: sdk.Number(1), Features: map[string]any{"x": math.NaN()}}},
		{"too large", sdk.Event{Version: "1", Prediction: sdk.Number(1), Features: map[string]any{"x": strings.Repeat("y", 9<<20)}}},
	} {
		if err := r.Report(tc.e); !errors.Is(err, sdk.ErrInvalidEvent) {
			t.Errorf("%s: got %v, want ErrInvalidEvent", tc.name, err)
		}
	}
	closeReporter(t, r)
	if _, reqs := s.count(); reqs != 0 || r.Stats().Rejected != 7 {
		t.Errorf("%d requests, stats %+v; want nothing sent and 7 rejected", reqs, r.Stats())
	}
}

// When Close's deadline passes with the server not answering, Close
// returns the context's error and counts what was not delivered.
func TestReporterCloseDeadline(t *testing.T) {
	s := newIngest(t)
	release := make(chan struct{})
	defer close(release)
	s.hook = func(int, http.ResponseWriter, *http.Request) bool { <-release; return true }
	r := s.reporter("credit-risk", sdk.WithBatchSize(4))
	for range 10 {
		r.Report(event("", 0.5))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close: got %v, want DeadlineExceeded", err)
	}
	if st := r.Stats(); st.Failed != 10 || st.Queued != 0 || st.Sent != 0 {
		t.Errorf("stats %+v, want all 10 failed", st)
	}
	// Closing again does not hide that the first close gave up.
	if err := r.Close(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Close: got %v, want the first one's DeadlineExceeded again", err)
	}
}

// BenchmarkReport is the cost Report adds to a prediction: encoding into
// the batch, with a server on loopback that accepts everything.
func BenchmarkReport(b *testing.B) {
	var mu sync.Mutex
	buf := make([]byte, 64<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for {
			k, err := r.Body.Read(buf)
			n += bytes.Count(buf[:k], []byte("\n"))
			if err != nil {
				break
			}
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"accepted":%d,"duplicates":0,"rejected":[]}`, n)
	}))
	defer srv.Close()
	r := sdk.NewReporter(srv.URL, "t", "bench", sdk.WithMaxQueued(1_000_000, 256<<20))
	e := sdk.Event{
		Time: time.Now(), Version: "2.0",
		Features:   map[string]any{"age": 31, "region": "north", "income": 52000.5, "tenure": nil},
		Prediction: sdk.Number(0.82), Latency: 12 * time.Millisecond,
		Groups: map[string]string{"gender": "f"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Report(e)
		// Pace the loop to what the sender and the server (sharing the
		// machine) absorb, so this measures the steady state rather than a
		// queue growing to its bound.
		if i%1000 == 999 && r.Stats().Queued > 5000 {
			b.StopTimer()
			for r.Stats().Queued > 1000 {
				time.Sleep(time.Millisecond)
			}
			b.StartTimer()
		}
	}
	b.StopTimer()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	r.Close(ctx)
	st := r.Stats()
	b.ReportMetric(float64(st.Dropped)/float64(st.Sent+st.Dropped), "dropped/op")
}

// A token given with its "Bearer " (copied from a curl command) is sent
// once, not as "Bearer Bearer …", which every request was refused for.
func TestReporterTakesATokenWithItsBearer(t *testing.T) {
	s := newIngest(t)
	r := sdk.NewReporter(s.srv.URL, "bearer  "+ingestToken+"\n", "credit-risk", sdk.WithFlushInterval(time.Hour))
	if err := r.Report(sdk.Event{Version: "1.0", Prediction: sdk.Number(0.5)}); err != nil {
		t.Fatal(err)
	}
	closeReporter(t, r)
	if st := r.Stats(); len(s.events) != 1 || st.Failed != 0 {
		t.Fatalf("stored %d events, stats %+v; want the event stored", len(s.events), st)
	}
}
