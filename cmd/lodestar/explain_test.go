package main

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var explainTestdata = filepath.Join("..", "..", "internal", "engine", "explain", "testdata")

// readFloats reads a numeric CSV produced by make_models.py or the command.
func readFloats(t *testing.T, text string) ([]string, [][]float64) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]float64
	for _, rec := range recs[1:] {
		row := make([]float64, len(rec))
		for j, s := range rec {
			if row[j], err = strconv.ParseFloat(s, 64); err != nil {
				t.Fatal(err)
			}
		}
		rows = append(rows, row)
	}
	return recs[0], rows
}

// TestExplainCSVMatchesXGBoost runs the command on the reference models,
// one matched by feature names and one by position, and compares its CSV
// with xgboost's pred_contribs.
func TestExplainCSVMatchesXGBoost(t *testing.T) {
	for _, name := range []string{"binary", "reg"} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "explain", "--model", filepath.Join(explainTestdata, name+".json"),
				"--data", filepath.Join(explainTestdata, "data.csv"), "--format", "csv")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			head, got := readFloats(t, out)
			b, err := os.ReadFile(filepath.Join(explainTestdata, name+".expected.csv"))
			if err != nil {
				t.Fatal(err)
			}
			_, want := readFloats(t, string(b))
			if strings.Join(head, ",") != "f0,f1,f2,f3,f4,f5,f6,f7,bias" || len(got) != len(want) {
				t.Fatalf("header %v, %d rows; want f0..f7,bias and %d rows", head, len(got), len(want))
			}
			for r := range want {
				for j := range head {
					if d := math.Abs(got[r][j] - want[r][j]); !(d <= 1e-5) {
						t.Fatalf("row %d %s: %v, xgboost %v", r, head[j], got[r][j], want[r][j])
					}
				}
			}
		})
	}
}

