package monitor

import (
	"math"
	"strconv"
	"testing"

	"github.com/DataDog/sketches-go/ddsketch/mapping"
)

// TestLatencyMapping checks the latency sketch's bucket bounds on every
// platform: each bucket's value maps back to that bucket, bounds grow
// with the index by about the sketch's accuracy, and on 64-bit platforms
// they are the library's to the bit (on 32-bit ones the library's are
// wrong: the reason for cubicMapping).
func TestLatencyMapping(t *testing.T) {
	lib, err := mapping.NewCubicallyInterpolatedMapping(LatencyAccuracy)
	if err != nil {
		t.Fatal(err)
	}
	m := latencyMapping
	// Buckets from about 1e-6 to 1e9 ms.
	lo, hi := m.Index(1e-6), m.Index(1e9)
	if lo >= 0 || hi <= 0 {
		t.Fatalf("indexes %d..%d do not span below and above 1 ms", lo, hi)
	}
	prev := 0.0
	for i := lo; i <= hi; i++ {
		b, v := m.LowerBound(i), m.Value(i)
		if got := m.Index(v); got != i {
			t.Fatalf("bucket %d: value %g maps to bucket %d", i, v, got)
		}
		if got := m.Index(b * (1 + 1e-12)); got != i {
			t.Fatalf("bucket %d: lower bound %g maps to bucket %d", i, b, got)
		}
		if i > lo {
			if r := b / prev; r <= 1 || r > 1+4*LatencyAccuracy {
				t.Fatalf("bucket %d: bound %g is %g times the previous one", i, b, r)
			}
		}
		prev = b
		if strconv.IntSize == 64 && (b != lib.LowerBound(i) || v != lib.Value(i)) {
			t.Fatalf("bucket %d: %g, %g; the library's %g, %g", i, b, v, lib.LowerBound(i), lib.Value(i))
		}
	}
	if !m.Equals(latencyMapping) || m.Equals(lib) {
		t.Error("Equals: the mapping must equal itself and not the library's own type")
	}
	if math.Abs(m.RelativeAccuracy()-LatencyAccuracy) > 1e-12 {
		t.Errorf("relative accuracy %g, want %g", m.RelativeAccuracy(), LatencyAccuracy)
	}
}
