package app_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestFormUseCaseIDUnparsable: the model and experiment forms refuse a
// use case that is not a record's ID ("abc", "12x") with the field's own
// error, in the user's language, the rest of the form kept as typed and
// nothing written. The model form read such a value as "none" and said
// to choose a use case, as if none had been sent.
func TestFormUseCaseIDUnparsable(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	zhAdmin := f.user(lodestar.RoleAdmin, "zh@example.com")
	if err := f.app.Store.SetLocale(sys(), zhAdmin.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	for _, user := range []struct {
		name string
		u    *lodestar.User
		want string
	}{
		{"English", admin, `id="use_case_id-error">No such record, or it is archived.`},
		{"Chinese", zhAdmin, `id="use_case_id-error">记录不存在或已归档。`},
	} {
		c, csrf, _ := f.signIn(user.u, time.Hour)
		for _, bad := range []string{"abc", "12x", strconv.FormatInt(w.uc.ID, 10) + "x", "-1", "1.0"} {
			t.Run(user.name+"/model/"+bad, func(t *testing.T) {
				f := f.with(t)
				before, audit := f.count("models"), f.count("audit_log")
				r := f.postForm(c, "/models", url.Values{"csrf_token": {csrf}, "use_case_id": {bad}, "key": {"typed-key"}, "name": {"Typed name"}})
				if r.StatusCode != http.StatusBadRequest {
					t.Fatalf("got %d, want 400", r.StatusCode)
				}
				wantShown(t, r, "model form", user.want, `value="typed-key"`, `value="Typed name"`)
				if strings.Contains(r.body, "Choose the use case this model serves.") || strings.Contains(r.body, `id="use_case_id-error">选择`) {
					t.Errorf("use_case_id %q was read as none", bad)
				}
				if f.count("models") != before || f.count("audit_log") != audit {
					t.Errorf("refused model wrote: models %d → %d, audit %d → %d", before, f.count("models"), audit, f.count("audit_log"))
				}
			})
			t.Run(user.name+"/experiment/"+bad, func(t *testing.T) {
				f := f.with(t)
				before := f.experimentCounts()
				r := f.postForm(c, "/experiments", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, "/experiments/new")},
					"use_case_id": {bad}, "key": {"typed-exp"}, "name": {"Typed experiment"}, "hypothesis": {"Kept as typed"},
					"control_version_id": {strconv.FormatInt(w.control, 10)}, "treatment_version_id": {strconv.FormatInt(w.treatment, 10)},
					"primary_name": {"conversion"}, "primary_kind": {"proportion"}, "primary_direction": {"up"}})
				if r.StatusCode != http.StatusBadRequest {
					t.Fatalf("got %d, want 400", r.StatusCode)
				}
				wantShown(t, r, "experiment form", user.want, `value="typed-exp"`, "Kept as typed")
				if after := f.experimentCounts(); after != before {
					t.Errorf("refused experiment wrote: %s, want %s", after, before)
				}
			})
		}
	}

	// The same forms with the use case's ID save.
	c, csrf, _ := f.signIn(admin, time.Hour)
	id := strconv.FormatInt(w.uc.ID, 10)
	if r := f.postForm(c, "/models", url.Values{"csrf_token": {csrf}, "use_case_id": {id}, "key": {"typed-key"}, "name": {"Typed name"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("model with use case %s: got %d, want 303", id, r.StatusCode)
	}
}
