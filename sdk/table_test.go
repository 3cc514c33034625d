package sdk

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// checkTable asserts that t answers exactly as the map it was built from,
// for every key in it and for keys close to them that are not.
func checkTable(t *testing.T, tb *table, m map[string]entry) {
	t.Helper()
	for k, want := range m {
		got, ok := tb.get(k)
		if !ok || got != want {
			t.Fatalf("get(%q): got %+v, %v; want %+v", k, got, ok, want)
		}
	}
	for k := range m {
		for _, miss := range []string{k + "x", "x" + k, strings.ToUpper(k) + "?", k[:len(k)/2] + "#" + k[len(k)/2:]} {
			if _, in := m[miss]; in {
				continue
			}
			if got, ok := tb.get(miss); ok {
				t.Fatalf("get(%q), not in the table: got %+v", miss, got)
			}
		}
	}
	n := 0
	tb.each(func(k string, e entry) {
		n++
		if m[k] != e {
			t.Fatalf("each: %q → %+v, want %+v", k, e, m[k])
		}
	})
	if n != len(m) {
		t.Fatalf("each visited %d entries, want %d", n, len(m))
	}
}

func TestTableAnswersLikeAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcdefghijklmnopqrstuvwxyz-0123456789推荐"
	for _, size := range []int{0, 1, 2, 7, 8, 9, 100, 1000, 5000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			m := map[string]entry{}
			for len(m) < size {
				// Every length from 0 to 40, so each branch of the quick hash
				// (and the 16/17-byte boundary of the word comparison) is hit.
				b := make([]byte, rng.IntN(41))
				for i := range b {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				}
				m[string(b)] = entry{state: State(rng.IntN(3)), fallback: fmt.Sprint("fb-", len(m)), version: int64(len(m))}
			}
			tb := newTable(m)
			if len(m) > 1 && len(tb.slots) < 2*len(m) {
				t.Errorf("%d slots for %d keys, want at most half full", len(tb.slots), len(m))
			}
			checkTable(t, tb, m)
		})
	}
}

// Long keys that differ only in bytes the quick hash does not read all
// share one hash; the table must notice and hash every byte instead.
func TestTableFallsBackToFullHash(t *testing.T) {
	// Keys with long common parts, as naming schemes produce.
	m := map[string]entry{}
	for i := range 200 {
		k := fmt.Sprintf("model-%03d-serving-%03d-region-x", i%7, i)
		m[k] = entry{version: int64(i)}
	}
	checkTable(t, newTable(m), m)

	// These do collide on every word the quick hash reads: same length,
	// same first, middle and last words (bytes 0–8, 24–40, 56–64 of 64),
	// different bytes 8 and 9.
	m = map[string]entry{}
	for i := range 100 {
		k := fmt.Sprintf("aaaaaaaa%02dbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbcccccccc", i)
		m[k] = entry{version: int64(i)}
	}
	tb := newTable(m)
	if !tb.full {
		t.Errorf("100 keys with one quick hash: the table kept the quick hash")
	}
	checkTable(t, tb, m)
}
