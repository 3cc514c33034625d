package explain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// Predictor is any model: rows in, one prediction per row out.
type Predictor interface {
	Predict(ctx context.Context, rows [][]float64) ([]float64, error)
}

// PredictorFunc adapts a function to Predictor.
type PredictorFunc func(ctx context.Context, rows [][]float64) ([]float64, error)

// Predict calls f.
func (f PredictorFunc) Predict(ctx context.Context, rows [][]float64) ([]float64, error) {
	return f(ctx, rows)
}

// HTTPPredictor calls a JSON prediction endpoint: it POSTs
// {"rows": [[x, …], …]} (with "features": [name, …] too when Features is
// set) and expects {"predictions": [p, …]}, one number per row, in order.
// Missing values (NaN) are sent as null.
type HTTPPredictor struct {
	URL string
	// Client defaults to a client with a 60 s timeout.
	Client *http.Client
	// BatchSize is the number of rows per request; 0 means 1,000.
	BatchSize int
	// Header is added to every request (for example Authorization).
	Header http.Header
	// Features, when set, names the values of each row in every request,
	// so the endpoint can check or map them by name.
	Features []string
}

var defaultClient = &http.Client{Timeout: 60 * time.Second}

// Predict sends rows in batches and returns the predictions.
func (h *HTTPPredictor) Predict(ctx context.Context, rows [][]float64) ([]float64, error) {
	size := h.BatchSize
	if size <= 0 {
		size = 1000
	}
	out := make([]float64, 0, len(rows))
	for start := 0; start < len(rows); start += size {
		batch := rows[start:min(start+size, len(rows))]
		preds, err := h.post(ctx, batch)
		if err != nil {
			return nil, fmt.Errorf("predict rows %d–%d: %w", start, start+len(batch)-1, err)
		}
		out = append(out, preds...)
	}
	return out, nil
}

type predictRequest struct {
	Features []string     `json:"features,omitempty"`
	Rows     [][]*float64 `json:"rows"`
}

type predictResponse struct {
	Predictions []*float64 `json:"predictions"`
}

