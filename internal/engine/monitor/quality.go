package monitor

import (
	"cmp"
	"errors"
	"math"
	"slices"
)

// DefaultQualityMinEvents is how many events a window needs for a
// feature's data quality to decide an alert: a share of missing or
// unexpected values in a handful of events is noise.
const DefaultQualityMinEvents = 30

// QualityExamples is how many of a categorical feature's new values a
// window's quality names (the most frequent first).
const QualityExamples = 5

// FeatureQuality is one feature's data quality in a window against the
// reference: how many of its values are missing, compared with the
// reference's share; for a numeric feature how many lie outside the
// reference's range [RefMin, RefMax] (every reference value, not a
// sample's); for a categorical one how many are values the reference
// never had. Shares are NaN when undefined (no events; no values; the
// reference's values beyond the count limit are not known one by one).
type FeatureQuality struct {
	Name            string
	Kind            string // Numeric or Categorical
	Events          uint64 // values and missing ones
	Missing         uint64
	MissingShare    float64 // of Events
	RefMissingShare float64 // the reference's
	// MissingIncrease is MissingShare − RefMissingShare.
	MissingIncrease float64

	// Numeric.
	RefMin, RefMax  float64
	Below, Above    uint64
	OutOfRangeShare float64 // (Below + Above) / values

	// Categorical.
	NewValues     uint64   // values the reference does not have
	NewValueShare float64  // of values
	NewExamples   []string // up to QualityExamples of them, most frequent first

	// Decides: at least the minimum number of events, so the shares may
	// raise an alert.
	Decides bool
}

// Quality measures each feature's data quality in w against the
// reference window ref (same layout). A feature decides when the window
// holds at least minEvents of its events (0: DefaultQualityMinEvents).
// Values outside the reference's range are counted exactly when the
// layout's bins are fenced (Profiler.Layout's are); otherwise the share is
// NaN.
func (w *Window) Quality(ref *Window, minEvents uint64) ([]FeatureQuality, error) {
	if w.layout != ref.layout {
		return nil, errors.New("monitor: comparing windows of different layouts")
	}
	if minEvents == 0 {
		minEvents = DefaultQualityMinEvents
	}
	s := &w.layout.Schema
	out := make([]FeatureQuality, 0, len(s.Numeric)+len(s.Categorical))
	for i, name := range s.Numeric {
		r, c := ref.Num[i], w.Num[i]
		q := FeatureQuality{Name: name, Kind: Numeric, NewValueShare: math.NaN()}
		q.missing(c.N, c.Missing, r.N, r.Missing, minEvents)
		q.RefMin, q.RefMax, q.OutOfRangeShare = math.NaN(), math.NaN(), math.NaN()
		if lo, hi, ok := c.bins.Range(); ok {
			q.RefMin, q.RefMax = lo, hi
			q.Below, q.Above = c.outside()
			q.OutOfRangeShare = share(q.Below+q.Above, c.N)
		}
		out = append(out, q)
	}
	for i, name := range s.Categorical {
		r, c := ref.Cat[i], w.Cat[i]
		q := FeatureQuality{Name: name, Kind: Categorical, RefMin: math.NaN(), RefMax: math.NaN(), OutOfRangeShare: math.NaN()}
		total := c.Total()
		q.missing(total, c.Missing, r.Total(), r.Missing, minEvents)
		q.NewValueShare = math.NaN()
		// Past its limit of distinct values a Counts lumps the rest into
		// OtherCategory: in the reference, a value not named may be among
		// them; in the window, the lumped values are not known one by one.
		if !r.Lumped() && !c.Lumped() {
			type seen struct {
				name string
				n    uint64
			}
			var fresh []seen
			for k, v := range c.Names {
				if _, ok := r.index[v]; ok || c.N[k] == 0 {
					continue
				}
				q.NewValues += c.N[k]
				fresh = append(fresh, seen{v, c.N[k]})
			}
			slices.SortFunc(fresh, func(a, b seen) int {
				return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.name, b.name))
			})
			for _, f := range fresh[:min(len(fresh), QualityExamples)] {
				q.NewExamples = append(q.NewExamples, f.name)
			}
			q.NewValueShare = share(q.NewValues, total)
		}
		out = append(out, q)
	}
	return out, nil
}

// missing fills the missing counts and shares and whether the feature
// decides.
func (q *FeatureQuality) missing(values, miss, refValues, refMiss, minEvents uint64) {
	q.Events, q.Missing = values+miss, miss
	q.MissingShare = share(miss, values+miss)
	q.RefMissingShare = share(refMiss, refValues+refMiss)
	q.MissingIncrease = q.MissingShare - q.RefMissingShare
	q.Decides = q.Events >= minEvents
}

// share is k/n, NaN when n is 0.
func share(k, n uint64) float64 {
	if n == 0 {
		return math.NaN()
	}
	return float64(k) / float64(n)
}
