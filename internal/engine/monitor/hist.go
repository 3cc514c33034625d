package monitor

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// DefaultFineBins is how many reference-quantile bins a numeric feature is
// counted into in a window by default: 4 KB per feature per window. The
// binned KS statistic is exact at every bin edge and below the true one by
// at most the mass of one bin (about 1/256 of the reference), which
// KSUpper bounds. More bins tighten the bounds at the cost of memory and,
// once the bins of all features outgrow the CPU cache, speed.
const DefaultFineBins = 256

// DefaultPSIBins is how many reference-quantile bins the PSI uses (deciles).
const DefaultPSIBins = 10

// Bins is the fixed binning of one numeric feature, made once from its
// reference: fine bins at reference quantiles for KS and Wasserstein, and
// coarse PSI bins whose edges are a subset of the fine ones, so a value is
// looked up once. Bin i holds edges[i−1] < x ≤ edges[i]; the first bin is
// open below and the last above, so no value falls outside. A Bins is
// immutable and shared by every Hist made from it.
type Bins struct {
	edges    []float64 // fine interior edges, ascending, distinct
	padded   []float64 // edges, then searchPad +Infs (the search reads past the end)
	psiEdges []float64
	psiOf    []int32 // fine bin → PSI bin

	// The search of Index and AddAll (hist_search.go): its guide's cells,
	// c = fixedCell(x, sLo, sInv, sCells−1) or, keyed, fixedCell(b.key(x),
	// …) with the key from kBase in the direction kSign (or either way,
	// less kFloor), and their entries in 16 or 32 bits (the other is nil),
	// searched in a fixed number of steps.
	kind         cellKind
	kBase, kSign float64
	kFloor       int64
	sLo, sInv    float64
	sCells       int
	guide16      []uint16
	guide32      []uint32
	steps        int

	shift  float64 // subtracted before summing moments (the reference median)
	scale  float64 // a power of two the values are multiplied by before summing
	sshift float64 // shift·scale
	few    bool    // the reference had at most FewValues distinct values

	// Fenced bins (FencedBinsFromSorted) know the reference's whole range:
	// the first fine bin holds exactly the values below rangeLo and the
	// last those above rangeHi.
	fenced           bool
	rangeLo, rangeHi float64
}

// NewBins makes bins from fine and PSI interior edges (each ascending and
// distinct); the PSI edges are added to the fine ones when missing.
func NewBins(fine, psi []float64) (*Bins, error) {
	for _, e := range [][]float64{fine, psi} {
		for i, v := range e {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, errors.New("monitor: bin edges must be finite")
			}
			if i > 0 && !(v > e[i-1]) {
				return nil, fmt.Errorf("monitor: bin edges must be strictly ascending (%g after %g)", v, e[i-1])
			}
		}
	}
	all := slices.Concat(fine, psi)
	slices.Sort(all)
	all = slices.Compact(all)
	padded := slices.Grow(all, searchPad)
	for range searchPad {
		padded = append(padded, math.Inf(1))
	}
	all = padded[:len(all):len(all)]
	b := &Bins{edges: all, padded: padded, psiEdges: slices.Clone(psi)}
	b.psiOf = make([]int32, len(all)+1)
	for i := range b.psiOf {
		// Fine bin i ends at edges[i] (or +Inf): its PSI bin is the one
		// that upper end falls in.
		if i == len(all) {
			b.psiOf[i] = int32(len(psi))
		} else {
			b.psiOf[i] = int32(binOf(psi, all[i]))
		}
	}
	b.buildSearch()
	if len(all) > 0 {
		b.shift = all[len(all)/2]
	}
	b.scale = momentScale(all)
	b.sshift = b.shift * b.scale
	return b, nil
}

// momentScale is the power of two a Hist multiplies its values by before
// summing them, their squares and their deviations from the shift: the
// one that brings the largest edge's magnitude to between ½ and 1 (1
// without edges, or with only 0). Multiplying by a power of two is exact,
// so the sums are those of the values as they are, only never overflowing
// (a square of a value from about 1e154 on did, and the standard deviation
// read +Inf, every Wasserstein distance over it 0: "no drift") nor, for
// tiny values, underflowing to 0.
func momentScale(edges []float64) float64 {
	big := 0.0
	for _, e := range edges {
		big = math.Max(big, math.Abs(e))
	}
	if big == 0 {
		return 1
	}
	_, e := math.Frexp(big)
	return math.Ldexp(1, -max(e, -1021))
}

