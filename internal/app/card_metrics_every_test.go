package app_test

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// cardMetricFaults are the messages of a card's bad metrics, by locale.
var cardMetricFaults = map[string]map[string]string{
	"en": {
		"mae":      "mae is never negative, not -1.",
		"accuracy": "accuracy is a share from 0 to 1, not 85: write a percentage as a fraction (0.85, not 85).",
		"":         "Each metric needs a name of at most 100 characters and a finite number.",
	},
	"zh-CN": {
		"mae":      "mae 不会是负数，不能是 -1。",
		"accuracy": "accuracy 是 0 到 1 之间的比例，不能是 85：百分数请写成小数（0.85，而不是 85）。",
		"":         "每个指标都需要不超过 100 个字符的名称和一个有限的数值。",
	},
}

// TestCardEveryBadMetricAPI: PUT …/card with several bad metrics is a
// 400 naming each under its own name (a blank name as
// "evaluation_metrics."), each message whole, in English and in Chinese
// when asked; nothing is written. Before, only the last one checked was
// named.
func TestCardEveryBadMetricAPI(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, ver, tok := f.teamVersion("Recs", "rec", "Rec")
	path := fmt.Sprintf("/api/v1/model-versions/%d/card", ver.ID)
	for _, c := range []struct {
		body string
		bad  []string
	}{
		{`{"evaluation_metrics":{"AUC":0.91,"mae":-1,"accuracy":85}}`, []string{"mae", "accuracy"}},
		{`{"evaluation_metrics":{"zz":1,"":2,"accuracy":85}}`, []string{"", "accuracy"}},
	} {
		for _, lang := range []string{"en", "zh-CN"} {
			before, vb := f.counts(), f.versionSnapshot(ver.ID)
			h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "Accept-Language": {lang}}
			d := wantAPIError(t, f.do(f.client(), "PUT", path, h, strings.NewReader(whole(path, c.body))), http.StatusBadRequest, lodestar.EInvalid)
			want := map[string]string{}
			for _, name := range c.bad {
				want["evaluation_metrics."+name] = cardMetricFaults[lang][name]
			}
			if !maps.Equal(d.Fields, want) {
				t.Errorf("%s %s: fields %q, want %q", lang, c.body, d.Fields, want)
			}
			f.wantUnchanged(before, c.body)
			f.wantVersionUnchanged(vb, c.body)
		}
	}
}

// TestCardEveryBadMetricForm: the card form with several bad metrics
// shows each message under the metrics box, in the user's language, the
// box described by every one of them and each in the error summary;
// what was typed is kept and nothing is written.
func TestCardEveryBadMetricForm(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := f.model("Churn", "churn", "Churn")
	metrics := "AUC = 0.91\nmae = -1\naccuracy = 85"
	describedBy := regexp.MustCompile(`<textarea id="metrics"[^>]*aria-describedby="([^"]*)"`)
	for _, locale := range []string{"en", "zh-CN"} {
		u := f.user(lodestar.RoleAITeam, locale+"@example.com")
		if err := f.app.Store.SetLocale(sys(), u.ID, locale); err != nil {
			t.Fatal(err)
		}
		cl, csrf, _ := f.signIn(u, time.Hour)
		path := fmt.Sprintf("/models/%d", m.ID)
		r := f.postForm(cl, path+"/versions", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, cl, path)},
			"version": {"1.0"}, "intended_use": {"Rank customers"}, "metrics": {metrics}})
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: new version: got %d, want 400", locale, r.StatusCode)
		}
		wantShown(t, r, locale, cardMetricFaults[locale]["mae"], cardMetricFaults[locale]["accuracy"], metrics, "Rank customers")
		sm := describedBy.FindStringSubmatch(r.body)
		if sm == nil {
			t.Fatalf("%s: the metrics box is described by no message", locale)
		}
		ids := strings.Fields(sm[1])
		if len(ids) != 3 || ids[0] != "metrics-help" {
			t.Fatalf("%s: the metrics box is described by %q; want its help and the two messages", locale, ids)
		}
		for _, id := range ids[1:] {
			if !strings.Contains(r.body, `<p class="field-error" id="`+id+`">`) {
				t.Errorf("%s: no message with id %s", locale, id)
			}
		}
		if n := strings.Count(r.body, `href="#metrics"`); n != 2 {
			t.Errorf("%s: the error summary leads to the metrics box %d times, want 2 (one a metric)", locale, n)
		}
	}
	if vs, err := f.app.Store.ListModelVersions(sys(), m.ID); err != nil || len(vs) != 0 {
		t.Fatalf("versions after the refusals: %d, %v; want none", len(vs), err)
	}
}
