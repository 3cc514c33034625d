package app_test

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMonitorFormErrorsBesideTheirFields: in the monitor form's reference
// box each refusal shows under its own control and is named by it. The
// missing file's "Upload the reference dataset" and the file's columns'
// errors came under the event dates, after the other choice, with the
// kind's error too; a reader looking at the file field saw nothing wrong
// there. Now: the file's errors come between the file field and the events
// choice, the dates' after the dates, the kind's just above the choice, and
// each is in its own control's aria-describedby and in no other's. The
// box is the form's last, its file the last control (a file too large to
// take is read after every other field, which the form comes back with):
// the events choice and its dates first, then the file.
func TestMonitorFormErrorsBesideTheirFields(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	m := f.model("Recs", "recs", "Recs")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ai, time.Hour)
	path := fmt.Sprintf("/models/%d/monitors", m.ID)
	health := fmt.Sprintf("/models/%d/health", m.ID)
	base := func(kind string) []importPart {
		return []importPart{{name: "csrf_token", value: csrf}, {name: "form_id", value: pageFormID(t, f, c, health)},
			{name: "version", value: "1.0"}, {name: "name", value: "drift watch"}, {name: "window", value: "day"},
			{name: "reference_kind", value: kind}}
	}
	for _, tc := range []struct {
		what  string
		parts []importPart
		err   string // the error's id
		after string // the control it follows (its own)
		next  string // what comes next: the error is before it ("": the box's end)
	}{
		{"no file", base("dataset"), "reference-error", `id="mon-reference"`, ""},
		{"a file with a repeated column", append(base("dataset"), importPart{name: "reference", filename: "ref.csv", value: "a,a\n1,2\n3,4\n"}),
			"", `id="mon-reference"`, ""},
		{"dates the wrong way round", append(base("events"), importPart{name: "reference_from", value: "2026-02-01"},
			importPart{name: "reference_to", value: "2026-01-01"}), "reference-from-error", `id="mon-to"`, `id="mon-ref-dataset"`},
		{"no kind", base(""), "reference-kind-error", `</legend>`, `id="mon-ref-events"`},
	} {
		r := f.postMultipart(c, path, tc.parts...)
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: got %d, want 400", tc.what, r.StatusCode)
		}
		var errs [][]string // the errors, not the note to choose the file again
		for _, e := range regexp.MustCompile(`<p class="field-error" id="([^"]+)">([^<]*)</p>`).FindAllStringSubmatch(r.body, -1) {
			if e[1] != "mon-reference-again" {
				errs = append(errs, e)
			}
		}
		if len(errs) != 1 {
			t.Fatalf("%s: %d field errors, want one: %v", tc.what, len(errs), errs)
		}
		id := errs[0][1]
		if tc.err != "" && id != tc.err {
			t.Fatalf("%s: the error is %s (%q), want %s", tc.what, id, errs[0][2], tc.err)
		}
		box := r.body[strings.Index(r.body, `<legend>Reference</legend>`):]
		box = box[:strings.Index(box, `</fieldset>`)]
		if !strings.Contains(box, `id="`+id+`"`) {
			t.Fatalf("%s: the error %s is not in the reference box", tc.what, id)
		}
		after, next := strings.Index(box, tc.after), len(box)
		if tc.next != "" {
			next = strings.Index(box, tc.next)
		}
		own := strings.Index(box, `id="`+id+`"`)
		if after < 0 || next < 0 || !(after < own && own < next) {
			t.Errorf("%s: the error %q is not between %s and %s:\n%s", tc.what, errs[0][2], tc.after, tc.next, box)
		}
		// Named by its own control, and by no other.
		var by []string
		for _, ctl := range regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`).FindAllString(r.body, -1) {
			if d := regexp.MustCompile(`aria-describedby="([^"]*)"`).FindStringSubmatch(ctl); d != nil && strings.Contains(" "+d[1]+" ", " "+id+" ") {
				by = append(by, regexp.MustCompile(`\bid="([^"]*)"`).FindStringSubmatch(ctl)[1])
			}
		}
		want := map[string]string{"reference-error": "mon-reference", "numeric-error": "mon-reference", "categorical-error": "mon-reference",
			"reference-from-error": "mon-from", "reference-kind-error": "mon-ref-events"}[id]
		if len(by) != 1 || by[0] != want {
			t.Errorf("%s: the error %s is named by %v, want %s alone", tc.what, id, by, want)
		}
	}
}

