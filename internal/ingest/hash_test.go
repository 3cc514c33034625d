package ingest

import (
	"fmt"
	"strings"
	"testing"
)

// ContentHash is one for lines that say the same — fields, features and
// groups in any order, white space aside — and differs when any value,
// name or field differs, or one is added.
func TestContentHash(t *testing.T) {
	base := `{"id":"e-1","time":"2026-11-28T10:00:00Z","version":"1","features":{"a":1,"b":"x","c":null},"prediction":0.8,"label":1,"groups":{"g":"f","h":"m"}}`
	same := []string{
		base,
		`{"prediction":0.8,"version":"1","id":"e-1","label":1,"time":"2026-11-28T10:00:00Z","groups":{"h":"m","g":"f"},"features":{"c":null,"b":"x","a":1}}`,
		` { "id" : "e-1", "time":"2026-11-28T10:00:00Z" ,"version":"1","features":{ "b" : "x","a":1 ,"c":null},"prediction":0.8,"label":1,"groups":{"g":"f","h":"m"} } `,
	}
	differ := []string{
		strings.Replace(base, "10:00:00Z", "10:00:01Z", 1),
		strings.Replace(base, `"a":1`, `"a":2`, 1),
		strings.Replace(base, `"a":1`, `"A":1`, 1),
		strings.Replace(base, `"b":"x"`, `"b":"y"`, 1),
		strings.Replace(base, `"c":null`, `"c":0`, 1),
		strings.Replace(base, `"prediction":0.8`, `"prediction":0.9`, 1),
		strings.Replace(base, `"label":1`, `"label":0`, 1),
		strings.Replace(base, `,"label":1`, ``, 1),
		strings.Replace(base, `"g":"f"`, `"g":"m"`, 1),
		// The values of two members swapped: not the same line.
		strings.Replace(base, `"a":1,"b":"x"`, `"a":"x","b":1`, 1),
		strings.Replace(base, `"version":"1"`, `"version":"2"`, 1),
		strings.Replace(base, `"prediction":0.8`, `"prediction":0.8,"latency_ms":3`, 1),
		// A feature moved into groups.
		strings.Replace(strings.Replace(base, `"b":"x",`, ``, 1), `"g":"f"`, `"b":"x","g":"f"`, 1),
	}
	h := ContentHash([]byte(base))
	for _, l := range same {
		if got := ContentHash([]byte(l)); got != h {
			t.Errorf("%s: hash %x, want %x (the same content)", l, got, h)
		}
	}
	seen := map[uint64]string{h: base}
	for _, l := range differ {
		got := ContentHash([]byte(l))
		if was, ok := seen[got]; ok {
			t.Errorf("%s hashes as %s", l, was)
		}
		seen[got] = l
	}
	// Not an object: the bytes' hash, never a panic.
	for _, l := range []string{`[1,2]`, `{"a":1} x`, `{"a":`, ``} {
		if a, b := ContentHash([]byte(l)), ContentHash([]byte(l+" ")); l != "" && a == b {
			t.Errorf("%q and %q: one hash, want the bytes'", l, l+" ")
		}
	}
}

func BenchmarkContentHash(b *testing.B) {
	var f []string
	for i := range 20 {
		f = append(f, fmt.Sprintf(`"num_%02d":%g`, i, 0.123456*float64(i+1)))
	}
	for i := range 5 {
		f = append(f, fmt.Sprintf(`"cat_%d":"value_%d"`, i, i))
	}
	line := []byte(`{"id":"01890a5d-ac96-774b-bcce-b302099a8057","time":"2026-11-28T10:00:00.123Z","version":"3.1","features":{` +
		strings.Join(f, ",") + `},"prediction":0.82,"latency_ms":31}`)
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		ContentHash(line)
	}
}
