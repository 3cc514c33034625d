package main

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/lodestar-hq/lodestar/internal/dataset"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
)

// Data-quality warnings beside the drift tests, after the checks of
// Evidently's data-quality preset, whylogs' constraints and Great
// Expectations' expectations: what changed in the data that a test of
// its distribution shows badly or not at all. They are worked out from
// what the scan counts anyway (missing cells, each categorical column's
// value counts), so they add nothing to the work done per row. They
// change neither the verdict nor --fail-on-drift's exit status.
//
//   - Missing values rose: the current's share of missing values in a
//     column is at least --missing-rise (0.05: 5 percentage points)
//     above the reference's, and Fisher's exact test, one-sided (scipy's
//     fisher_exact with alternative="greater" on the table of missing and
//     present cells per file), gives p < --p-value; so one missing cell
//     in a small file does not raise it.
//   - ID-like: a categorical column whose reference holds at least
//     idLikeMinValues values, at least idLikeShare of them distinct
//     (order numbers, UUIDs): its values hardly repeat, so a test of
//     their distribution measures only that the current's are other
//     ones. It is not tested (not counted in the share of drifted
//     columns) unless --columns names it; then it is tested and still
//     flagged. Only columns whose values were counted in both files (at
//     most maxCategories distinct in each) are judged; one with more is
//     not tested in any case, and its note says so.
//   - New categories: a categorical column's current values that the
//     reference never has, and how many current rows hold them.
//   - Cells left out: a CSV column of numbers with a few cells that are
//     not (at most maxUnreadablePermille per thousand of a file's
//     non-missing cells; see side.readable) is tested as numbers without
//     them; how many each file had, and the first, are said.
//   - Leading zeros counted as numbers: a CSV column of numbers with a
//     few written with a leading zero ("00", "007"; at most
//     maxUnreadablePermille per thousand of a file's non-missing cells,
//     and not the file's form; see side.codes) is tested with them read
//     as numbers; how many each file had, and the first, are said.
//
// A column of one value in both files needs no warning: its tests find
// no drift (the distributions are the same), which is what happened.

const (
	defaultMissingRise = 0.05 // --missing-rise
	// The ID-like rule is the monitors' (monitor.IDLike), so that a
	// column left untested here is left untested by a monitor too.
	idLikeShare     = monitor.IDLikeShare     // distinct values among the reference's values
	idLikeMinValues = monitor.IDLikeMinValues // reference values, at the least, to judge a column ID-like
)

// driftQuality is one column's warnings.
type driftQuality struct {
	MissingRise  bool
	MissingRiseP float64 // Fisher's exact test, one-sided; NaN unless the rise reached --missing-rise
	IDLike       bool
	NewCounted   bool     // categorical, its values counted in both files
	NewValues    int      // distinct current values the reference never has
	NewRows      int64    // current rows holding them
	CurValues    int64    // the current's values (not missing), when NewCounted
	NewExamples  []string // the first new values (newCategories)
	// Cells that are not numbers, left out of a column tested as
	// numbers, in each file; the first of them (the reference's when it
	// has any).
	RefUnreadable, CurUnreadable int64
	FirstUnreadable              driftCell
	// Numbers written with a leading zero ("00") in a column tested as
	// numbers — too few to make it codes (side.codes) — counted as the
	// numbers they read as, in each file; the first of them (the
	// reference's when it has any) and its number.
	RefLeadingZeros, CurLeadingZeros int64
	FirstLeadingZero                 driftNumberCell
}

// driftNumberCell is a cell of a file and the number it was read as.
type driftNumberCell struct {
	driftCell
	Value float64 `json:"read_as"`
}

// leadingZeros is whether numbers written with a leading zero were
// counted as numbers.
func (q driftQuality) leadingZeros() bool { return q.RefLeadingZeros+q.CurLeadingZeros > 0 }

// driftCell is a cell of a file, for a message.
type driftCell struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Cell string `json:"cell"`
}

// unreadable is whether cells that are not numbers were left out.
func (q driftQuality) unreadable() bool { return q.RefUnreadable+q.CurUnreadable > 0 }

// Continuous values, hardly repeating, are no categories: a categorical
// column (both files' counts together) whose non-missing cells are mostly
// numbers (more than half of them), with more than monitor.FewValues
// distinct numbers and fewer than minCellsPerNumber cells per distinct
// number on average, is not tested.
const minCellsPerNumber = 5

func continuousNumbers(ref, cur *monitor.Counts) bool {
	var cells, numCells uint64
	distinct := map[float64]bool{}
	for _, c := range []*monitor.Counts{ref, cur} {
		for i, v := range c.Names {
			cells += c.N[i]
			if x, ok := dataset.ParseNumber([]byte(v)); ok {
				numCells += c.N[i]
				distinct[x] = true
			}
		}
	}
	d := uint64(len(distinct))
	return 2*numCells > cells && d > monitor.FewValues && numCells < minCellsPerNumber*d
}

