package app_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// ndjson sends NDJSON with a bearer token.
func (f *fixture) ndjson(path, bearer, body string) *response {
	f.t.Helper()
	h := http.Header{"Content-Type": {"application/x-ndjson"}, "Authorization": {"Bearer " + bearer}}
	return f.do(f.client(), "POST", path, h, strings.NewReader(body))
}

func decodeInto[T any](t *testing.T, r *response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %T: %v in %.300s", v, err, r.body)
	}
	return v
}

func eventLine(id string, at time.Time, version string, x float64, colour string, score float64, label int) string {
	return fmt.Sprintf(`{"id":%q,"time":%q,"version":%q,"features":{"x":%g,"colour":%q},"prediction":%g,"label":%d,"latency_ms":%d}`,
		id, at.Format(time.RFC3339Nano), version, x, colour, score, label, 5+len(id)%7)
}

// TestIngestEvents checks per-line results, idempotency by event id,
// labels attached later, the ingest scope and whole-batch refusals.
func TestIngestEvents(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	uc := f.useCase("Recommendations")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "recommender", Name: "Recommender"})
	if err != nil {
		t.Fatal(err)
	}
	_, ingestTok := f.token(team, lodestar.ScopeIngest)
	_, readTok := f.token(team, lodestar.ScopeRead)
	_, viewerTok := f.token(viewer)
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

	batch := strings.Join([]string{
		eventLine("e-1", t0, "1.0", 1, "red", 0.9, 1),
		`{"id":"e-2","version":"1.0","prediction":"high","features":{"x":[1]}}`,
		``,
		`{"id":"e-3","version":"1.0"}`,
		`{"id":"e-4","version":"1.0","prediction":0.2,"lable":1}`,
		`not json`,
		eventLine("e-5", t0.Add(time.Minute), "1.0", 2, "blue", 0.1, 0),
		eventLine("e-1", t0, "1.0", 1, "red", 0.9, 1), // repeated in the batch
		`{"id":"e-6","version":"1.0","prediction":0.4,"time":"yesterday"}`,
	}, "\r\n")
	r := f.ndjson("/api/v1/models/recommender/events", ingestTok, batch)
	if r.StatusCode != 200 {
		t.Fatalf("ingest: got %d %s", r.StatusCode, r.body)
	}
	res := decodeInto[lodestar.IngestResult](t, r)
	if res.Accepted != 2 || res.Duplicates != 1 {
		t.Errorf("got accepted %d duplicates %d, want 2 and 1", res.Accepted, res.Duplicates)
	}
	wantLines := map[int]string{2: `features: "x" must be a number`, 4: "prediction: required", 5: `unknown field "lable"`, 6: "not valid JSON", 9: "time: must be RFC 3339"}
	if len(res.Rejected) != len(wantLines) {
		t.Errorf("got %d rejected lines %+v, want %d", len(res.Rejected), res.Rejected, len(wantLines))
	}
	for _, le := range res.Rejected {
		if want, ok := wantLines[le.Line]; !ok || !strings.Contains(le.Message, want) {
			t.Errorf("line %d: got %q, want it to say %q", le.Line, le.Message, want)
		}
	}
	// A retried batch (the client never saw the answer) counts once.
	r = f.ndjson("/api/v1/models/recommender/events", ingestTok, batch)
	res = decodeInto[lodestar.IngestResult](t, r)
	if res.Accepted != 0 || res.Duplicates != 3 {
		t.Errorf("retry: got accepted %d duplicates %d, want 0 and 3", res.Accepted, res.Duplicates)
	}
	if n, _ := f.app.Store.CountEvents(sys(), m.ID); n != 2 {
		t.Errorf("stored events: got %d, want 2", n)
	}
	// The model by numeric id works too.
	r = f.ndjson(fmt.Sprintf("/api/v1/models/%d/events", m.ID), ingestTok, eventLine("e-7", t0, "1.0", 3, "red", 0.6, 1))
	if res := decodeInto[lodestar.IngestResult](t, r); res.Accepted != 1 {
		t.Errorf("by id: got %+v, want 1 accepted", res)
	}

	// Labels later, by id; unknown ids listed with their line.
	r = f.ndjson("/api/v1/models/recommender/labels", ingestTok, "{\"id\":\"e-5\",\"label\":1}\n{\"id\":\"nope\",\"label\":0}\n{\"id\":\"e-1\"}\n")
	lr := decodeInto[lodestar.LabelResult](t, r)
	if lr.Updated != 1 || len(lr.Unknown) != 1 || lr.Unknown[0].Line != 2 || len(lr.Rejected) != 1 || lr.Rejected[0].Line != 3 {
		t.Errorf("labels: got %+v", lr)
	}
	if label, err := storedLabel(f.app.Store, "recommender", "e-5"); err != nil || label != "1" {
		t.Errorf("e-5 label: got %q (%v), want 1", label, err)
	}

	// Scopes and roles: an ingest token reads nothing; a read token and a
	// viewer cannot ingest.
	wantAPIError(t, f.api("GET", "/api/v1/models", ingestTok, ""), 403, lodestar.EForbidden)
	// An ingest-only token may ask who it is, and nothing else.
	if r := f.api("GET", "/api/v1/me", ingestTok, ""); r.StatusCode != 200 || !strings.Contains(r.body, "team@example.com") {
		t.Errorf("GET /api/v1/me with an ingest token: %d %s", r.StatusCode, r.body)
	}
	wantAPIError(t, f.api("GET", "/api/v1/switches", ingestTok, ""), 403, lodestar.EForbidden)
	wantAPIError(t, f.ndjson("/api/v1/models/recommender/events", readTok, eventLine("e-8", t0, "1.0", 1, "red", 0.5, 1)), 403, lodestar.EForbidden)
	wantAPIError(t, f.ndjson("/api/v1/models/recommender/events", viewerTok, eventLine("e-8", t0, "1.0", 1, "red", 0.5, 1)), 403, lodestar.EForbidden)

	// Whole-batch refusals store nothing.
	before, _ := f.app.Store.CountEvents(sys(), m.ID)
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer " + ingestTok}}
	wantAPIError(t, f.do(f.client(), "POST", "/api/v1/models/recommender/events", h, strings.NewReader(eventLine("e-9", t0, "1.0", 1, "a", 0.5, 1))), 415, lodestar.EUnsupported)
	wantAPIError(t, f.ndjson("/api/v1/models/nosuch/events", ingestTok, eventLine("e-9", t0, "1.0", 1, "a", 0.5, 1)), 404, lodestar.ENotFound)
	var many strings.Builder
	for i := range lodestar.MaxIngestLines + 1 {
		fmt.Fprintf(&many, "{\"id\":\"m-%d\",\"version\":\"1.0\",\"prediction\":0.5}\n", i)
	}
	wantAPIError(t, f.ndjson("/api/v1/models/recommender/events", ingestTok, many.String()), 413, lodestar.ETooLarge)
	huge := strings.Repeat(eventLine("e-10", t0, "1.0", 1, strings.Repeat("z", 1000), 0.5, 1)+"\n", lodestar.MaxIngestBytes/1000)
	wantAPIError(t, f.ndjson("/api/v1/models/recommender/events", ingestTok, huge), 413, lodestar.ETooLarge)
	// Just over the limit or far over it, the refusal states the one
	// documented limit, 8 MiB.
	for _, size := range []int{lodestar.MaxIngestBytes + 100, lodestar.MaxIngestBytes + 10000} {
		body := eventLine("e-11", t0, "1.0", 1, "a", 0.5, 1) + "\n" + strings.Repeat(" ", size)
		r := f.ndjson("/api/v1/models/recommender/events", ingestTok, body)
		if r.StatusCode != 413 || !strings.Contains(r.body, fmt.Sprint(lodestar.MaxIngestBytes)) {
			t.Errorf("a %d-byte batch: %d %s; want 413 naming %d bytes", size, r.StatusCode, r.body, lodestar.MaxIngestBytes)
		}
	}
	if after, _ := f.app.Store.CountEvents(sys(), m.ID); after != before {
		t.Errorf("refused batches stored events: %d → %d", before, after)
	}
}

