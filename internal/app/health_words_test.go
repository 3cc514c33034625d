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

// The monitoring pages say things in the reader's words: an events:N
// window as "every N events" (not the API's spelling), a feature that
// could not be tested as not tested (not the engine's "none"), and each
// alert on the alerts page with the monitor that raised it (a model's
// monitors raise the same kinds); the health page lists open alerts
// before resolved ones.
func TestHealthPagesInReadersWords(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Churn", "churn", "Churn")
	var ref strings.Builder
	ref.WriteString("x,seg\n")
	for i := range 100 {
		fmt.Fprintf(&ref, "%d,a\n", i)
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Every fifty", "window": "events:50",
		"thresholds": map[string]any{"data_quality": true, "min_events": 60},
		"reference":  map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	mon := f.postMonitor(tok, m.ID, body)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	// Three windows of 50: the first with x above the range (a data-quality
	// breach), the second clean, the third without seg at all (not testable).
	for i := range 151 {
		feat := fmt.Sprintf(`{"x":%d,"seg":"a"}`, i%100)
		switch {
		case i < 50 && i%2 == 0:
			feat = `{"x":500,"seg":"a"}`
		case i >= 100 && i < 150:
			feat = fmt.Sprintf(`{"x":%d}`, i%100)
		}
		fmt.Fprintf(&batch, `{"id":"w%d","time":%q,"version":"1.0","features":%s,"prediction":0.4}`+"\n",
			i, t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), feat)
	}
	if r := f.ndjson("/api/v1/models/churn/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 151 {
		t.Fatalf("ingest: %s", r.body)
	}
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	alerts, _ := f.app.Store.ListAlerts(sys(), m.ID, false)
	var open, resolved int
	for _, a := range alerts {
		if a.Status == lodestar.AlertOpen {
			open++
		} else {
			resolved++
		}
	}
	if open == 0 || resolved == 0 {
		t.Fatalf("alerts: %+v; want open and resolved ones", alerts)
	}
	c, _, _ := f.signIn(team, time.Hour)
	for lang, want := range map[string][]string{
		"en":    {"Window: every 50 events", "not tested"},
		"zh-CN": {"每 50 个事件", "未检验"},
	} {
		p := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), http.Header{"Accept-Language": {lang}}, nil)
		for _, s := range want {
			if !strings.Contains(p.body, s) {
				t.Errorf("%s health page: no %q", lang, s)
			}
		}
		if strings.Contains(p.body, "events:50</span>") || strings.Contains(p.body, ">none</td>") {
			t.Errorf("%s health page: the API's words shown", lang)
		}
		// Open first: no open badge after the first resolved one.
		table := p.body[strings.Index(p.body, `class="badge alert-`):]
		if i, j := strings.Index(table, "badge alert-resolved"), strings.LastIndex(table, "badge alert-open"); i < 0 || j < 0 || j > i {
			t.Errorf("%s health page: open alerts not first", lang)
		}
	}
	p := f.do(c, "GET", "/alerts", nil, nil)
	if want := fmt.Sprintf(`<td class="col-monitor" data-label="Monitor"><a href="/models/%d/health#monitor-%d">Every fifty</a></td>`, m.ID, mon.ID); !strings.Contains(p.body, want) {
		t.Errorf("alerts page: no %q", want)
	}
}
