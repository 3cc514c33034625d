package tabular

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestWhiteSpaceLinesSkipped: a line of nothing but white space (spaces,
// tabs other than the separator, a no-break or ideographic space, with LF
// or CRLF) is skipped as an empty line is — as pandas skips it — before
// the header, between records and at the end, in one-column files too,
// read record by record or in blocks, the other lines keeping their
// numbers. A line of separators only is a record of blank cells (pandas
// reads it as a row of NaN) when the count is right, and a short record
// otherwise.
func TestWhiteSpaceLinesSkipped(t *testing.T) {
	for _, c := range []struct {
		name, text string
		opt        Options
		header     []string
		recs       [][]string
		lines      []int
	}{
		{"between records", "a,b\n1,2\n   \n3,4\n", Options{}, []string{"a", "b"},
			[][]string{{"1", "2"}, {"3", "4"}}, []int{2, 4}},
		{"CRLF and tabs", "a,b\r\n1,2\r\n \t \r\n3,4\r\n\t\r\n", Options{}, []string{"a", "b"},
			[][]string{{"1", "2"}, {"3", "4"}}, []int{2, 4}},
		{"before the header", "  \n\n a;b\n1;2\n", Options{}, []string{"a", "b"},
			[][]string{{"1", "2"}}, []int{4}},
		{"at the end, no line break", "a,b\n1,2\n  ", Options{}, []string{"a", "b"},
			[][]string{{"1", "2"}}, []int{2}},
		{"Unicode spaces", "a,b\n1,2\n\u00a0\u3000 \n3,4\n", Options{}, []string{"a", "b"},
			[][]string{{"1", "2"}, {"3", "4"}}, []int{2, 4}},
		{"one column", "a\n1\n   \n2\n\t\n", Options{}, []string{"a"},
			[][]string{{"1"}, {"2"}}, []int{2, 4}},
		{"tab-separated, spaces", "a\tb\n1\t2\n    \n3\t4\n", Options{}, []string{"a", "b"},
			[][]string{{"1", "2"}, {"3", "4"}}, []int{2, 4}},
		{"separators only: blank cells", "a;b;c\n1;2;3\n;;\n4;5;6\n", Options{}, []string{"a", "b", "c"},
			[][]string{{"1", "2", "3"}, {"", "", ""}, {"4", "5", "6"}}, []int{2, 3, 4}},
		{"spaced separators: blank cells", "a,b\n1,2\n  ,  \n", Options{}, []string{"a", "b"},
			[][]string{{"1", "2"}, {"  ", "  "}}, []int{2, 3}},
		{"a sep= line after white space", " \nsep=;\na;b\n1;2\n", Options{}, []string{"a", "b"},
			[][]string{{"1", "2"}}, []int{4}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := Open(strings.NewReader(c.text), c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Header(), c.header) {
				t.Errorf("header %q, want %q", r.Header(), c.header)
			}
			recs, lines, err := bothWays(t, c.text, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(recs, c.recs, slices.Equal) || !slices.Equal(lines, c.lines) {
				t.Errorf("records %q lines %v, want %q %v", recs, lines, c.recs, c.lines)
			}
		})
	}
	// Many white-space lines among plain records, in blocks of every size.
	var b strings.Builder
	b.WriteString("x,y\n")
	for i := range 300 {
		fmt.Fprintf(&b, "%d,%d\n", i, i*2)
		if i%7 == 0 {
			b.WriteString(strings.Repeat(" ", i%5+1) + "\n")
		}
	}
	if recs, _, err := bothWays(t, b.String(), Options{}); err != nil || len(recs) != 300 {
		t.Errorf("300 records among white-space lines: %d records, %v", len(recs), err)
	}
	// Not white space: still a short record, named by its line; a line
	// of too few separators too.
	for _, text := range []string{"a,b\n1,2\n x \n", "a;b;c\n1;2;3\n;\n"} {
		_, _, err := bothWays(t, text, Options{})
		if !errors.Is(err, ErrFormat) || Line(err) != 3 || !strings.Contains(err.Error(), "but the header has") {
			t.Errorf("%q: got %v, want a short record at line 3", text, err)
		}
	}
}
