package monitor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// edgesBelow is the bin a value belongs in, found plainly: the number of
// edges below it (the first edge not below it, edges being ascending).
func edgesBelow(edges []float64, x float64) int {
	return sort.Search(len(edges), func(i int) bool { return !(edges[i] < x) })
}

// searchCases are bins that put AddAll's search through all its paths:
// quantiles of assorted references, with few and many bins (16- and
// 32-bit guides), fenced bins with far outliers, edges crowded into one
// cell, spanning the whole float range, tiny and at a large offset.
func searchCases(t *testing.T) map[string]*Bins {
	t.Helper()
	rng := rand.New(rand.NewPCG(8, 9))
	sorted := func(n int, draw func() float64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = draw()
		}
		slices.Sort(xs)
		return xs
	}
	must := func(b *Bins, err error) *Bins {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	normal := sorted(20000, rng.NormFloat64)
	wide := sorted(20000, func() float64 { return math.Exp(rng.NormFloat64() * 3) })
	ints := sorted(5000, func() float64 { return float64(rng.IntN(101)) })
	offset := sorted(20000, func() float64 { return 1e6 + math.Round(rng.NormFloat64()*1000)/10 })
	crowd := []float64{-1, 0, 1, 1 + 1e-15, 1 + 2e-15, 1 + 3e-15, 1 + 4e-15, 1 + 5e-15, 1 + 6e-15, 1 + 7e-15, 1 + 8e-15, 1 + 9e-15, 1 + 1e-14, 2, 1e9}
	// Edges crowding away from the ends and the middle edge, so that no
	// kind of cells spreads them.
	var inside []float64
	for i := range 41 {
		inside = append(inside, float64(i))
		if i == 10 {
			for k := 1; k <= 12; k++ {
				inside = append(inside, 10+float64(k)*1e-13)
			}
		}
	}
	big := make([]float64, 40000) // ≥ 2¹⁵ edges: 32-bit guide entries
	for i := range big {
		big[i] = float64(i)*0.5 + math.Sin(float64(i))*0.2
	}
	return map[string]*Bins{
		"normal 2048":    BinsFromSorted(normal, 2048, 10),
		"normal 64":      BinsFromSorted(normal, 64, 10),
		"lognormal wide": BinsFromSorted(wide, 2048, 10),
		"lognormal below 0": BinsFromSorted(func() []float64 {
			xs := slices.Clone(wide)
			for i := range xs {
				xs[i]--
			}
			return xs
		}(), 2048, 10),
		"lognormal negated": BinsFromSorted(func() []float64 {
			xs := make([]float64, len(wide))
			for i, x := range wide {
				xs[len(xs)-1-i] = 3 - x // skewed to the left, below and above 0
			}
			return xs
		}(), 2048, 10),
		"lognormal both": BinsFromSorted(func() []float64 {
			xs := slices.Clone(wide)
			for i := range xs {
				if rng.IntN(2) == 0 {
					xs[i] = -xs[i] // crowding at both ends, and around 0
				}
			}
			slices.Sort(xs)
			return xs
		}(), 2048, 10),
		"integers":       BinsFromSorted(ints, 2048, 10),
		"offset":         BinsFromSorted(offset, 2048, 10),
		"fenced":         must(FencedBinsFromSorted(normal, -1e12, 1e15, 2048, 10)),
		"fenced lowest":  must(FencedBinsFromSorted(normal, -math.MaxFloat64, math.MaxFloat64, 256, 10)),
		"crowded":        must(NewBins(crowd, nil)),
		"crowded inside": must(NewBins(inside, nil)),
		"whole range":    must(NewBins([]float64{-math.MaxFloat64, -1e300, -1, -math.SmallestNonzeroFloat64, 0, math.SmallestNonzeroFloat64, 1e-300, 1, 1e300, math.MaxFloat64}, nil)),
		"tiny":           must(NewBins([]float64{1e-320, 2e-320, 3e-320, 5e-310, 1e-300}, nil)),
		"denormal span":  must(NewBins([]float64{-1e-323, 0, 5e-324, 1e-323}, nil)),
		"one edge":       must(NewBins([]float64{3}, nil)),
		"minus zero":     must(NewBins([]float64{math.Copysign(0, -1)}, nil)),
		"two edges":      must(NewBins([]float64{-2, 7}, nil)),
		"32-bit guide":   must(NewBins(big, nil)),
	}
}

