package monitor

import (
	"math"
	"slices"
)

// radixMin is the length from which sortFloats sorts by radix.
const radixMin = 4096

// sortFloats sorts xs ascending, leaving exactly what slices.Sort leaves:
// by radix (LSD, 11 bits a pass, passes whose digit is the same in every
// value skipped) over the values' bits mapped to unsigned integers in the
// same order, when xs is long and holds no NaN and no −0 — then values
// that sort equal have the same bits, so any stable or unstable order of
// them is the same slice. Else (or when short) slices.Sort.
func sortFloats(xs []float64) {
	if len(xs) < radixMin {
		slices.Sort(xs)
		return
	}
	keys := make([]uint64, len(xs))
	for i, x := range xs {
		b := math.Float64bits(x)
		if x != x || b == 1<<63 {
			slices.Sort(xs)
			return
		}
		// Negative values: all bits flipped (larger magnitude, smaller
		// key); others: the sign bit set.
		keys[i] = b ^ (uint64(int64(b)>>63) | 1<<63)
	}
	const bitsPerPass, buckets = 11, 1 << 11
	var counts [6][buckets]int
	for _, k := range keys {
		for p := range 6 {
			counts[p][k>>(bitsPerPass*uint(p))&(buckets-1)]++
		}
	}
	tmp := make([]uint64, len(keys))
	src, dst := keys, tmp
	for p := range 6 {
		c := &counts[p]
		shift := bitsPerPass * uint(p)
		if c[src[0]>>shift&(buckets-1)] == len(src) {
			continue // one digit for all: the pass would not move anything
		}
		sum := 0
		for d := range c {
			c[d], sum = sum, sum+c[d]
		}
		for _, k := range src {
			d := k >> shift & (buckets - 1)
			dst[c[d]] = k
			c[d]++
		}
		src, dst = dst, src
	}
	for i, k := range src {
		// The inverse of the mapping: keys with the top bit set were
		// non-negative values.
		xs[i] = math.Float64frombits(k ^ (uint64(int64(^k)>>63) | 1<<63))
	}
}
