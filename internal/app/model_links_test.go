package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// A model version's page leads to the rest: the use case the model
// serves, each monitor watching this version (at its place on the health
// page) with its open alerts counted, and the health page. A version no
// monitor watches says so, and offers a monitor to whoever may add one.
// The model's page counts its open alerts next to the health link, for
// whoever comes to flip the switch. Both languages. (The version page
// linked only back to the model; the model page said nothing of alerts.)
func TestVersionAndModelPagesLink(t *testing.T) {
	h := newHealthUI(t, 4, func(hour int) float64 {
		if hour == 0 {
			return 0.9
		}
		return 0.1 // wrong from the second hour: an open accuracy alert
	})
	f := h.f
	v2, err := f.app.Store.CreateModelVersion(sys(), h.m.ID, lodestar.ModelVersion{Version: "2.0"})
	if err != nil {
		t.Fatal(err)
	}
	open, err := f.app.Store.ListAlerts(sys(), h.m.ID, true)
	if err != nil || len(open) != 1 {
		t.Fatalf("open alerts: %d, %v; want 1", len(open), err)
	}
	viewer, _, _ := f.signIn(f.user(lodestar.RoleViewer, "viewer@example.com"), time.Hour)
	get := func(c *http.Client, path, lang string) string {
		t.Helper()
		r := f.do(c, "GET", path, http.Header{"Accept-Language": {lang}}, nil)
		if r.StatusCode != 200 {
			t.Fatalf("%s GET %s: %d", lang, path, r.StatusCode)
		}
		return r.body
	}
	links := func(body string) string {
		i := strings.Index(body, `id="version-links"`)
		if i < 0 {
			return ""
		}
		return body[i : i+strings.Index(body[i:], "</dl>")]
	}
	health := fmt.Sprintf(`href="/models/%d/health"`, h.m.ID)
	useCase := fmt.Sprintf(`href="/use-cases/%d"`, h.uc.ID)
	monitor := fmt.Sprintf(`href="/models/%d/health#monitor-%d"`, h.m.ID, h.mon.ID)
	addMonitor := fmt.Sprintf(`href="/models/%d/health#add-monitor"`, h.m.ID)
	for _, c := range []struct{ lang, open, none string }{
		{"en", "Open alerts: 1", "No monitor watches this version."},
		{"zh-CN", "未解除告警：1", "尚无监控关注此版本。"},
	} {
		body := get(h.team, fmt.Sprintf("/model-versions/%d", h.v.ID), c.lang)
		got := links(body)
		for _, want := range []string{useCase, monitor, ">Hourly</a>", c.open} {
			if !strings.Contains(got, want) {
				t.Errorf("%s version 1.0: links %q lack %q", c.lang, got, want)
			}
		}
		if strings.Contains(got, c.none) || !strings.Contains(body, health) {
			t.Errorf("%s version 1.0: says no monitor, or lacks the health link", c.lang)
		}

		// Version 2.0: no monitor. The AI team may add one; a viewer
		// reads that there is none, and no offer.
		got = links(get(h.team, fmt.Sprintf("/model-versions/%d", v2.ID), c.lang))
		if !strings.Contains(got, useCase) || !strings.Contains(got, c.none) || !strings.Contains(got, addMonitor) || strings.Contains(got, monitor) {
			t.Errorf("%s version 2.0 (AI team): links %q; want the use case, %q and the offer of a monitor", c.lang, got, c.none)
		}
		got = links(get(viewer, fmt.Sprintf("/model-versions/%d", v2.ID), c.lang))
		if !strings.Contains(got, c.none) || strings.Contains(got, addMonitor) {
			t.Errorf("%s version 2.0 (viewer): links %q; want %q and no offer", c.lang, got, c.none)
		}

		model := get(h.team, fmt.Sprintf("/models/%d", h.m.ID), c.lang)
		badge := fmt.Sprintf(`id="open-alerts" href="/models/%d/health#alerts">%s<`, h.m.ID, c.open)
		if !strings.Contains(model, badge) {
			t.Errorf("%s model page lacks %s", c.lang, badge)
		}
		if !strings.Contains(get(h.team, fmt.Sprintf("/models/%d/health", h.m.ID), c.lang), `<h2 id="alerts">`) {
			t.Errorf("%s health page: its alerts heading has no id for the model page to link", c.lang)
		}
	}

	// A model with no open alert shows no count.
	other := f.model("Other", "other", "Other")
	if body := get(h.team, fmt.Sprintf("/models/%d", other.ID), "en"); strings.Contains(body, `id="open-alerts"`) {
		t.Errorf("a model with no open alert shows a count")
	}
}

// The switch's fallback field says what it is for, tied to the field for
// a screen reader: it was a bare "Fallback" box, and filled in for a
// flip to on or off the flip is refused.
func TestSwitchFallbackHelp(t *testing.T) {
	f := start(t, fixtureOpts{})
	m := f.model("Scoring", "score", "Scorer")
	risk, _, _ := f.signIn(f.user(lodestar.RoleRiskOfficer, "risk@example.com"), time.Hour)
	for lang, want := range map[string]string{"en": "Only for the fallback state", "zh-CN": "仅用于降级状态"} {
		r := f.do(risk, "GET", fmt.Sprintf("/models/%d", m.ID), http.Header{"Accept-Language": {lang}}, nil)
		if r.StatusCode != 200 {
			t.Fatalf("%s model page: %d", lang, r.StatusCode)
		}
		if !strings.Contains(r.body, `id="fallback" name="fallback" value="" maxlength="200" aria-describedby="fallback-help"`) {
			t.Errorf("%s: the fallback field is not described by its help", lang)
		}
		if !strings.Contains(r.body, `<p class="muted" id="fallback-help">`+want) {
			t.Errorf("%s: no fallback help reading %q", lang, want)
		}
	}
}
