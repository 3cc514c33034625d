package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var monitorTestdata = filepath.Join("..", "..", "internal", "engine", "monitor", "testdata")

// driftJSON is the part of drift's JSON output the tests read.
type driftJSON struct {
	RefRows      int64   `json:"reference_rows"`
	CurRows      int64   `json:"current_rows"`
	DatasetDrift bool    `json:"dataset_drift"`
	ShareDrifted float64 `json:"share_drifted"`
	Columns      []struct {
		Name        string   `json:"name"`
		Kind        string   `json:"kind"`
		Test        string   `json:"test"`
		Statistic   *float64 `json:"statistic"`
		PValue      *float64 `json:"p_value"`
		PSI         *float64 `json:"psi"`
		Drifted     bool     `json:"drifted"`
		KS          *float64 `json:"ks"`
		KSP         *float64 `json:"ks_p_value"`
		KSUpper     *float64 `json:"ks_upper_bound"`
		Wasserstein *float64 `json:"wasserstein_norm"`
		WBound      *float64 `json:"wasserstein_error_bound"`
		Chi2        *float64 `json:"chi2"`
		Chi2P       *float64 `json:"chi2_p_value"`
		JS          *float64 `json:"jensenshannon"`
		Method      string   `json:"method"`
		RefCount    int64    `json:"reference_count"`
		CurCount    int64    `json:"current_count"`
		RefMiss     int64    `json:"reference_missing"`
		CurMiss     int64    `json:"current_missing"`
		Note        string   `json:"note"`
	} `json:"columns"`
}

func runDriftJSON(t *testing.T, args ...string) driftJSON {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"drift", "--format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var d driftJSON
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return d
}

func writeColumn(t *testing.T, name string, header string, vals []float64) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(header + "\n")
	for _, v := range vals {
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64) + "\n")
	}
	return writeFile(t, name, b.String())
}

func near(a *float64, b, rel, abs float64) bool {
	return a != nil && math.Abs(*a-b) <= math.Max(rel*math.Abs(b), abs)
}

