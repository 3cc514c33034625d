package explain

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomTree builds a tree of the given depth whose splits draw from
// nf features, so features repeat along paths. Covers add up the way
// hessian sums do; some branches stop early.
func randomTree(r *rand.Rand, depth, nf int) tree {
	var t tree
	var grow func(d int) int32
	grow = func(d int) int32 {
		i := int32(len(t.nodes))
		t.nodes = append(t.nodes, node{})
		if d == depth || (d > 0 && r.Float64() < 0.2) {
			t.nodes[i] = node{left: -1, right: -1, value: r.NormFloat64(), cover: 1 + float64(r.IntN(20))}
			return i
		}
		n := node{feature: int32(r.IntN(nf)), cond: float32(r.IntN(5))}
		n.left = grow(d + 1)
		n.right = grow(d + 1)
		n.dflt = n.right
		if r.IntN(2) == 0 {
			n.dflt = n.left
		}
		n.cover = t.nodes[n.left].cover + t.nodes[n.right].cover
		t.nodes[i] = n
		return i
	}
	grow(0)
	t.depth, _ = t.walk()
	t.expected = t.mean(0)
	return t
}

// condExpectation is E[f(x) | x_S] the way TreeSHAP defines it: follow the
// row at splits on features in S, average the children by cover elsewhere.
func condExpectation(t *tree, i int32, x []float32, s uint) float64 {
	n := &t.nodes[i]
	if n.left < 0 {
		return n.value
	}
	if s&(1<<n.feature) != 0 {
		next := n.right
		switch v := x[n.feature]; {
		case v != v:
			next = n.dflt
		case v < n.cond:
			next = n.left
		}
		return condExpectation(t, next, x, s)
	}
	l, r := &t.nodes[n.left], &t.nodes[n.right]
	return (condExpectation(t, n.left, x, s)*l.cover + condExpectation(t, n.right, x, s)*r.cover) / n.cover
}

// bruteShapley evaluates the Shapley formula over all 2^nf subsets.
func bruteShapley(t *tree, x []float32, nf int) []float64 {
	fact := func(n int) float64 {
		f := 1.0
		for i := 2; i <= n; i++ {
			f *= float64(i)
		}
		return f
	}
	phi := make([]float64, nf)
	for i := range nf {
		for s := uint(0); s < 1<<nf; s++ {
			if s&(1<<i) != 0 {
				continue
			}
			k := 0
			for b := s; b != 0; b &= b - 1 {
				k++
			}
			w := fact(k) * fact(nf-k-1) / fact(nf)
			phi[i] += w * (condExpectation(t, 0, x, s|1<<i) - condExpectation(t, 0, x, s))
		}
	}
	return phi
}

// TestTreeSHAPMatchesShapleyFormula checks Algorithm 2 against the
// exponential definition it computes, on random trees with repeated
// features, ties with split conditions and missing values.
func TestTreeSHAPMatchesShapleyFormula(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const nf = 5
	for trial := range 300 {
		tr := randomTree(r, 1+trial%7, nf)
		x := make([]float32, nf)
		for j := range x {
			switch r.IntN(6) {
			case 0:
				x[j] = float32(math.NaN())
			default:
				x[j] = float32(r.IntN(6)) - 0.5*float32(r.IntN(2)) // often equal to a condition
			}
		}
		got := make([]float64, nf)
		tr.shap(x, got, make([]pathElem, pathBufLen(tr.depth)))
		want := bruteShapley(&tr, x, nf)
		sum := tr.expected
		for j := range nf {
			if math.Abs(got[j]-want[j]) > 1e-12 {
				t.Fatalf("trial %d feature %d: TreeSHAP %v, Shapley formula %v", trial, j, got[j], want[j])
			}
			sum += got[j]
		}
		xs := make([]float64, nf)
		for j, v := range x {
			xs[j] = float64(v)
		}
		if leaf := tr.leaf(xs); math.Abs(sum-leaf) > 1e-12 {
			t.Fatalf("trial %d: bias + Σφ = %v, prediction %v", trial, sum, leaf)
		}
	}
}

func TestExtendUnwindInverse(t *testing.T) {
	m := make([]pathElem, 8)
	extend(m, 0, 1, 1, -1)
	extend(m, 1, 0.3, 1, 4)
	extend(m, 2, 0.6, 0, 2)
	want := append([]pathElem(nil), m[:3]...)
	extend(m, 3, 0.25, 1, 7)
	if s := unwoundSum(m, 4, 3); math.Abs(s-sumW(want)) > 1e-15 {
		t.Errorf("unwoundSum = %v, want %v", s, sumW(want))
	}
	unwind(m, 4, 3)
	for i := range want {
		if math.Abs(m[i].w-want[i].w) > 1e-15 || m[i].feature != want[i].feature {
			t.Errorf("element %d: %+v after extend+unwind, want %+v", i, m[i], want[i])
		}
	}
}

func sumW(m []pathElem) float64 {
	s := 0.0
	for _, e := range m {
		s += e.w
	}
	return s
}

// TestFloat32Comparison pins xgboost's split rule: features are float32,
// and x goes left only when x < condition.
func TestFloat32Comparison(t *testing.T) {
	tr := tree{nodes: []node{
		{left: 1, right: 2, dflt: 2, feature: 0, cond: 1000000.0, cover: 2},
		{left: -1, right: -1, value: -1, cover: 1},
		{left: -1, right: -1, value: 1, cover: 1},
	}}
	tests := []struct {
		x    float64
		want float64
	}{
		{999999.9, -1},     // float32 999999.875 < 1e6
		{999999.97, 1},     // rounds to 1e6 in float32: not <, goes right (float64 would go left)
		{1000000, 1},       // equal: right
		{math.NaN(), 1},    // missing: default (right)
		{math.Inf(-1), -1}, // −Inf < anything
		{-1000000.06, -1},  // negative side
		{1000000.03125, 1}, // rounds to 1e6: right
		{999999.9375 - 1e-9, -1},
	}
	for _, tt := range tests {
		if got := tr.leaf([]float64{tt.x}); got != tt.want {
			t.Errorf("x=%v: leaf %v, want %v", tt.x, got, tt.want)
		}
	}
}
