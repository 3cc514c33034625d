package monitoring_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

var adminActor = lodestar.Actor{ID: 1000, Label: "root@example.com", Role: lodestar.RoleAdmin}

type env struct {
	ctx   context.Context
	st    *store.Store
	clock *testdb.Clock
	model int64
	t0    time.Time
}

func newEnv(t *testing.T) *env {
	return newEnvAt(t, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
}

// newEnvAt is newEnv with the hour t0 its events are placed around.
func newEnvAt(t *testing.T, t0 time.Time) *env {
	return newEnvOn(t, sqldb.SQLite, t0)
}

// newEnvOn is newEnvAt on a database of dialect d (PostgreSQL skips the
// test unless testdb's database is set).
func newEnvOn(t *testing.T, d sqldb.Dialect, t0 time.Time) *env {
	db := testdb.OpenDialect(t, d)
	clock := testdb.UseClock(db)
	st := store.New(db)
	ctx := lodestar.WithActor(context.Background(), adminActor)
	uc, err := st.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Churn"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "churn", Name: "Churn"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateModelVersion(ctx, m.ID, lodestar.ModelVersion{Version: "1"}); err != nil {
		t.Fatal(err)
	}
	e := &env{ctx: ctx, st: st, clock: clock, model: m.ID, t0: t0}
	// Reference: 200 events in [t0-2h, t0-1h), x ~ uniform 0..1.
	var evs []lodestar.StoredEvent
	for i := range 200 {
		evs = append(evs, ev(fmt.Sprintf("ref-%d", i), e.t0.Add(-2*time.Hour+time.Duration(i)*time.Second), float64(i%100)/100, 0.9, 1))
	}
	e.add(t, evs...)
	return e
}

func ev(id string, at time.Time, x, score float64, label int) lodestar.StoredEvent {
	return lodestar.StoredEvent{ID: id, Time: at, Version: "1",
		Body: []byte(fmt.Sprintf(`{"id":%q,"version":"1","features":{"x":%g},"prediction":%g,"label":%d,"latency_ms":5}`, id, x, score, label))}
}

func (e *env) add(t *testing.T, evs ...lodestar.StoredEvent) {
	t.Helper()
	if _, err := e.st.AppendEvents(e.ctx, e.model, evs); err != nil {
		t.Fatal(err)
	}
}

func (e *env) monitor(t *testing.T, window string, thr lodestar.MonitorThresholds, retrain int, hook string) *lodestar.Monitor {
	t.Helper()
	// Created as a server allowing private webhooks would (tests' hooks
	// are httptest servers on loopback); each test's deliverer decides
	// whether they are dialled.
	svc := &monitoring.Service{Store: e.st, AllowPrivateWebhooks: true}
	m, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "m", Task: "binary", Numeric: []string{"x"},
		Window: window, Thresholds: thr, RetrainAfter: retrain, WebhookURL: hook,
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-2 * time.Hour), To: e.t0.Add(-time.Hour)}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// racingStore runs another evaluation (a second replica) just before this
// replica saves its own.
type racingStore struct {
	*store.Store
	before func()
}

func (r *racingStore) SaveEvaluation(ctx context.Context, id int64, to time.Time, ev *lodestar.Evaluation) error {
	if f := r.before; f != nil {
		r.before = nil
		f()
	}
	return r.Store.SaveEvaluation(ctx, id, to, ev)
}