// searchProbes returns values to look up in b: every edge and its
// neighbouring floats, zeros, infinities, the ends of the float range,
// NaN, and random values across and beyond the edges.
func searchProbes(rng *rand.Rand, edges []float64) []float64 {
	inf := math.Inf(1)
	p := []float64{0, math.Copysign(0, -1), inf, -inf, math.NaN(), math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 1e-310, -1e-310}
	for _, e := range edges {
		p = append(p, e, math.Nextafter(e, inf), math.Nextafter(e, -inf))
	}
	lo, hi := edges[0], edges[len(edges)-1]
	for range 3000 {
		u := rng.Float64()
		p = append(p, lo+(hi-lo)*u, edges[rng.IntN(len(edges))]*(1+rng.NormFloat64()*1e-3), (lo-1)*rng.Float64()*4, (hi+1)*rng.Float64()*4)
		if i := rng.IntN(len(edges)); i+1 < len(edges) {
			p = append(p, edges[i]+(edges[i+1]-edges[i])*u) // between two edges
		}
	}
	return p
}

// TestBinsSearch checks AddAll's search and Index against a plain count
// of the edges below each value, one value at a time and a chunk at a
// time, with every kind of guide (searchModes), not only the one the bins
// chose: few steps leave many cells crowded, so both the fixed steps and
// the bisection of crowded cells are checked on every case.
func TestBinsSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	for name, b := range searchCases(t) {
		probes := searchProbes(rng, b.edges)
		for _, mode := range searchModes {
			first, last := b.spanEdges()
			b.setCells(mode.kind, first, last)
			if !(b.sInv > 0) || math.IsInf(b.sInv, 0) {
				t.Fatalf("%s, %v: cells of scale %g", name, mode, b.sInv)
			}
			b.setSteps(mode.steps, b.edgesPerCell())
			s := mode
			var idx [addChunk]int32
			for k := 0; k < len(probes); k += addChunk {
				chunk := probes[k:min(k+addChunk, len(probes))]
				bad := b.findBins(chunk, idx[:])
				finite := true
				for i, x := range chunk {
					// Index walks the same guide, one value at a time:
					// every value has its bin, NaN the first.
					if got, want := b.Index(x), edgesBelow(b.edges, x); got != want {
						t.Fatalf("%s, %v: Index(%g) = %d, want %d", name, s, x, got, want)
					}
					if x-x != 0 {
						finite = false
						continue
					}
					if got, want := int(idx[i]), edgesBelow(b.edges, x); got != want {
						t.Fatalf("%s, %v: bin of %g is %d, want %d", name, s, x, got, want)
					}
					if got, want := b.searchIndex(x), edgesBelow(b.edges, x); got != want {
						t.Fatalf("%s, %v: searchIndex(%g) = %d, want %d", name, s, x, got, want)
					}
				}
				if finite != (bad == 0) {
					t.Fatalf("%s: chunk at %d has finite values only: %v, findBins says %#x", name, k, finite, bad)
				}
			}
		}
		b.buildFixed(b.spanEdges()) // as chosen
	}
}

// searchModes are every kind of search guide: cells in the values or
// their keys, searched in each number of steps.
var searchModes = func() []searchMode {
	var m []searchMode
	for _, kind := range []cellKind{linearCells, lowKeyCells, highKeyCells, midKeyCells} {
		for s := 1; s <= maxSearchSteps; s++ {
			m = append(m, searchMode{kind, s})
		}
	}
	return m
}()

type searchMode struct {
	kind  cellKind
	steps int
}

func (m searchMode) String() string {
	return fmt.Sprintf("%s cells, %d steps", [...]string{"linear", "low keyed", "high keyed", "mid keyed"}[m.kind], m.steps)
}

