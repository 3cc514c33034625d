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

// A binary monitor with a group attribute and fairness alerts (the flag
// adverse): the API's windows carry the fairness per group and the
// fairness alert; the health page shows the latest window's table, the
// min impact ratio chart with its 0.8 line, and the alert, in English and
// Chinese.
func TestHealthFairness(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Credit", "risk", "Risk")
	var ref strings.Builder
	ref.WriteString("x\n")
	for i := range 100 {
		fmt.Fprintf(&ref, "%d\n", i)
	}
	// A bad setting is refused with its field named.
	bad, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Fair", "window": "hour", "groups": []string{"age_group"},
		"thresholds": map[string]any{"fairness": true, "fairness_favourable": "good"},
		"reference":  map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	if r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, string(bad)); r.StatusCode != 400 || !strings.Contains(r.body, "thresholds.fairness_favourable") {
		t.Errorf("bad favourable: %d %s", r.StatusCode, r.body)
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Fair", "window": "hour", "groups": []string{"age_group"},
		"thresholds": map[string]any{"fairness": true, "fairness_favourable": "negative"},
		"reference":  map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	mon := f.postMonitor(tok, m.ID, body)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	n := 0
	for h := range 2 {
		for _, g := range []struct {
			name          string
			events, flags int
		}{{"30 and over", 100, 10}, {"under 30", 60, 24}, {"new", 3, 3}} {
			for i := range g.events {
				score := 0.2
				if i < g.flags {
					score = 0.8
				}
				fmt.Fprintf(&batch, `{"id":"e%d","time":%q,"version":"1.0","features":{"x":%d},"prediction":%g,"groups":{"age_group":%q}}`+"\n",
					n, t0.Add(time.Duration(h)*time.Hour+time.Duration(n%3000)*time.Second).Format(time.RFC3339), n%100, score, g.name)
				n++
			}
		}
	}
	if r := f.ndjson("/api/v1/models/risk/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != n {
		t.Fatalf("ingest: %s", r.body)
	}
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(2*time.Hour+time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d/windows", mon.ID), tok, "")
	var wp struct {
		Data []struct {
			Metrics  map[string]float64 `json:"metrics"`
			Breaches []string           `json:"breaches"`
			Fairness []struct {
				Attribute      string   `json:"attribute"`
				Reference      string   `json:"reference"`
				Favourable     string   `json:"favourable"`
				MinImpactRatio *float64 `json:"min_impact_ratio"`
				EqualOpp       *float64 `json:"equal_opportunity_difference"`
				Groups         []struct {
					Group       string   `json:"group"`
					Events      int64    `json:"events"`
					Decides     bool     `json:"decides"`
					ImpactRatio *float64 `json:"impact_ratio"`
				} `json:"groups"`
			} `json:"fairness"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.body), &wp); err != nil || len(wp.Data) != 2 {
		t.Fatalf("windows: %v %.300s", err, r.body)
	}
	w := wp.Data[0]
	// Not flagged: 0.9 (30 and over) and 0.6 (under 30): 0.6/0.9.
	if len(w.Fairness) != 1 || w.Fairness[0].Reference != "30 and over" || w.Fairness[0].Favourable != "negative" || w.Fairness[0].MinImpactRatio == nil ||
		fmt.Sprintf("%.4f", *w.Fairness[0].MinImpactRatio) != "0.6667" || w.Fairness[0].EqualOpp != nil || len(w.Fairness[0].Groups) != 3 ||
		w.Fairness[0].Groups[1].Group != "new" || w.Fairness[0].Groups[1].Decides || strings.Join(w.Breaches, ",") != "fairness" {
		t.Errorf("window fairness: %.600s", r.body)
	}
	alerts, _ := f.app.Store.ListAlerts(sys(), m.ID, true)
	if len(alerts) != 1 || alerts[0].Kind != "fairness" {
		t.Fatalf("alerts: %+v", alerts)
	}
	c, _, _ := f.signIn(team, time.Hour)
	for lang, want := range map[string][]string{
		"en": {"Fairness by group (latest window)", "Group attribute age_group",
			// The favourable rate the impact ratio divides (0.6 / 0.9 = 0.667)
			// beside the flag's rate, each named; not the flag's rate alone
			// as "Selection rate" (0.4 / 0.1 is no 0.667).
			`<td class="col-positive" data-label="Positive rate (adverse flag)">0.4</td><td class="col-favourable" data-label="Favourable rate (negative predictions)">0.6</td><td class="col-impact" data-label="Impact ratio">0.667 <span class="badge bad">adverse impact</span></td><td data-label="TPR">—</td><td data-label="FPR">—</td>`,
			`<td class="col-positive" data-label="Positive rate (adverse flag)">0.1</td><td class="col-favourable" data-label="Favourable rate (negative predictions)">0.9</td><td class="col-impact" data-label="Impact ratio">1</td>`,
			`<p class="fairness-note">Favourable prediction: negative. A positive prediction is an adverse flag (high risk, fraud), so a value&#39;s favourable rate is its share of negative predictions, 1 − its positive rate; its impact ratio is that rate divided by the rate of 30 and over, the value with the highest.`,
			`<tr class="muted"><td class="col-name" data-label="Value">new</td><td data-label="Events">3</td>`,
			`aria-label="Min impact ratio per window"`, `<span class="at-opening">First breaching window:</span> Impact ratio 0.667 for age_group &#34;under 30&#34; (against &#34;30 and over&#34;) is below 0.80.`},
		"zh-CN": {"按群体的公平性（最新窗口）", "群体属性 age_group", `aria-label="各窗口最小影响比"`,
			`<td class="col-positive" data-label="正例比例（不利标记）">0.4</td><td class="col-favourable" data-label="有利比例（预测为负例）">0.6</td><td class="col-impact" data-label="影响比">0.667`,
			`<p class="fairness-note">有利预测：负例。`,
			`<span class="at-opening">首个超限窗口：</span> 影响比 0.667（age_group 为 &#34;under 30&#34;，相对 &#34;30 and over&#34;）低于 0.80。`},
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
		if strings.Contains(p.body, "Selection rate") || strings.Contains(p.body, "选择率") {
			t.Errorf("%s health page: a \"selection rate\" column, which reads as the rate the impact ratio divides", lang)
		}
		if strings.Contains(p.body, "NaN") {
			t.Errorf("%s health page: NaN", lang)
		}
	}
}
