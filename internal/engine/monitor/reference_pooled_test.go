package monitor

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pooledFile is testdata/reference_pooled.json, written by
// testdata/make_reference.py: categorical cases with sparse categories,
// the pooled table's chi2_contingency, jensenshannon and PSI computed by
// scipy on a table pooled in Python by scipy's own expected frequencies.
type pooledFile struct {
	Categorical []struct {
		Name       string
		Ref, Cur   map[string]uint64
		Categories int
		Pooled     int
		JSUnpooled float64 `json:"js_unpooled"`
		Tested     bool
		Bins       int
		Chi2       float64 `json:"chi2"`
		Chi2P      float64 `json:"chi2_p"`
		Dof        int
		JS         float64 `json:"js"`
		PSI        float64 `json:"psi"`
		Test       string
		Drifted    bool
	}
}

func loadPooled(t *testing.T) *pooledFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference_pooled.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref pooledFile
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Categorical) == 0 {
		t.Fatal("reference_pooled.json holds no case")
	}
	return &ref
}

// sortedKeys returns a count map's values in order, so that events and
// counts are made the same way on every run.
func sortedKeys(m map[string]uint64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// TestReferencePooled: categories expected fewer than MinExpected times
// in a sample are pooled into one bin before chi-square, Jensen–Shannon
// and PSI, and with every category pooled the feature is not tested.
// Against scipy on the table make_reference.py pooled by
// scipy.stats.contingency.expected_freq: how many categories pool, whether
// the feature is tested, the chi-square statistic and the distances to
// 1e-9 relative, the p-value to 1e-6 relative (1e-300 absolute below, as
// the package's other references), the test that decides and its verdict.
// The same from value counts (CategoricalDrift, as `lodestar drift`) and
// through a monitor's windows, whole and merged from parts (the pooling
// is at test time, so merged windows judge as the whole does). The issue's
// false alarm is among them: 5,000 events of one uniform distribution
// over 20,000 values on each side read Jensen–Shannon 0.74 unpooled
// (drifted), and are now not tested; the current window concentrated on
// ten of those values drifts.
func TestReferencePooled(t *testing.T) {
	s := Schema{Task: TaskBinary, Categorical: []string{"x"}}
	l := mustLayout(t, s, nil)
	events := func(m map[string]uint64) []Event {
		var out []Event
		for _, k := range sortedKeys(m) {
			for range m[k] {
				ev := s.NewEvent()
				ev.Score, ev.Cat[0] = 0.5, k
				out = append(out, ev)
			}
		}
		return out
	}
	for _, c := range loadPooled(t).Categorical {
		check := func(t *testing.T, f FeatureDrift) {
			t.Helper()
			if f.Categories != c.Categories || f.Pooled != c.Pooled {
				t.Errorf("%d categories, %d pooled; scipy's table %d, %d", f.Categories, f.Pooled, c.Categories, c.Pooled)
			}
			if f.Testable() != c.Tested {
				t.Fatalf("tested %v (%s, note %q), want %v", f.Testable(), f.Test, f.Note, c.Tested)
			}
			if !c.Tested {
				want := fmt.Sprintf("sparse: none of its %d categories is expected 5 or more times in each sample (%d reference values, %d current): not tested", c.Categories, f.RefN, f.CurN)
				if f.Note != want || f.Drifted {
					t.Errorf("note %q, drifted %v; want %q, not drifted", f.Note, f.Drifted, want)
				}
				return
			}
			checkRel(t, "chi-square", f.ChiSquare, c.Chi2, tolDistance, 1e-15)
			checkRel(t, "chi-square p-value", f.ChiSquarePValue, c.Chi2P, tolPValue, 1e-300)
			checkRel(t, "Jensen-Shannon", f.JensenShannon, c.JS, tolDistance, 1e-15)
			checkRel(t, "PSI", f.PSI, c.PSI, tolDistance, 1e-15)
			if f.Test != c.Test || f.Drifted != c.Drifted {
				t.Errorf("%s decided drifted %v; scipy's pooled table: %s, drifted %v", f.Test, f.Drifted, c.Test, c.Drifted)
			}
			wantNote := c.Pooled > 0
			if gotNote := strings.HasPrefix(f.Note, "pooled into one bin: "); gotNote != wantNote {
				t.Errorf("note %q: says pooled %v, want %v", f.Note, gotNote, wantNote)
			}
		}
		t.Run(c.Name+"/counts", func(t *testing.T) {
			var rc, uc Counts
			for _, k := range sortedKeys(c.Ref) {
				rc.addNew(k, c.Ref[k])
			}
			for _, k := range sortedKeys(c.Cur) {
				uc.addNew(k, c.Cur[k])
			}
			// Unpooled, the distance scipy read over every category:
			// what was reported before pooling.
			_, r, u := aligned(&rc, &uc)
			checkRel(t, "unpooled Jensen-Shannon", JensenShannon(r, u), c.JSUnpooled, tolDistance, 1e-15)
			check(t, CategoricalDrift(&rc, &uc, Thresholds{}))
		})
		re := events(c.Ref)
		refW := fill(t, l, re)
		for how, w := range windowsOf(t, l, events(c.Cur)) {
			t.Run(c.Name+"/window/"+how, func(t *testing.T) {
				d, err := w.Drift(refW, Thresholds{})
				if err != nil {
					t.Fatal(err)
				}
				check(t, d.Features[0])
				if d.Determined() != c.Tested || d.Drift != c.Drifted {
					t.Errorf("dataset: determined %v, drift %v; want %v, %v", d.Determined(), d.Drift, c.Tested, c.Drifted)
				}
			})
		}
	}
}
