package app_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAlertsSayTheirVersion: during a canary the stable version and the
// canary of one model are monitored and both alert. The API's alerts, the
// alerts page and the model's health page say which version each alert is
// about (English and Chinese); they named only the monitor, so the on-call
// engineer had to look it up to know which version to roll back.
func TestAlertsSayTheirVersion(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	ids := f.records("stable") // model version v-stable, its monitor, an open alert
	ctx, st := sys(), f.app.Store
	canary, err := st.CreateModelVersion(ctx, ids["models"], lodestar.ModelVersion{Version: "9.9-canary"})
	if err != nil {
		t.Fatal(err)
	}
	mon, err := f.app.Monitoring.CreateMonitor(ctx, lodestar.Monitor{ModelID: ids["models"], Version: canary.Version, Name: "Canary watch",
		Window: lodestar.WindowHour, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}},
		[]byte("x,colour\n1,red\n2,blue\n"), "ref.csv")
	if err != nil {
		t.Fatal(err)
	}
	ev := &lodestar.Evaluation{Opened: []*lodestar.Alert{{Kind: "volume", Value: 1, Threshold: 10, Message: "canary", OpenedAt: f.clock.Now()}}}
	if err := st.SaveEvaluation(ctx, mon.ID, f.clock.Now().Truncate(time.Hour), ev); err != nil {
		t.Fatal(err)
	}
	stableAlert, canaryAlert := ids["alerts"], ev.Opened[0].ID
	want := map[int64]string{stableAlert: "v-stable", canaryAlert: "9.9-canary"}

	// The API: each alert's version, as the OpenAPI document requires.
	_, tok := f.token(admin)
	type alertsPage struct {
		Data []struct {
			ID      int64   `json:"id"`
			Version *string `json:"version"`
		} `json:"data"`
	}
	page := fromJSON[alertsPage](t, f.apiOK("GET", fmt.Sprintf("/api/v1/alerts?model_id=%d", ids["models"]), tok, "", 200))
	if len(page.Data) != 2 {
		t.Fatalf("API: %d alerts, want 2", len(page.Data))
	}
	for _, a := range page.Data {
		if a.Version == nil || *a.Version != want[a.ID] {
			t.Errorf("API: alert %d has version %v, want %q", a.ID, a.Version, want[a.ID])
		}
	}

	// The OpenAPI document says so: a client generated from it has the
	// version on every alert.
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	required, _ := dig(doc, "components", "schemas", "Alert", "required").([]any)
	if !slices.Contains(required, any("version")) {
		t.Errorf("OpenAPI: the Alert schema's required fields %v lack version", required)
	}
	if typ := dig(doc, "components", "schemas", "Alert", "properties", "version", "type"); typ != "string" {
		t.Errorf("OpenAPI: the Alert schema's version is of type %v, want string", typ)
	}

	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	if err := st.SetLocale(ctx, viewer.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	alertRow := func(body string, id int64) string {
		return regexp.MustCompile(fmt.Sprintf(`(?s)<tr id="alert-%d">.*?</tr>`, id)).FindString(body)
	}
	for _, c := range []struct {
		u       *lodestar.User
		version string
	}{{admin, "Version"}, {viewer, "版本"}} {
		cl, _, _ := f.signIn(c.u, time.Hour)
		body := f.get(cl, "/alerts").body
		for id, v := range want {
			r := alertRow(body, id)
			if !strings.Contains(r, `<div class="alert-version muted">`+c.version+" "+v+"</div>") {
				t.Errorf("%s: alerts page: the row of alert %d does not say %s %s:\n%s", c.u.Email, id, c.version, v, r)
			}
		}
		// The health page's alerts, each naming its version, linked to
		// the version's page.
		body = f.get(cl, fmt.Sprintf("/models/%d/health", ids["models"])).body
		table := regexp.MustCompile(`(?s)<table[^>]*id="health-alerts".*?</table>`).FindString(body)
		for id, v := range map[int64]int64{stableAlert: ids["model-versions"], canaryAlert: canary.ID} {
			link := fmt.Sprintf(`<div class="alert-version muted"><a href="/model-versions/%d">%s %s</a></div>`, v, c.version, want[id])
			if !strings.Contains(table, link) {
				t.Errorf("%s: health page: the alerts table lacks %s:\n%s", c.u.Email, link, table)
			}
		}
	}
}