// Two replicas (two Services on one database) evaluate the same monitor at
// the same time: the breach must raise one alert, one task, one webhook.
func TestTwoEvaluatorsRaiseOneAlert(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 1, "http://hooks.invalid/x")
	var evs []lodestar.StoredEvent
	for i := range 50 { // all wrong: accuracy 0 in hour [t0, t0+1h)
		evs = append(evs, ev(fmt.Sprintf("e-%d", i), e.t0.Add(time.Duration(i)*time.Minute), 0.5, 0.9, 0))
	}
	e.add(t, evs...)
	now := e.t0.Add(90 * time.Minute)
	b := &monitoring.Service{Store: e.st}
	rs := &racingStore{Store: e.st}
	a := &monitoring.Service{Store: rs}
	rs.before = func() {
		if _, err := b.Evaluate(e.ctx, m.ID, now, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Evaluate(e.ctx, m.ID, now, time.Time{}); err != nil {
		t.Fatal(err)
	}
	alerts, _ := e.st.ListAlerts(e.ctx, e.model, true)
	tasks, _ := e.st.ListRetrainingTasks(e.ctx, 0)
	hooks := testdb.Count(t, e.st.DB, "webhook_outbox")
	if len(alerts) != 1 || len(tasks) != 1 || hooks != 2 {
		t.Errorf("one breach: %d open alerts, %d retraining tasks, %d webhooks; want 1, 1, 2 (alert.opened + retraining.opened)", len(alerts), len(tasks), hooks)
	}
}

// Two deliverers (two replicas' loops) running at once send an outbox row
// once: the first claims it.
func TestTwoDeliverersSendOnce(t *testing.T) {
	e := newEnv(t)
	var hits atomic.Int32
	var b *monitoring.Service
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			b.DeliverWebhooks(e.ctx, far) // replica B's loop ticks meanwhile
		}
		w.WriteHeader(204)
	}))
	defer srv.Close()
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, srv.URL+"/hook")
	e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
	a := &monitoring.Service{Store: e.st, AllowPrivateWebhooks: true}
	b = &monitoring.Service{Store: e.st, AllowPrivateWebhooks: true}
	if _, err := a.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	a.DeliverWebhooks(e.ctx, far)
	if n := hits.Load(); n != 1 {
		t.Errorf("one alert.opened delivery received %d times", n)
	}
}

var far = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)

// since drops the windows over the reference range (the first evaluation
// scans from the beginning).
func since(ws []*lodestar.WindowResult, t0 time.Time) []*lodestar.WindowResult {
	var out []*lodestar.WindowResult
	for _, w := range ws {
		if !w.Start.Before(t0) {
			out = append(out, w)
		}
	}
	return out
}

func evRaw(id string, at time.Time, body string) lodestar.StoredEvent {
	return lodestar.StoredEvent{ID: id, Time: at, Version: "1", Body: []byte(body)}
}

// A window in which no feature could be tested (events without features)
// says nothing about drift: it does not resolve an open drift alert.
func TestUntestableWindowLeavesDriftAlert(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{Drift: true}, 0, "")
	svc := &monitoring.Service{Store: e.st}
	var evs []lodestar.StoredEvent
	for i := range 50 { // hour 1: x far from the reference
		evs = append(evs, ev(fmt.Sprintf("d-%d", i), e.t0.Add(time.Duration(i)*time.Minute), 50+float64(i), 0.9, 1))
	}
	for i := range 50 { // hour 2: the client stopped sending features
		evs = append(evs, evRaw(fmt.Sprintf("n-%d", i), e.t0.Add(time.Hour+time.Duration(i)*time.Minute), `{"prediction":0.9,"label":1}`))
	}
	e.add(t, evs...)
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Hour+time.Second), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if open, _ := e.st.ListAlerts(e.ctx, e.model, true); len(open) != 1 || open[0].Kind != "drift" {
		t.Fatalf("drift alert not opened: %+v", open)
	}
	out, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour+time.Second), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Resolved) != 0 {
		ws, _ := e.st.ListWindows(e.ctx, m.ID, 1)
		t.Errorf("drift alert resolved by a window with no testable feature (drift JSON %s)", ws[0].Drift)
	}
}

// Whether a retraining task opens does not depend on how often the loop
// evaluates: bad, unlabelled, bad windows count the same decided at once
// or hour by hour.
func TestRetrainStreakWhateverTheCadence(t *testing.T) {
	m := &lodestar.Monitor{RetrainAfter: 2, AlertAfter: 1, ResolveAfter: 1, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	bad := func(h int) *lodestar.WindowResult {
		return &lodestar.WindowResult{Start: t0.Add(time.Duration(h) * time.Hour), End: t0.Add(time.Duration(h+1) * time.Hour), Events: 10, Labelled: 10,
			Metrics: map[string]float64{"accuracy": 0.5}, Breaches: []string{"accuracy"}}
	}
	unlabelled := &lodestar.WindowResult{Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour), Events: 10, Metrics: map[string]float64{}, Breaches: []string{}}
	all := monitoring.Decide(m, nil, nil, false, []*lodestar.WindowResult{bad(0), unlabelled, bad(2)})
	hourly := monitoring.Decide(m, nil, []*lodestar.WindowResult{bad(0), unlabelled}, false, []*lodestar.WindowResult{bad(2)})
	if len(all.Tasks) != len(hourly.Tasks) {
		t.Errorf("same windows: %d task(s) evaluated at once, %d evaluated hour by hour", len(all.Tasks), len(hourly.Tasks))
	}
}

