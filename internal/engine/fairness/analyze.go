package fairness

import (
	"errors"
	"fmt"
	"math"
)

// FourFifths is the threshold of the four-fifths rule (US EEOC Uniform
// Guidelines, 29 CFR 1607.4(D)): a group whose rate of the favourable
// outcome is below four fifths of the reference group's shows adverse
// impact.
const FourFifths = 0.8

// Favourable says which prediction is the favourable outcome for the
// people decided on, as AIF360's favorable_label does. Disparate impact
// and the four-fifths rule compare groups' rates of the favourable
// outcome: with FavourablePositive (hired, approved) that is the selection
// rate; with FavourableNegative (the positive prediction is adverse: a
// fraud or high-risk flag, a rejection) it is the rate of negative
// predictions, 1 − selection rate. No other figure depends on it.
type Favourable uint8

const (
	// FavourablePositive: the positive prediction is favourable (the
	// default, and the reading of the four-fifths rule before the option
	// existed).
	FavourablePositive Favourable = iota
	// FavourableNegative: the negative prediction is favourable.
	FavourableNegative
)

// String returns "positive" or "negative", as Report.Favourable writes it.
func (f Favourable) String() string {
	if f == FavourableNegative {
		return "negative"
	}
	return "positive"
}

// ParseFavourable reads "positive" or "negative"; "" is positive.
func ParseFavourable(s string) (Favourable, error) {
	switch s {
	case "", "positive":
		return FavourablePositive, nil
	case "negative":
		return FavourableNegative, nil
	}
	return 0, fmt.Errorf("fairness: favourable outcome %q: want positive or negative", s)
}

// Reference rules, as Report.ReferenceRule states them.
const (
	RuleGiven             = "given"
	RuleHighestSelection  = "highest selection rate"
	RuleHighestFavourable = "highest favourable rate"
)

// Options configure Analyze.
type Options struct {
	// Reference names the group that disparate impact is measured against.
	// Empty means the group with the highest rate of the favourable
	// outcome (the EEOC reading of the four-fifths rule): the highest
	// selection rate, or with FavourableNegative the lowest; ties go to the
	// first by name.
	Reference string
	// Favourable says which prediction is the favourable outcome; the zero
	// value is the positive one.
	Favourable Favourable
	// Bootstrap is the number of bootstrap replicates B; 0 skips the
	// intervals.
	Bootstrap int
	// Seed makes the bootstrap deterministic: the same counts, options and
	// seed always give the same intervals.
	Seed uint64
	// Level is the confidence level of the percentile intervals; 0 means 0.95.
	Level float64
	// Stratified resamples within each group, keeping group sizes fixed,
	// instead of resampling all rows together. See bootstrap.go.
	Stratified bool
}

// Estimate is one figure of the report with its bootstrap interval.
type Estimate struct {
	// Value is the point estimate; NaN when undefined (a zero denominator).
	Value float64
	// CI is the percentile bootstrap interval; nil when no bootstrap ran.
	CI *Interval
}

// Interval is a percentile bootstrap confidence interval.
type Interval struct {
	Lo, Hi float64
	// Undefined counts replicates in which the figure was undefined (for
	// example a group with no positive labels in that resample). They are
	// left out of the percentiles; Lo and Hi are NaN when all were.
	Undefined int
}

// GroupMetrics are the confusion counts and rates of one group, or of all
// rows together for Report.Overall.
type GroupMetrics struct {
	Group string `json:"group"`
	N     int64  `json:"n"`
	Counts
	BaseRate      Estimate `json:"base_rate"`
	SelectionRate Estimate `json:"selection_rate"`
	TPR           Estimate `json:"tpr"`
	FPR           Estimate `json:"fpr"`
	FNR           Estimate `json:"fnr"`
	PPV           Estimate `json:"ppv"`
	Accuracy      Estimate `json:"accuracy"`
	// ImpactRatio is this group's rate of the favourable outcome over the
	// reference group's (disparate impact): selection rates, or with
	// FavourableNegative rates of the negative prediction (1 − selection
	// rate). Undefined when the reference's rate is 0. Not set on
	// Report.Overall.
	ImpactRatio Estimate `json:"impact_ratio"`
	// AdverseImpact is true when ImpactRatio is defined and below 0.8.
	AdverseImpact bool `json:"adverse_impact"`
}

