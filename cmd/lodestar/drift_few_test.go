package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestDriftFewValuesMatchesScipy runs the command on the engine's numeric
// columns with at most 5 distinct values (testdata/reference.json, made by
// make_reference.py): each is tested as categorical over its values, with
// scipy's chi-square statistic and p-value (1e-9 and 1e-6 relative), the
// Jensen–Shannon distance and PSI over the values (1e-9), and Evidently's
// choice of test and verdict — constant columns included (one value in
// both: p-value 1; a value moved: drift), where no Wasserstein distance is
// scaled by a standard deviation of 0. With a sixth value across the two
// files the column is numeric again: ks_2samp's statistic (1e-12) and
// p-value (default method, 1e-6). The dataset's share is its one column's
// verdict.
func TestDriftFewValuesMatchesScipy(t *testing.T) {
	var ref struct {
		FewValues []struct {
			Name     string
			Ref, Cur []float64
			Chi2     float64 `json:"chi2"`
			Chi2P    float64 `json:"chi2_p"`
			Dof      int
			JS       float64 `json:"js"`
			PSI      float64 `json:"psi"`
			Test     string
			Drifted  bool
		} `json:"few_values"`
		Union struct {
			Ref, Cur []float64
			KS       float64 `json:"ks"`
			KSP      float64 `json:"ks_p"`
		} `json:"few_values_union"`
	}
	b, err := os.ReadFile(filepath.Join(monitorTestdata, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.FewValues) == 0 || len(ref.Union.Ref) == 0 {
		t.Fatal("testdata/reference.json lacks the few-values cases: run make_reference.py")
	}
	for _, c := range ref.FewValues {
		t.Run(c.Name, func(t *testing.T) {
			d := runDriftJSON(t, "--reference", writeColumn(t, "ref.csv", "x", c.Ref),
				"--current", writeColumn(t, "cur.csv", "x", c.Cur))
			col := d.Columns[0]
			if col.Kind != "numeric" || col.Test != c.Test || col.Drifted != c.Drifted {
				t.Errorf("kind %s, test %s, drifted %v; want numeric, %s, %v", col.Kind, col.Test, col.Drifted, c.Test, c.Drifted)
			}
			if !near(col.Chi2, c.Chi2, 1e-9, 1e-15) || !near(col.Chi2P, c.Chi2P, 1e-6, 1e-300) {
				t.Errorf("chi-square %v p %v, want %v %v", deref(col.Chi2), deref(col.Chi2P), c.Chi2, c.Chi2P)
			}
			if !near(col.JS, c.JS, 1e-9, 1e-15) || !near(col.PSI, c.PSI, 1e-9, 1e-15) {
				t.Errorf("Jensen-Shannon %v PSI %v, want %v %v", deref(col.JS), deref(col.PSI), c.JS, c.PSI)
			}
			if col.Wasserstein != nil {
				t.Errorf("Wasserstein %v reported for a column tested as categorical", *col.Wasserstein)
			}
			share := 0.0
			if c.Drifted {
				share = 1
			}
			if d.ShareDrifted != share || d.DatasetDrift != c.Drifted {
				t.Errorf("share drifted %v, dataset drift %v; want %v, %v", d.ShareDrifted, d.DatasetDrift, share, c.Drifted)
			}
		})
	}
	t.Run("six-across-both", func(t *testing.T) {
		u := ref.Union
		col := runDriftJSON(t, "--reference", writeColumn(t, "ref.csv", "x", u.Ref),
			"--current", writeColumn(t, "cur.csv", "x", u.Cur)).Columns[0]
		if col.Test != "ks" || col.Chi2 != nil || !near(col.KS, u.KS, 0, 1e-12) || !near(col.KSP, u.KSP, 1e-6, 1e-300) {
			t.Errorf("test %s, chi-square %v, KS %v p %v; want ks, none, %v %v", col.Test, deref(col.Chi2), deref(col.KS), deref(col.KSP), u.KS, u.KSP)
		}
	})
}
