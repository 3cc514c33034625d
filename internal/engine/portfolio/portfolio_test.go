package portfolio_test

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
)

const eps = 1e-9

// fz is a feasibility in the order data, technical, skills, integration.
func fz(data, tech, skills, integration int) lodestar.Feasibility {
	return lodestar.Feasibility{DataReadiness: data, TechnicalMaturity: tech, Skills: skills, Integration: integration}
}

func near(a, b float64) bool { return math.Abs(a-b) <= eps }

func TestAlign(t *testing.T) {
	t.Parallel()
	const (
		impact = lodestar.ReasonNoKPIImpact
		spons  = lodestar.ReasonNoSponsor
		pain   = lodestar.ReasonNoPainPoint
	)
	tests := []struct {
		name string
		in   portfolio.Facts
		want []string // nil: aligned
	}{
		{"everything present", portfolio.Facts{HasSponsor: true, PainPoints: 1, ImpactKPIGoal: map[int64]int64{1: 10}}, nil},
		{"several pains and KPIs", portfolio.Facts{HasSponsor: true, PainPoints: 3, ImpactKPIGoal: map[int64]int64{1: 10, 2: 11}}, nil},
		{"no KPI impact (nil map)", portfolio.Facts{HasSponsor: true, PainPoints: 1}, []string{impact}},
		{"no KPI impact (empty map)", portfolio.Facts{HasSponsor: true, PainPoints: 1, ImpactKPIGoal: map[int64]int64{}}, []string{impact}},
		{"no sponsor", portfolio.Facts{PainPoints: 1, ImpactKPIGoal: map[int64]int64{1: 10}}, []string{spons}},
		{"no pain point", portfolio.Facts{HasSponsor: true, ImpactKPIGoal: map[int64]int64{1: 10}}, []string{pain}},
		{"KPI without goal", portfolio.Facts{HasSponsor: true, PainPoints: 1, ImpactKPIGoal: map[int64]int64{5: 0}}, []string{"kpi_without_goal:5"}},
		{"one of two KPIs without goal", portfolio.Facts{HasSponsor: true, PainPoints: 1, ImpactKPIGoal: map[int64]int64{5: 0, 6: 2}}, []string{"kpi_without_goal:5"}},
		{"KPIs without goal sorted by number, not text",
			portfolio.Facts{HasSponsor: true, PainPoints: 1, ImpactKPIGoal: map[int64]int64{100: 0, 12: 0, 3: 0, 7: 9, 20: 0}},
			[]string{"kpi_without_goal:3", "kpi_without_goal:12", "kpi_without_goal:20", "kpi_without_goal:100"}},
		{"nothing at all", portfolio.Facts{}, []string{impact, spons, pain}},
		{"no sponsor and no pain point", portfolio.Facts{ImpactKPIGoal: map[int64]int64{1: 10}}, []string{spons, pain}},
		{"no impact and no pain point", portfolio.Facts{HasSponsor: true}, []string{impact, pain}},
		{"no sponsor, no pain, orphan KPIs last",
			portfolio.Facts{ImpactKPIGoal: map[int64]int64{9: 0, 4: 0}},
			[]string{spons, pain, "kpi_without_goal:4", "kpi_without_goal:9"}},
		{"no sponsor and orphan KPI", portfolio.Facts{PainPoints: 2, ImpactKPIGoal: map[int64]int64{8: 0}}, []string{spons, "kpi_without_goal:8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Map order is random: the reasons must not depend on it.
			for range 20 {
				got := portfolio.Align(tt.in)
				wantStatus := "aligned"
				if len(tt.want) > 0 {
					wantStatus = "misaligned"
				}
				if got.Reasons == nil {
					t.Fatalf("Align(%+v): got nil reasons, want an empty list at least", tt.in)
				}
				if got.Status != wantStatus || !slices.Equal(got.Reasons, tt.want) {
					t.Fatalf("Align(%+v): got %s %q, want %s %q", tt.in, got.Status, got.Reasons, wantStatus, tt.want)
				}
			}
		})
	}
}

