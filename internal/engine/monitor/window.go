package monitor

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// ScoreBins is how many equal-width bins over [0, 1] a window keeps per
// class for the ROC AUC. Pairs of a positive and a negative whose scores
// share a bin count as ties (½). A window remembers which bins hold more
// than one distinct score, so the AUC is exact when none does (scores
// rounded to 3 decimals, for instance: Metrics.AUCErrorBound is then 0)
// and is otherwise off by at most AUCErrorBound, half the share of
// positive–negative pairs that share such a bin (about 1/(2·ScoreBins)
// for continuous scores).
const ScoreBins = 4096

// LatencyAccuracy is the relative accuracy of the latency quantiles: the
// DDSketch returns a value within 1% of the exact (lower) quantile.
const LatencyAccuracy = 0.01

// LogLossEpsilon clips scores to [ε, 1−ε] in the log loss, as
// sklearn.metrics.log_loss does for float64 (machine epsilon).
const LogLossEpsilon = 2.220446049250313e-16

// Window is the mergeable state of a model's predictions over a period:
// counts, quality, latency and per-feature distributions. Adding events to
// two windows and merging them gives the same state as adding them all to
// one (integer counts exactly, float sums to rounding). Adding an event
// does not allocate once each categorical value has been seen. A Window is
// not safe for concurrent use; merge per-goroutine windows instead.
type Window struct {
	layout     *Layout
	task       int8
	Start, End time.Time // earliest and latest event time
	Events     uint64
	Labelled   uint64

	// Binary classification.
	TP, FP, TN, FN uint64
	ScorePos       []uint64  // score histogram of labelled positives (ScoreBins)
	ScoreNeg       []uint64  // and negatives
	ScoreFirst     []float64 // the first score counted in each bin
	ScoreMixed     []bool    // whether a bin holds more than one distinct score
	LogLossSum     float64   // Σ −log p(true class), over labelled events with a score
	LogLossN       uint64
	PredPositive   uint64 // predicted positive, labelled or not
	ScoreSum       float64
	ScoreN         uint64

	// Multiclass: Confusion[true·k + predicted].
	Confusion []uint64

	// Regression.
	Err      ErrorSums // of the labelled events' errors
	ValueSum float64
	ValueN   uint64

	// Latency.
	Latency    *ddsketch.DDSketch
	LatencyN   uint64
	LatencySum float64
	LatencyMin float64 // +Inf when no latency was seen
	LatencyMax float64 // −Inf when no latency was seen

	Num    []*Hist   // by Schema.Numeric
	Cat    []*Counts // by Schema.Categorical
	Groups []map[string]*GroupStats
}

// GroupStats are the counts of one value of a group attribute.
type GroupStats struct {
	Events, Labelled uint64
	Correct          uint64    // classification: labelled and predicted right
	PredPositive     uint64    // binary: predicted positive, labelled or not
	LabelPositive    uint64    // binary: labelled positive
	Err              ErrorSums // regression: of the labelled events' errors
	// Binary: the confusion counts of the labelled events (TP + FN =
	// LabelPositive, TP + TN = Correct), for per-group TPR and FPR.
	TP, FP, TN, FN uint64
}

const (
	taskBinary int8 = iota
	taskMulticlass
	taskRegression
)

// NewWindow returns an empty window over the layout.
func NewWindow(l *Layout) *Window {
	w := &Window{layout: l, LatencyMin: math.Inf(1), LatencyMax: math.Inf(-1)}
	switch l.Schema.Task {
	case TaskMulticlass:
		w.task = taskMulticlass
		k := len(l.Schema.Classes)
		w.Confusion = make([]uint64, k*k)
	case TaskRegression:
		w.task = taskRegression
	default:
		w.ScorePos = make([]uint64, ScoreBins)
		w.ScoreNeg = make([]uint64, ScoreBins)
		w.ScoreFirst = make([]float64, ScoreBins)
		w.ScoreMixed = make([]bool, ScoreBins)
	}
	w.Latency = newLatencySketch()
	for _, b := range l.Bins {
		w.Num = append(w.Num, NewHist(b))
	}
	for range l.Schema.Categorical {
		w.Cat = append(w.Cat, &Counts{Max: l.MaxCategories})
	}
	for range l.Schema.Groups {
		w.Groups = append(w.Groups, map[string]*GroupStats{})
	}
	return w
}

