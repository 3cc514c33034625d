package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// onEachDB runs fn on the app over SQLite and, when LODESTAR_TEST_POSTGRES
// is set, over PostgreSQL, with an admin token of scope write.
func onEachDB(t *testing.T, fn func(t *testing.T, f *fixture, tok string)) {
	t.Helper()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f := startOn(t, testdb.OpenDialect(t, d), fixtureOpts{})
			_, tok := f.token(f.user(lodestar.RoleAdmin, "admin@example.com"), lodestar.ScopeWrite)
			fn(t, f, tok)
		})
	}
}

// TestUseCaseValueBound: a value estimate beyond lodestar.MaxEstimate is a
// 400 naming the field, and the portfolio's totals stay right. It used to
// be accepted; the portfolio then answered short totals on SQLite and a 500
// on PostgreSQL.
func TestUseCaseValueBound(t *testing.T) {
	t.Parallel()
	onEachDB(t, func(t *testing.T, f *fixture, tok string) {
		before := f.strategyCounts()
		for _, body := range []string{
			`{"title":"big","value_estimate":9223372036854775807}`,
			fmt.Sprintf(`{"title":"big","value_estimate":%d}`, lodestar.MaxEstimate+1),
			fmt.Sprintf(`{"title":"big","cost_estimate":%d}`, lodestar.MaxEstimate+1),
		} {
			d := wantAPIError(t, f.api("POST", "/api/v1/use-cases", tok, body), 400, lodestar.EInvalid)
			if d.Fields["value_estimate"] == "" && d.Fields["cost_estimate"] == "" {
				t.Errorf("%s: fields %v, want the estimate named", body, d.Fields)
			}
		}
		f.wantStrategyUnchanged(before, "over-bound estimates")
		for i := range 2 {
			f.apiOK("POST", "/api/v1/use-cases", tok, fmt.Sprintf(`{"title":"edge %d","value_estimate":%d}`, i, lodestar.MaxEstimate), 201)
		}
		d := fromJSON[lodestar.Dashboard](t, f.apiOK("GET", "/api/v1/portfolio", tok, "", 200))
		if len(d.Funnel) == 0 || d.Funnel[0].Count != 2 || d.Funnel[0].Value != 2*lodestar.MaxEstimate || d.Total != 2 {
			t.Errorf("portfolio: got funnel %+v total %d, want 2 ideas worth %d", d.Funnel, d.Total, 2*lodestar.MaxEstimate)
		}
	})
}