// TestDriftMatchesScipy runs the command on the engine's reference cases
// written as CSV files: with every value kept, the statistics are scipy's.
func TestDriftMatchesScipy(t *testing.T) {
	var ref struct {
		Numeric []struct {
			Name            string
			Ref, Cur        []float64
			KS              float64 `json:"ks"`
			KSP             float64 `json:"ks_p"`
			PSI10           float64 `json:"psi10"`
			WassersteinNorm float64 `json:"wasserstein_norm"`
		}
		Categorical []struct {
			Name     string
			Ref, Cur map[string]int
			Chi2P    float64 `json:"chi2_p"`
			JS       float64 `json:"js"`
			PSI      float64 `json:"psi"`
		}
	}
	b, err := os.ReadFile(filepath.Join(monitorTestdata, "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, c := range ref.Numeric {
		if c.Name == "binary-values" {
			continue // two distinct values: tested as categorical
		}
		t.Run(c.Name, func(t *testing.T) {
			d := runDriftJSON(t, "--reference", writeColumn(t, "ref.csv", "x", c.Ref),
				"--current", writeColumn(t, "cur.csv", "x", c.Cur))
			col := d.Columns[0]
			if col.Kind != "numeric" || col.Method != "exact" {
				t.Fatalf("kind %s method %s", col.Kind, col.Method)
			}
			if !near(col.KS, c.KS, 0, 1e-12) || !near(col.KSP, c.KSP, 1e-6, 1e-300) {
				t.Errorf("KS %v p %v, want %v %v", *col.KS, *col.KSP, c.KS, c.KSP)
			}
			if !near(col.PSI, c.PSI10, 1e-9, 1e-15) || !near(col.Wasserstein, c.WassersteinNorm, 1e-9, 1e-15) {
				t.Errorf("PSI %v W %v, want %v %v", *col.PSI, *col.Wasserstein, c.PSI10, c.WassersteinNorm)
			}
		})
	}
	for _, c := range ref.Categorical {
		t.Run(c.Name, func(t *testing.T) {
			rows := func(m map[string]int) string {
				var b strings.Builder
				b.WriteString("colour\r\n")
				for k, n := range m {
					for range n {
						b.WriteString(k + "\r\n")
					}
				}
				return b.String()
			}
			d := runDriftJSON(t, "--reference", writeFile(t, "r.csv", rows(c.Ref)), "--current", writeFile(t, "c.csv", rows(c.Cur)))
			col := d.Columns[0]
			if col.Kind != "categorical" || !near(col.Chi2P, c.Chi2P, 1e-6, 1e-300) || !near(col.JS, c.JS, 1e-9, 1e-15) || !near(col.PSI, c.PSI, 1e-9, 1e-15) {
				t.Errorf("got %s chi2 p %v JS %v PSI %v; want %v %v %v", col.Kind, deref(col.Chi2P), deref(col.JS), deref(col.PSI), c.Chi2P, c.JS, c.PSI)
			}
		})
	}
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// TestDriftBinnedWithinBounds forces the binned path (a tiny exact limit)
// and checks it against the exact run of the same files.
func TestDriftBinnedWithinBounds(t *testing.T) {
	var r, c []float64
	for i := range 5000 {
		r = append(r, math.Sin(float64(i))*10+float64(i%7))
		c = append(c, math.Sin(float64(i)*1.3)*10+float64(i%5)+0.7)
	}
	rp, cp := writeColumn(t, "r.csv", "v", r), writeColumn(t, "c.csv", "v", c)
	ex := runDriftJSON(t, "--reference", rp, "--current", cp).Columns[0]
	bn := runDriftJSON(t, "--reference", rp, "--current", cp, "--exact-limit", "1000", "--bins", "500").Columns[0]
	if ex.Method != "exact" || bn.Method != "binned" {
		t.Fatalf("methods %s, %s", ex.Method, bn.Method)
	}
	if !(*bn.KS <= *ex.KS+1e-12 && *ex.KS <= *bn.KSUpper+1e-12) {
		t.Errorf("exact KS %g outside binned [%g, %g]", *ex.KS, *bn.KS, *bn.KSUpper)
	}
	if math.Abs(*bn.Wasserstein-*ex.Wasserstein) > *bn.WBound+1e-9 {
		t.Errorf("Wasserstein %g vs exact %g, bound %g", *bn.Wasserstein, *ex.Wasserstein, *bn.WBound)
	}
}

// TestDriftDiscreteExactAtAnySize: a numeric column with few distinct
// values is exact beyond the exact limit, from its value counts.
func TestDriftDiscreteExactAtAnySize(t *testing.T) {
	var r, c []float64
	for i := range 4000 {
		r = append(r, float64(i%37))
		c = append(c, float64((i*7)%41))
	}
	rp, cp := writeColumn(t, "r.csv", "n", r), writeColumn(t, "c.csv", "n", c)
	small := runDriftJSON(t, "--reference", rp, "--current", cp, "--exact-limit", "100").Columns[0]
	whole := runDriftJSON(t, "--reference", rp, "--current", cp).Columns[0]
	if small.Method != "exact" || *small.KS != *whole.KS || *small.KSP != *whole.KSP || *small.PSI != *whole.PSI ||
		!near(small.Wasserstein, *whole.Wasserstein, 1e-9, 0) {
		t.Errorf("from counts: %s KS %v p %v PSI %v; from values: KS %v p %v PSI %v", small.Method,
			*small.KS, *small.KSP, *small.PSI, *whole.KS, *whole.KSP, *whole.PSI)
	}
}

// TestDriftRealFiles feeds the quirks of real files: CRLF and a BOM, a
// semicolon separator, quoted fields with separators and line breaks,
// blanks and NA spellings, a numeric-looking column with text, GB18030.
func TestDriftRealFiles(t *testing.T) {
	ref := "\ufeffid;amount;city;note\r\n"
	cur := "id;amount;city;note\r\n"
	for i := range 60 {
		amount := strconv.Itoa(100 + i%17)
		if i%10 == 0 {
			amount = ""
		}
		ref += strconv.Itoa(i) + ";" + amount + ";\"Paris; FR\";\"line\r\nbreak\"\r\n"
		camount := strconv.Itoa(140 + i%13)
		if i%15 == 0 {
			camount = "NA"
		}
		city := "\"Paris; FR\""
		if i%2 == 0 {
			city = "Lyon"
		}
		id := strconv.Itoa(i)
		if i == 42 {
			id = "n/42"
		}
		cur += id + ";" + camount + ";" + city + ";x\r\n"
	}
	d := runDriftJSON(t, "--reference", writeFile(t, "ref.csv", ref), "--current", writeFile(t, "cur.csv", cur))
	if d.RefRows != 60 || d.CurRows != 60 {
		t.Fatalf("rows %d/%d, want 60/60", d.RefRows, d.CurRows)
	}
	byName := map[string]int{}
	for i, c := range d.Columns {
		byName[c.Name] = i
	}
	amount := d.Columns[byName["amount"]]
	if amount.Kind != "numeric" || amount.RefMiss != 6 || amount.CurMiss != 4 || !amount.Drifted {
		t.Errorf("amount: %+v", amount)
	}
	id := d.Columns[byName["id"]]
	if id.Kind != "categorical" || !strings.Contains(id.Note, `line 44 has "n/42"`) {
		t.Errorf("id: kind %s note %q", id.Kind, id.Note)
	}
	if city := d.Columns[byName["city"]]; city.Kind != "categorical" || !city.Drifted {
		t.Errorf("city: %+v", city)
	}

	// GB18030, detected: a Chinese category column.
	gb := func(s string) string { // 北京 / 上海 in GB18030
		return strings.NewReplacer("北京", "\xb1\xb1\xbe\xa9", "上海", "\xc9\xcf\xba\xa3", "城市", "\xb3\xc7\xca\xd0").Replace(s)
	}
	var r2, c2 strings.Builder
	r2.WriteString(gb("城市\n"))
	c2.WriteString(gb("城市\n"))
	for i := range 40 {
		r2.WriteString(gb([]string{"北京", "上海"}[i%2] + "\n"))
		c2.WriteString(gb([]string{"北京", "上海", "上海"}[i%3] + "\n"))
	}
	d = runDriftJSON(t, "--reference", writeFile(t, "r.csv", r2.String()), "--current", writeFile(t, "c.csv", c2.String()), "--columns", "城市")
	if len(d.Columns) != 1 || d.Columns[0].Name != "城市" || d.Columns[0].Kind != "categorical" {
		t.Errorf("GB18030: %+v", d.Columns)
	}
}

func TestDriftErrors(t *testing.T) {
	good := writeFile(t, "good.csv", "a,b\n1,x\n2,y\n")
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no flags", nil, 2, "--reference and --current are required"},
		{"bad format", []string{"--reference", good, "--current", good, "--format", "xml"}, 2, "--format"},
		{"bad test", []string{"--reference", good, "--current", good, "--numeric-test", "t"}, 2, "numeric test"},
		{"bad separator", []string{"--reference", good, "--current", good, "--separator", "|"}, 2, "--separator"},
		{"missing file", []string{"--reference", good, "--current", "/nonexistent.csv"}, 1, "nonexistent.csv"},
		{"short row", []string{"--reference", good, "--current", writeFile(t, "bad.csv", "a,b\n1,x\n2\n")}, 1, "line 3"},
		{"stray quote", []string{"--reference", writeFile(t, "q.csv", "a,b\n1,x\"y\n"), "--current", good}, 1, "q.csv: line 2"},
		{"bad UTF-8", []string{"--reference", good, "--current", writeFile(t, "u.csv", "a,b\n1,x\n2,\xff\n"), "--encoding", "utf-8"}, 1, "line 3"},
		{"no such column", []string{"--reference", good, "--current", good, "--columns", "zzz"}, 2, `"zzz"`},
		{"named column missing from current", []string{"--reference", good, "--current", writeFile(t, "o.csv", "a,c\n1,x\n"), "--columns", "a,b"}, 2, `"b"`},
		{"no rows", []string{"--reference", writeFile(t, "e.csv", "a,b\n"), "--current", good}, 1, "no data rows"},
		{"empty file", []string{"--reference", good, "--current", writeFile(t, "z.csv", "")}, 1, "z.csv: empty file: no header line"},
		{"unclosed quote", []string{"--reference", good, "--current", writeFile(t, "uq.csv", "a,b\n1,x\n2,\"y\n3,z\n")}, 1,
			"uq.csv: line 3: malformed record: a quoted field opened on line 3 is never closed: it runs to the end of the file (line 4)"},
		{"a directory", []string{"--reference", good, "--current", t.TempDir()}, 1, "is a directory, not a file; name the data file in it"},
		{"gzip file named .csv", []string{"--reference", writeFile(t, "g.csv", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03K\xd4I\xe2\x02\x00"), "--current", good}, 1,
			"g.csv: malformed record: the file is gzip-compressed, not text; decompress it first"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, append([]string{"drift"}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, c.code, c.want)
			}
		})
	}
}

// TestDriftRefusesBadThresholds: a threshold flag the run cannot honour
// is a usage error (exit 2) naming the flag, before any file is read or
// anything allocated: no cap on the bins ran out of memory, a 0 ran with
// the default instead, an infinity broke the JSON report afterwards.
func TestDriftRefusesBadThresholds(t *testing.T) {
	good := writeFile(t, "good.csv", "a,b\n1,x\n2,y\n")
	for _, c := range []struct {
		flag, value, want string
	}{
		{"--bins", "2000000000", "--bins 2000000000: want 10 to 1000000"},
		{"--bins", "1000001", "--bins 1000001"},
		{"--bins", "9", "--bins 9"},
		{"--psi-bins", "2000000000", "--psi-bins 2000000000: want 2 to 1000"},
		{"--psi-bins", "0", "--psi-bins 0"},
		{"--psi-bins", "1", "--psi-bins 1"},
		{"--p-value", "0", "--p-value 0: want a finite number above 0"},
		{"--p-value", "-0.1", "--p-value -0.1"},
		{"--p-value", "1", "p-value threshold 1: want between 0 and 1"},
		{"--share", "0", "--share 0"},
		{"--share", "NaN", "--share NaN"},
		{"--small-sample", "-1", "--small-sample -1: want at least 1"},
		{"--small-sample", "0", "--small-sample 0"},
		{"--psi-drift", "Inf", "--psi-drift +Inf: want a finite number above 0"},
		{"--psi-warn", "0", "--psi-warn 0"},
		{"--wasserstein", "Inf", "--wasserstein +Inf"},
		{"--wasserstein", "-1", "--wasserstein -1"},
		{"--js", "0", "--js 0"},
		{"--js", "0.9", "at most √ln 2"},
		{"--missing-rise", "0", "--missing-rise 0: want a finite number above 0"},
		{"--missing-rise", "-0.1", "--missing-rise -0.1"},
		{"--missing-rise", "NaN", "--missing-rise NaN"},
		{"--missing-rise", "1.5", "--missing-rise 1.5: want a share of rows, above 0 and at most 1"},
	} {
		t.Run(c.flag+" "+c.value, func(t *testing.T) {
			code, out, errOut := runCLI(t, "drift", "--format", "json", "--reference", good, "--current", good, c.flag, c.value)
			if code != 2 || !strings.Contains(errOut, c.want) || out != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want exit 2 mentioning %q", code, errOut, out, c.want)
			}
		})
	}
	// The bounds themselves run.
	if code, _, errOut := runCLI(t, "drift", "--reference", good, "--current", good, "--bins", "1000000", "--psi-bins", "1000", "--small-sample", "1", "--missing-rise", "1"); code != 0 {
		t.Errorf("bounds: exit %d: %s", code, errOut)
	}
}

