package app_test

import (
	"math"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestIngestBooleanLabels: a label sent as JSON true or false is decided
// by its event's version, not its model: taken (stored as sent) for a
// version whose monitors read it — a binary monitor's 1 or 0, a
// multiclass monitor with a class named true/false (any letter case) or
// 1/0, or no monitor yet — and refused, line by line with a reason in
// English or Chinese naming the version (and a multiclass monitor's
// classes), for a version with a regression monitor or a multiclass one
// with no such class; the batch's other lines, other versions' booleans
// included, are stored. With the event or later on the labels endpoint,
// alike; a version that gains a regression monitor refuses them from
// then on. On both databases.
func TestIngestBooleanLabels(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) { ingestBooleanLabels(t, startOn(t, testdb.OpenDialect(t, d), fixtureOpts{})) })
	}
}

func ingestBooleanLabels(t *testing.T, f *fixture) {
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	m := f.model("UC churn", "churn", "churn")
	monitors := map[string]lodestar.Monitor{
		"bin":   {Task: "binary"},
		"reg":   {Task: "regression"},
		"pets":  {Task: "multiclass", Classes: []string{"cat", "dog"}},
		"panda": {Task: "multiclass", Classes: []string{"False", "True"}},
		"fresh": {},
	}
	for v, mon := range monitors {
		if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: v}); err != nil {
			t.Fatal(err)
		}
		if mon.Task == "" {
			continue
		}
		mon.ModelID, mon.Version, mon.Name, mon.Window = m.ID, v, "M "+v, "hour"
		mon.Numeric, mon.Reference = []string{"x"}, lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}
		if _, err := f.app.Store.CreateMonitor(sys(), mon, []byte("x\n1\n")); err != nil {
			t.Fatal(err)
		}
	}
	var lines []string
	for _, v := range []string{"bin", "reg", "pets", "panda", "fresh"} {
		pred := `0.9`
		if strings.HasPrefix(monitors[v].Task, "multi") {
			pred = `"` + monitors[v].Classes[0] + `"`
		}
		lines = append(lines,
			`{"id":"`+v+`-t","version":"`+v+`","prediction":`+pred+`,"label":true}`,
			`{"id":"`+v+`-f","version":"`+v+`","prediction":`+pred+`,"label":false}`,
			`{"id":"`+v+`-n","version":"`+v+`","prediction":`+pred+`}`)
	}
	res := decodeInto[lodestar.IngestResult](t, f.ndjson("/api/v1/models/churn/events", tok, strings.Join(lines, "\n")))
	if res.Accepted != 11 || len(res.Rejected) != 4 {
		t.Fatalf("events: %+v, want 11 accepted and reg's and pets' booleans (lines 4, 5, 7, 8) refused", res)
	}
	for i, want := range []struct {
		line int
		msg  string
	}{
		{4, `label: true or false is a classification label, and version "reg" has a regression monitor, whose labels are numbers`},
		{5, `label: true or false is a classification label, and version "reg" has a regression monitor, whose labels are numbers`},
		{7, `label: version "pets"'s multiclass monitor "M pets" has no class for true (its classes: "cat", "dog"); true is read as a class named true or 1, false as one named false or 0`},
		{8, `label: version "pets"'s multiclass monitor "M pets" has no class for false (its classes: "cat", "dog"); true is read as a class named true or 1, false as one named false or 0`},
	} {
		if le := res.Rejected[i]; le.Line != want.line || le.Message != want.msg {
			t.Errorf("refused %d: line %d %q, want line %d %q", i, le.Line, le.Message, want.line, want.msg)
		}
	}
	for id, want := range map[string]string{"bin-t": "true", "bin-f": "false", "panda-t": "true", "panda-f": "false", "fresh-t": "true", "fresh-f": "false"} {
		if got, err := storedLabel(f.app.Store, "churn", id); err != nil || got != want {
			t.Errorf("%s: label %q (%v), want %s", id, got, err, want)
		}
	}

	// Later, on the labels endpoint: decided by each event's version.
	labels := strings.Join([]string{
		`{"id":"bin-n","label":false}`,
		`{"id":"reg-n","label":true}`,
		`{"id":"reg-n","label":2.5}`,
		`{"id":"pets-n","label":true}`,
		`{"id":"pets-n","label":"dog"}`,
		`{"id":"panda-n","label":true}`,
		`{"id":"fresh-n","label":false}`,
		`{"id":"nosuch","label":true}`,
	}, "\n")
	r := f.ndjsonIn("zh-CN", "/api/v1/models/churn/labels", tok, labels)
	lr := decodeInto[lodestar.LabelResult](t, r)
	if lr.Updated != 5 || len(lr.Unknown) != 1 || lr.Unknown[0].Line != 8 || len(lr.Rejected) != 2 ||
		lr.Rejected[0].Line != 2 || !strings.Contains(lr.Rejected[0].Message, `版本 "reg" 有回归监控`) ||
		lr.Rejected[1].Line != 4 || !strings.Contains(lr.Rejected[1].Message, `版本 "pets" 的多分类监控 "M pets" 没有对应 true 的类别（其类别："cat", "dog"）`) {
		t.Fatalf("labels in Chinese: %s, want 5 updated, nosuch unknown, lines 2 and 4 refused in Chinese", r.body)
	}
	for id, want := range map[string]string{"bin-n": "false", "reg-n": "2.5", "pets-n": `"dog"`, "panda-n": "true", "fresh-n": "false"} {
		if got, err := storedLabel(f.app.Store, "churn", id); err != nil || got != want {
			t.Errorf("%s: label %q (%v), want %s", id, got, err, want)
		}
	}

	// fresh gains a regression monitor: its events' true and false are
	// refused from then on (those stored before are no label for it).
	if _, err := f.app.Store.CreateMonitor(sys(), lodestar.Monitor{ModelID: m.ID, Version: "fresh", Name: "Reg", Task: "regression", Window: "hour",
		Numeric: []string{"x"}, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}, []byte("x\n1\n")); err != nil {
		t.Fatal(err)
	}
	lr = decodeInto[lodestar.LabelResult](t, f.ndjson("/api/v1/models/churn/labels", tok, `{"id":"fresh-t","label":false}`+"\n"+`{"id":"bin-f","label":true}`))
	if lr.Updated != 1 || len(lr.Rejected) != 1 || lr.Rejected[0].ID != "fresh-t" || !strings.Contains(lr.Rejected[0].Message, `version "fresh" has a regression monitor`) {
		t.Errorf("after fresh's regression monitor: %+v, want fresh-t refused, bin-f updated", lr)
	}
	if got, _ := storedLabel(f.app.Store, "churn", "fresh-t"); got != "true" {
		t.Errorf("fresh-t: label %q, want true kept", got)
	}

	// The monitors read what was kept: bin's true, false made true and
	// later false against scores of 0.9 (two right of three); panda's True, False and
	// later true against class "False" (one right of three); fresh's new
	// regression monitor reads no boolean as a label.
	t0 := time.Now().UTC()
	ms, err := f.app.Store.ListMonitors(sys(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, mon := range ms {
		want := map[string][2]float64{"M bin": {3, 2.0 / 3}, "M panda": {3, 1.0 / 3}, "Reg": {0, -1}}[mon.Name]
		if want == [2]float64{} {
			continue
		}
		ev, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(2*time.Hour), time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var labelled int64
		acc := -1.0
		for _, w := range ev.Windows {
			labelled += w.Labelled
			if a, ok := w.Metrics["accuracy"]; ok && w.Labelled > 0 {
				acc = a
			}
		}
		if float64(labelled) != want[0] || want[1] >= 0 && math.Abs(acc-want[1]) > 1e-12 {
			t.Errorf("%s: %d labelled, accuracy %v; want %v and %v", mon.Name, labelled, acc, want[0], want[1])
		}
	}
}
