package fairness

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

// TestBinomialMoments checks the sampler's mean and variance against np and
// np(1−p) for small, split and huge trial counts. With K samples the sample
// mean has standard error sqrt(np(1−p)/K); 5 standard errors is generous,
// and the seed is fixed, so the test is deterministic.
func TestBinomialMoments(t *testing.T) {
	tests := []struct {
		n int64
		p float64
	}{
		{1, 0.3}, {20, 0.05}, {33, 0.5}, {1000, 0.01}, {12345, 0.7}, {10_000_000, 0.123}, {10_000_000, 1e-6},
	}
	const k = 20000
	r := newRNG(7)
	for _, tt := range tests {
		var sum, sum2 float64
		for range k {
			x := r.binomial(tt.n, tt.p)
			if x < 0 || x > tt.n {
				t.Fatalf("Binomial(%d, %v) gave %d", tt.n, tt.p, x)
			}
			f := float64(x)
			sum += f
			sum2 += f * f
		}
		mean := sum / k
		variance := sum2/k - mean*mean
		wantMean := float64(tt.n) * tt.p
		wantVar := wantMean * (1 - tt.p)
		if se := math.Sqrt(wantVar / k); math.Abs(mean-wantMean) > 5*se {
			t.Errorf("Binomial(%d, %v): mean %v, want %v ± %v", tt.n, tt.p, mean, wantMean, 5*se)
		}
		// The variance of a sample variance is about 2σ⁴/k for near-normal data.
		if math.Abs(variance-wantVar) > 5*wantVar*math.Sqrt(2.0/k)+1e-9 {
			t.Errorf("Binomial(%d, %v): variance %v, want %v", tt.n, tt.p, variance, wantVar)
		}
	}
}

func TestMultinomialConservesTrials(t *testing.T) {
	r := newRNG(3)
	w := []int64{5, 0, 1_000_000, 17, 3}
	dst := make([]int64, len(w))
	for range 1000 {
		r.multinomial(1_000_025, w, dst)
		var sum int64
		for k, v := range dst {
			if v < 0 || (w[k] == 0 && v != 0) {
				t.Fatalf("cell %d drew %d from weight %d", k, v, w[k])
			}
			sum += v
		}
		if sum != 1_000_025 {
			t.Fatalf("drew %d trials, want 1000025", sum)
		}
	}
}

