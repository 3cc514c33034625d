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

// A monitor with one evaluated window whose accuracy is 1 and with no
// accuracy threshold: the health page must render and its charts must
// not claim values outside what can happen.
func TestHealthOneWindow(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, _, _, _ := f.hourlyRecMonitor()
	c, _, _ := f.signIn(team, time.Hour)
	page := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), nil, nil)
	if page.StatusCode != 200 {
		t.Fatalf("health page: %d", page.StatusCode)
	}
	if strings.Contains(page.body, "NaN") {
		t.Errorf("NaN in health page")
	}
	acc := regexp.MustCompile(`(?s)aria-label="Accuracy per window">(.*?)</svg>`).FindStringSubmatch(page.body)
	if acc == nil {
		t.Fatalf("no accuracy chart")
	}
	// The one value is drawn as a level from 0 (ticks 0 and 1), not on an
	// axis invented around it (which labelled 2.000).
	var ticks []string
	for _, m := range regexp.MustCompile(`class="tick" text-anchor="end">([^<]*)<`).FindAllStringSubmatch(acc[1], -1) {
		ticks = append(ticks, m[1])
	}
	if strings.Join(ticks, " ") != "0 1" {
		t.Errorf("accuracy axis of a window with accuracy 1 labelled %q, want 0 and 1", ticks)
	}
}

// A numeric feature with at most 5 distinct values is tested as
// categorical by a monitor, as by `lodestar drift`: the API's window shows
// the test used (chi-square, with its categories) and the health page
// says why, in both languages; a numeric feature with many values keeps
// the numeric test.
func TestHealthFewValuesFeature(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Recs", "rec", "Rec")
	var ref strings.Builder
	ref.WriteString("x,spread,colour\n")
	for i := range 300 {
		fmt.Fprintf(&ref, "%d,%d,red\n", i%3, i)
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Hourly", "window": "hour",
		"reference": map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	mon := f.postMonitor(tok, m.ID, body)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 90 {
		x := 0 // mostly 0 now: drifted
		if i%5 == 0 {
			x = 1 + i%2
		}
		fmt.Fprintf(&batch, `{"id":"e%d","time":%q,"version":"1.0","features":{"x":%d,"spread":%d,"colour":"red"},"prediction":0.5}`+"\n",
			i, t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), x, i*3)
	}
	f.ndjson("/api/v1/models/rec/events", tok, batch.String())
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(time.Hour+time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d/windows", mon.ID), tok, "")
	var page struct {
		Data []struct {
			Drift struct {
				Columns []struct {
					Name, Kind, Test string
					Categories       int
					Drifted          bool
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(r.body), &page); err != nil || len(page.Data) != 1 {
		t.Fatalf("windows: %v %s", err, r.body)
	}
	tests := map[string]string{}
	for _, c := range page.Data[0].Drift.Columns {
		tests[c.Name] = c.Kind + "/" + c.Test + "/" + fmt.Sprint(c.Categories, c.Drifted)
	}
	if tests["x"] != "numeric/chi2/3 true" || tests["spread"] != "numeric/ks/0 false" || tests["colour"] != "categorical/chi2/1 false" {
		t.Errorf("kind/test/categories drifted: %v", tests)
	}
	c, _, _ := f.signIn(team, time.Hour)
	for lang, want := range map[string]string{"en": `numeric (≤ 5 values: tested as categorical)</td><td data-label="Test">Chi-square</td>`,
		"zh-CN": `数值型（取值不超过 5 个：按类别检验）</td><td data-label="检验">卡方检验</td>`} {
		p := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), http.Header{"Accept-Language": {lang}}, nil)
		if p.StatusCode != 200 || !strings.Contains(p.body, want) {
			t.Errorf("%s health page: %d, no %q", lang, p.StatusCode, want)
		}
		ks := map[string]string{"en": "Kolmogorov–Smirnov", "zh-CN": "Kolmogorov–Smirnov 检验"}[lang]
		if n := strings.Count(p.body, `</td><td data-label="`+map[string]string{"en": "Test", "zh-CN": "检验"}[lang]+`">`+ks+"</td>"); n != 1 {
			t.Errorf("%s health page: %d features with the KS test, want 1 (spread)", lang, n)
		}
	}
}

// teamModel makes an AI-team user with a token, a use case and a model
// with version 1.0 under key: what the health tests start from.
// hourlyRecMonitor makes the AI team's model rec (version 1.0) with an
// hourly monitor over a reference of x and colour, and one evaluated hour
// of 20 correct events from t0.
func (f *fixture) hourlyRecMonitor() (team *lodestar.User, m *lodestar.Model, tok string, mon lodestar.Monitor, t0 time.Time) {
	f.t.Helper()
	team, m, tok = f.teamModel("Recs", "rec", "Rec")
	var ref strings.Builder
	ref.WriteString("x,colour,label\n")
	for i := range 200 {
		fmt.Fprintf(&ref, "%d,red,1\n", i%7)
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Hourly", "window": "hour",
		"reference": map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	mon = f.postMonitor(tok, m.ID, body)
	t0 = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 20 {
		batch.WriteString(eventLine(fmt.Sprintf("e%d", i), t0.Add(time.Duration(i)*time.Minute), "1.0", float64(i%7), "red", 0.9, 1) + "\n")
	}
	f.ndjson("/api/v1/models/rec/events", tok, batch.String())
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(time.Hour+time.Minute), time.Time{}); err != nil {
		f.t.Fatal(err)
	}
	return team, m, tok, mon, t0
}

func (f *fixture) teamModel(useCase, key, name string) (*lodestar.User, *lodestar.Model, string) {
	f.t.Helper()
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	m := f.model(useCase, key, name)
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		f.t.Fatal(err)
	}
	return team, m, tok
}

// teamVersion is teamModel's model, its one version (1.0) and the AI
// team's token.
func (f *fixture) teamVersion(useCase, key, name string) (*lodestar.Model, *lodestar.ModelVersion, string) {
	f.t.Helper()
	_, m, tok := f.teamModel(useCase, key, name)
	vs, err := f.app.Store.ListModelVersions(sys(), m.ID)
	if err != nil || len(vs) != 1 {
		f.t.Fatal(vs, err)
	}
	return m, vs[0], tok
}

// postMonitor creates a monitor on model id over the API, failing the test
// unless it is created.
func (f *fixture) postMonitor(tok string, id int64, body []byte) lodestar.Monitor {
	f.t.Helper()
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", id), tok, string(body))
	if r.StatusCode != 201 {
		f.t.Fatalf("create monitor: %d %s", r.StatusCode, r.body)
	}
	return decodeInto[lodestar.Monitor](f.t, r)
}
