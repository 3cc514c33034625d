// Package portfolio is the strategy path's engine: alignment, priority
// score, stage rules and value realisation, computed from plain values
// with no database and no HTTP.
package portfolio

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// Facts are what alignment is computed from.
type Facts struct {
	HasSponsor bool
	PainPoints int
	// ImpactKPIGoal maps each impacted KPI's ID to its goal ID (0: none).
	ImpactKPIGoal map[int64]int64
}

// Align computes a use case's alignment. A use case is misaligned when it
// promises no KPI impact, has no business sponsor, addresses no pain
// point, or impacts a KPI that belongs to no goal. Reasons are listed in
// that order; KPI reasons name the KPI as "kpi_without_goal:ID".
func Align(f Facts) lodestar.Alignment {
	reasons := []string{}
	if len(f.ImpactKPIGoal) == 0 {
		reasons = append(reasons, lodestar.ReasonNoKPIImpact)
	}
	if !f.HasSponsor {
		reasons = append(reasons, lodestar.ReasonNoSponsor)
	}
	if f.PainPoints == 0 {
		reasons = append(reasons, lodestar.ReasonNoPainPoint)
	}
	var orphan []int64
	for kpi, goal := range f.ImpactKPIGoal {
		if goal == 0 {
			orphan = append(orphan, kpi)
		}
	}
	sort.Slice(orphan, func(i, j int) bool { return orphan[i] < orphan[j] })
	for _, k := range orphan {
		reasons = append(reasons, fmt.Sprintf("%s:%d", lodestar.ReasonKPIWithoutGoal, k))
	}
	if len(reasons) == 0 {
		return lodestar.Alignment{Status: "aligned", Reasons: reasons}
	}
	return lodestar.Alignment{Status: "misaligned", Reasons: reasons}
}

// Risk tiers and the factor each divides the score by. Until a use case
// is assessed its tier is "unassessed", which counts as 1 (no discount)
// and is shown as such; "prohibited" scores 0 whatever the value.
var RiskFactor = map[string]float64{
	"unassessed": 1, "minimal": 1, "limited": 1.25, "high": 2,
}

// FeasibilityMean is the mean of the four feasibility scores, where an
// unscored dimension (0) counts as 1: what is unknown is treated as poor.
func FeasibilityMean(f lodestar.Feasibility) float64 {
	sum := 0
	for _, v := range []int{f.DataReadiness, f.TechnicalMaturity, f.Skills, f.Integration} {
		if v < 1 {
			v = 1
		}
		sum += v
	}
	return float64(sum) / 4
}

// Score is the priority score:
//
//	score = net annual value in millions × (feasibility mean ÷ 5) ÷ risk factor
//
// where net value = max(0, value − cost). A use case worth ¥10M a year at
// ¥2M cost, feasibility 4 and minimal risk scores 8 × 0.8 ÷ 1 = 6.4.
func Score(value, cost int64, f lodestar.Feasibility, riskTier string) float64 {
	factor, ok := RiskFactor[riskTier]
	if !ok {
		return 0 // prohibited or unknown: never prioritised
	}
	net := math.Max(0, float64(value-cost)) / 1e6
	s := net * FeasibilityMean(f) / 5 / factor
	return math.Round(s*1000) / 1000
}

var order = map[string]int{
	lodestar.StageIdea: 0, lodestar.StageAssessment: 1, lodestar.StageApproved: 2,
	lodestar.StagePilot: 3, lodestar.StageScaling: 4, lodestar.StageOperating: 5,
}

// ValidStage reports whether s is a stage.
func ValidStage(s string) bool {
	for _, x := range lodestar.Stages {
		if x == s {
			return true
		}
	}
	return false
}

// Live reports whether a stage counts as running (pilot or later, not ended).
func Live(stage string) bool {
	o, ok := order[stage]
	return ok && o >= order[lodestar.StagePilot]
}

