package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lodestar-hq/lodestar/internal/engine/explain"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

func init() {
	register("explain", "SHAP values of an XGBoost model, or permutation importance of any model over HTTP", (*cmdEnv).explain)
}

const explainHelp = `Usage: lodestar explain --model MODEL.json --data FILE [flags]
       lodestar explain --endpoint URL --data FILE --label COL [flags]

With --model: exact SHAP values (TreeSHAP) of an XGBoost model saved with
Booster.save_model("m.json"), for every row of FILE, in margin space, with
the bias (expected margin) and global importance (mean |SHAP|); they equal
xgboost's pred_contribs. Features are taken from the columns named as the
model's features (other columns are ignored), or by position when the model
has no feature names. A feature name shared by several columns stops the
command: give its column with --column FEATURE=#N (a model without names
calls its features f0, f1, ...; those not given stay at their position).
--format csv writes one row per input row, one column per feature, then bias.

With --endpoint: permutation importance of any model behind a JSON
prediction endpoint (Breiman 2001; as sklearn's permutation_importance): how
much --metric worsens when one feature's column is shuffled, over --repeats
shuffles each drawn from --seed. Each request is a POST of
  {"features": ["x0", ...], "rows": [[1.5, null, ...], ...]}
(at most --batch-size rows; a missing value is null) answered with
  {"predictions": [0.73, ...]}
one number per row, in order. The features are --features (names or #N, in
that order), by default every column except --label, in file order. --label
holds the true target, a number (0 or 1 for accuracy and logloss, whose
predictions must be probabilities in [0, 1]). The rows are held in memory.

Feature cells: a number with '.' for decimals; an empty cell or NA, N/A,
NaN, null, None, #N/A (any case) is missing. Anything else stops the command
naming the line and column.

` + reportLangHelp + dataFileRules + `
Flags:
`

// explainArgs are the explain command's flags.
type explainArgs struct {
	model, data, format       string
	lang                      string // the text report's, as given
	endpoint, label, features string
	metric                    string
	repeats, batchSize        int
	seed                      uint64
	timeout                   time.Duration
	columns                   featureColumns
	headers                   headerFlags
	table                     tableFlags
}

// featureColumns collects repeated --column FEATURE=COL flags.
type featureColumns map[string]string

func (c featureColumns) String() string { return "" }

func (c featureColumns) Set(v string) error {
	f, col, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(f) == "" || strings.TrimSpace(col) == "" {
		return errors.New("want FEATURE=COL, e.g. f2=#3")
	}
	c[strings.TrimSpace(f)] = strings.TrimSpace(col)
	return nil
}

// headerFlags collects repeated --header "Name: value" flags.
type headerFlags struct{ h http.Header }

func (f *headerFlags) String() string { return "" }

func (f *headerFlags) Set(v string) error {
	name, val, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return errors.New(`want "Name: value", e.g. "Authorization: Bearer …"`)
	}
	if f.h == nil {
		f.h = http.Header{}
	}
	f.h.Add(name, strings.TrimSpace(val))
	return nil
}

