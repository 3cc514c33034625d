package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Every field of drift's JSON report is named in the README, so that a
// field added (or renamed) without saying so fails here: scripts read
// these names.
func TestDriftJSONFieldsDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// Columns that show every field: binned numeric (exact limit 50),
	// categorical with a new category, a note, exact numeric, and one
	// whose missing values rose, one of numbers with a cell that is
	// not, left out, and one with a number written with a leading zero,
	// counted as a number.
	var r, c strings.Builder
	r.WriteString("x,c,k,m,u,z\n")
	c.WriteString("x,c,k,m,u,z\n")
	for i := 0; i < 1500; i++ {
		m := fmtNum(float64(i % 9))
		u := fmtNum(float64(i%97) * 1.5)
		z := fmtNum(float64(i%89) / 7)
		r.WriteString(fmtNum(float64(i)/3) + "," + []string{"a", "b"}[i%2] + "," + fmtNum(float64(i%7)) + "," + m + "," + u + "," + z + "\n")
		if i%3 == 0 {
			m = ""
		}
		if i == 700 {
			u, z = "?", "007"
		}
		c.WriteString(fmtNum(float64(i)/3+1) + "," + []string{"a", "c"}[i%2] + "," + fmtNum(float64(i%7)) + "," + m + "," + u + "," + z + "\n")
	}
	code, out, errOut := runCLI(t, "drift", "--format", "json", "--exact-limit", "50",
		"--reference", writeFile(t, "r.csv", r.String()), "--current", writeFile(t, "c.csv", c.String()))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				keys[k] = true
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	for _, want := range []string{"ks_upper_bound", "chi2_p_value", "categories", "note", "encoding_detected",
		"missing_rise_p_value", "new_categories", "new_category_rows", "id_like", "missing_rise_columns",
		"new_category_values", "unreadable_columns", "reference_unreadable", "current_unreadable", "first_unreadable", "line", "cell", "file",
		"leading_zero_columns", "reference_leading_zeros", "current_leading_zeros", "first_leading_zero", "read_as"} {
		if !keys[want] {
			t.Errorf("the sample report lacks %q: it no longer shows every field", want)
		}
	}
	var missing []string
	for k := range keys {
		if !strings.Contains(string(readme), "`"+k+"`") {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("JSON fields not in the README: %v", missing)
	}
}