// BinsFromSorted makes fine and PSI bins at the quantiles of a sorted
// reference sample (QuantileEdges).
func BinsFromSorted(sorted []float64, fine, psi int) *Bins {
	b, err := NewBins(QuantileEdges(sorted, fine), QuantileEdges(sorted, psi))
	if err != nil {
		panic(err) // quantile edges of finite data are finite and ascending
	}
	return b
}

// FencedBinsFromSorted is BinsFromSorted with two more fine edges fencing
// the reference's range [lo, hi] — the smallest and largest of all its
// values, not only of the sample's: the float just below lo, and hi. The
// first fine bin then holds exactly the values below lo and the last
// those above hi, which Window.Quality reads; the fences also make the
// binned KS statistic exact at both ends of the reference. lo and hi must
// be finite, with lo ≤ every sampled value ≤ hi. When lo is the lowest
// float (−1.7976931348623157e308), below which there is none, the fence
// is lo itself: the first bin then holds the values equal to lo, and
// Window.Quality counts no value below the range.
func FencedBinsFromSorted(sorted []float64, lo, hi float64, fine, psi int) (*Bins, error) {
	below := math.Nextafter(lo, math.Inf(-1))
	if lo == -math.MaxFloat64 {
		below = lo
	}
	if len(sorted) == 0 || math.IsInf(below, 0) || math.IsInf(hi, 0) || math.IsNaN(lo+hi) || sorted[0] < lo || sorted[len(sorted)-1] > hi {
		return nil, fmt.Errorf("monitor: reference range [%g, %g] does not hold its sample", lo, hi)
	}
	fineEdges := QuantileEdges(sorted, fine)
	fineEdges = append(append([]float64{below}, fineEdges...), hi)
	b, err := NewBins(slices.Compact(fineEdges), QuantileEdges(sorted, psi))
	if err != nil {
		return nil, err
	}
	b.fenced, b.rangeLo, b.rangeHi = true, lo, hi
	b.buildSearch() // the guide over the quantile edges, not the fences
	return b, nil
}

// Range returns the reference's range the bins are fenced at (ok false
// when they are not fenced).
func (b *Bins) Range() (lo, hi float64, ok bool) { return b.rangeLo, b.rangeHi, b.fenced }

// outside returns how many of h's values lie below and above the range
// its fenced bins hold: the first and last bin's, except that nothing is
// below the lowest float (the first bin then holds the values equal to it).
func (h *Hist) outside() (below, above uint64) {
	below, above = h.Cells[0].N, h.Cells[len(h.Cells)-1].N
	if h.bins.rangeLo == -math.MaxFloat64 {
		below = 0
	}
	return below, above
}

// Edges returns the fine interior edges; the slice must not be modified.
func (b *Bins) Edges() []float64 { return b.edges }

// PSIEdges returns the PSI interior edges; the slice must not be modified.
func (b *Bins) PSIEdges() []float64 { return b.psiEdges }

// CountFew marks the bins as cut from a reference with at most FewValues
// distinct values: Hists over them then also count their distinct values
// exactly while there are at most FewValues, so that Window.Drift can test
// the feature as categorical, as `lodestar drift` does. Call it before the
// Bins are shared (Profiler.Layout does).
func (b *Bins) CountFew() { b.few = true }

// Len returns the number of fine bins.
func (b *Bins) Len() int { return len(b.edges) + 1 }

// buildSearch makes the guide Index and AddAll find bins with
// (buildFixed, hist_search.go), over the edges the guide's cells span.
func (b *Bins) buildSearch() {
	if len(b.edges) == 0 {
		return
	}
	// Fenced bins: the cells span the edges inside the fences (a far
	// outlier at either end of the reference would otherwise crowd every
	// quantile edge into a few cells); the fences fall in the end cells.
	b.buildFixed(b.spanEdges())
}

