package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// normalColumn is a CSV file of one column "amount": n values of
// N(mean, 10) written with the given decimals, the cell at row bad (0-based;
// -1: none) replaced by badCell (written as is: quote it when it needs).
func normalColumn(t *testing.T, name string, seed uint64, n int, mean float64, decimals, bad int, badCell string) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("amount\n")
	for i := range n {
		if i == bad {
			b.WriteString(badCell + "\n")
			continue
		}
		fmt.Fprintf(&b, "%.*f\n", decimals, mean+10*rng.NormFloat64())
	}
	return writeFile(t, name, b.String())
}

// unreadableColumn is a column of the JSON report with the fields of
// cells left out.
type unreadableColumn struct {
	Kind       string `json:"kind"`
	Test       string `json:"test"`
	Drifted    bool   `json:"drifted"`
	RefCount   int64  `json:"reference_count"`
	CurCount   int64  `json:"current_count"`
	RefUnread  *int64 `json:"reference_unreadable"`
	CurUnread  *int64 `json:"current_unreadable"`
	FirstUnrd  *driftCell
	RawFirst   json.RawMessage `json:"first_unreadable"`
	PSI        *float64        `json:"psi"`
	Categories *int            `json:"categories"`
	Note       string          `json:"note"`
}

func unreadableReport(t *testing.T, ref, cur string) (verdict string, cols []string, c unreadableColumn) {
	t.Helper()
	_, out, errOut := runCLI(t, "drift", "--format", "json", "--reference", ref, "--current", cur)
	var doc struct {
		Verdict    string             `json:"verdict"`
		Unreadable []string           `json:"unreadable_columns"`
		Columns    []unreadableColumn `json:"columns"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Columns) != 1 {
		t.Fatalf("%v\n%s\n%s", err, out, errOut)
	}
	c = doc.Columns[0]
	if len(c.RawFirst) > 0 {
		c.FirstUnrd = new(driftCell)
		if err := json.Unmarshal(c.RawFirst, c.FirstUnrd); err != nil {
			t.Fatal(err)
		}
	}
	return doc.Verdict, doc.Unreadable, c
}

// TestDriftFewUnreadableCells: the reviewer's two cases. One cell that is
// not a number in a column of numbers made it categorical, and a
// chi-square or Jensen–Shannon test over hundreds of one-off values gave
// the verdict either way: "no drift" (p = 0.064) for a current shifted by
// three deviations (PSI 5.8), "drift" (JS 0.22) for two samples of the
// same distribution. The column is now tested as numbers, the cell left
// out, and said in every format and both languages. (The stray cell was
// "1,234.50", which now reads as a number with thousands separators: a
// decimal comma in a point file, "1.234,50", is the stray here.)
func TestDriftFewUnreadableCells(t *testing.T) {
	t.Run("shifted, one 1.234,50", func(t *testing.T) {
		ref := normalColumn(t, "ref.csv", 1, 500, 100, 2, -1, "")
		cur := normalColumn(t, "cur.csv", 2, 500, 130, 2, 250, `"1.234,50"`)
		verdict, cols, c := unreadableReport(t, ref, cur)
		if c.Kind != "numeric" || c.Test != "ks" || !c.Drifted || verdict != "drift" {
			t.Errorf("kind %s, test %s, drifted %v, verdict %s; want numeric, ks, true, drift", c.Kind, c.Test, c.Drifted, verdict)
		}
		if c.RefCount != 500 || c.CurCount != 499 {
			t.Errorf("counts %d, %d; want 500, 499 (the cell left out)", c.RefCount, c.CurCount)
		}
		if c.RefUnread == nil || c.CurUnread == nil || *c.RefUnread != 0 || *c.CurUnread != 1 || len(cols) != 1 || cols[0] != "amount" {
			t.Errorf("unreadable %v %v, columns %v; want 0, 1, [amount]", c.RefUnread, c.CurUnread, cols)
		}
		// Line 252: the header is line 1, row 250 (0-based) line 252.
		if c.FirstUnrd == nil || *c.FirstUnrd != (driftCell{File: cur, Line: 252, Cell: "1.234,50"}) {
			t.Errorf("first unreadable %+v, want %s line 252 \"1.234,50\"", c.FirstUnrd, cur)
		}
		code, out, errOut := runCLI(t, "drift", "--fail-on-drift", "--reference", ref, "--current", cur)
		if code != driftExitCode || !strings.Contains(out, "Dataset drift: YES") {
			t.Errorf("--fail-on-drift: exit %d, want %d\n%s%s", code, driftExitCode, out, errOut)
		}
		warn := fmt.Sprintf(`amount: warning: cells that are not numbers, left out of the test: 1 (reference 0, current 1); the first: %s line 252 has "1.234,50"`, cur)
		if !strings.Contains(out, warn) || !strings.Contains(out, "cells not numbers, left out: amount") {
			t.Errorf("text report lacks the warning %q:\n%s", warn, out)
		}
		_, out, _ = runCLI(t, "drift", "--lang", "zh-CN", "--reference", ref, "--current", cur)
		warn = fmt.Sprintf(`amount：警告：1 个不是数字的单元格未参与检验（参照 0 个，当前 1 个）；第一个：%s 第 252 行为 "1.234,50"`, cur)
		if !strings.Contains(out, warn) || !strings.Contains(out, "非数字单元格（未参与检验）：amount") {
			t.Errorf("Chinese text report lacks the warning %q:\n%s", warn, out)
		}
		for _, c := range []struct{ lang, want string }{
			{"en", "Warning: cells that are not numbers, left out of the test: 1 (reference 0, current 1); the first: " + cur + " line 252 has &#34;1.234,50&#34;"},
			{"zh-CN", "警告：1 个不是数字的单元格未参与检验（参照 0 个，当前 1 个）；第一个：" + cur + " 第 252 行为 &#34;1.234,50&#34;"},
		} {
			_, out, _ := runCLI(t, "drift", "--format", "html", "--lang", c.lang, "--reference", ref, "--current", cur)
			if !strings.Contains(out, c.want) {
				t.Errorf("HTML (%s) lacks %q", c.lang, c.want)
			}
		}
	})
	t.Run("same distribution, one ?", func(t *testing.T) {
		ref := normalColumn(t, "ref.csv", 3, 3000, 100, 1, -1, "")
		cur := normalColumn(t, "cur.csv", 4, 3000, 100, 1, 10, "?")
		verdict, cols, c := unreadableReport(t, ref, cur)
		if c.Kind != "numeric" || c.Test != "wasserstein" || c.Drifted || verdict != "no_drift" {
			t.Errorf("kind %s, test %s, drifted %v, verdict %s; want numeric, wasserstein, false, no_drift", c.Kind, c.Test, c.Drifted, verdict)
		}
		if c.CurUnread == nil || *c.CurUnread != 1 || c.FirstUnrd == nil || c.FirstUnrd.Cell != "?" || c.FirstUnrd.Line != 12 || len(cols) != 1 {
			t.Errorf("unreadable %v, first %+v, columns %v; want 1, \"?\" on line 12, [amount]", c.CurUnread, c.FirstUnrd, cols)
		}
		if code, out, errOut := runCLI(t, "drift", "--fail-on-drift", "--reference", ref, "--current", cur); code != 0 || !strings.Contains(out, "Dataset drift: NO") {
			t.Errorf("--fail-on-drift: exit %d, want 0\n%s%s", code, out, errOut)
		}
		// The reference's own text cells, read side by side too (the
		// reference is spilled and replayed with its text cells NaN).
		verdict, _, c = unreadableReport(t, cur, ref)
		if c.Kind != "numeric" || verdict != "no_drift" || c.RefUnread == nil || *c.RefUnread != 1 || *c.CurUnread != 0 {
			t.Errorf("text in the reference: kind %s, verdict %s, unreadable %v %v", c.Kind, verdict, c.RefUnread, c.CurUnread)
		}
		driftSideBySideOnly = true
		_, _, c2 := unreadableReport(t, cur, ref)
		driftSideBySideOnly = false
		if c2.Kind != c.Kind || *c2.PSI != *c.PSI {
			t.Errorf("side by side: %s PSI %v; in turn %s PSI %v", c2.Kind, *c2.PSI, c.Kind, *c.PSI)
		}
	})
	// More than 1 in 100: categorical as before, but continuous values
	// get no chi-square or Jensen–Shannon verdict.
	t.Run("too many to leave out", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("amount\n")
		rng := rand.New(rand.NewPCG(5, 6))
		for i := range 1000 {
			if i%50 == 0 {
				b.WriteString("?\n")
				continue
			}
			fmt.Fprintf(&b, "%.2f\n", 100+10*rng.NormFloat64())
		}
		ref := normalColumn(t, "ref.csv", 3, 1000, 100, 2, -1, "")
		cur := writeFile(t, "cur.csv", b.String())
		verdict, cols, c := unreadableReport(t, ref, cur)
		if c.Kind != "categorical" || c.Test != "none" || verdict != "undetermined" || c.CurUnread != nil || len(cols) != 0 {
			t.Errorf("2%% text: kind %s, test %s, verdict %s, unreadable %v; want categorical, none, undetermined, none", c.Kind, c.Test, verdict, c.CurUnread)
		}
		// The reference's one "?" alone would be left out: the note names
		// the current, whose text made the column categorical.
		ref = normalColumn(t, "ref1.csv", 3, 1000, 100, 2, 10, "?")
		if _, _, c := unreadableReport(t, ref, cur); !strings.Contains(c.Note, cur+` line 2 has "?"`) || strings.Contains(c.Note, ref) {
			t.Errorf("note %q: want it to name %s line 2, not the reference", c.Note, cur)
		}
	})
	// A few distinct numbers and a text value: categories (the text is a
	// value among few), tested as such.
	t.Run("few values", func(t *testing.T) {
		var r, u strings.Builder
		r.WriteString("grade\n")
		u.WriteString("grade\n")
		for i := range 1000 {
			fmt.Fprintf(&r, "%d\n", i%3)
			if i == 500 {
				u.WriteString("unknown\n")
			} else {
				fmt.Fprintf(&u, "%d\n", i%3)
			}
		}
		_, _, c := unreadableReport(t, writeFile(t, "ref.csv", r.String()), writeFile(t, "cur.csv", u.String()))
		if c.Kind != "categorical" || c.Test != "chi2" || c.CurUnread != nil {
			t.Errorf("three values and \"unknown\": kind %s, test %s; want categorical, chi2", c.Kind, c.Test)
		}
	})
}
