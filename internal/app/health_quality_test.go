package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// A monitor with data-quality alerts over a numeric and a categorical
// feature: bad settings are refused with their fields named and nothing
// stored; the API's windows carry each feature's quality (missing share,
// values outside the reference's range, values new to it) and the breach;
// the alert opens; the health page shows the table with its breach marks
// and the alert's text, in English and Chinese.
func TestHealthDataQuality(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Maintenance", "pump", "Pump")
	var ref strings.Builder
	ref.WriteString("temp,site\n")
	for i := range 100 {
		fmt.Fprintf(&ref, "%d,%s\n", 20+i%30, []string{"north", "south"}[i%2])
	}
	bad, _ := json.Marshal(map[string]any{"version": "1.0", "name": "DQ", "window": "hour",
		"thresholds": map[string]any{"data_quality": true, "quality_max_out_of_range": 1.5, "quality_min_events": -3},
		"reference":  map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	if r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, string(bad)); r.StatusCode != 400 ||
		!strings.Contains(r.body, "thresholds.quality_max_out_of_range") || !strings.Contains(r.body, "thresholds.quality_min_events") {
		t.Errorf("bad thresholds: %d %s", r.StatusCode, r.body)
	}
	if mons, _ := f.app.Store.ListMonitors(sys(), m.ID); len(mons) != 0 {
		t.Fatalf("a refused monitor was stored: %+v", mons)
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "DQ", "window": "hour",
		"thresholds": map[string]any{"data_quality": true},
		"reference":  map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	mon := f.postMonitor(tok, m.ID, body)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	// 80 events: 8 readings of 95 (above the reference's 49), 4 without a
	// reading, 12 from a site the reference never had.
	for i := range 80 {
		temp := fmt.Sprint(20 + i%30)
		switch {
		case i < 8:
			temp = "95"
		case i < 12:
			temp = "null"
		}
		site := []string{"north", "south"}[i%2]
		if i >= 60 && i < 72 {
			site = "east-new"
		}
		fmt.Fprintf(&batch, `{"id":"q%d","time":%q,"version":"1.0","features":{"temp":%s,"site":%q},"prediction":0.3}`+"\n",
			i, t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), temp, site)
	}
	if r := f.ndjson("/api/v1/models/pump/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 80 {
		t.Fatalf("ingest: %s", r.body)
	}
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(time.Hour+time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d/windows", mon.ID), tok, "")
	var wp struct {
		Data []struct {
			Metrics  map[string]float64        `json:"metrics"`
			Breaches []string                  `json:"breaches"`
			Quality  []lodestar.FeatureQuality `json:"quality"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.body), &wp); err != nil || len(wp.Data) != 1 {
		t.Fatalf("windows: %v %.300s", err, r.body)
	}
	w := wp.Data[0]
	if len(w.Quality) != 2 || strings.Join(w.Breaches, ",") != "data_quality" {
		t.Fatalf("window: %.800s", r.body)
	}
	temp, site := w.Quality[0], w.Quality[1]
	if temp.Feature != "temp" || temp.Missing != 4 || temp.Above != 8 || temp.Below != 0 || *temp.OutOfRangeShare != 8.0/76 ||
		*temp.ReferenceMin != 20 || *temp.ReferenceMax != 49 || *temp.MissingShare != 4.0/80 {
		t.Errorf("temp: %+v", temp)
	}
	if site.Feature != "site" || site.NewValues != 12 || *site.NewValueShare != 12.0/80 || strings.Join(site.NewExamples, ",") != "east-new" {
		t.Errorf("site: %+v", site)
	}
	if w.Metrics["max_new_value_share"] != 12.0/80 || w.Metrics["max_out_of_range_share"] != 8.0/76 {
		t.Errorf("metrics: %v", w.Metrics)
	}
	alerts, _ := f.app.Store.ListAlerts(sys(), m.ID, true)
	if len(alerts) != 1 || alerts[0].Kind != "data_quality" {
		t.Fatalf("alerts: %+v", alerts)
	}
	// A second monitor of the same events without the data-quality check:
	// its latest window's shares are said to have no threshold, the first
	// monitor's are not (it judges them, and breached).
	plain, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Plain", "window": "hour",
		"reference": map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	mon2 := f.postMonitor(tok, m.ID, plain)
	if _, err := f.app.Monitoring.Evaluate(sys(), mon2.ID, t0.Add(time.Hour+time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	c, _, _ := f.signIn(team, time.Hour)
	for lang, none := range map[string]string{"en": "no threshold (data-quality alerts are off)", "zh-CN": "无阈值（未开启数据质量告警）"} {
		p := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), http.Header{"Accept-Language": {lang}}, nil)
		first, second, ok := strings.Cut(p.body, fmt.Sprintf(`id="monitor-%d"`, mon2.ID))
		if !ok {
			t.Fatalf("%s health page: no second monitor", lang)
		}
		if mon2.ID < mon.ID {
			first, second = second, first
		}
		if n := strings.Count(second, `<span class="muted no-threshold">· `+none+`</span>`); n != 3 {
			t.Errorf("%s health page: the unjudged monitor's latest window says %q %d times, want 3 (its three data-quality shares)", lang, none, n)
		}
		if strings.Contains(first, "no-threshold") {
			t.Errorf("%s health page: the monitor that judges data quality says a share has no threshold", lang)
		}
	}
	for lang, want := range map[string][]string{
		"en": {"Data quality per feature (latest window)", "20 – 49", "10.5% <span class=\"muted\">0 below, 8 above</span>", "15.0% (12)", "<code>east-new</code>",
			`<span class="badge bad">breach</span>`, "Largest new-value share", `Feature &#34;site&#34;: 15.0% of values are new to the reference, such as &#34;east-new&#34; (threshold 5.0%).`,
			`name="data_quality"`, `name="quality_max_out_of_range"`, `aria-label="Worst data-quality share per window"`},
		"zh-CN": {"各特征数据质量（最新窗口）", "低于 0 个，高于 8 个", `<span class="badge bad">超限</span>`, "数据质量", `aria-label="各窗口最差数据质量比例"`,
			`特征 &#34;site&#34;：15.0% 的取值是参考数据中从未出现的，例如 &#34;east-new&#34;（阈值 5.0%）。`},
	} {
		p := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), http.Header{"Accept-Language": {lang}}, nil)
		if p.StatusCode != 200 {
			t.Fatalf("%s health page: %d", lang, p.StatusCode)
		}
		for _, s := range want {
			if !strings.Contains(p.body, s) {
				t.Errorf("%s health page: no %q", lang, s)
			}
		}
		if strings.Contains(p.body, "NaN") {
			t.Errorf("%s health page: NaN", lang)
		}
	}
}
