package fairness

import (
	"reflect"
	"testing"
)

func TestCountsAdd(t *testing.T) {
	tests := []struct {
		name             string
		label, predicted bool
		want             Counts
	}{
		{"true positive", true, true, Counts{TP: 1}},
		{"false negative", true, false, Counts{FN: 1}},
		{"false positive", false, true, Counts{FP: 1}},
		{"true negative", false, false, Counts{TN: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Counts
			c.Add(tt.label, tt.predicted)
			if c != tt.want || c.N() != 1 {
				t.Errorf("got %+v (n=%d), want %+v", c, c.N(), tt.want)
			}
		})
	}
}

func TestAddScoreThresholdIsInclusive(t *testing.T) {
	tests := []struct {
		score float64
		want  Counts
	}{
		{0.49999999999999994, Counts{FN: 1}},
		{0.5, Counts{TP: 1}},
		{0.75, Counts{TP: 1}},
	}
	for _, tt := range tests {
		var a Accumulator
		a.AddScore("g", true, tt.score, 0.5)
		if got := a.Groups()[0].Counts; got != tt.want {
			t.Errorf("score %v: got %+v, want %+v", tt.score, got, tt.want)
		}
	}
}

func TestAccumulatorGroupsAndMerge(t *testing.T) {
	var a, b Accumulator
	a.Add("z", true, true)
	a.Add("a", false, true)
	a.Add("z", false, false)
	b.Add("a", true, false)
	b.Add("m", true, true)
	b.AddCounts("z", Counts{TP: 2})
	a.Merge(&b)
	want := []GroupCounts{
		{"a", Counts{FP: 1, FN: 1}},
		{"m", Counts{TP: 1}},
		{"z", Counts{TP: 3, TN: 1}},
	}
	if got := a.Groups(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if a.Len() != 3 {
		t.Errorf("Len = %d, want 3", a.Len())
	}
}
