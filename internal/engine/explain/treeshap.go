package explain

import "fmt"

// TreeSHAP, Algorithm 2 of Lundberg, Erion and Lee (2018), in 0-based
// indexing.
//
// The recursion walks every root-to-leaf path of a tree once, keeping for
// the features split on so far the "unique path": for each feature the
// fraction of training cover that follows the path when the feature is
// unknown (zero fraction, z) and whether the row itself follows it when
// the feature is known (one fraction, o: 1 or 0), plus weights w[k] that
// sum the Shapley weights of subsets of size k. At a leaf, each feature's
// contribution is the leaf value times (o − z) times the weights with that
// feature removed ("unwound"). A feature split on twice along a path is
// folded into one entry: the earlier entry is unwound and its fractions
// carried into the new one. Cost: O(leaves · depth²) per tree and row.
//
// Element 0 of every path is a placeholder (feature −1, z = o = 1) that
// the recursion starts with; it keeps the weights' normalisation uniform.

// pathElem is one entry of the unique path.
type pathElem struct {
	feature   int32
	zero, one float64 // z: cover fraction if the feature is unknown; o: 1 if the row goes this way, else 0
	w         float64 // permutation weight
}

// The one fraction o is always 0 or 1 when explaining a single row (it is
// 1 at the root and is only ever carried over or set to 0), which lets the
// loops below skip multiplying and dividing by it. Divisions by small
// integers use a table of reciprocals: they are the hot loop's cost.
const maxPath = 256

var reciprocal = func() (r [maxPath + 2]float64) {
	for i := 1; i < len(r); i++ {
		r[i] = 1 / float64(i)
	}
	return r
}()

// extend appends (feature, z, o) to the path m[:l] and updates the weights
// of every subset size: the new feature is either outside the subset
// (weight z, sizes kept) or inside it (weight o, sizes shifted by one).
func extend(m []pathElem, l int, z, o float64, feature int32) {
	m[l] = pathElem{feature: feature, zero: z, one: o}
	if l == 0 {
		m[0].w = 1
		return
	}
	inv := reciprocal[l+1]
	if o != 0 {
		for i := l - 1; i >= 0; i-- {
			m[i+1].w += m[i].w * float64(i+1) * inv
			m[i].w = z * m[i].w * float64(l-i) * inv
		}
		return
	}
	for i := l - 1; i >= 0; i-- {
		m[i].w = z * m[i].w * float64(l-i) * inv
	}
}

// unwind removes element i from the path m[:l], inverting extend.
func unwind(m []pathElem, l, i int) {
	d := l - 1
	z := m[i].zero
	fd := float64(d + 1)
	if m[i].one != 0 {
		n := m[d].w
		zf := z * reciprocal[d+1]
		for j := d - 1; j >= 0; j-- {
			t := m[j].w
			m[j].w = n * fd * reciprocal[j+1]
			n = t - m[j].w*zf*float64(d-j)
		}
	} else {
		c := fd / z
		for j := d - 1; j >= 0; j-- {
			m[j].w *= c * reciprocal[d-j]
		}
	}
	for j := i; j < d; j++ {
		m[j].feature, m[j].zero, m[j].one = m[j+1].feature, m[j+1].zero, m[j+1].one
	}
}

// unwoundSum returns the total weight of the path m[:l] with element i
// removed, without changing the path.
func unwoundSum(m []pathElem, l, i int) float64 {
	d := l - 1
	z := m[i].zero
	fd := float64(d + 1)
	total := 0.0
	if m[i].one != 0 {
		// The loop carries n from step to step; keep that chain to one
		// multiply and one subtract by folding the constants first.
		n := m[d].w
		zf := z * reciprocal[d+1]
		for j := d - 1; j >= 0; j-- {
			a := fd * reciprocal[j+1]
			total += n * a
			n = m[j].w - n*(a*zf*float64(d-j))
		}
		return total
	}
	if z == 0 {
		return 0
	}
	for j := d - 1; j >= 0; j-- {
		total += m[j].w * reciprocal[d-j]
	}
	return total * fd / z
}

