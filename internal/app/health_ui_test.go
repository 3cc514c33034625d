package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
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
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, string(body))
	if r.StatusCode != 201 {
		t.Fatalf("create monitor: %d %s", r.StatusCode, r.body)
	}
	mon := decodeInto[lodestar.Monitor](t, r)
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
	c, _, _ := f.signIn(team, time.Hour)
	return &healthUI{f: f, uc: uc, m: m, v: v, mon: mon, tok: tok, team: c}
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
// features never drift shows 0, 0.5 and 1 on the axis. Fitted to the data
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
	if strings.Join(ticks, " ") != "0.00 0.50 1.00" {
		t.Errorf("drift chart's value axis reads %q, want 0.00, 0.50 and 1.00", ticks)
	}
}