// spanEdges returns the first and last edge (indices) the guides' cells
// span: all the edges, or those inside the fences of fenced bins.
func (b *Bins) spanEdges() (first, last int) {
	n := len(b.edges)
	if b.fenced && n > 2 {
		return 1, n - 2
	}
	return 0, n - 1
}

// Index returns the fine bin of x: the number of edges below it (0 for
// NaN). It walks the guide AddAll's search does (hist_search.go): x's
// cell holds the edges between those of the cells before and after it,
// as the cells are monotone in x, so only those need comparing: in the
// same fixed steps, or by bisection of a crowded cell.
func (b *Bins) Index(x float64) int {
	if len(b.edges) == 0 || x != x {
		return 0
	}
	if b.guide16 != nil {
		return indexIn(b, b.guide16, x)
	}
	return indexIn(b, b.guide32, x)
}

// below is 1 when e < x, else 0 (compiled to a flag, not a branch).
func below(e, x float64) int {
	if e < x {
		return 1
	}
	return 0
}

// Hist is the mergeable state of one numeric feature in a window: counts
// and sums per fine bin, and shifted moments, minimum and maximum. The sums
// are of each value less the Bins' shift, times their scale (a power of
// two): so data with a large offset (1e15 plus small numbers) keep their
// spread, and huge or tiny values neither overflow nor underflow. Two
// Hists over the same Bins merge exactly: counts add, and the sums add up
// to rounding.
type Hist struct {
	bins     *Bins
	Cells    []Cell  // per fine bin
	N        uint64  // values counted (not missing)
	Missing  uint64  // NaN values
	S1, S2   float64 // Σd and Σd², d = (x−shift)·scale, the Bins' median edge and power of two
	Min, Max float64

	// Over Bins marked CountFew: the distinct values counted (ascending)
	// and their counts, while there are at most FewValues of them; past
	// that, many is set and they are no longer kept up to date.
	few  [FewValues]float64
	fewN [FewValues]uint64
	nFew int
	many bool
}

// Cell is one fine bin's count and sum, kept together so that counting a
// value touches one cache line.
type Cell struct {
	N   uint64
	Sum float64 // Σ(x−shift)·scale, as Hist's S1
}

// NewHist returns an empty histogram over b.
func NewHist(b *Bins) *Hist {
	return &Hist{bins: b, Cells: make([]Cell, b.Len()), Min: math.Inf(1), Max: math.Inf(-1)}
}

// Bins returns the binning the histogram counts into.
func (h *Hist) Bins() *Bins { return h.bins }

// Add counts one value; NaN counts as missing, and so does ±Inf, which
// has no place in a distribution (it would make the spread, and every
// distance, NaN — a NaN statistic reads as "no drift"). x−x is 0 for every
// finite x and NaN otherwise: one test for both, as cheap as x ≠ x.
func (h *Hist) Add(x float64) {
	if x-x != 0 {
		h.Missing++
		return
	}
	c := &h.Cells[h.bins.Index(x)]
	d := x*h.bins.scale - h.bins.sshift
	c.N++
	c.Sum += d
	h.N++
	if h.bins.few && !h.many {
		h.countFew(x, 1)
	}
	h.S1 += d
	// float64(d*d): rounded before the sum, never fused into one
	// multiply-add (GOAMD64=v3 builds may fuse), so Add and AddAll
	// agree to the bit on every build.
	h.S2 += float64(d * d)
	if x < h.Min {
		h.Min = x
	}
	if x > h.Max {
		h.Max = x
	}
}