// A failed delivery's log line (and stored last_error) names the receiver
// by scheme and host only, never a token in the URL's path or query.
func TestWebhookURLNotLogged(t *testing.T) {
	e := newEnv(t)
	hook := "http://127.0.0.1:1/services/T000/B000/XXXXSECRETXXXX"
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, hook)
	e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
	var buf bytes.Buffer
	svc := &monitoring.Service{Store: e.st, Log: slog.New(slog.NewTextHandler(&buf, nil))}
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	svc.DeliverWebhooks(e.ctx, far)
	if strings.Contains(buf.String(), "XXXXSECRETXXXX") {
		t.Errorf("webhook URL token in the log: %s", buf.String())
	}
}

// TestSlowReceiverHoldsUpNoOne: due deliveries are sent side by side, not
// one after another (the loop delivers before it evaluates again): the
// receiver answers none until all three have arrived, which only
// deliveries in flight together can do before the client gives up.
func TestSlowReceiverHoldsUpNoOne(t *testing.T) {
	e := newEnv(t)
	var arrived atomic.Int64
	all := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrived.Add(1) == 3 {
			close(all)
		}
		select {
		case <-all:
			w.WriteHeader(http.StatusNoContent)
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8, MaxLatencyP95MS: 1, MinEvents: 5}, 0, srv.URL)
	e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
	svc := &monitoring.Service{Store: e.st, Client: &http.Client{Timeout: 5 * time.Second}}
	out, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Opened) != 3 {
		t.Fatalf("opened %d alerts, want accuracy, latency and volume", len(out.Opened))
	}
	if sent := svc.DeliverWebhooks(e.ctx, far); sent != 3 {
		t.Errorf("%d of 3 delivered: they were not in flight together", sent)
	}
}

