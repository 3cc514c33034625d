package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// The model card from the shell: a version added with its whole card
// (a JSON file, flags over it), changed field by field (the rest kept),
// shown as text and JSON; every bad file or flag refused with a message
// naming what is wrong, the stored card left as it was.
func TestModelCardCLI(t *testing.T) {
	_, do := withUseCase(t)
	mustRun(t, do, []string{"user", "add", "--email", "ai@example.com", "--role", "ai_team", "--password", "correct horse battery"})
	if code, _, stderr := do("model", "add", "--use-case", "1", "--key", "pdm", "--name", "Failure predictor"); code != 0 {
		t.Fatalf("model add: %s", stderr)
	}
	file := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	card := file("card.json", `{"intended_use":"Predict line failures 48 h ahead.","out_of_scope_use":"Safety interlocks.",
		"training_data":"Two years of sensor logs.","evaluation_metrics":{"alert_accuracy":0.95,"recall":0.9},
		"limitations":"Not trained on press-g2.","ethical_considerations":"None beyond downtime."}`)
	stored := func(version string) lodestar.ModelVersion {
		t.Helper()
		code, out, errs := do("model", "show", "--key", "pdm", "--version", version, "--format", "json")
		var v lodestar.ModelVersion
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
			t.Fatalf("model show %s: exit %d, %q %q", version, code, out, errs)
		}
		return v
	}

	if code, out, errs := do("model", "version", "--key", "pdm", "--version", "2.0", "--card", card, "--metric", "recall=0.93", "--metric", "auc=0.97"); code != 0 || !strings.Contains(out, "added pdm 2.0") {
		t.Fatalf("version with card: exit %d %q %q", code, out, errs)
	}
	v := stored("2.0")
	want := lodestar.CardMetrics{"alert_accuracy": 0.95, "recall": 0.93, "auc": 0.97}
	if v.Card.IntendedUse != "Predict line failures 48 h ahead." || v.Card.TrainingData != "Two years of sensor logs." ||
		v.Card.EthicalConsiderations != "None beyond downtime." || len(v.Card.EvaluationMetrics) != 3 ||
		v.Card.EvaluationMetrics["recall"] != want["recall"] || v.Card.EvaluationMetrics["auc"] != want["auc"] {
		t.Errorf("card from file and flags: %+v", v.Card)
	}

	// One field changed, one metric removed: the rest kept.
	if code, out, errs := do("model", "card", "--key", "pdm", "--version", "2.0", "--limitations", "Retrained on press-g2.", "--metric", "auc=", "--as", "ai@example.com"); code != 0 || !strings.Contains(out, "updated the model card of pdm 2.0") {
		t.Fatalf("card: exit %d %q %q", code, out, errs)
	}
	v = stored("2.0")
	if v.Card.Limitations != "Retrained on press-g2." || v.Card.IntendedUse != "Predict line failures 48 h ahead." || v.Card.OutOfScopeUse != "Safety interlocks." {
		t.Errorf("card after --limitations: %+v", v.Card)
	}
	if _, has := v.Card.EvaluationMetrics["auc"]; has || v.Card.EvaluationMetrics["alert_accuracy"] != 0.95 {
		t.Errorf("metrics after auc=: %v", v.Card.EvaluationMetrics)
	}
	before := v.Card

	code, out, _ := do("model", "show", "--key", "pdm", "--version", "2.0")
	for _, s := range []string{"pdm 2.0", "development", "Intended use:\n  Predict line failures 48 h ahead.", "Limitations:\n  Retrained on press-g2.", "alert_accuracy = 0.95"} {
		if code != 0 || !strings.Contains(out, s) {
			t.Errorf("model show text: exit %d, %q lacks %q", code, out, s)
		}
	}
	if code, out, _ := do("model", "show", "--key", "pdm"); code != 0 || !strings.Contains(out, "pdm: Failure predictor") || !strings.Contains(out, "2.0") || !strings.Contains(out, "Predict line failures") {
		t.Errorf("model show: exit %d %q", code, out)
	}

	big := file("big.json", `{"limitations":"`+strings.Repeat("x", maxCardFile)+`"}`)
	long := file("long.json", `{"limitations":"`+strings.Repeat("x", 20001)+`"}`)
	for _, c := range []struct {
		args   []string
		code   int
		errHas string
	}{
		{[]string{"--card", file("bad.json", `{"intended_use": "x",}`)}, 1, "malformed JSON at byte"},
		{[]string{"--card", file("unknown.json", `{"intended_uses": "x"}`)}, 1, `unknown.json: unknown field "intended_uses"; a card's fields are intended_use, out_of_scope_use, training_data, evaluation_metrics, limitations, ethical_considerations` + "\n"},
		{[]string{"--card", file("type.json", `{"evaluation_metrics": {"auc": "high"}}`)}, 1, "evaluation_metrics must map each metric's name to a number (found a string)"},
		{[]string{"--card", file("text.json", `{"limitations": 3}`)}, 1, "limitations must be a string (found a number)"},
		{[]string{"--card", file("null.json", `{"evaluation_metrics": {"auc": null}}`)}, 1, "auc"},
		{[]string{"--card", file("empty.json", ``)}, 1, "is empty"},
		{[]string{"--card", file("two.json", `{} {}`)}, 1, "text after"},
		{[]string{"--card", big}, 1, "larger than"},
		{[]string{"--card", t.TempDir()}, 1, "is a directory"},
		{[]string{"--card", filepath.Join(t.TempDir(), "missing.json")}, 1, "no such file"},
		{[]string{"--card", long}, 1, "card.limitations"},
		{[]string{"--metric", "auc"}, 2, "want NAME=VALUE"},
		{[]string{"--metric", "auc=NaN"}, 2, "not a finite number"},
		{[]string{"--metric", "auc=1", "--metric", "auc=2"}, 2, "given twice"},
		{[]string{"--metric", "=1"}, 2, "want NAME=VALUE"},
		{nil, 2, "a card flag"},
	} {
		args := append([]string{"model", "card", "--key", "pdm", "--version", "2.0", "--as", "ai@example.com"}, c.args...)
		code, _, errs := do(args...)
		if code != c.code || !strings.Contains(errs, c.errHas) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", c.args, code, errs, c.code, c.errHas)
		}
		if got := stored("2.0").Card; got.Limitations != before.Limitations || len(got.EvaluationMetrics) != len(before.EvaluationMetrics) {
			t.Fatalf("%v changed the card: %+v", c.args, got)
		}
	}
	for _, c := range []struct {
		args   []string
		code   int
		errHas string
	}{
		{[]string{"model", "show", "--key", "pdm", "--version", "9.9"}, 1, `no version "9.9"`},
		{[]string{"model", "show", "--key", "nope"}, 1, "no model with key"},
		{[]string{"model", "show", "--key", "pdm", "--format", "yaml"}, 2, "text or json"},
		{[]string{"model", "show"}, 2, "--key is required"},
		{[]string{"model", "version", "--key", "pdm", "--version", "3.0", "--card", file("u.json", `{"limits":"x"}`)}, 1, `unknown field "limits"`},
	} {
		if code, _, errs := do(c.args...); code != c.code || !strings.Contains(errs, c.errHas) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", c.args, code, errs, c.code, c.errHas)
		}
	}
	if code, out, _ := do("model", "show", "--key", "pdm"); code != 0 || strings.Contains(out, "3.0") {
		t.Errorf("a refused version was added: %q", out)
	}
	if code, out, _ := do("audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Errorf("audit verify: exit %d %s", code, out)
	}
}
