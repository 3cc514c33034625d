package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// The health page shows the monitors of versions that still get events
// above those of retired versions — the live version's first, though it
// was made last — and otherwise in the order they were made.
func TestHealthLiveVersionFirst(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Recs", "rec", "Rec")
	v2, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "2.0"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(version, name string) lodestar.Monitor {
		body, _ := json.Marshal(map[string]any{"version": version, "name": name, "window": "hour",
			"reference": map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": "x,label\n1,1\n2,0\n3,1\n"}})
		return f.postMonitor(tok, m.ID, body)
	}
	old, cur := mk("1.0", "Watching one"), mk("2.0", "Watching two")
	c, _, _ := f.signIn(team, time.Hour)
	order := func() (int, int) {
		t.Helper()
		page := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), nil, nil)
		if page.StatusCode != 200 {
			t.Fatalf("health page: %d", page.StatusCode)
		}
		return strings.Index(page.body, fmt.Sprintf(`id="monitor-%d"`, old.ID)), strings.Index(page.body, fmt.Sprintf(`id="monitor-%d"`, cur.ID))
	}
	if o, c := order(); o < 0 || c < 0 || o > c {
		t.Errorf("neither version retired: 1.0's monitor at %d, 2.0's at %d; want both, in the order made", o, c)
	}
	vs, err := f.app.Store.ListModelVersions(sys(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Version == "1.0" {
			for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction, lodestar.ModelRetired} {
				if _, err := f.app.Store.SetModelVersionStatus(sys(), v.ID, st, "replaced"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
		if _, err := f.app.Store.SetModelVersionStatus(sys(), v2.ID, st, "retrained"); err != nil {
			t.Fatal(err)
		}
	}
	if o, c := order(); o < 0 || c < 0 || c > o {
		t.Errorf("1.0 retired: its monitor at %d, 2.0's at %d; want 2.0's first", o, c)
	}
}
