package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/engine/explain"
)

// linearModel is the model the test endpoint serves: 3·x0 + 0.5·x1, and
// x2 unused; a missing value counts as 0.
func linearModel(x []float64) float64 {
	v := func(f float64) float64 {
		if math.IsNaN(f) {
			return 0
		}
		return f
	}
	return 3*v(x[0]) + 0.5*v(x[1])
}

// modelServer serves a model over explain's JSON protocol, as a real
// service would, and records what it was sent.
type modelServer struct {
	*httptest.Server
	mu       sync.Mutex
	features []string
	auth     string
	maxBatch int
	nulls    int
	requests int
}

func newModelServer(t *testing.T, model func([]float64) float64) *modelServer {
	s := &modelServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Features []string
			Rows     [][]*float64
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "want POST of JSON", http.StatusBadRequest)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.requests++
		s.features, s.auth = req.Features, r.Header.Get("Authorization")
		s.maxBatch = max(s.maxBatch, len(req.Rows))
		preds := make([]float64, len(req.Rows))
		for i, row := range req.Rows {
			x := make([]float64, len(row))
			for j, v := range row {
				x[j] = math.NaN()
				if v == nil {
					s.nulls++
				} else {
					x[j] = *v
				}
			}
			preds[i] = model(x)
		}
		s.mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"predictions": preds})
	}))
	t.Cleanup(s.Close)
	return s
}

// linearData writes n rows of y,x0,x1,x2 with y = the model's output plus
// noise, a missing x1 on every 20th row.
func linearData(t *testing.T, n int) (path string, X [][]float64, y []float64) {
	r := rand.New(rand.NewPCG(5, 5))
	var b strings.Builder
	b.WriteString("y,x0,x1,x2\r\n")
	for i := range n {
		x := []float64{math.Round(r.NormFloat64()*1000) / 1000, math.Round(r.NormFloat64()*1000) / 1000, math.Round(r.NormFloat64()*1000) / 1000}
		cell := fmt.Sprint(x[1])
		if i%20 == 0 {
			x[1], cell = math.NaN(), "NA"
		}
		target := math.Round((linearModel(x)+0.1*r.NormFloat64())*1000) / 1000
		fmt.Fprintf(&b, "%v,%v,%s,%v\r\n", target, x[0], cell, x[2])
		X, y = append(X, x), append(y, target)
	}
	return writeFile(t, "linear.csv", b.String()), X, y
}

