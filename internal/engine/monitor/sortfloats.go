package monitor

import (
	"math"
	"slices"
	"sync"
	"unsafe"
)

// radixMin is the length from which sortFloats sorts by radix.
const radixMin = 4096

// radixScratch holds sortFloats' second buffer between calls: a
// reference sample is sorted per column, 800 KB a time at the default
// limit, and fresh memory costs its zeroing and page faults.
var radixScratch sync.Pool

// sortFloats sorts xs ascending, leaving exactly what slices.Sort leaves:
// by radix (LSD, 11 bits a pass) over the values' bits mapped to unsigned
// integers in the same order, when xs is long and holds no NaN and no −0
// — then values that sort equal have the same bits, so any stable or
// unstable order of them is the same slice. Else (or when short)
// slices.Sort. The keys are made in xs's own memory; the passes whose
// digit is the same in every value (the sign and exponent of values of
// one sign and scale, the low bits of integers) are neither counted nor
// made, so that a pass's counting does not queue behind one counter.
func sortFloats(xs []float64) {
	if len(xs) < radixMin || uint64(len(xs)) >= 1<<31 {
		slices.Sort(xs)
		return
	}
	for _, x := range xs {
		if x != x || math.Float64bits(x) == 1<<63 {
			slices.Sort(xs)
			return
		}
	}
	keys := unsafe.Slice((*uint64)(unsafe.Pointer(&xs[0])), len(xs))
	var differ uint64 // the bits in which some key differs from the first
	first := toKey(keys[0])
	for i, b := range keys {
		k := toKey(b)
		keys[i] = k
		differ |= k ^ first
	}
	const bitsPerPass, buckets, passes = 11, 1 << 11, 6
	var counts [passes][buckets]uint32
	var todo [passes]bool
	np := 0
	for p := range passes {
		if shift := bitsPerPass * uint(p); differ>>shift&(buckets-1) != 0 {
			todo[p] = true
			np++
		}
	}
	for p := range passes {
		if !todo[p] {
			continue
		}
		c, shift := &counts[p], bitsPerPass*uint(p)
		for _, k := range keys {
			c[k>>shift&(buckets-1)]++
		}
	}
	if np > 0 {
		var tmp []uint64
		if t, ok := radixScratch.Get().(*[]uint64); ok && cap(*t) >= len(keys) {
			tmp = (*t)[:len(keys)]
		} else {
			tmp = make([]uint64, len(keys))
		}
		src, dst := keys, tmp
		for p := range passes {
			if !todo[p] {
				continue
			}
			c, shift := &counts[p], bitsPerPass*uint(p)
			var sum uint32
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
		if &src[0] != &keys[0] {
			copy(keys, src)
		}
		radixScratch.Put(&tmp)
	}
	for i, k := range keys {
		keys[i] = fromKey(k)
	}
}

// toKey maps a float64's bits (not NaN) to an unsigned integer in the
// same order: negative values all bits flipped (larger magnitude, smaller
// key), others the sign bit set.
func toKey(b uint64) uint64 { return b ^ (uint64(int64(b)>>63) | 1<<63) }

// fromKey is toKey's inverse: keys with the top bit set were non-negative
// values.
func fromKey(k uint64) uint64 { return k ^ (uint64(int64(^k)>>63) | 1<<63) }
