package monitor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
)

// randomEvents makes n events for the schema: skewed numeric features,
// categorical ones with a long tail, missing values, labels on some.
func randomEvents(s *Schema, n int, seed uint64) []Event {
	rng := rand.New(rand.NewPCG(seed, 7))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	evs := make([]Event, n)
	for i := range evs {
		ev := s.NewEvent()
		ev.Time = base.Add(time.Duration(rng.IntN(3600)) * time.Second)
		for j := range ev.Num {
			if rng.IntN(50) == 0 {
				continue // missing
			}
			switch s.Numeric[j] {
			case "rating": // four values: tested as categorical
				ev.Num[j] = float64(1 + rng.IntN(4))
			case "grows": // three values in the reference (seed 1); a later window brings three more
				ev.Num[j] = float64(rng.IntN(3))
				if seed != 1 && i >= n/2 {
					ev.Num[j] = float64(rng.IntN(6))
				}
			default:
				ev.Num[j] = rng.NormFloat64()*float64(j+1) + math.Exp(rng.NormFloat64())
			}
		}
		for j := range ev.Cat {
			if rng.IntN(40) == 0 {
				continue
			}
			ev.Cat[j] = "v" + strconv.Itoa(int(rng.ExpFloat64()*3))
		}
		for j := range ev.Groups {
			ev.Groups[j] = []string{"north", "south", "east"}[rng.IntN(3)]
		}
		if rng.IntN(4) > 0 {
			ev.LatencyMS = rng.ExpFloat64() * 20
		}
		labelled := rng.IntN(3) > 0
		switch s.Task {
		case TaskMulticlass:
			ev.Class = rng.IntN(len(s.Classes))
			if labelled {
				ev.Label = float64(rng.IntN(len(s.Classes)))
			}
		case TaskRegression:
			ev.Value = rng.NormFloat64() * 10
			if labelled {
				ev.Label = ev.Value + rng.NormFloat64()
			}
		default:
			ev.Score = rng.Float64()
			if labelled {
				ev.Label = float64(rng.IntN(2))
			}
		}
		evs[i] = ev
	}
	return evs
}

func schemaFor(task string) Schema {
	s := Schema{Task: task, Groups: []string{"region"}}
	for i := range 4 {
		s.Numeric = append(s.Numeric, fmt.Sprintf("x%d", i))
	}
	s.Numeric = append(s.Numeric, "rating", "grows")
	s.Categorical = []string{"c0", "c1"}
	if task == TaskMulticlass {
		s.Classes = []string{"a", "b", "c", "d"}
	}
	return s
}

