package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"
)

// driftQualityJSON is the part of drift's JSON output about warnings.
type driftQualityJSON struct {
	Tested       int      `json:"tested_columns"`
	Drifted      int      `json:"drifted_columns"`
	ShareDrifted float64  `json:"share_drifted"`
	DatasetDrift bool     `json:"dataset_drift"`
	MissingRise  []string `json:"missing_rise_columns"`
	IDLike       []string `json:"id_like_columns"`
	NewCats      []string `json:"new_category_columns"`
	Thresholds   struct {
		MissingRise float64 `json:"missing_rise"`
	} `json:"thresholds"`
	Columns []struct {
		Name         string   `json:"name"`
		Test         string   `json:"test"`
		Drifted      bool     `json:"drifted"`
		Note         string   `json:"note"`
		RefN         int64    `json:"reference_count"`
		CurN         int64    `json:"current_count"`
		MissingRise  *bool    `json:"missing_rise"`
		MissingRiseP *float64 `json:"missing_rise_p_value"`
		IDLike       *bool    `json:"id_like"`
		NewCats      *int     `json:"new_categories"`
		NewRows      *int64   `json:"new_category_rows"`
	} `json:"columns"`
}

func runDriftQuality(t *testing.T, args ...string) driftQualityJSON {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"drift", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d driftQualityJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, c := range d.Columns {
		if c.MissingRise == nil || c.IDLike == nil {
			t.Fatalf("column %s: missing_rise or id_like left out:\n%s", c.Name, out)
		}
	}
	return d
}

func (d driftQualityJSON) col(t *testing.T, name string) int {
	t.Helper()
	for i, c := range d.Columns {
		if c.Name == name {
			return i
		}
	}
	t.Fatalf("no column %q", name)
	return -1
}

// hyperTail is P(X ≥ x) for X hypergeometric (n draws from N items, K of
// them marked), in exact rational arithmetic.
func hyperTail(x, n, K, N int64) float64 {
	binom := func(a, b int64) *big.Int {
		if b < 0 || b > a {
			return big.NewInt(0)
		}
		return new(big.Int).Binomial(a, b)
	}
	num := new(big.Int)
	for k := max(x, 0); k <= min(n, K); k++ {
		num.Add(num, new(big.Int).Mul(binom(K, k), binom(N-K, n-k)))
	}
	f, _ := new(big.Rat).SetFrac(num, binom(N, n)).Float64()
	return f
}

// fisherGreater is the one-sided Fisher exact test: the hypergeometric
// upper tail, to 1e-9 relative of the exact sum, from the middle of the
// distribution to far into its tail and at the ends of its support.
func TestFisherGreaterExact(t *testing.T) {
	for _, c := range []struct{ x, n, K, N int64 }{
		{2, 10, 2, 20}, {1, 10, 1, 110}, {10, 100, 10, 200}, {30, 400, 40, 800}, {5, 5, 5, 10},
		{60, 1000, 80, 2000}, {100, 1000, 100, 2000}, {45, 90, 60, 180}, {200, 2000, 210, 4000},
		{0, 10, 3, 20}, {3, 10, 3, 20}, {4, 10, 3, 20}, {8, 10, 15, 20}, {5, 10, 15, 20},
	} {
		got, want := fisherGreater(c.x, c.n, c.K, c.N), hyperTail(c.x, c.n, c.K, c.N)
		if math.Abs(got-want) > 1e-9*want && !(want == 0 && got == 0) {
			t.Errorf("fisherGreater(%d, %d, %d, %d) = %.12g, want %.12g", c.x, c.n, c.K, c.N, got, want)
		}
	}
}

