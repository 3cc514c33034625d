package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// A window's drift verdict is in the API: no_drift for a window whose
// features were tested and did not drift, undetermined for one with no
// feature to test — whose dataset_drift is false too, and whose
// drift_share is no finding — so a client need not read drift.tested to
// tell them apart.
func TestWindowDriftVerdict(t *testing.T) {
	f := start(t, fixtureOpts{})
	_, _, tok, mon, t0 := f.hourlyRecMonitor()
	t1 := t0.Add(time.Hour)
	var batch strings.Builder
	for i := range 10 {
		fmt.Fprintf(&batch, `{"id":"nf-%d","time":%q,"version":"1.0","features":{},"prediction":0.8,"label":1}`+"\n",
			i, t1.Add(time.Duration(i)*time.Minute).Format(time.RFC3339))
	}
	if r := f.ndjson("/api/v1/models/rec/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 10 {
		t.Fatalf("ingest: %s", r.body)
	}
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t1.Add(time.Hour+time.Minute), time.Time{}); err != nil {
		t.Fatal(err)
	}
	r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d/windows", mon.ID), tok, "")
	var wp struct {
		Data []struct {
			Events       int64  `json:"events"`
			DatasetDrift bool   `json:"dataset_drift"`
			DriftVerdict string `json:"drift_verdict"`
			Drift        struct {
				Tested int `json:"tested"`
			} `json:"drift"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.body), &wp); err != nil || len(wp.Data) != 2 {
		t.Fatalf("windows: %v %.300s", err, r.body)
	}
	if w := wp.Data[0]; w.Drift.Tested == 0 || w.DatasetDrift || w.DriftVerdict != lodestar.VerdictNoDrift {
		t.Errorf("a window with its features tested: tested %d, dataset_drift %v, drift_verdict %q; want some, false, no_drift", w.Drift.Tested, w.DatasetDrift, w.DriftVerdict)
	}
	if w := wp.Data[1]; w.Events != 10 || w.Drift.Tested != 0 || w.DatasetDrift || w.DriftVerdict != lodestar.VerdictUndetermined {
		t.Errorf("a window with no feature to test: events %d, tested %d, dataset_drift %v, drift_verdict %q; want 10, 0, false, undetermined", w.Events, w.Drift.Tested, w.DatasetDrift, w.DriftVerdict)
	}
}

// DriftVerdict reads the window's drift result: drift, no drift,
// undetermined with none tested (or a result it cannot read), and none —
// no drift_verdict in the JSON — without a result.
func TestDriftVerdictOfAWindow(t *testing.T) {
	for _, c := range []struct {
		drift   string
		dataset bool
		want    string
	}{
		{`{"tested":4,"drifted":3}`, true, lodestar.VerdictDrift},
		{`{"tested":4,"drifted":0}`, false, lodestar.VerdictNoDrift},
		{`{"tested":0,"drifted":0}`, false, lodestar.VerdictUndetermined},
		{`{"columns":[]}`, false, lodestar.VerdictUndetermined},
		{``, false, ""},
	} {
		w := &lodestar.WindowResult{Drift: json.RawMessage(c.drift), DatasetDrift: c.dataset}
		if got := w.DriftVerdict(); got != c.want {
			t.Errorf("%s: verdict %q, want %q", c.drift, got, c.want)
		}
		b, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		v, ok := back["drift_verdict"]
		if c.want == "" && ok || c.want != "" && v != c.want {
			t.Errorf("%s: JSON drift_verdict %v (present %v), want %q", c.drift, v, ok, c.want)
		}
		if back["dataset_drift"] != c.dataset || back["monitor_id"] != 0.0 {
			t.Errorf("%s: JSON lost the window's own fields: %s", c.drift, b)
		}
	}
}

// A monitor's JSON carries its version's status, so a client can tell a
// retired version's monitor (not evaluated) from a stalled one: the
// version's status as it changes, in the one monitor and the list.
func TestMonitorVersionStatus(t *testing.T) {
	f := start(t, fixtureOpts{})
	_, m, tok, mon, _ := f.hourlyRecMonitor()
	vs, err := f.app.Store.ListModelVersions(sys(), m.ID)
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions: %v %v", vs, err)
	}
	status := func() (one, listed string) {
		t.Helper()
		var got struct {
			VersionStatus string `json:"version_status"`
		}
		r := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d", mon.ID), tok, "")
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatalf("monitor: %v %.300s", err, r.body)
		}
		var list struct {
			Data []struct {
				ID            int64  `json:"id"`
				VersionStatus string `json:"version_status"`
			} `json:"data"`
		}
		r = f.api("GET", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, "")
		if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list.Data) != 1 || list.Data[0].ID != mon.ID {
			t.Fatalf("monitors: %v %.300s", err, r.body)
		}
		return got.VersionStatus, list.Data[0].VersionStatus
	}
	if one, listed := status(); one != lodestar.ModelDevelopment || listed != lodestar.ModelDevelopment {
		t.Errorf("a development version's monitor: version_status %q, listed %q", one, listed)
	}
	if _, err := f.app.Store.SetModelVersionStatus(sys(), vs[0].ID, lodestar.ModelRetired, "replaced"); err != nil {
		t.Fatal(err)
	}
	if one, listed := status(); one != lodestar.ModelRetired || listed != lodestar.ModelRetired {
		t.Errorf("a retired version's monitor: version_status %q, listed %q", one, listed)
	}
}
