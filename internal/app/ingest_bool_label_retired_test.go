package app_test

import (
	"math"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestIngestBooleanLabelsRetiredVersion: a retired version's monitors
// decide its events' true and false labels as an active version's do. The
// server no longer evaluates them, but a recomputation asked for (evaluate
// with from) reads its labels for its history: so its regression monitor
// refuses them — with the event or later, the same reason as an active
// version's — and its binary monitor takes them and reads them when
// recomputed. On both databases.
func TestIngestBooleanLabelsRetiredVersion(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) { ingestBooleanLabelsRetired(t, startOn(t, testdb.OpenDialect(t, d), fixtureOpts{})) })
	}
}

func ingestBooleanLabelsRetired(t *testing.T, f *fixture) {
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	m := f.model("UC loans", "loans", "loans")
	monitorOf := map[string]int64{}
	versionOf := map[string]int64{}
	for v, task := range map[string]string{"reg1": "regression", "bin1": "binary", "reg2": "regression"} {
		mv, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: v})
		if err != nil {
			t.Fatal(err)
		}
		versionOf[v] = mv.ID
		mon, err := f.app.Store.CreateMonitor(sys(), lodestar.Monitor{ModelID: m.ID, Version: v, Name: "M " + v, Task: task, Window: "hour",
			Numeric: []string{"x"}, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}, []byte("x\n1\n"))
		if err != nil {
			t.Fatal(err)
		}
		monitorOf[v] = mon.ID
	}
	t0 := time.Now().UTC()
	events := `{"id":"reg1-a","version":"reg1","prediction":3.5}` + "\n" + `{"id":"bin1-a","version":"bin1","prediction":0.9}`
	if res := decodeInto[lodestar.IngestResult](t, f.ndjson("/api/v1/models/loans/events", tok, events)); res.Accepted != 2 {
		t.Fatalf("events before retirement: %+v", res)
	}
	for _, v := range []string{"reg1", "bin1"} {
		if _, err := f.app.Store.SetModelVersionStatus(sys(), versionOf[v], lodestar.ModelRetired, "replaced"); err != nil {
			t.Fatal(err)
		}
	}

	// With the event: reg1's refused as reg2's (active) is; bin1's taken.
	events = strings.Join([]string{
		`{"id":"reg1-b","version":"reg1","prediction":3.5,"label":true}`,
		`{"id":"bin1-b","version":"bin1","prediction":0.9,"label":true}`,
		`{"id":"reg2-b","version":"reg2","prediction":3.5,"label":false}`,
	}, "\n")
	res := decodeInto[lodestar.IngestResult](t, f.ndjson("/api/v1/models/loans/events", tok, events))
	regRefusal := func(v string) string {
		return `label: true or false is a classification label, and version "` + v + `" has a regression monitor, whose labels are numbers`
	}
	if res.Accepted != 1 || len(res.Rejected) != 2 || res.Rejected[0].Line != 1 || res.Rejected[0].Message != regRefusal("reg1") ||
		res.Rejected[1].Line != 3 || res.Rejected[1].Message != regRefusal("reg2") ||
		len(res.Retired) != 1 || res.Retired[0].Version != "bin1" {
		t.Fatalf("events of retired versions: %+v; want reg1's and reg2's lines refused alike, bin1's stored (and listed retired)", res)
	}

	// Later, on the labels endpoint, in Chinese.
	labels := strings.Join([]string{
		`{"id":"reg1-a","label":true}`,
		`{"id":"bin1-a","label":false}`,
		`{"id":"reg1-a","label":4}`,
	}, "\n")
	r := f.ndjsonIn("zh-CN", "/api/v1/models/loans/labels", tok, labels)
	lr := decodeInto[lodestar.LabelResult](t, r)
	if lr.Updated != 2 || len(lr.Rejected) != 1 || lr.Rejected[0].Line != 1 || !strings.Contains(lr.Rejected[0].Message, `版本 "reg1" 有回归监控`) {
		t.Fatalf("labels of retired versions: %s; want reg1-a's true refused in Chinese, bin1-a's false and reg1-a's 4 stored", r.body)
	}
	for id, want := range map[string]string{"reg1-a": "4", "bin1-a": "false", "bin1-b": "true"} {
		if got, err := storedLabel(f.app.Store, "loans", id); err != nil || got != want {
			t.Errorf("%s: label %q (%v), want %s", id, got, err, want)
		}
	}

	// A recomputation of the retired versions' monitors reads them: bin1's
	// false and true against scores of 0.9 (one right of two), reg1's 4.
	for v, want := range map[string]int64{"bin1": 2, "reg1": 1} {
		ev, err := f.app.Monitoring.Evaluate(sys(), monitorOf[v], t0.Add(2*time.Hour), t0.Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var labelled int64
		right := 0.0 // accuracy × labelled, over the windows (an hour may end between the events)
		for _, w := range ev.Windows {
			labelled += w.Labelled
			right += w.Metrics["accuracy"] * float64(w.Labelled)
		}
		acc := right / float64(max(labelled, 1))
		if labelled != want || v == "bin1" && math.Abs(acc-0.5) > 1e-12 {
			t.Errorf("%s recomputed: %d labelled, accuracy %v; want %d labelled (bin1: accuracy 0.5)", v, labelled, acc, want)
		}
	}
}