// newLatencySketch returns a DDSketch with the cubically interpolated
// index mapping (no logarithm per value; the same relative-accuracy
// guarantee) and at most 2,048 buckets per sign, collapsing the lowest:
// 1% buckets from 1 µs to beyond 10⁸ ms fit.
func newLatencySketch() *ddsketch.DDSketch {
	return ddsketch.NewDDSketch(latencyMapping, store.NewCollapsingLowestDenseStore(2048), store.NewCollapsingLowestDenseStore(2048))
}

// latencyMapping is the index mapping of every latency sketch (one value,
// so that Equals, which MergeWith asks, compares it with itself).
var latencyMapping = func() *cubicMapping {
	m, err := mapping.NewCubicallyInterpolatedMapping(LatencyAccuracy)
	if err != nil {
		panic(err) // constant, valid argument
	}
	// The library's multiplier, 1/log2(gamma), computed as it does.
	gamma := math.Pow((1+LatencyAccuracy)/(1-LatencyAccuracy), 10*math.Ln2/7)
	return &cubicMapping{m, 1 / math.Log2(gamma)}
}()

// cubicMapping is sketches-go's cubically interpolated mapping with a
// bucket's bounds computed in 64 bits on every platform. The library's
// own (v1.4.8) builds the bound's exponent by shifting a Go int 52 bits
// left, which on a 32-bit platform (GOARCH=386, arm) shifts it out: every
// bucket's bound came out near 2⁻¹⁰²³·…, so each latency quantile was the
// smallest value seen (p95 40 ms where half the events took 120 ms).
// Index, the hot path, is the library's: it only reads the bits.
type cubicMapping struct {
	*mapping.CubicallyInterpolatedMapping
	multiplier float64 // 1/log2(gamma); the mapping has no index offset
}

// Cubic interpolation coefficients of the mapping (approximateLog's).
const (
	cubicA = 6.0 / 35
	cubicB = -3.0 / 5
	cubicC = 10.0 / 7
)

// LowerBound is the least value of bucket index: the inverse of the
// library's cubic approximation of log2 (Cardano's formula), then 2 to the
// power of its integer part by math.Ldexp.
func (m *cubicMapping) LowerBound(index int) float64 {
	x := float64(index) / m.multiplier
	exponent := math.Floor(x)
	d0 := cubicB*cubicB - 3*cubicA*cubicC
	d1 := 2*cubicB*cubicB*cubicB - 9*cubicA*cubicB*cubicC - 27*cubicA*cubicA*(x-exponent)
	p := math.Cbrt((d1 - math.Sqrt(d1*d1-4*d0*d0*d0)) / 2)
	significandPlusOne := -(cubicB+p+d0/p)/(3*cubicA) + 1
	return math.Ldexp(significandPlusOne, int(exponent))
}

// Value is the value a bucket stands for, as the library defines it.
func (m *cubicMapping) Value(index int) float64 {
	return m.LowerBound(index) * (1 + m.RelativeAccuracy())
}

// Equals reports whether other is the same mapping.
func (m *cubicMapping) Equals(other mapping.IndexMapping) bool {
	o, ok := other.(*cubicMapping)
	return ok && m.CubicallyInterpolatedMapping.Equals(o.CubicallyInterpolatedMapping)
}

// Layout returns the window's layout.
func (w *Window) Layout() *Layout { return w.layout }

// Errors Add returns for events it cannot count; the event is not counted.
var (
	ErrShape = errors.New("monitor: event does not match the schema")
	ErrValue = errors.New("monitor: invalid prediction event")
)

