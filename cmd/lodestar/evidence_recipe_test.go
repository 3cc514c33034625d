package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/evidence"
)

// TestEvidenceRecipesReproduce runs the commands the evidence pages show
// an auditor and checks they give the numbers the service stores for the
// same files.
func TestEvidenceRecipesReproduce(t *testing.T) {
	th := 0.5
	data, err := os.ReadFile(filepath.Join(fairnessTestdata, "scores.csv"))
	if err != nil {
		t.Fatal(err)
	}
	classes, err := os.ReadFile(filepath.Join(fairnessTestdata, "classes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		file   string
		data   []byte
		params lodestar.FairnessParams
	}{
		"score with bootstrap": {"scores.csv", data, lodestar.FairnessParams{GroupColumn: "group", LabelColumn: "#2", ScoreColumn: "score",
			Threshold: &th, Reference: "A", Bootstrap: 200, Seed: 11, Level: 0.9, Stratified: true}},
		"score with favourable negative": {"scores.csv", data, lodestar.FairnessParams{GroupColumn: "group", LabelColumn: "label", ScoreColumn: "score",
			Threshold: &th, Favourable: "negative", Bootstrap: 100, Seed: 5, Level: 0.95}},
		"classes with positive values": {"classes.csv", classes, lodestar.FairnessParams{GroupColumn: "group", LabelColumn: "label",
			PredictionColumn: "prediction", PositiveLabel: "1", Separator: "comma"}},
	} {
		t.Run(name, func(t *testing.T) {
			stored, _, err := evidence.Fairness(tc.file, tc.data, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(stored)
			path := writeFile(t, tc.file, string(tc.data))
			args := evidence.FairnessCLIArgs(path, tc.params)
			code, out, errOut := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
			var got map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			delete(got, "input")
			var wantMap map[string]json.RawMessage
			json.Unmarshal(want, &wantMap)
			for k, w := range wantMap {
				var a, b bytes.Buffer
				json.Compact(&a, got[k])
				json.Compact(&b, w)
				if a.String() != b.String() {
					t.Errorf("%s: the command gives %s, the service stores %s", k, a.String(), b.String())
				}
			}
		})
	}

	model, err := os.ReadFile(filepath.Join("..", "..", "internal", "engine", "explain", "testdata", "reglogistic.json"))
	if err != nil {
		t.Fatal(err)
	}
	sample, err := os.ReadFile(filepath.Join("..", "..", "internal", "engine", "explain", "testdata", "data.csv"))
	if err != nil {
		t.Fatal(err)
	}
	stored, _, err := evidence.Explain("m.json", model, "s.csv", sample, lodestar.ExplanationParams{RowsShown: 3})
	if err != nil {
		t.Fatal(err)
	}
	args := evidence.ExplainCLIArgs(writeFile(t, "m.json", string(model)), writeFile(t, "s.csv", string(sample)), lodestar.ExplanationParams{})
	code, out, errOut := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	var got struct {
		Bias       float64
		Importance []struct {
			Feature    string
			Importance float64
		}
		Rows []struct {
			Line int
			SHAP []float64
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Bias != stored.Bias || len(got.Importance) != len(stored.Importance) {
		t.Fatalf("explain: bias %v, %d features; stored %v, %d", got.Bias, len(got.Importance), stored.Bias, len(stored.Importance))
	}
	for i, f := range stored.Importance {
		if got.Importance[i].Feature != f.Feature || got.Importance[i].Importance != f.Importance {
			t.Errorf("importance %d: command %+v, stored %+v", i, got.Importance[i], f)
		}
	}
	for i, r := range stored.Rows {
		if got.Rows[i].Line != r.Line || !equalFloats(got.Rows[i].SHAP, r.SHAP) {
			t.Errorf("row %d: command %+v, stored %+v", i, got.Rows[i], r)
		}
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