func TestFeasibilityMean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   lodestar.Feasibility
		want float64
	}{
		{lodestar.Feasibility{}, 1}, // nothing scored: all poor
		{fz(4, 4, 4, 4), 4},         //
		{fz(5, 5, 5, 5), 5},         //
		{fz(5, 0, 3, 0), 2.5},       // (5+1+3+1)/4
		{fz(1, 2, 3, 4), 2.5},       // (1+2+3+4)/4
		{fz(5, 4, 0, 2), 3},         // (5+4+1+2)/4
		{fz(-3, 0, 0, 0), 1},        // below 1 counts as 1
		{fz(3, 3, 3, 2), 2.75},      //
		{fz(0, 0, 0, 5), 8.0 / 4},   // (1+1+1+5)/4
	}
	for _, tt := range tests {
		if got := portfolio.FeasibilityMean(tt.in); !near(got, tt.want) {
			t.Errorf("FeasibilityMean(%+v): got %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestScore(t *testing.T) {
	t.Parallel()
	four, five := fz(4, 4, 4, 4), fz(5, 5, 5, 5)
	tests := []struct {
		name        string
		value, cost int64
		f           lodestar.Feasibility
		tier        string
		want        float64 // worked out by hand in the comment
	}{
		{"doc example", 10_000_000, 2_000_000, four, "minimal", 6.4},               // 8 × 4/5 ÷ 1
		{"unassessed counts as 1", 10_000_000, 2_000_000, four, "unassessed", 6.4}, // 8 × 0.8 ÷ 1
		{"limited", 10_000_000, 2_000_000, four, "limited", 5.12},                  // 6.4 ÷ 1.25
		{"high", 10_000_000, 2_000_000, four, "high", 3.2},                         // 6.4 ÷ 2
		{"prohibited", 10_000_000, 2_000_000, five, "prohibited", 0},
		{"unknown tier", 10_000_000, 2_000_000, five, "extreme", 0},
		{"empty tier", 10_000_000, 2_000_000, five, "", 0},
		{"tier is case-sensitive", 10_000_000, 2_000_000, five, "Minimal", 0},
		{"net negative", 2_000_000, 10_000_000, five, "minimal", 0},
		{"break even", 3_000_000, 3_000_000, five, "minimal", 0},
		{"nothing estimated", 0, 0, five, "minimal", 0},
		{"negative value", -5_000_000, 0, five, "minimal", 0},
		{"unscored dimensions count as 1", 10_000_000, 2_000_000, lodestar.Feasibility{}, "minimal", 1.6}, // 8 × 1/5
		{"partly scored", 10_000_000, 2_000_000, fz(5, 0, 3, 0), "unassessed", 4},                         // 8 × 2.5/5
		{"full feasibility", 10_000_000, 0, five, "minimal", 10},                                          // 10 × 1
		{"mixed with high risk", 7_000_000, 0, fz(3, 3, 3, 2), "high", 1.925},                             // 7 × 0.55 ÷ 2
		{"small and poor", 3_000_000, 0, fz(1, 1, 1, 1), "limited", 0.48},                                 // 3 × 0.2 ÷ 1.25
		{"rounded to 3 decimals up", 1_234_567, 0, five, "minimal", 1.235},                                // 1.234567
		{"rounded to 3 decimals down", 1_234_321, 0, five, "minimal", 1.234},                              // 1.234321
		{"cost only just below value", 1_000_001, 1_000_000, five, "minimal", 0},                          // 0.000001
		{"large portfolio item", 250_000_000, 50_000_000, fz(2, 3, 4, 5), "minimal", 140},                 // 200 × 3.5/5
		{"large with limited risk", 250_000_000, 50_000_000, fz(2, 3, 4, 5), "limited", 112},              // 140 ÷ 1.25
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := portfolio.Score(tt.value, tt.cost, tt.f, tt.tier); !near(got, tt.want) {
				t.Errorf("Score(%d, %d, %+v, %q): got %v, want %v", tt.value, tt.cost, tt.f, tt.tier, got, tt.want)
			}
		})
	}
}

func TestValidStageAndLive(t *testing.T) {
	t.Parallel()
	live := map[string]bool{"pilot": true, "scaling": true, "operating": true}
	for _, s := range lodestar.Stages {
		if !portfolio.ValidStage(s) {
			t.Errorf("ValidStage(%q): got false, want true", s)
		}
		if got := portfolio.Live(s); got != live[s] {
			t.Errorf("Live(%q): got %v, want %v", s, got, live[s])
		}
	}
	for _, s := range []string{"", "Pilot", "paused", " idea"} {
		if portfolio.ValidStage(s) || portfolio.Live(s) {
			t.Errorf("ValidStage/Live(%q): got true, want false", s)
		}
	}
}

