package monitor

import (
	"math"
	"slices"
)

// The search Bins.Index and Hist.AddAll find fine bins with. It starts
// from a guide of equal-width cells between the first and last edge (the
// inner ones when fenced), and is built to cost the same few instructions
// for every value, with no branch that depends on the data:
//
//   - each guide entry is the number of edges in the cells before it, in
//     16 bits when there are fewer than 2¹⁵ edges (32 bits otherwise):
//     4·(edges+1) cells, 2·(edges+1) from 2¹⁵ edges, in 8·(edges+1)
//     bytes at most;
//   - the edges of a value's cell are then searched by a bisection of a
//     fixed number of steps, chosen once per Bins (searchSteps), each a
//     comparison whose result is added to the index rather than branched
//     on: s steps find the bin among up to 2ˢ−1 edges, and the edges past
//     the cell, or the +Inf padding after the last one, are all above x;
//   - a cell holding more edges than that (a crowded cell, rare where the
//     steps are chosen well) has the top bit of its entry set, and a
//     value falling into it is bisected over the whole cell instead.
//
// The cells are of equal width in the values, or, when the edges are so
// skewed that most would crowd into the first few cells, in the values'
// keys (Bins.key): about logarithmic in the values' distance from the
// first edge, from the last, or, for edges crowding at both ends, from the
// middle one either way, costing a few more instructions per value. The bin found is the number of edges below x
// whatever the path, so AddAll counts as Add does to the bit.

// maxSearchSteps is the most fixed steps a search takes.
const maxSearchSteps = 3

// searchPad is how many +Infs follow the edges in Bins.padded: a search
// of s steps from the cell's first edge i reads up to edge i+2^(s−1)−1
// (the next steps read further only past edges below x, never past the
// +Infs), and i is at most the number of edges.
const searchPad = 1 << (maxSearchSteps - 1)

// orderKeyCost is the cost of mapping a value to its key (orderKey), in
// fixed search steps: measured on exponential and offset normal data,
// each searched in the same steps over keyed cells and over the values'.
const orderKeyCost = 1.5

// midKeyCost is the cost of a key from the middle edge (midKey), its
// floor a subtraction and a conditional move more than orderKey.
const midKeyCost = orderKeyCost + 0.5

// crowdedCost is the cost of a value falling into a crowded cell (a
// mispredicted branch and a bisection), in fixed search steps: measured
// on exponential data, one step with half the values in crowded cells
// against two with none.
const crowdedCost = 15

// guideEntry is the type of the search guide's entries.
type guideEntry interface{ ~uint16 | ~uint32 }

// fixedCell maps x to its cell of the search guide: monotone in x, NaN
// and −Inf to the first cell, +Inf to the last (inv is positive and
// finite, cellsPer, so t is NaN for a NaN x only). The guide is built with
// it and the search loops compute it the same way (written out).
func fixedCell(x, lo, inv float64, last int) int {
	t := (x - lo) * inv
	// A NaN or a t beyond the int range converts to a value outside
	// [0, last] too: the most negative int on amd64 and 386, the nearest
	// int elsewhere (Go leaves it to the platform; TestFixedCell checks
	// it). Clamping t before converting it, without a branch, made
	// AddAll about a sixth slower (two conditional moves between the
	// float and integer registers, or the min and max builtins' NaN
	// handling), for inputs no platform Go runs on converts into range.
	c := int(t)
	if uint(c) > uint(last) {
		c = 0
		if t > 0 {
			c = last
		}
	}
	return c
}

// buildFixed makes the search guide over the cells between edges first
// and last (indices): cells of equal width in the values, or in their
// keys (orderKey) when the edges are so skewed that those serve better,
// and the number of steps, from the edges' spread over the cells.
func (b *Bins) buildFixed(first, last int) {
	n := len(b.edges)
	g := 4 * (n + 1)
	if n >= 1<<15 {
		g = 2 * (n + 1)
	}
	b.sCells = g
	best, bestKind, bestSteps, bestIn := math.Inf(1), linearCells, 0, []int(nil)
	for _, kind := range []cellKind{linearCells, lowKeyCells, highKeyCells, midKeyCells} {
		b.setCells(kind, first, last)
		in := b.edgesPerCell()
		steps, cost := fixedSteps(in, n)
		switch kind {
		case lowKeyCells, highKeyCells:
			cost += orderKeyCost
		case midKeyCells:
			cost += midKeyCost
		}
		if cost < best {
			best, bestKind, bestSteps, bestIn = cost, kind, steps, in
		}
	}
	b.setCells(bestKind, first, last)
	b.setSteps(bestSteps, bestIn)
}