// TestOrderKey checks that orderKey and Bins.key keep the order of the
// floats, −0 and +0 alike.
func TestOrderKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 15))
	xs := []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64, math.Copysign(0, -1), 0,
		math.SmallestNonzeroFloat64, 2.2250738585072014e-308, 1, 1 + 1e-16, 1e300, math.MaxFloat64, math.Inf(1)}
	for range 10000 {
		x := math.Float64frombits(rng.Uint64())
		if x-x == 0 {
			xs = append(xs, x, math.Nextafter(x, math.Inf(1)))
		}
		xs = append(xs, rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)))
	}
	slices.Sort(xs)
	for i := 1; i < len(xs); i++ {
		a, b := orderKey(xs[i-1]), orderKey(xs[i])
		if a > b || xs[i-1] == xs[i] && a != b {
			t.Fatalf("orderKey(%g) = %g, orderKey(%g) = %g: out of order", xs[i-1], a, xs[i], b)
		}
	}
	if orderKey(math.Copysign(0, -1)) != orderKey(0) {
		t.Error("−0 and +0 have different keys")
	}
	// Bins.key, from an edge up or down, or either way from the middle
	// edge less a floor, keeps it too.
	for _, base := range []float64{0, 3, -1e300} {
		for _, sign := range []float64{1, -1} {
			b := &Bins{kBase: base, kSign: sign}
			for i := 1; i < len(xs); i++ {
				if p, q := b.key(xs[i-1]), b.key(xs[i]); p > q || xs[i-1] == xs[i] && p != q {
					t.Fatalf("key from %g (%g) of %g = %g, of %g = %g: out of order", base, sign, xs[i-1], p, xs[i], q)
				}
			}
		}
		for _, floor := range []float64{0, math.SmallestNonzeroFloat64, 1e-3, 1, 1e300, math.Inf(1)} {
			b := &Bins{kind: midKeyCells, kBase: base, kFloor: int64(math.Float64bits(floor))}
			for i := 1; i < len(xs); i++ {
				if p, q := b.key(xs[i-1]), b.key(xs[i]); p > q || xs[i-1] == xs[i] && p != q {
					t.Fatalf("key from %g less %g of %g = %g, of %g = %g: out of order", base, floor, xs[i-1], p, xs[i], q)
				}
			}
			// Within the floor of the base, every key is 0.
			if floor > 0 && floor < 1e300 {
				for _, x := range []float64{base, base + floor/2, base - floor/2} {
					if k := b.key(x); k != 0 && math.Abs(x-base) <= floor {
						t.Fatalf("key from %g less %g of %g = %g, want 0", base, floor, x, k)
					}
				}
			}
		}
	}
}

// TestBinsSearchChoice checks the choices buildFixed makes: the steps for
// the shape of the edges, a 16-bit guide below 2¹⁵ edges and a 32-bit one
// from there, and crowded cells marked only where the steps fall short.
func TestBinsSearchChoice(t *testing.T) {
	cases := searchCases(t)
	// Evenly spread edges need one step; four edges in one cell, three
	// (rather than a bisection for most values).
	for name, want := range map[string]int{"one edge": 1, "32-bit guide": 1, "tiny": 3} {
		if got := cases[name].steps; got != want {
			t.Errorf("%s: %d steps, want %d", name, got, want)
		}
	}
	for name, want := range map[string]cellKind{"lognormal wide": lowKeyCells, "lognormal below 0": lowKeyCells,
		"lognormal negated": highKeyCells, "lognormal both": midKeyCells, "normal 2048": linearCells, "integers": linearCells, "offset": linearCells} {
		if got := cases[name].kind; got != want {
			t.Errorf("%s: cells of kind %d, want %d", name, got, want)
		}
	}
	for name, b := range cases {
		if got, want := b.guideBits(), 16; len(b.edges) >= 1<<15 {
			want = 32
			if got != want {
				t.Errorf("%s: %d edges, %d-bit guide, want %d", name, len(b.edges), got, want)
			}
		} else if got != want {
			t.Errorf("%s: %d edges, %d-bit guide, want %d", name, len(b.edges), got, want)
		}
		in := b.edgesPerCell()
		marked := 0
		for c, m := range in {
			var top bool
			if b.guide16 != nil {
				top = b.guide16[c]&(1<<15) != 0
			} else {
				top = b.guide32[c]&(1<<31) != 0
			}
			if top != (m > 1<<b.steps-1) {
				t.Fatalf("%s: cell %d holds %d edges, crowded mark %v with %d steps", name, c, m, top, b.steps)
			}
			if top {
				marked++
			}
		}
		if name == "crowded inside" && marked == 0 {
			t.Errorf("%s: no cell marked crowded", name)
		}
	}
}

