package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// versionUpdatedAt reads the updated_at of the version page's card or
// provenance form.
var versionUpdatedAt = regexp.MustCompile(`(?s)id="(card-form|provenance-form)"[^>]*>.*?name="updated_at" value="([^"]+)"`)

// versionFormStamps returns the updated_at each form of a version page
// carries, by form.
func versionFormStamps(body string) map[string]string {
	out := map[string]string{}
	for _, m := range versionUpdatedAt.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// TestVersionFormsStale: two people open the same version page; the
// first saves the card (then the provenance); the second's save, made on
// the page as it was before, is refused with 409 saying someone else
// changed it, their input kept in the form and the version's current
// card and provenance on the page, in both languages — and nothing is
// changed. Reloaded, their save goes in.
func TestVersionFormsStale(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	teamA, m, _ := f.teamModel("Recs", "rec", "Rec")
	teamB := f.user(lodestar.RoleAITeam, "b@example.com")
	vs, err := f.app.Store.ListModelVersions(sys(), m.ID)
	if err != nil || len(vs) != 1 {
		t.Fatal(vs, err)
	}
	id := vs[0].ID
	a, csrfA, _ := f.signIn(teamA, time.Hour)
	b, csrfB, _ := f.signIn(teamB, time.Hour)
	page := fmt.Sprintf("/model-versions/%d", id)

	for _, c := range []struct {
		form, path string
		fields     func(who string) url.Values
		typed      func(who string) string // how the form shows what who typed
		shown      func(who string) string // how the page shows who's saved value
		value      func(*lodestar.ModelVersion) string
		saved      func(who string) string
	}{
		{"card-form", "/card",
			func(who string) url.Values {
				return url.Values{"intended_use": {"Ranking by " + who}, "metrics": {"auc = 0.9"}}
			},
			func(who string) string {
				return `<textarea id="intended_use" name="intended_use" rows="2">Ranking by ` + who + `</textarea>`
			},
			func(who string) string { return `<dd class="prose">Ranking by ` + who + `</dd>` },
			func(v *lodestar.ModelVersion) string { return v.Card.IntendedUse },
			func(who string) string { return "Ranking by " + who }},
		{"provenance-form", "/provenance",
			func(who string) url.Values { return url.Values{"artifact_uri": {"s3://models/" + who + ".bin"}} },
			func(who string) string { return `name="artifact_uri" value="s3://models/` + who + `.bin"` },
			func(who string) string { return `<code>s3://models/` + who + `.bin</code>` },
			func(v *lodestar.ModelVersion) string { return v.Provenance.ArtifactURI },
			func(who string) string { return "s3://models/" + who + ".bin" }},
	} {
		stampA := versionFormStamps(f.get(a, page).body)[c.form]
		stampB := versionFormStamps(f.get(b, page).body)[c.form]
		if stampA == "" || stampB != stampA {
			t.Fatalf("%s: the form carries updated_at %q (A) and %q (B); want the version's, the same", c.form, stampA, stampB)
		}
		f.clock.Advance(time.Second)
		formA := c.fields("A")
		formA.Set("csrf_token", csrfA)
		formA.Set("updated_at", stampA)
		if r := f.postForm(a, page+c.path, formA); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: A's save: %d\n%.500s", c.form, r.StatusCode, r.body)
		}
		f.clock.Advance(time.Second)
		for lang, says := range map[string]string{"en": "Someone else changed this record after you opened it", "zh-CN": "在你打开之后，有人修改了这条记录"} {
			if err := f.app.Store.SetLocale(sys(), teamB.ID, lang); err != nil {
				t.Fatal(err)
			}
			before := f.versionSnapshot(id)
			formB := c.fields("B")
			formB.Set("csrf_token", csrfB)
			formB.Set("updated_at", stampB)
			r := f.postForm(b, page+c.path, formB)
			if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, says) {
				t.Errorf("%s, %s: B's save on the older page: got %d, want 409 saying %q\n%.500s", c.form, lang, r.StatusCode, says, r.body)
			}
			if !strings.Contains(r.body, c.typed("B")) {
				t.Errorf("%s, %s: the refused form lost B's input %s", c.form, lang, c.typed("B"))
			}
			if !strings.Contains(r.body, c.shown("A")) {
				t.Errorf("%s, %s: the refused page does not show the version as A left it (%s)", c.form, lang, c.shown("A"))
			}
			// The form still carries the updated_at B opened it on: a
			// second Save, without reloading, is refused too.
			if got := versionFormStamps(r.body)[c.form]; got != stampB {
				t.Errorf("%s, %s: the refused form carries updated_at %q, want B's %q", c.form, lang, got, stampB)
			}
			f.wantVersionUnchanged(before, c.form+": B's stale save in "+lang)
		}
		if err := f.app.Store.SetLocale(sys(), teamB.ID, "en"); err != nil {
			t.Fatal(err)
		}
		// Reloaded, B's save goes in.
		formB := c.fields("B")
		formB.Set("csrf_token", csrfB)
		formB.Set("updated_at", versionFormStamps(f.get(b, page).body)[c.form])
		r := f.postForm(b, page+c.path, formB)
		v, _ := f.app.Store.FindModelVersionByID(sys(), id)
		if r.StatusCode != http.StatusSeeOther || c.value(v) != c.saved("B") {
			t.Errorf("%s: B's save after reloading: %d, version reads %q", c.form, r.StatusCode, c.value(v))
		}
	}

	// A card form with a bad metric, opened before a change: refused
	// with both, the conflict and the metric's error; nothing changed.
	stale := versionFormStamps(f.get(a, page).body)["card-form"]
	f.clock.Advance(time.Second)
	if _, err := f.app.Store.UpdateModelCard(sys(), id, lodestar.ModelCard{Limitations: "Cold start"}); err != nil {
		t.Fatal(err)
	}
	before := f.versionSnapshot(id)
	r := f.postForm(a, page+"/card", url.Values{"csrf_token": {csrfA}, "updated_at": {stale}, "intended_use": {"Mine"}, "metrics": {"auc: high"}})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "Someone else changed this record") || !strings.Contains(r.body, "Write each metric as name = number") ||
		!strings.Contains(r.body, "auc: high") {
		t.Errorf("stale card with a bad metric: %d; want 409 with the conflict, the metric's error and the input kept\n%.500s", r.StatusCode, r.body)
	}
	f.wantVersionUnchanged(before, "a stale card with a bad metric")
}