// TestMonitorFormSaysWhatZeroMeans: the thresholds box's heading said
// "Thresholds (empty or 0: off)" over fields whose own labels said "(0:
// 0.05; 1: off)", "(0: 0.8)", "(0: 30)" — not off at all. Now the heading
// says only that an empty number is 0, and every number field in the box
// says what its 0 means, as the service takes it (internal/store's checks,
// lodestar.MonitorThresholds), in English and Chinese.
func TestMonitorFormSaysWhatZeroMeans(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := f.model("Recs", "recs", "Recs")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{ // field's id → what 0 means, per language
		"en": {"mon-acc": "(0: off)", "mon-lat": "(0: off)", "mon-min": "(0: off)", "mon-max": "(0: off)",
			"mon-dq-miss": "(0: 0.05; 1: off)", "mon-dq-range": "(0: 0.05; 1: off)", "mon-dq-new": "(0: 0.05; 1: off)", "mon-dq-min": "(0: 30)",
			"mon-fair-ir": "(0: 0.8)", "mon-fair-eo": "(0: off)", "mon-fair-min": "(0: 30)",
			"mon-alert-after": "(0: 1)", "mon-resolve-after": "(0: 1)", "mon-retrain": "(0: never)"},
		"zh-CN": {"mon-acc": "（0：关闭）", "mon-lat": "（0：关闭）", "mon-min": "（0：关闭）", "mon-max": "（0：关闭）",
			"mon-dq-miss": "（0：0.05；1：关闭）", "mon-dq-range": "（0：0.05；1：关闭）", "mon-dq-new": "（0：0.05；1：关闭）", "mon-dq-min": "（0：30）",
			"mon-fair-ir": "（0：0.8）", "mon-fair-eo": "（0：关闭）", "mon-fair-min": "（0：30）",
			"mon-alert-after": "（0：1）", "mon-resolve-after": "（0：1）", "mon-retrain": "（0：从不）"},
	}
	for _, lang := range []string{"en", "zh-CN"} {
		u := f.user(lodestar.RoleAITeam, "ai-"+lang+"@example.com")
		if err := f.app.Store.SetLocale(sys(), u.ID, lang); err != nil {
			t.Fatal(err)
		}
		c, _, _ := f.signIn(u, time.Hour)
		body := html.UnescapeString(f.get(c, fmt.Sprintf("/models/%d/health", m.ID)).body)
		legend := regexp.MustCompile(`(?s)<fieldset[^>]*><legend>([^<]*)</legend>(.*?)</fieldset>`)
		var box string
		for _, fs := range legend.FindAllStringSubmatch(body, -1) {
			if strings.Contains(fs[2], `id="mon-acc"`) {
				box = fs[2]
				if strings.Contains(fs[1], "0") {
					t.Errorf("%s: the thresholds' heading %q says what 0 means for every field", lang, fs[1])
				}
			}
		}
		if box == "" {
			t.Fatalf("%s: no thresholds box on the health page", lang)
		}
		seen := 0
		for _, in := range regexp.MustCompile(`<input id="([^"]+)"[^>]*inputmode="(?:decimal|numeric)"`).FindAllStringSubmatch(box, -1) {
			seen++
			label := regexp.MustCompile(`<label for="` + in[1] + `">([^<]*)</label>`).FindStringSubmatch(box)
			w, ok := want[lang][in[1]]
			if !ok {
				t.Errorf("%s: number field %s is not in this test: say here what its 0 means", lang, in[1])
				continue
			}
			if label == nil || !strings.HasSuffix(strings.TrimSpace(label[1]), w) {
				t.Errorf("%s: the label of %s is %q, want it to end %q", lang, in[1], label, w)
			}
		}
		if seen != len(want[lang]) {
			t.Errorf("%s: %d number fields in the thresholds box, want %d", lang, seen, len(want[lang]))
		}
	}
}
