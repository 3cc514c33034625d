package main

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// zerosColumn is a column of the JSON report with the fields of numbers
// written with a leading zero counted as numbers.
type zerosColumn struct {
	Kind      string           `json:"kind"`
	Test      string           `json:"test"`
	Statistic *float64         `json:"statistic"`
	PValue    *float64         `json:"p_value"`
	PSI       *float64         `json:"psi"`
	RefCount  int64            `json:"reference_count"`
	CurCount  int64            `json:"current_count"`
	RefZeros  *int64           `json:"reference_leading_zeros"`
	CurZeros  *int64           `json:"current_leading_zeros"`
	First     *driftNumberCell `json:"first_leading_zero"`
	RefUnread *int64           `json:"reference_unreadable"`
	CurUnread *int64           `json:"current_unreadable"`
	Note      string           `json:"note"`
}

type zerosDoc struct {
	Verdict string        `json:"verdict"`
	Zeros   []string      `json:"leading_zero_columns"`
	Columns []zerosColumn `json:"columns"`
}

func zerosReport(t *testing.T, args ...string) zerosDoc {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"drift", "--format", "json"}, args...)...)
	var doc zerosDoc
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Columns) == 0 {
		t.Fatalf("%v\n%s", err, out)
	}
	return doc
}

// TestDriftStrayLeadingZero: one "00" among 500 amounts made the column
// codes — categorical, and a test over one-off values. It is now counted
// as the number 0 (the KS test is scipy's over the amounts with 0 among
// them: testdata/make_leading_zeros.py), and a warning says so in every
// format and both languages.
func TestDriftStrayLeadingZero(t *testing.T) {
	ref := filepath.Join("testdata", "leading_zeros_ref.csv")
	cur := filepath.Join("testdata", "leading_zeros_cur.csv")
	raw, err := os.ReadFile(filepath.Join("testdata", "leading_zeros_ref.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		KS   float64 `json:"ks_statistic"`
		KSP  float64 `json:"ks_p_value"`
		RefN int64   `json:"reference_count"`
		CurN int64   `json:"current_count"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	doc := zerosReport(t, "--reference", ref, "--current", cur)
	c := doc.Columns[0]
	if c.Kind != "numeric" || c.Test != "ks" || c.Statistic == nil || c.PValue == nil {
		t.Fatalf("kind %s, test %s, note %q; want numeric, ks", c.Kind, c.Test, c.Note)
	}
	if math.Abs(*c.Statistic-want.KS) > 1e-12 || math.Abs(*c.PValue-want.KSP) > 1e-9*want.KSP {
		t.Errorf("KS %v p %v; scipy %v p %v", *c.Statistic, *c.PValue, want.KS, want.KSP)
	}
	if c.RefCount != want.RefN || c.CurCount != want.CurN {
		t.Errorf("counts %d, %d; want %d, %d (the 00 counted)", c.RefCount, c.CurCount, want.RefN, want.CurN)
	}
	if c.RefZeros == nil || c.CurZeros == nil || *c.RefZeros != 0 || *c.CurZeros != 1 || len(doc.Zeros) != 1 || doc.Zeros[0] != "amount" {
		t.Errorf("leading zeros %v %v, columns %v; want 0, 1, [amount]", c.RefZeros, c.CurZeros, doc.Zeros)
	}
	if wantCell := (driftNumberCell{driftCell{File: cur, Line: 252, Cell: "00"}, 0}); c.First == nil || *c.First != wantCell {
		t.Errorf("first leading zero %+v, want %+v", c.First, wantCell)
	}
	if c.RefUnread != nil || c.CurUnread != nil {
		t.Errorf("unreadable %v %v: the 00 is no cell left out", c.RefUnread, c.CurUnread)
	}
	_, out, _ := runCLI(t, "drift", "--reference", ref, "--current", cur)
	warn := fmt.Sprintf(`amount: warning: numbers written with a leading zero, too few to make the column codes, counted as numbers: 1 (reference 0, current 1); the first: %s line 252 has "00", counted as 0`, cur)
	if !strings.Contains(out, warn) || !strings.Contains(out, "leading zeros counted as numbers: amount") {
		t.Errorf("text report lacks the warning %q:\n%s", warn, out)
	}
	_, out, _ = runCLI(t, "drift", "--lang", "zh-CN", "--reference", ref, "--current", cur)
	warn = fmt.Sprintf(`amount：警告：1 个以 0 开头的数字（参照 0 个，当前 1 个）太少，不足以使该列成为代码，已按数字计入；第一个：%s 第 252 行为 "00"，计为 0`, cur)
	if !strings.Contains(out, warn) || !strings.Contains(out, "以 0 开头的数字（按数字计入）：amount") {
		t.Errorf("Chinese text report lacks the warning %q:\n%s", warn, out)
	}
	for _, c := range []struct{ lang, want, list string }{
		{"en", "Warning: numbers written with a leading zero, too few to make the column codes, counted as numbers: 1 (reference 0, current 1); the first: " + cur + " line 252 has &#34;00&#34;, counted as 0",
			"Numbers written with a leading zero, counted as numbers in a column tested as numbers:"},
		{"zh-CN", "警告：1 个以 0 开头的数字（参照 0 个，当前 1 个）太少，不足以使该列成为代码，已按数字计入；第一个：" + cur + " 第 252 行为 &#34;00&#34;，计为 0",
			"按数值检验、其中以 0 开头的数字按数字计入的列："},
	} {
		_, out, _ := runCLI(t, "drift", "--format", "html", "--lang", c.lang, "--reference", ref, "--current", cur)
		if !strings.Contains(out, c.want) || !strings.Contains(out, c.list) {
			t.Errorf("HTML (%s) lacks %q or %q", c.lang, c.want, c.list)
		}
	}

	// The same in the reference: the files are judged alike.
	doc = zerosReport(t, "--reference", cur, "--current", ref)
	if c := doc.Columns[0]; c.Kind != "numeric" || c.RefZeros == nil || *c.RefZeros != 1 || *c.CurZeros != 0 || c.First == nil || c.First.File != cur {
		t.Errorf("00 in the reference: %s, leading zeros %v %v, first %+v", c.Kind, c.RefZeros, c.CurZeros, c.First)
	}
	// In both, the reference's named first; read side by side, the same.
	doc = zerosReport(t, "--reference", cur, "--current", cur)
	if c := doc.Columns[0]; c.Kind != "numeric" || *c.RefZeros != 1 || *c.CurZeros != 1 || c.First == nil || c.First.Line != 252 {
		t.Errorf("00 in both: %s, leading zeros %v %v, first %+v", c.Kind, c.RefZeros, c.CurZeros, c.First)
	}
	a := driftArgs{reference: ref, current: cur, exactLimit: 100, bins: 32, seed: 2}
	if got, want := driftOutput(t, a, false), driftOutput(t, a, true); got != want {
		t.Errorf("in turn:\n%s\nside by side:\n%s", got, want)
	}
	// Without one: no warning, no fields.
	doc = zerosReport(t, "--reference", ref, "--current", ref)
	if c := doc.Columns[0]; c.RefZeros != nil || c.First != nil || len(doc.Zeros) != 0 {
		t.Errorf("no leading zero: fields %v %+v, columns %v", c.RefZeros, c.First, doc.Zeros)
	}
}

// amounts writes a column "v" of n amounts with three decimals (numbers
// of several widths), the rows in zeros (0-based) written "007" instead,
// and the rows in blank left empty (missing).
func amounts(seed uint64, n int, zeros, blank map[int]bool) string {
	rng := rand.New(rand.NewPCG(seed, 11))
	var b strings.Builder
	b.WriteString("v\n")
	for i := range n {
		x := 50 + 20*rng.NormFloat64()
		switch {
		case zeros[i]:
			b.WriteString("007\n")
		case blank[i]:
			b.WriteString("\n")
		default:
			fmt.Fprintf(&b, "%.3f\n", x)
		}
	}
	return b.String()
}

func rowSet(rows ...int) map[int]bool {
	m := map[int]bool{}
	for _, r := range rows {
		m[r] = true
	}
	return m
}

// TestDriftLeadingZeroShare: leading zeros up to 1 in 100 of a file's
// non-missing cells are counted as numbers; one more makes the column
// codes (categorical, the note naming the first). Missing cells are not
// in the share; each file is judged on its own cells.
func TestDriftLeadingZeroShare(t *testing.T) {
	clean := writeFile(t, "clean.csv", amounts(1, 1000, nil, nil))
	ten := []int{3, 100, 200, 300, 400, 500, 600, 700, 800, 999}
	blank := rowSet(10, 20, 30, 40, 50)
	for _, c := range []struct {
		name    string
		n       int
		zeros   []int
		blank   map[int]bool
		numeric bool
	}{
		{"10 of 1000", 1000, ten, nil, true},
		{"11 of 1000", 1000, append([]int{5}, ten...), nil, false},
		// 10 of 1005 rows, 5 of them blank: 10 of 1000 non-missing.
		{"10 of 1000 and 5 blank", 1005, ten, blank, true},
		// 10 of 1004 rows, 5 of them blank: 10 of 999 non-missing.
		{"10 of 999 non-missing", 1004, ten, blank, false},
	} {
		cur := writeFile(t, "cur.csv", amounts(2, c.n, rowSet(c.zeros...), c.blank))
		for _, order := range [][2]string{{clean, cur}, {cur, clean}} {
			doc := zerosReport(t, "--reference", order[0], "--current", order[1])
			col := doc.Columns[0]
			if c.numeric {
				n := int64(len(c.zeros))
				got := col.CurZeros
				if order[0] == cur {
					got = col.RefZeros
				}
				if col.Kind != "numeric" || got == nil || *got != n || col.First == nil || col.First.Line != 5 || col.First.Cell != "007" || col.First.Value != 7 {
					t.Errorf("%s (reference %s): %s, leading zeros %v, first %+v, note %q; want numeric, %d, line 5 \"007\" read as 7",
						c.name, filepath.Base(order[0]), col.Kind, got, col.First, col.Note, n)
				}
				continue
			}
			if want := `line 5 has "007", a number written with a leading zero (a code, read as text)`; col.Kind != "categorical" || !strings.Contains(col.Note, want) || col.First != nil || len(doc.Zeros) != 0 {
				t.Errorf("%s (reference %s): %s, note %q, first %+v; want categorical, the note with %q", c.name, filepath.Base(order[0]), col.Kind, col.Note, col.First, want)
			}
		}
	}
}

// TestDriftLeadingZeroCodes: codes stay codes. ZIP codes with a leading
// zero on 1 in 4 (over the share), and on fewer than 1 in 100 but every
// number a code of their width (their form), are categorical as before;
// so are "007" among three-digit codes. A code of another width, or a
// number of another form among them, breaks the form: the few leading
// zeros are then counted as numbers.
func TestDriftLeadingZeroCodes(t *testing.T) {
	zips := func(n, every int, extra string) string {
		var b strings.Builder
		b.WriteString("zip\n")
		for i := range n {
			if every > 0 && i%every == 0 {
				fmt.Fprintf(&b, "0%04d\n", 1000+i%9000)
			} else {
				fmt.Fprintf(&b, "%05d\n", 10000+(i*7919)%89999)
			}
		}
		b.WriteString(extra)
		return b.String()
	}
	for _, c := range []struct {
		name, ref, cur string
		codes          bool
	}{
		{"1 in 4", zips(800, 4, ""), zips(800, 4, ""), true},
		{"1 in 200, all five digits", zips(2000, 200, ""), zips(2000, 200, ""), true},
		{"one ZIP code of another width", zips(2000, 200, "123456\n"), zips(2000, 200, "123456\n"), false},
		{"one decimal among them", zips(2000, 200, "12345.5\n"), zips(2000, 200, "12345.5\n"), false},
		{"007 among three digits", "c\n" + strings.Repeat("123\n450\n999\n311\n100\n200\n777\n", 50) + "007\n",
			"c\n" + strings.Repeat("123\n450\n999\n311\n100\n200\n777\n", 50), true},
		{"007 among other numbers", "c\n" + strings.Repeat("123\n450\n999\n31\n100\n200\n777\n", 50) + "007\n",
			"c\n" + strings.Repeat("123\n450\n999\n311\n100\n200\n777\n", 50), false},
	} {
		ref, cur := writeFile(t, "ref.csv", c.ref), writeFile(t, "cur.csv", c.cur)
		doc := zerosReport(t, "--reference", ref, "--current", cur)
		col := doc.Columns[0]
		if c.codes {
			if col.Kind != "categorical" || !strings.Contains(col.Note, "a number written with a leading zero (a code, read as text)") || col.RefZeros != nil {
				t.Errorf("%s: %s, note %q; want categorical, codes", c.name, col.Kind, col.Note)
			}
			continue
		}
		if col.Kind != "numeric" || col.RefZeros == nil || *col.RefZeros == 0 {
			t.Errorf("%s: %s, leading zeros %v, note %q; want numeric, the leading zeros counted", c.name, col.Kind, col.RefZeros, col.Note)
		}
	}
}

// TestDriftLeadingZeroBatches: the reading depends on neither the order
// of the rows nor where the file's blocks (about 256 KiB each) end: 1,200
// leading zeros among 120,000 amounts, all in the first block (3 in 100
// there) or all in the last, or spread out, are counted as numbers alike,
// and a 1,201st makes codes of any of them; ZIP codes whose only leading
// zeros come in the last block are codes by their form, read side by
// side as in turn.
func TestDriftLeadingZeroBatches(t *testing.T) {
	const n = 120000
	write := func(name string, zeros []int) string {
		return writeFile(t, name, amounts(3, n, rowSet(zeros...), nil))
	}
	span := func(from, count, step int) []int {
		var rows []int
		for i := range count {
			rows = append(rows, from+i*step)
		}
		return rows
	}
	ref := writeFile(t, "ref.csv", amounts(4, n, nil, nil))
	for _, c := range []struct {
		name  string
		zeros []int
		codes bool
	}{
		{"first block", span(0, 1200, 1), false},
		{"last block", span(n-1200, 1200, 1), false},
		{"spread", span(50, 1200, 99), false},
		{"1201 in the first block", span(0, 1201, 1), true},
		{"1201 spread", span(50, 1201, 99), true},
	} {
		cur := write("cur.csv", c.zeros)
		if st, err := os.Stat(cur); err != nil || st.Size() < 3*(256<<10) {
			t.Fatalf("%s: the file should span several blocks (%v)", c.name, err)
		}
		col := zerosReport(t, "--reference", ref, "--current", cur).Columns[0]
		switch {
		case c.codes && col.Kind != "categorical":
			t.Errorf("%s: %s, note %q; want categorical", c.name, col.Kind, col.Note)
		case !c.codes && (col.Kind != "numeric" || col.CurZeros == nil || *col.CurZeros != 1200 || col.CurCount != n || col.First.Line != c.zeros[0]+2):
			t.Errorf("%s: %s, leading zeros %v, count %d, first %+v; want numeric, 1200, %d, line %d", c.name, col.Kind, col.CurZeros, col.CurCount, col.First, n, c.zeros[0]+2)
		}
	}
	zips := func(name string, zeros func(i int) bool) string {
		var b strings.Builder
		b.WriteString("zip\n")
		for i := range n {
			if zeros(i) {
				fmt.Fprintf(&b, "0%04d\n", 1000+i%9000)
			} else {
				fmt.Fprintf(&b, "%05d\n", 10000+(i*7919)%89999)
			}
		}
		return writeFile(t, name, b.String())
	}
	a := driftArgs{reference: zips("last.csv", func(i int) bool { return i >= n-100 }), current: zips("first.csv", func(i int) bool { return i < 100 }),
		exactLimit: 1000, bins: 32, seed: 2}
	got, want := driftOutput(t, a, false), driftOutput(t, a, true)
	if got != want || !strings.Contains(got, `"kind": "categorical"`) || !strings.Contains(got, `, a number written with a leading zero (a code, read as text)`) {
		t.Errorf("ZIP codes, leading zeros last: in turn:\n%s\nside by side:\n%s", got, want)
	}
}

// TestDriftLeadingZeroAgainstParquet: a stray 00 in a CSV file against a
// Parquet number column is counted as a number too (the Parquet file's
// typed numbers have no leading zeros to count); a Parquet string column
// is categorical by its type, whatever its cells.
func TestDriftLeadingZeroAgainstParquet(t *testing.T) {
	type row struct {
		V float64 `parquet:"amount"`
	}
	type srow struct {
		V string `parquet:"amount"`
	}
	rng := rand.New(rand.NewPCG(9, 9))
	rows := make([]row, 500)
	srows := make([]srow, 500)
	for i := range rows {
		rows[i].V = math.Round(100*(100+10*rng.NormFloat64())) / 100
		srows[i].V = fmt.Sprintf("%.2f", rows[i].V)
	}
	pq := filepath.Join(t.TempDir(), "ref.parquet")
	if err := parquet.WriteFile(pq, rows); err != nil {
		t.Fatal(err)
	}
	spq := filepath.Join(t.TempDir(), "strings.parquet")
	if err := parquet.WriteFile(spq, srows); err != nil {
		t.Fatal(err)
	}
	cur := filepath.Join("testdata", "leading_zeros_cur.csv")
	for _, args := range [][]string{{"--reference", pq, "--current", cur}, {"--reference", cur, "--current", pq}} {
		col := zerosReport(t, args...).Columns[0]
		if col.Kind != "numeric" || col.First == nil || col.First.Cell != "00" || col.RefCount+col.CurCount != 1000 {
			t.Errorf("%v: %s, first %+v, counts %d %d; want numeric, the 00 counted", args, col.Kind, col.First, col.RefCount, col.CurCount)
		}
	}
	if col := zerosReport(t, "--reference", spq, "--current", cur).Columns[0]; col.Kind != "categorical" || !strings.Contains(col.Note, "the column's type in "+spq) {
		t.Errorf("Parquet strings: %s, note %q; want categorical by its type", col.Kind, col.Note)
	}
}
