package monitoring_test

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// datasetMonitor is a monitor of numeric feature x and categorical colour
// over an uploaded reference.
func (e *env) datasetMonitor(name, csv string) (*lodestar.Monitor, error) {
	svc := &monitoring.Service{Store: e.st}
	return svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: name, Task: "binary",
		Numeric: []string{"x"}, Categorical: []string{"colour"}, Window: "hour",
		Thresholds: lodestar.MonitorThresholds{DataQuality: true},
		Reference:  lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}, []byte(csv), "train.csv")
}

// Rows of an uploaded reference whose numeric feature is not a number are
// left out of the reference — not counted as missing values — and the
// monitor says how many and why the first was: when it is made, when it is
// read back, and its reference builds (it had failed whole, leaving a
// saved monitor that could never be evaluated).
func TestReferenceRowsLeftOutAreCounted(t *testing.T) {
	e := newEnv(t)
	var csv strings.Builder
	csv.WriteString("x,colour\n")
	for i := range 100 {
		fmt.Fprintf(&csv, "%g,red\n", float64(i)/100)
		switch i {
		case 0:
			csv.WriteString("abc,red\n") // line 3
		case 50:
			csv.WriteString(",blue\n") // blank: missing, not unreadable
		case 70:
			csv.WriteString("red-ish,blue\n") // text in x
		}
	}
	m, err := e.datasetMonitor("ref rows", csv.String())
	if err != nil {
		t.Fatal(err)
	}
	want := lodestar.MonitorReference{Kind: lodestar.ReferenceDataset, FileName: "train.csv", Format: "csv", Rows: 103,
		Unreadable: 2, UnreadableReason: `line 3: column "x": "abc" is not a number`}
	want.SHA256 = m.Reference.SHA256
	if !reflect.DeepEqual(m.Reference, want) {
		t.Errorf("reference: got %+v, want %+v", m.Reference, want)
	}
	stored, err := e.st.FindMonitorByID(e.ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored.Reference, m.Reference) {
		t.Errorf("stored reference: got %+v, want %+v", stored.Reference, m.Reference)
	}

	// An hour of 40 events, 16 without x: the reference it is held
	// against has one missing x in its 101 readable rows (3 in 103, were
	// the rows left out counted as missing).
	var evs []lodestar.StoredEvent
	for i := range 40 {
		at := e.t0.Add(time.Duration(i) * time.Minute)
		if i < 16 {
			evs = append(evs, evRaw(fmt.Sprint("q-", i), at, fmt.Sprintf(`{"id":"q-%d","version":"1","features":{"colour":"red"},"prediction":0.9,"label":1}`, i)))
		} else {
			evs = append(evs, ev(fmt.Sprint("q-", i), at, 0.5, 0.9, 1))
		}
	}
	e.add(t, evs...)
	svc := &monitoring.Service{Store: e.st}
	if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Hour+time.Minute), time.Time{}); err != nil {
		t.Fatalf("evaluate: %v (the reference should build from its readable rows)", err)
	}
	ws := since(mustWindows(t, e, m.ID), e.t0)
	if len(ws) != 1 {
		t.Fatalf("got %d windows, want 1", len(ws))
	}
	var x *lodestar.FeatureQuality
	for i := range ws[0].Quality {
		if ws[0].Quality[i].Feature == "x" {
			x = &ws[0].Quality[i]
		}
	}
	if x == nil || x.ReferenceMissingShare == nil || math.Abs(*x.ReferenceMissingShare-1.0/101) > 1e-12 {
		t.Fatalf("x's reference missing share: got %v, want 1/101 (the rows left out are not in the reference)", refMissing(x))
	}
}

// A reference none of whose rows can be read, or whose numeric feature
// has no number, is refused by name, and no monitor is kept.
func TestReferenceAllRowsUnreadableRefused(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ name, csv, want string }{
		{"every row", "x,colour\nabc,red\n??,blue\nnone,red\n",
			`No row of the reference dataset can be read (3 rows); the first: line 2: column "x": "abc" is not a number.`},
		{"no number", "x,colour\n,red\nNA,blue\n",
			`The reference dataset has no number in column "x", a numeric feature.`},
	} {
		_, err := e.datasetMonitor(c.name, c.csv)
		if lodestar.ErrorCode(err) != lodestar.EInvalid || lodestar.ErrorFields(err)["reference"] != c.want {
			t.Errorf("%s: got %v (fields %v), want the reference refused: %s", c.name, err, lodestar.ErrorFields(err), c.want)
		}
	}
	if ms, err := e.st.ListMonitors(e.ctx, e.model); err != nil || len(ms) != 0 {
		t.Errorf("monitors kept after refusals: %d (%v)", len(ms), err)
	}
}

func refMissing(q *lodestar.FeatureQuality) any {
	if q == nil || q.ReferenceMissingShare == nil {
		return nil
	}
	return *q.ReferenceMissingShare
}

// A refused reference file is named with every other bad field at once:
// a form sent back for its file alone came back again, file chosen anew,
// for its thresholds. A refused file's features are unknown, so the
// data-quality threshold is not said to lack them.
func TestRefusedReferenceNamesEveryField(t *testing.T) {
	e := newEnv(t)
	svc := &monitoring.Service{Store: e.st}
	for _, c := range []struct{ name, csv, field string }{
		{"no rows", "x,colour\n", "reference"},
		{"no column", "y\n1\n", "exclude"},
		{"unreadable", "x,colour\nabc,red\n", "reference"},
	} {
		in := lodestar.Monitor{ModelID: e.model, Version: "1", Name: "m", Window: "hour", WebhookURL: "ftp://hooks.example.com",
			Thresholds: lodestar.MonitorThresholds{MinAccuracy: 1.5, DataQuality: true},
			Reference:  lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}
		switch c.name {
		case "no column":
			in.Exclude = []string{"label"}
		case "unreadable":
			in.Numeric = []string{"x"}
		}
		_, err := svc.CreateMonitor(e.ctx, in, []byte(c.csv), "ref.csv")
		fields := lodestar.ErrorFields(err)
		if lodestar.ErrorCode(err) != lodestar.EInvalid || fields[c.field] == "" || fields["thresholds.min_accuracy"] == "" || fields["webhook_url"] == "" {
			t.Errorf("%s: got %v, fields %v; want %s, thresholds.min_accuracy and webhook_url named", c.name, err, fields, c.field)
		}
		if _, ok := fields["thresholds.data_quality"]; ok {
			t.Errorf("%s: the data-quality threshold is said to lack features the refused file was to give: %v", c.name, fields)
		}
	}
	if ms, err := e.st.ListMonitors(e.ctx, e.model); err != nil || len(ms) != 0 {
		t.Errorf("monitors kept after refusals: %d (%v)", len(ms), err)
	}
}
