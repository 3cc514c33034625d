package app_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/stats"
)

// experimentTables are what "nothing was written" means for experiments.
var experimentTables = []string{"experiments", "experiment_stats", "experiment_units", "audit_log"}

func (f *fixture) experimentCounts() string {
	f.t.Helper()
	var parts []string
	for _, tb := range experimentTables {
		parts = append(parts, fmt.Sprintf("%s=%d", tb, f.count(tb)))
	}
	return strings.Join(parts, " ")
}

// experimentWorld is a use case with a model and two versions, and an AI
// team member's write token.
type experimentWorld struct {
	uc                 *lodestar.UseCase
	control, treatment int64
	token              string
}

func (f *fixture) experimentWorld() experimentWorld {
	f.t.Helper()
	ctx, st := sys(), f.app.Store
	w := experimentWorld{uc: f.useCase("E-commerce recommender")}
	m, err := st.CreateModel(ctx, lodestar.Model{UseCaseID: w.uc.ID, Key: "recsys", Name: "Recommender"})
	if err != nil {
		f.t.Fatal(err)
	}
	for i, v := range []string{"3.1", "4.0"} {
		mv, err := st.CreateModelVersion(ctx, m.ID, lodestar.ModelVersion{Version: v})
		if err != nil {
			f.t.Fatal(err)
		}
		if i == 0 {
			w.control = mv.ID
		} else {
			w.treatment = mv.ID
		}
	}
	_, w.token = f.token(f.user(lodestar.RoleAITeam, "ml@example.com"), lodestar.ScopeWrite)
	return w
}

func (w experimentWorld) design(key string) string {
	return fmt.Sprintf(`{"use_case_id":%d,"key":%q,"name":"Recommender 4.0","hypothesis":"Short-video signals raise conversion",
		"control_version_id":%d,"treatment_version_id":%d,"min_sample":1000,"treatment_share":0.5,
		"primary":{"name":"conversion","kind":"proportion","direction":"up"},
		"guardrails":[{"name":"latency_ms","kind":"mean","direction":"down","max_degradation":0.05}]}`, w.uc.ID, key, w.control, w.treatment)
}