// TestMonitorAlertsAndRetraining streams a model's events over ten hours:
// four good hours, then four with drifted features and falling accuracy,
// then two recovered. The monitor must open one accuracy and one drift
// alert, resolve both on recovery, open one retraining task after three
// bad windows, send webhooks, and the task must close with the new
// version's metrics when it goes live.
func TestMonitorAlertsAndRetraining(t *testing.T) {
	f := start(t, fixtureOpts{options: app.Options{WebhookSecret: "hook-secret", WebhookAllowPrivate: true}})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	uc := f.useCase("Recommendations")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "recommender", Name: "Recommender"})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var hooks []map[string]any
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p map[string]any
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &p); err != nil || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook: bad body %q or content type %q", b, r.Header.Get("Content-Type"))
		}
		// The signature, computed here independently of the server's code.
		mac := hmac.New(sha256.New, []byte("hook-secret"))
		mac.Write(b)
		if got, want := r.Header.Get("X-Lodestar-Signature"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
			t.Errorf("webhook signature: got %q, want %q", got, want)
		}
		mu.Lock()
		hooks = append(hooks, p)
		mu.Unlock()
	}))
	defer hookSrv.Close()

	rng := rand.New(rand.NewPCG(1, 2))
	var ref strings.Builder
	ref.WriteString("x,colour,label\n")
	for range 2000 {
		fmt.Fprintf(&ref, "%.4f,%s,1\n", rng.NormFloat64(), []string{"red", "blue"}[rng.IntN(2)])
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Hourly", "window": "hour",
		"thresholds":    map[string]any{"min_accuracy": 0.8, "drift": true},
		"retrain_after": 3, "webhook_url": hookSrv.URL,
		"reference": map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	mon := f.postMonitor(tok, m.ID, body)
	if strings.Join(mon.Numeric, ",") != "x" || strings.Join(mon.Categorical, ",") != "colour" || mon.Reference.Rows != 2000 || len(mon.Reference.SHA256) != 64 {
		t.Errorf("monitor features and reference: got %+v", mon)
	}

	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	wantAcc := make([]float64, 10)
	var batch strings.Builder
	for h := range 10 {
		bad := h >= 4 && h < 8
		correct := 0
		for i := range 1000 {
			x, colour := rng.NormFloat64(), []string{"red", "blue"}[rng.IntN(2)]
			pCorrect := 0.92
			if bad {
				x, colour, pCorrect = x+1.5, "green", 0.6
			}
			label := 1
			score := 0.9
			if rng.Float64() >= pCorrect {
				score = 0.1
			} else {
				correct++
			}
			batch.WriteString(eventLine(fmt.Sprintf("h%d-%d", h, i), t0.Add(time.Duration(h)*time.Hour+time.Duration(i)*3*time.Second), "1.0", x, colour, score, label) + "\n")
		}
		wantAcc[h] = float64(correct) / 1000
	}
	if r := f.ndjson("/api/v1/models/recommender/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 10000 {
		t.Fatalf("ingest: %s", r.body)
	}

	// Evaluate as of the end of hour 10, through the API.
	ev, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(10*time.Hour+time.Minute), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Windows) != 10 {
		t.Fatalf("windows: got %d, want 10", len(ev.Windows))
	}
	for h, w := range ev.Windows {
		if !w.Start.Equal(t0.Add(time.Duration(h)*time.Hour)) || w.Events != 1000 || w.Labelled != 1000 {
			t.Errorf("window %d: got start %s events %d labelled %d", h, w.Start, w.Events, w.Labelled)
		}
		if got := w.Metrics["accuracy"]; got != wantAcc[h] {
			t.Errorf("window %d accuracy: got %v, want %v (counted here)", h, got, wantAcc[h])
		}
		bad := h >= 4 && h < 8
		if w.DatasetDrift != bad {
			t.Errorf("window %d: dataset drift %v, want %v (share %.2f)", h, w.DatasetDrift, bad, w.DriftShare)
		}
	}
	kinds := func(as []*lodestar.Alert) string {
		var k []string
		for _, a := range as {
			k = append(k, a.Kind)
		}
		return strings.Join(k, ",")
	}
	// Opened and resolved in one run: the four bad hours open both, the
	// recovery resolves both; they are kept, resolved, as history.
	alerts, _ := f.app.Store.ListAlerts(sys(), m.ID, false)
	if len(alerts) != 2 || kinds(ev.Opened) != "accuracy,drift" {
		t.Fatalf("alerts after the first run: got %d stored, opened %q; want accuracy,drift", len(alerts), kinds(ev.Opened))
	}
	for _, a := range alerts {
		if a.Status != lodestar.AlertResolved || !a.OpenedAt.Equal(t0.Add(4*time.Hour)) || !a.ResolvedAt.Equal(t0.Add(8*time.Hour)) {
			t.Errorf("%s alert: got %s from %s to %s, want resolved from hour 4 to hour 8", a.Kind, a.Status, a.OpenedAt, a.ResolvedAt)
		}
	}
	if len(ev.Tasks) != 1 || ev.Tasks[0].Before["accuracy"] != wantAcc[6] {
		t.Fatalf("tasks: got %+v, want one opened after the third bad window with its accuracy %v", ev.Tasks, wantAcc[6])
	}

	// The windows over the API carry the drift result as a JSON object
	// (as documented), not as base64 text.
	r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d/windows", mon.ID), tok, "")
	var wp struct {
		Data []struct {
			Drift *struct {
				Columns []struct {
					Name    string `json:"name"`
					Drifted bool   `json:"drifted"`
				} `json:"columns"`
			} `json:"drift"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.body), &wp); err != nil || len(wp.Data) != 10 || wp.Data[5].Drift == nil || len(wp.Data[5].Drift.Columns) != 2 {
		t.Errorf("GET windows: the drift of a window should be an object with its columns; got %v, %.300s", err, r.body)
	}

	// A second evaluation with nothing new changes nothing.
	ev2, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(10*time.Hour+2*time.Minute), time.Time{})
	if err != nil || len(ev2.Windows)+len(ev2.Opened)+len(ev2.Tasks) != 0 {
		t.Errorf("re-evaluation: got %+v, %v; want nothing", ev2, err)
	}

	// New bad hour after recovery: alerts open (once) and stay open.
	batch.Reset()
	for i := range 300 {
		batch.WriteString(eventLine(fmt.Sprintf("h10-%d", i), t0.Add(10*time.Hour+time.Duration(i)*time.Second), "1.0", rng.NormFloat64()+2, "green", 0.1, 1) + "\n")
	}
	f.ndjson("/api/v1/models/recommender/events", tok, batch.String())
	ev3, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(11*time.Hour+time.Minute), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if kinds(ev3.Opened) != "accuracy,drift" {
		t.Errorf("hour 10: opened %q, want accuracy,drift", kinds(ev3.Opened))
	}
	if len(ev3.Tasks) != 0 {
		t.Errorf("hour 10: a second task opened while one is open")
	}
	open, _ := f.app.Store.ListAlerts(sys(), m.ID, true)
	if len(open) != 2 {
		t.Errorf("open alerts: got %d, want 2", len(open))
	}
	r = f.api("GET", fmt.Sprintf("/api/v1/alerts?model_id=%d&status=open", m.ID), tok, "")
	if p := decodeInto[struct{ Data []lodestar.Alert }](t, r); len(p.Data) != 2 {
		t.Errorf("GET /alerts: got %s", r.body)
	}

	// Webhooks: one per opened alert and one for the task, delivered by
	// the outbox.
	if n := f.app.Monitoring.DeliverWebhooks(sys(), f.clock.Now()); n < 3 {
		t.Errorf("webhooks delivered: got %d, want at least 3", n)
	}
	mu.Lock()
	var events []string
	for _, h := range hooks {
		events = append(events, fmt.Sprint(h["event"]))
	}
	mu.Unlock()
	if got := strings.Join(events, ","); !strings.Contains(got, "alert.opened") || !strings.Contains(got, "retraining.opened") {
		t.Errorf("webhook events: got %s", got)
	}
	if n := f.app.Monitoring.DeliverWebhooks(sys(), f.clock.Now()); n != 0 {
		t.Errorf("second delivery: got %d, want 0 (all delivered)", n)
	}

	// The retraining task closes when version 2.0 goes live.
	v2, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "2.0",
		Card: lodestar.ModelCard{EvaluationMetrics: map[string]float64{"accuracy": 0.93}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
		if _, err := f.app.Store.SetModelVersionStatus(sys(), v2.ID, st, "retrained on recent data"); err != nil {
			t.Fatal(err)
		}
	}
	tasks, _ := f.app.Store.ListRetrainingTasks(sys(), uc.ID)
	if len(tasks) != 1 || tasks[0].Status != lodestar.TaskClosed || tasks[0].After["accuracy"] != 0.93 || tasks[0].NewVersion != "2.0" {
		t.Errorf("task after go-live: got %+v", tasks)
	}

	// Retiring 1.0 resolves its open alerts (no window would ever
	// resolve them now), audited and announced.
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction, lodestar.ModelRetired} {
		if _, err := f.app.Store.SetModelVersionStatus(sys(), v1.ID, st, "replaced by 2.0"); err != nil {
			t.Fatal(err)
		}
		if open, _ := f.app.Store.ListAlerts(sys(), m.ID, true); st != lodestar.ModelRetired && len(open) != 2 {
			t.Errorf("open alerts with 1.0 %s: got %d, want 2", st, len(open))
		}
	}
	if open, _ := f.app.Store.ListAlerts(sys(), m.ID, true); len(open) != 0 {
		t.Errorf("open alerts after 1.0 retired: got %d, want 0", len(open))
	}
	if n := f.count("audit_log WHERE action = 'resolve' AND entity_type = 'alert'"); n != 2 {
		t.Errorf("audited alert resolutions: got %d, want 2", n)
	}
	hooks = nil
	if n := f.app.Monitoring.DeliverWebhooks(sys(), f.clock.Now()); n != 2 {
		t.Errorf("webhooks for the resolved alerts: got %d, want 2", n)
	}
	mu.Lock()
	for _, h := range hooks {
		if h["event"] != "alert.resolved" {
			t.Errorf("webhook after retiring: got %v, want alert.resolved", h["event"])
		}
	}
	mu.Unlock()
}

// TestMonitorBadInput: every field is checked and nothing is stored.
func TestMonitorBadInput(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	uc := f.useCase("Recommendations")
	m, _ := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "rec", Name: "Rec"})
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/models/%d/monitors", m.ID)
	good := `"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","csv":"x\n1\n"}`
	cases := []struct{ name, body, field string }{
		{"window", `{"version":"1.0","name":"M","window":"weekly","reference":{"kind":"dataset","csv":"x\n1\n"}}`, "window"},
		{"version", `{"version":"9.9","name":"M","window":"hour","reference":{"kind":"dataset","csv":"x\n1\n"}}`, "version"},
		{"no name", `{"version":"1.0","window":"hour","reference":{"kind":"dataset","csv":"x\n1\n"}}`, "name"},
		{"no reference", `{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset"}}`, "reference"},
		{"empty reference", `{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","csv":"x\n"}}`, "reference"},
		{"range", `{"version":"1.0","name":"M","window":"hour","reference":{"kind":"events","from":"2026-01-02T00:00:00Z","to":"2026-01-01T00:00:00Z"}}`, "reference.from"},
		{"accuracy", `{` + good + `,"thresholds":{"min_accuracy":1.5}}`, "thresholds.min_accuracy"},
		{"numeric test", `{` + good + `,"thresholds":{"drift":true,"drift_numeric_test":"chi2"}}`, "thresholds.drift_numeric_test"},
		{"categorical test", `{` + good + `,"thresholds":{"drift":true,"drift_categorical_test":"KS"}}`, "thresholds.drift_categorical_test"},
		{"webhook", `{` + good + `,"webhook_url":"ftp://x"}`, "webhook_url"},
		{"retrain", `{` + good + `,"retrain_after":-1}`, "retrain_after"},
		{"type", `{` + good + `,"retrain_after":"3"}`, "retrain_after"},
		{"missing column", `{"version":"1.0","name":"M","window":"hour","numeric":["y"],"reference":{"kind":"dataset","csv":"x\n1\n"}}`, "reference"},
		// The reference is a file or a range, never both: the part that
		// does not go with the kind was dropped without a word.
		{"file with a range", `{"version":"1.0","name":"M","window":"hour","numeric":["x"],"reference":{"kind":"events","from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z","csv":"x\n1\n"}}`, "reference.csv"},
		{"data with a range", `{"version":"1.0","name":"M","window":"hour","numeric":["x"],"reference":{"kind":"events","from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z","data":"eAoxCg=="}}`, "reference.data"},
		{"range with a file", `{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","csv":"x\n1\n","from":"2026-01-01T00:00:00Z","to":"2026-01-02T00:00:00Z"}}`, "reference.from"},
		{"time", `{"version":"1.0","name":"M","window":"hour","numeric":["x"],"reference":{"kind":"events","from":"2026-01-01","to":"2026-01-02T00:00:00Z"}}`, "reference.from"},
	}
	for _, c := range cases {
		r := f.api("POST", path, tok, c.body)
		d := wantAPIError(t, r, 400, lodestar.EInvalid)
		if _, ok := d.Fields[c.field]; !ok {
			t.Errorf("%s: got fields %v, want %s", c.name, d.Fields, c.field)
		}
	}
	// A reference over 20 MiB is refused by name; a body over the route's
	// limit is refused before it is read.
	big := strings.Repeat("1.25,red\n", (20<<20)/9+10)
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Big", "window": "hour", "reference": map[string]any{"kind": "dataset", "csv": "x,c\n" + big}})
	if d := wantAPIError(t, f.api("POST", path, tok, string(body)), 400, lodestar.EInvalid); d.Fields["reference"] == "" {
		t.Errorf("20 MiB reference: got %+v", d)
	}
	huge := `{"version":"1.0","name":"Huge","window":"hour","reference":{"kind":"dataset","csv":"` + strings.Repeat("9", 30<<20) + `"}}`
	wantAPIError(t, f.api("POST", path, tok, huge), 413, lodestar.ETooLarge)
	if n := f.count("monitors"); n != 0 {
		t.Errorf("monitors stored after bad input: %d", n)
	}
	wantAPIError(t, f.api("POST", "/api/v1/monitors/999/evaluate", tok, `{}`), 404, lodestar.ENotFound)
	wantAPIError(t, f.api("GET", "/api/v1/alerts?status=closed", tok, ""), 400, lodestar.EInvalid)
}