// CheckTransition applies the lifecycle rules. A use case moves one stage
// forward (idea → assessment → approved → pilot → scaling → operating) or
// one stage back; it may be rejected before it scales (idea to pilot) and
// retired once live (pilot to operating); a rejected use case may be
// reopened as an idea; retired is final. Every move needs a reason.
func CheckTransition(from, to, reason string) error {
	if !ValidStage(to) {
		return lodestar.FieldError("stage", "Unknown stage; use one of idea, assessment, approved, pilot, scaling, operating, rejected, retired.")
	}
	if reason == "" {
		return lodestar.FieldError("reason", "Say why the stage changes.")
	}
	if from == to {
		return lodestar.FieldError("stage", "The use case is already in this stage.")
	}
	fo, fromActive := order[from]
	to2, toActive := order[to]
	switch {
	case fromActive && toActive && (to2 == fo+1 || to2 == fo-1):
		return nil
	case fromActive && to == lodestar.StageRejected && fo <= order[lodestar.StagePilot]:
		return nil
	case fromActive && to == lodestar.StageRetired && fo >= order[lodestar.StagePilot]:
		return nil
	case from == lodestar.StageRejected && to == lodestar.StageIdea:
		return nil
	}
	return lodestar.FieldError("stage", "This stage change is not allowed: a use case moves one stage at a time.")
}

// Realisation and KPI statuses. Met is a target reached or passed: a KPI
// whose latest reading is at or beyond its target in its direction, or a
// promised change realised in full.
const (
	OnTrack = "on_track"
	Behind  = "behind"
	NoData  = "no_data"
	Met     = "met"
)

// Statuses lists every status, for label checks.
var Statuses = []string{Met, OnTrack, Behind, NoData}

// reached reports whether got is at or beyond want in the direction (up:
// at least want; down: at most want), allowing for the rounding of
// decimal readings in float arithmetic (95.32−0.32 is not exactly 95).
func reached(got, want float64, down bool) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return false
	}
	tol := 1e-9 * math.Max(1, math.Max(math.Abs(got), math.Abs(want)))
	if down {
		return got <= want+tol
	}
	return got >= want-tol
}

// finite reports whether a reading's value can be judged.
func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// overallRank orders statuses from best to worst for Overall.
var overallRank = map[string]int{Met: 0, OnTrack: 1, NoData: 2, Behind: 3}

// Overall is a use case's realisation status from its KPIs': the worst of
// them, so behind when any KPI is behind, else no data when any has none,
// met only when every KPI met its promise, otherwise on track. Without
// KPIs there is no data.
func Overall(statuses []string) string {
	if len(statuses) == 0 {
		return NoData
	}
	out := Met
	for _, s := range statuses {
		r, ok := overallRank[s]
		if !ok {
			r, s = overallRank[NoData], NoData
		}
		if r > overallRank[out] {
			out = s
		}
	}
	return out
}

// Reading is one dated KPI value.
type Reading struct {
	Date  time.Time
	Value float64
}

// RealisedImpact compares what a live use case promised on one KPI with
// what the KPI did since the use case went live.
type RealisedImpact struct {
	KPIID    int64     `json:"kpi_id"`
	Promised float64   `json:"promised"` // the full promised change
	Expected float64   `json:"expected"` // the share of it due by now
	Realised float64   `json:"realised"` // latest reading minus baseline
	Baseline float64   `json:"baseline"` // reading at go-live
	Status   string    `json:"status"`   // met | on_track | behind | no_data
	Series   []Reading `json:"-"`        // readings since go-live, for charts
	Progress float64   `json:"progress"` // share of the way from go-live to the KPI's target date
}

// OnTrackShare is how much of the expected-by-now change counts as on track.
const OnTrackShare = 0.9

// Realise computes one impact's realisation. The baseline is the last
// reading on or before go-live; the promised change is due linearly
// between go-live and the KPI's target date (all of it after that date).
// On track means the realised change, in the promised direction, is at
// least 90% of what is due by now; met means it is all of the promised
// change or more, whatever is due. Without a baseline or a reading after
// go-live there is no data; readings that are not numbers are skipped.
func Realise(imp lodestar.Impact, targetDate, liveSince, now time.Time, readings []Reading) RealisedImpact {
	r := RealisedImpact{KPIID: imp.KPIID, Promised: imp.Change, Status: NoData}
	if liveSince.IsZero() {
		return r
	}
	haveBase := false
	var baseDate time.Time
	var latest *Reading
	for i := range readings {
		rd := readings[i]
		if !finite(rd.Value) {
			continue
		}
		if !rd.Date.After(liveSince) {
			// The last reading on or before go-live, whatever the order.
			if !haveBase || !rd.Date.Before(baseDate) {
				r.Baseline, baseDate, haveBase = rd.Value, rd.Date, true
			}
			continue
		}
		if rd.Date.After(now) {
			continue
		}
		r.Series = append(r.Series, rd)
		if latest == nil || rd.Date.After(latest.Date) {
			latest = &readings[i]
		}
	}
	span := targetDate.Sub(liveSince)
	r.Progress = 1
	if span > 0 {
		r.Progress = math.Min(1, math.Max(0, float64(now.Sub(liveSince))/float64(span)))
	}
	r.Expected = imp.Change * r.Progress
	if !haveBase || latest == nil {
		return r
	}
	r.Realised = latest.Value - r.Baseline
	dir := 1.0
	if imp.Change < 0 {
		dir = -1
	}
	switch {
	case imp.Change != 0 && reached(r.Realised, imp.Change, dir < 0):
		r.Status = Met
	case r.Realised*dir >= OnTrackShare*math.Abs(r.Expected):
		r.Status = OnTrack
	default:
		r.Status = Behind
	}
	return r
}