// TestAddVersionWithProvenance: the model page's Add-version form takes
// the provenance, checked as the provenance form checks it: good values
// are stored normalised; a bad one is refused by field with everything
// typed kept and no version made; a bad metric and a bad provenance are
// refused together. In both languages.
func TestAddVersionWithProvenance(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, _ := f.teamModel("Recs", "rec", "Rec")
	c, csrf, _ := f.signIn(team, time.Hour)
	page := fmt.Sprintf("/models/%d", m.ID)
	add := page + "/versions"
	for lang, want := range map[string][]string{"en": {"Provenance", "Artifact SHA-256", "Source commit"}, "zh-CN": {"溯源信息"}} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		body := f.get(c, page).body
		i := strings.Index(body, `id="add-version-form"`)
		if i < 0 {
			t.Fatalf("%s: the model page has no Add-version form", lang)
		}
		form := body[i:]
		form = form[:strings.Index(form, "</form>")]
		for _, field := range []string{"artifact_uri", "artifact_sha256", "source_commit", "training_run", "version", "intended_use"} {
			if !strings.Contains(form, `name="`+field+`"`) {
				t.Errorf("%s: the Add-version form has no %s field", lang, field)
			}
		}
		for _, w := range want {
			if !strings.Contains(form, w) {
				t.Errorf("%s: the Add-version form does not say %q", lang, w)
			}
		}
	}

	// Refused: a bad provenance value, by field, in both languages.
	typed := url.Values{"csrf_token": {csrf}, "version": {"2.0"}, "intended_use": {"Ranking"}, "artifact_uri": {"https://ci:hunter2@models.example.com/a.bin"},
		"artifact_sha256": {provDigest}, "source_commit": {"main"}, "training_run": {"run-42"}}
	for lang, want := range map[string][]string{
		"en":    {"user name and password", "a tag or branch can move", "The provenance could not be saved"},
		"zh-CN": {"用户名和密码", "溯源信息未能保存"},
	} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		versions, audit := f.count("model_versions"), f.count("audit_log")
		r := f.postForm(c, add, typed)
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: bad provenance: %d, want 400\n%.500s", lang, r.StatusCode, r.body)
		}
		for _, w := range want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s: the refusal does not say %q", lang, w)
			}
		}
		for _, kept := range []string{`value="https://ci:hunter2@models.example.com/a.bin"`, `value="main"`, `value="` + provDigest + `"`, `value="run-42"`,
			`id="version" name="version" value="2.0"`, `>Ranking</textarea>`} {
			if !strings.Contains(r.body, kept) {
				t.Errorf("%s: the refused form lost %s", lang, kept)
			}
		}
		if !regexp.MustCompile(`id="source_commit" name="source_commit" value="main"[^>]*aria-invalid="true"`).MatchString(r.body) {
			t.Errorf("%s: the bad commit is not marked invalid", lang)
		}
		if n, a := f.count("model_versions"), f.count("audit_log"); n != versions || a != audit {
			t.Errorf("%s: a refused version wrote: versions %d → %d, audit entries %d → %d", lang, versions, n, audit, a)
		}
	}
	if err := f.app.Store.SetLocale(sys(), team.ID, "en"); err != nil {
		t.Fatal(err)
	}

	// A metric that does not parse and a bad provenance: both named.
	versions := f.count("model_versions")
	bad := url.Values{"csrf_token": {csrf}, "version": {"2.0"}, "metrics": {"auc: high"}, "artifact_sha256": {"abc"}}
	r := f.postForm(c, add, bad)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "Write each metric as name = number") ||
		!strings.Contains(r.body, "64 hexadecimal characters") || !strings.Contains(r.body, "The version could not be added") {
		t.Errorf("a bad metric and a bad digest: %d; want 400 naming both\n%.1000s", r.StatusCode, r.body)
	}
	if n := f.count("model_versions"); n != versions {
		t.Errorf("a refused version was made: versions %d → %d", versions, n)
	}

	// Good values: stored as the provenance form stores them.
	r = f.postForm(c, add, url.Values{"csrf_token": {csrf}, "version": {"2.0"}, "intended_use": {"Ranking"},
		"artifact_uri": {" s3://models/rec/2.0/model.xgb "}, "artifact_sha256": {"sha256:" + strings.ToUpper(provDigest)},
		"source_commit": {"0A1B2C3D"}, "training_run": {"https://mlflow.example.com/#/experiments/3/runs/9"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("good version: %d\n%.500s", r.StatusCode, r.body)
	}
	all, err := f.app.Store.ListModelVersions(sys(), m.ID)
	if err != nil || len(all) != 2 || all[0].Version != "2.0" {
		t.Fatalf("versions after adding 2.0: %+v, %v", all, err)
	}
	want := lodestar.Provenance{ArtifactURI: "s3://models/rec/2.0/model.xgb", ArtifactSHA256: provDigest, SourceCommit: "0a1b2c3d",
		TrainingRun: "https://mlflow.example.com/#/experiments/3/runs/9"}
	if all[0].Provenance != want || all[0].Card.IntendedUse != "Ranking" || all[0].Status != lodestar.ModelDevelopment {
		t.Errorf("added: %+v; want provenance %+v, the card, in development", all[0], want)
	}
	if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/model-versions/%d", all[0].ID) {
		t.Errorf("after adding: redirected to %q, want the version's page", loc)
	}
	// Left empty, the provenance is not recorded: a version is added
	// with its name alone, as before.
	if r := f.postForm(c, add, url.Values{"csrf_token": {csrf}, "version": {"3.0"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a version with no provenance: %d\n%.500s", r.StatusCode, r.body)
	}
}
