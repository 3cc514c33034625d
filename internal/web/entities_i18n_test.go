package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"unicode"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/web"
)

// TestEntityLabelKeys checks the keys the strategy pages build at run
// time (select labels, statuses) are in every catalog.
func TestEntityLabelKeys(t *testing.T) {
	b := i18n.MustLoad()
	keys := web.EntityLabelKeys()
	if len(keys) < 15 {
		t.Fatalf("EntityLabelKeys: got %d keys, want every horizon, status, direction and category", len(keys))
	}
	for _, loc := range i18n.Locales {
		for _, k := range keys {
			if !b.Has(loc, k) {
				t.Errorf("key %q is missing from catalog %s", k, loc)
			}
		}
	}
}

// englishPhrases are the English catalog messages a Chinese page must not
// show: those of the strategy pages' keys that differ from the Chinese and
// are not themselves quoted inside any Chinese message.
func englishPhrases(t *testing.T) []string {
	t.Helper()
	b := i18n.MustLoad()
	var zhAll strings.Builder
	for _, k := range b.Keys("zh-CN") {
		zhAll.WriteString(b.T("zh-CN", k))
		zhAll.WriteString("\n")
	}
	var out []string
	for _, k := range b.Keys("en") {
		prefix, _, _ := strings.Cut(k, ".")
		switch prefix {
		case "unit", "goal", "kpi", "pain", "field", "action", "flash", "msg":
		default:
			continue
		}
		en := b.T("en", k)
		if strings.Contains(en, "%") {
			en, _, _ = strings.Cut(en, "%") // the literal part before the first argument
		}
		en = strings.TrimSpace(strings.TrimLeft(en, "←→ "))
		letters := 0
		for _, r := range en {
			if unicode.IsLetter(r) {
				letters++
			}
		}
		if letters < 4 || en == b.T("zh-CN", k) || strings.Contains(zhAll.String(), en) {
			continue
		}
		out = append(out, en)
	}
	if len(out) < 50 {
		t.Fatalf("englishPhrases: got only %d phrases; the catalog scan is broken", len(out))
	}
	return out
}

// TestEntitiesChinese renders every strategy page, and a refused form, for
// a user whose language is Chinese: names in Chinese, no English from the
// catalogs.
func TestEntitiesChinese(t *testing.T) {
	f := newEntFixture(t)
	zh := f.signIn(lodestar.RoleAdmin, "zh-CN")
	bu := zh.created("/business-units", url.Values{"name": {"Retail"}, "name_zh": {"零售"}}, "/business-units/")
	child := zh.created("/business-units", url.Values{"name": {"Stores"}, "name_zh": {"门店"}, "parent_id": {strconv.FormatInt(bu, 10)}}, "/business-units/")
	g := zh.created("/goals", url.Values{"title": {"Cut stockouts"}, "title_zh": {"减少缺货"}, "business_unit_id": {strconv.FormatInt(bu, 10)},
		"horizon": {"year"}, "status": {"active"}, "owner_id": {strconv.FormatInt(zh.user.ID, 10)}}, "/goals/")
	k := zh.created("/kpis", url.Values{"name": {"Stockout rate"}, "name_zh": {"缺货率"}, "unit": {"%"}, "direction": {"down"},
		"baseline": {"8"}, "target": {"3"}, "target_date": {"2027-06-30"}, "goal_id": {strconv.FormatInt(g, 10)}}, "/kpis/")
	for _, rd := range [][2]string{{"2026-01-31", "7.5"}, {"2026-02-28", "6"}} {
		if r := zh.post(fmt.Sprintf("/kpis/%d/readings", k), url.Values{"date": {rd[0]}, "value": {rd[1]}}); r.status != http.StatusSeeOther {
			t.Fatalf("reading: got %d (body %.400s)", r.status, r.body)
		}
	}
	pp := zh.created("/pain-points", url.Values{"title": {"Empty shelves"}, "title_zh": {"货架空置"}, "category": {"revenue"}, "annual_cost": {"2500000"},
		"business_unit_id": {strconv.FormatInt(child, 10)}, "goal_id": {strconv.FormatInt(g, 10)}}, "/pain-points/")

	pages := map[string]string{}
	for _, p := range []string{"/business-units", "/business-units/new", "/goals", "/goals/new", "/kpis", "/kpis/new", "/pain-points", "/pain-points/new",
		fmt.Sprintf("/business-units/%d", bu), fmt.Sprintf("/business-units/%d/edit", child), fmt.Sprintf("/goals/%d", g), fmt.Sprintf("/goals/%d/edit", g),
		fmt.Sprintf("/kpis/%d", k), fmt.Sprintf("/kpis/%d/edit", k), fmt.Sprintf("/pain-points/%d", pp), fmt.Sprintf("/pain-points/%d/edit", pp)} {
		pages[p] = zh.get(p, http.StatusOK)
	}
	r := zh.post("/kpis", url.Values{"name": {""}, "unit": {"x"}, "direction": {"up"}, "baseline": {"abc"}, "target": {"1"}, "target_date": {"2027-01-01"}})
	wantFieldError(t, r, http.StatusBadRequest, "baseline", "必须是数字。")
	pages["refused KPI form"] = r.body
	r = zh.post("/pain-points", url.Values{"title": {""}, "category": {"cost"}})
	wantFieldError(t, r, http.StatusBadRequest, "title", "此项为必填项。")
	pages["refused pain point form"] = r.body
	r = zh.post(fmt.Sprintf("/business-units/%d", bu), url.Values{"name": {"Retail"}, "parent_id": {strconv.FormatInt(child, 10)}})
	wantFieldError(t, r, http.StatusBadRequest, "parent_id", "业务单元不能放在自身或其下级单元之下。")
	pages["refused cycle"] = r.body
	pages["404"] = zh.get("/goals/999999", http.StatusNotFound)

	phrases := englishPhrases(t)
	for name, body := range pages {
		if !strings.Contains(body, `<html lang="zh-CN">`) {
			t.Errorf("%s: not a Chinese page", name)
		}
		visible := text(body)
		for _, en := range phrases {
			if strings.Contains(visible, en) {
				t.Errorf("%s: shows English %q on a Chinese page", name, en)
			}
		}
	}
	for name, want := range map[string][]string{
		"/business-units": {"零售", "门店", "业务单元"},
		"/goals":          {"减少缺货", "一年", "进行中"},
		"/kpis":           {"缺货率", "越低越好", "2027年6月30日"},
		"/pain-points":    {"货架空置", "2,500,000", "收入"},
	} {
		for _, w := range want {
			if !strings.Contains(pages[name], w) {
				t.Errorf("%s in Chinese: no %q", name, w)
			}
		}
		for _, en := range []string{">Retail<", ">Cut stockouts<", ">Stockout rate<", ">Empty shelves<"} {
			if strings.Contains(pages[name], en) {
				t.Errorf("%s in Chinese: shows the English name %s where a Chinese one is set", name, en)
			}
		}
	}
	kpiPage := pages[fmt.Sprintf("/kpis/%d", k)]
	if !strings.Contains(kpiPage, `aria-label="缺货率 随时间变化的折线图`) || !strings.Contains(kpiPage, ">2026年1月31日<") {
		t.Errorf("KPI chart in Chinese: label or date axis not in Chinese")
	}
}
