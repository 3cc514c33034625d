package app_test

import (
	"context"
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
// colon, not "标签: 值", and two sentences with no space between them.
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
	// Two sentences in a row: no space between them in Chinese.
	if p := f.get(browser, audit); !strings.Contains(p.body, "之比。“—”表示") {
		t.Errorf("audit page in Chinese: the impact note and the undefined note are not joined as Chinese sentences")
	}
	if p := f.get(browser, "/tokens"); !strings.Contains(p.body, "绝不会扩大。请为每个令牌") {
		t.Errorf("tokens page in Chinese: its two opening sentences are not joined as Chinese sentences")
	}
	if p := f.get(browser, vpath); !strings.Contains(p.body, `data-label="计算人"`) {
		t.Errorf("version page in Chinese: the evidence cells are not named in Chinese")
	}
}

// TestModelPagesSayWhatIsMissing: a switch never flipped said nothing where
// its flips would be (the model page went from the form straight to the
// versions); it now says so, in both languages, and stops saying it after
// the first flip. The last flip reads without stray spaces in Chinese
// ("最近一次切换： 王芳 （网页操作）" had two). The version's history reads row
// by row on a phone, each cell named, its times whole ("2026年1月5日" was
// broken over three lines).
func TestModelPagesSayWhatIsMissing(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := f.model("Churn", "churn", "Churn")
	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	c, _, _ := f.signIn(risk, time.Hour)
	path := fmt.Sprintf("/models/%d", m.ID)
	for lang, want := range map[string]string{"en": "Never flipped yet", "zh-CN": "尚未切换过"} {
		p := f.do(c, "GET", path, http.Header{"Accept-Language": {lang}}, nil)
		if !strings.Contains(p.body, `id="switch-never">`+want) {
			t.Errorf("%s model page of a switch never flipped: got no %q", lang, want)
		}
	}
	if _, err := f.app.Store.FlipSwitch(sys(), m.Key, lodestar.SwitchOff, "", "paused for review"); err != nil {
		t.Fatal(err)
	}
	if p := f.get(c, path); strings.Contains(p.body, "switch-never") || !strings.Contains(p.body, `id="switch-history"`) {
		t.Errorf("model page after a flip: still says never flipped, or lists no flip")
	}
	// Who flipped it last: in Chinese with no space after the full-width colon.
	if p := f.do(c, "GET", path, http.Header{"Accept-Language": {"zh-CN"}}, nil); !regexp.MustCompile(`最近一次切换：[^\s]`).MatchString(p.body) {
		t.Errorf("zh-CN model page: the last flip is not written 最近一次切换：<who>")
	}
	if p := f.get(c, path); !strings.Contains(p.body, "Last flipped by ") {
		t.Errorf("en model page: the last flip is not written Last flipped by <who>")
	}
	// The health page's switch card says it the same way, and names the
	// fallback as the locale labels things ("备选方案： rules" and
	// "最近一次切换： 王芳 （网页操作）" had stray spaces there).
	web := lodestar.WithActor(context.Background(), lodestar.Actor{ID: 0, Label: "test-setup", Via: lodestar.ViaWeb})
	if _, err := f.app.Store.FlipSwitch(web, m.Key, lodestar.SwitchFallback, "rules-v1", "rules while we retrain"); err != nil {
		t.Fatal(err)
	}
	health := path + "/health"
	zh := f.do(c, "GET", health, http.Header{"Accept-Language": {"zh-CN"}}, nil)
	for _, want := range []string{"备选方案：rules-v1", "（网页操作） · "} {
		if !strings.Contains(zh.body, want) {
			t.Errorf("zh-CN health page: the switch card has no %q", want)
		}
	}
	if !regexp.MustCompile(`最近一次切换：[^\s]`).MatchString(zh.body) || regexp.MustCompile(`\s（网页操作）`).MatchString(zh.body) {
		t.Errorf("zh-CN health page: the last flip is not written 最近一次切换：<who>（网页操作） without spaces")
	}
	en := f.get(c, health)
	if !strings.Contains(en.body, "Fallback: rules-v1") || !regexp.MustCompile(`Last flipped by \S.* \(on the web page\) · `).MatchString(en.body) {
		t.Errorf("en health page: the switch card does not read Fallback: … and Last flipped by <who> (on the web page)")
	}
	p := f.get(c, fmt.Sprintf("/model-versions/%d", v.ID))
	for _, want := range []string{`<table class="stack-table" id="version-history">`, `data-label="When"><time class="when"`, `data-label="What changed"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("version page: got no %q", want)
		}
	}
}
