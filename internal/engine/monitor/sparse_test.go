package monitor

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// TestSparseCategoriesWindows: the monitor, in windows of 5,000
// events, over several draws. A categorical feature uniform over 20,000
// values, the current window from the same distribution as the
// reference: about 88% of the reference's values distinct, short of the
// ID-like rule, so it reaches the tests, and before pooling read
// Jensen–Shannon about 0.74 ("drifted") in every window. Every category is
// expected fewer than MinExpected times, so it is not tested, and the
// dataset's verdict is undetermined rather than drifted. A current window
// concentrated on ten of those values is tested over those ten and the
// pooled rest, and drifts. A feature with ten common values and a sparse
// tail of 3,000 is tested over the ten and one bin for the tail: stable
// when nothing changed, drifted when the tail's share doubles.
func TestSparseCategoriesWindows(t *testing.T) {
	s := Schema{Task: TaskBinary, Categorical: []string{"c"}}
	l := mustLayout(t, s, nil)
	window := func(seed uint64, n int, draw func(*rand.Rand) string) *Window {
		rng := rand.New(rand.NewPCG(seed, 99))
		w := NewWindow(l)
		ev := s.NewEvent()
		ev.Score = 0.5
		for range n {
			ev.Cat[0] = draw(rng)
			if err := w.Add(&ev); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	uniform := func(rng *rand.Rand) string { return fmt.Sprintf("u%05d", rng.IntN(20000)) }
	ten := func(rng *rand.Rand) string { return fmt.Sprintf("u%05d", rng.IntN(10)) }
	headTail := func(tail float64) func(*rand.Rand) string {
		return func(rng *rand.Rand) string {
			if rng.Float64() < tail {
				return fmt.Sprintf("t%04d", rng.IntN(3000))
			}
			return fmt.Sprintf("h%d", rng.IntN(10))
		}
	}
	for seed := uint64(1); seed <= 5; seed++ {
		ref := window(seed, 5000, uniform)
		if r := ref.Cat[0]; IDLike(int64(r.Total()), r.Distinct()) {
			t.Fatalf("seed %d: %d distinct among %d: ID-like, the test would not reach pooling", seed, r.Distinct(), r.Total())
		}
		same := window(seed+100, 5000, uniform)
		_, r, c := aligned(ref.Cat[0], same.Cat[0])
		if js := JensenShannon(r, c); js < 0.5 {
			t.Fatalf("seed %d: unpooled Jensen-Shannon %.3g: not the false alarm this test is about", seed, js)
		}
		d, err := same.Drift(ref, Thresholds{})
		if err != nil {
			t.Fatal(err)
		}
		if f := d.Features[0]; f.Testable() || f.Drifted || d.Drift || d.Determined() || !strings.HasPrefix(f.Note, "sparse: ") {
			t.Errorf("seed %d, same distribution: tested %v, drifted %v (%s %.3g), dataset drift %v, note %q; want not tested (sparse)",
				seed, f.Testable(), f.Drifted, f.Test, f.Statistic, d.Drift, f.Note)
		}
		d, err = window(seed+200, 5000, ten).Drift(ref, Thresholds{})
		if err != nil {
			t.Fatal(err)
		}
		if f := d.Features[0]; !f.Testable() || !f.Drifted || !d.Drift || f.Categories-f.Pooled != 10 {
			t.Errorf("seed %d, concentrated on 10: tested %v, drifted %v (%s %.3g), %d of %d categories pooled; want drifted over 10 and the pooled rest",
				seed, f.Testable(), f.Drifted, f.Test, f.Statistic, f.Pooled, f.Categories)
		}

		ht := window(seed+300, 4000, headTail(0.2))
		for _, c := range []struct {
			tail    float64
			drifted bool
		}{{0.2, false}, {0.4, true}} {
			d, err := window(seed+400, 3000, headTail(c.tail)).Drift(ht, Thresholds{})
			if err != nil {
				t.Fatal(err)
			}
			f := d.Features[0]
			if !f.Testable() || f.Drifted != c.drifted || f.Pooled == 0 || f.Categories-f.Pooled != 10 {
				t.Errorf("seed %d, tail %g: tested %v, drifted %v (%s %.3g), %d of %d pooled; want drifted %v over the 10 common values and the pooled tail",
					seed, c.tail, f.Testable(), f.Drifted, f.Test, f.Statistic, f.Pooled, f.Categories, c.drifted)
			}
		}
	}
}

// TestSparseFewValues: a numeric feature of at most FewValues values,
// tested as categorical, pools its rare values alike, and its note says
// both; with every value rare it is not tested.
func TestSparseFewValues(t *testing.T) {
	f := FewValuesDrift([]float64{0, 1, 2, 3}, []float64{500, 400, 2, 1}, []float64{0, 1, 2, 4}, []float64{450, 420, 1, 2}, Thresholds{})
	want := "at most 5 distinct values: tested as categorical; pooled into one bin: 3 of 5 categories, each expected fewer than 5 times in a sample"
	if !f.Testable() || f.Pooled != 3 || f.Note != want {
		t.Errorf("tested %v, %d pooled, note %q; want tested, 3 pooled, %q", f.Testable(), f.Pooled, f.Note, want)
	}
	f = FewValuesDrift([]float64{0, 1}, []float64{3, 2}, []float64{0, 1}, []float64{1, 4}, Thresholds{})
	if f.Testable() || f.Drifted || !strings.HasPrefix(f.Note, "sparse: none of its 2 categories") {
		t.Errorf("two rare values: tested %v, drifted %v, note %q; want not tested (sparse)", f.Testable(), f.Drifted, f.Note)
	}
}

// TestSparseNotesTranslated: the notes pooling writes, as a health page
// and `lodestar drift` show them, read in Chinese with no English word
// left, and stay as they are in English.
func TestSparseNotesTranslated(t *testing.T) {
	b := i18n.MustLoad()
	pooled := FewValuesDrift([]float64{0, 1, 2, 3}, []float64{500, 400, 2, 1}, []float64{0, 1, 2, 4}, []float64{450, 420, 1, 2}, Thresholds{})
	var rc, uc Counts
	for i := range 30 {
		rc.Add(fmt.Sprintf("v%d", i%10))
		uc.Add(fmt.Sprintf("v%d", i%7))
	}
	sparse := CategoricalDrift(&rc, &uc, Thresholds{})
	// A distance auto chose, within sampling noise, after the numeric
	// feature's note (and after pooling): three clauses, and two.
	noisyPooled := FewValuesDrift([]float64{1, 2, 3, 4}, []float64{800, 400, 2, 2}, []float64{1, 2}, []float64{4, 5}, Thresholds{})
	noisy := FewValuesDrift([]float64{0, 1}, []float64{600, 500}, []float64{0, 1}, []float64{3, 7}, Thresholds{})
	for _, f := range []FeatureDrift{noisyPooled, noisy} {
		if !strings.Contains(f.Note, "within sampling noise") || f.Drifted {
			t.Fatalf("note %q, drifted %v: want a distance within sampling noise", f.Note, f.Drifted)
		}
	}
	if noisyPooled.Pooled != 2 {
		t.Fatalf("note %q: %d pooled, want 2", noisyPooled.Note, noisyPooled.Pooled)
	}
	english := regexp.MustCompile(`[A-Za-z]{2,}`)
	for _, note := range []string{pooled.Note, sparse.Note, noisyPooled.Note, noisy.Note} {
		if note == "" {
			t.Fatal("no note")
		}
		if got := b.Message("en", note); got != note {
			t.Errorf("en %q: got %q", note, got)
		}
		// (The test's name, Jensen–Shannon, is not translated.)
		if zh := b.Message("zh-CN", note); english.MatchString(strings.ReplaceAll(zh, "Jensen–Shannon", "")) {
			t.Errorf("zh-CN %q: %q has English left", note, zh)
		}
	}
}

// TestSparseUnbalanced: a window much smaller than its reference, the
// usual monitor. A category is pooled only when it is expected fewer than
// MinExpected times in both samples: the reference's 100 equally common
// values (200 each of 20,000) are each expected about 2 times in a window
// of 200, but 200 times in the reference, so they are tested one by one,
// and a window of one value alone drifts, where pooling by the window's
// expected counts alone pooled every value and left the feature untested.
// A shift onto one value of a long tail whose other values lost as much
// (the pooled bin's share unchanged) drifts too.
func TestSparseUnbalanced(t *testing.T) {
	var ref, cur Counts
	for i := range 20000 {
		ref.Add(fmt.Sprintf("c%02d", i%100))
	}
	for range 200 {
		cur.Add("c00")
	}
	f := CategoricalDrift(&ref, &cur, Thresholds{})
	if !f.Testable() || !f.Drifted || f.Pooled != 0 || !(f.ChiSquarePValue < 1e-10) {
		t.Errorf("one value of 100 in the window: tested %v, drifted %v (%s %.3g, chi-square p %.3g), %d pooled, note %q; want drifted, none pooled",
			f.Testable(), f.Drifted, f.Test, f.Statistic, f.ChiSquarePValue, f.Pooled, f.Note)
	}

	// Half the reference on "a", the other half on 250 values (100 each);
	// the window's tail half on c000 (200 of 500) and one each of 50 others.
	ref, cur = Counts{}, Counts{}
	for i := range 50000 {
		if i%2 == 0 {
			ref.Add("a")
		} else {
			ref.Add(fmt.Sprintf("c%03d", i/2%250))
		}
	}
	for i := range 500 {
		switch {
		case i < 250:
			cur.Add("a")
		case i < 450:
			cur.Add("c000")
		default:
			cur.Add(fmt.Sprintf("c%03d", i-449))
		}
	}
	f = CategoricalDrift(&ref, &cur, Thresholds{})
	if !f.Testable() || !f.Drifted || !(f.JensenShannon > 0.5) {
		t.Errorf("a long tail's share moved onto one of its values: tested %v, drifted %v, Jensen–Shannon %.3g, %d of %d pooled, note %q; want drifted",
			f.Testable(), f.Drifted, f.JensenShannon, f.Pooled, f.Categories, f.Note)
	}
}