// Report is the fairness audit of one classifier on one data set.
type Report struct {
	Groups  []GroupMetrics `json:"groups"`
	Overall GroupMetrics   `json:"overall"`
	// Reference is the group ImpactRatio is measured against, and
	// ReferenceRule says how it was chosen: "given", "highest selection
	// rate" or (FavourableNegative) "highest favourable rate".
	Reference     string `json:"reference"`
	ReferenceRule string `json:"reference_rule"`
	// Favourable is the prediction treated as the favourable outcome,
	// "positive" or "negative": ImpactRatio, MinImpactRatio and the
	// four-fifths rule are computed on its rate. Reports written before it
	// existed read "" here, which means "positive".
	Favourable string `json:"favourable"`
	// DemographicParityDifference is max − min selection rate over groups.
	// It and the ratio are defined on selection rates whatever outcome is
	// favourable, as fairlearn defines them (the difference is the same
	// on 1 − selection rate; the ratio is not).
	DemographicParityDifference Estimate `json:"demographic_parity_difference"`
	// DemographicParityRatio is min / max selection rate over groups.
	DemographicParityRatio Estimate `json:"demographic_parity_ratio"`
	// EqualizedOddsDifference is the larger of the TPR spread and the FPR
	// spread (max − min over groups), as fairlearn defines it.
	EqualizedOddsDifference Estimate `json:"equalized_odds_difference"`
	// EqualOpportunityDifference is the TPR spread (max − min over groups).
	EqualOpportunityDifference Estimate `json:"equal_opportunity_difference"`
	// MinImpactRatio is the smallest ImpactRatio over groups.
	MinImpactRatio Estimate `json:"min_impact_ratio"`
	// FourFifthsRuleMet is true when every group's impact ratio is defined
	// and at least 0.8.
	FourFifthsRuleMet bool `json:"four_fifths_rule_met"`
	// Bootstrap describes the resampling; nil when none ran.
	Bootstrap *BootstrapInfo `json:"bootstrap,omitempty"`
}

// BootstrapInfo records how the intervals were made, so they can be
// reproduced.
type BootstrapInfo struct {
	Replicates int     `json:"replicates"`
	Seed       uint64  `json:"seed"`
	Level      float64 `json:"level"`
	Stratified bool    `json:"stratified"`
	Method     string  `json:"method"`
}

// The statistics vector that evaluate fills: per group the seven rates and
// the impact ratio, then the overall rates, then the five disparities. The
// bootstrap recomputes the same vector on every replicate. Only the impact
// ratios and their minimum depend on Options.Favourable.
const (
	iBase = iota
	iSel
	iTPR
	iFPR
	iFNR
	iPPV
	iAcc
	numRates
	iImpact  = numRates
	perGroup = numRates + 1
)

const (
	iDPD = iota
	iDPR
	iEOD
	iEOpD
	iMinImpact
	numSummary
)

func statLen(groups int) int { return groups*perGroup + numRates + numSummary }

// Analyze computes the report for the counts of an accumulator.
func Analyze(acc *Accumulator, opt Options) (*Report, error) {
	return AnalyzeCounts(acc.Groups(), opt)
}

