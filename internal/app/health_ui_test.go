package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// healthUI is a model with one monitor evaluated over hours of events
// drawn like its reference (nothing drifts), for the health page's tests.
type healthUI struct {
	f    *fixture
	uc   *lodestar.UseCase
	m    *lodestar.Model
	v    *lodestar.ModelVersion
	mon  lodestar.Monitor
	tok  string
	team *http.Client
	csrf string
}

func newHealthUI(t *testing.T, hours int, score func(hour int) float64) *healthUI {
	t.Helper()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	uc := f.useCase("Recs")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "rec", Name: "Rec"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	var ref strings.Builder
	ref.WriteString("x,colour,label\n")
	for i := range 210 {
		fmt.Fprintf(&ref, "%d,%s,1\n", i%7, []string{"red", "blue"}[i%2])
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Hourly", "window": "hour",
		"thresholds":    map[string]any{"min_accuracy": 0.8, "drift": true},
		"retrain_after": 2,
		"reference":     map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	mon := f.postMonitor(tok, m.ID, body)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for h := range hours {
		for i := range 70 {
			fmt.Fprintln(&batch, eventLine(fmt.Sprintf("e%d-%d", h, i), t0.Add(time.Duration(h)*time.Hour+time.Duration(i)*time.Second), "1.0",
				float64(i%7), []string{"red", "blue"}[i%2], score(h), 1))
		}
	}
	f.ndjson("/api/v1/models/rec/events", tok, batch.String())
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(time.Duration(hours)*time.Hour+time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(team, time.Hour)
	return &healthUI{f: f, uc: uc, m: m, v: v, mon: mon, tok: tok, team: c, csrf: csrf}
}

func (h *healthUI) page(t *testing.T, path string) string {
	t.Helper()
	r := h.f.do(h.team, "GET", path, nil, nil)
	if r.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, r.StatusCode)
	}
	return r.body
}

// The share of drifted features is drawn from 0 to 1: a monitor whose
// features never drift shows 0%, 50% and 100% on the axis (in percent, as
// the drift alert writes the share: "67% of features drifted (threshold
// 50%)"; the axis once read 0.50 beside that alert). Fitted to the data
// and the threshold, the axis stopped at 0.5 here, and a monitor whose
// share went from 0.5 to 1 had 0.5 at the bottom of the plot, where it
// read as nothing drifting.
func TestHealthDriftChartAxis(t *testing.T) {
	h := newHealthUI(t, 3, func(int) float64 { return 0.9 })
	body := h.page(t, fmt.Sprintf("/models/%d/health", h.m.ID))
	drift := regexp.MustCompile(`(?s)aria-label="Share of drifted features per window">(.*?)</svg>`).FindStringSubmatch(body)
	if drift == nil {
		t.Fatalf("no drift chart on the health page")
	}
	var ticks []string
	for _, m := range regexp.MustCompile(`class="tick" text-anchor="end">([^<]*)<`).FindAllStringSubmatch(drift[1], -1) {
		if !strings.Contains(m[1], "UTC") { // the last date
			ticks = append(ticks, m[1])
		}
	}
	if strings.Join(ticks, " ") != "0% 50% 100%" {
		t.Errorf("drift chart's value axis reads %q, want 0%%, 50%% and 100%%", ticks)
	}
	// Its caption names the dashed line and its value, in the axis's terms.
	if !strings.Contains(body, `Share of drifted features per window <span class="muted">· dashed line: threshold 50%</span>`) {
		t.Errorf("drift chart's caption does not name its threshold line")
	}
}

// The latest window's figures read in their units: a latency in
// milliseconds with one decimal (not "48.9713", nor "25" beside "18.6"),
// a data-quality share as a percentage, as the data-quality table and the
// alerts write it (not "0.0000" beside "0.0%"), said to have no threshold
// when the monitor has no data-quality check, other figures with at most
// three decimals and no trailing zeros (not "1.0000", "0.9000").
func TestHealthLatestWindowUnits(t *testing.T) {
	h := newHealthUI(t, 3, func(int) float64 { return 0.9 })
	body := h.page(t, fmt.Sprintf("/models/%d/health", h.m.ID))
	for _, re := range []string{
		`<dt>Latency p95 \(ms\)</dt><dd>\d+\.\d</dd>`,
		`<dt>Largest out-of-range share</dt><dd>\d+\.\d%( <span class="muted no-threshold">· no threshold \(data-quality alerts are off\)</span>)?</dd>`,
		`<dt>Accuracy</dt><dd>1</dd>`,
		`<dt>Log loss</dt><dd>0\.105</dd>`,
		`<dt>Mean score</dt><dd>0\.9</dd>`,
	} {
		if !regexp.MustCompile(re).MatchString(body) {
			t.Errorf("health page: no %s in %s", re, regexp.MustCompile(`(?s)<dl class="facts">.*?</dl>`).FindString(body))
		}
	}
}