func (h *HTTPPredictor) post(ctx context.Context, rows [][]float64) ([]float64, error) {
	req := predictRequest{Features: h.Features, Rows: make([][]*float64, len(rows))}
	for i, r := range rows {
		req.Rows[i] = make([]*float64, len(r))
		for j := range r {
			if !math.IsNaN(r[j]) {
				req.Rows[i][j] = &r[j]
			}
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range h.Header {
		hr.Header[k] = v
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	c := h.Client
	if c == nil {
		c = defaultClient
	}
	where := lodestar.RedactEndpoint(h.URL) // errors name the endpoint without its secrets
	resp, err := c.Do(hr)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = where
		}
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s: %s: %s", where, resp.Status, snippet(b))
	}
	var pr predictResponse
	if err := json.Unmarshal(b, &pr); err != nil {
		return nil, fmt.Errorf("%s: response is not {\"predictions\": [...]}: %v", where, err)
	}
	if len(pr.Predictions) != len(rows) {
		return nil, fmt.Errorf("%s: %d predictions for %d rows", where, len(pr.Predictions), len(rows))
	}
	out := make([]float64, len(rows))
	for i, p := range pr.Predictions {
		if p == nil {
			return nil, fmt.Errorf("%s: prediction %d is null", where, i)
		}
		out[i] = *p
	}
	return out, nil
}

func snippet(b []byte) string {
	const n = 200
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// Metric scores predictions against true targets.
type Metric struct {
	Name  string
	Score func(y, pred []float64) float64
	// LowerIsBetter is true for errors and losses.
	LowerIsBetter bool
}

// Metrics for PermutationOptions.Metric.
var (
	// MSE is the mean squared error.
	MSE = Metric{"mse", func(y, p []float64) float64 {
		s := 0.0
		for i := range y {
			d := y[i] - p[i]
			s += d * d
		}
		return s / float64(len(y))
	}, true}
	// MAE is the mean absolute error.
	MAE = Metric{"mae", func(y, p []float64) float64 {
		s := 0.0
		for i := range y {
			s += math.Abs(y[i] - p[i])
		}
		return s / float64(len(y))
	}, true}
	// Accuracy counts a prediction ≥ 0.5 as class 1 and compares with y (0 or 1).
	Accuracy = Metric{"accuracy", func(y, p []float64) float64 {
		hit := 0
		for i := range y {
			if (p[i] >= 0.5) == (y[i] == 1) {
				hit++
			}
		}
		return float64(hit) / float64(len(y))
	}, false}
	// LogLoss is the binary cross-entropy of probabilities p, clipped to
	// [ε, 1−ε] with ε float64's machine epsilon, as sklearn (1.2 on) and
	// the monitoring engine clip them.
	LogLoss = Metric{"logloss", func(y, p []float64) float64 {
		const eps = 2.220446049250313e-16
		s := 0.0
		for i := range y {
			q := min(max(p[i], eps), 1-eps)
			s -= y[i]*math.Log(q) + (1-y[i])*math.Log(1-q)
		}
		return s / float64(len(y))
	}, true}
)

// PermutationOptions configure PermutationImportance.
type PermutationOptions struct {
	// Repeats is the number of permutations per feature; 0 means 5.
	Repeats int
	// Seed fixes the permutations: feature j's are drawn from a PCG
	// seeded with (Seed, j), so they do not depend on the other features.
	Seed uint64
	// Metric defaults to MSE.
	Metric Metric
}

// PermutationResult is the outcome of PermutationImportance.
type PermutationResult struct {
	Metric   string               `json:"metric"`
	Baseline float64              `json:"baseline"`
	Features []PermutationFeature `json:"features"`
}

// PermutationFeature is one feature's permutation importance: how much the
// metric worsens when the feature's column is shuffled (positive = the
// model relies on it), as the mean and standard deviation (ddof 0, as
// sklearn.inspection.permutation_importance reports) over repeats.
type PermutationFeature struct {
	Feature string    `json:"feature"`
	Mean    float64   `json:"mean"`
	Std     float64   `json:"std"`
	Repeats []float64 `json:"repeats"`
}

// PermutationImportance measures each feature's importance to any model
// by shuffling that feature's column and re-scoring, following Breiman
// (2001) and sklearn.inspection.permutation_importance. X is not modified.
func PermutationImportance(ctx context.Context, p Predictor, X [][]float64, y []float64, names []string, opt PermutationOptions) (*PermutationResult, error) {
	if len(X) == 0 {
		return nil, errors.New("permutation importance: no rows")
	}
	if len(y) != len(X) {
		return nil, fmt.Errorf("permutation importance: %d targets for %d rows", len(y), len(X))
	}
	nf := len(names)
	for i, r := range X {
		if len(r) != nf {
			return nil, fmt.Errorf("permutation importance: row %d has %d values, want %d", i, len(r), nf)
		}
	}
	if opt.Repeats <= 0 {
		opt.Repeats = 5
	}
	if opt.Metric.Score == nil {
		opt.Metric = MSE
	}
	score := func(rows [][]float64) (float64, error) {
		pred, err := p.Predict(ctx, rows)
		if err != nil {
			return 0, err
		}
		if len(pred) != len(rows) {
			return 0, fmt.Errorf("%d predictions for %d rows", len(pred), len(rows))
		}
		return opt.Metric.Score(y, pred), nil
	}
	base, err := score(X)
	if err != nil {
		return nil, fmt.Errorf("permutation importance: baseline: %w", err)
	}
	res := &PermutationResult{Metric: opt.Metric.Name, Baseline: base}
	work := make([][]float64, len(X))
	for i, r := range X {
		work[i] = append([]float64(nil), r...)
	}
	col := make([]float64, len(X))
	for j := range nf {
		r := rand.New(rand.NewPCG(opt.Seed, uint64(j)))
		for i := range X {
			col[i] = X[i][j]
		}
		f := PermutationFeature{Feature: names[j]}
		for range opt.Repeats {
			r.Shuffle(len(col), func(a, b int) { col[a], col[b] = col[b], col[a] })
			for i := range work {
				work[i][j] = col[i]
			}
			s, err := score(work)
			if err != nil {
				return nil, fmt.Errorf("permutation importance: feature %q: %w", names[j], err)
			}
			d := base - s
			if opt.Metric.LowerIsBetter {
				d = s - base
			}
			f.Repeats = append(f.Repeats, d)
		}
		for i := range work {
			work[i][j] = X[i][j]
		}
		f.Mean, f.Std = meanStd(f.Repeats)
		res.Features = append(res.Features, f)
	}
	return res, nil
}

func meanStd(xs []float64) (float64, float64) {
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	v := 0.0
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return m, math.Sqrt(v / float64(len(xs)))
}
