package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/lodestar-hq/lodestar/internal/engine/explain"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

func init() {
	register("explain", "SHAP values of an XGBoost model (saved as JSON) for the rows of a CSV", (*cmdEnv).explain)
}

func (e *cmdEnv) explain(args []string) error {
	fs := e.flags("explain")
	modelPath := fs.String("model", "", "XGBoost model saved with Booster.save_model(\"m.json\") (required)")
	data := fs.String("data", "", "CSV of rows to explain (required); features are matched by the model's\nfeature names, or by position when it has none; an empty cell is missing")
	format := fs.String("format", "text", "output format: text, json or csv (csv: one row per input row,\none column per feature, then bias)")
	var tf tableFlags
	tf.register(fs)
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	topt, err := tf.options("explain")
	if err != nil {
		return err
	}
	if *modelPath == "" || *data == "" {
		return errUsage{"explain: --model and --data are required"}
	}
	if err := checkFormat("explain", *format); err != nil {
		return err
	}
	m, err := explain.LoadFile(*modelPath)
	if err != nil {
		return err
	}
	rows, err := readFeatureRows(*data, topt, m)
	if err != nil {
		return err
	}
	x := make([][]float64, len(rows))
	for i, r := range rows {
		x[i] = r.values
	}
	ex, err := m.Explain(x)
	if err != nil {
		return err
	}
	// SHAP values add up to the margin by construction; a gap beyond float
	// rounding would be a bug, and an explanation that does not explain the
	// prediction must not be handed to an auditor.
	if tol := 1e-6 * (1 + maxAbs(ex.Margins)); ex.MaxAdditivityError > tol {
		return fmt.Errorf("explain: SHAP values miss the margin by %g (internal error)", ex.MaxAdditivityError)
	}
	switch *format {
	case "csv":
		return writeExplainCSV(e.stdout, ex)
	case "json":
		return writeExplainJSON(e.stdout, *modelPath, m, rows, ex)
	}
	return writeExplainText(e.stdout, *modelPath, *data, m, rows, ex)
}

// featureRow is one data row: its line in the file and the feature
// values in the model's order (NaN for missing).
type featureRow struct {
	line   int
	values []float64
}