// TestMonitorParquetReference creates a monitor whose reference is a
// Parquet file sent base64-encoded, and refuses csv and data together.
func TestMonitorParquetReference(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	uc := f.useCase("Recommendations")
	m, _ := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "rec", Name: "Rec"})
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Minutes float64 `parquet:"minutes"`
		Content string  `parquet:"content_type"`
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, []row{{12.5, "image"}, {3, "text"}, {40, "short_video"}}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/models/%d/monitors", m.ID)
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Daily", "window": "day",
		"reference": map[string]any{"kind": "dataset", "file_name": "train.parquet", "data": buf.Bytes()}})
	r := f.api("POST", path, tok, string(body))
	if r.StatusCode != 201 {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	mon := decodeInto[lodestar.Monitor](t, r)
	if mon.Reference.Format != "parquet" || mon.Reference.Rows != 3 || strings.Join(mon.Numeric, ",") != "minutes" || strings.Join(mon.Categorical, ",") != "content_type" {
		t.Errorf("monitor: got %+v", mon)
	}
	body, _ = json.Marshal(map[string]any{"version": "1.0", "name": "Both", "window": "day",
		"reference": map[string]any{"kind": "dataset", "csv": "x\n1\n", "data": buf.Bytes()}})
	d := wantAPIError(t, f.api("POST", path, tok, string(body)), 400, lodestar.EInvalid)
	if d.Fields["reference"] == "" {
		t.Errorf("csv and data: got %+v", d)
	}
}

