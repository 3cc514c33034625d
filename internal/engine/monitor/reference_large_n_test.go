package monitor

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestKSPValueLargeSamples: the asymptotic KS p-value of samples of
// billions of values agrees with scipy's (testdata/reference_large_n.json,
// written by make_reference_large_n.py), on either side of an effective
// size of 2^31 and by both entry points. On 32-bit platforms the size was
// cut to an int, so from 2^31 on every p-value was NaN.
func TestKSPValueLargeSamples(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "reference_large_n.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		KSAsymp []struct {
			N1, N2 int64
			D, P   float64
		} `json:"ks_asymp"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	beyond := 0
	for _, c := range ref.KSAsymp {
		if en := math.RoundToEven(float64(c.N1) * float64(c.N2) / float64(c.N1+c.N2)); en > math.MaxInt32 {
			beyond++
		}
		what := fmt.Sprintf("n1=%d n2=%d d=%g", c.N1, c.N2, c.D)
		checkRel(t, what+": KSPValueAsymp", KSPValueAsymp(c.D, c.N1, c.N2), c.P, tolPValue, 1e-300)
		checkRel(t, what+": KSPValue (exact, falling back)", KSPValue(c.D, c.N1, c.N2, KSExact), c.P, tolPValue, 1e-300)
	}
	if beyond < 10 {
		t.Fatalf("testdata/reference_large_n.json: %d cases beyond an effective size of 2^31, want at least 10: run make_reference_large_n.py", beyond)
	}
}
