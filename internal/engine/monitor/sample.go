package monitor

import (
	"math"
	"math/bits"
	"slices"
	"strings"
)

// DefaultExactLimit is how many values of a numeric column a Sample keeps
// exactly; beyond it the Sample becomes a uniform reservoir sample of that
// size and drift is computed from histograms (see Hist). 100,000 values
// take 800 KB.
const DefaultExactLimit = 100_000

// FewValues is the largest number of distinct values for which a numeric
// feature is tested as categorical (chi-square or Jensen–Shannon over its
// values), as Evidently does for numeric columns with at most 5 unique
// values.
const FewValues = 5

// Sample collects one numeric column in a single pass: every value while
// there are at most limit of them (the drift statistics are then exact),
// after that a uniform reservoir sample of limit values (Vitter's
// algorithm R, seeded, so runs repeat), from which the reference's bins
// are cut. It also counts the column's values exactly while there are at
// most FewValues distinct ones.
type Sample struct {
	limit     int
	vals      []float64
	n         int64
	Missing   int64
	rng       uint64 // the state of the random numbers (SplitMix64)
	exactOnly bool   // drop the values past the limit instead of sampling
	countOnly bool   // keep no values (CountOnly)
	few       [FewValues]float64
	fewN      [FewValues]float64
	nFew      int
	manyVals  bool
	sorted    bool
}

// NewSample returns an empty sample keeping up to limit values exactly.
func NewSample(limit int, seed uint64) *Sample {
	if limit <= 0 {
		limit = DefaultExactLimit
	}
	return &Sample{limit: limit, rng: seed}
}

// NewExactSample returns a sample that keeps values only while it holds
// all of them: past limit it drops them (Exact turns false and Sorted
// returns nil) and goes on counting, and counting distinct values.
func NewExactSample(limit int) *Sample {
	s := NewSample(limit, 0)
	s.exactOnly = true
	return s
}

// CountOnly makes the sample keep no values from now on, and drops those
// it holds: it goes on counting values, missing ones and few distinct
// ones, but Exact is false and Sorted returns nil. For a sample whose
// values turn out not to be needed (lodestar drift's current, once the
// reference has more values than it keeps): keeping them cost copying
// every value up to the limit.
func (s *Sample) CountOnly() {
	s.exactOnly, s.countOnly, s.vals, s.sorted = true, true, nil, false
}

// Add adds one value; NaN counts as missing.
func (s *Sample) Add(x float64) {
	if x != x {
		s.Missing++
		return
	}
	s.n++
	s.sorted = false
	s.keep(x, s.n)
	if !s.manyVals {
		s.countFew(x)
	}
}

// AddAll adds the values of xs in order, as Add does one by one (the same
// values kept, in the same places, from the same random numbers), with
// the reservoir's state in registers.
func (s *Sample) AddAll(xs []float64) {
	n, miss := s.n, s.Missing
	limit := int64(s.limit)
	vals, rng := s.vals, s.rng
	exactOnly := s.exactOnly
	if s.countOnly {
		limit = 0 // exactOnly's way, every value past the limit
	}
	if len(vals) < s.limit && (!exactOnly || n < limit) {
		vals = growVals(vals, s.limit, len(xs))
	}
	for k, x := range xs {
		if s.manyVals && (exactOnly && n > limit || !exactOnly && len(vals) == s.limit) {
			if exactOnly {
				// Past the limit, with many distinct values, only the
				// values and the missing ones are left to count.
				for _, x := range xs[k:] {
					if x != x {
						miss++
					} else {
						n++
					}
				}
				break
			}
			// Only the reservoir's step is left to do, for the rest.
			n, miss, rng = reservoir(xs[k:], vals, n, miss, rng)
			break
		}
		if x != x {
			miss++
			continue
		}
		n++
		switch {
		case exactOnly:
			if n <= limit {
				vals = append(vals, x)
			} else if vals != nil {
				vals = nil
			}
		case len(vals) < s.limit:
			vals = append(vals, x)
		default: // keep's reservoir step, randomBelow inline
			var r uint64
			rng, r = splitMix64(rng)
			un := uint64(n)
			hi, lo := bits.Mul64(r, un)
			if lo < un {
				for floor := -un % un; lo < floor; {
					rng, r = splitMix64(rng)
					hi, lo = bits.Mul64(r, un)
				}
			}
			if hi < uint64(limit) {
				vals[hi] = x
			}
		}
		if !s.manyVals {
			s.countFew(x)
		}
	}
	if n != s.n {
		s.sorted = false
	}
	s.n, s.Missing, s.vals, s.rng = n, miss, vals, rng
}