func maxAbs(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, math.Abs(x))
	}
	return m
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// writeExplainCSV writes one output row per input row: the SHAP value of
// every feature, then bias.
func writeExplainCSV(w io.Writer, ex *explain.Explanation) error {
	cw := csv.NewWriter(w)
	cw.Write(append(slices.Clone(ex.Features), "bias"))
	rec := make([]string, len(ex.Features)+1)
	for _, phi := range ex.Values {
		for j, v := range phi {
			rec[j] = fmtFloat(v)
		}
		rec[len(phi)] = fmtFloat(ex.Bias)
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

func writeExplainJSON(w io.Writer, modelPath string, m *explain.Model, rows []featureRow, ex *explain.Explanation) error {
	type row struct {
		Line       int       `json:"line"`
		SHAP       []float64 `json:"shap"`
		Margin     float64   `json:"margin"`
		Prediction float64   `json:"prediction"`
	}
	out := struct {
		Model struct {
			Path          string  `json:"path"`
			Objective     string  `json:"objective"`
			Trees         int     `json:"trees"`
			MaxDepth      int     `json:"max_depth"`
			BaseScore     float64 `json:"base_score"`
			BaseMargin    float64 `json:"base_margin"`
			ExpectedValue float64 `json:"expected_value"`
		} `json:"model"`
		Features           []string                    `json:"features"`
		Bias               float64                     `json:"bias"`
		Importance         []explain.FeatureImportance `json:"importance"`
		Rows               []row                       `json:"rows"`
		MaxAdditivityError float64                     `json:"max_additivity_error"`
	}{Features: ex.Features, Bias: ex.Bias, MaxAdditivityError: ex.MaxAdditivityError}
	out.Model.Path, out.Model.Objective = modelPath, m.Objective
	out.Model.Trees, out.Model.MaxDepth = m.NumTrees(), m.MaxDepth()
	out.Model.BaseScore, out.Model.BaseMargin, out.Model.ExpectedValue = m.BaseScore, m.BaseMargin, m.ExpectedValue()
	out.Importance = explain.Rank(ex.Features, ex.Importance)
	out.Rows = make([]row, len(rows))
	for i, r := range rows {
		out.Rows[i] = row{Line: r.line, SHAP: ex.Values[i], Margin: ex.Margins[i], Prediction: ex.Predictions[i]}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeExplainText(w io.Writer, modelPath, data string, m *explain.Model, rows []featureRow, ex *explain.Explanation) error {
	fmt.Fprintf(w, "Model %s: %s, %d trees, max depth %d, %d features; base_score %s (margin %.6g)\n",
		modelPath, m.Objective, m.NumTrees(), m.MaxDepth(), m.NumFeature, strconv.FormatFloat(m.BaseScore, 'g', -1, 32), m.BaseMargin)
	fmt.Fprintf(w, "Data %s: %d rows. SHAP values are in margin space (%s link); bias (expected margin) %.6g.\n\n",
		data, len(rows), m.Link(), ex.Bias)
	fmt.Fprintln(w, "Global importance (mean |SHAP|):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, f := range explain.Rank(ex.Features, ex.Importance) {
		fmt.Fprintf(tw, "  %d\t%s\t%.6g\t\n", i+1, f.Feature, f.Importance)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nPer row (line in the file; SHAP value per feature):")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "line\tprediction\tmargin\tbias\t")
	for _, f := range ex.Features {
		fmt.Fprintf(tw, "%s\t", f)
	}
	fmt.Fprintln(tw)
	for i, r := range rows {
		fmt.Fprintf(tw, "%d\t%.6g\t%.6g\t%.6g\t", r.line, ex.Predictions[i], ex.Margins[i], ex.Bias)
		for _, v := range ex.Values[i] {
			fmt.Fprintf(tw, "%.6g\t", v)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nCheck: bias + Σ SHAP = margin on every row (max deviation %.2g).\n", ex.MaxAdditivityError)
	return nil
}

// missingWords are the cell values, besides an empty cell, read as a
// missing value (case-insensitive): the spellings pandas.read_csv treats as
// NaN by default that are plausible in exported data.
var missingWords = map[string]bool{"na": true, "n/a": true, "nan": true, "null": true, "none": true, "-nan": true, "#n/a": true}

// readFeatureRows reads the data file into rows of the model's features.
// With feature names, each feature is the column of that name (other
// columns are ignored); without, the file must have exactly NumFeature
// columns, taken in order.
func readFeatureRows(path string, opt tabular.Options, m *explain.Model) ([]featureRow, error) {
	t, err := tabular.OpenFile(path, opt)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	cols := make([]int, m.NumFeature)
	names := m.FeatureNamesOrDefault()
	if m.FeatureNames != nil {
		for j, name := range m.FeatureNames {
			if cols[j], err = t.Column(name); err != nil {
				if errors.Is(err, tabular.ErrAmbiguous) {
					return nil, fmt.Errorf("model feature %q: %w (explain matches features by name: rename or drop the duplicates)", name, err)
				}
				return nil, fmt.Errorf("model feature %q: %w", name, err)
			}
		}
	} else {
		if n := len(t.Header()); n != m.NumFeature {
			return nil, fmt.Errorf("%s has %d columns but the model has %d features and no feature names, so columns are matched by position", path, n, m.NumFeature)
		}
		for j := range cols {
			cols[j] = j
			names[j] = t.Header()[j]
		}
	}
	var rows []featureRow
	for {
		rec, line, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		x := make([]float64, len(cols))
		for j, c := range cols {
			s := strings.TrimSpace(rec[c])
			if s == "" || missingWords[strings.ToLower(s)] {
				x[j] = math.NaN()
				continue
			}
			if x[j], err = parseNumber(s); err != nil {
				return nil, fmt.Errorf("line %d, column %q: %q %v", line, names[j], s, err)
			}
		}
		rows = append(rows, featureRow{line: line, values: x})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%s: %w", path, errNoRows)
	}
	return rows, nil
}
