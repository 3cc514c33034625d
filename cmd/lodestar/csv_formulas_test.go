package main

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/engine/explain"
)

// TestCSVOutputsDefuseFormulas: names that come from the input (a
// variant, a feature) and begin as a spreadsheet formula are written with
// an apostrophe by every command's CSV output, so opening the output does
// not run them; numbers, negative ones too, stay numbers.
func TestCSVOutputsDefuseFormulas(t *testing.T) {
	path := writeABTestFile(t, "f.csv", "variant,n,sum,sum_squares\nA,10000,50000,260000\n=HYPERLINK(1),10000,50600,266000\n")
	code, out, errs := runABTest(t, "--data", path, "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 2 {
		t.Fatalf("abtest csv: exit %d %s %v\n%s", code, errs, err, out)
	}
	if recs[1][0] != "'=HYPERLINK(1)" {
		t.Errorf("abtest: variant cell %q, want it defused", recs[1][0])
	}

	var b bytes.Buffer
	if err := writeExplainCSV(&b, &explain.Explanation{Features: []string{"@cmd", "age"}, Bias: -0.25, Values: [][]float64{{-0.5, 1}}}); err != nil {
		t.Fatal(err)
	}
	if recs, _ := csv.NewReader(&b).ReadAll(); len(recs) != 2 || recs[0][0] != "'@cmd" || recs[1][0] != "-0.5" || recs[1][2] != "-0.25" {
		t.Errorf("explain csv: %q, want the feature defused and the numbers as they are", recs)
	}

	b.Reset()
	rep := permutationReport{Repeats: 1, Features: []explain.PermutationFeature{{Feature: "+SUM(A1)", Mean: -1.5, Std: 0.5, Repeats: []float64{-1.5}}}}
	if err := writePermutationCSV(&b, rep); err != nil {
		t.Fatal(err)
	}
	if recs, _ := csv.NewReader(&b).ReadAll(); len(recs) != 2 || recs[1][0] != "'+SUM(A1)" || recs[1][1] != "-1.5" {
		t.Errorf("permutation csv: %q, want the feature defused and the numbers as they are", recs)
	}
}
