package monitor

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// fuzzEdges draws up to n distinct finite edges of a shape picked by
// shape, from seed, and adds the finite floats raw spells (8 bytes each):
// spread over the whole float range by their bits, normal at an offset,
// skewed either way, integers, subnormal, clustered into a few ulps, or
// at the ends of the float range.
func fuzzEdges(seed uint64, n int, shape uint8, raw []byte) []float64 {
	rng := rand.New(rand.NewPCG(seed, uint64(shape)))
	off := []float64{0, 1, -1e6, 1e15, 1e300, -1e300}[rng.IntN(6)]
	draw := [...]func() float64{
		func() float64 { return math.Float64frombits(rng.Uint64()) },
		func() float64 { return off + rng.NormFloat64()*math.Pow(10, float64(rng.IntN(20)-10)) },
		func() float64 { return off + math.Exp(rng.NormFloat64()*3) },
		func() float64 { return off - math.Exp(rng.NormFloat64()*3) },
		func() float64 { return float64(rng.IntN(101)) },
		func() float64 { return math.Float64frombits(rng.Uint64N(1<<52)) * float64(1-2*rng.IntN(2)) },
		func() float64 { return math.Float64frombits(math.Float64bits(1.5) + rng.Uint64N(64)) },
		func() float64 {
			return math.Float64frombits(math.Float64bits(math.MaxFloat64)-rng.Uint64N(1<<10)) * float64(1-2*rng.IntN(2))
		},
		func() float64 { return math.Copysign(0, float64(1-2*rng.IntN(2))) },
	}
	d := draw[int(shape)%len(draw)]
	var edges []float64
	for range n {
		edges = append(edges, d())
		if rng.IntN(16) == 0 { // a little of another shape mixed in
			edges = append(edges, draw[rng.IntN(len(draw))]())
		}
	}
	for ; len(raw) >= 8; raw = raw[8:] {
		edges = append(edges, math.Float64frombits(binary.LittleEndian.Uint64(raw)))
	}
	edges = slices.DeleteFunc(edges, func(x float64) bool { return x-x != 0 })
	slices.Sort(edges)
	return slices.Compact(edges) // −0 and +0 alike
}

// fuzzValues returns values to count over edges: every edge and its
// neighbouring floats, the special values, and random values near and
// far from the edges, in a random order.
func fuzzValues(rng *rand.Rand, edges []float64) []float64 {
	inf := math.Inf(1)
	xs := []float64{math.NaN(), inf, -inf, 0, math.Copysign(0, -1), math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64}
	for _, e := range edges {
		xs = append(xs, e, math.Nextafter(e, inf), math.Nextafter(e, -inf))
	}
	for range 1000 {
		xs = append(xs, math.Float64frombits(rng.Uint64()))
		if len(edges) > 0 {
			e := edges[rng.IntN(len(edges))]
			xs = append(xs, e*(1+rng.NormFloat64()*1e-6), e*rng.Float64()*8, e+rng.NormFloat64())
			if i := rng.IntN(len(edges)); i+1 < len(edges) {
				xs = append(xs, edges[i]+(edges[i+1]-edges[i])*rng.Float64())
			}
		}
	}
	rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	return xs
}

// checkSearch checks Index and AddAll's search of every value of xs
// against a plain count of the edges below it.
func checkSearch(t *testing.T, b *Bins, xs []float64, what string) {
	t.Helper()
	var idx [addChunk]int32
	for k := 0; k < len(xs); k += addChunk {
		chunk := xs[k:min(k+addChunk, len(xs))]
		bad := b.findBins(chunk, idx[:])
		finite := true
		for i, x := range chunk {
			if x-x != 0 {
				finite = false
				continue
			}
			want := edgesBelow(b.edges, x)
			if got := int(idx[i]); got != want {
				t.Fatalf("%s: AddAll's bin of %g (%#x) is %d, want %d (%d edges)", what, x, math.Float64bits(x), got, want, len(b.edges))
			}
			if got := b.Index(x); got != want {
				t.Fatalf("%s: Index(%g) (%#x) = %d, want %d (%d edges)", what, x, math.Float64bits(x), got, want, len(b.edges))
			}
		}
		if finite != (bad == 0) {
			t.Fatalf("%s: chunk at %d finite only %v, findBins says %#x", what, k, finite, bad)
		}
	}
}

