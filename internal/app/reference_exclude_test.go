package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestReferenceColumnsNotFeatures: a training sample holds the target
// column (here "churned") beside the features. Named among the columns
// that are not features — exclude over the API, a text field on the form
// — it is left out, so windows of events (which never carry it) report no
// 100%-missing feature and no data-quality alert opens; before, every
// column but a few reserved names became a feature and the alert opened
// on the first window. A name the file does not have is refused, by the
// API and on the form in both languages, and nothing is stored.
func TestReferenceColumnsNotFeatures(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Churn", "churn", "Churn")
	var ref strings.Builder
	ref.WriteString("tenure,plan,churned\n")
	for i := range 100 {
		fmt.Fprintf(&ref, "%d,%s,%d\n", 10+i, []string{"free", "plus"}[i%2], i%3/2)
	}
	body := func(exclude ...string) []byte {
		b, _ := json.Marshal(map[string]any{"version": "1.0", "name": "DQ " + strings.Join(exclude, ","), "window": "hour",
			"thresholds": map[string]any{"data_quality": true}, "exclude": exclude,
			"reference": map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": ref.String()}})
		return b
	}
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, string(body("churn")))
	if d := wantAPIError(t, r, 400, lodestar.EInvalid); !strings.Contains(d.Fields["exclude"], `"churn"`) {
		t.Errorf("an unknown column to leave out: fields %v, want exclude naming it", d.Fields)
	}
	if n := f.count("monitors"); n != 0 {
		t.Fatalf("a refused monitor was stored: %d", n)
	}
	mon := f.postMonitor(tok, m.ID, body("churned"))
	if !slices.Equal(mon.Numeric, []string{"tenure"}) || !slices.Equal(mon.Categorical, []string{"plan"}) {
		t.Fatalf("features: numeric %v, categorical %v; want tenure and plan", mon.Numeric, mon.Categorical)
	}
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 60 {
		fmt.Fprintf(&batch, `{"id":"e%d","time":%q,"version":"1.0","features":{"tenure":%d,"plan":%q},"prediction":0.3}`+"\n",
			i, t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), 20+i, []string{"free", "plus"}[i%2])
	}
	if r := f.ndjson("/api/v1/models/churn/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 60 {
		t.Fatalf("ingest: %s", r.body)
	}
	ev, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(time.Hour+time.Minute), time.Time{})
	if err != nil || len(ev.Windows) != 1 {
		t.Fatalf("evaluate: %v, %+v", err, ev)
	}
	if w := ev.Windows[0]; len(w.Breaches) != 0 || len(w.Quality) != 2 || w.Metrics["max_missing_increase"] != 0 {
		t.Errorf("window: breaches %v, %d features' quality, metrics %v; want no breach over tenure and plan", w.Breaches, len(w.Quality), w.Metrics)
	}
	if alerts, _ := f.app.Store.ListAlerts(sys(), m.ID, true); len(alerts) != 0 {
		t.Errorf("alerts: %+v, want none", alerts)
	}

	// The form: the column named in the text field is left out; a name
	// the file lacks is refused under the field, in either language.
	c, csrf, _ := f.signIn(team, time.Hour)
	health := fmt.Sprintf("/models/%d/health", m.ID)
	post := func(name, exclude string, lang string) *response {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		return f.postMultipart(c, fmt.Sprintf("/models/%d/monitors", m.ID), importPart{name: "csrf_token", value: csrf},
			importPart{name: "form_id", value: pageFormID(t, f, c, health)}, importPart{name: "version", value: "1.0"},
			importPart{name: "name", value: name}, importPart{name: "window", value: "day"}, importPart{name: "data_quality", value: "on"},
			importPart{name: "reference_kind", value: "dataset"}, importPart{name: "exclude", value: exclude},
			importPart{name: "reference", filename: "train.csv", value: ref.String()})
	}
	for lang, want := range map[string]string{
		"en":    `The reference dataset has no column "label_col".`,
		"zh-CN": `参照数据集没有名为 "label_col" 的列。`,
	} {
		r := post("form "+lang, "label_col", lang)
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: an unknown column: got %d, want 400", lang, r.StatusCode)
		}
		wantShown(t, r, lang, want, `name="exclude" value="label_col"`)
	}
	if r := post("form", " churned ", "en"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("form: got %d %s, want 303", r.StatusCode, r.body)
	}
	mons, err := f.app.Store.ListMonitors(sys(), m.ID)
	if err != nil || len(mons) != 2 {
		t.Fatalf("monitors: %d, %v; want 2", len(mons), err)
	}
	for _, mo := range mons {
		if slices.Contains(mo.Numeric, "churned") || slices.Contains(mo.Categorical, "churned") {
			t.Errorf("monitor %q takes churned as a feature: %v %v", mo.Name, mo.Numeric, mo.Categorical)
		}
	}
}
