package main

import (
	"fmt"
	"math"

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
//
// A column of one value in both files needs no warning: its tests find
// no drift (the distributions are the same), which is what happened.

const (
	defaultMissingRise = 0.05 // --missing-rise
	idLikeShare        = 0.95 // distinct values among the reference's values
	idLikeMinValues    = 50   // reference values, at the least, to judge a column ID-like
)

// driftQuality is one column's warnings.
type driftQuality struct {
	MissingRise  bool
	MissingRiseP float64 // Fisher's exact test, one-sided; NaN unless the rise reached --missing-rise
	IDLike       bool
	NewCounted   bool  // categorical, its values counted in both files
	NewValues    int   // distinct current values the reference never has
	NewRows      int64 // current rows holding them
	CurValues    int64 // the current's values (not missing), when NewCounted
	// Cells that are not numbers, left out of a column tested as
	// numbers, in each file; the first of them (the reference's when it
	// has any).
	RefUnreadable, CurUnreadable int64
	FirstUnreadable              driftCell
}

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
func idLike(values int64, distinct int) bool {
	return values >= idLikeMinValues && float64(distinct) >= idLikeShare*float64(values)
}

// idLikeNote says why a column is ID-like, and what was done with it.
func idLikeNote(distinct int, values int64, tested bool) string {
	if tested {
		return fmt.Sprintf("id-like: %d distinct values among %d in the reference, tested as --columns names it, but a drift test means little here", distinct, values)
	}
	return fmt.Sprintf("id-like: %d distinct values among %d in the reference: not tested (name it in --columns to test it)", distinct, values)
}

// newCategories counts the current's values the reference never has:
// how many distinct, and in how many rows.
func newCategories(ref, cur *monitor.Counts) (values int, rows int64) {
	for i, v := range cur.Names {
		if ref.Get(v) == 0 {
			values++
			rows += int64(cur.N[i])
		}
	}
	return values, rows
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
// and cells left out of a column tested as numbers.
func (rep *driftReport) driftWarnings() (missing, ids, news, unreadable []string) {
	missing, ids, news, unreadable = []string{}, []string{}, []string{}, []string{}
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
	}
	return missing, ids, news, unreadable
}

// pct1 is n of total as a percentage with one decimal.
func pct1(n, total int64) string {
	if total <= 0 {
		return "0.0"
	}
	return fmt.Sprintf("%.1f", 100*float64(n)/float64(total))
}