// checkAddAll checks that AddAll counts xs as Add does one at a time, to
// the bit, and that the two halves merged count them as a whole.
func checkAddAll(t *testing.T, b *Bins, xs []float64, what string) {
	t.Helper()
	one, all, h1, h2 := NewHist(b), NewHist(b), NewHist(b), NewHist(b)
	for _, x := range xs {
		one.Add(x)
	}
	all.AddAll(xs)
	h1.AddAll(xs[:len(xs)/2])
	h2.AddAll(xs[len(xs)/2:])
	if err := h1.Merge(h2); err != nil {
		t.Fatal(err)
	}
	bits := math.Float64bits
	same := func(h *Hist) bool {
		if h.N != one.N || h.Missing != one.Missing || bits(h.Min) != bits(one.Min) || bits(h.Max) != bits(one.Max) {
			return false
		}
		for i, c := range h.Cells {
			if c.N != one.Cells[i].N {
				return false
			}
		}
		return true
	}
	if !same(all) || bits(all.S1) != bits(one.S1) || bits(all.S2) != bits(one.S2) {
		t.Fatalf("%s: AddAll N %d missing %d S1 %g S2 %g min %g max %g; Add: %d %d %g %g %g %g",
			what, all.N, all.Missing, all.S1, all.S2, all.Min, all.Max, one.N, one.Missing, one.S1, one.S2, one.Min, one.Max)
	}
	for i, c := range all.Cells {
		if bits(c.Sum) != bits(one.Cells[i].Sum) {
			t.Fatalf("%s: cell %d sum %g, Add's %g", what, i, c.Sum, one.Cells[i].Sum)
		}
	}
	if !same(h1) {
		t.Fatalf("%s: two halves merged count N %d missing %d, Add %d %d", what, h1.N, h1.Missing, one.N, one.Missing)
	}
	for _, h := range []*Hist{all, h1} {
		v, c, ok := h.FewDistinct()
		ov, oc, ook := one.FewDistinct()
		if ok != ook || !slices.Equal(v, ov) || !slices.Equal(c, oc) {
			t.Fatalf("%s: distinct values %v %v (%v), Add's %v %v (%v)", what, v, c, ok, ov, oc, ook)
		}
	}
}

