package evidence_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/evidence"
)

// reference is the part of the fairness engine's sklearn reference
// (internal/engine/fairness/testdata/reference.json) this test reads.
type reference struct {
	Cases []struct {
		Name      string   `json:"name"`
		Data      string   `json:"data"`
		Threshold *float64 `json:"threshold"`
		Groups    []map[string]any
		EOD       *float64 `json:"equalized_odds_difference"`
	} `json:"cases"`
}

const refDir = "../engine/fairness/testdata"

// TestFairnessMatchesSklearn runs uploads of the reference files through
// the evidence reader and checks every count and rate against the values
// sklearn computed, so what the service stores is what sklearn and
// fairlearn give on the same file.
func TestFairnessMatchesSklearn(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(refDir, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(refDir, c.Data))
			if err != nil {
				t.Fatal(err)
			}
			p := lodestar.FairnessParams{GroupColumn: "group", LabelColumn: "label", PredictionColumn: "prediction"}
			if c.Threshold != nil {
				p = lodestar.FairnessParams{GroupColumn: "#1", LabelColumn: "#2", ScoreColumn: "score", Threshold: c.Threshold}
			}
			rep, rows, err := evidence.Fairness(c.Data, data, p)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(strings.Count(strings.TrimSpace(string(data)), "\n")); rows != want {
				t.Errorf("rows: got %d, want %d", rows, want)
			}
			if len(rep.Groups) != len(c.Groups) {
				t.Fatalf("groups: got %d, want %d", len(rep.Groups), len(c.Groups))
			}
			for i, g := range rep.Groups {
				w := c.Groups[i]
				if g.Group != w["group"] || float64(g.TP) != w["tp"] || float64(g.FP) != w["fp"] || float64(g.TN) != w["tn"] || float64(g.FN) != w["fn"] {
					t.Errorf("group %d: got %s %+v, want %v", i, g.Group, g.Counts, w)
				}
				for _, f := range evidence.FairnessFigures(g) {
					wv, _ := w[f.Name].(float64)
					if w[f.Name] == nil {
						wv = math.NaN()
					}
					if !(math.Abs(f.E.Value-wv) < 1e-12 || math.IsNaN(f.E.Value) && math.IsNaN(wv)) {
						t.Errorf("group %s %s: got %v, want sklearn's %v", g.Group, f.Name, f.E.Value, wv)
					}
				}
			}
			if c.EOD != nil && math.Abs(rep.EqualizedOddsDifference.Value-*c.EOD) > 1e-12 {
				t.Errorf("equalized odds difference: got %v, want %v", rep.EqualizedOddsDifference.Value, *c.EOD)
			}
		})
	}
}

