package app_test

import (
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// decliningDailyMonitor is the demo recommender's story in three weeks: a
// daily monitor whose first week is right on 40 of 50 labelled events a
// day (accuracy 0.80), whose third week is right on 32 (0.64, a fall of
// 20%) with a noisy week between, latency p95 20 ms in the first week and
// 30 ms after; a last day whose labels have not come in yet.
func decliningDailyMonitor(t *testing.T, f *fixture) (*lodestar.User, *lodestar.Model, string, lodestar.Monitor, time.Time) {
	t.Helper()
	team, m, tok := f.teamModel("Recs", "rec", "Rec")
	var ref strings.Builder
	ref.WriteString("x,colour\n")
	for i := range 200 {
		fmt.Fprintf(&ref, "%d,red\n", i%7)
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Daily", "window": "day",
		"reference": map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	mon := f.postMonitor(tok, m.ID, body)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for d := range 22 {
		right, latency := 40, 20
		switch {
		case d >= 14:
			right, latency = 32, 30
		case d >= 7:
			right, latency = 30+d%3*5, 30 // 30, 35, 40: noisy
		}
		for i := range 50 {
			label := fmt.Sprintf(`,"label":%d`, 0)
			if i < right {
				label = `,"label":1` // the score 0.9 predicts 1: right
			}
			if d == 21 {
				label = "" // not in yet
			}
			fmt.Fprintf(&batch, `{"id":"d%02d-%02d","time":%q,"version":"1.0","features":{"x":%d,"colour":"red"},"prediction":0.9%s,"latency_ms":%d}`+"\n",
				d, i, t0.AddDate(0, 0, d).Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i%7, label, latency)
		}
	}
	if r := f.ndjson("/api/v1/models/rec/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 22*50 {
		t.Fatalf("ingest: %s", r.body)
	}
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.AddDate(0, 0, 22).Add(time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	return team, m, tok, mon, t0
}

// TestHealthTrendSinceLaunch: the health page says the decline as a
// figure — the first week's accuracy against the latest week's, "0.8 →
// 0.64 (−20%)" with the days of each, in English and Chinese — and the
// monitor's JSON carries the same trend; the day without labels is left
// out of accuracy but not of latency.
func TestHealthTrendSinceLaunch(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok, mon, t0 := decliningDailyMonitor(t, f)

	r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d", mon.ID), tok, "")
	if r.StatusCode != 200 {
		t.Fatalf("GET monitor: %d %s", r.StatusCode, r.body)
	}
	var got struct {
		ID    int64 `json:"id"`
		Trend map[string]struct {
			First, Last, Difference float64
			Change                  *float64
			Windows                 int
			FirstFrom               time.Time `json:"first_from"`
			FirstTo                 time.Time `json:"first_to"`
			LastFrom                time.Time `json:"last_from"`
			LastTo                  time.Time `json:"last_to"`
			WeightedBy              string    `json:"weighted_by"`
			FirstWeight             int64     `json:"first_weight"`
			LastWeight              int64     `json:"last_weight"`
		}
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil || got.ID != mon.ID {
		t.Fatalf("monitor JSON %s: %v", r.body, err)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	acc, ok := got.Trend["accuracy"]
	switch {
	case !ok:
		t.Errorf("no accuracy trend in %s", r.body)
	case !near(acc.First, 0.8) || !near(acc.Last, 0.64) || acc.Change == nil || !near(*acc.Change, -0.2) || !near(acc.Difference, -0.16):
		t.Errorf("accuracy trend %+v, want 0.8 → 0.64, −0.16, −20%%", acc)
	case acc.Windows != 7 || acc.WeightedBy != "labelled" || acc.FirstWeight != 350 || acc.LastWeight != 350:
		t.Errorf("accuracy trend %+v, want 7 windows of 350 labelled events each", acc)
	case !acc.FirstFrom.Equal(t0) || !acc.FirstTo.Equal(t0.AddDate(0, 0, 7)) || !acc.LastFrom.Equal(t0.AddDate(0, 0, 14)) || !acc.LastTo.Equal(t0.AddDate(0, 0, 21)):
		t.Errorf("accuracy spans %+v, want 1–8 May and 15–22 May (22 May has no labels)", acc)
	}
	lat, ok := got.Trend["latency_p95"]
	if !ok || !near(lat.First, 20) || !near(lat.Last, 30) || lat.WeightedBy != "events" || !lat.LastTo.Equal(t0.AddDate(0, 0, 22)) || lat.LastWeight != 350 {
		t.Errorf("latency trend %+v, want 20 → 30 over events, to 23 May", lat)
	}
	if _, ok := got.Trend["positive_rate"]; ok {
		t.Errorf("a trend for positive_rate, no quality metric: %s", r.body)
	}

	c, _, _ := f.signIn(team, time.Hour)
	for lang, want := range map[string][]string{
		"en":    {"Change since launch", "0.8 → 0.64 (−20%)", "first 7 windows, 1 May 2026 – 7 May 2026; latest 7, 15 May 2026 – 21 May 2026", "20.0 → 30.0 (+50%)"},
		"zh-CN": {"上线以来的变化", "0.8 → 0.64（−20%）", "最早 7 个窗口：2026年5月1日 至 2026年5月7日；最近 7 个：2026年5月15日 至 2026年5月21日", "20.0 → 30.0（+50%）"},
	} {
		p := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), http.Header{"Accept-Language": {lang}}, nil)
		trend := p.body
		if i := strings.Index(trend, fmt.Sprintf(`id="trend-%d"`, mon.ID)); i >= 0 {
			trend = trend[i:]
			trend = html.UnescapeString(trend[:strings.Index(trend, "</dl>")])
		} else {
			t.Errorf("%s health page: no trend block", lang)
			continue
		}
		for _, s := range want[1:] {
			if !strings.Contains(trend, s) {
				t.Errorf("%s health page: trend has no %q:\n%s", lang, s, trend)
			}
		}
		if !strings.Contains(p.body, want[0]) {
			t.Errorf("%s health page: no heading %q", lang, want[0])
		}
	}
}

// TestHealthTrendOneWindow: a monitor with one window has no trend — the
// JSON's is {} and the page says nothing of a change.
func TestHealthTrendOneWindow(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok, mon, _ := f.hourlyRecMonitor()
	r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d", mon.ID), tok, "")
	if r.StatusCode != 200 || !strings.Contains(r.body, `"trend":{}`) {
		t.Errorf("GET monitor with one window: %d %s; want trend {}", r.StatusCode, r.body)
	}
	c, _, _ := f.signIn(team, time.Hour)
	p := f.get(c, fmt.Sprintf("/models/%d/health", m.ID))
	if strings.Contains(p.body, `class="facts trend"`) || strings.Contains(p.body, "Change since launch") {
		t.Errorf("health page of a monitor with one window shows a trend")
	}
}

// TestDemoRecommenderDeclineAsAFigure: the demo recommender's story — 20%
// of its accuracy lost in six months — is a figure on its health page and
// in its monitor's JSON, not only a chart to eyeball; and its retraining
// task, which drift opened, reads as what opened it on the iteration,
// use-case and health pages, not as an accuracy decay.
func TestDemoRecommenderDeclineAsAFigure(t *testing.T) {
	t.Parallel()
	f := startDemo(t)
	ctx := sys()
	m, err := f.app.Store.FindModelByRef(ctx, "recsys")
	if err != nil {
		t.Fatal(err)
	}
	mons, err := f.app.Store.ListMonitors(ctx, m.ID)
	if err != nil || len(mons) == 0 {
		t.Fatalf("recsys monitors: %v, %v", mons, err)
	}
	_, tok := f.token(f.user(lodestar.RoleViewer, "viewer@example.com"))
	r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d", mons[0].ID), tok, "")
	var got struct {
		Trend map[string]struct {
			First, Last float64
			Change      *float64
			Windows     int
		}
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatalf("monitor JSON %s: %v", r.body, err)
	}
	acc, ok := got.Trend["accuracy"]
	// Launch 0.80, now 0.64, a week of 150 events a day at each end.
	if !ok || acc.Windows != 7 || acc.Change == nil || *acc.Change > -0.15 || *acc.Change < -0.25 || acc.First < 0.76 || acc.Last > 0.68 {
		t.Errorf("recsys accuracy trend %+v, want about 0.80 → 0.64 over 7 windows each, a fall of 15–25%%", acc)
	}
	c, _, _ := f.signIn(f.user(lodestar.RoleViewer, "viewer2@example.com"), time.Hour)
	health := f.get(c, fmt.Sprintf("/models/%d/health", m.ID)).body
	if !strings.Contains(health, "Change since launch") || !regexp.MustCompile(`<dt>Accuracy</dt><dd><span class="trend-change">0\.[78]\d* → 0\.6\d* \(−(1[5-9]|2[0-5])%\)`).MatchString(health) {
		t.Errorf("recsys health page: no accuracy change since launch of 15–25%%")
	}
	for _, path := range []string{"/iteration", fmt.Sprintf("/use-cases/%d", m.UseCaseID), fmt.Sprintf("/models/%d/health", m.ID)} {
		body := f.get(c, path).body
		if strings.Contains(body, "Sustained decay") {
			t.Errorf("%s: a retraining task reads as sustained decay", path)
		}
		if !strings.Contains(body, "windows in a row") {
			t.Errorf("%s: no retraining task saying what opened it", path)
		}
	}
}
