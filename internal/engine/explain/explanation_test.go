package explain

import "testing"

// TestAdditive: the tolerance on bias + Σ SHAP − margin is 1e-6 relative
// to the largest margin, and absolute (1e-6) near zero.
func TestAdditive(t *testing.T) {
	for _, tc := range []struct {
		margins []float64
		gap     float64
		want    bool
	}{
		{[]float64{0, 0.5}, 0, true},
		{[]float64{0, 0.5}, 1.5e-6, true},
		{[]float64{0, 0.5}, 1.6e-6, false},
		{[]float64{-1000, 3}, 1e-3, true},
		{[]float64{-1000, 3}, 1.1e-3, false},
		{nil, 1e-6, true},
	} {
		ex := &Explanation{Margins: tc.margins, MaxAdditivityError: tc.gap}
		if got := ex.Additive(); got != tc.want {
			t.Errorf("margins %v, gap %g: Additive %v, want %v", tc.margins, tc.gap, got, tc.want)
		}
	}
}