// cellKind is how the search guide's cells are spaced.
type cellKind uint8

const (
	linearCells  cellKind = iota // equal width in the values
	lowKeyCells                  // in the keys of the values' distance above the first edge
	highKeyCells                 // in the keys of the values' distance below the last edge
	midKeyCells                  // in the keys of the values' distance either side of the middle edge
)

// setCells spans the search guide's cells from edge first to edge last
// (indices), in the values or in their keys (Bins.key). The keys span
// from the edge after the first (low) or to the one before the last
// (high): that edge's key is 0, and the span from 0 would be mostly the
// powers of two of tiny numbers, holding no edge. Keyed from the middle
// edge, they span all the edges, the tiny powers of two cut out instead.
func (b *Bins) setCells(kind cellKind, first, last int) {
	lo, hi := b.edges[first], b.edges[last]
	b.kind, b.kBase, b.kSign = kind, 0, 1
	switch kind {
	case lowKeyCells:
		b.kBase = lo
		lo, hi = b.key(b.edges[min(first+1, last)]), b.key(hi)
	case highKeyCells:
		b.kBase, b.kSign = hi, -1
		lo, hi = b.key(lo), b.key(b.edges[max(last-1, first)])
	case midKeyCells:
		// From the middle edge, the keys of the distances up to the
		// nearest other edge are all 0 (midKey): the powers of two of
		// tiny distances, holding no edge, take no cells.
		mid := (first + last) / 2
		b.kBase, b.kFloor = b.edges[mid], math.MaxInt64
		for _, i := range []int{mid - 1, mid + 1} {
			if i >= first && i <= last {
				d := int64(math.Float64bits(math.Abs(b.edges[i] - b.kBase)))
				b.kFloor = min(b.kFloor, d)
			}
		}
		if b.kFloor == math.MaxInt64 {
			b.kFloor = 0
		}
		lo, hi = b.key(lo), b.key(hi)
	}
	b.sLo, b.sInv = lo, cellsPer(b.sCells, lo, hi)
}

// cellsPer returns how many of n cells there are per unit from lo to hi
// (lo ≤ hi, finite): positive and finite however wide or narrow the span,
// so that (x−lo)·cellsPer is NaN only for a NaN x, the one input whose
// cell is then either end. A span of 0 (one edge) takes any; one beyond
// the float range is halved to divide it; one so narrow that dividing by
// it overflows takes the largest float, its cells wider than asked.
func cellsPer(n int, lo, hi float64) float64 {
	span := hi - lo
	switch {
	case !(span > 0):
		return 1
	case math.IsInf(span, 1):
		return float64(n) / 2 / (hi/2 - lo/2)
	}
	return min(float64(n)/span, math.MaxFloat64)
}

// fixedSteps returns the number of steps with the least expected cost of
// a search in cells holding in[c] of n edges, and that cost in steps. A
// value falls into each of the n+1 bins alike (the edges are reference
// quantiles): into a cell with m edges with probability about
// (m+1)/(n+1).
func fixedSteps(in []int, n int) (steps int, cost float64) {
	cost = math.Inf(1)
	for s := 1; s <= maxSearchSteps; s++ {
		inCrowded := 0
		for _, m := range in {
			if m > 1<<s-1 {
				inCrowded += m + 1
			}
		}
		if c := float64(s) + crowdedCost*float64(inCrowded)/float64(n+1); c < cost {
			steps, cost = s, c
		}
	}
	return steps, cost
}

// key is the coordinate of keyed cells: the key of x's distance above
// the first edge the cells span (kBase, kSign 1), or less that of its
// distance below the last (kSign −1); monotone in x either way (the
// products by ±1 are exact). Cells of equal width in it are about
// logarithmic in the values from that edge, so they follow skewed data (a
// log-normal's, a heavy tail, at any offset; to the right or, from the
// last edge, to the left) where cells of equal width in the values crowd
// most edges into the first or last few.
//
// Cells keyed from the middle edge (midKeyCells) are about logarithmic in
// the values' distance from it either way, for edges crowding at both
// ends (a log-normal times a random sign): the key of that distance, less
// kFloor (midKey).
func (b *Bins) key(x float64) float64 {
	if b.kind == midKeyCells {
		return midKey(x-b.kBase, b.kFloor)
	}
	return orderKey((x-b.kBase)*b.kSign) * b.kSign
}

