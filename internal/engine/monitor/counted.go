package monitor

import (
	"math"
	"slices"
)

// Distinct is a numeric sample given as its distinct values and how often
// each occurs: the exact form of a large sample with few distinct values
// (ages, counts, ratings).
type Distinct struct {
	Values []float64 // ascending, distinct, finite
	Counts []float64 // occurrences of each
}

// DistinctFromMap sorts a value → count map into a Distinct.
func DistinctFromMap(m map[float64]uint64) Distinct {
	d := Distinct{Values: make([]float64, 0, len(m)), Counts: make([]float64, 0, len(m))}
	for v := range m {
		d.Values = append(d.Values, v)
	}
	slices.Sort(d.Values)
	for _, v := range d.Values {
		d.Counts = append(d.Counts, float64(m[v]))
	}
	return d
}

// N returns the sample size.
func (d Distinct) N() float64 {
	n := 0.0
	for _, c := range d.Counts {
		n += c
	}
	return n
}

// orderStat returns the r-th smallest value (0-based) of the expanded
// sample.
func (d Distinct) orderStat(r float64) float64 {
	cum := 0.0
	for i, c := range d.Counts {
		cum += c
		if r < cum {
			return d.Values[i]
		}
	}
	return d.Values[len(d.Values)-1]
}

// quantile is Quantile on the expanded sample.
func (d Distinct) quantile(q float64) float64 {
	n := d.N()
	h := (n - 1) * q
	if h >= n-1 {
		return d.Values[len(d.Values)-1]
	}
	lo := math.Floor(h)
	return lerp(d.orderStat(lo), d.orderStat(lo+1), h-lo)
}

// NumericDistinct measures the drift of a numeric feature from the
// distinct values and counts of each sample, with exactly the statistics
// NumericExact computes on the expanded samples (the same KS statistic and
// p-value, PSI bins and Wasserstein distance), in time proportional to the
// number of distinct values.
func NumericDistinct(ref, cur Distinct, t Thresholds) FeatureDrift {
	t = t.WithDefaults()
	f := newFeatureDrift(Numeric)
	f.Method = MethodExact
	nr, nc := ref.N(), cur.N()
	f.RefN, f.CurN = int64(nr), int64(nc)
	if nr == 0 || nc == 0 {
		return untestable(f, "no values in "+emptySide(int(nr), int(nc)))
	}
	// One walk over the union of values gives both CDFs everywhere.
	var i, j int
	var R, C float64
	hi, lo := math.Inf(-1), math.Inf(1)
	// As Wasserstein: steps between values from 2^1022 on are summed a
	// quarter the size, so that they cannot overflow.
	scale := 1.0
	if math.Max(math.Max(-ref.Values[0], ref.Values[len(ref.Values)-1]), math.Max(-cur.Values[0], cur.Values[len(cur.Values)-1])) >= 0x1p1022 {
		scale = 0.25
	}
	w, prev := 0.0, math.Min(ref.Values[0], cur.Values[0])
	for i < len(ref.Values) || j < len(cur.Values) {
		var x float64
		switch {
		case i == len(ref.Values):
			x = cur.Values[j]
		case j == len(cur.Values):
			x = ref.Values[i]
		default:
			x = math.Min(ref.Values[i], cur.Values[j])
		}
		w += math.Abs(R/nr-C/nc) * (x*scale - prev*scale)
		prev = x
		if i < len(ref.Values) && ref.Values[i] == x {
			R += ref.Counts[i]
			i++
		}
		if j < len(cur.Values) && cur.Values[j] == x {
			C += cur.Counts[j]
			j++
		}
		diff := R/nr - C/nc
		hi, lo = math.Max(hi, diff), math.Min(lo, diff)
	}
	d := hi
	if minS := math.Min(math.Max(-lo, 0), 1); minS > hi {
		d = minS
	}
	f.KS, f.KSPValue, f.KSMethod = d, KSPValueAsymp(d, int64(nr), int64(nc)), KSAsymp
	if max(nr, nc) <= KSExactMaxN {
		if dd, p, ok := ksExact(int(nr), int(nc), d); ok {
			f.KS, f.KSPValue, f.KSMethod = dd, p, KSExact
		}
	}
	f.Wasserstein = normWasserstein(w/scale, weightedStd(ref.Values, ref.Counts))
	step := 1 / float64(t.PSIBins)
	var edges []float64
	for k := 1; k < t.PSIBins; k++ {
		if e := ref.quantile(float64(k) * step); len(edges) == 0 || e != edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	rb, cb := make([]float64, len(edges)+1), make([]float64, len(edges)+1)
	for k, v := range ref.Values {
		rb[binOf(edges, v)] += ref.Counts[k]
	}
	for k, v := range cur.Values {
		cb[binOf(edges, v)] += cur.Counts[k]
	}
	f.PSI = PSI(rb, cb)
	f.PSILevel = t.psiLevel(f.PSI)
	t.decideNumeric(&f)
	return f
}