// Re-evaluating from a time inside a window (labels arrived late)
// recomputes the whole window, not the part of it after from.
func TestRecomputeFromMidHourKeepsWholeWindow(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{}, 0, "")
	svc := &monitoring.Service{Store: e.st}
	var evs []lodestar.StoredEvent
	for i := range 60 {
		evs = append(evs, ev(fmt.Sprintf("e-%d", i), e.t0.Add(time.Duration(i)*time.Minute), 0.5, 0.9, 1))
	}
	e.add(t, evs...)
	now := e.t0.Add(time.Hour + time.Second)
	if _, err := svc.Evaluate(e.ctx, m.ID, now, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Evaluate(e.ctx, m.ID, now, e.t0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	ws := since(mustWindows(t, e, m.ID), e.t0)
	if len(ws) != 1 || ws[0].Events != 60 {
		t.Errorf("hour [t0, t0+1h) holds 60 events; stored after recompute: %d windows, first has %d", len(ws), ws[0].Events)
	}
}

func mustWindows(t *testing.T, e *env, id int64) []*lodestar.WindowResult {
	ws, err := e.st.ListWindows(e.ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// A retraining task closed when a new version went live is not opened
// again for the old version, which still serves some traffic while the new
// one rolls out.
func TestNoTaskForAReplacedVersion(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 2, "")
	svc := &monitoring.Service{Store: e.st}
	for h := range 3 {
		e.add(t, ev(fmt.Sprintf("b-%d", h), e.t0.Add(time.Duration(h)*time.Hour), 0.5, 0.9, 0))
	}
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	v2, err := e.st.CreateModelVersion(e.ctx, e.model, lodestar.ModelVersion{Version: "2", Card: lodestar.ModelCard{EvaluationMetrics: map[string]float64{"accuracy": 0.9}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
		if _, err := e.st.SetModelVersionStatus(e.ctx, v2.ID, s, "retrained"); err != nil {
			t.Fatal(err)
		}
	}
	// v1 still answers a little traffic while v2 rolls out.
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(3*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	tasks, _ := e.st.ListRetrainingTasks(e.ctx, 0)
	for _, tk := range tasks {
		t.Logf("task %d version %s status %s opened %s", tk.ID, tk.Version, tk.Status, tk.OpenedAt)
	}
	if len(tasks) != 1 {
		t.Errorf("one decay, %d retraining tasks", len(tasks))
	}
}

// A monitor made on version 1 after version 2 went live beside it (going
// live leaves the old version in production) replays 1's decay: its
// windows and its accuracy alert, announced, but no retraining task — the
// newer version in production is the retraining. The same events on the
// live version open the task too.
func TestReplayOfAReplacedVersionOpensNoTask(t *testing.T) {
	for _, replaced := range []bool{false, true} {
		t.Run(fmt.Sprintf("replaced=%v", replaced), func(t *testing.T) {
			e := newEnv(t)
			vs, err := e.st.ListModelVersions(e.ctx, e.model)
			if err != nil {
				t.Fatal(err)
			}
			promote := func(id int64) {
				for _, s := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
					if _, err := e.st.SetModelVersionStatus(e.ctx, id, s, "goes live"); err != nil {
						t.Fatal(err)
					}
				}
			}
			promote(vs[0].ID)
			for h := range 4 { // version 1 wrong for four hours
				e.add(t, ev(fmt.Sprintf("b-%d", h), e.t0.Add(time.Duration(h)*time.Hour), 0.5, 0.9, 0))
			}
			if replaced {
				v2, err := e.st.CreateModelVersion(e.ctx, e.model, lodestar.ModelVersion{Version: "2", Card: lodestar.ModelCard{EvaluationMetrics: map[string]float64{"accuracy": 0.9}}})
				if err != nil {
					t.Fatal(err)
				}
				promote(v2.ID)
			}
			m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 2, "http://hooks.invalid/x")
			svc := &monitoring.Service{Store: e.st}
			if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(5*time.Hour), time.Time{}); err != nil {
				t.Fatal(err)
			}
			if ws := since(mustWindows(t, e, m.ID), e.t0); len(ws) != 4 {
				t.Errorf("%d windows since t0; want the 4 hours of history", len(ws))
			}
			all, _ := e.st.ListAlerts(e.ctx, e.model, false)
			open, _ := e.st.ListAlerts(e.ctx, e.model, true)
			tasks, _ := e.st.ListRetrainingTasks(e.ctx, 0)
			hooks := testdb.Count(t, e.st.DB, "webhook_outbox")
			if !replaced {
				if len(open) != 1 || len(tasks) != 1 || hooks != 2 {
					t.Errorf("live version: %d open alerts, %d tasks, %d webhooks; want 1, 1, 2", len(open), len(tasks), hooks)
				}
				return
			}
			// The breach is shown and announced (an old version may still
			// serve a canary's traffic), but no retraining task opens: the
			// newer version in production is the retraining.
			if len(all) != 1 || len(open) != 1 || len(tasks) != 0 || hooks != 1 {
				t.Fatalf("replaced version: %d alerts (%d open), %d tasks, %d webhooks; want 1 open alert, no task, its one webhook",
					len(all), len(open), len(tasks), hooks)
			}
			if a := all[0]; a.Kind != "accuracy" || !a.OpenedAt.Equal(e.t0) {
				t.Errorf("alert %s opened %s; want accuracy from t0", a.Kind, a.OpenedAt)
			}
		})
	}
}

// An N-event window takes the rest of the millisecond of its Nth event:
// events sharing that millisecond are not left behind when the next
// evaluation starts after it.
func TestCountWindowKeepsItsLastMillisecond(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "events:10", lodestar.MonitorThresholds{}, 0, "")
	svc := &monitoring.Service{Store: e.st}
	batch := func(prefix string, n int, at time.Time) {
		var evs []lodestar.StoredEvent
		for i := range n {
			evs = append(evs, ev(fmt.Sprintf("%s-%02d", prefix, i), at, 0.5, 0.9, 1))
		}
		e.add(t, evs...)
	}
	batch("a", 15, e.t0)
	batch("b", 10, e.t0.Add(time.Second))
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	batch("c", 1, e.t0.Add(2*time.Second))
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for _, w := range since(mustWindows(t, e, m.ID), e.t0) {
		sizes = append(sizes, w.Events)
	}
	if !slices.Equal(sizes, []int64{15, 10}) {
		t.Errorf("closed windows hold %v events; want [15 10] (the last event's window still open)", sizes)
	}
}

// Recomputing an events:N monitor from a time inside a stored window
// starts at that window's start and replaces the windows after it: no
// event is counted twice.
func TestRecomputeCountWindowsNoOverlap(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "events:10", lodestar.MonitorThresholds{}, 0, "")
	svc := &monitoring.Service{Store: e.st}
	var evs []lodestar.StoredEvent
	for i := range 30 {
		evs = append(evs, ev(fmt.Sprintf("e-%02d", i), e.t0.Add(time.Duration(i)*time.Second), 0.5, 0.9, 1))
	}
	e.add(t, evs...)
	now := e.t0.Add(time.Hour)
	if _, err := svc.Evaluate(e.ctx, m.ID, now, time.Time{}); err != nil {
		t.Fatal(err)
	}
	before := since(mustWindows(t, e, m.ID), e.t0)
	// Late events inside the first window, then a recomputation from
	// inside it.
	e.add(t, ev("late-1", e.t0.Add(2500*time.Millisecond), 0.5, 0.9, 1), ev("late-2", e.t0.Add(7500*time.Millisecond), 0.5, 0.9, 1))
	if _, err := svc.Evaluate(e.ctx, m.ID, now, e.t0.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	after := since(mustWindows(t, e, m.ID), e.t0)
	var total int64
	for i, w := range after {
		total += w.Events
		if i > 0 && !w.Start.After(after[i-1].End) {
			t.Errorf("window %d [%v, %v] overlaps the one before [%v, %v]", i, w.Start, w.End, after[i-1].Start, after[i-1].End)
		}
	}
	// 32 events: three full windows, the last two events in the open one.
	if len(before) != 2 || len(after) != 3 || total != 30 {
		t.Errorf("before: %d windows; after: %d windows holding %d events; want 2, then 3 holding 30", len(before), len(after), total)
	}
}

// An event-range reference still filling when the monitor is created is
// built again once more events are in its range: a window is judged
// against the same reference as a restarted server would judge it.
func TestReferenceTakesEventsAddedToItsRange(t *testing.T) {
	e := newEnv(t)
	// Range [t0-1h, t0): 5 events now, 195 more later.
	mk := func(from, n int) []lodestar.StoredEvent {
		var out []lodestar.StoredEvent
		for i := from; i < from+n; i++ {
			out = append(out, ev(fmt.Sprintf("r2-%d", i), e.t0.Add(-time.Hour+time.Duration(i)*time.Second), float64(i%100)/100, 0.9, 1))
		}
		return out
	}
	e.add(t, mk(0, 5)...)
	svc := &monitoring.Service{Store: e.st}
	m, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "m", Numeric: []string{"x"}, Window: "hour",
		Thresholds: lodestar.MonitorThresholds{Drift: true},
		Reference:  lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-time.Hour), To: e.t0}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	e.add(t, mk(5, 195)...)
	for i := range 30 {
		e.add(t, ev(fmt.Sprintf("c-%d", i), e.t0.Add(time.Duration(i)*time.Minute), float64(i)/30, 0.9, 1))
	}
	now := e.t0.Add(time.Hour + time.Second)
	a, err := svc.Evaluate(e.ctx, m.ID, now, e.t0)
	if err != nil {
		t.Fatal(err)
	}
	restarted := &monitoring.Service{Store: e.st}
	b, err := restarted.Evaluate(e.ctx, m.ID, now, e.t0)
	if err != nil {
		t.Fatal(err)
	}
	last := func(ev *lodestar.Evaluation) string { return string(ev.Windows[len(ev.Windows)-1].Drift) }
	if last(a) != last(b) {
		t.Errorf("same window, same reference range, different drift before and after a restart:\n%s\n%s", last(a), last(b))
	}
}

