package explain

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// known is the model behind the test server: 3·x0 + x2², ignoring x1; a
// missing x2 counts as 0.
func known(x []float64) float64 {
	x2 := x[2]
	if math.IsNaN(x2) {
		x2 = 0
	}
	return 3*x[0] + x2*x2
}

// server serves known over the JSON protocol and counts requests.
func server(t *testing.T, requests *atomic.Int64) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want POST application/json", http.StatusBadRequest)
			return
		}
		var req struct{ Rows [][]*float64 }
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var resp struct {
			Predictions []float64 `json:"predictions"`
		}
		for _, row := range req.Rows {
			x := make([]float64, len(row))
			for j, v := range row {
				x[j] = math.NaN()
				if v != nil {
					x[j] = *v
				}
			}
			resp.Predictions = append(resp.Predictions, known(x))
		}
		json.NewEncoder(w).Encode(resp)
	}))
}

func data(n int) ([][]float64, []float64) {
	r := rand.New(rand.NewPCG(4, 4))
	X := make([][]float64, n)
	y := make([]float64, n)
	for i := range X {
		X[i] = []float64{r.NormFloat64(), r.NormFloat64(), r.NormFloat64()}
		if i%10 == 0 {
			X[i][2] = math.NaN()
		}
		y[i] = known(X[i])
	}
	return X, y
}

func TestPermutationImportanceOverHTTP(t *testing.T) {
	var requests atomic.Int64
	srv := server(t, &requests)
	defer srv.Close()
	X, y := data(250)
	orig, _ := data(250)
	names := []string{"x0", "x1", "x2"}
	opt := PermutationOptions{Repeats: 4, Seed: 42}
	remote := &HTTPPredictor{URL: srv.URL, BatchSize: 100}
	got, err := PermutationImportance(context.Background(), remote, X, y, names, opt)
	if err != nil {
		t.Fatal(err)
	}
	// 1 baseline + 3 features × 4 repeats = 13 scorings, 3 batches each.
	if n := requests.Load(); n != 13*3 {
		t.Errorf("%d requests, want 39", n)
	}
	local := PredictorFunc(func(_ context.Context, rows [][]float64) ([]float64, error) {
		out := make([]float64, len(rows))
		for i, r := range rows {
			out[i] = known(r)
		}
		return out, nil
	})
	want, err := PermutationImportance(context.Background(), local, X, y, names, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("over HTTP %+v, locally %+v", got, want)
	}
	if got.Baseline != 0 || got.Metric != "mse" {
		t.Errorf("baseline %v %s, want 0 mse (targets are the model's own output)", got.Baseline, got.Metric)
	}
	if f := got.Features[1]; f.Mean != 0 || f.Std != 0 {
		t.Errorf("x1 is unused but has importance %v ± %v", f.Mean, f.Std)
	}
	// Shuffling x0 adds 9·E[(x0 − x0')²] = 18·Var(x0) ≈ 18 to the MSE.
	if f := got.Features[0]; f.Mean < 12 || f.Mean > 24 || f.Mean <= got.Features[2].Mean {
		t.Errorf("x0 importance %v, want ≈ 18 and above x2's %v", f.Mean, got.Features[2].Mean)
	}
	again, _ := PermutationImportance(context.Background(), local, X, y, names, opt)
	other, _ := PermutationImportance(context.Background(), local, X, y, names, PermutationOptions{Repeats: 4, Seed: 43})
	if !reflect.DeepEqual(again, want) || reflect.DeepEqual(other, want) {
		t.Error("permutations are not determined by the seed")
	}
	for i := range X {
		for j := range X[i] {
			if a, b := X[i][j], orig[i][j]; a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
				t.Fatalf("X[%d][%d] was modified", i, j)
			}
		}
	}
}

func TestHTTPPredictorErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"status", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "model crashed", 500) }, "500 Internal Server Error: model crashed"},
		{"not json", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) }, `not {"predictions": [...]}`},
		{"short", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"predictions":[1]}`)) }, "1 predictions for 2 rows"},
		{"null", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"predictions":[1,null]}`)) }, "prediction 1 is null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			p := &HTTPPredictor{URL: srv.URL}
			_, err := p.Predict(context.Background(), [][]float64{{1}, {2}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestPermutationImportanceInputErrors(t *testing.T) {
	p := PredictorFunc(func(_ context.Context, rows [][]float64) ([]float64, error) { return make([]float64, len(rows)), nil })
	ctx := context.Background()
	if _, err := PermutationImportance(ctx, p, nil, nil, nil, PermutationOptions{}); err == nil {
		t.Error("no rows accepted")
	}
	if _, err := PermutationImportance(ctx, p, [][]float64{{1}}, []float64{1, 2}, []string{"a"}, PermutationOptions{}); err == nil {
		t.Error("target count mismatch accepted")
	}
	if _, err := PermutationImportance(ctx, p, [][]float64{{1, 2}}, []float64{1}, []string{"a"}, PermutationOptions{}); err == nil {
		t.Error("row width mismatch accepted")
	}
}

func TestMetrics(t *testing.T) {
	y := []float64{1, 0, 1, 1}
	p := []float64{0.9, 0.2, 0.4, 0.5}
	tests := []struct {
		m    Metric
		want float64
	}{
		{MSE, (0.01 + 0.04 + 0.36 + 0.25) / 4},
		{MAE, (0.1 + 0.2 + 0.6 + 0.5) / 4},
		{Accuracy, 0.75},
		{LogLoss, -(math.Log(0.9) + math.Log(0.8) + math.Log(0.4) + math.Log(0.5)) / 4},
	}
	for _, tt := range tests {
		if got := tt.m.Score(y, p); math.Abs(got-tt.want) > 1e-15 {
			t.Errorf("%s = %v, want %v", tt.m.Name, got, tt.want)
		}
	}
}