// Add counts one event. An event whose slices do not match the schema, or
// whose score, class, label or latency is out of range, is refused with an
// error and not counted.
func (w *Window) Add(ev *Event) error {
	s := &w.layout.Schema
	if len(ev.Num) != len(w.Num) || len(ev.Cat) != len(w.Cat) || len(ev.Groups) > len(w.Groups) {
		return fmt.Errorf("%w: %d numeric, %d categorical, %d group values; want %d, %d, %d",
			ErrShape, len(ev.Num), len(ev.Cat), len(ev.Groups), len(w.Num), len(w.Cat), len(w.Groups))
	}
	if ev.LatencyMS < 0 || math.IsInf(ev.LatencyMS, 0) {
		return fmt.Errorf("%w: latency %g ms", ErrValue, ev.LatencyMS)
	}
	labelled := ev.Label == ev.Label
	var pred int // predicted class (classification)
	var correct bool
	switch w.task {
	case taskBinary:
		score := ev.Score
		if score == score && !(score >= 0 && score <= 1) {
			return fmt.Errorf("%w: score %g outside [0, 1]", ErrValue, score)
		}
		switch {
		case ev.Class == 0 || ev.Class == 1:
			pred = ev.Class
		case ev.Class == -1 && score == score:
			if score >= s.threshold() {
				pred = 1
			}
		default:
			return fmt.Errorf("%w: binary prediction needs a score in [0, 1] or class 0 or 1 (class %d)", ErrValue, ev.Class)
		}
		if labelled && ev.Label != 0 && ev.Label != 1 {
			return fmt.Errorf("%w: binary label %g: want 0 or 1", ErrValue, ev.Label)
		}
		w.addBinary(score, pred, ev.Label, labelled)
		correct = labelled && float64(pred) == ev.Label
	case taskMulticlass:
		k := len(s.Classes)
		if ev.Class < 0 || ev.Class >= k {
			return fmt.Errorf("%w: class %d: want 0 to %d", ErrValue, ev.Class, k-1)
		}
		pred = ev.Class
		if labelled {
			y := int(ev.Label)
			if float64(y) != ev.Label || y < 0 || y >= k {
				return fmt.Errorf("%w: label %g: want a class index 0 to %d", ErrValue, ev.Label, k-1)
			}
			w.Confusion[y*k+pred]++
			w.Labelled++
			correct = y == pred
		}
	case taskRegression:
		if !finite(ev.Value) {
			return fmt.Errorf("%w: regression prediction %g", ErrValue, ev.Value)
		}
		if labelled && math.IsInf(ev.Label, 0) {
			return fmt.Errorf("%w: label %g", ErrValue, ev.Label)
		}
		w.ValueSum += ev.Value
		w.ValueN++
		if labelled {
			w.Err.Add(ev.Value, ev.Label)
			w.Labelled++
		}
	}
	w.Events++
	if !ev.Time.IsZero() {
		if w.Start.IsZero() || ev.Time.Before(w.Start) {
			w.Start = ev.Time
		}
		if ev.Time.After(w.End) {
			w.End = ev.Time
		}
	}
	if lat := ev.LatencyMS; lat == lat {
		w.Latency.Add(lat)
		w.LatencyN++
		w.LatencySum += lat
		if lat < w.LatencyMin {
			w.LatencyMin = lat
		}
		if lat > w.LatencyMax {
			w.LatencyMax = lat
		}
	}
	for i, x := range ev.Num {
		w.Num[i].Add(x)
	}
	for i, v := range ev.Cat {
		w.Cat[i].Add(v)
	}
	for i, g := range ev.Groups {
		if g == "" {
			continue
		}
		gs := w.Groups[i][g]
		if gs == nil {
			gs = &GroupStats{}
			w.Groups[i][g] = gs
		}
		gs.Events++
		if labelled {
			gs.Labelled++
			if correct {
				gs.Correct++
			}
			switch w.task {
			case taskBinary:
				switch {
				case ev.Label == 1 && pred == 1:
					gs.TP++
				case ev.Label == 1:
					gs.FN++
				case pred == 1:
					gs.FP++
				default:
					gs.TN++
				}
				if ev.Label == 1 {
					gs.LabelPositive++
				}
			case taskRegression:
				gs.Err.Add(ev.Value, ev.Label)
			}
		}
		if w.task == taskBinary && pred == 1 {
			gs.PredPositive++
		}
	}
	return nil
}

