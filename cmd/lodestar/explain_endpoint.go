package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/explain"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// permutationMetrics are the --metric values of explain --endpoint.
var permutationMetrics = map[string]explain.Metric{
	"mse": explain.MSE, "mae": explain.MAE, "accuracy": explain.Accuracy, "logloss": explain.LogLoss,
}

// explainEndpoint computes permutation importance of the model behind
// a.endpoint on the rows of a.data.
func (e *cmdEnv) explainEndpoint(a explainArgs, opt tabular.Options, lang string) error {
	metric := permutationMetrics[a.metric]
	t, err := tabular.OpenFile(a.data, opt)
	if err != nil {
		return err
	}
	defer t.Close()
	labelCol, err := t.Column(a.label)
	if err != nil {
		return fmt.Errorf("--label %s: %w", a.label, err)
	}
	cols, err := endpointFeatures(t, a.features, labelCol)
	if err != nil {
		return err
	}
	names := featureNames(t.Header(), cols)
	rows, y, err := readNumericRows(t, a.data, cols, names, labelCol)
	if err != nil {
		return err
	}
	if a.metric == "accuracy" || a.metric == "logloss" {
		for i, v := range y {
			if v != 0 && v != 1 {
				return fmt.Errorf("line %d, label column %q: %v is not 0 or 1, as --metric %s needs", rows[i].line, t.Header()[labelCol], v, a.metric)
			}
		}
	}
	x := make([][]float64, len(rows))
	for i, r := range rows {
		x[i] = r.values
	}
	p := &checkedPredictor{
		p: &explain.HTTPPredictor{URL: a.endpoint, Client: &http.Client{Timeout: a.timeout}, BatchSize: a.batchSize,
			Header: a.headers.h, Features: names},
		rows: rows, metric: a.metric, url: lodestar.RedactEndpoint(a.endpoint),
	}
	ctx := e.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := explain.PermutationImportance(ctx, p, x, y, names, explain.PermutationOptions{Repeats: a.repeats, Seed: a.seed, Metric: metric})
	if err != nil {
		return err
	}
	rep := permutationReport{
		Endpoint: lodestar.RedactEndpoint(a.endpoint), Data: a.data, Label: t.Header()[labelCol], Rows: len(rows),
		Metric: res.Metric, LowerIsBetter: metric.LowerIsBetter, Baseline: res.Baseline,
		Repeats: a.repeats, Seed: a.seed, Scorings: p.calls, Features: res.Features,
	}
	switch a.format {
	case "json":
		return writeJSON(e.stdout, rep)
	case "csv":
		return writePermutationCSV(e.stdout, rep)
	}
	return writePermutationText(e.stdout, rep, lang)
}

// endpointFeatures resolves --features, or takes every column but the
// label.
func endpointFeatures(t *tabular.Reader, spec string, labelCol int) ([]int, error) {
	var cols []int
	if strings.TrimSpace(spec) == "" {
		for i := range t.Header() {
			if i != labelCol {
				cols = append(cols, i)
			}
		}
		if len(cols) == 0 {
			return nil, fmt.Errorf("%s: no columns besides the label", t.Header()[labelCol])
		}
		return cols, nil
	}
	for _, f := range strings.Split(spec, ",") {
		i, err := t.Column(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("--features: %w", err)
		}
		switch {
		case i == labelCol:
			return nil, fmt.Errorf("--features: %q is the --label column; the target cannot be a feature", f)
		case slices.Contains(cols, i):
			return nil, fmt.Errorf("--features: column #%d is listed twice", i+1)
		}
		cols = append(cols, i)
	}
	return cols, nil
}

// featureNames names the chosen columns by their headers; a header that
// several chosen columns share gets its position, "x (#3)", so that no
// two features in the output look alike.
func featureNames(header []string, cols []int) []string {
	count := map[string]int{}
	for _, c := range cols {
		count[header[c]]++
	}
	names := make([]string, len(cols))
	for j, c := range cols {
		names[j] = header[c]
		if count[header[c]] > 1 {
			names[j] = fmt.Sprintf("%s (#%d)", header[c], c+1)
		}
	}
	return names
}

