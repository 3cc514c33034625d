package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestEventReferenceTakesFeatures: a monitor whose reference is a range
// of the model's own events, made on the form (which has no place to name
// features), takes its features from those events — numeric when every
// value is a number — so drift and data quality are judged; before, it
// had none, and its drift alert, checked by default, never judged
// anything ("Features: 0 numeric, 0 categorical"). A range with no events
// yet and drift on is refused saying so, in both languages.
func TestEventReferenceTakesFeatures(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Churn", "churn", "Churn")
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 200 {
		x, colour := float64(i%50), []string{"red", "blue"}[i%2]
		at := t0.Add(time.Duration(i) * time.Minute)
		if i >= 100 { // the next day: x shifted far beyond the reference's
			x, at = 500+x, t0.Add(24*time.Hour+time.Duration(i)*time.Minute)
		}
		batch.WriteString(eventLine(fmt.Sprintf("e%d", i), at, "1.0", x, colour, 0.4, i%2) + "\n")
	}
	if r := f.ndjson("/api/v1/models/churn/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 200 {
		t.Fatalf("ingest: %s", r.body)
	}
	c, csrf, _ := f.signIn(team, time.Hour)
	health := fmt.Sprintf("/models/%d/health", m.ID)
	post := func(name, from, to string) *response {
		return f.postForm(c, fmt.Sprintf("/models/%d/monitors", m.ID), url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, health)},
			"version": {"1.0"}, "name": {name}, "window": {"day"}, "drift": {"on"}, "data_quality": {"on"},
			"reference_kind": {"events"}, "reference_from": {from}, "reference_to": {to}, "alert_after": {"1"}})
	}
	for lang, want := range map[string]string{
		"en":    "This range holds no events of version 1.0 yet to take the features from: choose a range with events, or turn drift and data quality off.",
		"zh-CN": "该时间范围内还没有版本 1.0 的事件，无法从中取得特征：请选择有事件的范围，或关闭漂移和数据质量告警。",
	} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		r := post("empty "+lang, "2025-01-01", "2025-02-01")
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: an empty range: got %d, want 400", lang, r.StatusCode)
		}
		wantShown(t, r, lang, want)
	}
	if n := f.count("monitors"); n != 0 {
		t.Fatalf("refused monitors were stored: %d", n)
	}
	if r := post("vs day one", "2026-01-05", "2026-01-05"); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("a range with events: got %d %s, want 303", r.StatusCode, r.body)
	}
	mons, err := f.app.Store.ListMonitors(sys(), m.ID)
	if err != nil || len(mons) != 1 {
		t.Fatalf("monitors: %d, %v", len(mons), err)
	}
	mon := mons[0]
	if !slices.Equal(mon.Numeric, []string{"x"}) || !slices.Equal(mon.Categorical, []string{"colour"}) {
		t.Fatalf("features: numeric %v, categorical %v; want x and colour", mon.Numeric, mon.Categorical)
	}
	ev, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(72*time.Hour), time.Time{})
	if err != nil || len(ev.Windows) != 2 {
		t.Fatalf("evaluate: %v, %+v", err, ev)
	}
	last := ev.Windows[1]
	if !last.DatasetDrift || !slices.Contains(last.Breaches, "drift") || !slices.Contains(last.Breaches, "data_quality") {
		t.Errorf("the shifted day: drift %v, breaches %v; want drift and data quality judged and breached", last.DatasetDrift, last.Breaches)
	}
	if first := ev.Windows[0]; first.DatasetDrift || len(first.Breaches) != 0 {
		t.Errorf("the reference's own day: drift %v, breaches %v; want none", first.DatasetDrift, first.Breaches)
	}
}
