package monitor

import (
	"cmp"
	"math"
	"slices"

	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
)

// DefaultMinGroupSize is how many events a value of a group attribute
// needs in a window before it takes part in the window's fairness
// figures (FairnessOptions.MinGroupSize overrides it): a group of three
// events, one of them flagged, has a selection rate of a third by chance,
// and must not raise an alarm.
const DefaultMinGroupSize = 30

// FairnessOptions configure Window.Fairness.
type FairnessOptions struct {
	// MinGroupSize is the least number of events (labelled events, for
	// the figures that need labels) a group needs to decide; 0 means
	// DefaultMinGroupSize.
	MinGroupSize uint64
	// Favourable says which binary prediction is the favourable outcome,
	// as in a fairness audit: the impact ratio compares groups' rates of
	// it (FavourableNegative: the positive prediction is adverse, a
	// high-risk or fraud flag).
	Favourable fairness.Favourable
}

// GroupFairness is one value of a group attribute in a window. Figures
// that are undefined (no labels, a zero denominator, not the task's) are
// NaN.
type GroupFairness struct {
	Group            string
	Events, Labelled uint64
	// Decides says whether the group has at least MinGroupSize events: it
	// takes part in choosing the reference and in MinImpactRatio.
	Decides bool
	// DecidesLabelled says whether it has at least MinGroupSize labelled
	// events (binary: with both outcomes among them, so that its TPR and
	// FPR are defined): it takes part in the label-based differences.
	DecidesLabelled bool
	// Binary, from every event: the share predicted positive and the
	// impact ratio (the group's rate of the favourable outcome over the
	// reference group's).
	SelectionRate, ImpactRatio float64
	// Binary, from labelled events: confusion counts, TPR and FPR.
	Counts   fairness.Counts
	TPR, FPR float64
	// Classification: accuracy over labelled events; regression: MAE.
	Accuracy, MAE float64
}

// AttributeFairness is a window's fairness across the values of one
// group attribute. The summary figures are computed over the groups that
// decide, and are NaN unless at least two do.
type AttributeFairness struct {
	Attribute string
	// Binary. Reference is the deciding group with the highest rate of
	// the favourable outcome, which impact ratios are measured against
	// ("" when no group decides). MinImpactRatio and
	// DemographicParityDifference come from predictions alone;
	// EqualOpportunityDifference (TPR spread) and EqualizedOddsDifference
	// (the larger of the TPR and FPR spreads) from labelled events.
	Reference                                           string
	MinImpactRatio, DemographicParityDifference         float64
	EqualOpportunityDifference, EqualizedOddsDifference float64
	// Multiclass: the spread (max − min) of the groups' accuracy;
	// regression: of their MAE.
	AccuracyGap, MAEGap float64
	Groups              []GroupFairness
}

// Fairness computes the window's fairness per group attribute, through
// the fairness engine's definitions (fairness.AnalyzeSelections for the
// figures from predictions, fairness.AnalyzeCounts for those that need
// labels). Groups below the minimum size are reported but do not decide.
// Attributes with no value in the window are left out.
func (w *Window) Fairness(opt FairnessOptions) ([]AttributeFairness, error) {
	minN := opt.MinGroupSize
	if minN == 0 {
		minN = DefaultMinGroupSize
	}
	nan := math.NaN()
	var out []AttributeFairness
	for i, attr := range w.layout.Schema.Groups {
		if i >= len(w.Groups) || len(w.Groups[i]) == 0 {
			continue
		}
		names := make([]string, 0, len(w.Groups[i]))
		for g := range w.Groups[i] {
			names = append(names, g)
		}
		slices.SortFunc(names, func(a, b string) int { return cmp.Compare(a, b) })
		af := AttributeFairness{Attribute: attr, MinImpactRatio: nan, DemographicParityDifference: nan,
			EqualOpportunityDifference: nan, EqualizedOddsDifference: nan, AccuracyGap: nan, MAEGap: nan}
		for _, g := range names {
			gs := w.Groups[i][g]
			gf := GroupFairness{Group: g, Events: gs.Events, Labelled: gs.Labelled, Decides: gs.Events >= minN,
				SelectionRate: nan, ImpactRatio: nan, TPR: nan, FPR: nan, Accuracy: nan, MAE: nan}
			gf.DecidesLabelled = gs.Labelled >= minN
			switch w.task {
			case taskBinary:
				gf.Counts = fairness.Counts{TP: int64(gs.TP), FP: int64(gs.FP), TN: int64(gs.TN), FN: int64(gs.FN)}
				gf.DecidesLabelled = gf.DecidesLabelled && gs.TP+gs.FN > 0 && gs.FP+gs.TN > 0
			case taskMulticlass:
				gf.Accuracy = ratio(float64(gs.Correct), float64(gs.Labelled))
			case taskRegression:
				gf.MAE = gs.Err.MAE(gs.Labelled)
			}
			af.Groups = append(af.Groups, gf)
		}
		var err error
		switch w.task {
		case taskBinary:
			err = binaryFairness(&af, w.Groups[i], opt.Favourable)
		case taskMulticlass:
			af.AccuracyGap = gap(af.Groups, func(g *GroupFairness) float64 { return g.Accuracy })
		case taskRegression:
			af.MAEGap = gap(af.Groups, func(g *GroupFairness) float64 { return g.MAE })
		}
		if err != nil {
			return nil, err
		}
		out = append(out, af)
	}
	return out, nil
}

