package sdk_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// connServer answers every batch as stored and tracks its connections'
// states.
func connServer(t *testing.T) (*httptest.Server, func() (open int)) {
	t.Helper()
	var mu sync.Mutex
	states := map[net.Conn]http.ConnState{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+ingestToken {
			apiError(w, 401, "unauthorized", "bad token")
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/labels") {
			fmt.Fprintf(w, `{"updated":%d,"unknown":[],"rejected":[]}`, strings.Count(string(body), "\n"))
			return
		}
		fmt.Fprintf(w, `{"accepted":%d,"duplicates":0,"rejected":[]}`, strings.Count(string(body), "\n"))
	}))
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		states[c] = s
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, s := range states {
			if s != http.StateClosed && s != http.StateHijacked {
				n++
			}
		}
		return n
	}
}

// Close leaves no connection behind: the reporter's keep-alive
// connection stayed open after Close (two goroutines on the client, a
// socket on each side) until an idle timeout, on every reporter a service
// made and closed.
func TestReporterCloseClosesItsConnections(t *testing.T) {
	srv, open := connServer(t)
	r := sdk.NewReporter(srv.URL, ingestToken, "credit-risk", sdk.WithFlushInterval(time.Hour))
	for i := range 10 {
		if err := r.Report(event(fmt.Sprintf("e-%d", i), 0.5)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.ReportLabel("e-1", sdk.Number(1)); err != nil {
		t.Fatal(err)
	}
	closeReporter(t, r)
	if st := r.Stats(); st.Sent != 10 || st.Labels.Sent != 1 {
		t.Fatalf("stats %+v, want 10 events and a label sent", st)
	}
	waitFor(t, "the server to see the reporter's connections closed", func() bool { return open() == 0 })

	// A client given with WithHTTPClient is its owner's: its connections
	// stay for its next use.
	own := &http.Client{Transport: &http.Transport{}}
	r = sdk.NewReporter(srv.URL, ingestToken, "credit-risk", sdk.WithHTTPClient(own))
	if err := r.Report(event("e-own", 0.5)); err != nil {
		t.Fatal(err)
	}
	closeReporter(t, r)
	if open() != 1 {
		t.Errorf("%d connections open after Close with the caller's client, want its 1 idle one kept", open())
	}
	own.CloseIdleConnections()
}

// A token read from a file ends in a line break: the reporter trims it.
// Sent as is, every request failed in Go's header check and was retried
// eight times, then counted failed.
func TestReporterTrimsTheToken(t *testing.T) {
	srv, _ := connServer(t)
	r := sdk.NewReporter(srv.URL, ingestToken+"\n", "credit-risk", sdk.WithRetry(0, time.Millisecond, time.Millisecond))
	if err := r.Report(event("e-1", 0.5)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Sent != 1 || st.Failed != 0 {
		t.Errorf("stats %+v, want the event sent", st)
	}
}

// A base URL without its scheme ("localhost:8080", "127.0.0.1:8080") made
// every request fail as if the network were down: each batch retried for
// most of a minute, then counted failed, with nothing returned to the
// caller. Report and ReportLabel now say so at once.
func TestReporterRefusesAURLItCannotSendTo(t *testing.T) {
	for _, base := range []string{"localhost:8080", "127.0.0.1:8080", "ftp://lodestar.example", "https://", "://x"} {
		r := sdk.NewReporter(base, ingestToken, "credit-risk")
		err := r.Report(event("e-1", 0.5))
		if err == nil || !strings.Contains(err.Error(), "http:// or https://") || !strings.Contains(err.Error(), base) {
			t.Errorf("%q: Report returned %v, want the URL refused", base, err)
		}
		if err := r.ReportLabel("e-1", sdk.Number(1)); err == nil {
			t.Errorf("%q: ReportLabel accepted", base)
		}
		closeReporter(t, r)
		if st := r.Stats(); st.Failed != 1 || st.Labels.Failed != 1 || st.Sent != 0 {
			t.Errorf("%q: stats %+v, want the event and the label failed", base, st)
		}
	}
	srv, _ := connServer(t)
	r := sdk.NewReporter(srv.URL+"/", ingestToken, "credit-risk")
	if err := r.Report(event("e-1", 0.5)); err != nil {
		t.Errorf("a server address with a trailing slash: %v", err)
	}
	closeReporter(t, r)
}
