package app_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
)

// The health page says how its figures are to be read, in the reader's
// language: the drift thresholds in force on the monitor (its distance
// 0.2, not the form's default 0.1 — "Wasserstein 0.13 … no" read as a
// mistake beside a 0.1 the page named nowhere else), a binned
// Kolmogorov–Smirnov row's statistic as the range the exact one lies in
// and its p-value as a bound, with a note saying so, and what the latency
// percentiles are.
func TestHealthDriftRulesAndNotes(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	uc := f.useCase("Recs")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "rec", Name: "Rec"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	// A continuous feature: 300 reference values spread over [0, 3); the
	// window's 80 shifted up a little, between the reference's bin edges,
	// so the binned statistic has room between its bounds.
	var ref strings.Builder
	ref.WriteString("x,colour,label\n")
	for i := range 300 {
		fmt.Fprintf(&ref, "%g,%s,1\n", float64(i)/100+0.003, []string{"red", "blue"}[i%2])
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Hourly", "window": "hour",
		"thresholds": map[string]any{"min_accuracy": 0.8, "drift": true, "drift_distance": 0.2, "drift_numeric_test": "ks"},
		"reference":  map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
	mon := f.postMonitor(tok, m.ID, body)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 80 {
		fmt.Fprintln(&batch, eventLine(fmt.Sprintf("e%d", i), t0.Add(time.Duration(i)*time.Second), "1.0",
			0.4+float64(i)*3/80+0.0071, []string{"red", "blue"}[i%2], 0.9, 1))
	}
	f.ndjson("/api/v1/models/rec/events", tok, batch.String())
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(time.Hour+time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	ws, err := f.app.Store.ListWindows(sys(), mon.ID, 10)
	if err != nil || len(ws) != 1 {
		t.Fatalf("windows: %d, %v", len(ws), err)
	}
	var raw struct {
		Columns []map[string]any `json:"columns"`
	}
	if err := json.Unmarshal(ws[0].Drift, &raw); err != nil {
		t.Fatal(err)
	}
	var x map[string]any
	for _, c := range raw.Columns {
		if c["name"] == "x" {
			x = c
		}
	}
	if x == nil || x["test"] != "ks" || x["method"] != "binned" || x["ks_upper_bound"].(float64) <= x["statistic"].(float64) {
		t.Fatalf("feature x: %v; want a binned KS test with room between its bounds", x)
	}
	lo, hi, p := x["statistic"].(float64), x["ks_upper_bound"].(float64), x["p_value"].(float64)
	// The exact p-value lies from the upper statistic's p-value, by the
	// method that computed the one shown, to it.
	plo := monitor.KSPValue(hi, int64(x["reference_count"].(float64)), int64(x["current_count"].(float64)), x["ks_method"].(string))
	if !(plo < p) {
		t.Fatalf("the upper statistic's p-value %v is not below %v (%v)", plo, p, x)
	}

	c, csrf, _ := f.signIn(team, time.Hour)
	for _, lc := range []struct {
		locale string
		want   []string
	}{
		{"en", []string{
			`<p class="muted drift-rules">Thresholds in force: a feature drifts when its test gives p &lt; 0.05 (Kolmogorov–Smirnov, chi-square), a distance ≥ 0.2 (Wasserstein, Jensen–Shannon) or a PSI ≥ 0.25; the data set drifts when 50% or more of the features tested drift. A Jensen–Shannon distance the automatic choice made drifts only if chi-square over the same categories also gives p &lt; 0.05: within sampling noise, it is no drift.</p>`,
			fmt.Sprintf(`<td data-label="Statistic">%s to %s</td><td data-label="p-value">%s to %s</td>`, fig(lo), fig(hi), fig(plo), fig(p)),
			`<p class="muted drift-ks-note">Kolmogorov–Smirnov from the window&#39;s bins:`,
			`<p class="muted latency-note">Latency percentiles (p50, p95, p99) are lower-rank quantiles: the latency at rank ⌊q·(n − 1)⌋`,
		}},
		{"zh-CN", []string{
			`<p class="muted drift-rules">当前阈值：特征的检验结果 p &lt; 0.05（Kolmogorov–Smirnov 检验、卡方检验）、距离 ≥ 0.2（Wasserstein、Jensen–Shannon）或 PSI ≥ 0.25 时判为漂移；已检验特征中漂移的占 50% 或以上时判定数据集漂移。自动选定的 Jensen–Shannon 距离，还须同一组类别上的卡方检验 p &lt; 0.05 才判为漂移：在抽样误差之内的不算漂移。</p>`,
			fmt.Sprintf(`<td data-label="统计量">%s 至 %s</td><td data-label="p 值">%s 至 %s</td>`, fig(lo), fig(hi), fig(plo), fig(p)),
			`<p class="muted drift-ks-note">按分箱计算的 Kolmogorov–Smirnov 检验：`,
			`<p class="muted latency-note">延迟分位数（p50、p95、p99）取下侧秩：`,
		}},
	} {
		if r := f.postForm(c, "/locale", url.Values{"csrf_token": {csrf}, "locale": {lc.locale}, "next": {"/"}}); r.StatusCode != 303 {
			t.Fatalf("POST /locale %s: %d", lc.locale, r.StatusCode)
		}
		r := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), nil, nil)
		if r.StatusCode != 200 {
			t.Fatalf("health page: %d", r.StatusCode)
		}
		for _, w := range lc.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s: the health page lacks %s\ndrift section: %s", lc.locale, w,
					regexp.MustCompile(`(?s)<h3>[^<]*</h3>\s*<p class="muted drift-rules">.*?</table></div>`).FindString(r.body))
			}
		}
	}
}

// fig writes a figure as the health page does in both languages: at most
// three decimals, no trailing zeros.
func fig(x float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", x), "0"), ".")
}
