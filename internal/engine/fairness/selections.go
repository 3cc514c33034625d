package fairness

import (
	"fmt"
	"math"
)

// Selection is one group's predictions without labels: how many rows,
// and how many of them were predicted positive. A model in production
// knows its predictions at once and their outcomes late or never, so a
// monitor judges disparate impact from this alone.
type Selection struct {
	Group    string
	N        int64
	Selected int64
}

// AnalyzeSelections computes the figures of the report that need no
// labels — selection rates, impact ratios against the reference group
// (chosen as Options says), the four-fifths rule, demographic parity —
// by the same definitions as AnalyzeCounts, which it calls with each
// group's rows counted as if every label were negative (Selected false
// positives, N − Selected true negatives). The figures that depend on
// labels (base rate, TPR, FPR, FNR, PPV, accuracy and the equalized-odds
// and equal-opportunity differences) are NaN, and each group's Counts
// are zero; N is its number of rows.
func AnalyzeSelections(groups []Selection, opt Options) (*Report, error) {
	gc := make([]GroupCounts, len(groups))
	for i, g := range groups {
		if g.N < 0 || g.Selected < 0 || g.Selected > g.N {
			return nil, fmt.Errorf("fairness: group %q: %d selected of %d rows", g.Group, g.Selected, g.N)
		}
		gc[i] = GroupCounts{Group: g.Group, Counts: Counts{FP: g.Selected, TN: g.N - g.Selected}}
	}
	r, err := AnalyzeCounts(gc, opt)
	if err != nil {
		return nil, err
	}
	unlabelled := func(m *GroupMetrics) {
		nan := Estimate{Value: math.NaN()}
		m.Counts = Counts{}
		m.BaseRate, m.TPR, m.FPR, m.FNR, m.PPV, m.Accuracy = nan, nan, nan, nan, nan, nan
	}
	for i := range r.Groups {
		unlabelled(&r.Groups[i])
	}
	unlabelled(&r.Overall)
	r.EqualizedOddsDifference = Estimate{Value: math.NaN()}
	r.EqualOpportunityDifference = Estimate{Value: math.NaN()}
	return r, nil
}
