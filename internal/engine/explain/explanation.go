package explain

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
)

// Explanation is the SHAP explanation of a batch of rows.
type Explanation struct {
	// Features names the columns of Values: the model's feature names, or
	// f0, f1, … when it has none.
	Features []string `json:"features"`
	// Bias is the expected margin, the same for every row.
	Bias float64 `json:"bias"`
	// Values[r][j] is feature j's contribution to row r's margin.
	Values [][]float64 `json:"values"`
	// Margins and Predictions are the model's output for each row, before
	// and after the objective's transform (a probability for
	// binary:logistic).
	Margins     []float64 `json:"margins"`
	Predictions []float64 `json:"predictions"`
	// Importance is the global importance: mean |SHAP| per feature, in
	// Features order.
	Importance []float64 `json:"importance"`
	// MaxAdditivityError is the largest |Σ values + bias − margin| over
	// rows: SHAP values must add up to the margin, so anything beyond
	// float rounding means a bug.
	MaxAdditivityError float64 `json:"max_additivity_error"`
}

// FeatureNamesOrDefault returns the model's feature names, or f0, f1, … (xgboost's
// own default names) when it was trained without names.
func (m *Model) FeatureNamesOrDefault() []string {
	if m.FeatureNames != nil {
		return slices.Clone(m.FeatureNames)
	}
	names := make([]string, m.NumFeature)
	for i := range names {
		names[i] = fmt.Sprintf("f%d", i)
	}
	return names
}

// Explain computes SHAP values, margins, predictions and global importance
// for rows (each with NumFeature values, NaN for missing). Large batches
// are split over GOMAXPROCS goroutines; the result does not depend on how.
func (m *Model) Explain(rows [][]float64) (*Explanation, error) {
	for r, x := range rows {
		if len(x) != m.NumFeature {
			return nil, fmt.Errorf("row %d has %d values, model has %d features", r, len(x), m.NumFeature)
		}
	}
	out := &Explanation{
		Features: m.FeatureNamesOrDefault(), Bias: m.expected,
		Values:  make([][]float64, len(rows)),
		Margins: make([]float64, len(rows)), Predictions: make([]float64, len(rows)),
	}
	const chunk = 256
	workers := min(runtime.GOMAXPROCS(0), (len(rows)+chunk-1)/chunk)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			e := m.NewExplainer()
			for start := range next {
				for r := start; r < min(start+chunk, len(rows)); r++ {
					phi, _ := e.SHAP(rows[r], nil) // lengths checked above
					out.Values[r] = phi[:m.NumFeature]
					out.Margins[r] = m.Margin(rows[r])
					out.Predictions[r] = m.Transform(out.Margins[r])
				}
			}
		})
	}
	for start := 0; start < len(rows); start += chunk {
		next <- start
	}
	close(next)
	wg.Wait()
	var imp Importance
	for r, v := range out.Values {
		// phi's spare capacity holds the bias: v[:NumFeature+1] is the full row.
		out.MaxAdditivityError = max(out.MaxAdditivityError, Additivity(v[:m.NumFeature+1], out.Margins[r]))
		imp.Add(v)
	}
	out.Importance = imp.Mean()
	if out.Importance == nil {
		out.Importance = make([]float64, m.NumFeature)
	}
	return out, nil
}

// Additive reports whether the SHAP values add up to the margins up to
// float rounding: MaxAdditivityError at most 1e-6 × (1 + the largest
// |margin|). A larger gap would be a bug, and an explanation that does
// not explain the prediction must not be handed to an auditor.
func (ex *Explanation) Additive() bool {
	largest := 0.0
	for _, m := range ex.Margins {
		largest = max(largest, math.Abs(m))
	}
	return ex.MaxAdditivityError <= 1e-6*(1+largest)
}

// Additivity returns |Σ phi − margin|, phi including the bias: the local
// accuracy property of SHAP values says it is zero.
func Additivity(phi []float64, margin float64) float64 {
	sum := 0.0
	for _, v := range phi {
		sum += v
	}
	return math.Abs(sum - margin)
}

// Importance accumulates mean |SHAP| per feature over a stream of rows.
// The zero value is ready to use.
type Importance struct {
	sum []float64
	n   int
}

// Add counts one row's SHAP values (without the bias).
func (im *Importance) Add(phi []float64) {
	if im.sum == nil {
		im.sum = make([]float64, len(phi))
	}
	for j, v := range phi[:len(im.sum)] {
		im.sum[j] += math.Abs(v)
	}
	im.n++
}

// Rows returns the number of rows added.
func (im *Importance) Rows() int { return im.n }

// Mean returns mean |SHAP| per feature; nil before any row.
func (im *Importance) Mean() []float64 {
	if im.n == 0 {
		return nil
	}
	out := make([]float64, len(im.sum))
	for j, s := range im.sum {
		out[j] = s / float64(im.n)
	}
	return out
}

// FeatureImportance is one feature's importance.
type FeatureImportance struct {
	Feature    string  `json:"feature"`
	Importance float64 `json:"importance"`
}

// Rank pairs names with importances and sorts them, most important first
// (ties in name order).
func Rank(names []string, importance []float64) []FeatureImportance {
	out := make([]FeatureImportance, len(names))
	for i, n := range names {
		out[i] = FeatureImportance{n, importance[i]}
	}
	slices.SortStableFunc(out, func(a, b FeatureImportance) int {
		return cmp.Or(cmp.Compare(b.Importance, a.Importance), cmp.Compare(a.Feature, b.Feature))
	})
	return out
}
