package explain

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// minimal is a one-split model in xgboost's JSON layout; tests patch it.
const minimal = `{"learner":{"feature_names":["a","b"],
 "gradient_booster":{"name":"gbtree","model":{"trees":[{
  "left_children":[1,-1,-1],"right_children":[2,-1,-1],"split_indices":[1,0,0],
  "split_conditions":[0.5,-0.25,0.75],"default_left":[1,0,0],"sum_hessian":[4,1,3],
  "split_type":[0,0,0],"categories_nodes":[],"tree_param":{"num_nodes":"3","size_leaf_vector":"0"}}]}},
 "learner_model_param":{"base_score":"BASE","num_class":"0","num_feature":"2","num_target":"1"},
 "objective":{"name":"OBJ"}},"version":[1,7,4]}`

func model(base, obj string) string {
	return strings.NewReplacer("BASE", base, "OBJ", obj).Replace(minimal)
}

func TestParseBaseScore(t *testing.T) {
	tests := []struct {
		name, base, obj string
		wantMargin      float64
	}{
		{"1.x string", "5E-1", "binary:logistic", 0},
		{"3.x vector", "[2.5E-1]", "binary:logistic", math.Log(0.25 / 0.75)},
		{"regression", "1.25E1", "reg:squarederror", 12.5},
		{"log link", "2E0", "count:poisson", math.Log(2)},
		{"logitraw", "2E-1", "binary:logitraw", float64(float32(0.2))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(model(tt.base, tt.obj)))
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(m.BaseMargin-tt.wantMargin) > 1e-7 {
				t.Errorf("base margin %v, want %v", m.BaseMargin, tt.wantMargin)
			}
			// Expected value: leaves −0.25 (cover 1) and 0.75 (cover 3).
			if want := m.BaseMargin + 0.5; math.Abs(m.ExpectedValue()-want) > 1e-12 {
				t.Errorf("expected value %v, want %v", m.ExpectedValue(), want)
			}
		})
	}
	// A bare number, as a hand-written model might have it.
	m, err := Parse([]byte(strings.Replace(model("x", "reg:squarederror"), `"x"`, `3`, 1)))
	if err != nil || m.BaseScore != 3 {
		t.Errorf("numeric base_score: %v, %v", m, err)
	}
}

func TestParseErrors(t *testing.T) {
	ok := model("5E-1", "binary:logistic")
	tests := []struct {
		name, in, want string
		notXGB         bool
	}{
		{"empty", "", "expected a JSON object", true},
		{"binary file", "\x7b\x00\x00bin", "not an XGBoost JSON model", true},
		{"ubjson", "[1,2]", "expected a JSON object", true},
		{"other json", `{"hello":1}`, "no learner.gradient_booster", true},
		{"objective", model("5E-1", "multi:softprob"), `objective "multi:softprob" is not supported`, false},
		{"multiclass", strings.Replace(ok, `"num_class":"0"`, `"num_class":"3"`, 1), "multi-class", false},
		{"multi base", model("[1E0,2E0]", "reg:squarederror"), "several values", false},
		{"bad base", model("abc", "reg:squarederror"), `base_score "abc"`, false},
		{"base outside link", model("1.5E0", "binary:logistic"), "outside the domain", false},
		{"dart", strings.Replace(ok, `"gbtree"`, `"dart"`, 1), `booster "dart" is not supported`, false},
		{"categorical", strings.Replace(ok, `"split_type":[0,0,0]`, `"split_type":[1,0,0]`, 1), "categorical", false},
		{"feature range", strings.Replace(ok, `"split_indices":[1,0,0]`, `"split_indices":[2,0,0]`, 1), "splits on feature 2", false},
		{"child range", strings.Replace(ok, `"right_children":[2,-1,-1]`, `"right_children":[7,-1,-1]`, 1), "out of range", false},
		{"cycle", strings.Replace(ok, `"right_children":[2,-1,-1]`, `"right_children":[1,-1,-1]`, 1), "reached twice", false},
		{"short array", strings.Replace(ok, `"sum_hessian":[4,1,3]`, `"sum_hessian":[4,1]`, 1), "sum_hessian has 2 entries", false},
		{"names", strings.Replace(ok, `["a","b"]`, `["a"]`, 1), "1 feature names but num_feature 2", false},
		{"default_left", strings.Replace(ok, `"default_left":[1,0,0]`, `"default_left":[2,0,0]`, 1), "default_left entry 2", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if errors.Is(err, ErrNotXGBoost) != tt.notXGB {
				t.Errorf("errors.Is(ErrNotXGBoost) = %v, want %v", !tt.notXGB, tt.notXGB)
			}
		})
	}
}