// The rule: a rise of at least --missing-rise and p < --p-value; a small
// sample's rise, however large a share, is not enough on its own.
func TestMissingRoseRule(t *testing.T) {
	for _, c := range []struct {
		name                               string
		refMiss, refRows, curMiss, curRows int64
		rise                               float64
		want, tested                       bool
	}{
		{"2 of 10 against none of 10", 0, 10, 2, 10, 0.05, false, true},
		{"1 of 10 against none of 100", 0, 100, 1, 10, 0.05, false, true},
		{"10% against none, 400 rows each", 0, 400, 40, 400, 0.05, true, true},
		{"8% against 4%, under 5 points", 80, 2000, 160, 2000, 0.05, false, false},
		{"8% against 4%, 3 points asked", 80, 2000, 160, 2000, 0.03, true, true},
		{"10% against 5%: exactly 5 points", 100, 2000, 200, 2000, 0.05, true, true},
		{"fell", 200, 2000, 0, 2000, 0.05, false, false},
		{"all missing in both", 10, 10, 10, 10, 0.05, false, false},
	} {
		got, p := missingRose(c.refMiss, c.refRows, c.curMiss, c.curRows, c.rise, 0.05)
		if got != c.want || math.IsNaN(p) == c.tested {
			t.Errorf("%s: rose %v (p %v), want %v (tested %v)", c.name, got, p, c.want, c.tested)
		}
	}
	// 2 of 10 against 0 of 10: P = C(10,2)/C(20,2) = 45/190.
	if _, p := missingRose(0, 10, 2, 10, 0.05, 0.05); math.Abs(p-45.0/190) > 1e-12 {
		t.Errorf("p = %v, want 45/190", p)
	}
}

// driftMissingFiles: 2000 rows each, every column's values alike in both
// files but for its missing cells (blocks of 10 or 25 rows of one value
// lose one or two rows each), so nothing drifts: "big" 0% → 10% missing,
// "under" 4% → 8%, "fell" 10% → 0%, "cat" (categorical) 0% → 10%.
func driftMissingFiles(t *testing.T) (ref, cur string) {
	t.Helper()
	var r, c strings.Builder
	r.WriteString("big,under,fell,cat\n")
	c.WriteString("big,under,fell,cat\n")
	cell := func(v string, miss bool) string {
		if miss {
			return ""
		}
		return v
	}
	for i := range 2000 {
		big, under, cat := fmt.Sprint((i/10)%50), fmt.Sprint((i/25)%40), []string{"a", "b", "c"}[(i/10)%3]
		fmt.Fprintf(&r, "%s,%s,%s,%s\n", big, cell(under, i%25 == 0), cell(big, i%10 == 0), cat)
		fmt.Fprintf(&c, "%s,%s,%s,%s\n", cell(big, i%10 == 0), cell(under, i%25 < 2), big, cell(cat, i%10 == 0))
	}
	return writeFile(t, "ref.csv", r.String()), writeFile(t, "cur.csv", c.String())
}