func profile(t testing.TB, s Schema, evs []Event) *Layout {
	t.Helper()
	p, err := NewProfiler(s, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range evs {
		if err := p.Add(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	l, err := p.Layout(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func fill(t testing.TB, l *Layout, evs []Event) *Window {
	t.Helper()
	w := NewWindow(l)
	for i := range evs {
		if err := w.Add(&evs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// TestMergeHalvesEqualsWhole adds events to one window, and the same
// events split at several points to two windows that are then merged: every
// statistic of the merged window must equal the whole's (counts exactly,
// float sums to 1e-12 relative), and so must the metrics and the drift.
func TestMergeHalvesEqualsWhole(t *testing.T) {
	for _, task := range []string{TaskBinary, TaskMulticlass, TaskRegression} {
		s := schemaFor(task)
		ref := randomEvents(&s, 3000, 1)
		l := profile(t, s, ref)
		refW := fill(t, l, ref)
		evs := randomEvents(&s, 5000, 2)
		whole := fill(t, l, evs)
		for _, cut := range []int{0, 1, 1234, 2500, 4999, 5000} {
			t.Run(fmt.Sprintf("%s/cut=%d", task, cut), func(t *testing.T) {
				a, b := fill(t, l, evs[:cut]), fill(t, l, evs[cut:])
				if err := a.Merge(b); err != nil {
					t.Fatal(err)
				}
				compareWindows(t, a, whole)
				mw, mm := whole.Metrics(), a.Metrics()
				compareStructs(t, "metrics", reflect.ValueOf(mm), reflect.ValueOf(mw))
				dw, err := whole.Drift(refW, Thresholds{})
				if err != nil {
					t.Fatal(err)
				}
				dm, _ := a.Drift(refW, Thresholds{})
				compareStructs(t, "drift", reflect.ValueOf(dm), reflect.ValueOf(dw))
				// Fairness per group: the counts are exact, so are the figures.
				for _, opt := range []FairnessOptions{{}, {MinGroupSize: 1700, Favourable: fairness.FavourableNegative}} {
					fw, err := whole.Fairness(opt)
					if err != nil {
						t.Fatal(err)
					}
					fm, err := a.Fairness(opt)
					if err != nil {
						t.Fatal(err)
					}
					if len(fw) != 1 || len(fw[0].Groups) != 3 {
						t.Fatalf("fairness of the whole: %+v, want one attribute of three groups", fw)
					}
					compareStructs(t, "fairness", reflect.ValueOf(fm), reflect.ValueOf(fw))
				}
				// rating: four values across both, tested as categorical;
				// grows: six once the window's second half is in, numeric
				// (in both halves' merge as in the whole).
				for _, f := range dm.Features {
					switch f.Name {
					case "rating":
						if f.Test != TestJensenShannon || f.Categories != 4 || f.Kind != Numeric {
							t.Errorf("rating: test %s over %d categories, kind %s", f.Test, f.Categories, f.Kind)
						}
					case "grows", "x0":
						if f.Test != TestWasserstein || f.Method != MethodBinned {
							t.Errorf("%s: test %s, method %s", f.Name, f.Test, f.Method)
						}
					}
				}
			})
		}
	}
}

func compareWindows(t *testing.T, got, want *Window) {
	t.Helper()
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		if !gv.Type().Field(i).IsExported() {
			continue
		}
		switch name {
		case "Latency":
			for _, q := range []float64{0, 0.1, 0.5, 0.9, 0.95, 0.99, 1} {
				g, err1 := got.Latency.GetValueAtQuantile(q)
				w, err2 := want.Latency.GetValueAtQuantile(q)
				if (err1 == nil) != (err2 == nil) || g != w {
					t.Errorf("latency quantile %g: got %g, want %g", q, g, w)
				}
			}
			if got.Latency.GetCount() != want.Latency.GetCount() {
				t.Errorf("latency count %g, want %g", got.Latency.GetCount(), want.Latency.GetCount())
			}
		case "Cat":
			for j := range got.Cat {
				g, w := got.Cat[j], want.Cat[j]
				if g.Missing != w.Missing || g.Distinct() != w.Distinct() {
					t.Errorf("categorical %d: missing %d/%d, distinct %d/%d", j, g.Missing, w.Missing, g.Distinct(), w.Distinct())
				}
				for _, v := range w.Names {
					if g.Get(v) != w.Get(v) {
						t.Errorf("categorical %d value %q: %d, want %d", j, v, g.Get(v), w.Get(v))
					}
				}
			}
		case "Num":
			compareStructs(t, name, gv.Field(i), wv.Field(i))
			for j := range got.Num {
				gv, gn, gok := got.Num[j].FewDistinct()
				wv, wn, wok := want.Num[j].FewDistinct()
				if gok != wok || !slices.Equal(gv, wv) || !slices.Equal(gn, wn) {
					t.Errorf("numeric %d distinct values %v %v (%v), want %v %v (%v)", j, gv, gn, gok, wv, wn, wok)
				}
			}
		default:
			compareStructs(t, name, gv.Field(i), wv.Field(i))
		}
	}
}

// compareStructs compares values field by field: floats to 1e-12
// relative (NaN equal to NaN), everything else exactly.
func compareStructs(t *testing.T, path string, g, w reflect.Value) {
	t.Helper()
	switch g.Kind() {
	case reflect.Float64:
		a, b := g.Float(), w.Float()
		if !(a == b || math.IsNaN(a) && math.IsNaN(b) || math.Abs(a-b) <= 1e-12*math.Abs(b)) {
			t.Errorf("%s = %.17g, want %.17g", path, a, b)
		}
	case reflect.Pointer, reflect.Interface:
		if g.IsNil() || w.IsNil() {
			if g.IsNil() != w.IsNil() {
				t.Errorf("%s: nil mismatch", path)
			}
			return
		}
		compareStructs(t, path, g.Elem(), w.Elem())
	case reflect.Struct:
		if g.Type() == reflect.TypeFor[time.Time]() {
			if !g.Interface().(time.Time).Equal(w.Interface().(time.Time)) {
				t.Errorf("%s = %v, want %v", path, g.Interface(), w.Interface())
			}
			return
		}
		for i := range g.NumField() {
			if g.Type().Field(i).IsExported() {
				compareStructs(t, path+"."+g.Type().Field(i).Name, g.Field(i), w.Field(i))
			}
		}
	case reflect.Slice:
		if g.Len() != w.Len() {
			t.Errorf("%s: length %d, want %d", path, g.Len(), w.Len())
			return
		}
		for i := range g.Len() {
			compareStructs(t, fmt.Sprintf("%s[%d]", path, i), g.Index(i), w.Index(i))
		}
	case reflect.Map:
		keys := w.MapKeys()
		if g.Len() != w.Len() {
			t.Errorf("%s: %d keys, want %d", path, g.Len(), w.Len())
		}
		for _, k := range keys {
			gv := g.MapIndex(k)
			if !gv.IsValid() {
				t.Errorf("%s: missing key %v", path, k)
				continue
			}
			compareStructs(t, fmt.Sprintf("%s[%v]", path, k), gv, w.MapIndex(k))
		}
	default:
		if !reflect.DeepEqual(g.Interface(), w.Interface()) {
			t.Errorf("%s = %v, want %v", path, g.Interface(), w.Interface())
		}
	}
}

// TestBinnedWithinBounds computes drift from histograms and from every
// value on the reference cases: the exact KS statistic must lie between
// the binned one and its upper bound, the binned Wasserstein within its
// error bound of the exact one, and the PSI equal the exact PSI (the PSI
// bins are the exact deciles when the bins are cut from every value).
func TestBinnedWithinBounds(t *testing.T) {
	for _, c := range loadReference(t).Numeric {
		t.Run(c.Name, func(t *testing.T) {
			r, u := sorted(c.Ref), sorted(c.Cur)
			b := BinsFromSorted(r, DefaultFineBins, DefaultPSIBins)
			hr, hc := NewHist(b), NewHist(b)
			for _, x := range r {
				hr.Add(x)
			}
			for _, x := range u {
				hc.Add(x)
			}
			ex := NumericExact(r, u, Thresholds{})
			bn := NumericBinned(hr, hc, Thresholds{})
			if !(bn.KS <= ex.KS+1e-12 && ex.KS <= bn.KSUpper+1e-12) {
				t.Errorf("exact KS %g outside binned [%g, %g]", ex.KS, bn.KS, bn.KSUpper)
			}
			if math.Abs(bn.Wasserstein-ex.Wasserstein) > bn.WassersteinBound+1e-9 {
				t.Errorf("binned Wasserstein %g, exact %g, bound %g", bn.Wasserstein, ex.Wasserstein, bn.WassersteinBound)
			}
			checkRel(t, "binned PSI", bn.PSI, c.PSI10, 1e-9, 1e-15)
			checkRel(t, "reference std", hr.Std(), c.Std, 1e-9, 1e-12)
		})
	}
}

func TestBinsIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 2, 3, 4, 7, 8, 9, 100, 101, 102, 999, 1000, 1001} {
		edges := make([]float64, 0, n)
		for len(edges) < n {
			switch n % 3 {
			case 0:
				edges = append(edges, math.Round(rng.NormFloat64()*1000)/100)
			case 1: // heavy tail: most edges in a small part of the range
				edges = append(edges, math.Exp(rng.NormFloat64()*4))
			default:
				edges = append(edges, float64(rng.IntN(3*n+1)))
			}
			slices.Sort(edges)
			edges = slices.Compact(edges)
		}
		b, err := NewBins(edges, nil)
		if err != nil {
			t.Fatal(err)
		}
		probe := append(slices.Clone(edges), math.Inf(-1), math.Inf(1), -1e300, 1e300, 0, math.Copysign(0, -1))
		for _, e := range edges {
			probe = append(probe, math.Nextafter(e, math.Inf(1)), math.Nextafter(e, math.Inf(-1)))
		}
		for range 500 {
			probe = append(probe, rng.NormFloat64()*10, math.Exp(rng.NormFloat64()*4), float64(rng.IntN(3*n+3)))
		}
		for _, x := range probe {
			if got, want := b.Index(x), binOf(edges, x); got != want {
				t.Fatalf("n=%d: Index(%g) = %d, want %d", n, x, got, want)
			}
			if n == 0 {
				continue // AddAll does not search bins without edges
			}
			if got, want := b.searchIndex(x), binOf(edges, x); got != want {
				t.Fatalf("n=%d: searchIndex(%g) = %d, want %d", n, x, got, want)
			}
		}
	}
	if _, err := NewBins([]float64{1, 1}, nil); err == nil {
		t.Error("repeated edges accepted")
	}
}

// TestHistAddAll checks that counting a slice gives what counting its
// values one by one gives, to the bit, NaNs and infinities included:
// over skewed, normal and integer references, with few and many bins,
// crowded guide cells, and no edges at all.
func TestHistAddAll(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ref := make([]float64, 5000)
	for i := range ref {
		ref[i] = math.Exp(rng.NormFloat64() * 2)
	}
	slices.Sort(ref)
	norm := make([]float64, 100000)
	for i := range norm {
		norm[i] = rng.NormFloat64()
	}
	slices.Sort(norm)
	ints := make([]float64, 5000)
	for i := range ints {
		ints[i] = float64(rng.IntN(40))
	}
	slices.Sort(ints)
	xs := make([]float64, 20000)
	for i := range xs {
		xs[i] = math.Exp(rng.NormFloat64()*2) - 1
		if i%3 == 0 {
			xs[i] = rng.NormFloat64()
		}
		if i%5 == 0 {
			xs[i] = float64(rng.IntN(45) - 2)
		}
	}
	xs = append(xs, math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), ref[0], ref[len(ref)-1], math.NaN())
	for _, c := range []struct {
		ref  []float64
		fine int
	}{{ref, 256}, {ref, 2048}, {norm, 2048}, {norm, 64}, {ints, 2048}, {[]float64{3, 3, 3}, 2048}} {
		checkHistAddAll(t, BinsFromSorted(c.ref, c.fine, 10), xs)
	}
	crowded, err := NewBins([]float64{1, 1.0000001, 1.0000002, 1.0000003, 1.0000004, 1.0000005, 1.0000006, 2, 1000}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkHistAddAll(t, crowded, append(xs, 1.00000005, 1.00000035, 1.0000006))
	empty, err := NewBins(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkHistAddAll(t, empty, xs)
	// Bins of a reference with few distinct values count them: past
	// FewValues (xs has many) and within it.
	few := BinsFromSorted([]float64{0, 1, 1, 2}, 2048, 10)
	few.CountFew()
	checkHistAddAll(t, few, xs)
	ratings := make([]float64, 8000) // with 4 missing, as checkHistAddAll wants
	for i := range ratings {
		ratings[i] = float64(rng.IntN(5))
	}
	ratings[10], ratings[300], ratings[301], ratings[7999] = math.NaN(), math.Inf(1), math.Inf(-1), math.NaN()
	ratings[11] = math.Copysign(0, -1)
	checkHistAddAll(t, few, ratings)
	h := NewHist(few)
	h.AddAll(ratings)
	if v, n, ok := h.FewDistinct(); !ok || !slices.Equal(v, []float64{0, 1, 2, 3, 4}) || n[0]+n[1]+n[2]+n[3]+n[4] != float64(h.N) {
		t.Errorf("distinct values %v %v (%v), want 0 to 4 counted", v, n, ok)
	}
	if _, _, ok := NewHist(BinsFromSorted([]float64{0, 1, 2}, 64, 10)).FewDistinct(); ok {
		t.Error("bins not marked CountFew report distinct values")
	}
}

func checkHistAddAll(t *testing.T, b *Bins, xs []float64) {
	t.Helper()
	one, all := NewHist(b), NewHist(b)
	for _, x := range xs {
		one.Add(x)
	}
	// Pieces of every kind of length for AddAll's chunks of addChunk:
	// none, one, a chunk less one, a chunk and one, many and a part.
	prev := 0
	for _, cut := range []int{0, 1, addChunk, 2*addChunk + 1, 2*addChunk + 1, 7000, len(xs)} {
		all.AddAll(xs[prev:cut])
		prev = cut
	}
	bits := math.Float64bits
	// Missing: the two NaNs and the two infinities.
	if all.N != one.N || all.Missing != one.Missing || all.N != uint64(len(xs)-4) || all.Missing != 4 {
		t.Errorf("N %d, missing %d; one by one N %d, missing %d", all.N, all.Missing, one.N, one.Missing)
	}
	for _, f := range [][2]float64{{all.S1, one.S1}, {all.S2, one.S2}, {all.Min, one.Min}, {all.Max, one.Max}} {
		if bits(f[0]) != bits(f[1]) {
			t.Errorf("moments or range %v, one by one %v", f[0], f[1])
		}
	}
	for i, c := range all.Cells {
		if o := one.Cells[i]; c.N != o.N || bits(c.Sum) != bits(o.Sum) {
			t.Errorf("cell %d: %+v, one by one %+v", i, c, o)
		}
	}
	av, an, aok := all.FewDistinct()
	ov, on, ook := one.FewDistinct()
	if aok != ook || !slices.Equal(av, ov) || !slices.Equal(an, on) {
		t.Errorf("distinct values %v %v (%v), one by one %v %v (%v)", av, an, aok, ov, on, ook)
	}
}

func TestDriftDecisions(t *testing.T) {
	same := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(i%97) + float64(i)/float64(n)
		}
		return sorted(x)
	}
	shifted := func(x []float64, d float64) []float64 {
		y := slices.Clone(x)
		for i := range y {
			y[i] += d
		}
		return y
	}
	small := same(500)
	if f := NumericExact(small, small, Thresholds{}); f.Test != TestKS || f.Drifted || f.PSILevel != PSIStable {
		t.Errorf("identical small samples: %+v", f)
	}
	if f := NumericExact(small, shifted(small, 30), Thresholds{}); f.Test != TestKS || !f.Drifted || f.PSILevel != PSIDrift {
		t.Errorf("shifted small samples: test %s drifted %v psi %s", f.Test, f.Drifted, f.PSILevel)
	}
	big := same(5000)
	if f := NumericExact(big, shifted(big, 0.5), Thresholds{}); f.Test != TestWasserstein || f.Drifted {
		t.Errorf("tiny shift of a large sample: test %s drifted %v (W=%g)", f.Test, f.Drifted, f.Wasserstein)
	}
	if f := NumericExact(big, shifted(big, 10), Thresholds{NumericTest: TestPSI}); f.Test != TestPSI || !f.Drifted {
		t.Errorf("PSI test: %s %v", f.Test, f.Drifted)
	}
	d := Summarize([]FeatureDrift{{Test: TestKS, Drifted: true}, {Test: TestKS}, {Test: TestNone}}, Thresholds{})
	if d.Tested != 2 || d.ShareDrifted != 0.5 || !d.Drift {
		t.Errorf("summary %+v", d)
	}
	if err := (Thresholds{NumericTest: "t"}).Validate(); err == nil {
		t.Error("bad test name accepted")
	}
}

// TestThresholdsValidate: zero fields take the defaults, as the API
// documents; a negative, non-finite or oversized one is refused, not
// replaced by a default (a negative share ran with 0.5, a negative small
// sample switched every test, 2e9 PSI bins ran out of memory).
func TestThresholdsValidate(t *testing.T) {
	for _, ok := range []Thresholds{{}, {PSIBins: MaxPSIBins}, {PSIBins: 2}, {SmallSample: 1}, DefaultThresholds()} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v: %v", ok, err)
		}
	}
	inf := math.Inf(1)
	for _, c := range []struct {
		t    Thresholds
		want string
	}{
		{Thresholds{PValue: -0.05}, "p-value threshold -0.05"},
		{Thresholds{Share: -1}, "share -1"},
		{Thresholds{Wasserstein: inf}, "Wasserstein threshold +Inf"},
		{Thresholds{PSIDrift: inf}, "PSI drift threshold +Inf"},
		{Thresholds{PSIWarn: math.NaN()}, "PSI warn threshold NaN"},
		{Thresholds{JensenShannon: -0.1}, "Jensen–Shannon threshold -0.1"},
		{Thresholds{JensenShannon: 0.9}, "at most √ln 2"}, // never reached in natural log
		{Thresholds{SmallSample: -1}, "small sample -1"},
		{Thresholds{PSIBins: -10}, "PSI bins -10"},
		{Thresholds{PSIBins: 1}, "PSI bins 1"},
		{Thresholds{PSIBins: MaxPSIBins + 1}, "PSI bins 1001: want 2 to 1000"},
		{Thresholds{PSIBins: 2_000_000_000}, "PSI bins 2000000000"},
	} {
		if err := c.t.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error mentioning %q", c.t, err, c.want)
		}
	}
}

// TestNumericDistinctEqualsExact computes drift from value counts and
// from the expanded samples of the reference cases: identical KS
// statistic, p-value, PSI and (to rounding) Wasserstein distance.
func TestNumericDistinctEqualsExact(t *testing.T) {
	for _, c := range loadReference(t).Numeric {
		t.Run(c.Name, func(t *testing.T) {
			count := func(x []float64) Distinct {
				m := map[float64]uint64{}
				for _, v := range x {
					m[v]++
				}
				return DistinctFromMap(m)
			}
			r, u := sorted(c.Ref), sorted(c.Cur)
			ex := NumericExact(r, u, Thresholds{})
			di := NumericDistinct(count(c.Ref), count(c.Cur), Thresholds{})
			if di.KS != ex.KS || di.KSPValue != ex.KSPValue || di.KSMethod != ex.KSMethod || di.PSI != ex.PSI ||
				di.Test != ex.Test || di.Drifted != ex.Drifted {
				t.Errorf("from counts %+v\nexact %+v", di, ex)
			}
			checkRel(t, "Wasserstein", di.Wasserstein, ex.Wasserstein, 1e-9, 1e-15)
		})
	}
}
