package ingest

import "github.com/cespare/xxhash/v2"

// ContentHash is a 64-bit hash of an event line's content, the same for
// two lines that say the same: its fields in any order, the members of
// its features and groups in any order, white space aside. Values count
// as written (0.5 and 0.50, "a" and "\u0061" differ), as do names. A
// retry rebuilt from a map (the Go SDK writes features in the map's
// order, another each time) hashes as the line it repeats, where the
// line's bytes would not. A line that is not a JSON object hashes as its
// bytes. The store compares a repeated event ID's line with the stored
// one this way, to tell a retry from an ID reused for another event.
func ContentHash(line []byte) (h uint64) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(scanError); !ok {
				panic(r)
			}
			h = xxhash.Sum64(line)
		}
	}()
	s := newScanner(line)
	s.ws()
	var sum uint64
	s.object(func(key []byte, _ bool) {
		var v uint64
		if s.kind() == 'o' {
			// An object's members in any order: their mixes added up,
			// told apart from a scalar by a constant.
			v = 0x6f626a656374
			s.object(func(name []byte, _ bool) {
				start := s.i
				s.skip()
				v += mix(xxhash.Sum64(name), xxhash.Sum64(s.b[start:s.i]))
			})
		} else {
			start := s.i
			s.skip()
			v = xxhash.Sum64(s.b[start:s.i])
		}
		sum += mix(xxhash.Sum64(key), v)
	})
	s.ws()
	if s.i < len(s.b) {
		return xxhash.Sum64(line)
	}
	return sum
}

// mix combines two hashes into one (SplitMix64's finaliser over them),
// so that sums of mixes (of members in any order) do not cancel out.
func mix(a, b uint64) uint64 {
	x := a*0x9e3779b97f4a7c15 ^ b
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
