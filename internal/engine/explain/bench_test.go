package explain

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkTreeSHAP100x6 measures single-threaded TreeSHAP rows/s on a
// 100-tree, depth-6 model. With LODESTAR_TREESHAP_BENCH_DIR set (by
// testdata/bench_treeshap.py) it uses the xgboost model and rows written
// there, first checking agreement with xgboost's pred_contribs; otherwise a
// synthetic ensemble of the same shape (full binary trees, 20 features).
// Besides rows/s (wall) it reports rows/cpu-s, the figure to compare on a
// shared machine.
func BenchmarkTreeSHAP100x6(b *testing.B) {
	m, rows := benchModel(b)
	e := m.NewExplainer()
	phi := make([]float64, m.NumFeature+1)
	b.ResetTimer()
	start, cpu := time.Now(), cpuTime()
	n := 0
	for b.Loop() {
		for _, x := range rows {
			if _, err := e.SHAP(x, phi); err != nil {
				b.Fatal(err)
			}
		}
		n += len(rows)
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "rows/s")
	if c := cpuTime() - cpu; c > 0 {
		b.ReportMetric(float64(n)/c.Seconds(), "rows/cpu-s")
	}
}

func benchModel(b *testing.B) (*Model, [][]float64) {
	dir := os.Getenv("LODESTAR_TREESHAP_BENCH_DIR")
	if dir == "" {
		return syntheticModel(100, 6, 20), syntheticRows(1000, 20)
	}
	m, err := LoadFile(filepath.Join(dir, "model.json"))
	if err != nil {
		b.Fatal(err)
	}
	_, rows := readCSV(b, filepath.Join(dir, "data.csv"))
	_, want := readCSV(b, filepath.Join(dir, "expected.csv"))
	e := m.NewExplainer()
	for r, w := range want {
		phi, err := e.SHAP(rows[r], nil)
		if err != nil {
			b.Fatal(err)
		}
		for j := range phi {
			if d := math.Abs(phi[j] - w[j]); !(d <= tolerance) {
				b.Fatalf("row %d column %d: Go %v, xgboost %v", r, j, phi[j], w[j])
			}
		}
	}
	b.Logf("%s: %d trees, depth %d, %d rows; agrees with xgboost on %d rows", dir, m.NumTrees(), m.MaxDepth(), len(rows), len(want))
	return m, rows
}

// syntheticModel builds full binary trees of the given depth.
func syntheticModel(trees, depth, nf int) *Model {
	r := rand.New(rand.NewPCG(9, 9))
	m := &Model{Objective: "reg:squarederror", NumFeature: nf, link: identity, maxDepth: depth}
	for range trees {
		var t tree
		var grow func(d int) int32
		grow = func(d int) int32 {
			i := int32(len(t.nodes))
			t.nodes = append(t.nodes, node{})
			if d == depth {
				t.nodes[i] = node{left: -1, right: -1, value: r.NormFloat64() * 0.1, cover: 1 + r.Float64()*50}
				return i
			}
			n := node{feature: int32(r.IntN(nf)), cond: float32(r.NormFloat64())}
			n.left, n.right = grow(d+1), grow(d+1)
			n.dflt = n.left
			n.cover = t.nodes[n.left].cover + t.nodes[n.right].cover
			t.nodes[i] = n
			return i
		}
		grow(0)
		t.depth = depth
		t.expected = t.mean(0)
		m.trees = append(m.trees, t)
		m.expected += t.expected
	}
	return m
}

func syntheticRows(n, nf int) [][]float64 {
	r := rand.New(rand.NewPCG(3, 3))
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, nf)
		for j := range rows[i] {
			rows[i][j] = r.NormFloat64()
		}
	}
	return rows
}
