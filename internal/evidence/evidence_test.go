package evidence_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/evidence"
)

// reference is the part of the fairness engine's sklearn reference
// (internal/engine/fairness/testdata/reference.json) this test reads.
type reference struct {
	Cases []struct {
		Name      string   `json:"name"`
		Data      string   `json:"data"`
		Threshold *float64 `json:"threshold"`
		Groups    []map[string]any
		EOD       *float64 `json:"equalized_odds_difference"`
	} `json:"cases"`
}

const refDir = "../engine/fairness/testdata"

// TestFairnessMatchesSklearn runs uploads of the reference files through
// the evidence reader and checks every count and rate against the values
// sklearn computed, so what the service stores is what sklearn and
// fairlearn give on the same file.
func TestFairnessMatchesSklearn(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(refDir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(refDir, c.Data))
			if err != nil {
				t.Fatal(err)
			}
			p := lodestar.FairnessParams{GroupColumn: "group", LabelColumn: "label", PredictionColumn: "prediction"}
			if c.Threshold != nil {
				p = lodestar.FairnessParams{GroupColumn: "#1", LabelColumn: "#2", ScoreColumn: "score", Threshold: c.Threshold}
			}
			rep, rows, err := evidence.Fairness(c.Data, data, p)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(strings.Count(strings.TrimSpace(string(data)), "\n")); rows != want {
				t.Errorf("rows: got %d, want %d", rows, want)
			}
			if len(rep.Groups) != len(c.Groups) {
				t.Fatalf("groups: got %d, want %d", len(rep.Groups), len(c.Groups))
			}
			for i, g := range rep.Groups {
				w := c.Groups[i]
				if g.Group != w["group"] || float64(g.TP) != w["tp"] || float64(g.FP) != w["fp"] || float64(g.TN) != w["tn"] || float64(g.FN) != w["fn"] {
					t.Errorf("group %d: got %s %+v, want %v", i, g.Group, g.Counts, w)
				}
				for _, f := range evidence.FairnessFigures(g) {
					wv, _ := w[f.Name].(float64)
					if w[f.Name] == nil {
						wv = math.NaN()
					}
					if !(math.Abs(f.E.Value-wv) < 1e-12 || math.IsNaN(f.E.Value) && math.IsNaN(wv)) {
						t.Errorf("group %s %s: got %v, want sklearn's %v", g.Group, f.Name, f.E.Value, wv)
					}
				}
			}
			if c.EOD != nil && math.Abs(rep.EqualizedOddsDifference.Value-*c.EOD) > 1e-12 {
				t.Errorf("equalized odds difference: got %v, want %v", rep.EqualizedOddsDifference.Value, *c.EOD)
			}
		})
	}
}

// TestFileRules checks the stated reading rules on one small audit: the
// same decisions saved as GB18030 with CRLF and semicolons, with a BOM,
// with a blank header, give the same counts; a repeated header name is
// refused until the column is given by position.
func TestFileRules(t *testing.T) {
	plain := "组别,label,prediction\n男,1,0\n女,0,1\n男,1,1\n女,1,1\n"
	params := lodestar.FairnessParams{GroupColumn: "组别", LabelColumn: "label", PredictionColumn: "prediction"}
	want, _, err := evidence.Fairness("plain.csv", []byte(plain), params)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(strings.ReplaceAll(strings.ReplaceAll(plain, ",", ";"), "\n", "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data   string
		params lodestar.FairnessParams
	}{
		"GB18030, CRLF, semicolons": {gb, params},
		"BOM":                       {"\ufeff" + plain, params},
		"blank header":              {strings.Replace(plain, "label", " ", 1), lodestar.FairnessParams{GroupColumn: "组别", LabelColumn: "column_2", PredictionColumn: "prediction"}},
		"repeated name by position": {strings.Replace(plain, "prediction", "label", 1), lodestar.FairnessParams{GroupColumn: "#1", LabelColumn: "#2", PredictionColumn: "#3"}},
	} {
		got, _, err := evidence.Fairness(name, []byte(tc.data), tc.params)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for i := range want.Groups {
			if got.Groups[i].Group != want.Groups[i].Group || got.Groups[i].Counts != want.Groups[i].Counts {
				t.Errorf("%s: group %d got %s %+v, want %s %+v", name, i, got.Groups[i].Group, got.Groups[i].Counts, want.Groups[i].Group, want.Groups[i].Counts)
			}
		}
	}
	padded := strings.ReplaceAll(strings.ReplaceAll(plain, "\n男,", "\n 男 ,"), "\n女,", "\n女  ,")
	if got, _, err := evidence.Fairness("padded.csv", []byte(padded), params); err != nil || got.Groups[0].Group != want.Groups[0].Group || got.Groups[0].Counts != want.Groups[0].Counts {
		t.Errorf("padded group values: got %v, %v; want them trimmed", got, err)
	}
	_, _, err = evidence.Fairness("roles.csv", []byte(plain), lodestar.FairnessParams{GroupColumn: "组别", LabelColumn: "label", PredictionColumn: "#2"})
	if f := lodestar.ErrorFields(err); f["prediction_column"] == "" {
		t.Errorf("one column in two roles: got %v, want prediction_column refused", err)
	}
	_, _, err = evidence.Fairness("dup.csv", []byte(strings.Replace(plain, "prediction", "label", 1)), params)
	if f := lodestar.ErrorFields(err); !strings.Contains(f["label_column"], "#2") {
		t.Errorf("repeated name: got %v, want label_column asking for a position like #2", err)
	}
}
