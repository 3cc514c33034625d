package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// TestClientGoneIs499: a request whose client goes while it is served
// (a double click drops the first) fails with context.Canceled; it is
// counted as 499, not 500, and logged at info, not as an internal error —
// an alert on the 5xx rate must not fire on users' double clicks.
func TestClientGoneIs499(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := httpx.NewMetrics(reg)
	logs := &logRecords{}
	log := slog.New(logs)
	started, done := make(chan context.Context, 1), make(chan struct{})
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- r.Context()
		<-r.Context().Done()
		httpx.WriteJSONError(log, w, r, fmt.Errorf("claim form: begin: %w", r.Context().Err()))
	})
	obs := httpx.Observe(log, m, func(*http.Request) string { return "/x" }, inner)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		obs.ServeHTTP(w, r)
		close(done)
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/x", nil)
	sent := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		sent <- err
	}()
	<-started
	cancel()
	if err := <-sent; err == nil {
		t.Fatal("the request was answered before its client went")
	}
	<-done

	if got := requestCounts(t, reg); len(got) != 1 || got["499"] != 1 {
		t.Errorf(`lodestar_http_requests_total by code: got %v, want {499: 1}`, got)
	}
	if errs := logs.at(slog.LevelError); len(errs) > 0 {
		t.Errorf("a request its client left is logged at ERROR: %q", errs)
	}
	if infos := logs.at(slog.LevelInfo); !containsPrefix(infos, "client closed request") {
		t.Errorf("no info line says the client closed the request: %q", infos)
	}
}

// requestCounts reads lodestar_http_requests_total from reg, by code.
func requestCounts(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "lodestar_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "code" {
					out[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

func containsPrefix(lines []string, prefix string) bool {
	for _, l := range lines {
		if len(l) >= len(prefix) && l[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

// TestDetailClientGone: Detail, which both the API's errors and the pages'
// error page go through, answers 499 at info for a cancellation whose
// request's client is gone; a cancellation of the server's own (the
// request still live) stays an internal error, as does any other error of
// a request whose client is gone.
func TestDetailClientGone(t *testing.T) {
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	canceled := fmt.Errorf("list use cases: %w", context.Canceled)
	for _, tc := range []struct {
		name       string
		ctx        context.Context
		err        error
		wantStatus int
		wantLevel  slog.Level
	}{
		{"client gone", gone, canceled, httpx.StatusClientClosedRequest, slog.LevelInfo},
		{"client gone, the database away", gone, fmt.Errorf("%w: %w", lodestar.Errorf(lodestar.EUnavailable, "x"), context.Canceled), httpx.StatusClientClosedRequest, slog.LevelInfo},
		{"cancelled by the server", context.Background(), canceled, http.StatusInternalServerError, slog.LevelError},
		{"client gone, another fault", gone, errors.New("disk full"), http.StatusInternalServerError, slog.LevelError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &logRecords{}
			r := httptest.NewRequestWithContext(tc.ctx, "GET", "/use-cases", nil)
			status, _ := httpx.Detail(slog.New(logs), r, tc.err)
			if status != tc.wantStatus {
				t.Errorf("status: got %d, want %d", status, tc.wantStatus)
			}
			logs.mu.Lock()
			defer logs.mu.Unlock()
			if len(logs.recs) != 1 || logs.recs[0].Level != tc.wantLevel {
				t.Errorf("logged %v, want one line at %v", logs.recs, tc.wantLevel)
			}
		})
	}
}