// An hour window closes Lateness after its end: an event stamped inside it
// that arrives within that time still counts; without lateness it would be
// left out for good.
func TestLateEventCountsWithinLateness(t *testing.T) {
	for _, lateness := range []time.Duration{0, 2 * time.Minute} {
		e := newEnv(t)
		m := e.monitor(t, "hour", lodestar.MonitorThresholds{}, 0, "")
		svc := &monitoring.Service{Store: e.st, Lateness: lateness}
		e.add(t, ev("on-time", e.t0.Add(10*time.Minute), 0.5, 0.9, 1))
		// Evaluated a second after the hour; the late event comes after.
		if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Hour+time.Second), time.Time{}); err != nil {
			t.Fatal(err)
		}
		e.add(t, ev("late", e.t0.Add(time.Hour-100*time.Millisecond), 0.5, 0.9, 1))
		if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Hour+3*time.Minute), time.Time{}); err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, w := range since(mustWindows(t, e, m.ID), e.t0) {
			n += w.Events
		}
		if want := map[time.Duration]int64{0: 1, 2 * time.Minute: 2}[lateness]; n != want {
			t.Errorf("lateness %s: the hour counts %d events, want %d", lateness, n, want)
		}
	}
}

// Two monitors watching one model version, both seeing sustained decay,
// open one retraining task between them (each raises its own alert): the
// task is about retraining the version, not about a monitor. Once a new
// version goes live and closes it, a monitor of the new version may open
// its own.
func TestOneTaskPerVersion(t *testing.T) {
	e := newEnv(t)
	svc := &monitoring.Service{Store: e.st}
	mk := func(name, version string, from time.Time) *lodestar.Monitor {
		m, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: version, Name: name, Task: "binary", Numeric: []string{"x"},
			Window: "hour", Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}, RetrainAfter: 1, AlertAfter: 1, ResolveAfter: 1,
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: from, To: from.Add(time.Hour)}}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	hourly, other := mk("hourly accuracy", "1", e.t0.Add(-2*time.Hour)), mk("hourly accuracy, second team", "1", e.t0.Add(-2*time.Hour))
	var evs []lodestar.StoredEvent
	for i := range 50 { // all wrong: accuracy 0 in hour [t0, t0+1h)
		evs = append(evs, ev(fmt.Sprintf("e-%d", i), e.t0.Add(time.Duration(i)*time.Minute), 0.5, 0.9, 0))
	}
	e.add(t, evs...)
	now := e.t0.Add(90 * time.Minute)
	for _, m := range []*lodestar.Monitor{hourly, other} {
		if _, err := svc.Evaluate(e.ctx, m.ID, now, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	alerts, _ := e.st.ListAlerts(e.ctx, e.model, true)
	tasks, _ := e.st.ListRetrainingTasks(e.ctx, 0)
	if len(alerts) != 2 || len(tasks) != 1 || tasks[0].MonitorID != hourly.ID || tasks[0].Status != lodestar.TaskOpen {
		t.Fatalf("two monitors, one decaying version: %d open alerts, tasks %+v; want 2 alerts and one open task (the first monitor's)", len(alerts), tasks)
	}
	// Evaluated again: still one.
	for _, m := range []*lodestar.Monitor{other, hourly} {
		if _, err := svc.Evaluate(e.ctx, m.ID, now.Add(time.Hour), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if tasks, _ = e.st.ListRetrainingTasks(e.ctx, 0); len(tasks) != 1 {
		t.Fatalf("after another evaluation: %d tasks; want 1", len(tasks))
	}
	// Version 2 goes live: the task closes; 2's own monitor may open one.
	v2, err := e.st.CreateModelVersion(e.ctx, e.model, lodestar.ModelVersion{Version: "2", Card: lodestar.ModelCard{EvaluationMetrics: map[string]float64{"accuracy": 0.9}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
		if _, err := e.st.SetModelVersionStatus(e.ctx, v2.ID, st, "retrained"); err != nil {
			t.Fatal(err)
		}
	}
	if tasks, _ = e.st.ListRetrainingTasks(e.ctx, 0); len(tasks) != 1 || tasks[0].Status != lodestar.TaskClosed {
		t.Fatalf("after 2 went live: %+v; want the task closed", tasks)
	}
	// Version 2's events: an hour right (its reference), then an hour wrong.
	var evs2 []lodestar.StoredEvent
	for i := range 100 {
		id, label := fmt.Sprintf("v2-%d", i), 1
		if i >= 50 {
			label = 0
		}
		at := e.t0.Add(2*time.Hour + time.Duration(i)*72*time.Second)
		evs2 = append(evs2, lodestar.StoredEvent{ID: id, Time: at, Version: "2",
			Body: []byte(fmt.Sprintf(`{"id":%q,"version":"2","features":{"x":%g},"prediction":0.9,"label":%d,"latency_ms":5}`, id, float64(i%50)/50, label))})
	}
	e.add(t, evs2...)
	two := mk("version 2 accuracy", "2", e.t0.Add(2*time.Hour))
	if _, err := svc.Evaluate(e.ctx, two.ID, e.t0.Add(4*time.Hour+30*time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	tasks, _ = e.st.ListRetrainingTasks(e.ctx, 0)
	open := 0
	for _, tk := range tasks {
		if tk.Status == lodestar.TaskOpen {
			open++
			if tk.Version != "2" || tk.MonitorID != two.ID {
				t.Errorf("open task %+v; want version 2's, by its monitor", tk)
			}
		}
	}
	if open != 1 {
		t.Errorf("version 2 decaying: %d open tasks; want 1", open)
	}
}
