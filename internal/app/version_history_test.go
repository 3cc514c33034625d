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

// A model version's page lists its history from the audit log, newest
// first — registered, each status change with its reason, each card
// change naming the fields changed — and says which card fields are not
// documented, in both languages.
func TestVersionHistoryPage(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Recs", "rec", "Rec")
	vs, err := f.app.Store.ListModelVersions(sys(), m.ID)
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions: %v, %v", vs, err)
	}
	v := vs[0]
	if r := f.api("PUT", fmt.Sprintf("/api/v1/model-versions/%d/card", v.ID), tok,
		whole("/card", `{"intended_use":"Rank the feed.","limitations":"Cold start.","evaluation_metrics":{"auc":0.9}}`)); r.StatusCode != 200 {
		t.Fatalf("card: %d %s", r.StatusCode, r.body)
	}
	if _, err := f.app.Store.SetModelVersionStatus(sys(), v.ID, lodestar.ModelStaging, "Offline metrics pass"); err != nil {
		t.Fatal(err)
	}
	c, _, _ := f.signIn(team, time.Hour)
	rows := regexp.MustCompile(`(?s)<tr><td[ >].*?</tr>`)
	cellGap := regexp.MustCompile(`</td><td[^>]*>`)
	tags := regexp.MustCompile(`<[^>]+>`)
	for lang, want := range map[string][]string{
		"en":    {"Development → Staging Offline metrics pass", "Model card changed: Intended use, Evaluation metrics, Limitations", "Registered in Development"},
		"zh-CN": {"开发 → 预发布 Offline metrics pass", "模型卡已修改：预期用途、评估指标、局限性", "登记为 开发"},
	} {
		p := f.do(c, "GET", fmt.Sprintf("/model-versions/%d", v.ID), http.Header{"Accept-Language": {lang}}, nil)
		i := strings.Index(p.body, `id="version-history"`)
		if p.StatusCode != 200 || i < 0 {
			t.Fatalf("%s version page: %d, history table %d", lang, p.StatusCode, i)
		}
		table := p.body[i:]
		table = table[:strings.Index(table, "</table>")]
		var got []string
		for _, r := range rows.FindAllString(table, -1) {
			got = append(got, strings.Join(strings.Fields(tags.ReplaceAllString(cellGap.ReplaceAllString(r, " "), "")), " "))
		}
		if len(got) != 3 {
			t.Fatalf("%s history rows: %q; want 3", lang, got)
		}
		for k, w := range want {
			if !strings.Contains(got[k], w) {
				t.Errorf("%s history row %d: %q; want %q", lang, k, got[k], w)
			}
		}
		// Each field's name is kept whole in a narrow column ("局限" over
		// "性" was broken inside the word).
		if lang == "zh-CN" && !strings.Contains(table, `<span class="keep-words">局限性</span>`) {
			t.Errorf("zh-CN history: the card's field names are not kept whole: %s", table)
		}
		// Out-of-scope use, training data and ethical considerations are
		// empty: said so, three times.
		nd := map[string]string{"en": "Not documented", "zh-CN": "未填写"}[lang]
		if n := strings.Count(p.body, ">"+nd+"<"); n != 3 {
			t.Errorf("%s version page: %q %d times; want 3", lang, nd, n)
		}
	}
}