// midKey is orderKey(d) brought floor nearer 0 (floor ≥ 0): the keys
// within floor of 0 all 0, the others' magnitudes less floor, their signs
// kept; monotone in d, as orderKey is, and −0 and +0 alike.
func midKey(d float64, floor int64) float64 {
	k := int64(math.Float64bits(d))
	s := k >> 63
	m := max(k&math.MaxInt64-floor, 0)
	return float64((m ^ s) - s)
}

// orderKey maps x to a float64 in the order of x's bits as a signed
// magnitude: monotone in x (−0 and +0 alike), about linear in x within
// each power of two and logarithmic across them.
func orderKey(x float64) float64 {
	k := int64(math.Float64bits(x))
	s := k >> 63
	return float64((k&math.MaxInt64 ^ s) - s)
}

// edgesPerCell returns how many edges each cell of the search guide holds.
func (b *Bins) edgesPerCell() []int {
	in := make([]int, b.sCells)
	for _, e := range b.edges {
		if b.kind != linearCells {
			e = b.key(e)
		}
		in[fixedCell(e, b.sLo, b.sInv, b.sCells-1)]++
	}
	return in
}

// setSteps fills the guide for searches of s steps, from the edges in
// each cell.
func (b *Bins) setSteps(s int, in []int) {
	b.steps = s
	if len(b.edges) < 1<<15 {
		b.guide16, b.guide32 = fillGuide[uint16](in, s), nil
	} else {
		b.guide16, b.guide32 = nil, fillGuide[uint32](in, s)
	}
}

// fillGuide returns the guide entries: the edges before each cell, with
// the top bit set on the cells holding more than 2ˢ−1 edges; and one
// entry more, the number of edges.
func fillGuide[G guideEntry](in []int, s int) []G {
	top := ^(^G(0) >> 1)
	guide := make([]G, len(in)+1)
	sum := 0
	for c, m := range in {
		guide[c] = G(sum)
		if m > 1<<s-1 {
			guide[c] |= top
		}
		sum += m
	}
	guide[len(in)] = G(sum)
	return guide
}

// findBins stores the fine bin of each value of xs (at most addChunk of
// them) in idx, and returns a non-zero word when any value is NaN or
// infinite (whose bins are then meaningless).
func (b *Bins) findBins(xs []float64, idx []int32) (bad uint64) {
	if b.kind != linearCells {
		return b.findKeyed(xs, idx)
	}
	return b.findAt(xs, xs, idx)
}

// findKeyed is findBins over cells in the values' keys.
func (b *Bins) findKeyed(xs []float64, idx []int32) (bad uint64) {
	var keys [addChunk]float64
	ts := keys[:len(xs)]
	base, sign, floor := b.kBase, b.kSign, b.kFloor
	if b.kind == midKeyCells {
		for k, x := range xs {
			ts[k] = midKey(x-base, floor) // b.key(x)
		}
	} else {
		for k, x := range xs {
			ts[k] = orderKey((x-base)*sign) * sign // b.key(x)
		}
	}
	return b.findAt(xs, ts, idx)
}

// findAt is findBins with the values' cells at ts: the values themselves
// or their keys.
func (b *Bins) findAt(xs, ts []float64, idx []int32) (bad uint64) {
	if b.guide16 != nil {
		return findIn(b, b.guide16, xs, ts, idx)
	}
	return findIn(b, b.guide32, xs, ts, idx)
}

func findIn[G guideEntry](b *Bins, guide []G, xs, ts []float64, idx []int32) uint64 {
	switch b.steps {
	case 1:
		return find1(b, guide, xs, ts, idx)
	case 2:
		return find2(b, guide, xs, ts, idx)
	}
	return find3(b, guide, xs, ts, idx)
}