// AddAll counts every value of xs, in order, as Add does (with the same
// result, to the bit), faster. It goes through xs in chunks of addChunk
// values, in two loops: the first finds each value's bin (findBins) into
// a small array, noting whether any value is NaN or infinite; the second
// counts the values into their bins and keeps the running sums in
// registers, without a test per value for missing ones when the first
// found none. The first has no stores but the array's, so nothing holds
// back the search of the next values while the counts of a bin are being
// updated (in one loop, a bin's update and the next value's search waited
// on each other).
func (h *Hist) AddAll(xs []float64) {
	b := h.bins
	if len(b.edges) == 0 {
		for _, x := range xs {
			h.Add(x)
		}
		return
	}
	var idx [addChunk]int32
	for len(xs) > 0 {
		chunk := xs[:min(len(xs), addChunk)]
		xs = xs[len(chunk):]
		bad := b.findBins(chunk, idx[:])
		if bad != 0 || b.few && !h.many {
			h.countChecked(chunk, idx[:])
		} else {
			h.countFinite(chunk, idx[:])
		}
	}
}

// countFinite counts the values of xs, all finite, into the bins idx
// holds for them, with Add's arithmetic in Add's order. The minimum and
// maximum are kept in memory, the sums in registers (with all four in
// registers, the compiled loop moved them between registers on every
// value).
func (h *Hist) countFinite(xs []float64, idx []int32) {
	cells := h.Cells
	scale, sshift := h.bins.scale, h.bins.sshift
	s1, s2 := h.S1, h.S2
	r := [2]float64{h.Min, h.Max}
	idx = idx[:len(xs)]
	for k, x := range xs {
		cell := &cells[idx[k]]
		d := x*scale - sshift
		cell.N++
		cell.Sum += d
		s1 += d
		s2 += float64(d * d) // not fused: as in Add
		if x < r[0] {
			r[0] = x
		}
		if x > r[1] {
			r[1] = x
		}
	}
	h.N += uint64(len(xs))
	h.S1, h.S2, h.Min, h.Max = s1, s2, r[0], r[1]
}