func TestMinimalModelPredictAndSHAP(t *testing.T) {
	m, err := Parse([]byte(model("5E-1", "binary:logistic")))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		x      []float64
		margin float64
		phiB   float64
	}{
		{"left", []float64{9, 0.25}, -0.25, -0.75},
		{"tie goes right", []float64{9, 0.5}, 0.75, 0.25},
		{"missing takes default (left)", []float64{9, math.NaN()}, -0.25, -0.75},
	}
	e := m.NewExplainer()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := m.Margin(tt.x); got != tt.margin {
				t.Errorf("margin %v, want %v", got, tt.margin)
			}
			if got, want := m.Predict(tt.x), 1/(1+math.Exp(-tt.margin)); math.Abs(got-want) > 1e-15 {
				t.Errorf("prediction %v, want %v", got, want)
			}
			phi, err := e.SHAP(tt.x, nil)
			if err != nil {
				t.Fatal(err)
			}
			if phi[0] != 0 || math.Abs(phi[1]-tt.phiB) > 1e-15 || phi[2] != 0.5 {
				t.Errorf("phi %v, want [0 %v 0.5]", phi, tt.phiB)
			}
		})
	}
	if _, err := e.SHAP([]float64{1}, nil); err == nil {
		t.Error("a short row was accepted")
	}
	if _, err := e.SHAP([]float64{1, 2}, make([]float64, 2)); err == nil {
		t.Error("a short phi was accepted")
	}
}

// TestReferenceCoversEdgeCases makes sure the reference data exercises
// what the engine must get right: rows equal to a split condition, rows
// that float32 rounding sends the other way than a float64 comparison
// would, and missing values at splits on both default directions.
func TestReferenceCoversEdgeCases(t *testing.T) {
	_, rows := readCSV(t, filepath.Join("testdata", "data.csv"))
	var ties, rounding, missLeft, missRight int
	for _, name := range []string{"binary.json", "reg.json"} {
		m, err := LoadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, tr := range m.trees {
			for _, n := range tr.nodes {
				if n.left < 0 {
					continue
				}
				for _, x := range rows {
					v := x[n.feature]
					switch {
					case math.IsNaN(v) && n.dflt == n.left:
						missLeft++
					case math.IsNaN(v):
						missRight++
					case float32(v) == n.cond:
						ties++
					}
					if !math.IsNaN(v) && (float32(v) < n.cond) != (v < float64(n.cond)) {
						rounding++
					}
				}
			}
		}
	}
	t.Logf("split comparisons: %d ties, %d decided by float32 rounding, %d/%d missing going left/right", ties, rounding, missLeft, missRight)
	if ties == 0 || rounding == 0 || missLeft == 0 || missRight == 0 {
		t.Error("the reference data no longer covers every edge case; see make_models.py")
	}
}

func TestLoadFileNamesPath(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.json")
	if err := os.WriteFile(p, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(p)
	if err == nil || !strings.Contains(err.Error(), p) || !errors.Is(err, ErrNotXGBoost) {
		t.Errorf("got %v, want an ErrNotXGBoost naming %s", err, p)
	}
}