func TestDriftTextAndHTML(t *testing.T) {
	ref := writeFile(t, "r.csv", "x,c\n1,a\n2,b\n3,a\n4,b\n5,a\n6,c\n7,a\n")
	cur := writeFile(t, "c.csv", "x,c\n10,a\n12,b\n13,<b>\n14,b\n15,a\n16,c\n17,a\n")
	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur)
	if code != 0 || !strings.Contains(out, "Dataset drift: YES") || !strings.Contains(out, "DRIFT") {
		t.Errorf("text: exit %d\n%s%s", code, out, errOut)
	}
	// The table says which figure decides, with the thresholds in force:
	// a PSI graded "stable" beside DRIFT is the PSI beside the test.
	code, out, _ = runCLI(t, "drift", "--reference", ref, "--current", cur, "--wasserstein", "0.3", "--psi-drift", "0.4")
	for _, s := range []string{"PSI grade", "drift is each column's test: wasserstein (distance ÷ reference std) ≥ 0.3,", "stable < 0.1 ≤ warn < 0.4 ≤ drift"} {
		if code != 0 || !strings.Contains(out, s) {
			t.Errorf("text with thresholds: exit %d, no %q in\n%s", code, s, out)
		}
	}
	code, out, _ = runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", "html")
	if code != 0 || strings.Count(out, "<svg") != 2 || !strings.Contains(out, "&lt;b&gt;") {
		t.Errorf("html: exit %d, %d charts, escaped %v", code, strings.Count(out, "<svg"), strings.Contains(out, "&lt;b&gt;"))
	}
	for _, ext := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(out, ext) {
			t.Errorf("html report not self-contained: has %q", ext)
		}
	}
	code, _, errOut = runCLI(t, "drift", "-h")
	if code != 0 || !strings.Contains(errOut, "Parquet") || !strings.Contains(errOut, "--exact-limit") {
		t.Errorf("help: exit %d\n%s", code, errOut)
	}
}