// TestFileRules checks the stated reading rules on one small audit: the
// same decisions saved as GB18030 with CRLF and semicolons, with a BOM,
// with a blank header, give the same counts; a repeated header name is
// refused until the column is given by position.
func TestFileRules(t *testing.T) {
	plain := "组别,label,prediction\n男,1,0\n女,0,1\n男,1,1\n女,1,1\n"
	params := lodestar.FairnessParams{GroupColumn: "组别", LabelColumn: "label", PredictionColumn: "prediction"}
	want, _, err := evidence.Fairness("plain.csv", []byte(plain), params)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(strings.ReplaceAll(strings.ReplaceAll(plain, ",", ";"), "\n", "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		data   string
		params lodestar.FairnessParams
	}{
		"GB18030, CRLF, semicolons": {gb, params},
		"BOM":                       {"\ufeff" + plain, params},
		"blank header":              {strings.Replace(plain, "label", " ", 1), lodestar.FairnessParams{GroupColumn: "组别", LabelColumn: "column_2", PredictionColumn: "prediction"}},
		"repeated name by position": {strings.Replace(plain, "prediction", "label", 1), lodestar.FairnessParams{GroupColumn: "#1", LabelColumn: "#2", PredictionColumn: "#3"}},
	} {
		got, _, err := evidence.Fairness(name, []byte(tc.data), tc.params)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for i := range want.Groups {
			if got.Groups[i].Group != want.Groups[i].Group || got.Groups[i].Counts != want.Groups[i].Counts {
				t.Errorf("%s: group %d got %s %+v, want %s %+v", name, i, got.Groups[i].Group, got.Groups[i].Counts, want.Groups[i].Group, want.Groups[i].Counts)
			}
		}
	}
	padded := strings.ReplaceAll(strings.ReplaceAll(plain, "\n男,", "\n 男 ,"), "\n女,", "\n女  ,")
	if got, _, err := evidence.Fairness("padded.csv", []byte(padded), params); err != nil || got.Groups[0].Group != want.Groups[0].Group || got.Groups[0].Counts != want.Groups[0].Counts {
		t.Errorf("padded group values: got %v, %v; want them trimmed", got, err)
	}
	_, _, err = evidence.Fairness("roles.csv", []byte(plain), lodestar.FairnessParams{GroupColumn: "组别", LabelColumn: "label", PredictionColumn: "#2"})
	if f := lodestar.ErrorFields(err); f["prediction_column"] == "" {
		t.Errorf("one column in two roles: got %v, want prediction_column refused", err)
	}
	_, _, err = evidence.Fairness("dup.csv", []byte(strings.Replace(plain, "prediction", "label", 1)), params)
	if f := lodestar.ErrorFields(err); !strings.Contains(f["label_column"], "#2") {
		t.Errorf("repeated name: got %v, want label_column asking for a position like #2", err)
	}
}

func with(p lodestar.FairnessParams, mod func(*lodestar.FairnessParams)) lodestar.FairnessParams {
	mod(&p)
	return p
}

// TestFairnessFavourableParam: "positive" and "" are one setting, stored
// as "" (so an audit keeps the parameters it had before the field
// existed); "negative" reaches the engine.
func TestFairnessFavourableParam(t *testing.T) {
	for in, want := range map[string]string{"": "", "positive": "", " negative ": "negative"} {
		p := lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", PredictionColumn: "p", Favourable: in}
		if f := evidence.CheckFairnessParams(&p); len(f) != 0 || p.Favourable != want {
			t.Errorf("favourable %q: fields %v, stored %q; want %q", in, f, p.Favourable, want)
		}
	}
	data := []byte("g,y,p\nold,1,1\nold,0,0\nold,0,0\nold,0,0\nyoung,1,1\nyoung,0,1\nyoung,0,0\nyoung,0,0\n")
	p := lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", PredictionColumn: "p", Favourable: "negative", Bootstrap: 100}
	rep, _, err := evidence.Fairness("d.csv", data, p)
	if err != nil {
		t.Fatal(err)
	}
	// Not flagged: old 3/4, young 2/4; young's impact 2/3.
	if rep.Favourable != "negative" || rep.Reference != "old" || !rep.Groups[1].AdverseImpact || rep.Groups[1].ImpactRatio.Value != (2.0/4)/(3.0/4) {
		t.Errorf("report: favourable %q, reference %q, young %+v", rep.Favourable, rep.Reference, rep.Groups[1])
	}
	if args := strings.Join(evidence.FairnessCLIArgs("d.csv", p), " "); !strings.Contains(args, "--favourable negative") {
		t.Errorf("CLI args %q lack --favourable negative", args)
	}
	p.Favourable = "positive"
	if args := strings.Join(evidence.FairnessCLIArgs("d.csv", p), " "); strings.Contains(args, "--favourable") {
		t.Errorf("CLI args %q name the default", args)
	}
	f, _ := evidence.FairnessParamsFromForm(func(k string) string { return map[string]string{"favourable": "negative"}[k] })
	if f.Favourable != "negative" {
		t.Errorf("form: favourable %q", f.Favourable)
	}
}

// TestFairnessRefusals pins the field and whole message of each refusal
// of a cell: label and prediction values, positive values, scores.
func TestFairnessRefusals(t *testing.T) {
	th := 0.5
	cls := lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", PredictionColumn: "p"}
	score := lodestar.FairnessParams{GroupColumn: "g", LabelColumn: "y", ScoreColumn: "s", Threshold: &th}
	positive := func(label, pred string) lodestar.FairnessParams {
		p := cls
		p.PositiveLabel, p.PositivePrediction = label, pred
		return p
	}
	tests := []struct {
		data        string
		p           lodestar.FairnessParams
		field, want string
	}{
		{"g,y,s\na,1,0.4\na,0,high\n", score, "score_column", `Line 3: score "s" value "high" is not a number.`},
		{"g,y,s\na,1,\n", score, "score_column", `Line 2: score "s" value "" is empty.`},
		{"g,y,s\na,1, -inf \n", score, "score_column", `Line 2: score "s" value " -inf " is infinite.`},
		{"g,y,p\na,1,1\na,0,1\nb, 2 ,0\n", cls, "label_column", `Line 4: label "y" has a third value "2" after "1" and "0"; it must be binary.`},
		{"g,y,p\na,approved,1\n", cls, "label_column", `Line 2: label "y" value "approved" is neither positive (1, true, yes) nor negative (0, false, no); name the positive value.`},
		{"g,y,p\na,0.5,1\n", cls, "label_column", `Line 2: label "y" value "0.5" is neither positive (1, true, yes) nor negative (0, false, no); name the positive value.`},
		{"g,y,p\na,1,0.73\n", cls, "prediction_column", `Line 2: prediction "p" value "0.73" is not a class; for scores give a score column and a threshold.`},
		{"g,y,p\na,1,maybe\n", cls, "prediction_column", `Line 2: prediction "p" value "maybe" is neither positive (1, true, yes) nor negative (0, false, no); name the positive value.`},
		{"g,y,p\na,1,\n", cls, "prediction_column", `Line 2: prediction "p" is empty.`},
		{"g,y,p\na, ,1\n", cls, "label_column", `Line 2: label "y" is empty.`},
		{"g,y,p\na,TRUE,Y\na,false,n\na,1,n\n", cls, "label_column", `Line 4: label "y" has a third value "1" after "TRUE" and "false"; it must be binary.`},
		{"g,y,p\na,good,x\na,bad,z\n", positive("nope", ""), "positive_label", `The positive value "nope" never occurs in label "y" (values seen: "good", "bad").`},
		{"g,y,p\na,good,x\na,bad,z\n", positive("good", ""), "positive_prediction", `The positive value "good" never occurs in prediction "p" (values seen: "x", "z").`},
		{"g,y,p\na,good,x\na,bad,z\n", positive("good", "y"), "positive_prediction", `The positive value "y" never occurs in prediction "p" (values seen: "x", "z").`},
		{"g,y,p\n", cls, "file", "The file has a header but no data rows."},
		{"g,y,p\na,1,1\n", with(cls, func(p *lodestar.FairnessParams) { p.Favourable = "adverse" }), "favourable", evidence.FavourableRule},
		{"g,y,p\na,1,1\n", with(cls, func(p *lodestar.FairnessParams) { p.Favourable = "Negative" }), "favourable", evidence.FavourableRule},
		{"g,y,p\na,1,1\n", with(cls, func(p *lodestar.FairnessParams) { p.Bootstrap = 1 }), "bootstrap", evidence.BootstrapRule},
		{"g,y,p\na,1,1\n", with(cls, func(p *lodestar.FairnessParams) { p.Bootstrap = 99 }), "bootstrap", evidence.BootstrapRule},
		{"g,y,p\na,1,1\n", with(cls, func(p *lodestar.FairnessParams) { p.Bootstrap = -1 }), "bootstrap", evidence.BootstrapRule},
	}
	for _, tt := range tests {
		_, _, err := evidence.Fairness("d.csv", []byte(tt.data), tt.p)
		if f := lodestar.ErrorFields(err); len(f) != 1 || f[tt.field] != tt.want {
			t.Errorf("%q: got %v, want %s: %q", tt.data, err, tt.field, tt.want)
		}
	}
	// Words are recognised in any case, around spaces; a group is trimmed.
	rep, _, err := evidence.Fairness("d.csv", []byte("g,y,p\n A ,TRUE,Y\nA,false,n\nA,TRUE,n\n"), cls)
	if err != nil || len(rep.Groups) != 1 || rep.Groups[0].Group != "A" || rep.Groups[0].TP != 1 || rep.Groups[0].TN != 1 || rep.Groups[0].FN != 1 {
		t.Errorf("got %+v, %v", rep, err)
	}
}

// TestExplainRefusals pins the whole message of each refusal of a
// sample's cell, and the spellings read as missing.
func TestExplainRefusals(t *testing.T) {
	model, err := os.ReadFile("../engine/explain/testdata/binary.json")
	if err != nil {
		t.Fatal(err)
	}
	head := "f0,f1,f2,f3,f4,f5,f6,f7\n"
	for data, want := range map[string]string{
		head + "1,2,3,4,5,6,7,8\n1,2, x3 ,4,5,6,7,8\n": `Line 3, column "f2": "x3" is not a number.`,
		head + "1,2,3,4,5,6,7,inf\n":                   `Line 2, column "f7": "inf" is infinite.`,
		head:                                           "The sample has a header but no data rows.",
	} {
		_, _, err := evidence.Explain("m.json", model, "s.csv", []byte(data), lodestar.ExplanationParams{})
		if f := lodestar.ErrorFields(err); len(f) != 1 || f["data"] != want {
			t.Errorf("%q: got %v, want data: %q", data, err, want)
		}
	}
	res, n, err := evidence.Explain("m.json", model, "s.csv", []byte(head+" nan ,NULL,none,-NaN,#N/A,n/a,None,\n1,2,3,4,5,6,7, 1e-400\n"), lodestar.ExplanationParams{})
	if err != nil || n != 2 || len(res.Rows) != 2 {
		t.Fatalf("missing spellings: got %v rows, %v", n, err)
	}
}

// TestBinaryColumn: the class rules both fairness readers share.
func TestBinaryColumn(t *testing.T) {
	var b evidence.BinaryColumn
	for _, c := range []struct {
		cell    string
		want    bool
		refusal evidence.BinaryRefusal
	}{
		{" Yes ", true, evidence.BinaryOK}, {"", false, evidence.BinaryEmpty}, {"no", false, evidence.BinaryOK},
		{"Yes", true, evidence.BinaryOK}, {"YES", false, evidence.BinaryThirdValue},
	} {
		if got, r := b.Value(c.cell); got != c.want || r != c.refusal {
			t.Errorf("%q: got %v, %v; want %v, %v", c.cell, got, r, c.want, c.refusal)
		}
	}
	if s := b.SeenList(); s != `"Yes", "no"` || b.NeverPositive() {
		t.Errorf("seen %s, never positive %v", s, b.NeverPositive())
	}
	for cell, want := range map[string]evidence.BinaryRefusal{"0.73": evidence.BinaryNumber, "approved": evidence.BinaryUnknown, "1.0": evidence.BinaryOK, "-1": evidence.BinaryOK} {
		var b evidence.BinaryColumn
		if _, r := b.Value(cell); r != want {
			t.Errorf("%q: refusal %v, want %v", cell, r, want)
		}
	}
	p := evidence.BinaryColumn{Positive: "good"}
	p.Value("bad")
	if v, r := p.Value("0.5"); v || r != evidence.BinaryOK || !p.NeverPositive() {
		t.Errorf("with a positive value any value is a class: %v %v, never positive %v", v, r, p.NeverPositive())
	}
}
