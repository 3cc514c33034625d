// Package fairness audits a binary classifier for group fairness.
//
// Rows of (group, label, prediction) are reduced, as they stream past, to
// exact confusion counts per group (an [Accumulator]), so ten million rows
// take the same memory as ten. [Analyze] turns the counts into per-group
// rates (base rate, selection rate, TPR, FPR, FNR, PPV, accuracy), the
// overall rates, and the disparity measures used in fairness reviews:
// demographic parity difference and ratio, disparate impact against a
// reference group with the four-fifths rule, and the equalized-odds and
// equal-opportunity differences. With Options.Bootstrap > 0 every figure
// also gets a seeded percentile bootstrap interval.
//
// Definitions follow sklearn.metrics and fairlearn, so an auditor can
// reproduce every number with the standard Python tools:
//
//	base rate       (TP+FN)/n      share of rows whose label is positive
//	selection rate  (TP+FP)/n      share of rows predicted positive
//	TPR             TP/(TP+FN)     recall; undefined without positive labels
//	FPR             FP/(FP+TN)     undefined without negative labels
//	FNR             FN/(TP+FN)     1 − TPR
//	PPV             TP/(TP+FP)     precision; undefined without predicted positives
//	accuracy        (TP+TN)/n
//
// Disparate impact (the impact ratio and the four-fifths rule) compares
// groups' rates of the favourable outcome. By default the positive
// prediction is favourable (hired, approved) and that rate is the
// selection rate. When the positive prediction is the adverse outcome (a
// fraud or high-risk flag, a rejection), set Options.Favourable to
// FavourableNegative: the rate compared is then the share of negative
// predictions, (TN+FN)/n = 1 − selection rate, the reference is the group
// with the highest such share, and a group is flagged when its share is
// below four fifths of the reference's — AIF360's disparate_impact with
// favorable_label set to the negative class. Every other figure, including
// demographic parity (on selection rates), keeps its definition.
//
// A rate whose denominator is zero is undefined and is NaN (null in JSON),
// never silently 0. A disparity computed from an undefined rate is itself
// undefined, as numpy's max/min would make it.
package fairness

import (
	"cmp"
	"slices"
)

// Counts is the confusion matrix of one group: true and false positives
// and negatives. Counts are exact integers; every rate derives from them.
type Counts struct {
	TP int64 `json:"tp"`
	FP int64 `json:"fp"`
	TN int64 `json:"tn"`
	FN int64 `json:"fn"`
}

// N returns the number of rows counted.
func (c Counts) N() int64 { return c.TP + c.FP + c.TN + c.FN }

// Add counts one row with the given true label and predicted class.
func (c *Counts) Add(label, predicted bool) {
	switch {
	case label && predicted:
		c.TP++
	case label:
		c.FN++
	case predicted:
		c.FP++
	default:
		c.TN++
	}
}

// Plus returns the element-wise sum of c and d.
func (c Counts) Plus(d Counts) Counts {
	return Counts{TP: c.TP + d.TP, FP: c.FP + d.FP, TN: c.TN + d.TN, FN: c.FN + d.FN}
}

// GroupCounts is the confusion matrix of one named group.
type GroupCounts struct {
	Group string
	Counts
}

// Accumulator reduces a stream of rows to confusion counts per group. Its
// memory grows with the number of distinct groups, not with rows. The zero
// value is ready to use; it is not safe for concurrent use, but
// accumulators filled on separate goroutines can be combined with Merge.
type Accumulator struct {
	groups map[string]*Counts
	last   string // the previous row's group, which real files repeat in runs
	lastC  *Counts
}

// group returns the counts of name, creating them on first sight.
func (a *Accumulator) group(name string) *Counts {
	if a.lastC != nil && name == a.last {
		return a.lastC
	}
	c, ok := a.groups[name]
	if !ok {
		if a.groups == nil {
			a.groups = make(map[string]*Counts)
		}
		c = new(Counts)
		a.groups[name] = c
	}
	a.last, a.lastC = name, c
	return c
}

// Add counts one row whose prediction is a class.
func (a *Accumulator) Add(group string, label, predicted bool) {
	a.group(group).Add(label, predicted)
}

// AddScore counts one row whose prediction is a score: the row is predicted
// positive when score ≥ threshold.
func (a *Accumulator) AddScore(group string, label bool, score, threshold float64) {
	a.group(group).Add(label, score >= threshold)
}

// AddCounts adds already-reduced counts for a group, for callers that
// aggregate elsewhere (a database, another process).
func (a *Accumulator) AddCounts(group string, c Counts) {
	g := a.group(group)
	*g = g.Plus(c)
}

// Merge adds every group of b into a.
func (a *Accumulator) Merge(b *Accumulator) {
	for name, c := range b.groups {
		a.AddCounts(name, *c)
	}
}

// Len returns the number of distinct groups seen.
func (a *Accumulator) Len() int { return len(a.groups) }

// Groups returns the counts per group, ordered by group name (byte order,
// which for UTF-8 is code-point order, the order numpy.unique gives).
func (a *Accumulator) Groups() []GroupCounts {
	out := make([]GroupCounts, 0, len(a.groups))
	for name, c := range a.groups {
		out = append(out, GroupCounts{Group: name, Counts: *c})
	}
	slices.SortFunc(out, func(x, y GroupCounts) int { return cmp.Compare(x.Group, y.Group) })
	return out
}
