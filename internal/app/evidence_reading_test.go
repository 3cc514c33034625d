package app_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestEvidenceReadsOnEveryScreen: what a walk through the credit model's
// version and evidence pages found. The evidence tables read row by row on
// a phone (each cell named by its column) with their counts grouped and
// their times kept whole, rather than squeezed into a scrolling table with
// "2026年11月13日" broken over four lines; the model card's metrics show
// the decimals they were given (auc = 0.81, not 0.8100); the importance
// chart's axis is in round steps (0, 0.2 …), not quarters of the largest
// value to four decimals; the recipes to reproduce a report scroll in
// their own box; and a Chinese page writes "标签：值" with the full-width
// colon, not "标签: 值".
func TestEvidenceReadsOnEveryScreen(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	v := f.evidenceVersion()
	if _, err := f.app.Store.UpdateModelCard(sys(), v.ID, lodestar.ModelCard{EvaluationMetrics: lodestar.CardMetrics{"auc": 0.81, "recall": 0.7425}}); err != nil {
		t.Fatal(err)
	}
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	browser, csrf, _ := f.signIn(ai, time.Hour)
	vpath := fmt.Sprintf("/model-versions/%d", v.ID)
	upload := func(fields map[string]string, files map[string][2]string, target string) string {
		t.Helper()
		fields["csrf_token"] = csrf
		ct, b := multipartBody(t, fields, files)
		r := f.do(browser, "POST", target, http.Header{"Content-Type": {ct}}, b)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload to %s: got %d %.300s", target, r.StatusCode, r.body)
		}
		return r.Header.Get("Location")
	}
	audit := upload(map[string]string{"title": "Bias audit", "group_column": "group", "label_column": "label", "prediction_column": "prediction"},
		map[string][2]string{"file": {"decisions.csv", walkDecisions("read")}}, vpath+"/fairness-audits")
	explanation := upload(map[string]string{"title": "SHAP", "model_text": tinyModel, "data_text": walkSample("read"), "rows_shown": "2"}, nil, vpath+"/explanations")

	page := f.get(browser, vpath)
	for _, want := range []string{
		`<table class="stack-table" id="evidence-audits">`, `<table class="stack-table" id="evidence-explanations">`,
		`data-label="Computed by"`, `data-label="Findings"`, `<time class="when"`,
		`auc = 0.81<`, `recall = 0.7425<`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("version page: got no %q", want)
		}
	}
	if strings.Contains(page.body, "0.8100") {
		t.Errorf("version page: auc shown as 0.8100, with decimals it was never given")
	}
	rows := regexp.MustCompile(`data-label="Rows">([^<]*)<`).FindAllStringSubmatch(page.body, -1)
	if len(rows) != 2 || strings.ContainsAny(rows[0][1], " ") || rows[0][1] == "" {
		t.Errorf("evidence rows cells: got %q, want two counts", rows)
	}

	exp := f.get(browser, explanation)
	ticks := regexp.MustCompile(`class="tick"[^>]*>([^<]*)<`).FindAllStringSubmatch(exp.body, -1)
	if len(ticks) < 3 {
		t.Fatalf("explanation page: got %d ticks on the importance chart, want an axis", len(ticks))
	}
	for _, m := range ticks {
		if len(m[1]) > 4 { // "0.25", "1.5", "0.2"; never "0.1544"
			t.Errorf("explanation chart tick %q: want a round step", m[1])
		}
	}
	if n := strings.Count(exp.body, `class="prose code-block" tabindex="0"`); n != 2 {
		t.Errorf("explanation page: %d recipes in a scrolling, focusable box, want 2", n)
	}

	if err := f.app.Store.SetLocale(sys(), ai.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{audit: "<h1>公平性审计：Bias audit</h1>", explanation: "<h1>可解释性报告：SHAP</h1>"} {
		if p := f.get(browser, path); !strings.Contains(p.body, want) {
			t.Errorf("%s in Chinese: got no %q", path, want)
		}
	}
	if p := f.get(browser, vpath); !strings.Contains(p.body, `data-label="计算人"`) {
		t.Errorf("version page in Chinese: the evidence cells are not named in Chinese")
	}
}