// TestKPIReadingsBatch: a batch of readings giving one date twice is
// refused naming the later (it answered "recorded":2 and stored one, the
// last); a date before 1900 is refused; the web form follows the same
// rule, named under its own field.
func TestKPIReadingsBatch(t *testing.T) {
	t.Parallel()
	onEachDB(t, func(t *testing.T, f *fixture, tok string) {
		k, err := f.app.Store.CreateKPI(sys(), lodestar.KPI{Name: "Conversion", Unit: "%", Direction: "up", Baseline: 1, Target: 2, TargetDate: "2031-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/kpis/%d/readings", k.ID)
		before := f.strategyCounts()
		d := wantAPIError(t, f.api("POST", path, tok, `{"readings":[{"date":"2030-01-01","value":1},{"date":"2030-01-01","value":2}]}`), 400, lodestar.EInvalid)
		if d.Fields["readings[1].date"] == "" || len(d.Fields) != 1 {
			t.Errorf("same date twice: fields %v, want readings[1].date", d.Fields)
		}
		d = wantAPIError(t, f.api("POST", path, tok, `{"readings":[{"date":"1800-11-29","value":1}]}`), 400, lodestar.EInvalid)
		if d.Fields["readings[0].date"] == "" {
			t.Errorf("1800-11-29: fields %v, want readings[0].date", d.Fields)
		}
		d = wantAPIError(t, f.api("POST", "/api/v1/kpis", tok, `{"name":"Old","unit":"%","direction":"up","baseline":1,"target":2,"target_date":"1800-11-29"}`), 400, lodestar.EInvalid)
		if d.Fields["target_date"] == "" {
			t.Errorf("target 1800-11-29: fields %v, want target_date", d.Fields)
		}
		f.wantStrategyUnchanged(before, "refused readings")
		r := f.apiOK("POST", path, tok, `{"readings":[{"date":"2030-01-01","value":1},{"date":"2030-01-08","value":2}]}`, 200)
		if got := fromJSON[map[string]int](t, r); got["recorded"] != 2 || f.count("kpi_readings") != 2 {
			t.Errorf("two dates: got %v and %d rows, want recorded 2 and 2 rows", got, f.count("kpi_readings"))
		}
	})
}

// TestUseCaseDuplicateAPI: creating the same use case twice through the
// API (README: imports refuse a row matching a live use case's title,
// ignoring case, and business unit, "checked by the same rules as the
// API") is a 409 naming the existing one; goals likewise.
func TestUseCaseDuplicateAPI(t *testing.T) {
	t.Parallel()
	onEachDB(t, func(t *testing.T, f *fixture, tok string) {
		bu := fromJSON[lodestar.BusinessUnit](t, f.apiOK("POST", "/api/v1/business-units", tok, `{"name":"Retail"}`, 201))
		uc := fromJSON[lodestar.UseCase](t, f.apiOK("POST", "/api/v1/use-cases", tok, fmt.Sprintf(`{"title":"Dup test UC","business_unit_id":%d}`, bu.ID), 201))
		before := f.strategyCounts()
		for _, title := range []string{"Dup test UC", "dup TEST uc"} {
			d := wantAPIError(t, f.api("POST", "/api/v1/use-cases", tok, fmt.Sprintf(`{"title":%q,"business_unit_id":%d}`, title, bu.ID)), 409, lodestar.EConflict)
			if want := fmt.Sprintf("(ID %d)", uc.ID); !strings.Contains(d.Fields["title"], want) {
				t.Errorf("%q: fields %v, want title naming %s", title, d.Fields, want)
			}
		}
		f.wantStrategyUnchanged(before, "duplicate use cases")
		// A name in either language is the use case's: its Chinese title
		// as the title of another is the same 409, naming both its names.
		zh := fromJSON[lodestar.UseCase](t, f.apiOK("POST", "/api/v1/use-cases", tok, fmt.Sprintf(`{"title":"Retail user-profile system","title_zh":"零售用户画像系统","business_unit_id":%d}`, bu.ID), 201))
		before = f.strategyCounts()
		for _, body := range []string{`{"title":"零售用户画像系统","business_unit_id":%d}`, `{"title":"Profiles","title_zh":"retail user-profile SYSTEM","business_unit_id":%d}`} {
			d := wantAPIError(t, f.api("POST", "/api/v1/use-cases", tok, fmt.Sprintf(body, bu.ID)), 409, lodestar.EConflict)
			want := fmt.Sprintf(`A use case titled "Retail user-profile system" / "零售用户画像系统" already exists in this business unit (ID %d).`, zh.ID)
			if d.Message != want {
				t.Errorf("%s: message %q, want %q", body, d.Message, want)
			}
		}
		f.wantStrategyUnchanged(before, "a use case named as another in the other language")
		g := fromJSON[lodestar.Goal](t, f.apiOK("POST", "/api/v1/goals", tok, fmt.Sprintf(`{"title":"Grow","horizon":"year","business_unit_id":%d}`, bu.ID), 201))
		before = f.strategyCounts()
		d := wantAPIError(t, f.api("POST", "/api/v1/goals", tok, fmt.Sprintf(`{"title":"grow","horizon":"year","business_unit_id":%d}`, bu.ID)), 409, lodestar.EConflict)
		if want := fmt.Sprintf("(ID %d)", g.ID); !strings.Contains(d.Message, want) {
			t.Errorf("goal: message %q, want %s", d.Message, want)
		}
		f.wantStrategyUnchanged(before, "a duplicate goal")
	})
}

// TestUseCaseDuplicateForm: the new use-case form follows the same rule:
// the field that collides says which use case exists, by both its names,
// and where — its business unit, or among those with none ("in this
// business unit" was said of use cases with no unit) — in the user's
// language, and nothing is created. A name in either language is the use
// case's: a Chinese title typed in the title field, or a title given as
// the Chinese title, is the same use case.
func TestUseCaseDuplicateForm(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	uc, err := f.app.Store.CreateUseCase(sys(), lodestar.NewUseCase{Title: "Dup test UC", TitleZH: "重复测试用例"})
	if err != nil {
		t.Fatal(err)
	}
	bu, err := f.app.Store.CreateBusinessUnit(sys(), lodestar.BusinessUnit{Name: "Retail"})
	if err != nil {
		t.Fatal(err)
	}
	inUnit, err := f.app.Store.CreateUseCase(sys(), lodestar.NewUseCase{Title: "Dup test UC", TitleZH: "重复测试用例", BusinessUnitID: bu.ID})
	if err != nil {
		t.Fatal(err)
	}
	const names = "&#34;Dup test UC&#34; / &#34;重复测试用例&#34;"
	c, csrf, _ := f.signIn(admin, time.Hour)
	for _, lang := range []struct{ locale, noUnit, unit string }{
		{"en", fmt.Sprintf("A use case titled %s already exists among the use cases with no business unit (ID %d).", names, uc.ID),
			fmt.Sprintf("A use case titled %s already exists in this business unit (ID %d).", names, inUnit.ID)},
		{"zh-CN", fmt.Sprintf("未归属业务单元的用例中已有标题为 %s 的用例（ID %d）。", names, uc.ID),
			fmt.Sprintf("本业务单元已有标题为 %s 的用例（ID %d）。", names, inUnit.ID)},
	} {
		if err := f.app.Store.SetLocale(sys(), admin.ID, lang.locale); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ title, titleZH, field string }{
			{"dup TEST uc", "", "title"},
			{"重复测试用例", "", "title"},
			{"Fresh title", "dup test uc", "title_zh"},
		} {
			for _, where := range []struct{ unit, want string }{{"", lang.noUnit}, {fmt.Sprint(bu.ID), lang.unit}} {
				form := url.Values{"csrf_token": {csrf}, "form_id": {newUseCaseForm(t, f, c)}, "title": {tc.title}, "title_zh": {tc.titleZH}, "stage": {"idea"},
					"business_unit_id": {where.unit}}
				r := f.postForm(c, "/use-cases", form)
				fieldErr := fmt.Sprintf(`<p class="field-error" id="%s-error">%s</p>`, tc.field, where.want)
				if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, fieldErr) {
					t.Errorf("%s: a duplicate use case titled %q / %q in unit %q: got %d, want 409 saying %q\n%.3000s", lang.locale, tc.title, tc.titleZH, where.unit, r.StatusCode, fieldErr, r.body)
				}
			}
		}
	}
	if n := f.count("use_cases"); n != 2 {
		t.Errorf("use cases after the refused forms: got %d, want 2", n)
	}
}
