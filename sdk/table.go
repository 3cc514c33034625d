package sdk

import "hash/maphash"

// table is an immutable open-addressing hash table from switch key to
// entry. Readers load it through an atomic pointer and never lock; every
// change builds a new one (switches change rarely and are read on every
// request). It does less than a Go map so that State costs a few
// nanoseconds: the entries are stored inline, at most half the slots are
// filled so probes are short, and the hash reads at most four words of
// the key with no loop (see quickHash). Keys that the quick hash cannot
// tell apart — long keys differing only in bytes it does not read — would
// all land in one probe chain; the table notices that when it is built
// and hashes every byte instead.
type table struct {
	slots []slot
	mask  uint64
	seed  uint64
	full  bool // hash every byte: the quick hash clustered these keys
}

// A slot keeps its key twice: as a string, and for keys of up to 16
// bytes as the two words the quick hash reads, which then hold every
// byte, so a lookup compares two integers instead of calling memequal.
type slot struct {
	n    int // len(key)+1; 0 marks an empty slot
	a, b uint64
	key  string
	e    entry
}

// maxProbe is the longest probe chain a table built with the quick hash
// may have before it switches to the full hash. At half load a fair hash
// almost never exceeds it; a few probes of one cache line each are cheap.
const maxProbe = 8

// newTable builds a table holding every entry of m.
func newTable(m map[string]entry) *table {
	size := 8
	for size < 2*len(m) {
		size *= 2
	}
	seed := maphash.Comparable(maphash.MakeSeed(), 0)
	if t, ok := fill(m, size, seed, false); ok {
		return t
	}
	t, _ := fill(m, size, seed, true)
	return t
}

// fill places the entries; with the quick hash it gives up (false) when
// a probe chain grows past maxProbe.
func fill(m map[string]entry, size int, seed uint64, full bool) (*table, bool) {
	t := &table{slots: make([]slot, size), mask: uint64(size - 1), seed: seed, full: full}
	for k, e := range m {
		a, b := words(k)
		i := t.hash(k, a, b) & t.mask
		for n := 0; t.slots[i].n != 0; n++ {
			if n >= maxProbe && !full {
				return nil, false
			}
			i = (i + 1) & t.mask
		}
		t.slots[i] = slot{n: len(k) + 1, a: a, b: b, key: k, e: e}
	}
	return t, true
}

func (t *table) hash(key string, a, b uint64) uint64 {
	if t.full {
		return fullHash(key, t.seed)
	}
	return quickHash(len(key), a, b, t.seed)
}

// get finds a key's entry.
func (t *table) get(key string) (entry, bool) {
	if i := t.find(key); i >= 0 {
		return t.slots[i].e, true
	}
	return entry{}, false
}

// find returns the slot holding key, or -1. It is the hot path of
// State: words and quickHash are written out here, so the common case is
// one call with no further calls and no memequal for keys up to 16 bytes.
func (t *table) find(key string) int {
	if t.full {
		return t.findFull(key)
	}
	n := len(key)
	var a, b uint64
	switch {
	case n >= 8:
		a, b = le64(key), le64(key[n-8:])
		if n > 16 {
			a ^= le64(key[n/2-8:]) * m3
			b ^= le64(key[n/2:]) * m3
		}
	case n >= 4:
		a, b = uint64(le32(key)), uint64(le32(key[n-4:]))
	case n > 0:
		a = uint64(key[0]) | uint64(key[n/2])<<8 | uint64(key[n-1])<<16
	}
	h := (a^t.seed)*m1 ^ (b+uint64(n))*m2
	h ^= h >> 31
	h *= m3
	i := (h ^ h>>29) & t.mask
	for {
		s := &t.slots[i]
		if s.n == 0 {
			return -1
		}
		if s.n == n+1 && s.a == a && s.b == b && (n <= 16 || s.key == key) {
			return int(i)
		}
		i = (i + 1) & t.mask
	}
}

// findFull is find for a table built with fullHash.
func (t *table) findFull(key string) int {
	i := fullHash(key, t.seed) & t.mask
	for {
		s := &t.slots[i]
		if s.n == 0 {
			return -1
		}
		if s.key == key {
			return int(i)
		}
		i = (i + 1) & t.mask
	}
}

// each calls f for every entry.
func (t *table) each(f func(string, entry)) {
	for i := range t.slots {
		if t.slots[i].n != 0 {
			f(t.slots[i].key, t.slots[i].e)
		}
	}
}

const (
	m1 = 0x9e3779b97f4a7c15
	m2 = 0xbf58476d1ce4e5b9
	m3 = 0x94d049bb133111eb
)

// words reads the key's first and last eight bytes (four for keys of 4
// to 7 bytes; the first, middle and last byte for shorter ones). Up to
// 16 bytes the two words and the length determine the key; longer keys
// mix in two words from the middle.
func words(s string) (a, b uint64) {
	n := len(s)
	switch {
	case n >= 8:
		a, b = le64(s), le64(s[n-8:])
		if n > 16 {
			a ^= le64(s[n/2-8:]) * m3
			b ^= le64(s[n/2:]) * m3
		}
	case n >= 4:
		a, b = uint64(le32(s)), uint64(le32(s[n-4:]))
	case n > 0:
		a = uint64(s[0]) | uint64(s[n/2])<<8 | uint64(s[n-1])<<16
	}
	return a, b
}

// quickHash mixes the length and the words of a key. It is not meant to
// resist an adversary (the keys come from the server, and the seed is
// random per table); it only spreads switch keys over slots, and
// newTable falls back to fullHash when it does not.
func quickHash(n int, a, b, seed uint64) uint64 {
	return mix((a^seed)*m1 ^ (b+uint64(n))*m2)
}

// fullHash folds in every byte, eight at a time.
func fullHash(s string, seed uint64) uint64 {
	h := seed ^ uint64(len(s))*m1
	for len(s) >= 8 {
		h = mix(h ^ le64(s))
		s = s[8:]
	}
	var w uint64
	for i := 0; i < len(s); i++ {
		w |= uint64(s[i]) << (8 * i)
	}
	return mix(h ^ w)
}

func mix(h uint64) uint64 {
	h ^= h >> 31
	h *= m3
	return h ^ h>>29
}

func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func le32(s string) uint32 {
	_ = s[3]
	return uint32(s[0]) | uint32(s[1])<<8 | uint32(s[2])<<16 | uint32(s[3])<<24
}