// AnalyzeCounts computes the report from counts per group. Group names
// must be distinct; empty groups are refused since none of their rates
// would be defined.
func AnalyzeCounts(groups []GroupCounts, opt Options) (*Report, error) {
	if len(groups) == 0 {
		return nil, errors.New("fairness: no rows")
	}
	if opt.Bootstrap < 0 {
		return nil, fmt.Errorf("fairness: bootstrap replicates %d < 0", opt.Bootstrap)
	}
	if opt.Level == 0 {
		opt.Level = 0.95
	}
	if !(opt.Level > 0 && opt.Level < 1) {
		return nil, fmt.Errorf("fairness: confidence level %v not in (0, 1)", opt.Level)
	}
	counts := make([]Counts, len(groups))
	seen := make(map[string]bool, len(groups))
	for i, g := range groups {
		if seen[g.Group] {
			return nil, fmt.Errorf("fairness: group %q appears twice", g.Group)
		}
		seen[g.Group] = true
		if g.N() == 0 {
			return nil, fmt.Errorf("fairness: group %q has no rows", g.Group)
		}
		if g.TP < 0 || g.FP < 0 || g.TN < 0 || g.FN < 0 {
			return nil, fmt.Errorf("fairness: group %q has a negative count", g.Group)
		}
		counts[i] = g.Counts
	}
	if opt.Favourable > FavourableNegative {
		return nil, fmt.Errorf("fairness: favourable outcome %d: want FavourablePositive or FavourableNegative", opt.Favourable)
	}
	ref, rule, err := reference(groups, opt.Reference, opt.Favourable)
	if err != nil {
		return nil, err
	}
	stats := make([]float64, statLen(len(counts)))
	evaluate(counts, ref, opt.Favourable, stats)

	var cis []Interval
	r := &Report{Reference: groups[ref].Group, ReferenceRule: rule, Favourable: opt.Favourable.String()}
	if opt.Bootstrap > 0 {
		cis = bootstrapIntervals(counts, ref, opt)
		method := "multinomial resampling of all rows (equivalent to resampling rows with replacement)"
		if opt.Stratified {
			method = "multinomial resampling of rows within each group (group sizes fixed)"
		}
		r.Bootstrap = &BootstrapInfo{Replicates: opt.Bootstrap, Seed: opt.Seed, Level: opt.Level,
			Stratified: opt.Stratified, Method: method + ", percentile intervals"}
	}
	est := func(i int) Estimate {
		e := Estimate{Value: stats[i]}
		if cis != nil {
			ci := cis[i]
			e.CI = &ci
		}
		return e
	}
	var total Counts
	r.FourFifthsRuleMet = true
	for g, gc := range groups {
		m := groupMetrics(gc.Group, gc.Counts, est, g*perGroup)
		m.ImpactRatio = est(g*perGroup + iImpact)
		m.AdverseImpact = m.ImpactRatio.Value < FourFifths
		if !(m.ImpactRatio.Value >= FourFifths) {
			r.FourFifthsRuleMet = false
		}
		r.Groups = append(r.Groups, m)
		total = total.Plus(gc.Counts)
	}
	base := len(groups) * perGroup
	r.Overall = groupMetrics("", total, est, base)
	r.Overall.ImpactRatio = Estimate{Value: math.NaN()}
	base += numRates
	r.DemographicParityDifference = est(base + iDPD)
	r.DemographicParityRatio = est(base + iDPR)
	r.EqualizedOddsDifference = est(base + iEOD)
	r.EqualOpportunityDifference = est(base + iEOpD)
	r.MinImpactRatio = est(base + iMinImpact)
	return r, nil
}

func groupMetrics(name string, c Counts, est func(int) Estimate, at int) GroupMetrics {
	return GroupMetrics{
		Group: name, N: c.N(), Counts: c,
		BaseRate: est(at + iBase), SelectionRate: est(at + iSel),
		TPR: est(at + iTPR), FPR: est(at + iFPR), FNR: est(at + iFNR),
		PPV: est(at + iPPV), Accuracy: est(at + iAcc),
	}
}