// TestHistAddAllSteps checks that AddAll counts as Add does, to the bit,
// over every case of searchCases with every kind of guide (searchModes),
// the missing values spread over the chunks.
func TestHistAddAllSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 13))
	for name, b := range searchCases(t) {
		var xs []float64
		for _, x := range searchProbes(rng, b.edges) {
			if x-x == 0 {
				xs = append(xs, x)
			}
		}
		for len(xs) < 8000 { // checkHistAddAll's pieces, and duplicates
			xs = append(xs, xs...)
		}
		rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
		xs = slices.Insert(xs, 0, math.NaN())
		xs = slices.Insert(xs, 300, math.Inf(1))
		xs = slices.Insert(xs, 5000, math.Inf(-1))
		xs = append(xs, math.NaN())
		for _, mode := range searchModes {
			first, last := b.spanEdges()
			b.setCells(mode.kind, first, last)
			b.setSteps(mode.steps, b.edgesPerCell())
			t.Run(fmt.Sprintf("%s/%v", name, mode), func(t *testing.T) { checkHistAddAll(t, b, xs) })
		}
		b.buildFixed(b.spanEdges()) // as chosen
	}
}

// TestFixedCell checks the cell of values beyond the guide's range, those
// whose conversion to an int is out of range (platform-defined in Go, and
// fixedCell relies on it landing outside [0, last]): ±Inf, NaN of both
// signs, ±MaxFloat64, and values far outside, as well as −0 and values
// inside; every cell is in [0, last], in the order of the values, and the
// unclamped one where that is in range. The guides' scales (cellsPer) are positive and finite however wide or
// narrow the span, so only a NaN value makes a NaN.
func TestFixedCell(t *testing.T) {
	negNaN := math.Float64frombits(math.Float64bits(math.NaN()) | 1<<63)
	probes := []float64{math.Inf(-1), -math.MaxFloat64, -1e300, -1e20, -9.3e18, -1, math.Copysign(0, -1), 0,
		math.SmallestNonzeroFloat64, 0.5, 1, 2.5, 7, 1e6, 9.3e18, 1e20, 1e300, math.MaxFloat64, math.Inf(1)}
	for _, g := range []struct{ lo, inv float64 }{{0, 1}, {-3, 0.25}, {1e-320, math.MaxFloat64}, {-1e300, 1e-300}, {1, cellsPer(8196, 1, 1)},
		{-math.MaxFloat64, cellsPer(8196, -math.MaxFloat64, math.MaxFloat64)}, {5e-324, cellsPer(8196, 5e-324, 1e-323)}} {
		if !(g.inv > 0) || math.IsInf(g.inv, 0) {
			t.Fatalf("lo %g: scale %g", g.lo, g.inv)
		}
		for _, last := range []int{0, 3, 8195, 2_000_001} {
			for _, nan := range []float64{math.NaN(), negNaN} {
				if c := fixedCell(nan, g.lo, g.inv, last); c < 0 || c > last {
					t.Errorf("lo %g, inv %g, last %d: cell of NaN %d", g.lo, g.inv, last, c)
				}
			}
			prev := 0
			for _, x := range probes {
				c := fixedCell(x, g.lo, g.inv, last)
				want := 0
				u := (x - g.lo) * g.inv
				if u != u {
					t.Fatalf("lo %g, inv %g: %g's cell is NaN", g.lo, g.inv, x)
				}
				switch {
				case u >= float64(last):
					want = last
				case u > 0:
					want = int(u)
				}
				if c != want || c < prev {
					t.Errorf("lo %g, inv %g, last %d: cell of %g is %d, want %d (previous value's %d)", g.lo, g.inv, last, x, c, want, prev)
				}
				prev = c
			}
		}
	}
}