func newDriftQuality() driftQuality { return driftQuality{MissingRiseP: math.NaN()} }

// newWarned is whether the column is warned of new categories: an ID-like
// column is not, as nearly all its values are new, which its flag says
// already.
func (q driftQuality) newWarned() bool { return q.NewValues > 0 && !q.IDLike }

// idLike is the ID-like rule over a reference's value counts.
func idLike(values int64, distinct int) bool { return monitor.IDLike(values, distinct) }

// dateCell matches a date, or a date and time, as data exports write
// them: ISO 8601 (2024-01-31, 2024-01-31T08:30:00.5+08:00), year first
// with slashes or dots (Excel in China: 2024/1/31 8:30), or year last
// (31.01.2024, 1/31/2024 8:30 PM).
var dateCell = regexp.MustCompile(`^(?:(\d{4})([-/.])(\d{1,2})([-/.])(\d{1,2})|(\d{1,2})([-/.])(\d{1,2})([-/.])(\d{4}))` +
	`(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?: ?[AaPp][Mm])?(?:Z| ?[+-]\d{2}:?\d{2})?)?$`)

// onlyDates reports whether every value counted is a date or a date and
// time (dateCell), with one separator within each date (2024-01/31 is
// not one) and a month and day that can be (a code shaped like a date,
// 1234-56-78 or 12-34-5678, is not one): year first, month then day;
// year last, day and month either way round (31.01.2024, 1/31/2024).
func onlyDates(c *monitor.Counts) bool {
	if c.Distinct() == 0 {
		return false
	}
	in := func(s string, hi int) (int, bool) {
		n, err := strconv.Atoi(s)
		return n, err == nil && n >= 1 && n <= hi
	}
	for _, v := range c.Names {
		m := dateCell.FindStringSubmatch(v)
		if m == nil {
			return false
		}
		if m[1] != "" {
			_, month := in(m[3], 12)
			_, day := in(m[5], 31)
			if m[2] != m[4] || !month || !day {
				return false
			}
			continue
		}
		a, okA := in(m[6], 31)
		b, okB := in(m[8], 31)
		if m[7] != m[9] || !okA || !okB || min(a, b) > 12 {
			return false
		}
	}
	return true
}

// idLikeNote says why a column is ID-like, and what was done with it.
func idLikeNote(distinct int, values int64, tested bool) string {
	if tested {
		return fmt.Sprintf("id-like: %d distinct values among %d in the reference, tested as --columns names it, but a drift test means little here", distinct, values)
	}
	return fmt.Sprintf("id-like: %d distinct values among %d in the reference: not tested (name it in --columns to test it)", distinct, values)
}

// idLikeNamedNote is an ID-like column's note when --columns named it
// but its values were too sparse to test (its note says so before this).
func idLikeNamedNote(distinct int, values int64) string {
	return fmt.Sprintf("id-like: %d distinct values among %d in the reference, named in --columns", distinct, values)
}

// maxNewShown is how many new categories a report names.
const maxNewShown = 5

