package app_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMonitorChoosesItsDriftTests: a monitor's drift_numeric_test and
// drift_categorical_test decide its windows' drift, and are kept and
// shown as set; without them Evidently's rule picks the distances for a
// reference of 2,000 rows.
func TestMonitorChoosesItsDriftTests(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	uc := f.useCase("Recommendations")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "rec", Name: "Rec"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var ref strings.Builder
	ref.WriteString("x,colour\n")
	for range 2000 {
		fmt.Fprintf(&ref, "%.4f,%s\n", rng.NormFloat64(), []string{"red", "blue"}[rng.IntN(2)])
	}
	monitor := func(name string, th map[string]any) lodestar.Monitor {
		body, _ := json.Marshal(map[string]any{"version": "1.0", "name": name, "window": "hour", "thresholds": th,
			"reference": map[string]any{"kind": "dataset", "csv": ref.String()}})
		return f.postMonitor(tok, m.ID, body)
	}
	chosen := monitor("Chosen", map[string]any{"drift": true, "drift_numeric_test": "ks", "drift_categorical_test": "chi2"})
	auto := monitor("Auto", map[string]any{"drift": true})
	if chosen.Thresholds.DriftNumericTest != "ks" || chosen.Thresholds.DriftCategoricalTest != "chi2" {
		t.Fatalf("monitor as created: %+v, want the tests as set", chosen.Thresholds)
	}

	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 200 {
		batch.WriteString(eventLine(fmt.Sprintf("e%d", i), t0.Add(time.Duration(i)*10*time.Second), "1.0",
			rng.NormFloat64(), []string{"red", "blue"}[rng.IntN(2)], 0.9, 1) + "\n")
	}
	if r := f.ndjson("/api/v1/models/rec/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 200 {
		t.Fatalf("ingest: %s", r.body)
	}
	tests := func(mon lodestar.Monitor) map[string]string {
		ev, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(time.Hour+time.Minute), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(ev.Windows) != 1 {
			t.Fatalf("%s: %d windows, want 1", mon.Name, len(ev.Windows))
		}
		var d struct {
			Columns []struct {
				Name, Test string
			} `json:"columns"`
		}
		if err := json.Unmarshal(ev.Windows[0].Drift, &d); err != nil {
			t.Fatalf("%s: drift %s: %v", mon.Name, ev.Windows[0].Drift, err)
		}
		out := map[string]string{}
		for _, c := range d.Columns {
			out[c.Name] = c.Test
		}
		return out
	}
	if got := tests(chosen); got["x"] != "ks" || got["colour"] != "chi2" {
		t.Errorf("chosen tests: got %v, want x by ks, colour by chi2", got)
	}
	if got := tests(auto); got["x"] != "wasserstein" || got["colour"] != "jensenshannon" {
		t.Errorf("auto tests: got %v, want x by wasserstein, colour by jensenshannon (2,000 reference rows)", got)
	}
}

// TestMonitorFormDriftTests: the web form offers the drift tests, keeps
// the one chosen, and refuses a name it does not offer by field, in the
// user's language, saving nothing.
func TestMonitorFormDriftTests(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u, err := f.app.Store.CreateUser(sys(), lodestar.NewUser{Email: "team@example.com", Name: "团队", Role: lodestar.RoleAITeam, Password: testPassword, Locale: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	m := creditModel(t, f)
	c, csrf, _ := f.signIn(u, time.Hour)
	page := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), nil, nil)
	for _, want := range []string{`name="drift_numeric_test"`, `<option value="ks">Kolmogorov–Smirnov 检验</option>`, `name="drift_categorical_test"`, `<option value="chi2">`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("health page: no %s", want)
		}
	}
	post := func(numeric string) *response {
		return f.postMonitorForm(c, m.ID, map[string]string{"csrf_token": csrf, "version": "1.0", "name": "M " + numeric, "window": "hour", "reference_kind": "dataset",
			"task": "binary", "drift": "on", "drift_numeric_test": numeric, "drift_categorical_test": "chi2"}, "x\n1\n2\n")
	}
	if r := post("anova"); r.StatusCode != 400 || !strings.Contains(r.body, "请填 auto、ks、wasserstein 或 psi。") {
		t.Errorf("numeric test anova: %d, want 400 naming the tests in Chinese", r.StatusCode)
	}
	if n := f.count("monitors"); n != 0 {
		t.Fatalf("%d monitors stored after a refused test", n)
	}
	if r := post("ks"); r.StatusCode >= 400 {
		t.Fatalf("numeric test ks: %d", r.StatusCode)
	}
	mons, err := f.app.Store.ListMonitors(sys(), m.ID)
	if err != nil || len(mons) != 1 || mons[0].Thresholds.DriftNumericTest != "ks" || mons[0].Thresholds.DriftCategoricalTest != "chi2" {
		t.Fatalf("monitors after the form: %+v, %v; want one judged by ks and chi2", mons, err)
	}
}