// transitions is the lifecycle written out by hand, one row per from
// stage, one column per to stage, in the order of lodestar.Stages:
//
//	idea assessment approved pilot scaling operating rejected retired
//
// Y: allowed. Forward or back one step among the six active stages;
// rejected from idea to pilot; retired from pilot to operating; rejected
// back to idea; retired is final; staying put is not a move.
var transitions = map[string]string{
	"idea":       ". Y . . . . Y .",
	"assessment": "Y . Y . . . Y .",
	"approved":   ". Y . Y . . Y .",
	"pilot":      ". . Y . Y . Y Y",
	"scaling":    ". . . Y . Y . Y",
	"operating":  ". . . . Y . . Y",
	"rejected":   "Y . . . . . . .",
	"retired":    ". . . . . . . .",
}

func fieldsOf(err error) []string {
	var le *lodestar.Error
	if !errors.As(err, &le) {
		return nil
	}
	return slices.Sorted(maps.Keys(le.Fields))
}

// wantFieldError checks err is EInvalid naming exactly field.
func wantFieldError(t *testing.T, err error, field string) {
	t.Helper()
	if err == nil {
		t.Errorf("got nil, want an error on %q", field)
		return
	}
	if code := lodestar.ErrorCode(err); code != lodestar.EInvalid {
		t.Errorf("got code %q, want %q", code, lodestar.EInvalid)
	}
	if got := fieldsOf(err); !slices.Equal(got, []string{field}) {
		t.Errorf("got fields %v, want [%s]", got, field)
	}
}

