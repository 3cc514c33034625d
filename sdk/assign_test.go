package sdk_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/lodestar-hq/lodestar/sdk"
)

// The vectors come from testdata/make_assign_vectors.py, an independent
// implementation on Python's hashlib.
type assignVectors struct {
	Assign []struct {
		Experiment string    `json:"experiment"`
		Unit       string    `json:"unit"`
		U          float64   `json:"u"`
		Weights    []float64 `json:"weights"`
		Variant    int       `json:"variant"`
	} `json:"assign"`
	Treatment []struct {
		Experiment string  `json:"experiment"`
		Unit       string  `json:"unit"`
		Share      float64 `json:"share"`
		Treatment  bool    `json:"treatment"`
	} `json:"treatment"`
}

func TestAssignMatchesReferenceVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/assign_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v assignVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Assign) < 100 || len(v.Treatment) < 100 {
		t.Fatalf("got %d and %d vectors, want at least 100 of each", len(v.Assign), len(v.Treatment))
	}
	for _, c := range v.Assign {
		if got := sdk.UnitPoint(c.Experiment, c.Unit); got != c.U {
			t.Errorf("UnitPoint(%q, %q): got %v, want %v", c.Experiment, c.Unit, got, c.U)
		}
		got, err := sdk.AssignChecked(c.Experiment, c.Unit, c.Weights)
		if err != nil || got != c.Variant {
			t.Errorf("AssignChecked(%q, %q, %v): got %d, %v; want %d", c.Experiment, c.Unit, c.Weights, got, err, c.Variant)
		}
		if got := sdk.Assign(c.Experiment, c.Unit, c.Weights); got != c.Variant {
			t.Errorf("Assign(%q, %q, %v): got %d, want %d", c.Experiment, c.Unit, c.Weights, got, c.Variant)
		}
	}
	for _, c := range v.Treatment {
		if got := sdk.InTreatment(c.Experiment, c.Unit, c.Share); got != c.Treatment {
			t.Errorf("InTreatment(%q, %q, %v): got %v, want %v", c.Experiment, c.Unit, c.Share, got, c.Treatment)
		}
	}
}

func TestAssignRejectsBadWeights(t *testing.T) {
	for _, tc := range []struct {
		name    string
		weights []float64
	}{
		{"none", nil},
		{"negative", []float64{0.5, -0.1, 0.6}},
		{"NaN", []float64{math.NaN(), 1}},
		{"infinite", []float64{1, math.Inf(1)}},
		{"all zero", []float64{0, 0}},
		{"sum overflows", []float64{math.MaxFloat64, math.MaxFloat64}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i, err := sdk.AssignChecked("exp", "unit-1", tc.weights)
			if !errors.Is(err, sdk.ErrWeights) || i != 0 {
				t.Errorf("AssignChecked: got %d, %v; want 0 and an ErrWeights", i, err)
			}
			if err := sdk.ValidateWeights(tc.weights); !errors.Is(err, sdk.ErrWeights) {
				t.Errorf("ValidateWeights: got %v, want an ErrWeights", err)
			}
			if got := sdk.Assign("exp", "unit-1", tc.weights); got != 0 {
				t.Errorf("Assign: got %d, want 0 (the control) for invalid weights", got)
			}
		})
	}
	for _, share := range []float64{-0.1, 1.5, math.NaN()} {
		if sdk.InTreatment("exp", "unit-1", share) {
			t.Errorf("InTreatment with share %v: got treatment, want control", share)
		}
	}
}

func TestAssignZeroWeightNeverChosen(t *testing.T) {
	for i := range 5000 {
		unit := fmt.Sprintf("u-%d", i)
		if got := sdk.Assign("zero", unit, []float64{0, 3, 0, 1, 0}); got != 1 && got != 3 {
			t.Fatalf("unit %s: got variant %d, which has weight 0", unit, got)
		}
	}
}

// TestAssignSplitConverges checks, on 100,000 fixed unit IDs, that the
// split follows the weights: a chi-square goodness-of-fit statistic below
// the 0.1% critical value for its degrees of freedom. The unit IDs are
// fixed, so the outcome is deterministic.
func TestAssignSplitConverges(t *testing.T) {
	const n = 100_000
	for _, tc := range []struct {
		weights  []float64
		critical float64 // chi-square 0.999 quantile, df = len(weights)-1
	}{
		{[]float64{0.5, 0.5}, 10.828},
		{[]float64{0.9, 0.1}, 10.828},
		{[]float64{0.2, 0.3, 0.5}, 13.816},
		{[]float64{1, 1, 1, 1}, 16.266},
		{[]float64{0.01, 0.04, 0.15, 0.3, 0.5}, 18.467},
	} {
		t.Run(fmt.Sprint(tc.weights), func(t *testing.T) {
			counts := make([]float64, len(tc.weights))
			for i := range n {
				counts[sdk.Assign("split-test", fmt.Sprintf("customer-%d", i), tc.weights)]++
			}
			var total, chi2 float64
			for _, w := range tc.weights {
				total += w
			}
			for i, w := range tc.weights {
				want := n * w / total
				chi2 += (counts[i] - want) * (counts[i] - want) / want
			}
			if chi2 > tc.critical {
				t.Errorf("counts %v for weights %v: chi-square %.2f above %.3f", counts, tc.weights, chi2, tc.critical)
			}
			t.Logf("counts %v, chi-square %.2f", counts, chi2)
		})
	}
}

func BenchmarkAssign(b *testing.B) {
	weights := []float64{0.2, 0.3, 0.5}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sdk.Assign("checkout-button", "user-123456", weights)
	}
}