// TestExplainMatchesByName reorders the columns and adds one the model
// does not use: a model with feature names must not care.
func TestExplainMatchesByName(t *testing.T) {
	data := writeFile(t, "d.csv", "id,f7,f6,f5,f4,f3,f2,f1,f0\n"+
		"r1,1.0,0.38,0.59,0.0,2.17,1000000.03,1.0,0.43\n"+
		"r2,2.8,-1.2,,1.0,NA,1000000.0312,9.0,1.11\n")
	code, out, errOut := runCLI(t, "explain", "--model", filepath.Join(explainTestdata, "binary.json"), "--data", data, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Model struct {
			Objective string
			Trees     int
		}
		Features   []string
		Importance []struct {
			Feature    string
			Importance float64
		}
		Rows []struct {
			Line       int
			SHAP       []float64
			Margin     float64
			Prediction float64
		}
		Bias float64
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.Model.Objective != "binary:logistic" || got.Model.Trees != 40 || len(got.Rows) != 2 || got.Rows[1].Line != 3 {
		t.Fatalf("unexpected output: %+v", got)
	}
	if len(got.Importance) != 8 || got.Importance[0].Importance < got.Importance[7].Importance {
		t.Errorf("importance not ranked: %+v", got.Importance)
	}
	for _, r := range got.Rows {
		sum := got.Bias
		for _, v := range r.SHAP {
			sum += v
		}
		if math.Abs(sum-r.Margin) > 1e-9 || math.Abs(r.Prediction-1/(1+math.Exp(-r.Margin))) > 1e-12 {
			t.Errorf("line %d: bias+ΣSHAP %v, margin %v, prediction %v", r.Line, sum, r.Margin, r.Prediction)
		}
	}
}

func TestExplainText(t *testing.T) {
	code, out, errOut := runCLI(t, "explain", "--model", filepath.Join(explainTestdata, "reg.json"),
		"--data", filepath.Join(explainTestdata, "data.csv"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"reg:squarederror, 30 trees", "Global importance (mean |SHAP|)", "200 rows", "Check: bias + Σ SHAP = margin"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
}

func TestExplainErrors(t *testing.T) {
	model := filepath.Join(explainTestdata, "binary.json")
	positional := filepath.Join(explainTestdata, "reg.json")
	full := "f0,f1,f2,f3,f4,f5,f6,f7\n"
	tests := []struct {
		name        string
		model, data string
		code        int
		want        []string
	}{
		{"non-numeric", model, full + "1,2,3,4,5,6,7,8\n1,2,x3,4,5,6,7,8\n", 1, []string{"line 3", `"f2"`, `"x3"`, "not a number"}},
		{"infinite", model, full + "1,2,3,4,5,6,7,inf\n", 1, []string{"line 2", `"f7"`, "infinite"}},
		{"missing feature", model, "f0,f1,f2\n1,2,3\n", 1, []string{"f3", "model feature"}},
		{"positional count", positional, "a,b,c\n1,2,3\n", 1, []string{"3 columns", "8 features", "position"}},
		{"no rows", model, full, 1, []string{"no data rows"}},
		{"duplicate feature column", model, "f0,f1,f2,f3,f4,f5,f6,f7,f2\n1,2,3,4,5,6,7,8,9\n", 1, []string{`model feature "f2"`, "#3, #9", "select one by position", "pass --column f2=#N"}},
		{"decimal commas", model, "f0;f1;f2;f3;f4;f5;f6;f7\n1,5;2;3;4;5;6;7;8\n", 1, []string{"line 2", `"f0"`, `"1,5"`, "not a number"}},
		{"ragged row", model, full + "1,2,3\n", 1, []string{"line 2", "3 fields, but the header has 8"}},
		{"not a model", "", "", 1, []string{"not an XGBoost JSON model"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := writeFile(t, "d.csv", tt.data)
			m := tt.model
			if m == "" {
				m = writeFile(t, "m.json", `{"some":"json"}`)
			}
			code, _, errOut := runCLI(t, "explain", "--model", m, "--data", data, "--format", "csv")
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
	for _, args := range [][]string{{"--model", model}, {"--data", "x"}, {"--model", model, "--data", "x", "--format", "yaml"}} {
		if code, _, _ := runCLI(t, append([]string{"explain"}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestExplainRealWorldFiles reads the same two rows as an Excel export
// would write them — Windows-1252 with semicolons, CRLF, a quoted field
// holding the separator and a line break, a blank header, padded header
// names — and as UTF-8 with a byte-order mark, and wants the same SHAP
// values as from a plain file.
func TestExplainRealWorldFiles(t *testing.T) {
	model := filepath.Join(explainTestdata, "binary.json")
	rows := [][]string{
		{"0.43", "1.0", "1000000.03", "2.17", "0.0", "0.59", "0.38", "1.0"},
		{"1.11", "9.0", "1000000.0312", "NA", "1.0", "", "-1.2", "2.8"},
	}
	var plain, excel, bom strings.Builder
	plain.WriteString("f0,f1,f2,f3,f4,f5,f6,f7\n")
	excel.WriteString("Kunde; f0 ;f1;f2;f3;f4;f5;f6;f7;\r\n")
	bom.WriteString("\ufeffnote,f7,f6,f5,f4,f3,f2,f1,f0\n")
	names := []string{"\"M\xfcller; Z\xfcrich\r\nNord\"", "\"Ol\xe9\""}
	for i, r := range rows {
		plain.WriteString(strings.Join(r, ",") + "\n")
		excel.WriteString(names[i] + ";" + strings.Join(r, ";") + ";x\r\n")
		rev := slices.Clone(r)
		slices.Reverse(rev)
		bom.WriteString("\"a, \"\"quoted\"\" note\"," + strings.Join(rev, ",") + "\n")
	}
	_, want, errOut := runCLI(t, "explain", "--model", model, "--data", writeFile(t, "plain.csv", plain.String()), "--format", "csv")
	if want == "" {
		t.Fatal(errOut)
	}
	for name, text := range map[string]string{"windows-1252": excel.String(), "utf-8 bom": bom.String()} {
		code, got, errOut := runCLI(t, "explain", "--model", model, "--data", writeFile(t, "d.csv", text), "--format", "csv")
		if code != 0 || got != want {
			t.Errorf("%s: exit %d %s\n%s\nwant\n%s", name, code, errOut, got, want)
		}
	}
	// Read as UTF-8, the Windows-1252 bytes are refused, naming the line.
	code, _, errOut := runCLI(t, "explain", "--model", model, "--data", writeFile(t, "d.csv", excel.String()), "--encoding", "utf-8")
	if code != 1 || !strings.Contains(errOut, "line 2: invalid text encoding") {
		t.Errorf("windows-1252 read as utf-8: exit %d %s", code, errOut)
	}
}

// TestExplainRefusalMessages pins the whole message of each refusal of a
// feature cell, and the spellings read as missing.
func TestExplainRefusalMessages(t *testing.T) {
	model := filepath.Join(explainTestdata, "binary.json")
	head := "f0,f1,f2,f3,f4,f5,f6,f7\n"
	for data, want := range map[string]string{
		head + "1,2,3,4,5,6,7,8\n1,2, x3 ,4,5,6,7,8\n": `line 3, column "f2": "x3" is not a number`,
		head + "1,2,3,4,5,6,7,inf\n":                   `line 2, column "f7": "inf" is infinite`,
	} {
		code, _, errOut := runCLI(t, "explain", "--model", model, "--data", writeFile(t, "d.csv", data))
		if want := "lodestar: " + want + "\n"; code != 1 || errOut != want {
			t.Errorf("%q: exit %d, stderr %q; want 1 and %q", data, code, errOut, want)
		}
	}
	data := writeFile(t, "d.csv", head+" nan ,NULL,none,-NaN,#N/A,n/a,None,\n1,2,3,4,5,6,7, 1e-400\n")
	if code, out, errOut := runCLI(t, "explain", "--model", model, "--data", data, "--format", "csv"); code != 0 || strings.Count(out, "\n") != 3 {
		t.Errorf("missing spellings: exit %d %s\n%s", code, errOut, out)
	}
}