func TestBootstrapDeterministic(t *testing.T) {
	groups := []GroupCounts{
		{"a", Counts{TP: 30, FP: 10, TN: 50, FN: 10}},
		{"b", Counts{TP: 10, FP: 10, TN: 60, FN: 20}},
	}
	run := func(seed uint64) *Report {
		r, err := AnalyzeCounts(groups, Options{Bootstrap: 500, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b, c := run(1), run(1), run(2)
	ja, _ := json.Marshal(a) // NaN ≠ NaN, so compare encodings
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Error("same seed, different reports")
	}
	if reflect.DeepEqual(a.DemographicParityDifference, c.DemographicParityDifference) {
		t.Error("different seeds, same interval")
	}
	for _, e := range []Estimate{a.DemographicParityDifference, a.Groups[1].TPR, a.Overall.Accuracy, a.EqualizedOddsDifference} {
		if e.CI == nil || !(e.CI.Lo <= e.Value && e.Value <= e.CI.Hi) || e.CI.Undefined != 0 {
			t.Errorf("interval %+v does not cover estimate %v", e.CI, e.Value)
		}
	}
	if a.Bootstrap == nil || a.Bootstrap.Replicates != 500 || a.Bootstrap.Level != 0.95 {
		t.Errorf("bootstrap info %+v", a.Bootstrap)
	}
}

// TestCountResamplingMatchesRowResampling resamples rows one by one, the
// textbook bootstrap, and compares the bootstrap distribution of the
// demographic parity difference and of a TPR with that of the count
// resampling Analyze uses: means and standard deviations must agree within
// sampling error.
func TestCountResamplingMatchesRowResampling(t *testing.T) {
	groups := []GroupCounts{
		{"a", Counts{TP: 40, FP: 15, TN: 60, FN: 10}},
		{"b", Counts{TP: 8, FP: 5, TN: 45, FN: 17}},
	}
	var rows []int // index into groups*4 cells
	for g, gc := range groups {
		for k, n := range []int64{gc.TP, gc.FP, gc.TN, gc.FN} {
			for range n {
				rows = append(rows, 4*g+k)
			}
		}
	}
	const b = 4000
	ns := statLen(len(groups))
	stats := make([]float64, ns)
	pick := []int{len(groups)*perGroup + numRates + iDPD, perGroup + iTPR}
	rowSamples := make([][]float64, len(pick))
	r := newRNG(99)
	for range b {
		rep := make([]Counts, len(groups))
		for range rows {
			cell := rows[int(r.uniform()*float64(len(rows)))]
			c := &rep[cell/4]
			switch cell % 4 {
			case 0:
				c.TP++
			case 1:
				c.FP++
			case 2:
				c.TN++
			default:
				c.FN++
			}
		}
		evaluate(rep, 0, FavourablePositive, stats)
		for i, s := range pick {
			rowSamples[i] = append(rowSamples[i], stats[s])
		}
	}
	counts := []Counts{groups[0].Counts, groups[1].Counts}
	samples := bootstrapSamples(counts, 0, Options{Bootstrap: b, Seed: 5})
	countSamples := make([][]float64, len(pick))
	for i, s := range pick {
		countSamples[i] = samples[s*b : (s+1)*b]
	}
	for i := range pick {
		m1, s1 := meanSD(rowSamples[i])
		m2, s2 := meanSD(countSamples[i])
		// Standard error of a mean is sd/sqrt(b); of an sd about sd/sqrt(2b).
		if math.Abs(m1-m2) > 5*s1*math.Sqrt(2.0/b) || math.Abs(s1-s2) > 5*s1/math.Sqrt(b) {
			t.Errorf("statistic %d: row bootstrap mean %.4f sd %.4f, count bootstrap mean %.4f sd %.4f", pick[i], m1, s1, m2, s2)
		}
	}
}

func meanSD(xs []float64) (float64, float64) {
	var s, s2 float64
	for _, x := range xs {
		s += x
		s2 += x * x
	}
	n := float64(len(xs))
	m := s / n
	return m, math.Sqrt(s2/n - m*m)
}

func TestStratifiedKeepsGroupSizes(t *testing.T) {
	groups := []GroupCounts{
		{"big", Counts{TP: 500, FP: 100, TN: 300, FN: 100}},
		{"tiny", Counts{TP: 1, TN: 2}},
	}
	strat, err := AnalyzeCounts(groups, Options{Bootstrap: 300, Seed: 1, Stratified: true})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := AnalyzeCounts(groups, Options{Bootstrap: 300, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Stratified: "tiny" always has 3 rows, so its selection rate is always
	// defined. Unstratified: it vanishes from some of 300 replicates
	// (probability (1−3/1003)^1003 ≈ 5% each).
	if u := strat.Groups[1].SelectionRate.CI.Undefined; u != 0 {
		t.Errorf("stratified: %d undefined replicates, want 0", u)
	}
	if u := plain.Groups[1].SelectionRate.CI.Undefined; u == 0 {
		t.Error("unstratified: the tiny group never vanished in 300 replicates")
	}
	if !strat.Bootstrap.Stratified {
		t.Error("Bootstrap.Stratified not recorded")
	}
}

func TestPercentileMatchesNumpy(t *testing.T) {
	// numpy.percentile([1, 2, 4, 8, 16], [2.5, 50, 97.5]) = [1.1, 4.0, 15.2]
	xs := []float64{1, 2, 4, 8, 16}
	for _, tt := range []struct{ q, want float64 }{{0.025, 1.1}, {0.5, 4}, {0.975, 15.2}, {1, 16}, {0, 1}} {
		if got := percentile(xs, tt.q); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("percentile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if !math.IsNaN(percentile(nil, 0.5)) {
		t.Error("percentile of nothing is not NaN")
	}
}

// TestMultinomialMoments checks the first two moments of the chained
// binomials against Multinomial(N; p): E[X_k] = N·p_k,
// Var[X_k] = N·p_k(1−p_k), Cov[X_i, X_j] = −N·p_i·p_j.
func TestMultinomialMoments(t *testing.T) {
	w := []int64{40, 15, 60, 10, 8, 5, 45, 17}
	var total int64
	for _, v := range w {
		total += v
	}
	const k = 20000
	r := newRNG(11)
	dst := make([]int64, len(w))
	sum := make([]float64, len(w))
	prod := make([][]float64, len(w))
	for i := range prod {
		prod[i] = make([]float64, len(w))
	}
	for range k {
		r.multinomial(total, w, dst)
		for i := range dst {
			sum[i] += float64(dst[i])
			for j := range dst {
				prod[i][j] += float64(dst[i]) * float64(dst[j])
			}
		}
	}
	n := float64(total)
	for i := range w {
		pi := float64(w[i]) / n
		mean := sum[i] / k
		if sd := math.Sqrt(n * pi * (1 - pi)); math.Abs(mean-n*pi) > 5*sd/math.Sqrt(k) {
			t.Errorf("cell %d: mean %v, want %v", i, mean, n*pi)
		}
		for j := range w {
			pj := float64(w[j]) / n
			cov := prod[i][j]/k - mean*sum[j]/k
			want := -n * pi * pj
			if i == j {
				want = n * pi * (1 - pi)
			}
			// Sampling error of a covariance is about sqrt(Var_i·Var_j/k).
			tol := 6 * math.Sqrt(n*pi*(1-pi)*n*pj*(1-pj)/k)
			if math.Abs(cov-want) > tol {
				t.Errorf("cov(%d, %d) = %v, want %v ± %v", i, j, cov, want, tol)
			}
		}
	}
}