// gap is max − min of f over the groups that decide on labels, NaN
// unless at least two do.
func gap(gs []GroupFairness, f func(*GroupFairness) float64) float64 {
	lo, hi, n := math.Inf(1), math.Inf(-1), 0
	for k := range gs {
		if !gs[k].DecidesLabelled {
			continue
		}
		v := f(&gs[k])
		lo, hi, n = min(lo, v), max(hi, v), n+1
	}
	if n < 2 {
		return math.NaN()
	}
	return hi - lo
}

// binaryFairness fills a binary classifier's figures through the fairness
// engine.
func binaryFairness(af *AttributeFairness, stats map[string]*GroupStats, fav fairness.Favourable) error {
	opt := fairness.Options{Favourable: fav}
	var all, decide []fairness.Selection
	var labelled, decideL []fairness.GroupCounts
	for _, g := range af.Groups {
		gs := stats[g.Group]
		s := fairness.Selection{Group: g.Group, N: int64(gs.Events), Selected: int64(gs.PredPositive)}
		all = append(all, s)
		if g.Decides {
			decide = append(decide, s)
		}
		if g.Labelled > 0 {
			labelled = append(labelled, fairness.GroupCounts{Group: g.Group, Counts: g.Counts})
		}
		if g.DecidesLabelled {
			decideL = append(decideL, fairness.GroupCounts{Group: g.Group, Counts: g.Counts})
		}
	}
	if len(decide) > 0 {
		r, err := fairness.AnalyzeSelections(decide, opt)
		if err != nil {
			return err
		}
		af.Reference = r.Reference
		if len(decide) >= 2 {
			af.MinImpactRatio, af.DemographicParityDifference = r.MinImpactRatio.Value, r.DemographicParityDifference.Value
		}
	}
	// Every group, small ones too, against the deciding reference (with
	// none deciding, the impact ratios are not reported).
	r, err := fairness.AnalyzeSelections(all, fairness.Options{Favourable: fav, Reference: af.Reference})
	if err != nil {
		return err
	}
	for k := range af.Groups {
		af.Groups[k].SelectionRate = r.Groups[k].SelectionRate.Value
		if af.Reference != "" {
			af.Groups[k].ImpactRatio = r.Groups[k].ImpactRatio.Value
		}
	}
	if len(labelled) > 0 {
		r, err := fairness.AnalyzeCounts(labelled, opt)
		if err != nil {
			return err
		}
		byName := map[string]fairness.GroupMetrics{}
		for _, g := range r.Groups {
			byName[g.Group] = g
		}
		for k := range af.Groups {
			if g, ok := byName[af.Groups[k].Group]; ok {
				af.Groups[k].TPR, af.Groups[k].FPR, af.Groups[k].Accuracy = g.TPR.Value, g.FPR.Value, g.Accuracy.Value
			}
		}
	}
	if len(decideL) >= 2 {
		r, err := fairness.AnalyzeCounts(decideL, opt)
		if err != nil {
			return err
		}
		af.EqualOpportunityDifference, af.EqualizedOddsDifference = r.EqualOpportunityDifference.Value, r.EqualizedOddsDifference.Value
	}
	return nil
}