func (w *Window) addBinary(score float64, pred int, label float64, labelled bool) {
	if pred == 1 {
		w.PredPositive++
	}
	hasScore := score == score
	if hasScore {
		w.ScoreSum += score
		w.ScoreN++
	}
	if !labelled {
		return
	}
	w.Labelled++
	pos := label == 1
	switch {
	case pos && pred == 1:
		w.TP++
	case pos:
		w.FN++
	case pred == 1:
		w.FP++
	default:
		w.TN++
	}
	if !hasScore {
		return
	}
	b := int(score * ScoreBins)
	if b >= ScoreBins {
		b = ScoreBins - 1
	}
	if w.ScorePos[b] == 0 && w.ScoreNeg[b] == 0 {
		w.ScoreFirst[b] = score
	} else if w.ScoreFirst[b] != score {
		w.ScoreMixed[b] = true
	}
	p := min(max(score, LogLossEpsilon), 1-LogLossEpsilon)
	if pos {
		w.ScorePos[b]++
		w.LogLossSum -= math.Log(p)
	} else {
		w.ScoreNeg[b]++
		w.LogLossSum -= math.Log(1 - p)
	}
	w.LogLossN++
}

// Merge adds o into w. Both must share the same Layout.
func (w *Window) Merge(o *Window) error {
	if w.layout != o.layout {
		return errors.New("monitor: merging windows of different layouts")
	}
	if !o.Start.IsZero() && (w.Start.IsZero() || o.Start.Before(w.Start)) {
		w.Start = o.Start
	}
	if o.End.After(w.End) {
		w.End = o.End
	}
	w.Events += o.Events
	w.Labelled += o.Labelled
	w.TP += o.TP
	w.FP += o.FP
	w.TN += o.TN
	w.FN += o.FN
	for b := range o.ScoreFirst {
		switch {
		case o.ScorePos[b] == 0 && o.ScoreNeg[b] == 0:
		case w.ScorePos[b] == 0 && w.ScoreNeg[b] == 0:
			w.ScoreFirst[b], w.ScoreMixed[b] = o.ScoreFirst[b], o.ScoreMixed[b]
		case o.ScoreMixed[b] || o.ScoreFirst[b] != w.ScoreFirst[b]:
			w.ScoreMixed[b] = true
		}
	}
	addAll(w.ScorePos, o.ScorePos)
	addAll(w.ScoreNeg, o.ScoreNeg)
	addAll(w.Confusion, o.Confusion)
	w.LogLossSum += o.LogLossSum
	w.LogLossN += o.LogLossN
	w.PredPositive += o.PredPositive
	w.ScoreSum += o.ScoreSum
	w.ScoreN += o.ScoreN
	w.Err.Merge(o.Err)
	w.ValueSum += o.ValueSum
	w.ValueN += o.ValueN
	if err := w.Latency.MergeWith(o.Latency); err != nil {
		return err
	}
	w.LatencyN += o.LatencyN
	w.LatencySum += o.LatencySum
	w.LatencyMin = math.Min(w.LatencyMin, o.LatencyMin)
	w.LatencyMax = math.Max(w.LatencyMax, o.LatencyMax)
	for i := range w.Num {
		if err := w.Num[i].Merge(o.Num[i]); err != nil {
			return err
		}
	}
	for i := range w.Cat {
		w.Cat[i].Merge(o.Cat[i])
	}
	for i := range w.Groups {
		for g, os := range o.Groups[i] {
			gs := w.Groups[i][g]
			if gs == nil {
				gs = &GroupStats{}
				w.Groups[i][g] = gs
			}
			gs.Events += os.Events
			gs.Labelled += os.Labelled
			gs.Correct += os.Correct
			gs.PredPositive += os.PredPositive
			gs.LabelPositive += os.LabelPositive
			gs.Err.Merge(os.Err)
			gs.TP += os.TP
			gs.FP += os.FP
			gs.TN += os.TN
			gs.FN += os.FN
		}
	}
	return nil
}

// ErrorSums are the mergeable sums of a regression's errors e = prediction
// − label, from which the MAE and RMSE come: Σ|e| and Σe², each error
// first multiplied by 2^−Exp, the power of two that brings the largest
// error so far to below 1 in magnitude (multiplying by a power of two is
// exact). So the squares neither overflow (errors from about 1e154 on
// did, and the RMSE read +Inf — a figure a monitor leaves out as
// undefined) nor underflow (errors below about 1e-162 squared to 0, and
// the RMSE read 0, a perfect model), and an error beyond the largest
// float (a prediction of 1.2e308 for a label of −1.2e308) is counted
// exactly, not as +Inf. The zero value holds no error.
type ErrorSums struct {
	Abs, Sq float64 // Σ|e|·2^−Exp and Σ(e·2^−Exp)²
	Exp     int     // the largest error's binary exponent (math.Frexp's)
}

