package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestFallbackToModelThatStoppedServing: a switch may be put at fallback
// to another model only while that one serves (its own switch on, a
// version in production), but that model may stop serving afterwards —
// switched off in an incident, at fallback itself, its live version
// retired. The services of the model at fallback then serve, in its
// place, a model a risk officer has stopped. Nothing is refused (a stop
// must never be), but the model page and the risk overview say so, in
// English and Chinese: on the model at fallback (its page, its health
// page and the risk overview), that its fallback does
// not serve and why; on the fallback model, which models fall back to it.
func TestFallbackToModelThatStoppedServing(t *testing.T) {
	f := start(t, fixtureOpts{})
	live := func(key string) *lodestar.Model {
		t.Helper()
		m := f.model("Use "+key, key, key)
		mv, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			if _, err := f.app.Store.SetModelVersionStatus(sys(), mv.ID, st, "promoted"); err != nil {
				t.Fatal(err)
			}
		}
		return m
	}
	recs, best := live("recs"), live("bestsellers")
	flip := func(key, state, fallback string) {
		t.Helper()
		if _, err := f.app.Store.FlipSwitch(sys(), key, state, fallback, "test"); err != nil {
			t.Fatal(err)
		}
	}
	flip("recs", lodestar.SwitchFallback, "bestsellers")
	u := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	c, _, _ := f.signIn(u, time.Hour)
	section := func(path, re string) string {
		t.Helper()
		r := f.get(c, path)
		if r.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, r.StatusCode)
		}
		s := regexp.MustCompile(re).FindString(r.body)
		if s == "" {
			t.Fatalf("GET %s: nothing matches %s", path, re)
		}
		return s
	}
	recsSwitch := func() string {
		return section(fmt.Sprintf("/models/%d", recs.ID), `(?s)<section class="card switch.*?</section>`)
	}
	bestSwitch := func() string {
		return section(fmt.Sprintf("/models/%d", best.ID), `(?s)<section class="card switch.*?</section>`)
	}
	recsHealth := func() string {
		return section(fmt.Sprintf("/models/%d/health", recs.ID), `(?s)<section class="card switch.*?</section>`)
	}
	recsRisk := func() string { return section("/risk", fmt.Sprintf(`(?s)<tr id="risk-model-%d">.*?</tr>`, recs.ID)) }

	// While bestsellers serves, nothing is wrong; its page names who
	// falls back to it, so whoever comes to switch it off knows.
	for _, s := range []string{recsSwitch(), recsHealth(), recsRisk()} {
		if strings.Contains(s, "fallback-down") {
			t.Errorf("a fallback that serves is flagged: %s", s)
		}
	}
	if s := bestSwitch(); !strings.Contains(s, `id="fallback-of"`) || !strings.Contains(s, "recs") {
		t.Errorf("bestsellers' switch does not name recs, which falls back to it: %s", s)
	}

	vs, err := f.app.Store.ListModelVersions(sys(), best.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		name   string
		do     func()
		en, zh string
	}{
		{"switched off", func() { flip("bestsellers", lodestar.SwitchOff, "") },
			"is switched off itself", "自身的开关已关闭"},
		{"at fallback", func() { flip("bestsellers", lodestar.SwitchFallback, "rules-v3") },
			"is at fallback itself", "自身已改用备选方案"},
		{"no version live", func() {
			flip("bestsellers", lodestar.SwitchOn, "")
			if _, err := f.app.Store.SetModelVersionStatus(sys(), vs[0].ID, lodestar.ModelRetired, "withdrawn"); err != nil {
				t.Fatal(err)
			}
		}, "has no version in production", "没有处于生产状态的版本"},
	} {
		step.do()
		for lang, want := range map[string]string{"en": step.en, "zh-CN": step.zh} {
			if err := f.app.Store.SetLocale(sys(), u.ID, lang); err != nil {
				t.Fatal(err)
			}
			for where, s := range map[string]string{"recs' model page": recsSwitch(), "recs' health page": recsHealth(), "/risk": recsRisk()} {
				if !strings.Contains(s, "fallback-down") || !strings.Contains(s, want) {
					t.Errorf("%s, %s, %s: want the fallback flagged with %q; got %s", step.name, lang, where, want, s)
				}
			}
			if s := bestSwitch(); !strings.Contains(s, `id="fallback-of"`) || !strings.Contains(s, "fallback-of-down") {
				t.Errorf("%s, %s: bestsellers' page does not warn that recs falls back to it while it does not serve: %s", step.name, lang, s)
			}
		}
	}
	if err := f.app.Store.SetLocale(sys(), u.ID, "en"); err != nil {
		t.Fatal(err)
	}
	// recs back on: nothing falls back to bestsellers any more.
	flip("recs", lodestar.SwitchOn, "")
	if s := bestSwitch(); strings.Contains(s, "fallback-of") {
		t.Errorf("bestsellers' page still names a model falling back to it: %s", s)
	}
	if s := recsRisk(); strings.Contains(s, "fallback-down") {
		t.Errorf("recs is on, yet its fallback is flagged: %s", s)
	}
}
