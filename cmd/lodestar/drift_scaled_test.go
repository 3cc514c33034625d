package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDriftScaledReference runs `lodestar drift` on the monitor engine's
// scaled reference cases (1e15 and 1e14 offsets, 1e200, 1e300, 1e-300;
// exact figures from make_reference.py): from every value the normalised
// Wasserstein distance to 1e-9 of the exact one, and from bins
// (--exact-limit 100, --bins 64) within its stated error bound. Before,
// 1e15 plus integers read 0.2459 for 0.2465, and N(0,1)·1e200 against
// N(1,1)·1e200 read 0 ("no drift") for about one deviation.
func TestDriftScaledReference(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "engine", "monitor", "testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Scaled []struct {
			Name            string
			Offset, Scale   float64
			Ref, Cur        []float64
			WassersteinNorm float64 `json:"wasserstein_norm"`
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Scaled) == 0 {
		t.Fatalf("no scaled cases: %v", err)
	}
	for _, c := range doc.Scaled {
		file := func(name string, v []float64) string {
			var s strings.Builder
			s.WriteString("x\n")
			for _, x := range v {
				s.WriteString(strconv.FormatFloat(c.Offset+c.Scale*x, 'g', -1, 64) + "\n")
			}
			return writeFile(t, name, s.String())
		}
		ref, cur := file("ref.csv", c.Ref), file("cur.csv", c.Cur)
		for _, extra := range [][]string{nil, {"--exact-limit", "100", "--bins", "64"}} {
			code, out, errOut := runCLI(t, append([]string{"drift", "--reference", ref, "--current", cur, "--format", "json"}, extra...)...)
			if code != 0 {
				t.Fatalf("%s %v: exit %d: %s", c.Name, extra, code, errOut)
			}
			var d driftJSON
			if err := json.Unmarshal([]byte(out), &d); err != nil || len(d.Columns) != 1 || d.Columns[0].Wasserstein == nil {
				t.Fatalf("%s %v: %v\n%s", c.Name, extra, err, out)
			}
			col := d.Columns[0]
			w, bound := *col.Wasserstein, 1e-9*c.WassersteinNorm
			if col.WBound != nil {
				bound += *col.WBound
			}
			if !(math.Abs(w-c.WassersteinNorm) <= bound) {
				t.Errorf("%s %v (%s): wasserstein_norm %.17g, exact %.17g, bound %g", c.Name, extra, col.Method, w, c.WassersteinNorm, bound)
			}
		}
	}
}