// TestExperimentAPIBadInput checks every refusal names its field and
// writes nothing.
func TestExperimentAPIBadInput(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	r := f.apiOK("POST", "/api/v1/experiments", w.token, w.design("recsys-4"), 201)
	e := fromJSON[lodestar.Experiment](t, r)
	if e.Status != lodestar.ExperimentDraft || e.Alpha != 0.05 {
		t.Errorf("created: got status %s alpha %g, want draft 0.05", e.Status, e.Alpha)
	}
	base := fmt.Sprintf("/api/v1/experiments/%d", e.ID)
	valid := w.design("other")
	big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`

	tests := []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
		field                           string
	}{
		{"wrong type", "POST", "/api/v1/experiments", "", strings.Replace(valid, `"min_sample":1000`, `"min_sample":"many"`, 1), 400, lodestar.EInvalid, "min_sample"},
		{"wrong nested type", "POST", "/api/v1/experiments", "", strings.Replace(valid, `"max_degradation":0.05`, `"max_degradation":"5%"`, 1), 400, lodestar.EInvalid, "guardrails[0].max_degradation"},
		{"unknown field", "POST", "/api/v1/experiments", "", strings.Replace(valid, `"name":"Recommender 4.0"`, `"name":"x","owner":"me"`, 1), 400, lodestar.EInvalid, "owner"},
		{"missing key", "POST", "/api/v1/experiments", "", strings.Replace(valid, `"key":"other",`, ``, 1), 400, lodestar.EInvalid, "key"},
		{"missing primary", "POST", "/api/v1/experiments", "", fmt.Sprintf(`{"use_case_id":%d,"key":"k","name":"n","hypothesis":"h","control_version_id":%d,"treatment_version_id":%d}`, w.uc.ID, w.control, w.treatment), 400, lodestar.EInvalid, "primary.name"},
		{"unknown version", "POST", "/api/v1/experiments", "", strings.Replace(valid, fmt.Sprintf(`"treatment_version_id":%d`, w.treatment), `"treatment_version_id":9999`, 1), 400, lodestar.EInvalid, "treatment_version_id"},
		{"duplicate key", "POST", "/api/v1/experiments", "", w.design("recsys-4"), 409, lodestar.EConflict, "key"},
		{"wrong content type", "POST", "/api/v1/experiments", "text/plain", valid, 415, lodestar.EUnsupported, ""},
		{"oversized body", "POST", "/api/v1/experiments", "", big, 413, lodestar.ETooLarge, ""},
		{"status without reason", "POST", base + "/status", "", `{"status":"running"}`, 400, lodestar.EInvalid, "reason"},
		{"status wrong type", "POST", base + "/status", "", `{"status":1,"reason":"x"}`, 400, lodestar.EInvalid, "status"},
		{"data before start", "POST", base + "/data", "", `{"data":[{"variant":"control","metric":"conversion","n":10,"successes":1}]}`, 409, lodestar.EConflict, ""},
		{"observations before start", "POST", base + "/observations", "application/x-ndjson", `{"unit":"u","variant":"control","metrics":{"conversion":1}}`, 409, lodestar.EConflict, ""},
		{"bad id", "GET", "/api/v1/experiments/abc/analysis", "", "", 400, lodestar.EInvalid, "id"},
		{"unknown experiment", "GET", "/api/v1/experiments/9999/analysis", "", "", 404, lodestar.ENotFound, ""},
		{"bad status filter", "GET", "/api/v1/experiments?status=paused", "", "", 400, lodestar.EInvalid, "status"},
		{"bad use case filter", "GET", "/api/v1/experiments?use_case_id=x", "", "", 400, lodestar.EInvalid, "use_case_id"},
	}
	run := func(tests []struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
		field                           string
	}) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f := f.with(t)
				before := f.experimentCounts()
				h := http.Header{"Authorization": {"Bearer " + w.token}}
				if tc.body != "" {
					h.Set("Content-Type", "application/json")
				}
				if tc.ctype != "" {
					h.Set("Content-Type", tc.ctype)
				}
				var body io.Reader = strings.NewReader(tc.body)
				if len(tc.body) > 8<<20 {
					body = io.MultiReader(body) // no Content-Length: chunked
				}
				r := f.do(f.client(), tc.method, tc.path, h, body)
				d := wantAPIError(t, r, tc.status, tc.code)
				if tc.field != "" && d.Fields[tc.field] == "" {
					t.Errorf("got fields %v, want %q named", d.Fields, tc.field)
				}
				if after := f.experimentCounts(); after != before {
					t.Errorf("refused request changed data: got %s, want %s", after, before)
				}
			})
		}
	}
	run(tests)

	f.apiOK("POST", base+"/status", w.token, `{"status":"running","reason":"design reviewed"}`, 200)
	// Just over 16 MiB, in lines too long to parse (so cheap to refuse),
	// sent without a length so the limit is met while streaming.
	huge := strings.Repeat(strings.Repeat("x", 100<<10)+"\n", 163) + strings.Repeat("x", 90000)
	run([]struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
		field                           string
	}{
		{"edit while running", "PUT", base, "", whole(base, w.design("")), 409, lodestar.EConflict, ""},
		{"unknown variant", "POST", base + "/data", "", `{"data":[{"variant":"b","metric":"conversion","n":10,"successes":1}]}`, 400, lodestar.EInvalid, "data[0].variant"},
		{"unknown metric", "POST", base + "/data", "", `{"data":[{"variant":"control","metric":"clicks","n":10,"successes":1}]}`, 400, lodestar.EInvalid, "data[0].metric"},
		{"missing successes", "POST", base + "/data", "", `{"data":[{"variant":"control","metric":"conversion","n":10}]}`, 400, lodestar.EInvalid, "data[0].successes"},
		{"missing sums", "POST", base + "/data", "", `{"data":[{"variant":"control","metric":"latency_ms","n":10}]}`, 400, lodestar.EInvalid, "data[0].sum"},
		{"wrong type in data", "POST", base + "/data", "", `{"data":[{"variant":"control","metric":"conversion","n":"ten","successes":1}]}`, 400, lodestar.EInvalid, "data[0].n"},
		{"missing data", "POST", base + "/data", "", `{}`, 400, lodestar.EInvalid, "data"},
		{"second item bad", "POST", base + "/data", "", `{"data":[{"variant":"control","metric":"conversion","n":10,"successes":1},{"variant":"control","metric":"conversion","n":10,"successes":11}]}`, 400, lodestar.EInvalid, "data[1].successes"},
		{"observations as JSON", "POST", base + "/observations", "application/json", `{"unit":"u","variant":"control","metrics":{"conversion":1}}`, 415, lodestar.EUnsupported, ""},
		{"observations as text", "POST", base + "/observations", "text/plain", `{"unit":"u","variant":"control","metrics":{"conversion":1}}`, 415, lodestar.EUnsupported, ""},
		{"observations empty", "POST", base + "/observations", "application/x-ndjson", "\n\n", 400, lodestar.EInvalid, "body"},
		{"observations oversized", "POST", base + "/observations", "application/x-ndjson", huge, 413, lodestar.ETooLarge, ""},
	})

	// Per-line results: good lines recorded, the rest reported by line.
	body := strings.Join([]string{
		`{"unit":"u1","variant":"treatment","metrics":{"conversion":1,"latency_ms":120}}`,
		`{"unit":"u1","variant":"treatment","metrics":{"conversion":1}}`,
		`not json`,
		``,
		`{"unit":"u2","variant":"treatment","metrics":{"conversion":"yes"}}`,
		`{"unit":"u3","variant":"treatment","metrics":{"clicks":1}}`,
		`{"unit":"u1","variant":"control","metrics":{"conversion":0}}`,
		`{"variant":"control","metrics":{"conversion":0}}`,
		`{"unit":"u4","variant":"control","metrics":{"conversion":0},"extra":1}`,
		`{"unit":"u5","variant":"control","metrics":{"conversion":0,"latency_ms":100}}`,
	}, "\n")
	h := http.Header{"Authorization": {"Bearer " + w.token}, "Content-Type": {"application/x-ndjson"}}
	r = f.do(f.client(), "POST", base+"/observations", h, strings.NewReader(body))
	if r.StatusCode != 200 {
		t.Fatalf("POST observations: got %d, want 200 (%s)", r.StatusCode, r.body)
	}
	res := fromJSON[lodestar.ObservationResult](t, r)
	var lines []int
	for _, rej := range res.Rejected {
		lines = append(lines, rej.Line)
		if rej.Message == "" {
			t.Errorf("line %d: got no message", rej.Line)
		}
	}
	if res.Accepted != 2 || res.Duplicates != 1 || fmt.Sprint(lines) != "[3 5 6 7 8 9]" {
		t.Errorf("observations: got accepted %d duplicates %d rejected lines %v, want 2, 1, [3 5 6 7 8 9] (%s)", res.Accepted, res.Duplicates, lines, r.body)
	}
}

// TestExperimentAPIAnalysis sends aggregates through the API and checks
// the analysis equals the stats engine's on the same sufficient statistics.
func TestExperimentAPIAnalysis(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	e := fromJSON[lodestar.Experiment](t, f.apiOK("POST", "/api/v1/experiments", w.token, w.design("recsys-4"), 201))
	base := fmt.Sprintf("/api/v1/experiments/%d", e.ID)
	f.apiOK("POST", base+"/status", w.token, `{"status":"running","reason":"go"}`, 200)
	f.apiOK("POST", base+"/data", w.token, `{"data":[
		{"variant":"control","metric":"conversion","n":20000,"successes":1000},
		{"variant":"treatment","metric":"conversion","n":20100,"successes":1180},
		{"variant":"control","metric":"latency_ms","n":20000,"sum":2400000,"sum_squares":300000000},
		{"variant":"treatment","metric":"latency_ms","n":20100,"sum":2415000,"sum_squares":301000000}]}`, 200)
	a := fromJSON[lodestar.ExperimentAnalysis](t, f.apiOK("GET", base+"/analysis", w.token, "", 200))

	conv, err := stats.TwoProportions(stats.Count{N: 20000, Successes: 1000}, stats.Count{N: 20100, Successes: 1180}, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	lat, err := stats.Welch(stats.Summary{N: 20000, Sum: 2400000, SumSq: 300000000}, stats.Summary{N: 20100, Sum: 2415000, SumSq: 301000000}, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	srm, err := stats.SRM([]int64{20000, 20100}, []float64{0.5, 0.5})
	if err != nil {
		t.Fatal(err)
	}
	g := a.Guardrails[0]
	checks := []struct {
		name      string
		got, want float64
	}{
		{"primary p", a.Primary.P, conv.P},
		{"primary z", a.Primary.Stat, conv.Stat},
		{"primary diff", a.Primary.Diff.Value, conv.Diff.Value},
		{"primary diff lo", a.Primary.Diff.Lo, conv.Diff.Lo},
		{"primary diff hi", a.Primary.Diff.Hi, conv.Diff.Hi},
		{"primary relative", a.Primary.Relative.Value, conv.Relative.Value},
		{"primary relative lo", a.Primary.Relative.Lo, conv.Relative.Lo},
		{"primary relative hi", a.Primary.Relative.Hi, conv.Relative.Hi},
		{"latency p", g.P, lat.P},
		{"latency t", g.Stat, lat.Stat},
		{"latency df", g.DF, lat.DF},
		{"latency diff lo", g.Diff.Lo, lat.Diff.Lo},
		{"latency relative hi", g.Relative.Hi, lat.Relative.Hi},
		{"SRM chi-square", a.SRM.ChiSquare, srm.Stat},
		{"SRM p", a.SRM.P, srm.P},
	}
	for _, c := range checks {
		// JSON carries float64 exactly (shortest round-trip form).
		if c.got != c.want {
			t.Errorf("%s: got %v, want the engine's %v", c.name, c.got, c.want)
		}
	}
	want := stats.Decide(stats.VerdictInput{Primary: conv, MinSample: 1000, SRM: &srm,
		Guardrails: []stats.Guardrail{{Name: "latency_ms", Result: lat, MaxDegradation: 0.05, LowerIsBetter: true}}})
	if a.Verdict.Decision != string(want.Decision) || a.Verdict.Reason != want.Reason || a.Verdict.Code == "" {
		t.Errorf("verdict: got %+v, want the engine's %s %q with a code", a.Verdict, want.Decision, want.Reason)
	}
	if a.Verdict.Decision != lodestar.DecisionShip || g.Status != lodestar.GuardrailOK {
		t.Errorf("verdict: got %s (guardrail %s), want ship with the latency guardrail ok", a.Verdict.Decision, g.Status)
	}

	// Listing and filtering.
	list := fromJSON[struct {
		Data  []lodestar.Experiment `json:"data"`
		Total int                   `json:"total"`
	}](t, f.apiOK("GET", fmt.Sprintf("/api/v1/experiments?use_case_id=%d&status=running", w.uc.ID), w.token, "", 200))
	if list.Total != 1 || list.Data[0].ID != e.ID {
		t.Errorf("list: got %+v, want the one running experiment", list)
	}
	f.apiOK("POST", base+"/status", w.token, `{"status":"stopped","reason":"shipped"}`, 200)
	list = fromJSON[struct {
		Data  []lodestar.Experiment `json:"data"`
		Total int                   `json:"total"`
	}](t, f.apiOK("GET", "/api/v1/experiments?status=running", w.token, "", 200))
	if list.Total != 0 {
		t.Errorf("running after stop: got %d, want 0", list.Total)
	}
}

// TestSlowObservationUploadHoldsUpNoOne: a client sending its
// observations slowly does not keep other writes waiting (the body is
// read before the recording transaction starts; on SQLite that
// transaction is the database's one writer).
func TestSlowObservationUploadHoldsUpNoOne(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	e := fromJSON[lodestar.Experiment](t, f.apiOK("POST", "/api/v1/experiments", w.token, w.design("recsys-4"), 201))
	base := fmt.Sprintf("/api/v1/experiments/%d", e.ID)
	f.apiOK("POST", base+"/status", w.token, `{"status":"running","reason":"go"}`, 200)

	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", f.srv.URL+base+"/observations", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+w.token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	upload := make(chan *http.Response, 1)
	go func() {
		resp, err := f.srv.Client().Do(req)
		if err != nil {
			t.Error(err)
		}
		upload <- resp
	}()
	if _, err := pw.Write([]byte(`{"unit":"u1","variant":"control","metrics":{"conversion":1}}` + "\n")); err != nil {
		t.Fatal(err)
	}
	// The upload is under way and stalled; another write goes through.
	other := make(chan *response, 1)
	go func() { other <- f.api("POST", "/api/v1/experiments", w.token, w.design("other")) }()
	select {
	case r := <-other:
		if r.StatusCode != 201 {
			t.Errorf("the other write: %d %s", r.StatusCode, r.body)
		}
	case <-time.After(10 * time.Second):
		pw.CloseWithError(errors.New("the test gave up")) // so the server can close
		t.Fatal("a write waited on an upload still being sent")
	}
	pw.Write([]byte(`{"unit":"u2","variant":"treatment","metrics":{"conversion":0}}` + "\n"))
	pw.Close()
	resp := <-upload
	if resp == nil {
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var res lodestar.ObservationResult
	if err := json.Unmarshal(b, &res); err != nil || resp.StatusCode != 200 || res.Accepted != 2 {
		t.Errorf("upload: %d %s, want 2 accepted", resp.StatusCode, b)
	}
}
