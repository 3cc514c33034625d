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

// Events a binary monitor cannot read (a score of 1.4, a string score) are
// accepted at ingest, counted in no metric, and shown: the API's window
// carries their count and the first one's reason, and the health page's
// latest window says so in both languages (and says nothing of them when
// there are none).
func TestHealthShowsUnreadableEvents(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok, mon, t0 := f.hourlyRecMonitor()
	c, _, _ := f.signIn(team, time.Hour)
	page := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), nil, nil)
	if page.StatusCode != 200 || strings.Contains(page.body, "Unreadable events") {
		t.Fatalf("health page of a window with no unreadable events: %d, mentions them: %v", page.StatusCode, strings.Contains(page.body, "Unreadable events"))
	}

	t1 := t0.Add(time.Hour)
	var batch strings.Builder
	for i := range 10 {
		batch.WriteString(eventLine(fmt.Sprintf("f%d", i), t1.Add(time.Duration(i)*time.Minute), "1.0", float64(i%7), "red", 0.9, 1) + "\n")
	}
	batch.WriteString(eventLine("bad-1", t1.Add(20*time.Minute), "1.0", 1, "red", 1.4, 1) + "\n")
	fmt.Fprintf(&batch, `{"id":"bad-2","time":%q,"version":"1.0","features":{"x":1,"colour":"red"},"prediction":"yes"}`+"\n", t1.Add(21*time.Minute).Format(time.RFC3339))
	batch.WriteString(eventLine("bad-3", t1.Add(22*time.Minute), "1.0", 1, "red", -2, 0) + "\n")
	if r := f.ndjson("/api/v1/models/rec/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 13 {
		t.Fatalf("ingest: %s", r.body)
	}
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t1.Add(time.Hour+time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d/windows", mon.ID), tok, "")
	var wp struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.body), &wp); err != nil || len(wp.Data) != 2 {
		t.Fatalf("windows: %v %.300s", err, r.body)
	}
	if w := wp.Data[0]; w["unreadable"] != 0.0 || w["unreadable_reason"] != nil {
		t.Errorf("first window: unreadable %v, reason %v; want 0 and none", w["unreadable"], w["unreadable_reason"])
	}
	if w := wp.Data[1]; w["events"] != 10.0 || w["unreadable"] != 3.0 || w["unreadable_reason"] != "score 1.4 is outside [0, 1]" {
		t.Errorf("second window: events %v, unreadable %v, reason %v; want 10, 3, score 1.4 is outside [0, 1]", w["events"], w["unreadable"], w["unreadable_reason"])
	}
	for lang, want := range map[string][]string{
		"en":    {"<dt>Unreadable events</dt>", "3, in no metric; the first: score 1.4 is outside [0, 1]"},
		"zh-CN": {"<dt>无法读取的事件</dt>", "3 个，不计入任何指标；首个原因：分数 1.4 超出 [0, 1]"},
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
	}
}
