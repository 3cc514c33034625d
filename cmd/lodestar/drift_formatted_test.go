package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// grouped writes v with its integer digits grouped in threes by sep and
// dec before its two decimals: 1234567.5 → "1,234,567.50".
func grouped(v float64, sep, dec string) string {
	s := fmt.Sprintf("%.2f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, fp, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, d := range ip {
		if i > 0 && (len(ip)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	out := b.String() + dec + fp
	if neg {
		out = "-" + out
	}
	return out
}

// TestDriftThousandsAndPercent: numbers written for people — digits
// grouped in threes by commas (by points with --decimal-comma), or a
// percentage — are numbers: the statistics are those of the same numbers
// written plainly, a percentage's value as written (12.5% is 12.5), and
// the note says how they were read. A column mixing percentages with
// plain numbers, a grouping that is not in threes, and a percentage that
// is not a number stay categorical.
func TestDriftThousandsAndPercent(t *testing.T) {
	var plainR, plainC strings.Builder
	forms := map[string]*[2]strings.Builder{"semicolon": {}, "decimal comma": {}, "quoted": {}, "percent": {}}
	plainR.WriteString("v\n")
	plainC.WriteString("v\n")
	for _, f := range forms {
		f[0].WriteString("v\n")
		f[1].WriteString("v\n")
	}
	for i := range 1200 {
		for side, v := range []float64{float64((i*7919)%100000)*13.37 - 200000, float64((i*104729)%100000)*14.01 - 150000} {
			b := &plainR
			if side == 1 {
				b = &plainC
			}
			fmt.Fprintf(b, "%.2f\n", v)
			fmt.Fprintf(&forms["semicolon"][side], "%s\n", grouped(v, ",", "."))
			fmt.Fprintf(&forms["decimal comma"][side], "%s\n", grouped(v, ".", ","))
			fmt.Fprintf(&forms["quoted"][side], "\"%s\"\n", grouped(v, ",", "."))
			fmt.Fprintf(&forms["percent"][side], "%.2f%%\n", v)
		}
	}
	want := runDriftJSON(t, "--reference", writeFile(t, "r.csv", plainR.String()), "--current", writeFile(t, "c.csv", plainC.String()))
	w := want.Columns[0]
	if w.Kind != "numeric" || w.Statistic == nil {
		t.Fatalf("plain numbers: %+v", w)
	}
	for name, f := range forms {
		args := []string{"--reference", writeFile(t, "r.csv", f[0].String()), "--current", writeFile(t, "c.csv", f[1].String())}
		if name == "decimal comma" {
			args = append(args, "--decimal-comma", "--separator", ";")
		}
		if name == "semicolon" {
			args = append(args, "--separator", ";")
		}
		got := runDriftJSON(t, args...)
		g := got.Columns[0]
		if g.Kind != "numeric" || g.Test != w.Test || g.Drifted != w.Drifted || !near(g.Statistic, *w.Statistic, 1e-12, 0) ||
			!near(g.PSI, *w.PSI, 1e-12, 0) || !near(g.KS, *w.KS, 1e-12, 0) || !near(g.Wasserstein, *w.Wasserstein, 1e-12, 0) {
			t.Errorf("%s: %s %s %v stat %v psi %v; plain: %s %s %v stat %v psi %v (note %q)", name,
				g.Kind, g.Test, g.Drifted, deref(g.Statistic), deref(g.PSI), w.Kind, w.Test, w.Drifted, deref(w.Statistic), deref(w.PSI), g.Note)
		}
		wantNote := "numbers with thousands separators"
		if name == "percent" {
			wantNote = `percentages, read as written: "-200000.00%" is -200000`
		}
		if !strings.Contains(g.Note, wantNote) {
			t.Errorf("%s: note %q lacks %q", name, g.Note, wantNote)
		}
	}
	// The note reads in Chinese too.
	pr, pc := writeFile(t, "pr.csv", forms["percent"][0].String()), writeFile(t, "pc.csv", forms["percent"][1].String())
	_, out, _ := runWith(zhEnvOf, "drift", "--reference", pr, "--current", pc)
	if !strings.Contains(out, `百分数，按所写读取："-200000.00%" 即 -200000`) {
		t.Errorf("Chinese report lacks the percent note:\n%s", out)
	}

	// Plain numbers among grouped ones are the same numbers.
	mixedGroups := writeFile(t, "mg.csv", "v\n\"1,234.5\"\n1234.5\n\"12,345\"\n17\n\"1,000,000\"\n3.25\n\"-2,500\"\n")
	if c := runDriftJSON(t, "--reference", mixedGroups, "--current", mixedGroups).Columns[0]; c.Kind != "numeric" {
		t.Errorf("grouped and plain numbers: %s, note %q; want numeric", c.Kind, c.Note)
	}
	for name, c := range map[string]struct {
		ref, cur, cell string
	}{
		"percentages and plain numbers in one file": {"v\n12%\n13%\n0.5\n14%\n15%\n16%\n17%\n", "v\n12%\n13%\n14%\n15%\n16%\n17%\n18%\n", `"0.5"`},
		"percentages against plain numbers":         {"v\n12%\n13%\n14%\n15%\n16%\n17%\n18%\n", "v\n12\n13\n14\n15\n16\n17\n18\n", `"12"`},
		"groups of two":                             {"v\n\"1,23,456\"\n\"2,34,567\"\n\"3,45,678\"\n", "v\n\"1,23,456\"\n\"2,34,567\"\n\"3,45,678\"\n", `"1,23,456"`},
		"a group of four":                           {"v\n\"1,2345\"\n\"2,345\"\n\"3,456\"\n", "v\n\"1,234\"\n\"2,345\"\n\"3,456\"\n", `"1,2345"`},
		"a percent sign alone":                      {"v\n12%\n%\n14%\n", "v\n12%\n13%\n14%\n", `"%"`},
	} {
		d := runDriftJSON(t, "--reference", writeFile(t, "r.csv", c.ref), "--current", writeFile(t, "c.csv", c.cur))
		if col := d.Columns[0]; col.Kind != "categorical" || !strings.Contains(col.Note, c.cell) {
			t.Errorf("%s: %s, note %q; want categorical naming %s", name, col.Kind, col.Note, c.cell)
		}
	}
	d := runDriftJSON(t, "--reference", writeFile(t, "r.csv", "v\n12%\n13%\n0.5\n14%\n"), "--current", writeFile(t, "c.csv", "v\n12%\n13%\n14%\n"))
	if note := d.Columns[0].Note; !strings.Contains(note, "percentages mixed with plain numbers") {
		t.Errorf("mixed percentages: note %q does not say so", note)
	}
}

// TestDriftLeadingZeros: a column with a number written with a leading
// zero before another digit (007, ZIP code 02134, an account number) is
// text — a code, not a quantity — and the ID-like rule then decides
// whether it is tested; 0.7, 0 and -0.5 are still numbers.
func TestDriftLeadingZeros(t *testing.T) {
	var zr, zc strings.Builder
	zr.WriteString("zip,amount\n")
	zc.WriteString("zip,amount\n")
	for i := range 200 {
		fmt.Fprintf(&zr, "%05d,%d.5\n", (i*7919)%99999, i%40)
		fmt.Fprintf(&zc, "%05d,%d.5\n", (i*104729+3)%99999, i%40)
	}
	d := runDriftJSON(t, "--reference", writeFile(t, "zr.csv", zr.String()), "--current", writeFile(t, "zc.csv", zc.String()))
	zip, amount := d.Columns[0], d.Columns[1]
	if zip.Kind != "categorical" || zip.Test != "none" || !strings.Contains(zip.Note, "id-like") || !strings.Contains(zip.Note, "a leading zero") {
		t.Errorf("ZIP codes: %s %s, note %q; want categorical, ID-like, not tested, the note naming the leading zero", zip.Kind, zip.Test, zip.Note)
	}
	if amount.Kind != "numeric" {
		t.Errorf("amount: %s, note %q; want numeric", amount.Kind, amount.Note)
	}
	// A code of few values is tested, as categories.
	codes := "c\n" + strings.Repeat("007\n010\n012\n", 30)
	other := "c\n" + strings.Repeat("007\n010\n010\n", 30)
	d = runDriftJSON(t, "--reference", writeFile(t, "r.csv", codes), "--current", writeFile(t, "c.csv", other))
	if c := d.Columns[0]; c.Kind != "categorical" || c.Test != "chi2" || !strings.Contains(c.Note, `"007", a number written with a leading zero`) {
		t.Errorf("codes: %s %s, note %q; want categorical, chi2, naming 007", c.Kind, c.Test, c.Note)
	}
	// The note reads in Chinese too.
	_, out, _ := runWith(zhEnvOf, "drift", "--reference", writeFile(t, "r.csv", codes), "--current", writeFile(t, "c.csv", other))
	if !strings.Contains(out, `为 "007"，是以 0 开头的数字（代码，按文本读取）`) {
		t.Errorf("Chinese report lacks the leading-zero note:\n%s", out)
	}
	// Only the current has them: text too.
	d = runDriftJSON(t, "--reference", writeFile(t, "r.csv", "c\n7\n10\n12\n7\n"), "--current", writeFile(t, "c.csv", "c\n007\n10\n12\n7\n"))
	if c := d.Columns[0]; c.Kind != "categorical" {
		t.Errorf("007 in the current only: %s; want categorical", c.Kind)
	}
	// A stray text cell and a stray leading zero, each within the share
	// a column of numbers may have (1 of 302 cells): numbers, the ? left
	// out and 0042 counted as 42 (see drift_leading_zeros_test.go); three
	// more (4 of 305 cells, over 1 in 100) make them codes.
	var sr strings.Builder
	sr.WriteString("c\n?\n")
	for i := range 300 {
		fmt.Fprintf(&sr, "%d\n", i%50+1)
	}
	sr.WriteString("0042\n")
	d = runDriftJSON(t, "--reference", writeFile(t, "r.csv", sr.String()), "--current", writeFile(t, "c.csv", sr.String()))
	if c := d.Columns[0]; c.Kind != "numeric" || c.RefCount != 301 {
		t.Errorf("0042 after a stray ?: %s, %d values, note %q; want numeric, 301 (0042 counted, ? left out)", c.Kind, c.RefCount, c.Note)
	}
	for range 3 {
		sr.WriteString("0042\n")
	}
	d = runDriftJSON(t, "--reference", writeFile(t, "r.csv", sr.String()), "--current", writeFile(t, "c.csv", sr.String()))
	if c := d.Columns[0]; c.Kind != "categorical" || !strings.Contains(c.Note, `line 303 has "0042", a number written with a leading zero`) {
		t.Errorf("4 of 0042 in 305 cells: %s, note %q; want categorical, naming line 303's 0042", c.Kind, c.Note)
	}
	// Codes whose first leading zero comes after more than 1000 distinct
	// values: not tested, and said so (their values were no longer
	// counted, as for any column of numbers that text ends).
	var late strings.Builder
	late.WriteString("zip\n")
	for i := range 1500 {
		fmt.Fprintf(&late, "%d\n", 10000+i*37)
	}
	late.WriteString("02134\n")
	lf := writeFile(t, "late.csv", late.String())
	d = runDriftJSON(t, "--reference", lf, "--current", lf)
	if c := d.Columns[0]; c.Kind != "categorical" || c.Test != "none" || !strings.Contains(c.Note, "codes with more than 1000 distinct values before the first with a leading zero (an identifier?): not tested") {
		t.Errorf("late leading zero: %s %s, note %q", c.Kind, c.Test, c.Note)
	}
	_, out, _ = runWith(zhEnvOf, "drift", "--reference", lf, "--current", lf)
	if !strings.Contains(out, "代码在第一个以 0 开头的值之前已有超过 1000 个不同取值（标识符？）：未检验") {
		t.Errorf("Chinese report lacks the late-code note:\n%s", out)
	}
	// Not leading zeros.
	plain := "x\n0.7\n0\n-0.5\n0.25\n10\n0e3\n-0\n3.5\n"
	if c := runDriftJSON(t, "--reference", writeFile(t, "r.csv", plain), "--current", writeFile(t, "c.csv", plain)).Columns[0]; c.Kind != "numeric" {
		t.Errorf("0.7, 0, -0.5…: %s, note %q; want numeric", c.Kind, c.Note)
	}
}

// TestDriftPercentAgainstParquet: a CSV column of percentages against a
// Parquet number column compares 12.5 with 0.125 or with 12.5 — which,
// the file cannot say — so it is categorical, and the note names the
// CSV file's percentage and the Parquet file's plain numbers.
func TestDriftPercentAgainstParquet(t *testing.T) {
	type row struct {
		V float64 `parquet:"v"`
	}
	pq := filepath.Join(t.TempDir(), "ref.parquet")
	rows := []row{{0.12}, {0.13}, {0.14}, {0.15}, {0.16}, {0.17}, {0.18}}
	if err := parquet.WriteFile(pq, rows); err != nil {
		t.Fatal(err)
	}
	cur := writeFile(t, "cur.csv", "v\n12%\n13%\n14%\n15%\n16%\n17%\n18%\n")
	d := runDriftJSON(t, "--reference", pq, "--current", cur)
	want := fmt.Sprintf(`categorical: percentages mixed with plain numbers (%s line 2 has "12%%"; %s has plain numbers)`, cur, pq)
	if c := d.Columns[0]; c.Kind != "categorical" || !strings.Contains(c.Note, want) {
		t.Errorf("Parquet against percentages: %s, note %q; want categorical and %q", c.Kind, c.Note, want)
	}
}

// TestDriftFormattedBothWays: grouped numbers, percentages (all, and
// mixed) and leading zeros give one report whether two CSV files are
// read in turn or side by side, binned or exact.
func TestDriftFormattedBothWays(t *testing.T) {
	dir := t.TempDir()
	var r, c strings.Builder
	r.WriteString("g;p;m;z\n")
	c.WriteString("g;p;m;z\n")
	for i := range 3000 {
		m := fmt.Sprintf("%d%%", i%13)
		if i == 2000 {
			m = "7" // a plain number among percentages, far in
		}
		fmt.Fprintf(&r, "%s;%d.5%%;%s;%05d\n", grouped(float64(i*37%5000)+0.25, ",", "."), i%97, m, i%400)
		fmt.Fprintf(&c, "%s;%d.5%%;%d%%;%05d\n", grouped(float64(i*53%6000)+0.5, ",", "."), i%89, i%11, i%300)
	}
	ref, cur := writeFileIn(t, dir, "r.csv", r.String()), writeFileIn(t, dir, "c.csv", c.String())
	for _, limit := range []int{100, 10000} {
		a := driftArgs{reference: ref, current: cur, exactLimit: limit, bins: 32, seed: 2}
		got, want := driftOutput(t, a, false), driftOutput(t, a, true)
		if got != want {
			t.Errorf("limit %d: in turn:\n%s\nside by side:\n%s", limit, got, want)
		}
		for _, w := range []string{`"name": "g",` + "\n      \"kind\": \"numeric\"", `"name": "p",` + "\n      \"kind\": \"numeric\"",
			`"name": "m",` + "\n      \"kind\": \"categorical\"", `"name": "z",` + "\n      \"kind\": \"categorical\""} {
			if !strings.Contains(got, w) {
				t.Errorf("limit %d: report lacks %q\n%s", limit, w, got)
			}
		}
	}
}
