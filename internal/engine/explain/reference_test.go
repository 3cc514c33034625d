package explain

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// tolerance is the agreement required with xgboost, whose SHAP arithmetic
// is float32.
const tolerance = 1e-5

type modelsIndex struct {
	XGBoost string `json:"xgboost"`
	Data    string `json:"data"`
	Models  []struct {
		Model        string `json:"model"`
		Expected     string `json:"expected"`
		Objective    string `json:"objective"`
		FeatureNames bool   `json:"feature_names"`
	} `json:"models"`
}

// TestReference compares SHAP values, bias, margins and predictions with
// xgboost's own output for every model testdata/make_models.py trained.
func TestReference(t *testing.T) {
	var idx modelsIndex
	b, err := os.ReadFile(filepath.Join("testdata", "models.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	_, rows := readCSV(t, filepath.Join("testdata", idx.Data))
	for _, mc := range idx.Models {
		t.Run(mc.Objective+"/"+mc.Model, func(t *testing.T) {
			m, err := LoadFile(filepath.Join("testdata", mc.Model))
			if err != nil {
				t.Fatal(err)
			}
			if m.Objective != mc.Objective || (m.FeatureNames != nil) != mc.FeatureNames {
				t.Errorf("objective %q names %v, want %q names %v", m.Objective, m.FeatureNames != nil, mc.Objective, mc.FeatureNames)
			}
			head, want := readCSV(t, filepath.Join("testdata", mc.Expected))
			nf := m.NumFeature
			if len(head) != nf+3 || len(want) != len(rows) {
				t.Fatalf("expected file has %d columns and %d rows; want %d and %d", len(head), len(want), nf+3, len(rows))
			}
			ex, err := m.Explain(rows)
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for r := range rows {
				for j := range nf {
					worst = max(worst, check(t, r, head[j], ex.Values[r][j], want[r][j]))
				}
				worst = max(worst, check(t, r, "bias", ex.Bias, want[r][nf]))
				worst = max(worst, check(t, r, "margin", ex.Margins[r], want[r][nf+1]))
				worst = max(worst, check(t, r, "prediction", ex.Predictions[r], want[r][nf+2]))
			}
			if ex.MaxAdditivityError > 1e-9 {
				t.Errorf("SHAP values do not add up to the margin: max error %g", ex.MaxAdditivityError)
			}
			t.Logf("%d rows, %d trees, depth %d: max |Go − xgboost %s| = %.2g", len(rows), m.NumTrees(), m.MaxDepth(), idx.XGBoost, worst)
		})
	}
}

func check(t testing.TB, row int, what string, got, want float64) float64 {
	t.Helper()
	d := math.Abs(got - want)
	if !(d <= tolerance) {
		t.Errorf("row %d %s = %.9g, xgboost %.9g (|diff| %.2g)", row, what, got, want, d)
	}
	return d
}

// readCSV reads a plain numeric CSV; an empty cell is NaN (missing).
func readCSV(t testing.TB, path string) ([]string, [][]float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]float64
	for i, rec := range recs[1:] {
		row := make([]float64, len(rec))
		for j, s := range rec {
			if s == "" {
				row[j] = math.NaN()
				continue
			}
			if row[j], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatalf("%s line %d: %v", path, i+2, err)
			}
		}
		rows = append(rows, row)
	}
	return recs[0], rows
}
