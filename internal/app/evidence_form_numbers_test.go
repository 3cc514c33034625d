package app_test

import (
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestEvidenceFormNumbers: the upload forms read a number as the API's
// JSON reads one. A level or a count of rows typed as 0 is out of range
// (0 was taken as "the default": 0.95, 5 rows); a number so close to 0
// that it reads as 0 (1e-999) is refused, not taken as 0 (a level at its
// default, a threshold of 0); hexadecimal (0x1p-1) is no number. Each is
// refused next to its field, in the user's language, with what was typed
// kept, and nothing is written. Decimals written loosely (.9) still pass.
func TestEvidenceFormNumbers(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	v := f.evidenceVersion()
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	browser, csrf, _ := f.signIn(ai, time.Hour)
	vpath := fmt.Sprintf("/model-versions/%d", v.ID)
	upload := func(target string, fields map[string]string, files map[string][2]string) *response {
		fields["csrf_token"] = csrf
		ct, b := multipartBody(t, fields, files)
		return f.do(browser, "POST", vpath+target, http.Header{"Content-Type": {ct}}, b)
	}
	const (
		levelRule = "The confidence level must be between 0 and 1, e.g. 0.95."
		rowsRule  = "Rows shown must be between 1 and 50."
		tooSmall  = "Too small to store: a number this close to 0 reads as 0."
		notNumber = "Must be a number."
	)
	zh := map[string]string{levelRule: "置信水平必须在 0 与 1 之间，例如 0.95。", rowsRule: "逐行解释的行数必须在 1 到 50 之间。",
		tooSmall: "数值过小，无法存储：如此接近 0 的数会被当作 0。", notNumber: "必须是数字。"}
	type bad struct {
		target, field, value, input, want string
		score                             bool
	}
	cases := []bad{
		{"/fairness-audits", "level", "0", `inputmode="decimal"`, levelRule, false},
		{"/fairness-audits", "level", "-0", `inputmode="decimal"`, levelRule, false},
		{"/fairness-audits", "level", "0.000", `inputmode="decimal"`, levelRule, false},
		{"/fairness-audits", "level", "1e-999", `inputmode="decimal"`, tooSmall, false},
		{"/fairness-audits", "level", "0x1p-1", `inputmode="decimal"`, notNumber, false},
		{"/fairness-audits", "threshold", "1e-999", `inputmode="decimal"`, tooSmall, true},
		{"/fairness-audits", "threshold", "0x1p-1", `inputmode="decimal"`, notNumber, true},
		{"/explanations", "rows_shown", "0", `inputmode="numeric"`, rowsRule, false},
		{"/explanations", "rows_shown", "-0", `inputmode="numeric"`, rowsRule, false},
	}
	n := 0
	post := func(tc bad) *response {
		n++
		if tc.target == "/explanations" {
			return upload(tc.target, map[string]string{"model_text": tinyModel, "data_text": walkSample(fmt.Sprint("n", n)), tc.field: tc.value}, nil)
		}
		fields := map[string]string{"group_column": "group", "label_column": "label", "prediction_column": "prediction", tc.field: tc.value}
		if tc.score {
			delete(fields, "prediction_column")
			fields["score_column"] = "prediction"
		}
		return upload(tc.target, fields, map[string][2]string{"file": {"d.csv", walkDecisions(fmt.Sprint("n", n))}})
	}
	for _, locale := range []string{"en", "zh-CN"} {
		if err := f.app.Store.SetLocale(sys(), ai.ID, locale); err != nil {
			t.Fatal(err)
		}
		before := f.evidenceCounts()
		for _, tc := range cases {
			r := post(tc)
			want := tc.want
			if locale == "zh-CN" {
				want = zh[want]
			}
			input := fmt.Sprintf(`id="%s" name="%s" %s value="%s" aria-describedby="%s-error" aria-invalid="true"`, tc.field, tc.field, tc.input, tc.value, tc.field)
			fieldErr := fmt.Sprintf(`<p class="field-error" id="%s-error">%s</p>`, tc.field, html.EscapeString(want))
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, input) || !strings.Contains(r.body, fieldErr) {
				t.Errorf("%s: %s %s=%q: got %d, want 400 with %q kept and %q by the field\n%.2000s", locale, tc.target, tc.field, tc.value, r.StatusCode, input, fieldErr, r.body)
			}
		}
		if after := f.evidenceCounts(); after != before {
			t.Errorf("%s: refused uploads changed data: got %v, want %v", locale, after, before)
		}
	}
	// Loosely written decimals are numbers still.
	for _, tc := range []bad{{"/fairness-audits", "level", ".9", "", "", false}, {"/fairness-audits", "threshold", "+0.5", "", "", true},
		{"/explanations", "rows_shown", " 2 ", "", "", false}} {
		if r := post(tc); r.StatusCode != http.StatusSeeOther {
			t.Errorf("%s %s=%q: got %d, want 303\n%.2000s", tc.target, tc.field, tc.value, r.StatusCode, r.body)
		}
	}
}