// countChecked is countFinite for values that may be NaN or infinite
// (missing, as in Add), and counting the distinct values of CountFew bins.
func (h *Hist) countChecked(xs []float64, idx []int32) {
	cells := h.Cells
	scale, sshift, few := h.bins.scale, h.bins.sshift, h.bins.few
	n, miss := h.N, h.Missing
	s1, s2, lo, hi := h.S1, h.S2, h.Min, h.Max
	idx = idx[:len(xs)]
	for k, x := range xs {
		if x-x != 0 { // NaN or ±Inf: missing, as in Add
			miss++
			continue
		}
		cell := &cells[idx[k]]
		d := x*scale - sshift
		cell.N++
		cell.Sum += d
		n++
		if few && !h.many {
			h.countFew(x, 1)
		}
		s1 += d
		s2 += float64(d * d) // not fused: as in Add
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	h.N, h.Missing = n, miss
	h.S1, h.S2, h.Min, h.Max = s1, s2, lo, hi
}

// addChunk is how many values AddAll finds the bins of before counting
// them.
const addChunk = 256

// Merge adds o's counts into h; both must share the same Bins.
func (h *Hist) Merge(o *Hist) error {
	if h.bins != o.bins {
		return errors.New("monitor: merging histograms over different bins")
	}
	for i := range h.Cells {
		h.Cells[i].N += o.Cells[i].N
		h.Cells[i].Sum += o.Cells[i].Sum
	}
	h.N += o.N
	h.Missing += o.Missing
	h.S1 += o.S1
	h.S2 += o.S2
	h.Min = math.Min(h.Min, o.Min)
	h.Max = math.Max(h.Max, o.Max)
	if h.bins.few {
		h.many = h.many || o.many
		for i := 0; i < o.nFew && !h.many; i++ {
			h.countFew(o.few[i], o.fewN[i])
		}
	}
	return nil
}

// countFew counts n of the value x among the distinct values, kept
// ascending (so that two Hists holding the same values hold them alike,
// however they were added or merged), or sets many when x would be
// one more than FewValues.
func (h *Hist) countFew(x float64, n uint64) {
	i := 0
	for i < h.nFew && h.few[i] < x {
		i++
	}
	if i < h.nFew && h.few[i] == x {
		h.fewN[i] += n
		return
	}
	if h.nFew == FewValues {
		h.many = true
		return
	}
	copy(h.few[i+1:h.nFew+1], h.few[i:h.nFew])
	copy(h.fewN[i+1:h.nFew+1], h.fewN[i:h.nFew])
	h.few[i], h.fewN[i] = x, n
	h.nFew++
}

// FewDistinct returns the distinct values counted and how often each
// occurs, ascending, when the Bins are marked CountFew and there are at
// most FewValues of them (ok false otherwise).
func (h *Hist) FewDistinct() (values, counts []float64, ok bool) {
	if !h.bins.few || h.many {
		return nil, nil, false
	}
	values = slices.Clone(h.few[:h.nFew])
	counts = make([]float64, h.nFew)
	for i := range counts {
		counts[i] = float64(h.fewN[i])
	}
	return values, counts, true
}

// Mean returns the mean of the counted values.
func (h *Hist) Mean() float64 { return h.bins.shift + h.S1/float64(h.N)/h.bins.scale }

// Std returns the population standard deviation (ddof = 0).
func (h *Hist) Std() float64 {
	n := float64(h.N)
	m := h.S1 / n
	return math.Sqrt(math.Max(h.S2/n-m*m, 0)) / h.bins.scale
}

// PSICounts returns the counts per PSI bin.
func (h *Hist) PSICounts() []float64 {
	c := make([]float64, len(h.bins.psiEdges)+1)
	for i, cell := range h.Cells {
		c[h.bins.psiOf[i]] += float64(cell.N)
	}
	return c
}

// binnedKS returns the KS statistic evaluated at every fine edge (where
// both empirical CDFs are known exactly, so it is attained and a lower
// bound of the true statistic) and an upper bound of the true statistic:
// inside a bin each CDF stays between its values at the bin's ends.
func binnedKS(r, c *Hist) (d, upper float64) {
	nr, nc := float64(r.N), float64(c.N)
	var R, C float64
	for i := range r.Cells {
		R2 := R + float64(r.Cells[i].N)/nr
		C2 := C + float64(c.Cells[i].N)/nc
		if i == len(r.Cells)-1 {
			R2, C2 = 1, 1
		}
		upper = math.Max(upper, math.Max(R2-C, C2-R))
		d = math.Max(d, math.Abs(R2-C2))
		R, C = R2, C2
	}
	return d, math.Min(upper, 1)
}

// binnedWasserstein returns the Wasserstein distance between the two
// histograms with each bin's mass placed at its mean, and a bound on the
// error of doing so: moving a bin's mass to its mean costs at most half
// the bin's width (its ends clipped to the sample's minimum and maximum)
// per unit of mass. The bins' means are taken as the Hists sum them, less
// the shift and scaled, so that the steps between them keep the precision
// of data with a large offset; the distance is scaled back at the end.
func binnedWasserstein(r, c *Hist) (w, bound float64) {
	edges := r.bins.edges
	nr, nc := float64(r.N), float64(c.N)
	type point struct{ x, dr, dc float64 }
	pts := make([]point, 0, 2*len(r.Cells))
	width := func(h *Hist, i int) float64 {
		lo, hi := h.Min, h.Max
		if i > 0 {
			lo = math.Max(lo, edges[i-1])
		}
		if i < len(edges) {
			hi = math.Min(hi, edges[i])
		}
		return math.Max(hi-lo, 0)
	}
	for i := range r.Cells {
		var a, b point
		if rc := r.Cells[i]; rc.N > 0 {
			a = point{rc.Sum / float64(rc.N), float64(rc.N) / nr, 0}
			bound += a.dr * width(r, i) / 2
		}
		if cc := c.Cells[i]; cc.N > 0 {
			b = point{cc.Sum / float64(cc.N), 0, float64(cc.N) / nc}
			bound += b.dc * width(c, i) / 2
		}
		switch {
		case a.dr == 0 && b.dc == 0:
		case a.dr == 0:
			pts = append(pts, b)
		case b.dc == 0:
			pts = append(pts, a)
		case a.x <= b.x:
			pts = append(pts, a, b)
		default:
			pts = append(pts, b, a)
		}
	}
	var R, C float64
	for k := 0; k+1 < len(pts); k++ {
		R += pts[k].dr
		C += pts[k].dc
		w += math.Abs(R-C) * (pts[k+1].x - pts[k].x)
	}
	return w / r.bins.scale, bound
}