func TestCheckTransition(t *testing.T) {
	t.Parallel()
	if len(transitions) != len(lodestar.Stages) {
		t.Fatalf("transition table has %d rows, want %d", len(transitions), len(lodestar.Stages))
	}
	allowed := 0
	for _, from := range lodestar.Stages {
		row := slices.DeleteFunc([]rune(transitions[from]), func(r rune) bool { return r == ' ' })
		if len(row) != len(lodestar.Stages) {
			t.Fatalf("row %s has %d columns, want %d", from, len(row), len(lodestar.Stages))
		}
		for j, to := range lodestar.Stages {
			want := row[j] == 'Y'
			if want {
				allowed++
			}
			t.Run(from+"→"+to, func(t *testing.T) {
				err := portfolio.CheckTransition(from, to, "because")
				if want {
					if err != nil {
						t.Errorf("CheckTransition(%s, %s): got %v, want allowed", from, to, err)
					}
					// Allowed moves still need a reason.
					wantFieldError(t, portfolio.CheckTransition(from, to, ""), "reason")
					return
				}
				wantFieldError(t, err, "stage")
			})
		}
	}
	if allowed != 18 {
		t.Errorf("got %d allowed moves, want 18", allowed)
	}

	t.Run("unknown to stage", func(t *testing.T) {
		for _, to := range []string{"", "paused", "Pilot", "done"} {
			wantFieldError(t, portfolio.CheckTransition(lodestar.StageIdea, to, "because"), "stage")
			// The unknown stage is reported before the missing reason.
			wantFieldError(t, portfolio.CheckTransition(lodestar.StageIdea, to, ""), "stage")
		}
	})
	t.Run("unknown from stage", func(t *testing.T) {
		for _, from := range []string{"", "paused", "Idea"} {
			for _, to := range lodestar.Stages {
				wantFieldError(t, portfolio.CheckTransition(from, to, "because"), "stage")
			}
		}
	})
	t.Run("same stage without reason", func(t *testing.T) {
		// The missing reason is reported first.
		wantFieldError(t, portfolio.CheckTransition(lodestar.StagePilot, lodestar.StagePilot, ""), "reason")
	})
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func rd(day string, v float64) portfolio.Reading { return portfolio.Reading{Date: date(day), Value: v} }

func TestRealise(t *testing.T) {
	t.Parallel()
	live := date("2030-01-01")
	target := date("2031-01-01") // 365 days later
	half := live.Add(365 * 24 * time.Hour / 2)
	day182 := date("2030-07-02")
	upHistory := []portfolio.Reading{rd("2029-11-01", 40), rd("2029-12-01", 50), rd("2030-01-01", 52)}
	with := func(extra ...portfolio.Reading) []portfolio.Reading { return plus(upHistory, extra...) }
	up := lodestar.Impact{KPIID: 7, Change: 10, Confidence: 0.8}
	down := lodestar.Impact{KPIID: 8, Change: -4, Confidence: 0.5}
	downHistory := []portfolio.Reading{rd("2029-12-15", 21), rd("2030-01-01", 20)}
	tests := []struct {
		name         string
		imp          lodestar.Impact
		target, live time.Time
		now          time.Time
		readings     []portfolio.Reading
		status       string
		baseline     float64
		realised     float64
		expected     float64
		progress     float64
		series       int
	}{
		// Baseline is 52 (the go-live day's reading counts as before).
		{"on track", up, target, live, day182, with(rd("2030-04-01", 55), rd("2030-07-02", 58)),
			portfolio.OnTrack, 52, 6, 10 * 182.0 / 365, 182.0 / 365, 2},
		{"exactly 90% of due is on track", up, target, live, half, with(rd("2030-07-01", 56.5)),
			portfolio.OnTrack, 52, 4.5, 5, 0.5, 1},
		{"just under 90% of due is behind", up, target, live, half, with(rd("2030-07-01", 56.49)),
			portfolio.Behind, 52, 4.49, 5, 0.5, 1},
		{"moved the wrong way", up, target, live, half, with(rd("2030-07-01", 49)),
			portfolio.Behind, 52, -3, 5, 0.5, 1},
		{"latest reading counts, not the best", up, target, live, half, with(rd("2030-03-01", 70), rd("2030-06-01", 53)),
			portfolio.Behind, 52, 1, 5, 0.5, 2},
		{"nothing due yet at go-live", up, target, live, live, with(),
			portfolio.NoData, 52, 0, 0, 0, 0},
		{"fall promised and delivered", down, target, live, half, plus(downHistory, rd("2030-06-01", 17.5)),
			portfolio.OnTrack, 20, -2.5, -2, 0.5, 1},
		{"fall promised, 90% of due", down, target, live, half, plus(downHistory, rd("2030-06-01", 18.2)),
			portfolio.OnTrack, 20, -1.8, -2, 0.5, 1},
		{"fall promised, too little", down, target, live, half, plus(downHistory, rd("2030-06-01", 18.5)),
			portfolio.Behind, 20, -1.5, -2, 0.5, 1},
		{"fall promised, rose instead", down, target, live, half, plus(downHistory, rd("2030-06-01", 23)),
			portfolio.Behind, 20, 3, -2, 0.5, 1},
		{"after the target date all is due", up, target, live, date("2031-06-01"), with(rd("2031-05-01", 61)),
			portfolio.OnTrack, 52, 9, 10, 1, 1},
		{"after the target date, short", up, target, live, date("2032-01-01"), with(rd("2031-05-01", 60.9)),
			portfolio.Behind, 52, 8.9, 10, 1, 1},
		{"target date before go-live: all due", up, date("2029-06-01"), live, half, with(rd("2030-02-01", 61)),
			portfolio.OnTrack, 52, 9, 10, 1, 1},
		{"no baseline", up, target, live, half, []portfolio.Reading{rd("2030-02-01", 60), rd("2030-06-01", 70)},
			portfolio.NoData, 0, 0, 5, 0.5, 2},
		{"no reading after go-live", up, target, live, half, with(),
			portfolio.NoData, 52, 0, 5, 0.5, 0},
		{"no readings at all", up, target, live, half, nil,
			portfolio.NoData, 0, 0, 5, 0.5, 0},
		{"readings after now are ignored", up, target, live, half, with(rd("2030-03-01", 57), rd("2030-08-01", 40)),
			portfolio.OnTrack, 52, 5, 5, 0.5, 1},
		{"only readings after now", up, target, live, half, with(rd("2030-08-01", 70)),
			portfolio.NoData, 52, 0, 5, 0.5, 0},
		{"baseline is the last reading before go-live, not the first", up, target, live, half,
			[]portfolio.Reading{rd("2029-06-01", 10), rd("2029-12-31", 30), rd("2030-05-01", 35)},
			portfolio.OnTrack, 30, 5, 5, 0.5, 1},
		{"readings out of order", up, target, live, half,
			[]portfolio.Reading{rd("2030-05-01", 35), rd("2029-12-31", 30), rd("2030-03-01", 31), rd("2029-06-01", 10)},
			portfolio.OnTrack, 30, 5, 5, 0.5, 2},
		{"now before go-live", up, target, live, date("2029-12-01"), with(),
			portfolio.NoData, 52, 0, 0, 0, 0},
		// Met: the whole promised change realised, however little is due.
		{"rise promised, exactly realised early", up, target, live, half, with(rd("2030-06-01", 62)),
			portfolio.Met, 52, 10, 5, 0.5, 1},
		{"rise promised, more realised", up, target, live, half, with(rd("2030-06-01", 70)),
			portfolio.Met, 52, 18, 5, 0.5, 1},
		{"rise promised, just short is on track", up, target, live, half, with(rd("2030-06-01", 61.99)),
			portfolio.OnTrack, 52, 9.99, 5, 0.5, 1},
		{"rise promised, met after the target date", up, target, live, date("2031-06-01"), with(rd("2031-05-01", 62)),
			portfolio.Met, 52, 10, 10, 1, 1},
		{"fall promised, exactly realised", down, target, live, half, plus(downHistory, rd("2030-06-01", 16)),
			portfolio.Met, 20, -4, -2, 0.5, 1},
		{"fall promised, more realised (the demo's −66 s of −20 s)", down, target, live, half, plus(downHistory, rd("2030-06-01", 3)),
			portfolio.Met, 20, -17, -2, 0.5, 1},
		{"fall promised, decimals exactly realised", lodestar.Impact{KPIID: 8, Change: -0.3}, target, live, half,
			[]portfolio.Reading{rd("2030-01-01", 8.7), rd("2030-06-01", 8.4)},
			portfolio.Met, 8.7, -0.3, -0.15, 0.5, 1},
		{"rise promised, met once, latest short", up, target, live, half, with(rd("2030-03-01", 65), rd("2030-06-01", 57)),
			portfolio.OnTrack, 52, 5, 5, 0.5, 2},
		{"NaN latest reading is skipped", up, target, live, half, with(rd("2030-03-01", 62), rd("2030-06-01", math.NaN())),
			portfolio.Met, 52, 10, 5, 0.5, 1},
		{"NaN readings after go-live only", up, target, live, half, with(rd("2030-06-01", math.NaN())),
			portfolio.NoData, 52, 0, 5, 0.5, 0},
		{"NaN baseline is skipped", up, target, live, half,
			[]portfolio.Reading{rd("2029-12-01", 50), rd("2029-12-31", math.NaN()), rd("2030-06-01", 60)},
			portfolio.Met, 50, 10, 5, 0.5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := portfolio.Realise(tt.imp, tt.target, tt.live, tt.now, tt.readings)
			if got.KPIID != tt.imp.KPIID || got.Promised != tt.imp.Change || got.Status != tt.status ||
				!near(got.Baseline, tt.baseline) || !near(got.Realised, tt.realised) || !near(got.Expected, tt.expected) ||
				!near(got.Progress, tt.progress) || len(got.Series) != tt.series {
				t.Errorf("Realise: got kpi %d promised %v status %s baseline %v realised %v expected %v progress %v series %d,\n"+
					"want kpi %d promised %v status %s baseline %v realised %v expected %v progress %v series %d",
					got.KPIID, got.Promised, got.Status, got.Baseline, got.Realised, got.Expected, got.Progress, len(got.Series),
					tt.imp.KPIID, tt.imp.Change, tt.status, tt.baseline, tt.realised, tt.expected, tt.progress, tt.series)
			}
			for _, r := range got.Series {
				if !r.Date.After(tt.live) || r.Date.After(tt.now) {
					t.Errorf("series reading %s is outside (%s, %s]", r.Date.Format(time.DateOnly),
						tt.live.Format(time.DateOnly), tt.now.Format(time.DateOnly))
				}
			}
		})
	}

	t.Run("not live", func(t *testing.T) {
		got := portfolio.Realise(up, target, time.Time{}, half, with(rd("2030-06-01", 90)))
		if got.Status != portfolio.NoData || got.Expected != 0 || got.Realised != 0 || got.Progress != 0 || got.Promised != 10 {
			t.Errorf("Realise without go-live: got %+v, want no data with only the promise", got)
		}
	})
}

