package monitoring_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// evUnlabelled is an event whose label has not come (yet).
func evUnlabelled(id string, at time.Time) lodestar.StoredEvent {
	return evRaw(id, at, fmt.Sprintf(`{"id":%q,"version":"1","features":{"x":0.5},"prediction":0.9,"latency_ms":5}`, id))
}

// A webhook address that redirects (http:// to https://, a moved hook)
// must not count as delivered unless the receiver got the POST and body.
func TestWebhookRedirectIsNotDelivery(t *testing.T) {
	e := newEnv(t)
	var mu sync.Mutex
	var gotMethod, gotBody string
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/final", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotMethod, gotBody = r.Method, string(b)
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, srv.URL+"/hook")
	e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
	svc := &monitoring.Service{Store: e.st, AllowPrivateWebhooks: true}
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	sent := svc.DeliverWebhooks(e.ctx, far)
	mu.Lock()
	defer mu.Unlock()
	if sent == 1 && (gotMethod != http.MethodPost || gotBody == "") {
		t.Errorf("alert.opened marked delivered, but the receiver got %s with body %q", gotMethod, gotBody)
	}
}

// Whether an alert opens does not depend on how often the loop runs:
// bad, unlabelled, unlabelled, bad opens an AlertAfter=2 accuracy alert
// evaluated at once; it must hour by hour too.
func TestAlertStreakWhateverTheCadence(t *testing.T) {
	run := func(hourly bool) int {
		e := newEnv(t)
		svc := &monitoring.Service{Store: e.st}
		m, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "m", Task: "binary", Numeric: []string{"x"},
			Window: "hour", Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}, AlertAfter: 2,
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-2 * time.Hour), To: e.t0.Add(-time.Hour)}}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		for h := range 4 {
			at := e.t0.Add(time.Duration(h) * time.Hour)
			if h == 0 || h == 3 {
				e.add(t, ev(fmt.Sprintf("bad-%d", h), at, 0.5, 0.9, 0))
			} else {
				e.add(t, evUnlabelled(fmt.Sprintf("unl-%d", h), at))
			}
		}
		if hourly {
			for h := 1; h <= 4; h++ {
				if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Duration(h)*time.Hour+time.Second), time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
		} else if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(4*time.Hour+time.Second), time.Time{}); err != nil {
			t.Fatal(err)
		}
		open, _ := e.st.ListAlerts(e.ctx, e.model, true)
		return len(open)
	}
	if once, hourly := run(false), run(true); once != hourly {
		t.Errorf("same windows: %d open alert(s) evaluated at once, %d evaluated hour by hour", once, hourly)
	}
}

// After late labels are recomputed into a stored window, the next window
// — which has no labels, so no accuracy — must not open an accuracy alert
// claiming "Accuracy 0.000".
func TestNoAccuracyAlertOnUnlabelledWindow(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, "")
	svc := &monitoring.Service{Store: e.st}
	var evs []lodestar.StoredEvent
	for i := range 10 {
		evs = append(evs, evUnlabelled(fmt.Sprintf("h0-%d", i), e.t0.Add(time.Duration(i)*time.Minute)))
	}
	e.add(t, evs...)
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Hour+time.Second), time.Time{}); err != nil {
		t.Fatal(err)
	}
	// Labels come late, all wrong; the hour is recomputed.
	var labels []lodestar.EventLabel
	for i := range 10 {
		labels = append(labels, lodestar.EventLabel{ID: fmt.Sprintf("h0-%d", i), Label: []byte("0")})
	}
	if _, err := e.st.AttachLabels(e.ctx, e.model, labels); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Hour+time.Second), e.t0); err != nil {
		t.Fatal(err)
	}
	// Hour 1: events without labels.
	e.add(t, evUnlabelled("h1-0", e.t0.Add(time.Hour+time.Minute)))
	out, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour+time.Second), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range out.Opened {
		if a.Kind == "accuracy" && a.OpenedAt.Equal(e.t0.Add(time.Hour)) {
			t.Errorf("accuracy alert opened on an unlabelled window (no accuracy): %q value %g", a.Message, a.Value)
		}
	}
}

// Alert.OpenedAt is documented as the start of the first breaching
// window; with AlertAfter 3 it is the third's.
func TestOpenedAtIsFirstBreachingWindow(t *testing.T) {
	m := &lodestar.Monitor{AlertAfter: 3, ResolveAfter: 1, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var ws []*lodestar.WindowResult
	for h := range 3 {
		ws = append(ws, &lodestar.WindowResult{Start: t0.Add(time.Duration(h) * time.Hour), End: t0.Add(time.Duration(h+1) * time.Hour),
			Events: 10, Labelled: 10, Metrics: map[string]float64{"accuracy": 0.5}, Breaches: []string{"accuracy"}})
	}
	out := monitoring.Decide(m, nil, nil, false, ws)
	if len(out.Opened) != 1 || !out.Opened[0].OpenedAt.Equal(t0) {
		t.Errorf("opened %+v; want one alert opened at %s, the first breaching window", out.Opened, t0)
	}
}

func TestRetrainStreakTwoUnlabelledWindows(t *testing.T) {
	run := func(hourly bool) int {
		e := newEnv(t)
		m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 2, "")
		svc := &monitoring.Service{Store: e.st}
		for h := range 4 {
			at := e.t0.Add(time.Duration(h) * time.Hour)
			if h == 0 || h == 3 {
				e.add(t, ev(fmt.Sprintf("bad-%d", h), at, 0.5, 0.9, 0))
			} else {
				e.add(t, evUnlabelled(fmt.Sprintf("unl-%d", h), at))
			}
		}
		for h := 1; h <= 4; h++ {
			if hourly || h == 4 {
				if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Duration(h)*time.Hour+time.Second), time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		tasks, _ := e.st.ListRetrainingTasks(e.ctx, 0)
		return len(tasks)
	}
	if once, hourly := run(false), run(true); once != hourly {
		t.Errorf("same windows: %d task(s) evaluated at once, %d hour by hour", once, hourly)
	}
}