// newCategories counts the current's values the reference never has:
// how many distinct, in how many rows, and the first maxNewShown of them
// by rows (ties in the order of their text).
func newCategories(ref, cur *monitor.Counts) (values int, rows int64, first []string) {
	type nv struct {
		v string
		n uint64
	}
	var all []nv
	for i, v := range cur.Names {
		if ref.Get(v) == 0 {
			values++
			rows += int64(cur.N[i])
			all = append(all, nv{v, cur.N[i]})
		}
	}
	slices.SortFunc(all, func(a, b nv) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	for _, x := range all[:min(len(all), maxNewShown)] {
		first = append(first, x.v)
	}
	return values, rows, first
}

// foldCounts gives the two files' value counts with the values that are
// one by the comparison's rules counted as one, spelt as the reference
// (else the current) first spells it: "true" and "false" in any letter
// case; and, when numbers, values that both read as numbers and are equal
// ("3" and "3.0"; integers exactly, at any size).
// numbers is 0 for none, else the precision in bits numbers are compared
// at: 32 when the typed side is a FLOAT (whose values are float32s; the
// other file's numbers are rounded to float32 too), else 64.
func foldCounts(ref, cur *monitor.Counts, numbers int) (monitor.Counts, monitor.Counts) {
	shown := map[string]string{} // a value's key → its spelling
	fold := func(c *monitor.Counts) monitor.Counts {
		out := monitor.Counts{Max: c.Max, Missing: c.Missing}
		for i, v := range c.Names {
			k := valueKey(v, numbers)
			s, ok := shown[k]
			if !ok {
				s = v
				shown[k] = s
			}
			out.Merge(&monitor.Counts{Names: []string{s}, N: []uint64{c.N[i]}})
		}
		return out
	}
	r := fold(ref)
	return r, fold(cur)
}

// valueKey is what a category is compared by (see foldCounts).
func valueKey(v string, numbers int) string {
	if strings.EqualFold(v, "true") || strings.EqualFold(v, "false") {
		return "\x00b" + strings.ToLower(v)
	}
	if numbers == 0 {
		return v
	}
	if d, ok := intDigits(strings.TrimSpace(v)); ok && numbers == 64 {
		return "\x00n" + d
	}
	x, ok := dataset.ParseNumber([]byte(v))
	if !ok {
		return v
	}
	if numbers == 32 {
		return "\x00n" + strconv.FormatFloat(float64(float32(x)), 'g', -1, 32)
	}
	if x == math.Trunc(x) && math.Abs(x) < 1e21 {
		return "\x00n" + strconv.FormatFloat(x, 'f', -1, 64) // as intDigits writes an integer
	}
	return "\x00n" + strconv.FormatFloat(x, 'g', -1, 64)
}

// intDigits writes an integer's digits ([+-]digits) without sign for 0,
// a '+' or leading zeros, exactly at any size.
func intDigits(s string) (string, bool) {
	neg := strings.HasPrefix(s, "-")
	d := strings.TrimLeft(s, "+-")
	if len(s)-len(d) > 1 || d == "" || strings.Trim(d, "0123456789") != "" {
		return "", false
	}
	d = strings.TrimLeft(d, "0")
	switch {
	case d == "":
		return "0", true
	case neg:
		return "-" + d, true
	}
	return d, true
}

// missingRose applies the missing-values rule to a column's missing cells
// among each file's rows: whether they rose, and the p-value of Fisher's
// exact test (NaN when the rise is under the threshold, so not tested).
func missingRose(refMiss, refRows, curMiss, curRows int64, rise, alpha float64) (bool, float64) {
	if refRows <= 0 || curRows <= 0 {
		return false, math.NaN()
	}
	p1, p2 := float64(refMiss)/float64(refRows), float64(curMiss)/float64(curRows)
	// (A tolerance for the rounding of the shares: 10% over 5% is a rise
	// of 5 points, whichever way the subtraction rounds.)
	if p2-p1 < rise-1e-12 {
		return false, math.NaN()
	}
	p := fisherGreater(curMiss, curRows, refMiss+curMiss, refRows+curRows)
	return p < alpha, p
}

// fisherGreater is the p-value of Fisher's exact test, one-sided: the
// probability that x or more of n draws without replacement from N items,
// K of them marked, are marked (the hypergeometric upper tail). Its terms
// are summed from x up, each from the last, until they no longer add to
// the sum; past the mean they only fall, so few are needed.
func fisherGreater(x, n, K, N int64) float64 {
	hi := min(n, K)
	if x <= max(0, n-(N-K)) {
		return 1
	}
	if x > hi {
		return 0
	}
	lchoose := func(a, b int64) float64 {
		la, _ := math.Lgamma(float64(a) + 1)
		lb, _ := math.Lgamma(float64(b) + 1)
		lc, _ := math.Lgamma(float64(a-b) + 1)
		return la - lb - lc
	}
	term := math.Exp(lchoose(K, x) + lchoose(N-K, n-x) - lchoose(N, n))
	sum := term
	for k := x; k < hi && term > 0; k++ {
		term *= float64(K-k) * float64(n-k) / (float64(k+1) * float64(N-K-n+k+1))
		sum += term
		if term < sum*1e-17 {
			break
		}
	}
	return min(sum, 1)
}

// driftWarnings lists the columns of each warning, in the files' order:
// missing values rose, ID-like, new categories (ID-like columns left
// out: nearly all their values are new, which their flag says already),
// cells left out of a column tested as numbers, and numbers written with
// a leading zero counted as numbers.
func (rep *driftReport) driftWarnings() (missing, ids, news, unreadable, zeros []string) {
	missing, ids, news, unreadable, zeros = []string{}, []string{}, []string{}, []string{}, []string{}
	for i, f := range rep.Result.Features {
		q := rep.Quality[i]
		if q.MissingRise {
			missing = append(missing, f.Name)
		}
		if q.IDLike {
			ids = append(ids, f.Name)
		}
		if q.newWarned() {
			news = append(news, f.Name)
		}
		if q.unreadable() {
			unreadable = append(unreadable, f.Name)
		}
		if q.leadingZeros() {
			zeros = append(zeros, f.Name)
		}
	}
	return missing, ids, news, unreadable, zeros
}

// pct1 is n of total as a percentage with one decimal.
func pct1(n, total int64) string {
	if total <= 0 {
		return "0.0"
	}
	return fmt.Sprintf("%.1f", 100*float64(n)/float64(total))
}

// newList is the first new categories quoted, joined by sep, "…" after
// them when there are more.
func newList(q driftQuality, sep string) string {
	var parts []string
	for _, v := range q.NewExamples {
		parts = append(parts, strconv.Quote(v))
	}
	if q.NewValues > len(q.NewExamples) {
		parts = append(parts, "…")
	}
	return strings.Join(parts, sep)
}