// FuzzHistAddAll checks AddAll's search and Index against a plain count
// of the edges below each value, and AddAll against Add, on random bins
// of every shape with up to thousands of edges (plain, quantile, fenced,
// and counting few values), with the guide buildFixed chose and then with
// every kind of guide (searchModes). In a plain `go test` only the seed
// corpus runs; `go test -fuzz FuzzHistAddAll` explores further.
func FuzzHistAddAll(f *testing.F) {
	for shape := range uint8(9) {
		f.Add(uint64(shape)+1, uint32(40), shape, []byte{})
		f.Add(uint64(shape)+100, uint32(2500), shape, []byte{})
	}
	le := func(xs ...float64) []byte {
		var b []byte
		for _, x := range xs {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
		return b
	}
	f.Add(uint64(7), uint32(0), uint8(0), le(-math.MaxFloat64))
	f.Add(uint64(7), uint32(0), uint8(0), le(-math.MaxFloat64, math.MaxFloat64))
	f.Add(uint64(7), uint32(0), uint8(0), le(0, math.SmallestNonzeroFloat64))
	f.Add(uint64(7), uint32(0), uint8(0), le(math.Copysign(0, -1)))
	f.Add(uint64(7), uint32(0), uint8(0), le(-1e300, -1, 0, 1e-300, 1e300))
	f.Fuzz(func(t *testing.T, seed uint64, n uint32, shape uint8, raw []byte) {
		// Up to 4096 drawn edges: a larger input takes a fuzzing worker
		// past its 10 s per input (TestBinsSearchGuideWidth checks 2¹⁵
		// edges and more, the 32-bit guide).
		n %= 1 << 12
		edges := fuzzEdges(seed, int(n), shape, raw)
		rng := rand.New(rand.NewPCG(seed, 1))
		xs := fuzzValues(rng, edges)
		var all []*Bins
		var names []string
		if len(edges) > 0 {
			b, err := NewBins(edges, nil)
			if err != nil {
				t.Fatal(err)
			}
			all, names = append(all, b), append(names, "edges")
			// Quantile and fenced bins of the edges taken as a sample.
			all, names = append(all, BinsFromSorted(edges, 1+rng.IntN(2048), 10)), append(names, "quantile")
			fb, err := FencedBinsFromSorted(edges, edges[0], edges[len(edges)-1], 1+rng.IntN(2048), 10)
			if err != nil {
				t.Fatalf("fenced bins over [%g, %g]: %v", edges[0], edges[len(edges)-1], err)
			}
			all, names = append(all, fb), append(names, "fenced")
			few := BinsFromSorted(edges, 1+rng.IntN(64), 10)
			few.CountFew() // distinct values counted too, in countChecked
			all, names = append(all, few), append(names, "few")
		}
		for i, b := range all {
			checkSearch(t, b, xs, names[i]+", as chosen")
			checkAddAll(t, b, xs, names[i]+", as chosen")
			first, last := b.spanEdges()
			for _, mode := range searchModes {
				b.setCells(mode.kind, first, last)
				b.setSteps(mode.steps, b.edgesPerCell())
				checkSearch(t, b, xs, names[i]+", "+mode.String())
			}
			b.buildFixed(first, last)
		}
	})
}

// TestFixedCellRange checks fixedCell where (x−lo)·inv is beyond the int
// range, or NaN: the conversion to int is then implementation-dependent
// (the most negative int on amd64 and 386, saturated on arm64), and the
// cell must still be the first or last, in the order of x. The values of
// t straddle the 32- and 64-bit int limits.
func TestFixedCellRange(t *testing.T) {
	const last = 99
	ts := []float64{math.Inf(-1), -math.MaxFloat64, -1 << 64, -1 << 63, -1<<63 + 1<<10, -1 << 53, -1<<32 - 1, -1 << 31, -1<<31 - 1,
		-1e9, -101, -1, -0.5, math.Copysign(0, -1), 0, 0.5, 1, 98.9, 99, 99.5, 100, 1e9, 1<<31 - 1, 1 << 31, 1<<32 + 1,
		1 << 53, 1<<63 - 1<<10, 1 << 63, 1 << 64, math.MaxFloat64, math.Inf(1)}
	prev := 0
	for _, v := range ts {
		c := fixedCell(v, 0, 1, last)
		want := min(max(int(math.Floor(math.Max(math.Min(v, 1e9), -1e9))), 0), last)
		if c != want || c < prev {
			t.Errorf("fixedCell for t = %g: %d, want %d (after %d)", v, c, want, prev)
		}
		prev = c
		// The same through a multiplication, as the search computes it.
		if c2 := fixedCell(1, 0, v, last); c2 != want {
			t.Errorf("fixedCell(1, 0, %g): %d, want %d", v, c2, want)
		}
	}
	if c := fixedCell(math.NaN(), 0, 1, last); c != 0 {
		t.Errorf("fixedCell(NaN) = %d, want 0", c)
	}
	if c := fixedCell(0, 0, math.Inf(1), last); c != 0 { // 0·Inf is NaN
		t.Errorf("fixedCell(0, 0, +Inf) = %d, want 0", c)
	}
}

// TestBinsSearchGuideWidth checks the search at the switch from 16- to
// 32-bit guide entries (2¹⁵ edges), with a crowded cell among the last
// edges, whose entry has the top bit set over a count that needs all the
// other bits: evenly spaced edges, a few hundred crowded into a millionth
// between two of the last ones.
func TestBinsSearchGuideWidth(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 17))
	for _, n := range []int{1<<15 - 1, 1 << 15, 1<<15 + 1} {
		edges := make([]float64, 0, n)
		for i := 0; len(edges) < n-300; i++ {
			edges = append(edges, float64(i))
		}
		top := edges[len(edges)-1]
		for k := 0; len(edges) < n-1; k++ {
			edges = append(edges, top+0.5+float64(k)*1e-9)
		}
		edges = append(edges, top+1)
		b, err := NewBins(edges, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := 16
		if n >= 1<<15 {
			want = 32
		}
		if len(b.edges) != n || b.guideBits() != want {
			t.Fatalf("%d edges: %d kept, %d-bit guide, want %d", n, len(b.edges), b.guideBits(), want)
		}
		xs := fuzzValues(rng, b.edges)
		checkSearch(t, b, xs, fmt.Sprintf("%d edges, as chosen", n))
		checkAddAll(t, b, xs, fmt.Sprintf("%d edges, as chosen", n))
		first, last := b.spanEdges()
		for _, mode := range searchModes {
			b.setCells(mode.kind, first, last)
			b.setSteps(mode.steps, b.edgesPerCell())
			in, crowdedEnd := b.edgesPerCell(), false
			for c, m := range in {
				crowdedEnd = crowdedEnd || m > 1<<mode.steps-1 && c > len(in)/2
			}
			if !crowdedEnd {
				t.Fatalf("%d edges, %v: no crowded cell among the last edges", n, mode)
			}
			checkSearch(t, b, xs, fmt.Sprintf("%d edges, %v", n, mode))
		}
	}
}
