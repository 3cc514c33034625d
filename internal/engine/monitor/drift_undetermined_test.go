package monitor

import "testing"

// TestSummarizeUndetermined: with no feature tested the verdict is
// undetermined — not "no drift" — whatever the share threshold; one
// tested feature makes it a verdict again.
func TestSummarizeUndetermined(t *testing.T) {
	none := []FeatureDrift{untestable(newFeatureDrift(Numeric), "no values in the reference"), {Test: TestNone}}
	for _, share := range []float64{0, 0.01, 1} {
		d := Summarize(none, Thresholds{Share: share})
		if d.Determined() || d.Drift || d.Tested != 0 || d.ShareDrifted != 0 {
			t.Errorf("share %g, nothing tested: determined %v, %+v", share, d.Determined(), d)
		}
	}
	d := Summarize(append(none, FeatureDrift{Test: TestKS}), Thresholds{})
	if !d.Determined() || d.Drift || d.Tested != 1 {
		t.Errorf("one feature tested, not drifted: determined %v, %+v", d.Determined(), d)
	}
	// A monitor's window none of whose features had a value.
	s := Schema{Numeric: []string{"x"}, Categorical: []string{"k"}}
	ref := make([]Event, 200)
	for i := range ref {
		ref[i] = s.NewEvent()
		ref[i].Score, ref[i].Num[0], ref[i].Cat[0] = 0.5, float64(i), "a"
	}
	l := profile(t, s, ref)
	refW := fill(t, l, ref)
	ev := s.NewEvent()
	ev.Score = 0.5
	w := fill(t, l, []Event{ev})
	dd, err := w.Drift(refW, Thresholds{})
	if err != nil {
		t.Fatal(err)
	}
	if dd.Determined() || dd.Drift {
		t.Errorf("a window without feature values: determined %v, %+v", dd.Determined(), dd)
	}
}