// checkedPredictor refuses predictions the metric would silently misread:
// non-finite numbers, and, for accuracy and logloss, values outside [0, 1].
type checkedPredictor struct {
	p      explain.Predictor
	rows   []featureRow
	metric string
	url    string
	calls  int // scorings of the whole data set
}

func (c *checkedPredictor) Predict(ctx context.Context, x [][]float64) ([]float64, error) {
	c.calls++
	pred, err := c.p.Predict(ctx, x)
	if err != nil {
		return nil, err
	}
	prob := c.metric == "accuracy" || c.metric == "logloss"
	for i, v := range pred {
		if i >= len(c.rows) {
			break
		}
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			return nil, fmt.Errorf("%s: the prediction for line %d is %v", c.url, c.rows[i].line, v)
		case prob && (v < 0 || v > 1):
			return nil, fmt.Errorf("%s: the prediction for line %d is %v, not a probability in [0, 1] as --metric %s needs (use mse or mae for scores)",
				c.url, c.rows[i].line, v, c.metric)
		}
	}
	return pred, nil
}

// permutationReport is the document `lodestar explain --endpoint --format
// json` writes.
type permutationReport struct {
	Endpoint      string  `json:"endpoint"`
	Data          string  `json:"data"`
	Label         string  `json:"label"`  // header of the target column
	Rows          int     `json:"rows"`   // data rows scored
	Metric        string  `json:"metric"` // mse, mae, accuracy or logloss
	LowerIsBetter bool    `json:"lower_is_better"`
	Baseline      float64 `json:"baseline"` // the metric on the unshuffled data
	Repeats       int     `json:"repeats"`
	Seed          uint64  `json:"seed"`
	Scorings      int     `json:"scorings"` // times the whole data set was scored: 1 + features × repeats
	// Features, in the order sent to the endpoint: importance is how much
	// the metric worsens (positive) when the feature is shuffled.
	Features []explain.PermutationFeature `json:"features"`
}

func writePermutationCSV(w io.Writer, rep permutationReport) error {
	cw := evidence.NewCSVWriter(w) // names from the input file: formulas defused
	head := []string{"feature", "importance_mean", "importance_std"}
	for r := range rep.Repeats {
		head = append(head, "repeat_"+strconv.Itoa(r+1))
	}
	cw.Write(head)
	for _, f := range rep.Features {
		rec := []string{f.Feature, fmtFloat(f.Mean), fmtFloat(f.Std)}
		for _, v := range f.Repeats {
			rec = append(rec, fmtFloat(v))
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

func writePermutationText(dst io.Writer, rep permutationReport, lang string) error {
	w := &errWriter{w: dst}
	t := newReportText(lang)
	dir := t.T("clireport.explain.higher_is_better")
	if rep.LowerIsBetter {
		dir = t.T("clireport.explain.lower_is_better")
	}
	fmt.Fprintln(w, t.T("clireport.explain.permutation", rep.Endpoint, rep.Data, rep.Rows, len(rep.Features), rep.Label))
	fmt.Fprintln(w, t.T("clireport.explain.metric", rep.Metric, dir, rep.Baseline, rep.Repeats, rep.Seed, rep.Scorings))
	fmt.Fprint(w, t.T("clireport.explain.permutation_note")+"\n\n")
	ranked := slices.Clone(rep.Features)
	slices.SortStableFunc(ranked, func(a, b explain.PermutationFeature) int {
		switch {
		case a.Mean > b.Mean:
			return -1
		case a.Mean < b.Mean:
			return 1
		}
		return 0
	})
	rows := [][]string{{"  " + t.T("clireport.explain.col.rank"), t.T("clireport.explain.col.feature"), t.T("clireport.explain.col.importance"),
		t.T("clireport.explain.col.sd")}}
	for i, f := range ranked {
		rows = append(rows, []string{"  " + strconv.Itoa(i+1), f.Feature, fmt.Sprintf("%.6g", f.Mean), fmt.Sprintf("%.3g", f.Std)})
	}
	writeTabbed(w, rows, false)
	return w.err
}
