package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCLI runs the binary's entry point and returns exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, noEnv)
	return code, stdout.String(), stderr.String()
}

// writeFile writes content to a file in a fresh temp dir.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

var fairnessTestdata = filepath.Join("..", "..", "internal", "engine", "fairness", "testdata")

// TestFairnessMatchesReference runs the command on the engine's reference
// data and checks the counts and a disparity sklearn/numpy computed.
func TestFairnessMatchesReference(t *testing.T) {
	var ref struct {
		Cases []struct {
			Name   string
			Groups []struct {
				Group          string
				N              int64
				TP, FP, TN, FN int64
			}
			DPD float64 `json:"demographic_parity_difference"`
		}
	}
	b, err := os.ReadFile(filepath.Join(fairnessTestdata, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "fairness", "--data", filepath.Join(fairnessTestdata, "scores.csv"),
		"--group", "group", "--label", "label", "--score", "score", "--threshold", "0.5", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Input struct {
			Threshold float64
		}
		Groups []struct {
			Group          string
			N              int64
			TP, FP, TN, FN int64
		}
		DPD struct{ Value float64 } `json:"demographic_parity_difference"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := ref.Cases[0]
	if len(got.Groups) != len(want.Groups) {
		t.Fatalf("%d groups, want %d", len(got.Groups), len(want.Groups))
	}
	for i, g := range want.Groups {
		if got.Groups[i] != g {
			t.Errorf("group %d: %+v, want %+v", i, got.Groups[i], g)
		}
	}
	if d := got.DPD.Value - want.DPD; d > 1e-12 || d < -1e-12 || got.Input.Threshold != 0.5 {
		t.Errorf("DP difference %v (threshold %v), want %v", got.DPD.Value, got.Input.Threshold, want.DPD)
	}
}

func TestFairnessFormats(t *testing.T) {
	data := writeFile(t, "d.csv", "g,y,p\na,1,1\na,0,1\na,1,0\nb,1,0\nb,0,0\nb,1,1\nb,0,0\n")
	base := []string{"fairness", "--data", data, "--group", "g", "--label", "y", "--prediction", "p"}

	code, out, errOut := runCLI(t, base...)
	if code != 0 {
		t.Fatalf("text: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"7 rows, 2 groups", "Reference group: a (highest selection rate)", "Four-fifths rule: NOT met", "< 4/5", "Demographic parity difference"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = runCLI(t, append(base, "--format", "csv", "--bootstrap", "200", "--seed", "3")...)
	if code != 0 {
		t.Fatalf("csv: exit %d: %s", code, errOut)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "scope,group,metric,value,ci_lo,ci_hi" {
		t.Errorf("csv header %v", recs[0])
	}
	found := false
	for _, r := range recs {
		if r[0] == "group" && r[1] == "b" && r[2] == "selection_rate" {
			found = r[3] == "0.25" && r[4] != "" && r[5] != ""
		}
	}
	if !found {
		t.Errorf("csv lacks b's selection rate 0.25 with an interval:\n%s", out)
	}

	code, out1, _ := runCLI(t, append(base, "--format", "json", "--bootstrap", "100", "--seed", "9")...)
	_, out2, _ := runCLI(t, append(base, "--format", "json", "--bootstrap", "100", "--seed", "9")...)
	if code != 0 || out1 != out2 || !strings.Contains(out1, `"ci"`) {
		t.Errorf("json bootstrap not deterministic or without intervals (exit %d):\n%s", code, out1)
	}
}

func TestFairnessPositiveAndReference(t *testing.T) {
	data := writeFile(t, "d.csv", "grp,outcome,decision\nx,good,approve\nx,bad,deny\ny,good,deny\ny,bad,approve\ny,good,approve\n")
	args := []string{"fairness", "--data", data, "--group", "grp", "--label", "outcome",
		"--prediction", "decision", "--positive", "good", "--reference", "y", "--format", "json"}
	// One --positive for both columns: no decision is "good", which must be
	// an error, not a report of zero selections.
	code, _, errOut := runCLI(t, args...)
	if code != 1 || !strings.Contains(errOut, `--positive "good" never occurs in prediction "decision"`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	code, out, errOut := runCLI(t, append(args, "--prediction-positive", "approve")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Reference     string
		ReferenceRule string `json:"reference_rule"`
		Groups        []struct {
			Group          string
			TP, FP, TN, FN int64
			Impact         struct{ Value float64 } `json:"impact_ratio"`
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	x, y := got.Groups[0], got.Groups[1]
	if x.TP != 1 || x.TN != 1 || y.FN != 1 || y.FP != 1 || y.TP != 1 || got.ReferenceRule != "given" {
		t.Errorf("counts x %+v y %+v rule %q", x, y, got.ReferenceRule)
	}
	// x selects 1/2, y 2/3: impact of x against y is 0.75.
	if d := x.Impact.Value - 0.75; d > 1e-15 || d < -1e-15 {
		t.Errorf("impact ratio of x = %v, want 0.75", x.Impact.Value)
	}
}

func TestFairnessUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing", nil, "--data, --group, --label required"},
		{"no prediction", []string{"--data", "f", "--group", "g", "--label", "l"}, "--prediction COL or --score COL --threshold T"},
		{"both", []string{"--data", "f", "--group", "g", "--label", "l", "--prediction", "p", "--score", "s"}, "not both"},
		{"no threshold", []string{"--data", "f", "--group", "g", "--label", "l", "--score", "s"}, "--score needs --threshold"},
		{"bad threshold", []string{"--data", "f", "--group", "g", "--label", "l", "--score", "s", "--threshold", "half"}, `--threshold "half" is not a number`},
		{"threshold with class", []string{"--data", "f", "--group", "g", "--label", "l", "--prediction", "p", "--threshold", "0.5"}, "--threshold goes with --score"},
		{"format", []string{"--data", "f", "--group", "g", "--label", "l", "--prediction", "p", "--format", "xml"}, `--format "xml"`},
		{"negative bootstrap", []string{"--data", "f", "--group", "g", "--label", "l", "--prediction", "p", "--bootstrap", "-1"}, "--bootstrap -1: give 0 (no intervals) or at least 100 replicates"},
		{"one replicate", []string{"--data", "f", "--group", "g", "--label", "l", "--prediction", "p", "--bootstrap", "1"}, "--bootstrap 1: give 0 (no intervals) or at least 100 replicates"},
		{"99 replicates", []string{"--data", "f", "--group", "g", "--label", "l", "--prediction", "p", "--bootstrap", "99"}, "--bootstrap 99: give 0 (no intervals) or at least 100 replicates"},
		{"stratified without bootstrap", []string{"--data", "f", "--group", "g", "--label", "l", "--prediction", "p", "--stratified"}, "--stratified goes with --bootstrap N"},
		{"infinite threshold", []string{"--data", "f", "--group", "g", "--label", "l", "--score", "s", "--threshold", "Inf"}, `--threshold "Inf" must be a finite number`},
		{"minus infinite threshold", []string{"--data", "f", "--group", "g", "--label", "l", "--score", "s", "--threshold", "-infinity"}, `--threshold "-infinity" must be a finite number`},
		{"favourable", []string{"--data", "f", "--group", "g", "--label", "l", "--prediction", "p", "--favourable", "adverse"}, `--favourable "adverse": want positive or negative`},
		{"level", []string{"--data", "f", "--group", "g", "--label", "l", "--prediction", "p", "--level", "95"}, "--level must be between 0 and 1"},
		{"encoding", []string{"--data", "f", "--group", "g", "--label", "l", "--prediction", "p", "--encoding", "ebcdic"}, `--encoding: unsupported option: encoding "ebcdic"`},
		{"prediction-positive with score", []string{"--data", "f", "--group", "g", "--label", "l", "--score", "s", "--threshold", "1", "--prediction-positive", "y"}, "--prediction-positive goes with --prediction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, append([]string{"fairness"}, tt.args...)...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tt.want)
			}
		})
	}
}

func TestFairnessBadInput(t *testing.T) {
	tests := []struct {
		name, data string
		args       []string
		want       []string
	}{
		{"non-numeric score", "g,y,s\na,1,0.4\na,0,high\n", []string{"--score", "s", "--threshold", "0.5"}, []string{"line 3", `"s"`, `"high"`, "not a number"}},
		{"empty score", "g,y,s\na,1,\n", []string{"--score", "s", "--threshold", "0.5"}, []string{"line 2", `"s"`, "empty"}},
		{"label not binary", "g,y,p\na,1,1\na,0,1\nb,2,0\n", []string{"--prediction", "p"}, []string{"line 4", `label "y"`, `third value "2"`, "binary"}},
		{"unrecognised label", "g,y,p\na,approved,1\n", []string{"--prediction", "p"}, []string{"line 2", `"approved"`, "--positive"}},
		{"score given as class", "g,y,p\na,1,0.73\n", []string{"--prediction", "p"}, []string{"line 2", `"0.73"`, "--score"}},
		{"unknown column", "g,y,p\na,1,1\n", []string{"--prediction", "nope"}, []string{"nope"}},
		{"no rows", "g,y,p\n", []string{"--prediction", "p"}, []string{"no data rows"}},
		{"unknown reference", "g,y,p\na,1,1\n", []string{"--prediction", "p", "--reference", "zz"}, []string{`reference group "zz"`}},
		{"label as prediction", "g,y,p\na,1,1\n", []string{"--prediction", "#2"}, []string{`--label y and --prediction #2 are the same column, #2`}},
		{"group as score", "g,y,s\n0.1,1,1\n", []string{"--score", "G", "--threshold", "0.5"}, []string{`--group g and --score G are the same column, #1`}},
		{"ambiguous group", "g,y,g\na,1,1\n", []string{"--prediction", "p"}, []string{`--group g: `, `"g" is the name of columns #1, #3; select one by position, e.g. #1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := writeFile(t, "d.csv", tt.data)
			args := append([]string{"fairness", "--data", data, "--group", "g", "--label", "y"}, tt.args...)
			code, _, errOut := runCLI(t, args...)
			if code != 1 {
				t.Errorf("exit %d, want 1 (stderr %q)", code, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
		})
	}
}

// TestFairnessEncodings reads a GB18030 file with semicolons (as Excel
// saves CSV on a Chinese Windows) and a Windows-1252 file, detected and
// given explicitly.
func TestFairnessEncodings(t *testing.T) {
	gb := []byte("\xd7\xe9\xb1\xf0;y;p\r\n\xc4\xd0;1;1\r\n\xc5\xae;0;0\r\n\xc5\xae;1;1\r\n") // 组别 男 女 in GB18030
	latin := []byte("r\xe9gion,y,p\nS\xe3o Paulo,1,0\nZ\xfcrich,1,1\n")                      // région São Zürich in Windows-1252
	tests := []struct {
		name   string
		data   []byte
		group  string
		extra  []string
		groups []string
	}{
		{"gb18030 detected", gb, "组别", nil, []string{"女", "男"}},
		{"gb18030 given", gb, "#1", []string{"--encoding", "gb18030", "--separator", ";"}, []string{"女", "男"}},
		{"windows-1252 detected", latin, "région", nil, []string{"São Paulo", "Zürich"}},
		{"latin1 given", latin, "région", []string{"--encoding", "latin1"}, []string{"São Paulo", "Zürich"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := writeFile(t, "d.csv", string(tt.data))
			args := append([]string{"fairness", "--data", data, "--group", tt.group, "--label", "y", "--prediction", "p", "--format", "json"}, tt.extra...)
			code, out, errOut := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var got struct{ Groups []struct{ Group string } }
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, g := range got.Groups {
				names = append(names, g.Group)
			}
			if strings.Join(names, "|") != strings.Join(tt.groups, "|") {
				t.Errorf("groups %q, want %q", names, tt.groups)
			}
		})
	}
	data := writeFile(t, "d.csv", string(gb))
	if code, _, errOut := runCLI(t, "fairness", "--data", data, "--group", "#1", "--label", "y", "--prediction", "p", "--encoding", "utf-8"); code != 1 || !strings.Contains(errOut, "line 1") {
		t.Errorf("GB18030 read as UTF-8: exit %d, stderr %q; want an encoding error naming the line", code, errOut)
	}
	if code, _, errOut := runCLI(t, "fairness", "--data", data, "--group", "#1", "--label", "y", "--prediction", "p", "--separator", "|"); code != 2 || !strings.Contains(errOut, "--separator") {
		t.Errorf("bad separator: exit %d, stderr %q", code, errOut)
	}
}

// TestFairnessRealWorldFile: a byte-order mark, CRLF line ends, quoted
// fields with commas and newlines, and two columns named "score" — which
// must be asked for by position, never picked silently.
func TestFairnessRealWorldFile(t *testing.T) {
	data := writeFile(t, "d.csv", "\ufeffregion,label,score,score\r\n"+
		"\"North, upper\",1,0.2,0.9\r\n"+
		"\"North, upper\",0,0.8,0.1\r\n"+
		"\"South\nside\",1,0.6,0.7\r\n")
	args := []string{"fairness", "--data", data, "--group", "region", "--label", "label", "--threshold", "0.5", "--format", "json"}
	code, _, errOut := runCLI(t, append(args, "--score", "score")...)
	if code != 1 || !strings.Contains(errOut, "ambiguous") || !strings.Contains(errOut, "#4") {
		t.Errorf("duplicate header: exit %d, stderr %q", code, errOut)
	}
	code, out, errOut := runCLI(t, append(args, "--score", "#4")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Groups []struct {
			Group          string
			TP, FP, TN, FN int64
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) != 2 || got.Groups[0].Group != "North, upper" || got.Groups[0].TP != 1 || got.Groups[0].TN != 1 ||
		got.Groups[1].Group != "South\nside" || got.Groups[1].TP != 1 {
		t.Errorf("groups %+v", got.Groups)
	}
}

// BenchmarkFairness10MRows runs the whole command — CSV reading, parsing,
// counting, a 1,000-replicate bootstrap — over a 10-million-row file
// (110 MB) and reports rows/s. Memory stays flat: the rows are counted as
// they stream past.
func BenchmarkFairness10MRows(b *testing.B) {
	const rows = 10_000_000
	path := filepath.Join(b.TempDir(), "decisions.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("group,label,score\n")
	x := uint64(88172645463325252)
	for range rows {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		fmt.Fprintf(w, "%c,%d,%.4f\n", 'A'+byte(x%5), (x>>8)&1, float64(x>>40)/(1<<24))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	args := []string{"fairness", "--data", path, "--group", "group", "--label", "label",
		"--score", "score", "--threshold", "0.5", "--bootstrap", "1000", "--format", "json"}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr, noEnv); code != 0 {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
}

// TestFairnessHelpAndGroupSpaces: -h states the file rules, and a group
// written with stray spaces (as spreadsheets leave them) is one group.
func TestFairnessHelpAndGroupSpaces(t *testing.T) {
	code, _, errOut := runCLI(t, "fairness", "-h")
	for _, want := range []string{"score >= --threshold", "Data files", "CRLF", "#N (#3 is the third column)", "GB18030", "-positive", "-favourable", "--favourable negative"} {
		if code != 0 || !strings.Contains(errOut, want) {
			t.Errorf("-h (exit %d) lacks %q", code, want)
		}
	}
	data := writeFile(t, "d.csv", "g,y,p\nNorth,1,1\n North ,0,0\nNorth  ,1,0\n")
	code, out, errOut := runCLI(t, "fairness", "--data", data, "--group", "g", "--label", "y", "--prediction", "p", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Groups []struct {
			Group string
			N     int64
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Groups) != 1 || got.Groups[0].Group != "North" || got.Groups[0].N != 3 {
		t.Errorf("groups %+v, want one group North of 3", got.Groups)
	}
	// A score equal to the threshold is positive (score ≥ threshold).
	data = writeFile(t, "s.csv", "g,y,s\na,1,0.5\na,0,0.4999\na,1,0.7\n")
	code, out, errOut = runCLI(t, "fairness", "--data", data, "--group", "g", "--label", "y", "--score", "s", "--threshold", "0.5", "--format", "json")
	var counts struct {
		Groups []struct{ TP, FP, TN, FN int64 }
	}
	if code != 0 || json.Unmarshal([]byte(out), &counts) != nil {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if g := counts.Groups[0]; g.TP != 2 || g.TN != 1 || g.FP != 0 || g.FN != 0 {
		t.Errorf("score = threshold: counts %+v, want TP 2, TN 1", g)
	}
}

// TestFairnessExactOutput pins the CSV and text output to the byte, with
// rates undefined for a group without positive labels (an empty cell in
// CSV, "—" in text).
func TestFairnessExactOutput(t *testing.T) {
	data := writeFile(t, "d.csv", "g,y,p\na,1,1\na,0,1\nb,0,0\nb,0,1\n")
	args := []string{"fairness", "--data", data, "--group", "g", "--label", "y", "--prediction", "p"}
	wantCSV := "scope,group,metric,value,ci_lo,ci_hi\n" +
		"group,a,n,2,,\n" +
		"group,a,tp,1,,\n" +
		"group,a,fp,1,,\n" +
		"group,a,tn,0,,\n" +
		"group,a,fn,0,,\n" +
		"group,a,base_rate,0.5,,\n" +
		"group,a,selection_rate,1,,\n" +
		"group,a,tpr,1,,\n" +
		"group,a,fpr,1,,\n" +
		"group,a,fnr,0,,\n" +
		"group,a,ppv,0.5,,\n" +
		"group,a,accuracy,0.5,,\n" +
		"group,a,impact_ratio,1,,\n" +
		"group,a,adverse_impact,false,,\n" +
		"group,b,n,2,,\n" +
		"group,b,tp,0,,\n" +
		"group,b,fp,1,,\n" +
		"group,b,tn,1,,\n" +
		"group,b,fn,0,,\n" +
		"group,b,base_rate,0,,\n" +
		"group,b,selection_rate,0.5,,\n" +
		"group,b,tpr,,,\n" +
		"group,b,fpr,0.5,,\n" +
		"group,b,fnr,,,\n" +
		"group,b,ppv,0,,\n" +
		"group,b,accuracy,0.5,,\n" +
		"group,b,impact_ratio,0.5,,\n" +
		"group,b,adverse_impact,true,,\n" +
		"overall,,n,4,,\n" +
		"overall,,tp,1,,\n" +
		"overall,,fp,2,,\n" +
		"overall,,tn,1,,\n" +
		"overall,,fn,0,,\n" +
		"overall,,base_rate,0.25,,\n" +
		"overall,,selection_rate,0.75,,\n" +
		"overall,,tpr,1,,\n" +
		"overall,,fpr,0.6666666666666666,,\n" +
		"overall,,fnr,0,,\n" +
		"overall,,ppv,0.3333333333333333,,\n" +
		"overall,,accuracy,0.5,,\n" +
		"disparity,,demographic_parity_difference,0.5,,\n" +
		"disparity,,demographic_parity_ratio,0.5,,\n" +
		"disparity,,equalized_odds_difference,,,\n" +
		"disparity,,equal_opportunity_difference,,,\n" +
		"disparity,a,favourable,positive,,\n" +
		"disparity,a,min_impact_ratio,0.5,,\n" +
		"disparity,a,four_fifths_rule_met,false,,\n"
	code, out, errOut := runCLI(t, append(args, "--format", "csv")...)
	if code != 0 || out != wantCSV {
		t.Errorf("csv: exit %d %s\n%s\nwant\n%s", code, errOut, out, wantCSV)
	}
	wantText := "Fairness audit of " + data + ": 4 rows, 2 groups (\"g\"), label \"y\", prediction \"p\"\n" +
		"\n" +
		"       group  n  TP  FP  TN  FN  base rate  selection     TPR     FPR     FNR     PPV  accuracy  impact           \n" +
		"           a  2   1   1   0   0     0.5000     1.0000  1.0000  1.0000  0.0000  0.5000    0.5000  1.0000  reference\n" +
		"           b  2   0   1   1   0     0.0000     0.5000       —  0.5000       —  0.0000    0.5000  0.5000      < 4/5\n" +
		"  (all rows)  4   1   2   1   0     0.2500     0.7500  1.0000  0.6667  0.0000  0.3333    0.5000                   \n" +
		"(\"—\" marks a rate whose denominator is zero: undefined, not 0)\n" +
		"\n" +
		"Reference group: a (highest selection rate)\n" +
		"Demographic parity difference  0.5000    \n" +
		"Demographic parity ratio       0.5000    \n" +
		"Equalized odds difference      —         \n" +
		"Equal opportunity difference   —         \n" +
		"Lowest impact ratio            0.5000    \n" +
		"Four-fifths rule: NOT met: below 4/5 of the reference: b\n"
	code, out, errOut = runCLI(t, args...)
	if code != 0 || out != wantText {
		t.Errorf("text: exit %d %s\n%s\nwant\n%s", code, errOut, out, wantText)
	}
}

// TestFairnessRefusalMessages pins the whole message of each refusal of a
// cell: label and prediction values, positive values, scores.
func TestFairnessRefusalMessages(t *testing.T) {
	cls := []string{"--prediction", "p"}
	score := []string{"--score", "s", "--threshold", "0.5"}
	tests := []struct {
		data string
		args []string
		want string
	}{
		{"g,y,s\na,1,0.4\na,0,high\n", score, `line 3: score "s" value "high" is not a number`},
		{"g,y,s\na,1,\n", score, `line 2: score "s" is empty`},
		{"g,y,s\na,1, -inf \n", score, `line 2: score "s" value " -inf " is infinite`},
		{"g,y,p\na,1,1\na,0,1\nb, 2 ,0\n", cls, `line 4: label "y" has a third value "2" after "1" and "0": it must be binary`},
		{"g,y,p\na,approved,1\n", cls, `line 2: label "y" value "approved" is neither positive (1, true, yes) nor negative (0, false, no); name the positive class with --positive`},
		{"g,y,p\na,0.5,1\n", cls, `line 2: label "y" value "0.5" is neither positive (1, true, yes) nor negative (0, false, no); name the positive class with --positive`},
		{"g,y,p\na,1,0.73\n", cls, `line 2: prediction "p" value "0.73" is not a class; for scores use --score COL --threshold T`},
		{"g,y,p\na,1,maybe\n", cls, `line 2: prediction "p" value "maybe" is neither positive (1, true, yes) nor negative (0, false, no); name the positive class with --positive`},
		{"g,y,p\na,1,\n", cls, `line 2: prediction "p" is empty`},
		{"g,y,p\na, ,1\n", cls, `line 2: label "y" is empty`},
		{"g,y,p\na,good,x\na,bad,z\n", append(cls, "--positive", "nope"), `--positive "nope" never occurs in label "y" (values seen: "good", "bad")`},
		{"g,y,p\na,good,x\na,bad,z\n", append(cls, "--positive", "good"), `--positive "good" never occurs in prediction "p" (values seen: "x", "z"); if its positive value differs from the label's, give it with --prediction-positive`},
		{"g,y,p\na,good,x\na,bad,z\n", append(cls, "--positive", "good", "--prediction-positive", "y"), `--positive "y" never occurs in prediction "p" (values seen: "x", "z"); if its positive value differs from the label's, give it with --prediction-positive`},
	}
	for _, tt := range tests {
		data := writeFile(t, "d.csv", tt.data)
		code, _, errOut := runCLI(t, append([]string{"fairness", "--data", data, "--group", "g", "--label", "y"}, tt.args...)...)
		want := "lodestar: " + tt.want + "\n"
		if strings.HasPrefix(tt.want, "line ") { // a bad cell's error names the file first
			want = "lodestar: " + data + ": " + tt.want + "\n"
		}
		if code != 1 || errOut != want {
			t.Errorf("%q %v: exit %d, stderr %q; want 1 and %q", tt.data, tt.args, code, errOut, want)
		}
	}
	// Words are recognised in any case, around spaces (two spellings at
	// most: TRUE and 1 would be three values with false); a group is trimmed.
	data := writeFile(t, "d.csv", "g,y,p\n A ,TRUE,Y\nA,false,n\nA,TRUE,n\n")
	code, out, errOut := runCLI(t, "fairness", "--data", data, "--group", "g", "--label", "y", "--prediction", "p", "--format", "csv")
	if code != 0 || !strings.Contains(out, "group,A,tp,1,,\ngroup,A,fp,0,,\ngroup,A,tn,1,,\ngroup,A,fn,1,,\n") {
		t.Errorf("exit %d %s\n%s", code, errOut, out)
	}
}

// TestFairnessFavourableNegative: with the positive prediction adverse (a
// high-risk flag), --favourable negative makes the four-fifths rule
// compare the rates of not being flagged, so it names the group flagged
// most; the figures are checked against the counts.
func TestFairnessFavourableNegative(t *testing.T) {
	// older: 1 flagged in 10; young: 5 flagged in 10.
	var b strings.Builder
	b.WriteString("age,repaid,flagged\n")
	for i := range 10 {
		fmt.Fprintf(&b, "older,%d,%d\nyoung,%d,%d\n", i%2, map[bool]int{true: 1}[i == 0], i%2, map[bool]int{true: 1}[i < 5])
	}
	data := writeFile(t, "flags.csv", b.String())
	base := []string{"fairness", "--data", data, "--group", "age", "--label", "repaid", "--prediction", "flagged"}

	// Read with the positive prediction favourable (the default), the
	// older group "fails": the wrong verdict for a flag.
	code, out, errOut := runCLI(t, base...)
	if code != 0 || !strings.Contains(out, "Four-fifths rule: NOT met: below 4/5 of the reference: older\n") {
		t.Errorf("default: exit %d %s\n%s", code, errOut, out)
	}
	code, out, errOut = runCLI(t, append(base, "--favourable", "negative")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Reference group: older (highest favourable rate)\n",
		"Favourable outcome: the negative prediction; impact ratios and the four-fifths rule compare each group's rate of it (1 - selection rate)\n",
		"Four-fifths rule: NOT met: below 4/5 of the reference: young\n",
		"Lowest impact ratio            0.5556",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	code, out, errOut = runCLI(t, append(base, "--favourable", "negative", "--format", "json", "--bootstrap", "200")...)
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errOut)
	}
	var got struct {
		Favourable string
		Reference  string
		Groups     []struct {
			Group         string
			Impact        struct{ Value float64 } `json:"impact_ratio"`
			AdverseImpact bool                    `json:"adverse_impact"`
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	// Not flagged: older 9/10, young 5/10; impact of young = 0.5/0.9.
	if got.Favourable != "negative" || got.Reference != "older" || got.Groups[0].AdverseImpact || !got.Groups[1].AdverseImpact ||
		math.Abs(got.Groups[1].Impact.Value-(5.0/10)/(9.0/10)) > 1e-15 {
		t.Errorf("json: %+v", got)
	}
	code, out, _ = runCLI(t, append(base, "--favourable", "negative", "--format", "csv")...)
	if code != 0 || !strings.Contains(out, "disparity,older,favourable,negative,,\n") {
		t.Errorf("csv: exit %d\n%s", code, out)
	}
	// Without --favourable the JSON says positive.
	code, out, _ = runCLI(t, append(base, "--format", "json")...)
	if code != 0 || !strings.Contains(out, `"favourable": "positive"`) {
		t.Errorf("default json: exit %d\n%s", code, out)
	}
}

// failingWriter fails every write, as a closed pipe or a full disk does.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestFairnessWriteError: a failed standard output fails the command, in
// every format.
func TestFairnessWriteError(t *testing.T) {
	data := writeFile(t, "d.csv", "g,y,p\na,1,1\nb,0,0\n")
	for _, format := range []string{"text", "json", "csv"} {
		var stderr bytes.Buffer
		code := run(context.Background(), []string{"fairness", "--data", data, "--group", "g", "--label", "y", "--prediction", "p", "--format", format},
			failingWriter{}, &stderr, noEnv)
		if code != 1 || !strings.Contains(stderr.String(), "no space left on device") {
			t.Errorf("%s: exit %d, stderr %q; want 1 and the write error", format, code, stderr.String())
		}
	}
}
