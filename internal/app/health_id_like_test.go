package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMonitorLeavesIDLikeFeatureUntested: a monitor's categorical
// feature nearly every value of which is distinct in the reference (a
// session ID) is not tested, as `lodestar drift` leaves such a column
// untested — it read as drifted in every window, its values being other
// ones — and the health page says why in both languages; the other
// features are judged as before.
func TestMonitorLeavesIDLikeFeatureUntested(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Churn", "churn", "Churn")
	var ref strings.Builder
	ref.WriteString("session,colour\n")
	for i := range 100 {
		fmt.Fprintf(&ref, "r%d,%s\n", i, []string{"red", "blue"}[i%2])
	}
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok,
		fmt.Sprintf(`{"version":"1.0","name":"M","window":"day","categorical":["session","colour"],"reference":{"kind":"dataset","csv":%q}}`, ref.String()))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	mon := decodeInto[lodestar.Monitor](t, r)
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 100 {
		fmt.Fprintf(&batch, `{"id":"e%d","time":%q,"version":"1.0","features":{"session":"w%d","colour":%q},"prediction":0.4,"label":%d}`+"\n",
			i, t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i, []string{"red", "blue"}[i%2], i%2)
	}
	if r := f.ndjson("/api/v1/models/churn/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 100 {
		t.Fatalf("ingest: %s", r.body)
	}
	ev, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(48*time.Hour), time.Time{})
	if err != nil || len(ev.Windows) != 1 {
		t.Fatalf("evaluate: %v, %+v", err, ev)
	}
	if w := ev.Windows[0]; w.DatasetDrift || w.DriftShare != 0 {
		t.Errorf("the same colours, new sessions: drift %v, share %g; want none (the sessions not tested)", w.DatasetDrift, w.DriftShare)
	}
	c, _, _ := f.signIn(team, time.Hour)
	for lang, want := range map[string]string{
		"en":    "id-like: 100 distinct values among 100 in the reference: not tested",
		"zh-CN": "类似标识符：参照中有 100 个不同取值，共 100 个值：未检验",
	} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		wantShown(t, f.get(c, fmt.Sprintf("/models/%d/health", m.ID)), lang, want)
	}
}