// find1, find2 and find3 are findBins for searches of 1, 2 and 3 steps,
// written out: fixedCell, the guide entry, then the steps. x−x is 0 for
// every finite x and NaN (not all zero bits) otherwise. ts holds the
// values the cells are of: xs itself, or the values' keys.
func find1[G guideEntry](b *Bins, guide []G, xs, ts []float64, idx []int32) (bad uint64) {
	top := ^(^G(0) >> 1)
	padded, lo, inv, last := b.padded, b.sLo, b.sInv, b.sCells-1
	idx, ts = idx[:len(xs)], ts[:len(xs)]
	for k, x := range xs {
		bad |= math.Float64bits(x - x)
		t := (ts[k] - lo) * inv
		c := int(t)
		if uint(c) > uint(last) {
			c = 0
			if t > 0 {
				c = last
			}
		}
		g := guide[c]
		if g&top != 0 {
			idx[k] = int32(crowded(b, guide, c, x))
			continue
		}
		i := int(g)
		i += below(padded[i], x)
		idx[k] = int32(i)
	}
	return bad
}

func find2[G guideEntry](b *Bins, guide []G, xs, ts []float64, idx []int32) (bad uint64) {
	top := ^(^G(0) >> 1)
	padded, lo, inv, last := b.padded, b.sLo, b.sInv, b.sCells-1
	idx, ts = idx[:len(xs)], ts[:len(xs)]
	for k, x := range xs {
		bad |= math.Float64bits(x - x)
		t := (ts[k] - lo) * inv
		c := int(t)
		if uint(c) > uint(last) {
			c = 0
			if t > 0 {
				c = last
			}
		}
		g := guide[c]
		if g&top != 0 {
			idx[k] = int32(crowded(b, guide, c, x))
			continue
		}
		i := int(g)
		i += below(padded[i+1], x) << 1
		i += below(padded[i], x)
		idx[k] = int32(i)
	}
	return bad
}

func find3[G guideEntry](b *Bins, guide []G, xs, ts []float64, idx []int32) (bad uint64) {
	top := ^(^G(0) >> 1)
	padded, lo, inv, last := b.padded, b.sLo, b.sInv, b.sCells-1
	idx, ts = idx[:len(xs)], ts[:len(xs)]
	for k, x := range xs {
		bad |= math.Float64bits(x - x)
		t := (ts[k] - lo) * inv
		c := int(t)
		if uint(c) > uint(last) {
			c = 0
			if t > 0 {
				c = last
			}
		}
		g := guide[c]
		if g&top != 0 {
			idx[k] = int32(crowded(b, guide, c, x))
			continue
		}
		i := int(g)
		i += below(padded[i+3], x) << 2
		i += below(padded[i+1], x) << 1
		i += below(padded[i], x)
		idx[k] = int32(i)
	}
	return bad
}

// crowded returns the bin of x in crowded cell c: the number of edges
// below x, by bisection over the cell's edges.
//
//go:noinline
func crowded[G guideEntry](b *Bins, guide []G, c int, x float64) int {
	top := ^(^G(0) >> 1)
	i, j := int(guide[c]&^top), int(guide[c+1]&^top)
	k, _ := slices.BinarySearch(b.edges[i:j], x)
	return i + k
}

// indexIn is Index with the guide's entries of type G: the walk of
// find1, find2 and find3 for one value, falling through the steps.
func indexIn[G guideEntry](b *Bins, guide []G, x float64) int {
	t := x
	if b.kind != linearCells {
		t = b.key(x)
	}
	c := fixedCell(t, b.sLo, b.sInv, b.sCells-1)
	g := guide[c]
	if g&^(^G(0)>>1) != 0 {
		return crowded(b, guide, c, x)
	}
	i, padded := int(g), b.padded
	switch b.steps {
	case 3:
		i += below(padded[i+3], x) << 2
		fallthrough
	case 2:
		i += below(padded[i+1], x) << 1
		fallthrough
	default:
		i += below(padded[i], x)
	}
	return i
}

// searchIndex is the bin of one value as AddAll finds it (for tests).
func (b *Bins) searchIndex(x float64) int {
	var idx [1]int32
	b.findBins([]float64{x}, idx[:])
	return int(idx[0])
}

// guideBits is the width of the search guide's entries (for tests).
func (b *Bins) guideBits() int {
	if b.guide16 != nil {
		return 16
	}
	return 32
}
