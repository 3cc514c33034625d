package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/lodestar-hq/lodestar/internal/engine/stats"
)

// runABTest runs `lodestar abtest args…` in-process.
func runABTest(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"abtest"}, args...), &out, &errb, noEnv)
	return code, out.String(), errb.String()
}

func writeABTestFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func abtestJSON(t *testing.T, args ...string) abtestReport {
	t.Helper()
	code, out, errs := runABTest(t, append(args, "--format", "json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep abtestReport
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	return rep
}

func closeTo(a, b, rel float64) bool { return math.Abs(a-b) <= rel*math.Max(math.Abs(b), 1e-300) }

// TestABTestMatchesScipy feeds the per-variant sums of the stats engine's
// reference cases through the CLI and checks the p-values against scipy's
// ttest_ind_from_stats, to the engine's 1e-9.
func TestABTestMatchesScipy(t *testing.T) {
	b, err := os.ReadFile("../../internal/engine/stats/testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Welch []struct {
			Name               string
			Alpha              float64
			Control, Treatment struct {
				N          int64
				Sum        float64
				SumSquares float64 `json:"sum_squares"`
			}
			FromStats struct {
				Statistic, PValue float64
			} `json:"from_stats"`
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	for _, c := range ref.Welch {
		if c.Name == "identical_means" {
			continue // p = 1 exactly; covered in the engine
		}
		file := fmt.Sprintf("variant,n,sum,sum_squares\ncontrol,%d,%.17g,%.17g\ntreatment,%d,%.17g,%.17g\n",
			c.Control.N, c.Control.Sum, c.Control.SumSquares, c.Treatment.N, c.Treatment.Sum, c.Treatment.SumSquares)
		rep := abtestJSON(t, "--data", writeABTestFile(t, c.Name+".csv", file), "--alpha", fmt.Sprint(c.Alpha))
		got := rep.Comparisons[0]
		if !closeTo(got.Statistic, c.FromStats.Statistic, 1e-9) || !closeTo(got.PValue, c.FromStats.PValue, 1e-9) {
			t.Errorf("%s: t = %.17g, p = %.17g; scipy t = %.17g, p = %.17g",
				c.Name, got.Statistic, got.PValue, c.FromStats.Statistic, c.FromStats.PValue)
		}
	}
}

// TestABTestObservationsEqualSummaries checks that raw observations and the
// same data's per-variant sums give the same analysis.
func TestABTestObservationsEqualSummaries(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var raw strings.Builder
	raw.WriteString("user,variant,value\n")
	sums := map[string]*stats.Summary{"old": {}, "new": {}, "newer": {}}
	order := []string{"old", "new", "newer"}
	for i := range 3000 {
		v := order[i%3]
		x := math.Round((20+r.NormFloat64()*5+float64(i%3))*100) / 100
		fmt.Fprintf(&raw, "u%d,%s,%.2f\n", i, v, x)
		sums[v].Add(x)
	}
	var agg strings.Builder
	agg.WriteString("variant,n,sum,sum_squares\n")
	for _, v := range order {
		s := sums[v]
		// Plain sums, as an exporting database would write them.
		plainSum := s.Sum + float64(s.N)*s.Shift
		plainSq := s.SumSq + 2*s.Shift*s.Sum + float64(s.N)*s.Shift*s.Shift
		fmt.Fprintf(&agg, "%s,%d,%.17g,%.17g\n", v, s.N, plainSum, plainSq)
	}
	a := abtestJSON(t, "--data", writeABTestFile(t, "raw.csv", raw.String()))
	b := abtestJSON(t, "--data", writeABTestFile(t, "agg.csv", agg.String()))
	if a.Layout != "observations" || b.Layout != "summary" || len(a.Comparisons) != 2 || len(b.Comparisons) != 2 {
		t.Fatalf("layouts %s/%s, comparisons %d/%d", a.Layout, b.Layout, len(a.Comparisons), len(b.Comparisons))
	}
	for i := range a.Comparisons {
		x, y := a.Comparisons[i], b.Comparisons[i]
		if x.Variant != y.Variant || x.Control != "old" || !closeTo(x.PValue, y.PValue, 1e-9) ||
			!closeTo(x.Difference.CILow, y.Difference.CILow, 1e-9) || !closeTo(*x.DF, *y.DF, 1e-9) {
			t.Errorf("comparison %d differs:\n raw %+v\n agg %+v", i, x, y)
		}
	}
}

func TestABTestProportions(t *testing.T) {
	var raw strings.Builder
	raw.WriteString("variant,converted\r\n")
	for i := range 2000 {
		v, conv := "A", (i/2)%10 == 0 // 100 of 1000
		if i%2 == 1 {
			v, conv = "B", (i/2)%7 == 0 // 143 of 1000
		}
		fmt.Fprintf(&raw, "%s,%d\r\n", v, map[bool]int{true: 1}[conv])
	}
	rep := abtestJSON(t, "--data", writeABTestFile(t, "conv.csv", raw.String()), "--metric", "proportion", "--column", "value=converted")
	want, err := stats.TwoProportions(stats.Count{N: 1000, Successes: 100}, stats.Count{N: 1000, Successes: 143}, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Comparisons[0]
	if c.Test != "two-proportion-z" || c.DF != nil || c.PValue != want.P || c.Statistic != want.Stat ||
		rep.Variants[1].Mean != 0.143 || c.Verdict != "ship" {
		t.Errorf("got %+v, want z %g p %g", c, want.Stat, want.P)
	}
	// The same counts as per-variant statistics, without sum_squares.
	agg := abtestJSON(t, "--data", writeABTestFile(t, "agg.csv", "variant,n,sum\nA,1000,100\nB,1000,143\n"), "--metric", "proportion")
	if agg.Comparisons[0].PValue != want.P {
		t.Errorf("aggregated p %g, want %g", agg.Comparisons[0].PValue, want.P)
	}
}

func TestABTestFormatsAndVerdicts(t *testing.T) {
	path := writeABTestFile(t, "s.csv",
		"variant,n,sum,sum_squares\nA,10000,50000,260000\nB,10000,50600,266000\nC,10000,49900,259500\n")
	code, out, errs := runABTest(t, "--data", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"A/B test: " + path + " (per-variant statistics; utf-8 detected, comma-separated)",
		"A (control)", "Sample ratio against an equal split, assumed (no --split given): chi-square = 0, df = 2, p = 1.0000: ok",
		"B vs A", "difference  +0.06  (95% CI", "relative    +1.20%", "Welch t = ", "verdict: SHIP: the primary metric is significantly better",
		"C vs A", "verdict: KEEP-RUNNING: no significant difference yet",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runABTest(t, "--data", path, "--format", "csv", "--min-sample", "10000", "--alpha", "0.01")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 3 {
		t.Fatalf("csv: exit %d, %v, %d rows:\n%s", code, err, len(recs), out)
	}
	if recs[0][0] != "variant" || recs[0][16] != "significant" || recs[1][0] != "B" || recs[2][19] != "do-not-ship" {
		t.Errorf("csv rows %q", recs)
	}
	rep := abtestJSON(t, "--data", path, "--lower-is-better")
	if rep.Comparisons[0].Verdict != "do-not-ship" || !rep.LowerIsBetter {
		t.Errorf("lower is better: B's increase should not ship: %+v", rep.Comparisons[0])
	}
	// Every JSON key is snake_case.
	_, out, _ = runABTest(t, "--data", path, "--format", "json")
	var generic map[string]any
	if err := json.Unmarshal([]byte(out), &generic); err != nil {
		t.Fatal(err)
	}
	checkSnake(t, generic)
}

func checkSnake(t *testing.T, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if k != strings.ToLower(k) || strings.ContainsAny(k, " -") {
				t.Errorf("JSON key %q is not snake_case", k)
			}
			checkSnake(t, x)
		}
	case []any:
		for _, x := range v {
			checkSnake(t, x)
		}
	}
}

func TestABTestSampleRatioMismatch(t *testing.T) {
	path := writeABTestFile(t, "s.csv", "variant,n,sum\nA,9000,900\nB,1000,130\n")
	rep := abtestJSON(t, "--data", path, "--metric", "proportion", "--split", "90,10")
	if rep.SRM.Mismatch || rep.SRM.ExpectedShare[0] != 0.9 {
		t.Errorf("a 90/10 split that was planned is no mismatch: %+v", rep.SRM)
	}
	rep = abtestJSON(t, "--data", path, "--metric", "proportion")
	if !rep.SRM.Mismatch || rep.Comparisons[0].Verdict != "do-not-ship" || !strings.Contains(rep.Comparisons[0].Reason, "sample ratio mismatch") {
		t.Errorf("90/10 against an equal split: %+v %+v", rep.SRM, rep.Comparisons[0])
	}
}

// TestABTestHugeSplit: shares are a ratio, whatever their scale. 1e308,5e307
// is 2:1; its sum overflowed, the sample-ratio p-value was NaN, the check
// read "ok" and the verdict "ship" (and JSON could not be written).
func TestABTestHugeSplit(t *testing.T) {
	planned := writeABTestFile(t, "p.csv", "variant,n,sum\nA,6670,667\nB,3330,433\n")
	want := abtestJSON(t, "--data", planned, "--metric", "proportion", "--split", "2,1")
	got := abtestJSON(t, "--data", planned, "--metric", "proportion", "--split", "1e308,5e307")
	if got.SRM.Mismatch || got.SRM.PValue != want.SRM.PValue || got.SRM.ExpectedShare[1] != want.SRM.ExpectedShare[1] || want.SRM.Mismatch {
		t.Errorf("1e308,5e307: %+v; 2,1: %+v", got.SRM, want.SRM)
	}
	skewed := writeABTestFile(t, "s.csv", "variant,n,sum\nA,9000,900\nB,1000,130\n")
	for _, format := range []string{"json", "text"} {
		code, out, errs := runABTest(t, "--data", skewed, "--metric", "proportion", "--split", "1e308,5e307", "--format", format)
		if code != 0 || !strings.Contains(strings.ToLower(out), "do-not-ship") || strings.Contains(out, "NaN") {
			t.Errorf("%s: a 90/10 allocation against a 2:1 plan: exit %d %s\n%s", format, code, errs, out)
		}
	}
	code, _, errs := runABTest(t, "--data", skewed, "--split", "1e308,1e-308")
	if code != 2 || !strings.Contains(errs, `--split "1e308,1e-308": the shares are too far apart`) {
		t.Errorf("shares too far apart: exit %d %s", code, errs)
	}
}

// TestABTestRealWorldFile reads an Excel-style export: GB18030, semicolons,
// CRLF, a quoted field with the separator, a blank and a duplicated header.
func TestABTestRealWorldFile(t *testing.T) {
	text := "用户;组别;金额;金额;\r\n" +
		"1;对照组;10.5;0;x\r\n" +
		"2;实验组;11.5;0;\"a;b\"\r\n" +
		"3;对照组;9.5;0;\r\n" +
		"4;实验组;12.5;0;\r\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	path := writeABTestFile(t, "export.csv", gb)

	code, _, errs := runABTest(t, "--data", path, "--column", "variant=组别", "--column", "value=金额")
	if code != 1 || !strings.Contains(errs, `"金额" is the name of columns #3, #4; select one by position, e.g. #3 (pass --column value=#N)`) {
		t.Errorf("ambiguous column: exit %d, %s", code, errs)
	}
	rep := abtestJSON(t, "--data", path, "--column", "variant=组别", "--column", "value=#3")
	if rep.Encoding != "gb18030" || rep.Separator != "semicolon" || rep.Variants[0].Name != "对照组" ||
		rep.Variants[0].Mean != 10 || rep.Variants[1].Mean != 12 {
		t.Errorf("read %+v", rep)
	}
	code, _, errs = runABTest(t, "--data", path, "--column", "variant=组别", "--column", "value=#3", "--encoding", "utf-8")
	if code != 1 || !strings.Contains(errs, "line 1: invalid text encoding") {
		t.Errorf("GB18030 read as UTF-8: exit %d, %s", code, errs)
	}
}

func TestABTestBadFiles(t *testing.T) {
	cases := []struct {
		name, file string
		args       []string
		msg        string
	}{
		{"no such file", "", nil, "no such file"},
		{"missing column", "variant,amount\nA,1\n", nil, `missing column value: the file needs variant,n,sum,sum_squares (one row per variant) or variant,value (one row per observation); its columns are "variant", "amount"`},
		{"missing sum_squares", "variant,n,sum\nA,10,5\nB,10,6\n", nil, "missing column sum_squares, which --metric mean needs"},
		{"no variant column", "group,value\nA,1\n", nil, "missing column variant"},
		{"non-numeric value", "variant,value\nA,1\nB,2\nA,abc\n", nil, `line 4, column #2 "value": "abc" is not a number`},
		{"decimal comma", "variant;value\nA;1,5\n", nil, `line 2, column #2 "value": "1,5" is not a number (write decimals with '.'`},
		{"empty value", "variant,value\nA,1\nB,\n", nil, `line 3, column #2 "value": the value is empty`},
		{"infinite value", "variant,value\nA,1\nB,Inf\n", nil, "is not a finite number"},
		{"empty variant", "variant,value\nA,1\n ,2\n", nil, `line 3, column #1 "variant": the variant name is empty`},
		{"n < 2 in observations", "variant,value\nA,1\nA,2\nB,3\n", nil, `variant "B" has n = 1; each variant needs at least 2 observations`},
		{"n < 2 in statistics", "variant,n,sum,sum_squares\nA,10,5,5\nB,1,3,9\n", nil, `line 3: variant "B" has n = 1`},
		{"fractional n", "variant,n,sum,sum_squares\nA,10.5,5,5\n", nil, `line 2, column #2 "n": n = 10.5 must be a whole number`},
		{"negative n", "variant,n,sum,sum_squares\nA,-3,5,5\n", nil, "must be a whole number of units, 0 or more"},
		{"impossible sum of squares", "variant,n,sum,sum_squares\nA,10,50,100\nB,10,5,5\n", nil, `line 2: variant "A": invalid input: sum of squares 100 is less than sum²/n`},
		{"duplicate variant", "variant,n,sum,sum_squares\nA,10,5,5\nA,10,5,5\n", nil, `variant "A" appears again (first on line 2)`},
		{"one variant", "variant,value\nA,1\nA,2\n", nil, `found 1 variant(s) "A"`},
		{"ragged row", "variant,value\nA,1\nB,2,3\n", nil, "line 3: malformed record: 3 fields, but the header has 2"},
		{"not 0/1", "variant,value\nA,1\nB,0.5\n", []string{"--metric", "proportion"}, `line 3, column #2 "value": value 0.5 is not 0 or 1`},
		{"conversions above n", "variant,n,sum\nA,10,11\nB,10,5\n", []string{"--metric", "proportion"}, `line 2, column #3 "sum": sum = 11 must count the conversions`},
		{"sum_squares not 0/1", "variant,n,sum,sum_squares\nA,10,5,7\nB,10,5,5\n", []string{"--metric", "proportion"}, "sum_squares = 7 differs from sum = 5"},
		{"no variation", "variant,n,sum\nA,10,0\nB,10,0\n", []string{"--metric", "proportion"}, `comparing "B" with the control "A": zero variance`},
		{"both constant", "variant,value\nA,1\nA,1\nB,2\nB,2\n", nil, "both groups are constant"},
		{"bad column flag target", "variant,value\nA,1\n", []string{"--column", "value=#9"}, "--column value=#9"},
		{"utf-16", "\xff\xfev\x00a\x00r\x00\n\x00", nil, "the file is UTF-16"},
		{"CR line ends", "variant,value\rA,1\rB,2\r", nil, "lines end in CR alone"},
		{"separator tie", "variant;value,x\nA;1,2\n", nil, "cannot tell the separator"},
		{"stray quote", "variant,value\nA,1\nB,2\"5\n", nil, "line 3: malformed record: a double quote inside an unquoted field"},
		{"blank header named by position", "variant,\nA,1\nB,2\n", nil, `its columns are "variant", "column_2"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "missing.csv")
			if c.file != "" {
				path = writeABTestFile(t, "data.csv", c.file)
			}
			code, out, errs := runABTest(t, append([]string{"--data", path}, c.args...)...)
			if code != 1 || out != "" || !strings.Contains(errs, c.msg) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1 with %q", code, out, errs, c.msg)
			}
		})
	}
}

func TestABTestUsage(t *testing.T) {
	path := writeABTestFile(t, "s.csv", "variant,n,sum\nA,10,1\nB,10,2\n")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{nil, "abtest: --data is required"},
		{[]string{"--data", path, "--alpha", "1.5"}, "--alpha 1.5: want a number between 0 and 1"},
		{[]string{"--data", path, "--metric", "median"}, `--metric "median": want mean or proportion`},
		{[]string{"--data", path, "--format", "xml"}, `--format "xml"`},
		{[]string{"--data", path, "--split", "50"}, "want one share per variant"},
		{[]string{"--data", path, "--split", "50,x"}, "want positive numbers"},
		{[]string{"--data", path, "--split", "50,30,20", "--metric", "proportion"}, "--split has 3 shares but"},
		{[]string{"--data", path, "--column", "price=#2"}, `unknown role "price"`},
		{[]string{"--data", path, "--column", "value"}, "want ROLE=COL"},
		{[]string{"--data", path, "--separator", "|"}, `--separator "|"`},
		{[]string{"--data", path, "--min-sample", "-1"}, "--min-sample -1"},
		{[]string{"--data", path, "extra"}, `unexpected argument "extra"`},
		{[]string{"--data", path, "--rho", "0.1"}, "--sequential-n and --rho tune --sequential; add --sequential"},
		{[]string{"--data", path, "--sequential-n", "500"}, "add --sequential"},
		{[]string{"--data", path, "--sequential", "--rho", "0.1", "--sequential-n", "500"}, "give --sequential-n or --rho, not both"},
		{[]string{"--data", path, "--sequential", "--rho", "-0.1"}, "--rho -0.1: want a positive number"},
		{[]string{"--data", path, "--sequential", "--rho", "NaN"}, "--rho NaN: want a positive number"},
		{[]string{"--data", path, "--sequential", "--rho", "0"}, "--rho 0: want a positive number (leave it out for the default)"},
		{[]string{"--data", path, "--sequential", "--sequential-n", "0"}, "--sequential-n 0: want a positive number"},
		{[]string{"--data", path, "--sequential", "--sequential-n", "-5"}, "--sequential-n -5: want a positive number of units"},
	} {
		code, _, errs := runABTest(t, c.args...)
		if code != 2 || !strings.Contains(errs, c.msg) {
			t.Errorf("%q: exit %d, %s; want exit 2 with %q", c.args, code, errs, c.msg)
		}
	}
	code, _, errs := runABTest(t, "-h")
	if code != 0 || !strings.Contains(errs, "variant,n,sum,sum_squares") || !strings.Contains(errs, "-column") ||
		!strings.Contains(errs, "-sequential-n") || !strings.Contains(errs, "default N is 10000") ||
		!strings.Contains(errs, "asks for the column by position") || !strings.Contains(errs, "CRLF") {
		t.Errorf("-h: exit %d:\n%s", code, errs)
	}
}

// BenchmarkABTestObservations runs the whole command over a file of raw
// observations: parsing, streaming accumulation and the analysis. Set
// LODESTAR_BENCH_ROWS for a larger file (the figure is for 100M).
func BenchmarkABTestObservations(b *testing.B) {
	rows := 2_000_000
	if s := os.Getenv("LODESTAR_BENCH_ROWS"); s != "" {
		fmt.Sscan(s, &rows)
	}
	path := filepath.Join(b.TempDir(), "obs.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bytes.NewBuffer(nil)
	w.WriteString("variant,value\n")
	r := rand.New(rand.NewPCG(3, 3))
	for i := range rows {
		v := "control"
		if i%2 == 1 {
			v = "treatment"
		}
		fmt.Fprintf(w, "%s,%.3f\n", v, 20+5*r.NormFloat64())
		if w.Len() > 1<<20 {
			f.Write(w.Bytes())
			w.Reset()
		}
	}
	f.Write(w.Bytes())
	f.Close()
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		if code, _, errs := runABTest(b, "--data", path, "--format", "json"); code != 0 {
			b.Fatal(errs)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/elapsed.Seconds(), "rows/s")
}

// TestABTestSequentialMatchesReference runs each look of the stats engine's
// confidence-sequence reference cases (computed in numpy by
// make_reference.py) through the CLI as per-variant sums, and checks the
// interval and the look's p-value.
func TestABTestSequentialMatchesReference(t *testing.T) {
	b, err := os.ReadFile("../../internal/engine/stats/testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	type sums struct {
		N          int64
		Sum        float64
		SumSquares float64 `json:"sum_squares"`
	}
	var ref struct {
		Sequential []struct {
			Name    string
			Alpha   float64
			TargetN int64   `json:"target_n"`
			Rho     float64 `json:"rho"`
			Looks   []struct {
				Control, Treatment sums
				Estimate           float64
				Lo                 float64 `json:"ci_low"`
				Hi                 float64 `json:"ci_high"`
				PValue             float64 `json:"pvalue"`
			}
		}
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, c := range ref.Sequential {
		for i, l := range c.Looks {
			file := fmt.Sprintf("variant,n,sum,sum_squares\ncontrol,%d,%.17g,%.17g\ntreatment,%d,%.17g,%.17g\n",
				l.Control.N, l.Control.Sum, l.Control.SumSquares, l.Treatment.N, l.Treatment.Sum, l.Treatment.SumSquares)
			rep := abtestJSON(t, "--data", writeABTestFile(t, "look.csv", file), "--alpha", fmt.Sprint(c.Alpha),
				"--sequential", "--sequential-n", fmt.Sprint(c.TargetN))
			if rep.Sequential == nil || !closeTo(rep.Sequential.Rho, c.Rho, 1e-12) || rep.Sequential.TargetN != c.TargetN ||
				rep.Sequential.RhoFrom != "sequential-n" {
				t.Fatalf("%s: set-up %+v, want rho %g", c.Name, rep.Sequential, c.Rho)
			}
			got := rep.Comparisons[0].Sequential
			// Plain sums lose a little of the variance to cancellation; the
			// bounds are compared relative to the interval's half-width.
			half := (l.Hi - l.Lo) / 2
			if got == nil || math.Abs(got.CSLow-l.Lo) > 1e-8*half || math.Abs(got.CSHigh-l.Hi) > 1e-8*half ||
				math.Abs(got.PValue-l.PValue) > 1e-8*math.Max(l.PValue, 1e-300) {
				t.Errorf("%s look %d: got %+v; numpy [%.17g, %.17g] p %.17g", c.Name, i, got, l.Lo, l.Hi, l.PValue)
				continue
			}
			if got.ExcludesZero != (l.Lo > 0 || l.Hi < 0) || got.N != l.Control.N+l.Treatment.N {
				t.Errorf("%s look %d: excludes_zero %v, n %d", c.Name, i, got.ExcludesZero, got.N)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Errorf("checked %d looks, want every reference look", checked)
	}
}

// TestABTestSequential checks what --sequential adds: the verdict follows
// the always-valid interval (so a clear win may stop before the planned
// sample, and a difference the fixed-horizon test calls significant may
// not be established yet), the tuning parameter's sources, proportions,
// and the warning for small samples.
func TestABTestSequential(t *testing.T) {
	// B's lift has a fixed-horizon p of about 0.006 but is not yet outside
	// the wider always-valid interval.
	weak := writeABTestFile(t, "weak.csv", "variant,n,sum,sum_squares\nA,5000,25000,130000\nB,5000,25275,132780\n")
	fixed := abtestJSON(t, "--data", weak)
	seq := abtestJSON(t, "--data", weak, "--sequential")
	if c := fixed.Comparisons[0]; !c.Significant || c.Verdict != "ship" || c.Sequential != nil || fixed.Sequential != nil {
		t.Fatalf("fixed horizon: %+v", c)
	}
	c := seq.Comparisons[0]
	if c.Sequential == nil || c.Sequential.ExcludesZero || c.Sequential.PValue < 0.05 || c.Verdict != "keep-running" ||
		!strings.Contains(c.Reason, "always-valid p") || !c.Significant {
		t.Errorf("sequential on a weak lift: %+v %+v", c, c.Sequential)
	}
	if c.Sequential.CSLow > c.Difference.CILow || c.Sequential.CSHigh < c.Difference.CIHigh {
		t.Errorf("the confidence sequence [%g, %g] should be wider than the fixed interval [%g, %g]",
			c.Sequential.CSLow, c.Sequential.CSHigh, c.Difference.CILow, c.Difference.CIHigh)
	}
	if s := seq.Sequential; s.RhoFrom != "default" || s.TargetN != stats.DefaultTargetN || !closeTo(s.Rho, 0.02866, 1e-3) {
		t.Errorf("default tuning %+v", s)
	}

	// A clear win below the planned sample: the fixed-horizon verdict waits,
	// the sequential one may stop; --min-sample also sets the target.
	strong := writeABTestFile(t, "strong.csv", "variant,n,sum,sum_squares\nA,2000,10000,52000\nB,2000,10600,58200\n")
	if c := abtestJSON(t, "--data", strong, "--min-sample", "5000").Comparisons[0]; c.Verdict != "keep-running" {
		t.Errorf("fixed horizon below the plan: %s (%s)", c.Verdict, c.Reason)
	}
	rep := abtestJSON(t, "--data", strong, "--min-sample", "5000", "--sequential")
	if c := rep.Comparisons[0]; c.Verdict != "ship" || !c.Sequential.ExcludesZero || c.Sequential.CSLow <= 0 {
		t.Errorf("sequential below the plan: %s (%s) %+v", c.Verdict, c.Reason, c.Sequential)
	}
	want, _ := stats.Rho(10000, 0.05)
	if s := rep.Sequential; s.RhoFrom != "min-sample" || s.TargetN != 10000 || s.Rho != want {
		t.Errorf("tuning from --min-sample: %+v, want rho %g", s, want)
	}
	// A harmful change is established too.
	if c := abtestJSON(t, "--data", strong, "--sequential", "--lower-is-better").Comparisons[0]; c.Verdict != "do-not-ship" {
		t.Errorf("lower is better: %s (%s)", c.Verdict, c.Reason)
	}

	// --rho directly; a larger rho is narrowest at a larger sample.
	r1 := abtestJSON(t, "--data", strong, "--sequential", "--rho", "0.01")
	r2 := abtestJSON(t, "--data", strong, "--sequential", "--rho", "0.05")
	if r1.Sequential.RhoFrom != "rho" || r1.Sequential.Rho != 0.01 || r1.Sequential.TargetN != 0 {
		t.Errorf("--rho: %+v", r1.Sequential)
	}
	if a, b := r1.Comparisons[0].Sequential, r2.Comparisons[0].Sequential; a.CSLow == b.CSLow || a.Estimate != b.Estimate {
		t.Errorf("rho should change the interval, not the estimate: %+v %+v", a, b)
	}

	// Proportions: the 0/1 outcomes' sums.
	conv := writeABTestFile(t, "conv.csv", "variant,n,sum\nA,4000,400\nB,4000,520\n")
	p := abtestJSON(t, "--data", conv, "--metric", "proportion", "--sequential")
	l, err := stats.ConfidenceSequence(stats.Summary{N: 4000, Sum: 400, SumSq: 400}, stats.Summary{N: 4000, Sum: 520, SumSq: 520}, 0.05, want)
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Comparisons[0].Sequential; s.CSLow != l.Lo || s.CSHigh != l.Hi || s.PValue != l.P || !s.ExcludesZero || s.Warning != "" {
		t.Errorf("proportions: %+v, want %+v", s, l)
	}

	// Small samples: a warning, in every format.
	small := writeABTestFile(t, "small.csv", "variant,n,sum,sum_squares\nA,40,200,1040\nB,40,260,1730\n")
	if s := abtestJSON(t, "--data", small, "--sequential").Comparisons[0].Sequential; !strings.Contains(s.Warning, "only 40 units") {
		t.Errorf("small sample warning: %q", s.Warning)
	}
	code, out, errs := runABTest(t, "--data", small, "--sequential")
	if code != 0 || !strings.Contains(out, "warning: only 40 units in the smaller variant") ||
		!strings.Contains(out, "Sequential: always-valid 95% confidence sequences, rho = 0.02866 (narrowest at 10000 units") {
		t.Errorf("text: exit %d %s\n%s", code, errs, out)
	}
	code, out, _ = runABTest(t, "--data", strong, "--sequential")
	if code != 0 || !strings.Contains(out, "always-valid 95% CS +") || !strings.Contains(out, "EXCLUDES 0: the difference is established") ||
		!strings.Contains(out, "(fixed-horizon 95% CI +") {
		t.Errorf("text:\n%s", out)
	}
	code, out, _ = runABTest(t, "--data", strong, "--sequential", "--format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 2 || recs[0][21] != "sequential_cs_low" || recs[1][24] != "true" {
		t.Errorf("csv: %v %q", err, recs)
	}
	code, out, _ = runABTest(t, "--data", strong, "--format", "csv")
	recs, err = csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs[1]) != 25 || recs[1][21] != "" {
		t.Errorf("csv without --sequential: %v %q", err, recs)
	}
}

func TestABTestSplitAssumedIsSaid(t *testing.T) {
	path := writeABTestFile(t, "s.csv", "variant,n,sum\nA,9000,900\nB,1000,130\n")
	code, out, _ := runABTest(t, "--data", path, "--metric", "proportion")
	if code != 0 || !strings.Contains(out, "against an equal split, assumed (no --split given)") || !strings.Contains(out, "If the split was planned unequal, give it with --split") {
		t.Errorf("assumed split:\n%s", out)
	}
	if rep := abtestJSON(t, "--data", path, "--metric", "proportion"); !rep.SRM.SplitAssumed {
		t.Errorf("split_assumed false without --split")
	}
	code, out, _ = runABTest(t, "--data", path, "--metric", "proportion", "--split", "90,10")
	if rep := abtestJSON(t, "--data", path, "--metric", "proportion", "--split", "90,10"); code != 0 || rep.SRM.SplitAssumed || !strings.Contains(out, "against the planned split") {
		t.Errorf("given split: %+v\n%s", rep.SRM, out)
	}
}

// TestABTestStdin reads the data from standard input with --data -.
func TestABTestStdin(t *testing.T) {
	path := writeABTestFile(t, "s.csv", "variant,n,sum\nA,1000,100\nB,1000,143\n")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	rep := abtestJSON(t, "--data", "-", "--metric", "proportion")
	if rep.Data != "-" || len(rep.Comparisons) != 1 || rep.Variants[1].N != 1000 {
		t.Errorf("stdin: %+v", rep)
	}
}
