package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestUploadErrorsInChinese: a malformed file and a refused row, shown to
// a person reading Chinese, read in Chinese (they came in English, with
// the CLI's advice).
func TestUploadErrorsInChinese(t *testing.T) {
	f := start(t, fixtureOpts{})
	c, csrf := f.importSetup(lodestar.RoleAdmin, "zh@example.com")
	if r := f.postForm(c, "/locale", url.Values{"csrf_token": {csrf}, "locale": {"zh-CN"}, "next": {"/"}}); r.StatusCode != 303 {
		t.Fatalf("locale: %d", r.StatusCode)
	}
	r := f.postMultipart(c, "/use-cases/import", importPart{name: "csrf_token", value: csrf}, importPart{name: "step", value: "upload"},
		importPart{name: "file", filename: "t.csv", value: "title,stage\nA,idea\nB\n"})
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "第 3 行：记录格式错误：有 1 个字段，但表头有 2 个") {
		t.Errorf("ragged file in Chinese: got %d\n%.1500s", r.StatusCode, r.body)
	}
	r = f.postMultipart(c, "/use-cases/import", importPart{name: "csrf_token", value: csrf}, importPart{name: "step", value: "upload"},
		importPart{name: "file", filename: "t.csv", value: "title,stage\nOmega,nonsense\n"})
	form := pageForm(t, r.body)
	form.Set("step", "preview")
	r = f.postForm(c, "/use-cases/import", form)
	if !strings.Contains(r.body, `未知阶段 &#34;nonsense&#34;`) {
		t.Errorf("a refused row's reason in Chinese: not found\n%.3000s", r.body)
	}
}