// TestExplainEndpointPermutation runs permutation importance against a
// real HTTP model service and checks it against the engine on the same
// rows with the same seed, then the other formats.
func TestExplainEndpointPermutation(t *testing.T) {
	srv := newModelServer(t, linearModel)
	path, X, y := linearData(t, 300)
	args := []string{"explain", "--endpoint", srv.URL + "/predict", "--data", path, "--label", "y",
		"--repeats", "3", "--seed", "7", "--batch-size", "128", "--header", "Authorization: Bearer s3cret"}
	code, out, errOut := runCLI(t, append(args, "--format", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got permutationReport
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	local := explain.PredictorFunc(func(_ context.Context, rows [][]float64) ([]float64, error) {
		out := make([]float64, len(rows))
		for i, r := range rows {
			out[i] = linearModel(r)
		}
		return out, nil
	})
	want, err := explain.PermutationImportance(context.Background(), local, X, y, []string{"x0", "x1", "x2"},
		explain.PermutationOptions{Repeats: 3, Seed: 7, Metric: explain.MSE})
	if err != nil {
		t.Fatal(err)
	}
	if got.Metric != "mse" || !got.LowerIsBetter || got.Baseline != want.Baseline || !reflect.DeepEqual(got.Features, want.Features) {
		t.Errorf("over HTTP %+v\nengine locally %+v", got, want)
	}
	if got.Rows != 300 || got.Scorings != 1+3*3 || got.Label != "y" {
		t.Errorf("report %+v", got)
	}
	// x0 (weight 3) matters most, x2 not at all: shuffling an unused
	// feature changes no prediction.
	if f := got.Features; !(f[0].Mean > f[1].Mean && f[1].Mean > 0 && f[2].Mean == 0 && f[2].Std == 0) {
		t.Errorf("importances %+v", f)
	}
	if strings.Join(srv.features, ",") != "x0,x1,x2" || srv.auth != "Bearer s3cret" || srv.maxBatch != 128 ||
		srv.nulls != 15*got.Scorings || srv.requests != 3*got.Scorings {
		t.Errorf("server saw features %q, auth %q, max batch %d, %d nulls, %d requests", srv.features, srv.auth, srv.maxBatch, srv.nulls, srv.requests)
	}

	code, out, errOut = runCLI(t, args...)
	if code != 0 || !strings.Contains(out, "300 rows, 3 features, target \"y\"") || !strings.Contains(out, "Metric: mse (lower is better)") {
		t.Errorf("text: exit %d %s\n%s", code, errOut, out)
	}
	if i0, i2 := strings.Index(out, "  1     x0"), strings.Index(out, "  3     x2"); i0 < 0 || i2 < i0 {
		t.Errorf("text not ranked x0 first, x2 last:\n%s", out)
	}
	code, out, _ = runCLI(t, append(args, "--format", "csv")...)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 4 || strings.Join(recs[0], ",") != "feature,importance_mean,importance_std,repeat_1,repeat_2,repeat_3" ||
		recs[1][0] != "x0" || recs[3][1] != "0" {
		t.Errorf("csv: %v %q", err, recs)
	}

	// --features picks and orders the columns the endpoint expects.
	swapped := newModelServer(t, func(x []float64) float64 { return linearModel([]float64{x[1], x[0], 0}) })
	code, out, errOut = runCLI(t, "explain", "--endpoint", swapped.URL, "--data", path, "--label", "#1", "--features", "x1, #2",
		"--repeats", "3", "--seed", "7", "--format", "json")
	var sw permutationReport
	if code != 0 || json.Unmarshal([]byte(out), &sw) != nil {
		t.Fatalf("--features: exit %d %s", code, errOut)
	}
	if strings.Join(swapped.features, ",") != "x1,x0" || len(sw.Features) != 2 || sw.Features[0].Feature != "x1" || sw.Features[1].Mean <= sw.Features[0].Mean {
		t.Errorf("--features x1,#2: server saw %q, report %+v", swapped.features, sw.Features)
	}
}

// TestExplainEndpointMetricsAndDuplicates: accuracy on a classifier served
// over HTTP, and duplicate header names, which are features by position
// and named with it.
func TestExplainEndpointMetricsAndDuplicates(t *testing.T) {
	srv := newModelServer(t, func(x []float64) float64 { return 1 / (1 + math.Exp(-4*x[0])) })
	var b strings.Builder
	b.WriteString("x,x,label\n")
	r := rand.New(rand.NewPCG(6, 6))
	for range 200 {
		x0, x1 := r.NormFloat64(), r.NormFloat64()
		fmt.Fprintf(&b, "%.4f,%.4f,%d\n", x0, x1, map[bool]int{true: 1}[x0 > 0])
	}
	path := writeFile(t, "cls.csv", b.String())
	for _, metric := range []string{"accuracy", "logloss"} {
		code, out, errOut := runCLI(t, "explain", "--endpoint", srv.URL, "--data", path, "--label", "label", "--metric", metric, "--format", "json")
		var rep permutationReport
		if code != 0 || json.Unmarshal([]byte(out), &rep) != nil {
			t.Fatalf("%s: exit %d %s", metric, code, errOut)
		}
		if rep.Features[0].Feature != "x (#1)" || rep.Features[1].Feature != "x (#2)" || rep.Features[0].Mean <= 0.1 || rep.Features[1].Mean != 0 {
			t.Errorf("%s: %+v", metric, rep.Features)
		}
		if metric == "accuracy" && (rep.Baseline != 1 || rep.LowerIsBetter) {
			t.Errorf("accuracy baseline %v (want 1: the labels are the model's own classes)", rep.Baseline)
		}
	}
	code, _, errOut := runCLI(t, "explain", "--endpoint", srv.URL, "--data", path, "--label", "label", "--features", "x")
	if code != 1 || !strings.Contains(errOut, `"x" is the name of columns #1, #2; select one by position, e.g. #1`) {
		t.Errorf("ambiguous --features: exit %d %s", code, errOut)
	}
}

func TestExplainEndpointErrors(t *testing.T) {
	good := newModelServer(t, linearModel)
	crash := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "model not loaded", http.StatusServiceUnavailable)
	}))
	defer crash.Close()
	scores := newModelServer(t, func(x []float64) float64 { return 2 + x[0] })
	nan := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Rows [][]*float64 }
		json.NewDecoder(r.Body).Decode(&req)
		w.Write([]byte(`{"predictions":[` + strings.TrimSuffix(strings.Repeat("1e999,", len(req.Rows)), ",") + `]}`))
	}))
	defer nan.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	data := writeFile(t, "d.csv", "y,x0,x1,x2\n1,0.5,1,2\n0,-0.5,2,1\n1,1.5,0,0\n")
	tests := []struct {
		name string
		url  string
		data string
		args []string
		code int
		want string
	}{
		{"server error", crash.URL, "", nil, 1, "503 Service Unavailable: model not loaded"},
		{"unreachable", down.URL, "", nil, 1, "connection refused"},
		{"not a probability", scores.URL, "", []string{"--metric", "logloss"}, 1, "the prediction for line 2 is 2.5, not a probability in [0, 1] as --metric logloss needs"},
		{"infinite prediction", nan.URL, "", nil, 1, "is not {\"predictions\""},
		{"label not 0/1", good.URL, "y,x0,x1,x2\n2,0.5,1,2\n", []string{"--metric", "accuracy"}, 1, `line 2, label column "y": 2 is not 0 or 1, as --metric accuracy needs`},
		{"label missing", good.URL, "y,x0,x1,x2\n1,0.5,1,2\n,0.5,1,2\n", nil, 1, `line 3, label column "y": the target is missing`},
		{"label not a number", good.URL, "y,x0,x1,x2\nyes,0.5,1,2\n", nil, 1, `line 2, label column "y": "yes" is not a number`},
		{"feature not a number", good.URL, "y,x0,x1,x2\n1,0.5,a,2\n", nil, 1, `line 2, column "x1": "a" is not a number`},
		{"label is a feature", good.URL, "", []string{"--features", "x0,y"}, 1, `"y" is the --label column`},
		{"feature twice", good.URL, "", []string{"--features", "x0,#2"}, 1, "column #2 is listed twice"},
		{"no label column", good.URL, "", []string{"--label", "target"}, 1, `--label target: `},
		{"only a label", good.URL, "y\n1\n", nil, 1, "no columns besides the label"},
		{"no rows", good.URL, "y,x0\n", nil, 1, "no data rows"},
		{"no --label", good.URL, "", []string{"--label", ""}, 2, "--endpoint needs --label"},
		{"bad URL", "localhost:8080/predict", "", nil, 2, "want an http:// or https:// URL"},
		{"repeats", good.URL, "", []string{"--repeats", "0"}, 2, "--repeats 0: want 1 or more"},
		{"batch size", good.URL, "", []string{"--batch-size", "0"}, 2, "--batch-size 0"},
		{"metric", good.URL, "", []string{"--metric", "auc"}, 2, `--metric "auc": want mse, mae, accuracy or logloss`},
		{"column flag", good.URL, "", []string{"--column", "x0=#2"}, 2, "--column goes with --model"},
		{"header flag", good.URL, "", []string{"--header", "no colon"}, 2, `want "Name: value"`},
		{"with a model", good.URL, "", []string{"--model", "m.json"}, 2, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := data
			if tt.data != "" {
				path = writeFile(t, "d.csv", tt.data)
			}
			args := append([]string{"explain", "--endpoint", tt.url, "--data", path, "--label", "y"}, tt.args...)
			code, out, errOut := runCLI(t, args...)
			if code != tt.code || out != "" || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d with %q", code, out, errOut, tt.code, tt.want)
			}
		})
	}
	// The SHAP mode refuses the permutation flags.
	model := filepath.Join(explainTestdata, "binary.json")
	if code, _, errOut := runCLI(t, "explain", "--model", model, "--data", data, "--label", "y"); code != 2 || !strings.Contains(errOut, "--label goes with --endpoint") {
		t.Errorf("--model with --label: exit %d %s", code, errOut)
	}
}