// leafContributions adds the contributions of the features on the path m[:l] ending
// at a leaf of value v. For an element the row does not follow (o = 0) the
// unwound sum is (l/z)·Σⱼ w[j]/(l−1−j), where the sum does not depend on
// the element, and its contribution (0 − z)·sum·v loses the z: so it is
// computed once per leaf, which halves the work on a typical path.
func (t *tree) leafContributions(m []pathElem, l int, phi []float64, v float64) {
	cold, coldDone := 0.0, false
	for k := 1; k < l; k++ {
		e := &m[k]
		if e.one != 0 {
			phi[e.feature] += unwoundSum(m, l, k) * (1 - e.zero) * v
			continue
		}
		if e.zero == 0 {
			continue // weight zero: contributes nothing
		}
		if !coldDone {
			d := l - 1
			for j := d - 1; j >= 0; j-- {
				cold += m[j].w * reciprocal[d-j]
			}
			cold *= float64(l) * v
			coldDone = true
		}
		phi[e.feature] -= cold
	}
}

// shap adds tree t's SHAP values for row x (float32 values, NaN missing)
// to phi. buf must hold pathBufLen(t.depth) elements.
func (t *tree) shap(x []float32, phi []float64, buf []pathElem) {
	t.recurse(x, phi, buf, 0, 0, 1, 1, -1)
}

// pathBufLen is the scratch space for a tree of the given depth: the path
// at recursion depth k has at most k+1 elements, and every level keeps its
// own copy.
func pathBufLen(depth int) int { return (depth + 2) * (depth + 3) / 2 }

// recurse visits node i. m[:l] is the parent's path, which must survive
// for the parent's other child, so this node works on a copy at m[l:].
func (t *tree) recurse(x []float32, phi []float64, m []pathElem, l int, i int32, z, o float64, feature int32) {
	own := m[l:]
	copy(own, m[:l])
	extend(own, l, z, o, feature)
	l++
	n := &t.nodes[i]
	if n.left < 0 {
		t.leafContributions(own, l, phi, n.value)
		return
	}
	f := n.feature
	hot, cold := n.right, n.left
	switch v := x[f]; {
	case v != v: // missing
		if n.dflt == n.left {
			hot, cold = n.left, n.right
		}
	case goLeft(v, n.cond):
		hot, cold = n.left, n.right
	}
	iz, io := 1.0, 1.0
	for k := 1; k < l; k++ {
		if own[k].feature == f {
			iz, io = own[k].zero, own[k].one
			unwind(own, l, k)
			l--
			break
		}
	}
	t.recurse(x, phi, own, l, hot, iz*t.nodes[hot].cover/n.cover, io, f)
	t.recurse(x, phi, own, l, cold, iz*t.nodes[cold].cover/n.cover, 0, f)
}

// Explainer computes SHAP values for one model. It holds scratch space, so
// one Explainer must not be used by two goroutines at once; make one per
// goroutine (they are cheap).
type Explainer struct {
	m   *Model
	buf []pathElem
	x32 []float32
}

// NewExplainer returns an Explainer for m.
func (m *Model) NewExplainer() *Explainer {
	return &Explainer{m: m, buf: make([]pathElem, pathBufLen(m.maxDepth)), x32: make([]float32, m.NumFeature)}
}

// SHAP computes the SHAP values of row x into phi and returns phi (which
// is allocated when nil). x has NumFeature values, NaN for missing. phi
// gets NumFeature values plus, last, the bias (ExpectedValue); the values
// sum to Margin(x), up to rounding.
func (e *Explainer) SHAP(x []float64, phi []float64) ([]float64, error) {
	nf := e.m.NumFeature
	if len(x) != nf {
		return nil, fmt.Errorf("row has %d values, model has %d features", len(x), nf)
	}
	if phi == nil {
		phi = make([]float64, nf+1)
	}
	if len(phi) != nf+1 {
		return nil, fmt.Errorf("phi has %d entries, want %d", len(phi), nf+1)
	}
	for i, v := range x {
		e.x32[i] = float32(v) // xgboost stores features as float32; NaN stays NaN
		phi[i] = 0
	}
	for i := range e.m.trees {
		e.m.trees[i].shap(e.x32, phi, e.buf)
	}
	phi[nf] = e.m.expected
	return phi, nil
}