// KPIState says where a KPI stands against the straight line from its
// first reading to its target on the target date.
type KPIState struct {
	Status   string  `json:"status"` // met | on_track | behind | no_data
	Latest   float64 `json:"latest"`
	Expected float64 `json:"expected"`
}

// KPIProgress judges a KPI by its readings (sorted by date): met when the
// latest reading has reached the target in the KPI's direction (up: at
// least the target; down: at most it), whenever that happens; otherwise
// behind when the latest reading is worse, in the KPI's direction, than
// the glide path from the first reading to the target by the target date.
// The path is read at the date of the latest reading, not at now, so a KPI
// that is reported monthly is not judged behind for the days between
// reports; now is accepted for callers that judge at a fixed time and is
// not used. Readings that are not numbers are skipped; a glide path needs
// two readings, so with one the KPI is met or has no data.
func KPIProgress(k lodestar.KPI, targetDate, now time.Time, readings []Reading) KPIState {
	rs := make([]Reading, 0, len(readings))
	for _, r := range readings {
		if finite(r.Value) {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 || !finite(k.Target) {
		return KPIState{Status: NoData}
	}
	down := k.Direction == lodestar.DirectionDown
	last := rs[len(rs)-1]
	if len(rs) < 2 {
		if reached(last.Value, k.Target, down) {
			return KPIState{Status: Met, Latest: last.Value, Expected: k.Target}
		}
		return KPIState{Status: NoData}
	}
	first := rs[0]
	progress := 1.0
	if span := targetDate.Sub(first.Date); span > 0 {
		progress = math.Min(1, math.Max(0, float64(last.Date.Sub(first.Date))/float64(span)))
	}
	expected := first.Value + (k.Target-first.Value)*progress
	st := KPIState{Status: OnTrack, Latest: last.Value, Expected: expected}
	worse := last.Value < expected
	if down {
		worse = last.Value > expected
	}
	switch {
	case reached(last.Value, k.Target, down):
		st.Status = Met
	case worse:
		st.Status = Behind
	}
	return st
}

// CheckModelTransition applies the version lifecycle: one step forward
// (development → staging → production), back to development from staging
// or production, or retired from any status (a candidate that failed
// staging is retired, not parked); retired is final; a reason is required.
func CheckModelTransition(from, to, reason string) error {
	if to == "" {
		return lodestar.FieldError("status", "Choose the status to move the version to.")
	}
	if !slices.Contains(lodestar.ModelStatuses, to) {
		return lodestar.FieldError("status", "Unknown status; use development, staging, production or retired.")
	}
	if strings.TrimSpace(reason) == "" {
		return lodestar.FieldError("reason", "Say why the status changes.")
	}
	if from == to {
		return lodestar.FieldError("status", "The version is already in this status.")
	}
	if from == lodestar.ModelRetired {
		return lodestar.FieldError("status", "A retired version is final: its status cannot change. Add a new version instead.")
	}
	fi, ti := slices.Index(lodestar.ModelStatuses, from), slices.Index(lodestar.ModelStatuses, to)
	switch {
	case to == lodestar.ModelRetired:
		return nil
	case ti == fi+1:
		return nil
	case to == lodestar.ModelDevelopment && (from == lodestar.ModelStaging || from == lodestar.ModelProduction):
		return nil
	}
	return lodestar.FieldError("status", "This status change is not allowed: a version moves one step forward (development → staging → production), back to development from staging or production, or to retired from any status.")
}