// TestExplainColumnFlag: a model feature whose name two columns share is
// read from the column given by position.
func TestExplainColumnFlag(t *testing.T) {
	model := filepath.Join(explainTestdata, "binary.json")
	row := "0.43,1.0,1000000.03,2.17,0.0,0.59,0.38,1.0"
	plain := writeFile(t, "plain.csv", "f0,f1,f2,f3,f4,f5,f6,f7\n"+row+"\n")
	dup := writeFile(t, "dup.csv", "f0,f1,f2,f3,f4,f5,f6,f7,f2\n"+row+",999\n")
	_, want, errOut := runCLI(t, "explain", "--model", model, "--data", plain, "--format", "csv")
	code, got, errOut2 := runCLI(t, "explain", "--model", model, "--data", dup, "--column", "f2=#3", "--format", "csv")
	if code != 0 || got != want || want == "" {
		t.Errorf("--column f2=#3: exit %d %s %s\n%s\nwant\n%s", code, errOut, errOut2, got, want)
	}
	_, other, _ := runCLI(t, "explain", "--model", model, "--data", dup, "--column", "f2=#9", "--format", "csv")
	_, want9, _ := runCLI(t, "explain", "--model", model, "--data",
		writeFile(t, "nine.csv", "f0,f1,f2,f3,f4,f5,f6,f7\n0.43,1.0,999,2.17,0.0,0.59,0.38,1.0\n"), "--format", "csv")
	if other != want9 || want9 == "" {
		t.Errorf("--column f2=#9 did not read column 9:\n%s\nwant\n%s", other, want9)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--column", "f9=#3"}, 2, `the model has no feature "f9"`},
		{[]string{"--column", "f2=#12"}, 1, "--column f2=#12"},
		{[]string{"--column", "f2"}, 2, "want FEATURE=COL"},
	} {
		code, _, errOut := runCLI(t, append([]string{"explain", "--model", model, "--data", dup}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d %s; want %d with %q", c.args, code, errOut, c.code, c.want)
		}
	}
	// A model without feature names: f0 is moved, the others stay by position.
	reg := filepath.Join(explainTestdata, "reg.json")
	_, wantReg, _ := runCLI(t, "explain", "--model", reg, "--data", plain, "--format", "csv")
	moved := writeFile(t, "moved.csv", "a,b,c,d,e,f,g,h,first\n9,1.0,1000000.03,2.17,0.0,0.59,0.38,1.0,0.43\n")
	if code, got, errOut := runCLI(t, "explain", "--model", reg, "--data", moved, "--column", "f0=#9", "--format", "csv"); code != 0 || got != wantReg || got == "" {
		t.Errorf("nameless model with --column f0=#9: exit %d %s\n%s\nwant\n%s", code, errOut, got, wantReg)
	}
	code, _, errOut = runCLI(t, "explain", "-h")
	for _, w := range []string{"--endpoint", `{"predictions": [0.73, ...]}`, "Data files", "#N (#3 is the third column)", "-column FEATURE=COL"} {
		if code != 0 || !strings.Contains(errOut, w) {
			t.Errorf("-h lacks %q", w)
		}
	}
}
