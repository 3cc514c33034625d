package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// TestUseCaseCreateRefusesTerminalStage: a use case is not created
// rejected or retired (with no stage history), from the form or the API;
// the import, which migrates a portfolio as it stands, still may.
func TestUseCaseCreateRefusesTerminalStage(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	c, csrf, _ := f.signIn(admin, time.Hour)
	zh := f.user(lodestar.RoleAdmin, "zh@example.com")
	if err := f.app.Store.SetLocale(sys(), zh.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	zc, zcsrf, _ := f.signIn(zh, time.Hour)
	_, token := f.token(admin, lodestar.ScopeWrite)
	before := f.strategyCounts()
	for _, stage := range []string{lodestar.StageRetired, lodestar.StageRejected} {
		r := f.postForm(c, "/use-cases", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, "/use-cases/new")},
			"title": {"Ends before it starts"}, "stage": {stage}})
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("form, stage %s: got %d, want 400", stage, r.StatusCode)
		}
		wantShown(t, r, "form, stage "+stage, `id="stage-error">A new use case starts in a stage from idea to operating`, `value="Ends before it starts"`)

		r = f.postForm(zc, "/use-cases", url.Values{"csrf_token": {zcsrf}, "form_id": {pageFormID(t, f, zc, "/use-cases/new")},
			"title": {""}, "stage": {stage}})
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("Chinese form, stage %s: got %d, want 400", stage, r.StatusCode)
		}
		wantShown(t, r, "Chinese form, stage "+stage, "新用例只能从“构想”到“运营”中的某个阶段开始", "标题为必填项。")

		r = f.api("POST", "/api/v1/use-cases", token, fmt.Sprintf(`{"title":"Ends before it starts","stage":%q}`, stage))
		if d := wantAPIError(t, r, http.StatusBadRequest, "invalid"); d.Fields["stage"] == "" {
			t.Errorf("API, stage %s: got fields %v, want one for stage", stage, d.Fields)
		}
	}
	f.wantStrategyUnchanged(before, "use cases refused for a terminal stage")

	// The stages the form offers are still accepted.
	r := f.postForm(c, "/use-cases", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, "/use-cases/new")},
		"title": {"Already operating"}, "stage": {lodestar.StageOperating}})
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("form, stage operating: got %d, want 303", r.StatusCode)
	}

	// The import keeps a retired use case retired.
	if n, err := f.app.Store.ImportUseCases(sys(), nil, []store.ImportRow{{Line: 2, In: lodestar.NewUseCase{Title: "Migrated", Stage: lodestar.StageRetired}}}); err != nil || n != 1 {
		t.Errorf("import of a retired use case: got %d, %v, want 1 created", n, err)
	}
}
