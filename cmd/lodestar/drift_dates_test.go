package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestDriftDateColumnNotTested: a CSV column of dates or times (ISO,
// Excel's 2024/1/31, 31.01.2024, 1/31/2024 …) is not tested, as a
// Parquet timestamp is not: last month's dates are never this month's,
// so as categories it always drifted (Jensen–Shannon at its maximum) and
// made a data set compared month against month drift by its date column
// alone. Named in --columns it is tested as categories, as asked.
func TestDriftDateColumnNotTested(t *testing.T) {
	for _, layout := range []string{"2024-%02d-%02d", "2024-%02d-%02dT08:30:00Z", "2024/%d/%d 8:30", "%02[2]d.%02[1]d.2024", "%d/%d/2024"} {
		var ref, cur strings.Builder
		ref.WriteString("day,amount\n")
		cur.WriteString("day,amount\n")
		for i := range 600 {
			fmt.Fprintf(&ref, layout+",%[3]d\n", 1, 1+i%28, 100+i%17)
			fmt.Fprintf(&cur, layout+",%[3]d\n", 2, 1+i%28, 100+(i*7)%17)
		}
		r, c := writeFile(t, "ref.csv", ref.String()), writeFile(t, "cur.csv", cur.String())
		d := runDriftJSON(t, "--reference", r, "--current", c)
		day := d.Columns[0]
		if day.Test != "none" || day.Drifted || !strings.Contains(day.Note, "dates or times: not tested") || d.DatasetDrift || d.ShareDrifted != 0 {
			t.Errorf("%s: day %s drifted %v note %q; data set drift %v share %v; want the day untested and no drift",
				layout, day.Test, day.Drifted, day.Note, d.DatasetDrift, d.ShareDrifted)
		}
		if named := runDriftJSON(t, "--reference", r, "--current", c, "--columns", "day,amount"); named.Columns[0].Test == "none" || !named.Columns[0].Drifted {
			t.Errorf("%s: named in --columns: test %s drifted %v, want it tested (and drifted)", layout, named.Columns[0].Test, named.Columns[0].Drifted)
		}
	}
	// Text that is not all dates is tested as categories.
	// (Ten times over, so that each value is expected 5 or more times and
	// the column is tested: monitor.MinExpected.)
	mixed := writeFile(t, "mixed.csv", "day\n"+strings.Repeat("2024-01-01\nsoon\n2024-01-02\n", 10))
	if d := runDriftJSON(t, "--reference", mixed, "--current", mixed); d.Columns[0].Test == "none" {
		t.Errorf("dates and text: not tested (%q)", d.Columns[0].Note)
	}
	// Codes shaped like dates whose month or day cannot be are codes:
	// tested as categories.
	for _, codes := range []string{"1234-56-78\n2024-13-01\n", "12-34-5678\n", "99.99.1234\n", "31/31/2024\n", "2024.10.0\n"} {
		f := writeFile(t, "codes.csv", "code\n"+strings.Repeat(codes, 10))
		if d := runDriftJSON(t, "--reference", f, "--current", f); d.Columns[0].Test == "none" {
			t.Errorf("codes %q: not tested as dates (%q)", codes, d.Columns[0].Note)
		}
	}
	// The note reads in Chinese too.
	r := writeFile(t, "r.csv", "day\n2024-01-01\n2024-01-02\n")
	if _, out, _ := runWith(zhEnvOf, "drift", "--reference", r, "--current", r); !strings.Contains(out, "日期或时间：未检验") {
		t.Errorf("Chinese report:\n%s", out)
	}
}
