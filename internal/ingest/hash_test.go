package ingest

import (
	"fmt"
	"slices"
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

// A name given twice in an object is read as encoding/json reads it, the
// last one counting (groups: their members add up in order, and null
// empties them): the same names in another order then say something else,
// and must not hash as the line they differ from. The same repeats, other
// fields moved around them, still say the same.
func TestContentHashRepeatedNames(t *testing.T) {
	pairs := []struct{ a, b string }{
		{`{"id":"e-1","prediction":1,"prediction":2}`, `{"id":"e-1","prediction":2,"prediction":1}`},
		{`{"id":"e-1","prediction":1,"label":1,"label":null}`, `{"id":"e-1","prediction":1,"label":null,"label":1}`},
		{`{"id":"e-1","prediction":1,"features":{"x":1,"x":2}}`, `{"id":"e-1","prediction":1,"features":{"x":2,"x":1}}`},
		{`{"id":"e-1","prediction":1,"features":{"x":1},"features":{"y":1}}`, `{"id":"e-1","prediction":1,"features":{"y":1},"features":{"x":1}}`},
		{`{"id":"e-1","prediction":1,"groups":{"g":"f"},"groups":null}`, `{"id":"e-1","prediction":1,"groups":null,"groups":{"g":"f"}}`},
		// One name written two ways is still one name.
		{`{"id":"e-1","prediction":1,"\u0070rediction":2}`, `{"id":"e-1","\u0070rediction":2,"prediction":1}`},
		{`{"id":"e-1","prediction":1,"features":{"x":1,"\u0078":2}}`, `{"id":"e-1","prediction":1,"features":{"\u0078":2,"x":1}}`},
	}
	// Past the names an object holds in a list (32), in a map.
	var many []string
	for i := range 40 {
		many = append(many, fmt.Sprintf(`"f%02d":%d`, i, i))
	}
	pairs = append(pairs, struct{ a, b string }{
		`{"id":"e-1","prediction":1,"features":{` + strings.Join(many, ",") + `,"x":1,"f03":7,"x":2}}`,
		`{"id":"e-1","prediction":1,"features":{` + strings.Join(many, ",") + `,"x":2,"f03":7,"x":1}}`,
	}, struct{ a, b string }{
		`{"id":"e-1","prediction":1,"features":{` + strings.Join(many, ",") + `,"f03":7}}`,
		`{"id":"e-1","prediction":1,"features":{"f03":7,` + strings.Join(many, ",") + `}}`,
	})
	for _, p := range pairs {
		if ContentHash([]byte(p.a)) == ContentHash([]byte(p.b)) {
			t.Errorf("%s and %s say different things but hash the same", p.a, p.b)
		}
	}
	rev := slices.Clone(many)
	slices.Reverse(rev)
	same := []struct{ a, b string }{
		{`{"id":"e-1","prediction":1,"prediction":2,"version":"1"}`, `{"version":"1","prediction":1,"id":"e-1","prediction":2}`},
		{`{"id":"e-1","prediction":1,"features":{"x":1,"y":3,"x":2}}`, `{"features":{"y":3,"x":1,"x":2},"prediction":1,"id":"e-1"}`},
		{`{"id":"e-1","prediction":1,"features":{` + strings.Join(many, ",") + `,"x":1,"f03":7,"x":2}}`,
			`{"id":"e-1","prediction":1,"features":{"x":1,` + strings.Join(rev, ",") + `,"f03":7,"x":2}}`},
	}
	for _, p := range same {
		if ContentHash([]byte(p.a)) != ContentHash([]byte(p.b)) {
			t.Errorf("%s and %s say the same but hash otherwise", p.a, p.b)
		}
	}
}