func TestDriftMissingRise(t *testing.T) {
	ref, cur := driftMissingFiles(t)
	d := runDriftQuality(t, "--reference", ref, "--current", cur)
	if strings.Join(d.MissingRise, ",") != "big,cat" || d.Thresholds.MissingRise != 0.05 {
		t.Errorf("missing_rise_columns %v (threshold %v), want [big cat] at 0.05", d.MissingRise, d.Thresholds.MissingRise)
	}
	if d.DatasetDrift || d.Drifted != 0 {
		t.Fatalf("the files drifted (%d columns): the test's data is wrong", d.Drifted)
	}
	for _, c := range []struct {
		name   string
		rose   bool
		tested bool
	}{{"big", true, true}, {"under", false, false}, {"fell", false, false}, {"cat", true, true}} {
		col := d.Columns[d.col(t, c.name)]
		if *col.MissingRise != c.rose || (col.MissingRiseP != nil) != c.tested {
			t.Errorf("%s: missing_rise %v, p-value %v; want %v, given: %v", c.name, *col.MissingRise, col.MissingRiseP, c.rose, c.tested)
		}
		if c.rose && !(*col.MissingRiseP < 1e-10) {
			t.Errorf("%s: p-value %v for 0 → 200 missing of 2000", c.name, *col.MissingRiseP)
		}
	}
	// The threshold is a flag.
	d = runDriftQuality(t, "--reference", ref, "--current", cur, "--missing-rise", "0.03")
	if strings.Join(d.MissingRise, ",") != "big,under,cat" || d.Thresholds.MissingRise != 0.03 {
		t.Errorf("--missing-rise 0.03: %v (threshold %v), want big, under, cat", d.MissingRise, d.Thresholds.MissingRise)
	}

	// Text: on the column and in the summary; the exit status is the
	// verdict's alone.
	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--fail-on-drift")
	if code != 0 {
		t.Errorf("--fail-on-drift with warnings and no drift: exit %d (%s)", code, errOut)
	}
	for _, want := range []string{
		"big: warning: missing values rose from 0.0% to 10.0% of rows (Fisher's exact test, one-sided: p = ",
		"cat: warning: missing values rose from 0.0% to 10.0% of rows",
		"\nWarnings:\n  missing values rose: big, cat\n\nDataset drift: NO",
		"they change neither the verdict nor the exit status",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	for _, no := range []string{"under: warning", "fell: warning"} {
		if strings.Contains(out, no) {
			t.Errorf("%q in\n%s", no, out)
		}
	}
}

// Small files: a rise of 20 points from 2 missing cells of 10, or of 10
// points from one cell, is within chance (Fisher's p 0.24 and 0.09), and
// raises no warning in any format.
func TestDriftMissingRiseSmallSample(t *testing.T) {
	for _, c := range []struct {
		name, ref, cur string
		p              float64
	}{
		{"2 of 10", "v\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "v\n1\nNA\n3\n4\n5\nNA\n7\n8\n9\n10\n", 45.0 / 190},
		{"1 of 10 against 100", "v\n" + strings.Repeat("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", 10), "v\n1\n2\n3\n4\nNA\n6\n7\n8\n9\n10\n", 10.0 / 110},
	} {
		ref, cur := writeFile(t, "r.csv", c.ref), writeFile(t, "c.csv", c.cur)
		d := runDriftQuality(t, "--reference", ref, "--current", cur)
		col := d.Columns[0]
		if col.MissingRiseP == nil {
			t.Fatalf("%s: no missing_rise_p_value", c.name)
		}
		if *col.MissingRise || len(d.MissingRise) != 0 || math.Abs(*col.MissingRiseP-c.p) > 1e-12 {
			t.Errorf("%s: missing_rise %v %v, p-value %v; want false, none, p = %v", c.name, *col.MissingRise, d.MissingRise, *col.MissingRiseP, c.p)
		}
		_, text, _ := runCLI(t, "drift", "--reference", ref, "--current", cur)
		html := runDriftHTML(t, "--reference", ref, "--current", cur)
		if strings.Contains(text, "missing values rose:") || strings.Contains(text, "warning:") || strings.Contains(html, `class="warnings"`) || strings.Contains(html, "note warn") {
			t.Errorf("%s: a warning in\n%s", c.name, text)
		}
	}
}

// driftIDFiles: 1200 rows (so Jensen–Shannon decides categorical drift),
// "id" of distinct order numbers, other ones in the current; "x" the
// same in both; "y" moved.
func driftIDFiles(t *testing.T) (ref, cur string) {
	t.Helper()
	var r, c strings.Builder
	r.WriteString("id,x,y\n")
	c.WriteString("id,x,y\n")
	for i := range 1200 {
		v := (i / 10) % 50
		fmt.Fprintf(&r, "R-%05d,%d,%d\n", i, v, v)
		fmt.Fprintf(&c, "C-%05d,%d,%d\n", i, v, v+30)
	}
	return writeFile(t, "ref.csv", r.String()), writeFile(t, "cur.csv", c.String())
}

// An ID-like column is not tested, so the share of drifted columns, the
// verdict and --fail-on-drift's exit status are as without it. Named in
// --columns it is still flagged; its values, each seen once, are too
// sparse to test (every one expected fewer than 5 times: a sample of two
// distributions over order numbers is no different from one), so it is
// not tested either, and its note says both. Named when the current file
// repeats a few of its values, it is tested, and drifts.
func TestDriftIDLike(t *testing.T) {
	ref, cur := driftIDFiles(t)
	all := runDriftQuality(t, "--reference", ref, "--current", cur)
	without := runDriftQuality(t, "--reference", ref, "--current", cur, "--columns", "x,y")
	if all.Tested != 2 || all.Drifted != 1 || all.ShareDrifted != without.ShareDrifted || all.Tested != without.Tested || all.DatasetDrift != without.DatasetDrift {
		t.Errorf("with the id-like column: %d of %d drifted (%v); without it: %d of %d (%v)",
			all.Drifted, all.Tested, all.ShareDrifted, without.Drifted, without.Tested, without.ShareDrifted)
	}
	id := all.Columns[all.col(t, "id")]
	if id.Test != "none" || id.Drifted || !*id.IDLike || strings.Join(all.IDLike, ",") != "id" ||
		!strings.Contains(id.Note, "id-like: 1200 distinct values among 1200 in the reference: not tested (name it in --columns to test it)") {
		t.Errorf("id: test %s, drifted %v, id_like %v (%v), note %q", id.Test, id.Drifted, *id.IDLike, all.IDLike, id.Note)
	}
	if id.RefN != 1200 || id.CurN != 1200 || id.NewCats == nil || *id.NewCats != 1200 || len(all.NewCats) != 0 {
		t.Errorf("id: counts %d/%d, new categories %v; new_category_columns %v (want 1200 each, the list without it)", id.RefN, id.CurN, id.NewCats, all.NewCats)
	}
	for _, name := range []string{"x", "y"} {
		if c := all.Columns[all.col(t, name)]; *c.IDLike || c.NewCats != nil {
			t.Errorf("%s (numeric): id_like %v, new_categories %v", name, *c.IDLike, c.NewCats)
		}
	}

	named := runDriftQuality(t, "--reference", ref, "--current", cur, "--columns", "id,x,y")
	nid := named.Columns[named.col(t, "id")]
	if nid.Test != "none" || nid.Drifted || !*nid.IDLike || named.Tested != 2 || strings.Join(named.IDLike, ",") != "id" ||
		!strings.Contains(nid.Note, "sparse: none of its 2400 categories is expected 5 or more times in each sample (1200 reference values, 1200 current): not tested; id-like: 1200 distinct values among 1200 in the reference, named in --columns") {
		t.Errorf("id named: test %s, drifted %v, id_like %v, %d tested, note %q", nid.Test, nid.Drifted, *nid.IDLike, named.Tested, nid.Note)
	}
	// The current's ids, ten of them, each 120 times: tested over those
	// ten and the reference's pooled into one bin, and drifted.
	var few strings.Builder
	few.WriteString("id,x,y\n")
	for i := range 1200 {
		v := (i / 10) % 50
		fmt.Fprintf(&few, "C-%05d,%d,%d\n", i%10, v, v+30)
	}
	tenIDs := writeFile(t, "ten.csv", few.String())
	named = runDriftQuality(t, "--reference", ref, "--current", tenIDs, "--columns", "id,x,y")
	nid = named.Columns[named.col(t, "id")]
	if nid.Test != "jensenshannon" || !nid.Drifted || !*nid.IDLike || named.Tested != 3 ||
		!strings.Contains(nid.Note, "pooled into one bin: 1200 of 1210 categories, each expected fewer than 5 times in a sample; id-like: 1200 distinct values among 1200 in the reference, tested as --columns names it") {
		t.Errorf("id named, ten current ids: test %s, drifted %v, id_like %v, %d tested, note %q", nid.Test, nid.Drifted, *nid.IDLike, named.Tested, nid.Note)
	}

	// At --share 0.6 the data set drifts only if the id-like column counts.
	if code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--share", "0.6", "--fail-on-drift"); code != 0 ||
		!strings.Contains(out, "\nWarnings:\n  id-like: id\n") || !strings.Contains(out, "1 of 2 tested columns drifted") {
		t.Errorf("id-like column left out: exit %d (%s)\n%s", code, errOut, out)
	}
	if code, _, _ := runCLI(t, "drift", "--reference", ref, "--current", cur, "--share", "0.6", "--fail-on-drift", "--columns", "id,x,y"); code != 0 {
		t.Errorf("id-like column named, too sparse to test: exit %d, want 0", code)
	}
	if code, _, _ := runCLI(t, "drift", "--reference", ref, "--current", tenIDs, "--share", "0.6", "--fail-on-drift", "--columns", "id,x,y"); code != driftExitCode {
		t.Errorf("id-like column named, tested: exit %d, want %d", code, driftExitCode)
	}
}

// The rule's edges: 95 distinct values of 100 are ID-like, 94 are not;
// 49 values all distinct are too few to judge. (Neither is tested, but as
// too sparse — each value expected fewer than 5 times — not as ID-like.)
func TestDriftIDLikeEdges(t *testing.T) {
	var r, c strings.Builder
	r.WriteString("k95,k94\n")
	c.WriteString("k95,k94\n")
	for i := range 100 {
		fmt.Fprintf(&r, "k%d,k%d\n", i%95, i%94)
		fmt.Fprintf(&c, "k%d,k%d\n", i%95, i%94)
	}
	d := runDriftQuality(t, "--reference", writeFile(t, "r.csv", r.String()), "--current", writeFile(t, "c.csv", c.String()))
	if c95, c94 := d.Columns[d.col(t, "k95")], d.Columns[d.col(t, "k94")]; !*c95.IDLike || c95.Test != "none" || !strings.Contains(c95.Note, "id-like: ") ||
		*c94.IDLike || strings.Contains(c94.Note, "id-like") || !strings.Contains(c94.Note, "sparse: ") {
		t.Errorf("k95: id_like %v, test %s, note %q; k94: id_like %v, test %s, note %q", *c95.IDLike, c95.Test, c95.Note, *c94.IDLike, c94.Test, c94.Note)
	}
	var few strings.Builder
	few.WriteString("k\n")
	for i := range idLikeMinValues - 1 {
		fmt.Fprintf(&few, "k%d\n", i)
	}
	f := writeFile(t, "few.csv", few.String())
	if d := runDriftQuality(t, "--reference", f, "--current", f); *d.Columns[0].IDLike || strings.Contains(d.Columns[0].Note, "id-like") || !strings.Contains(d.Columns[0].Note, "sparse: ") {
		t.Errorf("%d distinct values: id_like %v, test %s, note %q", idLikeMinValues-1, *d.Columns[0].IDLike, d.Columns[0].Test, d.Columns[0].Note)
	}
}

// New categories: the current's values the reference never has, and the
// rows holding them (missing cells not among them), for categorical
// columns only.
func TestDriftNewCategories(t *testing.T) {
	var r, c strings.Builder
	r.WriteString("c,n\n")
	c.WriteString("c,n\n")
	for i := range 100 {
		fmt.Fprintf(&r, "%s,%d\n", []string{"a", "b"}[i%2], i%7)
		v := []string{"a", "b"}[i%2]
		switch i % 10 {
		case 0:
			v = "c"
		case 5:
			v = "d"
		case 3:
			v = ""
		}
		fmt.Fprintf(&c, "%s,%d\n", v, i%7)
	}
	ref, cur := writeFile(t, "r.csv", r.String()), writeFile(t, "c.csv", c.String())
	d := runDriftQuality(t, "--reference", ref, "--current", cur)
	col := d.Columns[d.col(t, "c")]
	if col.NewCats == nil || *col.NewCats != 2 || *col.NewRows != 20 || strings.Join(d.NewCats, ",") != "c" {
		t.Errorf("c: new_categories %v, rows %v; columns %v; want 2 in 20 rows, [c]", col.NewCats, col.NewRows, d.NewCats)
	}
	if n := d.Columns[d.col(t, "n")]; n.NewCats != nil || n.NewRows != nil {
		t.Errorf("numeric n: new_categories %v", n.NewCats)
	}
	_, out, _ := runCLI(t, "drift", "--reference", ref, "--current", cur)
	for _, want := range []string{
		"c: warning: 20 of the current's 90 values (22.2%) fall in categories the reference never has; new categories: 2",
		"\nWarnings:\n  missing values rose: c\n  new categories: c\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// The same file twice: none.
	if d := runDriftQuality(t, "--reference", ref, "--current", ref); *d.Columns[0].NewCats != 0 || len(d.NewCats) != 0 {
		t.Errorf("no new categories: %v, %v", *d.Columns[0].NewCats, d.NewCats)
	}
}

// HTML: the warnings in the summary, linked to their columns, and on
// each column, in English and in Chinese from the catalogs.
func TestDriftHTMLWarnings(t *testing.T) {
	ref, cur := driftMissingFiles(t)
	en := runDriftHTML(t, "--reference", ref, "--current", cur, "--lang", "en")
	zh := runDriftHTML(t, "--reference", ref, "--current", cur, "--lang", "zh-CN")
	for _, want := range []string{
		`<div class="warnings"><b>Warnings (they change neither the verdict nor the exit status of --fail-on-drift):</b>`,
		`<li>Missing values rose: <a href="#col-1" class="name">big</a>, <a href="#col-4" class="name">cat</a></li>`,
		`<div class="note warn">Warning: missing values rose from 0.0% to 10.0% of rows (Fisher&#39;s exact test, one-sided: p = `,
		"Missing values rose (a warning): the current&#39;s share of missing values in a column is at least 5 percentage points",
	} {
		if !strings.Contains(en, want) {
			t.Errorf("no %q in the English report", want)
		}
	}
	for _, want := range []string{"警告（既不改变结论，也不改变 --fail-on-drift 的退出状态）：", "<li>缺失值增多： <a href=\"#col-1\"",
		`<div class="note warn">警告：缺失值占行数的比例从 0.0% 升至 10.0%`, "类似标识符（警告）"} {
		if !strings.Contains(zh, want) {
			t.Errorf("no %q in the Chinese report", want)
		}
	}
	if n := strings.Count(en, `class="note warn"`); n != 2 {
		t.Errorf("%d column warnings, want 2 (big, cat)", n)
	}

	ref, cur = driftIDFiles(t)
	en = runDriftHTML(t, "--reference", ref, "--current", cur, "--lang", "en")
	zh = runDriftHTML(t, "--reference", ref, "--current", cur, "--lang", "zh-CN")
	for _, want := range []string{`<li>ID-like, nearly every value distinct: <a href="#col-1" class="name">id</a></li>`,
		`<span class="tag na">not tested: ID-like</span>`, "id-like: 1200 distinct values among 1200 in the reference: not tested"} {
		if !strings.Contains(en, want) {
			t.Errorf("no %q in the English report", want)
		}
	}
	for _, want := range []string{"类似标识符，几乎每个值都不同：", `<span class="tag na">未检验：类似标识符</span>`,
		"类似标识符：参照中有 1200 个不同取值，共 1200 个值：未检验（在 --columns 中指明该列即可检验）"} {
		if !strings.Contains(zh, want) {
			t.Errorf("no %q in the Chinese report", want)
		}
	}
	// (The files' paths, in the report, hold the test's name.)
	zhText := strings.ReplaceAll(strings.ReplaceAll(zh, ref, ""), cur, "")
	for _, english := range []string{"Warning", "ID-like", "id-like", "Missing values", "never has", "not tested"} {
		if strings.Contains(zhText, english) {
			t.Errorf("the Chinese report has English %q", english)
		}
	}
	for _, out := range []string{en, zh} {
		if m := regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`).FindString(out); m != "" {
			t.Errorf("a catalog key is missing: %s", m)
		}
	}
	// New categories, in Chinese.
	var r, c strings.Builder
	r.WriteString("c\n")
	c.WriteString("c\n")
	for i := range 60 {
		r.WriteString([]string{"北京", "上海"}[i%2] + "\n")
		c.WriteString([]string{"北京", "上海", "广州"}[i%3] + "\n")
	}
	zh = runDriftHTML(t, "--reference", writeFile(t, "r.csv", r.String()), "--current", writeFile(t, "c.csv", c.String()), "--lang", "zh-CN")
	if want := "警告：20 个值（当前共 60 个值，占 33.3%）属于参照中没有的类别；新类别数：1"; !strings.Contains(zh, want) {
		t.Errorf("no %q in the Chinese report", want)
	}
}
