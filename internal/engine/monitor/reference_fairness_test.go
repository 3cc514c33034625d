package monitor

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
)

// fairnessReference is the fairness part of testdata/reference.json,
// computed by hand in pandas by testdata/make_reference.py.
type fairnessReference struct {
	Fairness []struct {
		Name       string
		MinSize    uint64 `json:"min_size"`
		Favourable string
		Events     []struct {
			Group string
			Score float64
			Label *float64
		}
		Groups []struct {
			Group              string
			Events, Labelled   uint64
			SelectionRate      float64  `json:"selection_rate"`
			ImpactRatio        *float64 `json:"impact_ratio"`
			TP, FP, TN, FN     int64
			TPR, FPR, Accuracy *float64
			Decides            bool
			DecidesLabelled    bool `json:"decides_labelled"`
		}
		Reference                   string
		MinImpactRatio              *float64 `json:"min_impact_ratio"`
		DemographicParityDifference *float64 `json:"demographic_parity_difference"`
		EqualOpportunityDifference  *float64 `json:"equal_opportunity_difference"`
		EqualizedOddsDifference     *float64 `json:"equalized_odds_difference"`
	}
	FairnessOther []struct {
		Task   string
		Events []struct {
			Group string
			Pred  float64
			Label *float64
		}
		Groups []struct {
			Group            string
			Events, Labelled uint64
			Figure           float64
			DecidesLabelled  bool `json:"decides_labelled"`
		}
		Gap float64
	} `json:"fairness_other"`
}

// tolFairness: ratios of exact counts, relative.
const tolFairness = 1e-12

func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func loadFairnessReference(t *testing.T) *fairnessReference {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref fairnessReference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Fairness) == 0 || len(ref.FairnessOther) == 0 {
		t.Fatal("no fairness cases in testdata/reference.json")
	}
	return &ref
}

// windowsOf returns the window of every event and, for several cuts, the
// window of two halves merged.
func windowsOf(t *testing.T, l *Layout, evs []Event) map[string]*Window {
	out := map[string]*Window{"whole": fill(t, l, evs)}
	for _, cut := range []int{0, 1, len(evs) / 3, len(evs) - 1} {
		a, b := fill(t, l, evs[:cut]), fill(t, l, evs[cut:])
		if err := a.Merge(b); err != nil {
			t.Fatal(err)
		}
		out[fmt.Sprintf("cut=%d", cut)] = a
	}
	return out
}

func checkFigure(t *testing.T, what string, got, want float64) {
	t.Helper()
	if !relClose(got, want, tolFairness, tolFairness) {
		t.Errorf("%s = %.17g, want %.17g", what, got, want)
	}
}

// TestReferenceFairness feeds the reference's events through windows,
// whole and as merged halves, and matches the script's figures.
func TestReferenceFairness(t *testing.T) {
	ref := loadFairnessReference(t)
	for _, c := range ref.Fairness {
		s := Schema{Task: TaskBinary, Groups: []string{"segment"}}
		var evs []Event
		for _, e := range c.Events {
			ev := s.NewEvent()
			ev.Groups[0], ev.Score = e.Group, e.Score
			if e.Label != nil {
				ev.Label = *e.Label
			}
			evs = append(evs, ev)
		}
		fav, err := fairness.ParseFavourable(c.Favourable)
		if err != nil {
			t.Fatal(err)
		}
		l := profile(t, s, evs)
		for how, w := range windowsOf(t, l, evs) {
			t.Run(c.Name+"/"+how, func(t *testing.T) {
				got, err := w.Fairness(FairnessOptions{MinGroupSize: c.MinSize, Favourable: fav})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0].Attribute != "segment" || len(got[0].Groups) != len(c.Groups) {
					t.Fatalf("got %+v, want one attribute with %d groups", got, len(c.Groups))
				}
				a := got[0]
				if a.Reference != c.Reference {
					t.Errorf("reference %q, want %q", a.Reference, c.Reference)
				}
				checkFigure(t, "min impact ratio", a.MinImpactRatio, orNaN(c.MinImpactRatio))
				checkFigure(t, "demographic parity difference", a.DemographicParityDifference, orNaN(c.DemographicParityDifference))
				checkFigure(t, "equal opportunity difference", a.EqualOpportunityDifference, orNaN(c.EqualOpportunityDifference))
				checkFigure(t, "equalized odds difference", a.EqualizedOddsDifference, orNaN(c.EqualizedOddsDifference))
				for k, wg := range c.Groups {
					g := a.Groups[k]
					if g.Group != wg.Group || g.Events != wg.Events || g.Labelled != wg.Labelled || g.Decides != wg.Decides ||
						g.DecidesLabelled != wg.DecidesLabelled || g.Counts != (fairness.Counts{TP: wg.TP, FP: wg.FP, TN: wg.TN, FN: wg.FN}) {
						t.Errorf("group %d: got %+v, want %+v", k, g, wg)
					}
					checkFigure(t, g.Group+" selection rate", g.SelectionRate, wg.SelectionRate)
					checkFigure(t, g.Group+" impact ratio", g.ImpactRatio, orNaN(wg.ImpactRatio))
					checkFigure(t, g.Group+" TPR", g.TPR, orNaN(wg.TPR))
					checkFigure(t, g.Group+" FPR", g.FPR, orNaN(wg.FPR))
					checkFigure(t, g.Group+" accuracy", g.Accuracy, orNaN(wg.Accuracy))
				}
			})
		}
	}
	for _, c := range ref.FairnessOther {
		s := Schema{Task: c.Task, Groups: []string{"segment"}}
		if c.Task == TaskMulticlass {
			s.Classes = []string{"x", "y", "z"}
		}
		var evs []Event
		for _, e := range c.Events {
			ev := s.NewEvent()
			ev.Groups[0] = e.Group
			if c.Task == TaskMulticlass {
				ev.Class = int(e.Pred)
			} else {
				ev.Value = e.Pred
			}
			if e.Label != nil {
				ev.Label = *e.Label
			}
			evs = append(evs, ev)
		}
		l := profile(t, s, evs)
		for how, w := range windowsOf(t, l, evs) {
			t.Run(c.Task+"/"+how, func(t *testing.T) {
				got, err := w.Fairness(FairnessOptions{})
				if err != nil {
					t.Fatal(err)
				}
				a := got[0]
				gap, fig := a.AccuracyGap, func(g GroupFairness) float64 { return g.Accuracy }
				if c.Task == TaskRegression {
					gap, fig = a.MAEGap, func(g GroupFairness) float64 { return g.MAE }
				}
				checkFigure(t, "gap", gap, c.Gap)
				if !math.IsNaN(a.MinImpactRatio) || a.Reference != "" {
					t.Errorf("impact ratio %v against %q for a %s model", a.MinImpactRatio, a.Reference, c.Task)
				}
				for k, wg := range c.Groups {
					g := a.Groups[k]
					if g.Group != wg.Group || g.Events != wg.Events || g.Labelled != wg.Labelled || g.DecidesLabelled != wg.DecidesLabelled {
						t.Errorf("group %d: got %+v, want %+v", k, g, wg)
					}
					checkFigure(t, g.Group+" figure", fig(g), wg.Figure)
				}
			})
		}
	}
}