// From the alerts list, the health page and the use case a person reaches
// the others: the health page names the use case and links the monitor's
// version; the alerts list links each alert and task to its monitor and
// each task to its use case; the use case lists its retraining tasks. And
// a task reads the same everywhere: before and after, opened and closed
// (the alerts list showed no figures, the health page no dates).
func TestHealthNavigationAndTasks(t *testing.T) {
	h := newHealthUI(t, 4, func(hour int) float64 {
		if hour == 0 {
			return 0.9 // right
		}
		return 0.1 // wrong: accuracy 0 from the second hour
	})
	v2, err := h.f.app.Store.CreateModelVersion(sys(), h.m.ID, lodestar.ModelVersion{Version: "2.0",
		Card: lodestar.ModelCard{EvaluationMetrics: map[string]float64{"accuracy": 0.95}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
		if _, err := h.f.app.Store.SetModelVersionStatus(sys(), v2.ID, st, "retrained"); err != nil {
			t.Fatal(err)
		}
	}
	monitor := fmt.Sprintf(`href="/models/%d/health#monitor-%d"`, h.m.ID, h.mon.ID)
	useCase := fmt.Sprintf(`href="/use-cases/%d"`, h.uc.ID)

	health := h.page(t, fmt.Sprintf("/models/%d/health", h.m.ID))
	for _, want := range []string{useCase, fmt.Sprintf(`href="/model-versions/%d"`, h.v.ID)} {
		if !strings.Contains(health, want) {
			t.Errorf("health page lacks a link %s", want)
		}
	}
	alerts := h.page(t, "/alerts")
	for _, want := range []string{monitor, useCase} {
		if !strings.Contains(alerts, want) {
			t.Errorf("alerts page lacks a link %s", want)
		}
	}
	uc := h.page(t, fmt.Sprintf("/use-cases/%d", h.uc.ID))
	if !strings.Contains(uc, `id="retraining"`) || !strings.Contains(uc, monitor) {
		t.Errorf("use case page lacks its retraining task linked to the monitor")
	}
	// The task's row on every page: 1.0 → 2.0, why it opened (its stored
	// reason, the time in words), accuracy 0 before and 0.95 after (no
	// trailing zeros), and its dates.
	row := regexp.MustCompile(`(?s)<table class="tasks[^"]*">.*?<tbody><tr>(.*?)</tr>`)
	cells := regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	tag := regexp.MustCompile(`<[^>]*>`)
	for name, body := range map[string]string{"health": health, "alerts": alerts, "use case": uc} {
		m := row.FindStringSubmatch(body)
		if m == nil {
			t.Errorf("%s page: no retraining task table", name)
			continue
		}
		var text []string
		for _, c := range cells.FindAllStringSubmatch(m[1], -1) {
			text = append(text, strings.TrimSpace(tag.ReplaceAllString(c[1], "")))
		}
		got := strings.Join(text, " | ")
		if name == "alerts" && !strings.Contains(m[1], `<td class="keep-words" data-label="Use case">`) {
			t.Errorf("%s page: the task's use case is not kept whole (a Chinese name broke inside a word)", name)
		}
		for _, want := range []string{"1.0 → 2.0", "| Accuracy 0 |", "| Accuracy 0.95 |", "| Accuracy breached in each of 2 windows in a row, to 1 May 2026 03:00 UTC. |", "May 2026"} {
			if !strings.Contains(got, want) {
				t.Errorf("%s page: task row %q lacks %q", name, got, want)
			}
		}
	}
}

// The drift table names each test for a reader in the page's language,
// not by the engine's identifier (ks, chi2, jensenshannon, wasserstein).
func TestHealthDriftTestNames(t *testing.T) {
	h := newHealthUI(t, 2, func(int) float64 { return 0.9 })
	cell := regexp.MustCompile(`<td data-label="[^"]*">(?:numeric|categorical|数值型|类别型)</td><td data-label="[^"]*">([^<]*)</td>`)
	for _, c := range []struct {
		locale string
		want   []string
	}{{"en", []string{"Kolmogorov–Smirnov", "Chi-square"}}, {"zh-CN", []string{"Kolmogorov–Smirnov 检验", "卡方检验"}}} {
		if r := h.f.postForm(h.team, "/locale", url.Values{"csrf_token": {h.csrf}, "locale": {c.locale}, "next": {"/"}}); r.StatusCode != 303 {
			t.Fatalf("POST /locale %s: %d", c.locale, r.StatusCode)
		}
		body := h.page(t, fmt.Sprintf("/models/%d/health", h.m.ID))
		// The drift table only: the data-quality table after it also
		// has a kind column.
		if i := strings.Index(body, `<section class="quality"`); i >= 0 {
			body = body[:i]
		}
		var got []string
		for _, m := range cell.FindAllStringSubmatch(body, -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: drift tests named %q, want %q", c.locale, got, c.want)
		}
	}
}