// TestPruneKeepsWhatMonitorsNeed: with a retention, old events go, except
// those an event-range reference or a not-yet-evaluated window needs.
func TestPruneKeepsWhatMonitorsNeed(t *testing.T) {
	f := start(t, fixtureOpts{options: app.Options{EventRetention: 48 * time.Hour}})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	uc := f.useCase("Recommendations")
	now := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for _, key := range []string{"plain", "referenced"} {
		m, _ := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: key, Name: key})
		if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
			t.Fatal(err)
		}
		batch.Reset()
		for d := range 10 { // one event a day, June 20 to 29
			fmt.Fprintf(&batch, `{"id":"d%d","time":%q,"version":"1.0","features":{"x":%d},"prediction":0.5}`+"\n", d, now.AddDate(0, 0, d-10).Format(time.RFC3339), d)
		}
		if r := f.ndjson("/api/v1/models/"+key+"/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 10 {
			t.Fatalf("ingest %s: %s", key, r.body)
		}
		if key == "referenced" {
			// Its reference is June 21–23; it has been evaluated to June 29.
			mon, err := f.app.Monitoring.CreateMonitor(sys(), lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "R", Window: lodestar.WindowDay,
				Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: now.AddDate(0, 0, -9), To: now.AddDate(0, 0, -7)}}, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, now.AddDate(0, 0, -1), time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := f.app.Monitoring.Prune(sys(), now); n != 8+1 {
		t.Errorf("pruned %d events, want 8 of plain (older than June 28) and 1 of referenced (June 20, before its reference)", n)
	}
	for key, want := range map[string]int64{"plain": 2, "referenced": 9} {
		m, _ := f.app.Store.FindModelByRef(sys(), key)
		if n, _ := f.app.Store.CountEvents(sys(), m.ID); n != want {
			t.Errorf("%s keeps %d events, want %d", key, n, want)
		}
	}
}

// storedLabel is the label the store gives the event id of a model, read
// back the way the monitors read events.
func storedLabel(s *store.Store, model, id string) (string, error) {
	m, err := s.FindModelByRef(sys(), model)
	if err != nil {
		return "", err
	}
	label := ""
	err = s.ScanEvents(sys(), m.ID, "", time.Unix(0, 0), time.Unix(1<<40, 0), func(e lodestar.StoredEvent) error {
		if e.ID == id {
			label = string(e.Label)
		}
		return nil
	})
	return label, err
}