func TestOverall(t *testing.T) {
	t.Parallel()
	const (
		met, on, behind, none = portfolio.Met, portfolio.OnTrack, portfolio.Behind, portfolio.NoData
	)
	tests := []struct {
		name     string
		statuses []string
		want     string
	}{
		{"no KPIs", nil, none},
		{"all met", []string{met, met}, met},
		{"one met", []string{met}, met},
		{"met and on track", []string{met, on}, on},
		{"met and behind", []string{met, behind}, behind},
		{"any behind", []string{on, behind, none, met}, behind},
		{"met and no data", []string{met, none}, none},
		{"on track", []string{on, on}, on},
		{"unknown counts as no data", []string{met, "?"}, none},
	}
	for _, tt := range tests {
		if got := portfolio.Overall(tt.statuses); got != tt.want {
			t.Errorf("%s: Overall(%v) = %s, want %s", tt.name, tt.statuses, got, tt.want)
		}
	}
}

// plus returns base with extra appended, leaving base alone.
func plus(base []portfolio.Reading, extra ...portfolio.Reading) []portfolio.Reading {
	return append(slices.Clone(base), extra...)
}

func TestKPIProgress(t *testing.T) {
	t.Parallel()
	upKPI := lodestar.KPI{Direction: lodestar.DirectionUp, Baseline: 90, Target: 200}
	downKPI := lodestar.KPI{Direction: lodestar.DirectionDown, Baseline: 55, Target: 30}
	target := date("2031-01-01")
	first := "2030-01-01"   // 365 days before target
	halfway := "2030-07-02" // 182 days in
	now := date("2030-08-01")
	tests := []struct {
		name     string
		k        lodestar.KPI
		target   time.Time
		readings []portfolio.Reading
		status   string
		latest   float64
		expected float64
	}{
		{"no readings", upKPI, target, nil, portfolio.NoData, 0, 0},
		{"one reading", upKPI, target, []portfolio.Reading{rd(first, 100)}, portfolio.NoData, 0, 0},
		// Expected: 100 + (200−100) × 182/365 = 149.863…
		{"up, ahead", upKPI, target, []portfolio.Reading{rd(first, 100), rd(halfway, 160)}, portfolio.OnTrack, 160, 100 + 100*182.0/365},
		{"up, behind", upKPI, target, []portfolio.Reading{rd(first, 100), rd(halfway, 140)}, portfolio.Behind, 140, 100 + 100*182.0/365},
		{"up, middle readings ignored", upKPI, target,
			[]portfolio.Reading{rd(first, 100), rd("2030-03-01", 10), rd("2030-05-01", 500), rd(halfway, 150)},
			portfolio.OnTrack, 150, 100 + 100*182.0/365},
		{"up, fell", upKPI, target, []portfolio.Reading{rd(first, 100), rd(halfway, 95)}, portfolio.Behind, 95, 100 + 100*182.0/365},
		// Expected: 50 + (30−50) × 182/365 = 40.027…
		{"down, ahead", downKPI, target, []portfolio.Reading{rd(first, 50), rd(halfway, 38)}, portfolio.OnTrack, 38, 50 - 20*182.0/365},
		{"down, behind", downKPI, target, []portfolio.Reading{rd(first, 50), rd(halfway, 42)}, portfolio.Behind, 42, 50 - 20*182.0/365},
		{"down, rose", downKPI, target, []portfolio.Reading{rd(first, 50), rd(halfway, 60)}, portfolio.Behind, 60, 50 - 20*182.0/365},
		{"exactly on the glide path", downKPI, date("2030-01-11"), []portfolio.Reading{rd(first, 50), rd("2030-01-06", 40)},
			portfolio.OnTrack, 40, 40},
		{"past the target date: the target itself", upKPI, target, []portfolio.Reading{rd(first, 100), rd("2031-03-01", 199)},
			portfolio.Behind, 199, 200},
		{"past the target date, met", upKPI, target, []portfolio.Reading{rd(first, 100), rd("2031-03-01", 200)},
			portfolio.Met, 200, 200},
		{"target date before the first reading", downKPI, date("2029-06-01"), []portfolio.Reading{rd(first, 50), rd(halfway, 31)},
			portfolio.Behind, 31, 30},
		{"same-day readings", upKPI, target, []portfolio.Reading{rd(first, 100), rd(first, 101)}, portfolio.OnTrack, 101, 100},
		// Met: the target reached in the KPI's direction, whatever the date.
		{"up, exactly at target early", upKPI, target, []portfolio.Reading{rd(first, 100), rd(halfway, 200)},
			portfolio.Met, 200, 100 + 100*182.0/365},
		{"up, beyond target", upKPI, target, []portfolio.Reading{rd(first, 100), rd(halfway, 250)},
			portfolio.Met, 250, 100 + 100*182.0/365},
		{"up, just short of target is on track", upKPI, target, []portfolio.Reading{rd(first, 100), rd(halfway, 199.99)},
			portfolio.OnTrack, 199.99, 100 + 100*182.0/365},
		{"down, exactly at target", downKPI, target, []portfolio.Reading{rd(first, 50), rd(halfway, 30)},
			portfolio.Met, 30, 50 - 20*182.0/365},
		{"down, beyond target", downKPI, target, []portfolio.Reading{rd(first, 50), rd(halfway, 12.5)},
			portfolio.Met, 12.5, 50 - 20*182.0/365},
		{"down, above target is not met", downKPI, target, []portfolio.Reading{rd(first, 50), rd(halfway, 30.01)},
			portfolio.OnTrack, 30.01, 50 - 20*182.0/365},
		{"the demo's alert accuracy: 95.32 against 95", lodestar.KPI{Direction: lodestar.DirectionUp, Baseline: 82, Target: 95}, target,
			[]portfolio.Reading{rd(first, 82.4), rd(halfway, 95.32)}, portfolio.Met, 95.32, 82.4 + (95-82.4)*182.0/365},
		{"met, then fell back: the latest counts", upKPI, target, []portfolio.Reading{rd(first, 100), rd("2030-03-01", 210), rd(halfway, 140)},
			portfolio.Behind, 140, 100 + 100*182.0/365},
		{"one reading at target", upKPI, target, []portfolio.Reading{rd(first, 200)}, portfolio.Met, 200, 200},
		{"one reading beyond a falling target", downKPI, target, []portfolio.Reading{rd(first, 25)}, portfolio.Met, 25, 30},
		{"NaN latest is skipped", upKPI, target, []portfolio.Reading{rd(first, 100), rd(halfway, 200), rd("2030-07-03", math.NaN())},
			portfolio.Met, 200, 100 + 100*182.0/365},
		{"NaN readings only", upKPI, target, []portfolio.Reading{rd(first, math.NaN()), rd(halfway, math.NaN())}, portfolio.NoData, 0, 0},
		{"infinite reading is skipped", upKPI, target, []portfolio.Reading{rd(first, 100), rd(halfway, math.Inf(1))}, portfolio.NoData, 0, 0},
		{"NaN target", lodestar.KPI{Direction: lodestar.DirectionUp, Target: math.NaN()}, target,
			[]portfolio.Reading{rd(first, 100), rd(halfway, 200)}, portfolio.NoData, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := portfolio.KPIProgress(tt.k, tt.target, now, tt.readings)
			if got.Status != tt.status || !near(got.Latest, tt.latest) || !near(got.Expected, tt.expected) {
				t.Errorf("KPIProgress: got %s latest %v expected %v, want %s latest %v expected %v",
					got.Status, got.Latest, got.Expected, tt.status, tt.latest, tt.expected)
			}
		})
	}
}

// Example values used in the package documentation stay true.
func TestScoreDocExample(t *testing.T) {
	t.Parallel()
	got := portfolio.Score(10_000_000, 2_000_000, fz(4, 4, 4, 4), "minimal")
	if s := fmt.Sprint(got); s != "6.4" {
		t.Errorf("Score of the documented example: got %s, want 6.4", s)
	}
}