// growVals gives vals room for up to more values, not past limit in all:
// it doubles, where append grows a long slice by a quarter (copying what
// it holds some ten times over on the way to 100,000 values, a column).
func growVals(vals []float64, limit, more int) []float64 {
	need := min(len(vals)+more, limit)
	if need <= cap(vals) {
		return vals
	}
	grown := make([]float64, len(vals), max(need, min(2*cap(vals), limit)))
	copy(grown, vals)
	return grown
}

// reservoir is AddAll's loop once the sample is full and has many
// distinct values: each value (n counted before it) replaces a uniformly
// drawn kept one with probability len(vals)/n, the random numbers those
// of keep.
func reservoir(xs, vals []float64, n, miss int64, rng uint64) (int64, int64, uint64) {
	limit := uint64(len(vals))
	for _, x := range xs {
		if x != x {
			miss++
			continue
		}
		n++
		var r uint64
		rng, r = splitMix64(rng)
		un := uint64(n)
		hi, lo := bits.Mul64(r, un)
		if lo < un {
			for floor := -un % un; lo < floor; {
				rng, r = splitMix64(rng)
				hi, lo = bits.Mul64(r, un)
			}
		}
		if hi < limit {
			vals[hi] = x
		}
	}
	return n, miss, rng
}

// keep keeps x, the n-th value, or not.
func (s *Sample) keep(x float64, n int64) {
	switch {
	case s.exactOnly:
		if n <= int64(s.limit) && !s.countOnly {
			s.vals = append(s.vals, x)
		} else if s.vals != nil {
			s.vals = nil
		}
	case len(s.vals) < s.limit:
		s.vals = append(s.vals, x)
	default:
		// The n-th value replaces a uniformly drawn kept one with
		// probability limit/n. (Li's algorithm L draws fewer random
		// numbers, but each costs three logarithms or exponentials; it
		// is ahead only once n is thousands of times the limit.)
		if j := s.randomBelow(uint64(n)); j < uint64(s.limit) {
			s.vals[j] = x
		}
	}
}

// random returns 64 random bits: Steele, Lea and Flood's SplitMix64, a
// few multiplications inline (math/rand/v2's generators, called through
// an interface, were a tenth of lodestar drift's time).
func (s *Sample) random() uint64 {
	var r uint64
	s.rng, r = splitMix64(s.rng)
	return r
}

// splitMix64 steps SplitMix64's state and returns the new state and its
// output.
func splitMix64(state uint64) (next, out uint64) {
	next = state + 0x9e3779b97f4a7c15
	z := next
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return next, z ^ z>>31
}

// randomBelow returns a uniform random integer in [0, n), n > 0: the high
// word of a random word times n, drawing again in the rare case that
// would favour some results (Lemire's method).
func (s *Sample) randomBelow(n uint64) uint64 {
	hi, lo := bits.Mul64(s.random(), n)
	if lo < n {
		for floor := -n % n; lo < floor; {
			hi, lo = bits.Mul64(s.random(), n)
		}
	}
	return hi
}

// countFew counts x among the distinct values, while there are few.
func (s *Sample) countFew(x float64) {
	for i := 0; i < s.nFew; i++ {
		if s.few[i] == x {
			s.fewN[i]++
			return
		}
	}
	if s.nFew == FewValues {
		s.manyVals = true
		return
	}
	s.few[s.nFew], s.fewN[s.nFew] = x, 1
	s.nFew++
}

// N returns how many values were added (not counting missing ones).
func (s *Sample) N() int64 { return s.n }

// Exact reports whether the sample holds every value added.
func (s *Sample) Exact() bool { return s.n <= int64(s.limit) && !s.countOnly }

