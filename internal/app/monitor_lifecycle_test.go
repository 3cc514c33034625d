package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMonitorFormDatesInclusive: the health page's event-range dates read
// as a person reads them, both days included — from 5 Jan to 5 Jan is
// that day (before, refused "start before end"), and its "to" day's
// events are in the reference — and "Evaluate now" takes an optional day
// to recompute from; a bad day is refused, nothing evaluated.
func TestMonitorFormDatesInclusive(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Churn", "churn", "Churn")
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 20 {
		batch.WriteString(eventLine(fmt.Sprintf("e%d", i), t0.Add(time.Duration(i)*time.Hour), "1.0", float64(i), "red", 0.4, i%2) + "\n")
	}
	if r := f.ndjson("/api/v1/models/churn/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 20 {
		t.Fatalf("ingest: %s", r.body)
	}
	c, csrf, _ := f.signIn(team, time.Hour)
	health := fmt.Sprintf("/models/%d/health", m.ID)
	r := f.postForm(c, fmt.Sprintf("/models/%d/monitors", m.ID), url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, health)},
		"version": {"1.0"}, "name": {"one day"}, "window": {"day"}, "drift": {"on"},
		"reference_kind": {"events"}, "reference_from": {"2026-01-05"}, "reference_to": {"2026-01-05"}, "alert_after": {"1"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("from 5 Jan to 5 Jan: got %d %s, want 303", r.StatusCode, r.body)
	}
	mons, err := f.app.Store.ListMonitors(sys(), m.ID)
	if err != nil || len(mons) != 1 {
		t.Fatalf("monitors: %d, %v", len(mons), err)
	}
	mon := mons[0]
	if !mon.Reference.From.Equal(t0) || !mon.Reference.To.Equal(t0.AddDate(0, 0, 1)) {
		t.Errorf("reference %s – %s; want %s – %s (the whole of 5 Jan)", mon.Reference.From, mon.Reference.To, t0, t0.AddDate(0, 0, 1))
	}
	page := f.get(c, health)
	if !strings.Contains(page.body, "Both dates are included") {
		t.Errorf("the health page does not say the dates are included")
	}

	evaluate := func(from string) *response {
		return f.postForm(c, fmt.Sprintf("/monitors/%d/evaluate", mon.ID), url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, health)}, "from": {from}})
	}
	if r := evaluate("5 Jan"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad from: got %d, want 400", r.StatusCode)
	}
	if got, err := f.app.Store.FindMonitorByID(sys(), mon.ID); err != nil || !got.EvaluatedTo.IsZero() {
		t.Errorf("after a refused evaluation: evaluated to %v (%v); want never", got.EvaluatedTo, err)
	}
	if r := evaluate(""); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("evaluate now: got %d %s", r.StatusCode, r.body)
	}
	if r := evaluate("2026-01-05"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("evaluate from 5 Jan: got %d %s", r.StatusCode, r.body)
	}
}

// TestIngestSaysRetiredVersions: events sent for a retired version are
// stored, but its monitors are not evaluated: the ingest answer says so
// (retired_versions, as unregistered_versions), empty otherwise.
func TestIngestSaysRetiredVersions(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team, lodestar.ScopeIngest)
	m := f.model("Recommendations", "recommender", "Recommender")
	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	send := func(id string) lodestar.IngestResult {
		t.Helper()
		r := f.ndjson("/api/v1/models/recommender/events", tok, eventLine(id, t0, "1.0", 1, "red", 0.9, 1)+"\n"+eventLine(id+"b", t0.Add(time.Minute), "1.0", 1, "red", 0.9, 1))
		if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `"retired_versions":[`) {
			t.Fatalf("ingest: %d %s", r.StatusCode, r.body)
		}
		return decodeInto[lodestar.IngestResult](t, r)
	}
	if res := send("a"); len(res.Retired) != 0 {
		t.Errorf("a version in development: retired_versions %+v; want none", res.Retired)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction, lodestar.ModelRetired} {
		if _, err := f.app.Store.SetModelVersionStatus(sys(), v.ID, st, "walk"); err != nil {
			t.Fatal(err)
		}
	}
	res := send("c")
	if res.Accepted != 2 || len(res.Retired) != 1 || res.Retired[0].Version != "1.0" || res.Retired[0].Events != 2 || !res.Retired[0].LastEventAt.Equal(t0.Add(time.Minute)) {
		t.Errorf("a retired version: accepted %d, retired_versions %+v; want 2 and 1.0 with 2 events, the last at %s", res.Accepted, res.Retired, t0.Add(time.Minute))
	}
}
