package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/explain"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// DefaultRowsShown and MaxRowsShown bound the per-row explanations kept.
const (
	DefaultRowsShown = 5
	MaxRowsShown     = 50
)

// RowsShownRule is the refusal of a count of rows shown.
const RowsShownRule = "Rows shown must be between 1 and 50."

// ExplanationResult is what an explanation report stores: the model's
// summary, the global importance over the whole sample, and the SHAP
// values of the first rows. SHAP values are in margin space (log-odds for
// binary:logistic), as xgboost's pred_contribs gives them.
type ExplanationResult struct {
	Model      ModelSummary                `json:"model"`
	Features   []string                    `json:"features"`
	Bias       float64                     `json:"bias"`
	Importance []explain.FeatureImportance `json:"importance"`
	Rows       []ExplainedRow              `json:"rows"`
	// MaxAdditivityError is the largest |bias + Σ SHAP − margin| over the
	// sample: zero up to float rounding.
	MaxAdditivityError float64 `json:"max_additivity_error"`
}

// ModelSummary describes the explained model.
type ModelSummary struct {
	Objective     string  `json:"objective"`
	Link          string  `json:"link"`
	Trees         int     `json:"trees"`
	MaxDepth      int     `json:"max_depth"`
	NumFeature    int     `json:"num_feature"`
	BaseScore     float64 `json:"base_score"`
	ExpectedValue float64 `json:"expected_value"`
}

// ExplainedRow is one sample row's explanation; Line is its line in the
// file and SHAP is in Features order.
type ExplainedRow struct {
	Line       int       `json:"line"`
	Margin     float64   `json:"margin"`
	Prediction float64   `json:"prediction"`
	SHAP       []float64 `json:"shap"`
}

// CheckExplanationParams fills defaults and returns the field errors.
func CheckExplanationParams(p *lodestar.ExplanationParams) map[string]string {
	fields := map[string]string{}
	if p.RowsShown == 0 {
		p.RowsShown = DefaultRowsShown
	}
	if p.RowsShown < 1 || p.RowsShown > MaxRowsShown {
		fields["rows_shown"] = RowsShownRule
	}
	return fields
}

// Explain parses the XGBoost JSON model, reads the sample's features
// (by the model's feature names, or by position when it has none; an
// empty cell or NA is missing) and runs TreeSHAP on every row. It returns
// the result and the number of sample rows.
func Explain(modelName string, model []byte, dataName string, data []byte, p lodestar.ExplanationParams) (*ExplanationResult, int64, error) {
	fields := CheckExplanationParams(&p)
	opt := TableOptions(p.Encoding, p.Separator, dataName, fields)
	if len(bytes.TrimSpace(model)) == 0 {
		fields["model"] = "Upload the model saved by XGBoost's Booster.save_model(\"model.json\")."
	}
	if len(bytes.TrimSpace(data)) == 0 {
		fields["data"] = "Upload a CSV sample of the model's inputs, with a header line."
	}
	if len(fields) > 0 {
		return nil, 0, invalid(fields)
	}
	m, err := explain.Parse(model)
	if err != nil {
		return nil, 0, invalid(map[string]string{"model": err.Error()})
	}
	lines, rows, err := featureRows(data, opt, m)
	if err != nil {
		return nil, 0, err
	}
	ex, err := m.Explain(rows)
	if err != nil {
		return nil, 0, invalid(map[string]string{"data": err.Error()})
	}
	if !ex.Additive() {
		return nil, 0, fmt.Errorf("explain: SHAP values miss the margin by %g", ex.MaxAdditivityError)
	}
	res := &ExplanationResult{
		Model: ModelSummary{Objective: m.Objective, Link: m.Link(), Trees: m.NumTrees(), MaxDepth: m.MaxDepth(), NumFeature: m.NumFeature,
			BaseScore: m.BaseScore, ExpectedValue: m.ExpectedValue()},
		Features: ex.Features, Bias: ex.Bias, Importance: explain.Rank(ex.Features, ex.Importance),
		MaxAdditivityError: ex.MaxAdditivityError,
	}
	for i := range min(p.RowsShown, len(rows)) {
		res.Rows = append(res.Rows, ExplainedRow{Line: lines[i], Margin: ex.Margins[i], Prediction: ex.Predictions[i], SHAP: ex.Values[i]})
	}
	return res, int64(len(rows)), nil
}

// missingWords are the cell values, besides an empty cell, read as
// missing (case-insensitive): pandas.read_csv's default NaN spellings
// that are plausible in exported data.
var missingWords = map[string]bool{"na": true, "n/a": true, "nan": true, "null": true, "none": true, "-nan": true, "#n/a": true}

// Missing reports whether a cell holds a missing value: empty, or NA,
// N/A, NaN, -NaN, null, None or #N/A in any case, around spaces. The
// rule of the explain engines' inputs, here and in the lodestar explain
// command.
func Missing(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || missingWords[strings.ToLower(s)]
}

// FeatureValue reads a feature cell: NaN when Missing, else a finite
// number (ParseNumber).
func FeatureValue(s string) (float64, error) {
	if Missing(s) {
		return math.NaN(), nil
	}
	return ParseNumber(s)
}

// featureRows reads the sample into rows of the model's features.
func featureRows(data []byte, opt tabular.Options, m *explain.Model) ([]int, [][]float64, error) {
	t, err := openTable(data, opt, "data")
	if err != nil {
		return nil, nil, err
	}
	cols := make([]int, m.NumFeature)
	names := m.FeatureNamesOrDefault()
	if m.FeatureNames != nil {
		for j, name := range m.FeatureNames {
			if cols[j], err = t.Column(name); err != nil {
				msg := fmt.Sprintf("Model feature %q: %v", name, err)
				if errors.Is(err, tabular.ErrAmbiguous) {
					msg += " (features are matched by name: rename or drop the duplicates)"
				}
				return nil, nil, invalid(map[string]string{"data": msg})
			}
		}
	} else {
		if n := len(t.Header()); n != m.NumFeature {
			return nil, nil, invalid(map[string]string{"data": fmt.Sprintf("The sample has %d columns but the model has %d features and no feature names, so columns are matched by position.", n, m.NumFeature)})
		}
		for j := range cols {
			cols[j] = j
			names[j] = t.Header()[j]
		}
	}
	var lines []int
	var rows [][]float64
	for {
		rec, line, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, invalid(map[string]string{"data": err.Error()})
		}
		if len(rows) == lodestar.MaxExplainRows {
			return nil, nil, invalid(map[string]string{"data": fmt.Sprintf("The sample has more than %d rows; explain a sample of them.", lodestar.MaxExplainRows)})
		}
		x := make([]float64, len(cols))
		for j, c := range cols {
			if x[j], err = FeatureValue(rec[c]); err != nil {
				return nil, nil, invalid(map[string]string{"data": fmt.Sprintf("Line %d, column %q: %q %v.", line, names[j], strings.TrimSpace(rec[c]), err)})
			}
		}
		lines = append(lines, line)
		rows = append(rows, x)
	}
	if len(rows) == 0 {
		return nil, nil, invalid(map[string]string{"data": "The sample has a header but no data rows."})
	}
	return lines, rows, nil
}