// Add adds the error of one prediction against its label (both finite).
func (s *ErrorSums) Add(pred, label float64) {
	e, x := pred-label, 0
	if math.IsInf(e, 0) {
		// Beyond the largest float: both halved (exact, at magnitudes
		// from 2^1023 on) and the exponent one more.
		e, x = pred/2-label/2, 1
	}
	if e == 0 {
		return
	}
	_, ex := math.Frexp(e)
	s.rescale(ex + x)
	a := math.Ldexp(math.Abs(e), x-s.Exp)
	s.Abs += a
	s.Sq += a * a
}

// rescale makes exp the exponent when it is above the sums' own (or the
// sums hold nothing), rescaling what they hold.
func (s *ErrorSums) rescale(exp int) {
	switch {
	case s.Abs == 0:
		s.Abs, s.Sq, s.Exp = 0, 0, exp
	case exp > s.Exp:
		d := s.Exp - exp
		s.Abs = math.Ldexp(s.Abs, d)
		s.Sq = math.Ldexp(s.Sq, 2*d)
		s.Exp = exp
	}
}

// Merge adds o's errors into s.
func (s *ErrorSums) Merge(o ErrorSums) {
	if o.Abs == 0 {
		return
	}
	s.rescale(o.Exp)
	d := o.Exp - s.Exp
	s.Abs += math.Ldexp(o.Abs, d)
	s.Sq += math.Ldexp(o.Sq, 2*d)
}

// MAE returns the mean absolute error over n errors (NaN when n is 0).
func (s ErrorSums) MAE(n uint64) float64 {
	return math.Ldexp(ratio(s.Abs, float64(n)), s.Exp)
}

// RMSE returns the root mean squared error over n errors (NaN when n is 0).
func (s ErrorSums) RMSE(n uint64) float64 {
	return math.Ldexp(math.Sqrt(ratio(s.Sq, float64(n))), s.Exp)
}

func addAll(a, b []uint64) {
	for i := range a {
		a[i] += b[i]
	}
}

// Drift compares every feature of the window with the reference window
// (same Layout) and decides dataset drift. A numeric feature whose values
// in the reference and the window are at most FewValues distinct ones
// (counted exactly, Hist.FewDistinct) is tested as categorical over its
// values (FewValuesDrift), as `lodestar drift` does; any other from the
// histograms (NumericBinned). A categorical feature that is ID-like in
// the reference (IDLike) is not tested, as `lodestar drift` leaves such a
// column untested.
func (w *Window) Drift(ref *Window, t Thresholds) (DatasetDrift, error) {
	if w.layout != ref.layout {
		return DatasetDrift{}, errors.New("monitor: comparing windows of different layouts")
	}
	s := &w.layout.Schema
	var out []FeatureDrift
	for i, name := range s.Numeric {
		r, c := ref.Num[i], w.Num[i]
		var f FeatureDrift
		rv, rn, rok := r.FewDistinct()
		cv, cn, cok := c.FewDistinct()
		if rok && cok && DistinctUnion(rv, cv) <= FewValues {
			// As `lodestar drift`: at most FewValues distinct values
			// across both, tested as categorical over the values.
			f = FewValuesDrift(rv, rn, cv, cn, t)
			f.RefMiss, f.CurMiss = int64(r.Missing), int64(c.Missing)
		} else {
			f = NumericBinned(r, c, t)
		}
		f.Name = name
		out = append(out, f)
	}
	for i, name := range s.Categorical {
		var f FeatureDrift
		if r := ref.Cat[i]; !r.Lumped() && IDLike(int64(r.Total()), r.Distinct()) {
			// As `lodestar drift`: nearly every value distinct in the
			// reference, an identifier more than a category.
			f = IDLikeDrift(r, w.Cat[i])
		} else {
			f = CategoricalDrift(r, w.Cat[i], t)
		}
		f.Name = name
		out = append(out, f)
	}
	return Summarize(out, t), nil
}