func (e *cmdEnv) explain(args []string) error {
	fs := e.flags("explain")
	a := explainArgs{columns: featureColumns{}}
	fs.StringVar(&a.model, "model", "", "XGBoost model saved with Booster.save_model(\"m.json\"): SHAP values")
	fs.StringVar(&a.endpoint, "endpoint", "", "URL of a JSON prediction endpoint: permutation importance (see above)")
	fs.StringVar(&a.data, "data", "", "CSV of rows to explain (required)")
	fs.StringVar(&a.format, "format", "text", "output format: text, json or csv (csv: one row per input row,\none column per feature, then bias; with --endpoint one row per feature)")
	fs.Var(a.columns, "column", "with --model: `FEATURE=COL` reads the model's feature from column COL, a name or #N; repeatable")
	fs.StringVar(&a.label, "label", "", "with --endpoint: column of the true target (required)")
	fs.StringVar(&a.features, "features", "", "with --endpoint: feature columns in the order the endpoint expects, names or #N,\ncomma-separated (default: every column but --label, in file order)")
	fs.StringVar(&a.metric, "metric", "mse", "with --endpoint: mse, mae, accuracy (prediction >= 0.5 is class 1) or logloss")
	fs.IntVar(&a.repeats, "repeats", 5, "with --endpoint: shuffles per feature")
	fs.Uint64Var(&a.seed, "seed", 1, "with --endpoint: seed of the shuffles (feature j's come from (seed, j))")
	fs.IntVar(&a.batchSize, "batch-size", 1000, "with --endpoint: rows per request")
	fs.DurationVar(&a.timeout, "timeout", 60*time.Second, "with --endpoint: limit on each request")
	fs.Var(&a.headers, "header", "with --endpoint: `NAME: VALUE` added to every request, e.g. \"Authorization: Bearer …\"; repeatable")
	registerLang(fs, &a.lang)
	a.table.register(fs)
	fs.Usage = func() { printHelp(fs, explainHelp, "") }
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := a.check(fs); err != nil {
		return err
	}
	lang, err := reportLang("explain", a.lang, e.getenv)
	if err != nil {
		return err
	}
	topt, err := a.table.options("explain")
	if err != nil {
		return err
	}
	if a.endpoint != "" {
		return e.explainEndpoint(a, topt, lang)
	}
	m, err := explain.LoadFile(a.model)
	if err != nil {
		return err
	}
	rows, err := readFeatureRows(a.data, topt, m, a.columns)
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
	if !ex.Additive() {
		return fmt.Errorf("explain: SHAP values miss the margin by %g (internal error)", ex.MaxAdditivityError)
	}
	switch a.format {
	case "csv":
		return writeExplainCSV(e.stdout, ex)
	case "json":
		return writeExplainJSON(e.stdout, a.model, m, rows, ex)
	}
	return writeExplainText(e.stdout, a.model, a.data, m, rows, ex, lang)
}

// endpointOnly are the flags that only permutation importance takes.
var endpointOnly = []string{"label", "features", "metric", "repeats", "seed", "batch-size", "timeout", "header"}

// check validates the flags that need no file.
func (a *explainArgs) check(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch {
	case a.model != "" && a.endpoint != "":
		return errUsage{"explain: give --model (SHAP values) or --endpoint (permutation importance), not both"}
	case a.model == "" && a.endpoint == "" || a.data == "":
		return errUsage{"explain: --model and --data are required (or --endpoint, --data and --label)"}
	}
	if err := checkFormat("explain", a.format); err != nil {
		return err
	}
	if a.model != "" {
		for _, f := range endpointOnly {
			if set[f] {
				return errUsage{fmt.Sprintf("explain: --%s goes with --endpoint, not --model", f)}
			}
		}
		return nil
	}
	if len(a.columns) > 0 {
		return errUsage{"explain: --column goes with --model; with --endpoint choose columns with --features"}
	}
	u, err := url.Parse(a.endpoint)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return errUsage{fmt.Sprintf("explain: --endpoint %q: want an http:// or https:// URL", a.endpoint)}
	case a.label == "":
		return errUsage{"explain: --endpoint needs --label, the column of the true target"}
	case a.repeats < 1:
		return errUsage{fmt.Sprintf("explain: --repeats %d: want 1 or more", a.repeats)}
	case a.batchSize < 1:
		return errUsage{fmt.Sprintf("explain: --batch-size %d: want 1 or more", a.batchSize)}
	case a.timeout <= 0:
		return errUsage{fmt.Sprintf("explain: --timeout %s: want a positive duration", a.timeout)}
	}
	if _, ok := permutationMetrics[a.metric]; !ok {
		return errUsage{fmt.Sprintf("explain: --metric %q: want mse, mae, accuracy or logloss", a.metric)}
	}
	return nil
}

