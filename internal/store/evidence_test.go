package store_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// decisions is a small audit file: group, label (1 = good), predicted
// class (1 = approve), and a score. Group B's good customers are declined
// more often.
func decisions() []byte {
	var b strings.Builder
	b.WriteString("segment,good,approved,score\r\n")
	for i := range 200 {
		g := "A"
		if i%2 == 1 {
			g = "B"
		}
		label := i%3 != 0
		approved := label
		if g == "B" && i%5 == 0 {
			approved = !approved
		}
		score := 0.2
		if approved {
			score = 0.8
		}
		fmt.Fprintf(&b, "%s,%d,%d,%g\r\n", g, b2i(label), b2i(approved), score)
	}
	return []byte(b.String())
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}

// engineReport computes the report for decisions() independently of the
// evidence reader: straight from the rows into the engine.
func engineReport(t *testing.T, data []byte, opt fairness.Options) *fairness.Report {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var acc fairness.Accumulator
	for _, r := range recs[1:] {
		acc.Add(r[0], r[1] == "1", r[2] == "1")
	}
	rep, err := fairness.Analyze(&acc, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

var evidenceTables = []string{"fairness_audits", "explanation_reports", "audit_log"}

func evidenceCounts(t *testing.T, db *sqldb.DB) map[string]int {
	out := map[string]int{}
	for _, table := range evidenceTables {
		out[table] = testdb.Count(t, db, table)
	}
	return out
}

func wantEvidenceUnchanged(t *testing.T, db *sqldb.DB, before map[string]int, what string) {
	t.Helper()
	for table, n := range evidenceCounts(t, db) {
		if n != before[table] {
			t.Errorf("%s: table %s has %d rows, want %d (nothing stored)", what, table, n, before[table])
		}
	}
}

func newVersion(t *testing.T, f *fixture) *lodestar.ModelVersion {
	t.Helper()
	uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Credit scoring"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "credit", Name: "Credit"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFairnessAudits(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		v := newVersion(t, f)
		data := decisions()
		params := lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good", PredictionColumn: "#3", Bootstrap: 200, Seed: 7}
		a, err := f.s.CreateFairnessAudit(f.ctx, v.ID, lodestar.FairnessAuditInput{FileName: `C:\exports\decisions.csv`, Data: data, Params: params})
		if err != nil {
			t.Fatalf("CreateFairnessAudit: %v", err)
		}
		wantEvent(t, f.lastEvent(), adminActor, "create", "fairness_audit", a.ID)
		if a.FileName != "decisions.csv" || a.Title != "decisions.csv" || a.Rows != 200 || a.ModelVersionID != v.ID ||
			a.CreatedBy != adminActor.ID || a.CreatedByName != adminActor.Label || a.CreatedAt.IsZero() {
			t.Errorf("audit: got %+v, want decisions.csv, 200 rows, made by the admin", a)
		}
		if want := "18ef"; len(a.SHA256) != 64 || a.SHA256 == "" {
			t.Errorf("sha256: got %q, want 64 hex digits (%s…)", a.SHA256, want)
		}
		if a.Params.Level != 0.95 || a.Params.Seed != 7 || a.Params.PredictionColumn != "#3" {
			t.Errorf("params: got %+v, want the given ones with level 0.95 filled in", a.Params)
		}

		// The stored numbers are the engine's on the same input.
		want := engineReport(t, data, fairness.Options{Bootstrap: 200, Seed: 7, Level: 0.95})
		wantJSON, _ := json.Marshal(want)
		if string(a.Result) != string(wantJSON) {
			t.Errorf("stored result differs from the engine's:\ngot  %s\nwant %s", a.Result, wantJSON)
		}
		var flags []string
		if !want.FourFifthsRuleMet {
			flags = append(flags, lodestar.FlagFourFifthsFailed)
		}
		if !(want.EqualizedOddsDifference.Value < lodestar.EqualizedOddsGapLimit) {
			flags = append(flags, lodestar.FlagEqualizedOddsGap)
		}
		if fmt.Sprint(a.Flags) != fmt.Sprint(flags) && !(len(flags) == 0 && len(a.Flags) == 0) {
			t.Errorf("flags: got %v, want %v", a.Flags, flags)
		}
		got, err := f.s.FindFairnessAuditByID(f.ctx, a.ID)
		if err != nil || string(got.Result) != string(a.Result) || got.SHA256 != a.SHA256 || !got.CreatedAt.Equal(a.CreatedAt) {
			t.Errorf("FindFairnessAuditByID: got %+v, %v; want the stored audit", got, err)
		}

		// A score with a threshold gives the same counts as the classes.
		th := 0.5
		b, err := f.s.CreateFairnessAudit(f.ctx, v.ID, lodestar.FairnessAuditInput{Title: "By score", FileName: "decisions.csv", Data: data,
			Params: lodestar.FairnessParams{GroupColumn: "#1", LabelColumn: "good", ScoreColumn: "score", Threshold: &th}})
		if err != nil {
			t.Fatalf("CreateFairnessAudit by score: %v", err)
		}
		var rb fairness.Report
		if err := json.Unmarshal(b.Result, &rb); err != nil {
			t.Fatal(err)
		}
		for i, g := range rb.Groups {
			if g.Counts != want.Groups[i].Counts {
				t.Errorf("score audit group %s: got %+v, want %+v", g.Group, g.Counts, want.Groups[i].Counts)
			}
		}
		list, err := f.s.ListFairnessAudits(f.ctx, v.ID)
		if err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
			t.Errorf("ListFairnessAudits: got %d, %v; want both, newest first", len(list), err)
		}

		before := evidenceCounts(t, db)
		_, err = f.s.CreateFairnessAudit(f.ctx, v.ID, lodestar.FairnessAuditInput{FileName: "again.csv", Data: data, Params: params})
		wantError(t, err, lodestar.EConflict, "file")
		_, err = f.s.CreateFairnessAudit(f.ctx, 9999, lodestar.FairnessAuditInput{Data: data, Params: params})
		wantError(t, err, lodestar.ENotFound)
		_, err = f.s.ListFairnessAudits(f.ctx, 9999)
		wantError(t, err, lodestar.ENotFound)
		_, err = f.s.FindFairnessAuditByID(f.ctx, 9999)
		wantError(t, err, lodestar.ENotFound)

		tests := []struct {
			name   string
			data   string
			params lodestar.FairnessParams
			title  string
			fields []string
		}{
			{"no file", "", params, "", []string{"file"}},
			{"header only", "segment,good,approved\n", params, "", []string{"file"}},
			{"no group", string(data), lodestar.FairnessParams{LabelColumn: "good", PredictionColumn: "approved"}, "", []string{"group_column"}},
			{"no prediction or score", string(data), lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good"}, "", []string{"prediction_column"}},
			{"both", string(data), lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good", PredictionColumn: "approved", ScoreColumn: "score", Threshold: &th}, "", []string{"score_column"}},
			{"score without threshold", string(data), lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good", ScoreColumn: "score"}, "", []string{"threshold"}},
			{"unknown column", string(data), lodestar.FairnessParams{GroupColumn: "region", LabelColumn: "good", PredictionColumn: "approved"}, "", []string{"group_column"}},
			{"position out of range", string(data), lodestar.FairnessParams{GroupColumn: "#9", LabelColumn: "good", PredictionColumn: "approved"}, "", []string{"group_column"}},
			{"ambiguous name", "g,y,y\nA,1,0\n", lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "#2", PredictionColumn: "y"}, "", []string{"prediction_column"}},
			{"not binary", "g,y,p\nA,1,0\nB,0,1\nA,2,1\n", lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", PredictionColumn: "p"}, "", []string{"label_column"}},
			{"score in prediction column", "g,y,p\nA,1,0.7\n", lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", PredictionColumn: "p"}, "", []string{"prediction_column"}},
			{"bad score", "g,y,s\nA,1,high\n", lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", ScoreColumn: "s", Threshold: &th}, "", []string{"score_column"}},
			{"positive never seen", "g,y,p\nA,good,1\nB,bad,0\n", lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", PredictionColumn: "p", PositiveLabel: "Good"}, "", []string{"positive_label"}},
			{"short row", "g,y,p\nA,1\n", lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", PredictionColumn: "p"}, "", []string{"file"}},
			{"stray quote", "g,y,p\nA\"x,1,0\n", lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", PredictionColumn: "p"}, "", []string{"file"}},
			{"CR line ends", "g,y,p\rA,1,0\rB,0,1\r", lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", PredictionColumn: "p"}, "", []string{"file"}},
			{"binary file", "\x00\x01\x02PK\x03\x04", params, "", []string{"file"}},
			{"unknown reference", string(data), lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good", PredictionColumn: "approved", Reference: "Z"}, "", []string{"reference"}},
			{"bootstrap too many", string(data), lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good", PredictionColumn: "approved", Bootstrap: 10001}, "", []string{"bootstrap"}},
			{"level", string(data), lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good", PredictionColumn: "approved", Level: 1.5}, "", []string{"level"}},
			{"encoding", string(data), lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good", PredictionColumn: "approved", Encoding: "ebcdic"}, "", []string{"encoding"}},
			{"separator", string(data), lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good", PredictionColumn: "approved", Separator: "|"}, "", []string{"separator"}},
			{"long title", string(data), params, repeat("t", 201), []string{"title"}},
		}
		for _, tc := range tests {
			_, err := f.s.CreateFairnessAudit(f.ctx, v.ID, lodestar.FairnessAuditInput{Title: tc.title, FileName: "x.csv", Data: []byte(tc.data), Params: tc.params})
			t.Run(tc.name, func(t *testing.T) { wantError(t, err, lodestar.EInvalid, tc.fields...) })
		}
		// A failing audit write stores nothing.
		remove := injectAuditFailure(t, db, "audit_log")
		_, err = f.s.CreateFairnessAudit(f.ctx, v.ID, lodestar.FairnessAuditInput{Title: "Other", FileName: "x.csv", Data: data,
			Params: lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good", PredictionColumn: "approved"}})
		remove()
		if err == nil {
			t.Errorf("with the audit write failing: got nil error, want the failure")
		}
		wantEvidenceUnchanged(t, db, before, "refused audits")
	})
}

func TestExplanationReports(t *testing.T) {
	model, err := os.ReadFile("../engine/explain/testdata/reglogistic.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../engine/explain/testdata/data.csv")
	if err != nil {
		t.Fatal(err)
	}
	expected := readExpected(t, "../engine/explain/testdata/reglogistic.expected.csv")
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		v := newVersion(t, f)
		e, err := f.s.CreateExplanation(f.ctx, v.ID, lodestar.ExplanationInput{ModelFileName: "reglogistic.json", Model: model,
			DataFileName: "data.csv", Data: data, Params: lodestar.ExplanationParams{RowsShown: 3}})
		if err != nil {
			t.Fatalf("CreateExplanation: %v", err)
		}
		wantEvent(t, f.lastEvent(), adminActor, "create", "explanation_report", e.ID)
		if e.Rows != 200 || e.Title != "reglogistic.json" || e.DataFileName != "data.csv" || len(e.ModelSHA256) != 64 || len(e.DataSHA256) != 64 {
			t.Errorf("report: got %+v, want 200 rows and both hashes", e)
		}
		var res evidence.ExplanationResult
		if err := json.Unmarshal(e.Result, &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 3 || res.Model.Objective != "reg:logistic" || len(res.Importance) != 8 {
			t.Fatalf("result: got %d rows, objective %q, %d features; want 3, reg:logistic, 8", len(res.Rows), res.Model.Objective, len(res.Importance))
		}
		// The kept rows' SHAP values are xgboost's (pred_contribs), and the
		// importance is the mean |SHAP| of xgboost's values over the sample.
		for i, r := range res.Rows {
			for j, got := range r.SHAP {
				if w := expected[i][j]; math.Abs(got-w) > 1e-5 {
					t.Errorf("row %d feature %d: got SHAP %g, want xgboost's %g", i, j, got, w)
				}
			}
		}
		mean := map[string]float64{}
		for _, row := range expected {
			for j := range 8 {
				mean[fmt.Sprintf("f%d", j)] += math.Abs(row[j]) / float64(len(expected))
			}
		}
		for k, fi := range res.Importance {
			if math.Abs(fi.Importance-mean[fi.Feature]) > 1e-5 {
				t.Errorf("importance of %s: got %g, want %g", fi.Feature, fi.Importance, mean[fi.Feature])
			}
			if k > 0 && fi.Importance > res.Importance[k-1].Importance {
				t.Errorf("importance not sorted at %d", k)
			}
		}
		list, err := f.s.ListExplanations(f.ctx, v.ID)
		if err != nil || len(list) != 1 || list[0].ID != e.ID {
			t.Errorf("ListExplanations: got %d, %v; want the one report", len(list), err)
		}

		before := evidenceCounts(t, db)
		_, err = f.s.CreateExplanation(f.ctx, v.ID, lodestar.ExplanationInput{Title: "again", Model: model, Data: data, Params: lodestar.ExplanationParams{RowsShown: 3}})
		wantError(t, err, lodestar.EConflict, "model")
		_, err = f.s.CreateExplanation(f.ctx, 9999, lodestar.ExplanationInput{Model: model, Data: data})
		wantError(t, err, lodestar.ENotFound)
		_, err = f.s.FindExplanationByID(f.ctx, 9999)
		wantError(t, err, lodestar.ENotFound)
		tests := []struct {
			name        string
			model, data string
			params      lodestar.ExplanationParams
			fields      []string
		}{
			{"no model", "", string(data), lodestar.ExplanationParams{}, []string{"model"}},
			{"no data", string(model), "", lodestar.ExplanationParams{}, []string{"data"}},
			{"not JSON", "this is not a model", string(data), lodestar.ExplanationParams{}, []string{"model"}},
			{"JSON, not a model", `{"name":"x"}`, string(data), lodestar.ExplanationParams{}, []string{"model"}},
			{"truncated model", string(model[:len(model)/2]), string(data), lodestar.ExplanationParams{}, []string{"model"}},
			{"missing feature", string(model), "f0,f1\n1,2\n", lodestar.ExplanationParams{}, []string{"data"}},
			{"not a number", string(model), strings.Replace(string(data), "0.43214376077029554", "abc", 1), lodestar.ExplanationParams{}, []string{"data"}},
			{"header only", string(model), "f0,f1,f2,f3,f4,f5,f6,f7\n", lodestar.ExplanationParams{}, []string{"data"}},
			{"rows shown", string(model), string(data), lodestar.ExplanationParams{RowsShown: 51}, []string{"rows_shown"}},
			{"too many rows", string(model), "f0,f1,f2,f3,f4,f5,f6,f7\n" + repeat("1,1,1,1,1,1,1,1\n", lodestar.MaxExplainRows+1), lodestar.ExplanationParams{}, []string{"data"}},
		}
		for _, tc := range tests {
			_, err := f.s.CreateExplanation(f.ctx, v.ID, lodestar.ExplanationInput{Model: []byte(tc.model), Data: []byte(tc.data), Params: tc.params})
			t.Run(tc.name, func(t *testing.T) { wantError(t, err, lodestar.EInvalid, tc.fields...) })
		}
		wantEvidenceUnchanged(t, db, before, "refused reports")
	})
}

// readExpected reads xgboost's reference SHAP values (features, then
// bias, margin, prediction per row).
func readExpected(t *testing.T, path string) [][]float64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for _, r := range recs[1:] {
		row := make([]float64, len(r))
		for i, s := range r {
			row[i], _ = strconv.ParseFloat(s, 64)
		}
		out = append(out, row)
	}
	return out
}
