package monitor

import (
	"errors"
	"fmt"
	"math"
)

// Layout is what every window of a monitor shares: the schema and the
// fixed bins of each numeric feature, cut from the reference. Windows over
// the same Layout merge and compare.
type Layout struct {
	Schema        Schema
	Bins          []*Bins // by Schema.Numeric
	MaxCategories int     // distinct values per categorical feature; 0: DefaultMaxCategories
}

// NewLayout checks a schema and its bins.
func NewLayout(s Schema, bins []*Bins) (*Layout, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if len(bins) != len(s.Numeric) {
		return nil, fmt.Errorf("monitor: %d bins for %d numeric features", len(bins), len(s.Numeric))
	}
	for i, b := range bins {
		if b == nil {
			return nil, fmt.Errorf("monitor: no bins for feature %q", s.Numeric[i])
		}
	}
	if s.Task == "" {
		s.Task = TaskBinary
	}
	return &Layout{Schema: s, Bins: bins}, nil
}

// Profiler is the first pass over a reference: it samples each numeric
// feature (exactly up to the exact limit, then a reservoir) to cut the
// bins that every window of the monitor will count into. The second pass
// adds the same reference to a Window over the Layout.
type Profiler struct {
	schema  Schema
	samples []*Sample
	lo, hi  []float64 // each numeric feature's smallest and largest value
}

// NewProfiler returns a profiler keeping up to exactLimit values per
// numeric feature (0: DefaultExactLimit); seed makes the reservoir repeat.
func NewProfiler(s Schema, exactLimit int, seed uint64) (*Profiler, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	p := &Profiler{schema: s}
	for i := range s.Numeric {
		p.samples = append(p.samples, NewSample(exactLimit, seed+uint64(i)))
		p.lo = append(p.lo, math.Inf(1))
		p.hi = append(p.hi, math.Inf(-1))
	}
	return p, nil
}

// Add samples one reference event's numeric features. NaN and ±Inf are
// missing, as Hist.Add counts them: an infinity has no place among the
// bins' edges.
func (p *Profiler) Add(ev *Event) error {
	if len(ev.Num) != len(p.samples) {
		return fmt.Errorf("monitor: event has %d numeric features, the schema %d", len(ev.Num), len(p.samples))
	}
	for i, x := range ev.Num {
		if x-x != 0 { // NaN or ±Inf
			x = math.NaN()
		} else {
			p.lo[i], p.hi[i] = min(p.lo[i], x), max(p.hi[i], x)
		}
		p.samples[i].Add(x)
	}
	return nil
}

// Layout cuts fine and PSI bins at the sampled reference quantiles
// (0: DefaultFineBins, DefaultPSIBins), fenced at each feature's range in
// the whole reference (FencedBinsFromSorted: windows count the values
// outside it). A feature with no reference values is an error: nothing
// can be compared with it.
func (p *Profiler) Layout(fine, psi int) (*Layout, error) {
	if fine == 0 {
		fine = DefaultFineBins
	}
	if psi == 0 {
		psi = DefaultPSIBins
	}
	if fine < 2 || psi < 2 {
		return nil, errors.New("monitor: at least two bins")
	}
	bins := make([]*Bins, len(p.samples))
	for i, s := range p.samples {
		if s.N() == 0 {
			return nil, fmt.Errorf("monitor: numeric feature %q has no values in the reference", p.schema.Numeric[i])
		}
		b, err := FencedBinsFromSorted(s.Sorted(), p.lo[i], p.hi[i], fine, psi)
		if err != nil {
			return nil, err
		}
		bins[i] = b
		if _, _, few := s.FewDistinct(); few {
			bins[i].CountFew()
		}
	}
	return NewLayout(p.schema, bins)
}