// featureRow is one data row: its line in the file and the feature
// values in the model's order (NaN for missing).
type featureRow struct {
	line   int
	values []float64
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// writeExplainCSV writes one output row per input row: the SHAP value of
// every feature, then bias.
func writeExplainCSV(w io.Writer, ex *explain.Explanation) error {
	cw := evidence.NewCSVWriter(w) // names from the input file: formulas defused
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
	return writeJSON(w, out)
}

func writeExplainText(dst io.Writer, modelPath, data string, m *explain.Model, rows []featureRow, ex *explain.Explanation, lang string) error {
	w := &errWriter{w: dst}
	t := newReportText(lang)
	fmt.Fprintln(w, t.T("clireport.explain.model", modelPath, m.Objective, m.NumTrees(), m.MaxDepth(), m.NumFeature,
		strconv.FormatFloat(m.BaseScore, 'g', -1, 32), m.BaseMargin))
	fmt.Fprint(w, t.T("clireport.explain.data", data, len(rows), m.Link(), ex.Bias)+"\n\n")
	fmt.Fprintln(w, t.T("clireport.explain.importance"))
	var table [][]string
	for i, f := range explain.Rank(ex.Features, ex.Importance) {
		table = append(table, []string{"  " + strconv.Itoa(i+1), f.Feature, fmt.Sprintf("%.6g", f.Importance)})
	}
	writeTabbed(w, table, false)
	fmt.Fprint(w, "\n"+t.T("clireport.explain.per_row")+"\n")
	head := []string{t.T("clireport.explain.col.line"), t.T("clireport.explain.col.prediction"), t.T("clireport.explain.col.margin"),
		t.T("clireport.explain.col.bias")}
	table = [][]string{append(head, ex.Features...)}
	for i, r := range rows {
		row := []string{strconv.Itoa(r.line), fmt.Sprintf("%.6g", ex.Predictions[i]), fmt.Sprintf("%.6g", ex.Margins[i]), fmt.Sprintf("%.6g", ex.Bias)}
		for _, v := range ex.Values[i] {
			row = append(row, fmt.Sprintf("%.6g", v))
		}
		table = append(table, row)
	}
	writeTabbed(w, table, true)
	fmt.Fprint(w, "\n"+t.T("clireport.explain.check", ex.MaxAdditivityError)+"\n")
	return w.err
}

// readFeatureRows reads the data file into rows of the model's features.
// With feature names, each feature is the column of that name, or the one
// --column names (other columns are ignored); without, the file must have
// exactly NumFeature columns, taken in order.
func readFeatureRows(path string, opt tabular.Options, m *explain.Model, given featureColumns) ([]featureRow, error) {
	t, err := tabular.OpenFile(path, opt)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	cols := make([]int, m.NumFeature)
	names := m.FeatureNamesOrDefault()
	for f := range given {
		if !slices.Contains(names, f) {
			return nil, errUsage{fmt.Sprintf("explain: --column %s=%s: the model has no feature %q (its features are %s)", f, given[f], f, strings.Join(names, ", "))}
		}
	}
	switch {
	case m.FeatureNames != nil || len(given) > 0:
		for j, name := range names {
			spec, ok := given[name]
			if !ok {
				if m.FeatureNames == nil {
					spec = "#" + strconv.Itoa(j+1)
				} else {
					spec = name
				}
			}
			if cols[j], err = t.Column(spec); err != nil {
				if errors.Is(err, tabular.ErrAmbiguous) {
					return nil, fmt.Errorf("model feature %q: %w (pass --column %s=#N)", name, err, name)
				}
				if ok {
					return nil, fmt.Errorf("--column %s=%s: %w", name, spec, err)
				}
				return nil, fmt.Errorf("model feature %q: %w (or name its column with --column %s=COL)", name, err, name)
			}
		}
	default:
		if n := len(t.Header()); n != m.NumFeature {
			return nil, fmt.Errorf("%s has %d columns but the model has %d features and no feature names, so columns are matched by position", path, n, m.NumFeature)
		}
		for j := range cols {
			cols[j] = j
			names[j] = t.Header()[j]
		}
	}
	rows, _, err := readNumericRows(t, path, cols, names, -1)
	return rows, err
}

// readNumericRows reads the columns cols (named names, for messages) of
// every row into featureRows, a missing cell as NaN; with labelCol ≥ 0 it
// also reads that column as a required number.
func readNumericRows(t *tabular.Reader, path string, cols []int, names []string, labelCol int) ([]featureRow, []float64, error) {
	var rows []featureRow
	var labels []float64
	for {
		rec, line, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		x := make([]float64, len(cols))
		for j, c := range cols {
			if x[j], err = evidence.FeatureValue(rec[c]); err != nil {
				return nil, nil, fmt.Errorf("line %d, column %q: %q %v", line, names[j], strings.TrimSpace(rec[c]), err)
			}
		}
		if labelCol >= 0 {
			y, err := evidence.ParseNumber(rec[labelCol])
			if err != nil {
				s := strings.TrimSpace(rec[labelCol])
				if evidence.Missing(s) {
					return nil, nil, fmt.Errorf("line %d, label column %q: the target is missing; drop the row or fill it in", line, t.Header()[labelCol])
				}
				return nil, nil, fmt.Errorf("line %d, label column %q: %q %v", line, t.Header()[labelCol], s, err)
			}
			labels = append(labels, y)
		}
		rows = append(rows, featureRow{line: line, values: x})
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s: %w", path, errNoRows)
	}
	return rows, labels, nil
}
