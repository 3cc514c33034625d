package ingest

import "github.com/cespare/xxhash/v2"

// ContentHash is a 64-bit hash of an event line's content, the same for
// two lines that say the same: its fields in any order, the members of
// its features and groups in any order, white space aside. Values count
// as written (0.5 and 0.50, "a" and "\u0061" differ); names count by
// what they spell ("a" and "\u0061" are one name). A name given more than
// once in an object (the last one counts, as encoding/json reads it, and
// groups add up in order) keeps the order of its repeats: two lines that
// give a name's values in another order say different things. A retry
// rebuilt from a map (the Go SDK writes features in the map's order,
// another each time) hashes as the line it repeats, where the line's
// bytes would not. A line that is not a JSON object hashes as its bytes.
// The store compares a repeated event ID's line with the stored one this
// way, to tell a retry from an ID reused for another event.
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
	var fields, members names
	s.object(func(key []byte, esc bool) {
		var v uint64
		if s.kind() == 'o' {
			// An object's members in any order: their mixes added up,
			// told apart from a scalar by a constant.
			v = 0x6f626a656374
			members.seen, members.times = members.seen[:0], nil
			s.object(func(name []byte, esc bool) {
				n := members.of(name, esc)
				start := s.i
				s.skip()
				v += mix(n, xxhash.Sum64(s.b[start:s.i]))
			})
		} else {
			start := s.i
			s.skip()
			v = xxhash.Sum64(s.b[start:s.i])
		}
		sum += mix(fields.of(key, esc), v)
	})
	s.ws()
	if s.i < len(s.b) {
		return xxhash.Sum64(line)
	}
	return sum
}

// names hashes the names of one object's members: by what a name spells,
// and, for its second and later times in the object, with how many times
// it came before, so that the values of a repeated name are told apart by
// their order. A name is known by its hash.
type names struct {
	seen  []uint64          // the names so far, while they are few
	times map[uint64]uint64 // a name → the times it came so far, beyond
}

func (n *names) of(raw []byte, esc bool) uint64 {
	var h uint64
	if esc {
		h = xxhash.Sum64String(unquote(raw, esc))
	} else {
		h = xxhash.Sum64(raw[1 : len(raw)-1])
	}
	var times uint64
	if n.times == nil {
		for _, s := range n.seen {
			if s == h {
				times++
			}
		}
		if n.seen = append(n.seen, h); len(n.seen) > 32 {
			n.times = make(map[uint64]uint64, 2*len(n.seen))
			for _, s := range n.seen {
				n.times[s]++
			}
		}
	} else {
		times = n.times[h]
		n.times[h] = times + 1
	}
	if times > 0 {
		h = mix(h, times)
	}
	return h
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