// reference finds the index of the reference group: the named one, else
// the first with the highest rate of the favourable outcome.
func reference(groups []GroupCounts, name string, fav Favourable) (int, string, error) {
	if name != "" {
		for i, g := range groups {
			if g.Group == name {
				return i, RuleGiven, nil
			}
		}
		return 0, "", fmt.Errorf("fairness: reference group %q not in the data", name)
	}
	best, bestRate := 0, -1.0
	for i, g := range groups {
		if r := favourableRate(g.Counts, fav); r > bestRate {
			best, bestRate = i, r
		}
	}
	if fav == FavourableNegative {
		return best, RuleHighestFavourable, nil
	}
	return best, RuleHighestSelection, nil
}

// favourableRate is the share of c's rows whose prediction is the
// favourable outcome: the selection rate (TP+FP)/n, or (TN+FN)/n, computed
// from the counts rather than as 1 − selection rate.
func favourableRate(c Counts, fav Favourable) float64 {
	if fav == FavourableNegative {
		return ratio(c.TN+c.FN, c.N())
	}
	return ratio(c.TP+c.FP, c.N())
}

// ratio is num/den, NaN when den is 0.
func ratio(num, den int64) float64 {
	if den == 0 {
		return math.NaN()
	}
	return float64(num) / float64(den)
}

// rates writes the seven rates of c into out[0:numRates].
func rates(c Counts, out []float64) {
	n := c.N()
	pos, neg, sel := c.TP+c.FN, c.FP+c.TN, c.TP+c.FP
	out[iBase] = ratio(pos, n)
	out[iSel] = ratio(sel, n)
	out[iTPR] = ratio(c.TP, pos)
	out[iFPR] = ratio(c.FP, neg)
	out[iFNR] = ratio(c.FN, pos)
	out[iPPV] = ratio(c.TP, sel)
	out[iAcc] = ratio(c.TP+c.TN, n)
}

// evaluate fills out (length statLen(len(counts))) with every statistic of
// the report. It allocates nothing, since the bootstrap calls it B times.
// The impact ratios compare rates of the favourable outcome (fav); every
// other statistic is the same whichever outcome is favourable.
func evaluate(counts []Counts, ref int, fav Favourable, out []float64) {
	var total Counts
	for g, c := range counts {
		rates(c, out[g*perGroup:])
		total = total.Plus(c)
	}
	if fav == FavourablePositive {
		refSel := out[ref*perGroup+iSel]
		for g := range counts {
			at := g*perGroup + iImpact
			if refSel == 0 {
				out[at] = math.NaN() // 0/0 or x/0: no reference selection to compare with
			} else {
				out[at] = out[g*perGroup+iSel] / refSel
			}
		}
	} else {
		// The rate of the negative prediction; a group absent from a
		// replicate has a NaN rate, so a NaN ratio, as with selection rates.
		refFav := favourableRate(counts[ref], fav)
		for g, c := range counts {
			at := g*perGroup + iImpact
			if refFav == 0 || math.IsNaN(refFav) {
				out[at] = math.NaN() // the reference never gets the favourable outcome
			} else {
				out[at] = favourableRate(c, fav) / refFav
			}
		}
	}
	base := len(counts) * perGroup
	rates(total, out[base:])
	base += numRates
	selMin, selMax := spread(out, len(counts), iSel)
	tprMin, tprMax := spread(out, len(counts), iTPR)
	fprMin, fprMax := spread(out, len(counts), iFPR)
	impMin, _ := spread(out, len(counts), iImpact)
	out[base+iDPD] = selMax - selMin
	if selMax == 0 {
		out[base+iDPR] = math.NaN()
	} else {
		out[base+iDPR] = selMin / selMax
	}
	out[base+iEOpD] = tprMax - tprMin
	out[base+iEOD] = max(tprMax-tprMin, fprMax-fprMin) // built-in max propagates NaN
	out[base+iMinImpact] = impMin
}

// spread returns the min and max of statistic k over groups, both NaN when
// any group's value is NaN.
func spread(out []float64, groups, k int) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for g := range groups {
		v := out[g*perGroup+k]
		if math.IsNaN(v) {
			return math.NaN(), math.NaN()
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}
