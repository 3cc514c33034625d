package sdk_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// A 2xx that is not Lodestar's ingest answer — a captive portal's page, a
// redirect to one, a proxy's 204 or "{}", another service's JSON, the
// answer cut off or as text/plain — says nothing of the batch: it was
// counted as sent, and whole batches were lost without a word. Such a
// batch is counted failed, not retried (it is no passing failure), and
// told to the error handler as LossUnconfirmed, saying what answered. The
// real server's answers, passed through the same front, are taken.
func TestReporterAnswersNotFromLodestarFail(t *testing.T) {
	ts, err := newTestServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.stop)
	const portal = "<html><head><title>Sign in to the guest Wi-Fi</title></head><body>Accept the terms</body></html>"
	for _, tc := range []struct {
		name        string
		answer      func(w http.ResponseWriter, r *http.Request) // nil: the real server
		status      int
		says        string
		redirection bool
	}{
		{"captive portal page", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, portal)
		}, 200, "text/html", false},
		{"redirect to a portal", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/portal", http.StatusFound)
		}, 200, "Sign in to the guest Wi-Fi", true},
		{"proxy's 204", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }, 204, "no body", false},
		{"proxy's 202 {}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, "{}")
		}, 202, "{}", false},
		{"another service's JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"status":"ok"}`)
		}, 200, `status`, false},
		{"the answer as text/plain", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, `{"accepted":3,"duplicates":0,"rejected":[]}`)
		}, 200, "text/plain", false},
		{"the answer cut off", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"accepted":3,"dupl`)
		}, 200, "dupl", false},
		{"the real server", nil, 200, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int32
			front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/portal" {
					w.Header().Set("Content-Type", "text/html; charset=utf-8")
					io.WriteString(w, portal)
					return
				}
				requests.Add(1) // one request at a time per queue; the queues take turns (labels wait)
				if tc.answer == nil {
					ts.srv.Config.Handler.ServeHTTP(w, r)
					return
				}
				tc.answer(w, r)
			}))
			defer front.Close()
			var l losses
			r := sdk.NewReporter(front.URL, ts.serviceToken, "credit-risk", sdk.WithFlushInterval(time.Hour),
				sdk.WithRetry(3, time.Millisecond, 2*time.Millisecond), sdk.WithErrorHandler(l.handle))
			var ids []string
			for i := range 3 {
				id := sdk.NewEventID()
				ids = append(ids, id)
				if err := r.Report(event(id, 0.3)); err != nil {
					t.Fatal(err)
				}
				if i < 2 {
					if err := r.ReportLabel(id, sdk.Number(float64(i))); err != nil {
						t.Fatal(err)
					}
				}
			}
			closeReporter(t, r)
			st := r.Stats()
			if tc.answer == nil {
				if st.Sent != 3 || st.Failed != 0 || st.Labels.Sent != 2 || st.Labels.Failed != 0 || len(l.all()) != 0 {
					t.Errorf("the real server's answers: stats %+v, losses %v; want all stored", st, l.all())
				}
				return
			}
			if st.Sent != 0 || st.Failed != 3 || st.Retries != 0 || st.Labels.Sent != 0 || st.Labels.Failed != 2 || st.Labels.Retries != 0 {
				t.Errorf("stats %+v; want the 3 events and 2 labels failed, none sent or retried", st)
			}
			if n := requests.Load(); n != 2 {
				t.Errorf("%d requests, want one batch of events and one of labels, not retried", n)
			}
			got := l.all()
			if len(got) != 2 {
				t.Fatalf("error handler told %v, want the events' batch and the labels'", got)
			}
			for i, e := range got {
				want := ids[:3-i]
				if e.Reason != sdk.LossUnconfirmed || e.Labels != (i == 1) || e.Count != len(want) || !slices.Equal(e.IDs, want) || e.Status != tc.status {
					t.Errorf("told %+v; want LossUnconfirmed of %d %s, IDs %v, status %d", e, len(want), map[bool]string{false: "events", true: "labels"}[i == 1], want, tc.status)
				}
				msg := fmt.Sprint(e.Err)
				for _, s := range []string{"not Lodestar's ingest answer", tc.says} {
					if !strings.Contains(msg, s) {
						t.Errorf("Err %q does not say %q", msg, s)
					}
				}
				if tc.redirection && !strings.Contains(msg, "redirect to "+front.URL+"/portal") {
					t.Errorf("Err %q does not say where the redirect led", msg)
				}
			}
		})
	}
}