// Sorted sorts the kept values in place and returns them.
func (s *Sample) Sorted() []float64 {
	if !s.sorted {
		sortFloats(s.vals)
		s.sorted = true
	}
	return s.vals
}

// Release drops the kept values (the distinct-value counts stay).
func (s *Sample) Release() { s.vals, s.sorted = nil, false }

// FewDistinct returns the column's distinct values and their counts when
// there are at most FewValues of them.
func (s *Sample) FewDistinct() (values, counts []float64, ok bool) {
	if s.manyVals {
		return nil, nil, false
	}
	return s.few[:s.nFew], s.fewN[:s.nFew], true
}

// OtherCategory is the category that values beyond a Counts' limit of
// distinct values are counted under.
const OtherCategory = "(other)"

// DefaultMaxCategories is how many distinct values a categorical feature
// counts separately in a window; further new values count under
// OtherCategory, and the feature is not drift-tested (CategoricalDrift),
// as `lodestar drift` does not test a column of more distinct values.
const DefaultMaxCategories = 10_000

// Counts is the mergeable state of one categorical feature: a count per
// value. "" counts as missing. Values are copied on first sight, so the
// caller's strings are not retained.
type Counts struct {
	index   map[string]int32
	Names   []string
	N       []uint64
	Missing uint64
	Max     int // distinct values counted separately; 0: DefaultMaxCategories

	// lumped says values past Max were counted under OtherCategory (a
	// value spelt so within the limit is a value like any other).
	lumped bool
}

// limit is Max, or its default.
func (c *Counts) limit() int {
	if c.Max == 0 {
		return DefaultMaxCategories
	}
	return c.Max
}

// Lumped reports whether values past the limit of distinct values were
// counted under OtherCategory, so that they are not known one by one.
func (c *Counts) Lumped() bool { return c.lumped }

// Add counts one value.
func (c *Counts) Add(v string) {
	if v == "" {
		c.Missing++
		return
	}
	if i, ok := c.index[v]; ok {
		c.N[i]++
		return
	}
	c.addNew(v, 1)
}

func (c *Counts) addNew(v string, n uint64) {
	if len(c.Names) >= c.limit() && v != OtherCategory {
		v = OtherCategory
		c.lumped = true
		if i, ok := c.index[v]; ok {
			c.N[i] += n
			return
		}
	}
	if c.index == nil {
		c.index = make(map[string]int32)
	}
	v = strings.Clone(v)
	c.index[v] = int32(len(c.Names))
	c.Names = append(c.Names, v)
	c.N = append(c.N, n)
}

// Total returns the number of values counted (not missing).
func (c *Counts) Total() uint64 {
	var t uint64
	for _, n := range c.N {
		t += n
	}
	return t
}

// Distinct returns how many distinct values were counted.
func (c *Counts) Distinct() int { return len(c.Names) }

// Get returns the count of a value.
func (c *Counts) Get(v string) uint64 {
	if i, ok := c.index[v]; ok {
		return c.N[i]
	}
	return 0
}

// Merge adds o's counts into c. The limit of distinct values does not
// apply to merging, so merged windows count exactly what the whole would
// have as long as the whole stays within the limit.
func (c *Counts) Merge(o *Counts) {
	c.Missing += o.Missing
	c.lumped = c.lumped || o.lumped
	for i, v := range o.Names {
		if j, ok := c.index[v]; ok {
			c.N[j] += o.N[i]
			continue
		}
		if c.index == nil {
			c.index = make(map[string]int32)
		}
		c.index[v] = int32(len(c.Names))
		c.Names = append(c.Names, v)
		c.N = append(c.N, o.N[i])
	}
}

// aligned returns the two count vectors over the union of values, in
// sorted order of the values.
func aligned(r, c *Counts) (names []string, ref, cur []float64) {
	names = slices.Clone(r.Names)
	for _, v := range c.Names {
		if _, ok := r.index[v]; !ok {
			names = append(names, v)
		}
	}
	slices.Sort(names)
	ref = make([]float64, len(names))
	cur = make([]float64, len(names))
	for i, v := range names {
		ref[i], cur[i] = float64(r.Get(v)), float64(c.Get(v))
	}
	return names, ref, cur
}

// finite reports whether x is neither NaN nor infinite.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
