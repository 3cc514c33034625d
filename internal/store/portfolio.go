package store

import (
	"context"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.PortfolioService = (*Store)(nil)

// MatrixLimit is how many use cases the value/feasibility matrix plots:
// the highest scoring, so the chart stays legible at 10,000.
const MatrixLimit = 300

// Dashboard implements lodestar.PortfolioService. Every figure comes from
// indexed columns the store keeps current on write, so it stays fast at
// 10,000 use cases.
func (s *Store) Dashboard(ctx context.Context, f lodestar.UseCaseFilter) (*lodestar.Dashboard, error) {
	if f.Stage != "" && !portfolio.ValidStage(f.Stage) {
		return nil, lodestar.FieldError("stage", "Unknown stage; use one of idea, assessment, approved, pilot, scaling, operating, rejected, retired.")
	}
	if f.Alignment != "" && f.Alignment != "aligned" && f.Alignment != "misaligned" {
		return nil, lodestar.FieldError("alignment", "alignment must be aligned or misaligned.")
	}
	d := &lodestar.Dashboard{}
	f.Limit = MatrixLimit
	f.Sort = "-score"
	// Funnel over every stage for the filter, stage itself aside.
	stageless := f
	stageless.Stage = ""
	var w filterSQL
	useCaseWhere(&w, stageless)
	rows, err := s.DB.Query(ctx, `SELECT stage, COUNT(*), COALESCE(SUM(value_estimate), 0) FROM use_cases`+w.sql()+` GROUP BY stage`, w.args...)
	if err != nil {
		return nil, wrap("dashboard funnel", err)
	}
	counts := map[string]lodestar.StageCount{}
	for rows.Next() {
		var c lodestar.StageCount
		if err := rows.Scan(&c.Stage, &c.Count, &c.Value); err != nil {
			rows.Close()
			return nil, err
		}
		counts[c.Stage] = c
	}
	rows.Close()
	// An error mid-way (SQLite's integer overflow in SUM) ends Next
	// early: without this the funnel came back short, silently.
	if err := rows.Err(); err != nil {
		return nil, wrap("dashboard funnel", err)
	}
	for _, st := range lodestar.Stages {
		c := counts[st]
		c.Stage = st
		d.Funnel = append(d.Funnel, c)
		if f.Stage == "" || f.Stage == st {
			d.Total += c.Count
		}
	}
	var mw filterSQL
	useCaseWhere(&mw, f)
	rows, err = s.DB.Query(ctx, `SELECT id, title, title_zh, stage, value_estimate, feasibility, score, alignment FROM use_cases`+mw.sql()+
		` ORDER BY score DESC, id DESC LIMIT ?`, append(mw.args, MatrixLimit)...)
	if err != nil {
		return nil, wrap("dashboard matrix", err)
	}
	for rows.Next() {
		var p lodestar.MatrixPoint
		var al string
		if err := rows.Scan(&p.ID, &p.Title, &p.TitleZH, &p.Stage, &p.Value, &p.Feasibility, &p.Score, &al); err != nil {
			rows.Close()
			return nil, err
		}
		p.Aligned = al == "aligned"
		d.Matrix = append(d.Matrix, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap("dashboard matrix", err)
	}
	d.MatrixTotal = d.Total
	mis := f
	// Misaligned work still under way, the most money at stake first.
	mis.Alignment, mis.Limit, mis.Active, mis.Sort = "misaligned", 8, true, "-cost"
	if f.Alignment == "aligned" {
		// Filtered to aligned work, nothing misaligned matches the filter.
		d.Misaligned = []*lodestar.UseCase{}
	} else if d.Misaligned, d.MisalignedCount, err = s.FindUseCases(ctx, mis); err != nil {
		return nil, err
	}
	if d.KPIsBehind, err = s.kpisBehind(ctx, 10); err != nil {
		return nil, err
	}
	// Changes to the portfolio, latest first: sign-ins, language switches
	// and routine KPI readings would push them off the list.
	if d.Recent, err = audit.Find(ctx, s.DB, lodestar.AuditFilter{Limit: 8, ByTime: true,
		ExcludeActions: []string{"login", "set_locale", "add_readings"}}); err != nil {
		return nil, err
	}
	return d, nil
}

// useCaseWhere adds a use-case filter's conditions.
func useCaseWhere(w *filterSQL, f lodestar.UseCaseFilter) {
	if !f.Archived {
		w.add("archived = ?", false)
	}
	w.likeLowered(f.Query, "search")
	if f.BusinessUnitID > 0 {
		w.add("business_unit_id = ?", f.BusinessUnitID)
	}
	if f.Stage != "" {
		w.add("stage = ?", f.Stage)
	}
	if f.Alignment != "" {
		w.add("alignment = ?", f.Alignment)
	}
	if f.Active {
		w.add("stage NOT IN (?, ?)", lodestar.StageRejected, lodestar.StageRetired)
	}
}

// KPIStatuses judges every live KPI against its glide path from its first
// reading to its target.
func (s *Store) KPIStatuses(ctx context.Context) ([]lodestar.KPIStatus, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+kpiColumns+`, first_date, first_value FROM kpis WHERE archived = ? ORDER BY name`, false)
	if err != nil {
		return nil, wrap("kpi statuses", err)
	}
	defer rows.Close()
	var out []lodestar.KPIStatus
	for rows.Next() {
		k := &lodestar.KPI{}
		var fd, ld string
		var fv, lv float64
		err := rows.Scan(&k.ID, &k.GoalID, &k.Name, &k.NameZH, &k.Unit, &k.Direction, &k.Baseline, &k.Target, &k.TargetDate,
			&k.OwnerID, &k.Archived, sqldb.Time{T: &k.CreatedAt}, sqldb.Time{T: &k.UpdatedAt}, &ld, &lv, &fd, &fv)
		if err != nil {
			return nil, err
		}
		var rs []portfolio.Reading
		if fd != "" {
			rs = append(rs, portfolio.Reading{Date: day(fd), Value: fv})
			k.Latest = &lodestar.KPIReading{KPIID: k.ID, Date: ld, Value: lv}
		}
		if ld != "" && ld != fd {
			rs = append(rs, portfolio.Reading{Date: day(ld), Value: lv})
		}
		st := portfolio.KPIProgress(*k, day(k.TargetDate), s.DB.Now(), rs)
		out = append(out, lodestar.KPIStatus{KPI: k, Status: st.Status, Latest: st.Latest, Expected: st.Expected})
	}
	return out, rows.Err()
}

func (s *Store) kpisBehind(ctx context.Context, limit int) ([]lodestar.KPIStatus, error) {
	all, err := s.KPIStatuses(ctx)
	if err != nil {
		return nil, err
	}
	out := []lodestar.KPIStatus{}
	for _, k := range all {
		if k.Status == portfolio.Behind && len(out) < limit {
			out = append(out, k)
		}
	}
	return out, nil
}

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// Realisation implements lodestar.PortfolioService. A retired use case
// keeps its realisation as history: it is judged as it stood on the day
// it retired, so readings after that day neither count for it nor against
// it and nothing more falls due.
func (s *Store) Realisation(ctx context.Context, id int64) (*lodestar.Realisation, error) {
	uc, err := s.FindUseCaseByID(ctx, id)
	if err != nil {
		return nil, err
	}
	live, err := s.LiveSince(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &lodestar.Realisation{UseCaseID: id, KPIs: []lodestar.RealisedKPI{}}
	if live == "" || !(portfolio.Live(uc.Stage) || uc.Stage == lodestar.StageRetired) {
		return out, nil
	}
	out.Live, out.LiveSince = true, live[:10]
	liveAt := day(out.LiveSince)
	now := s.DB.Now()
	if uc.Stage == lodestar.StageRetired && !uc.StageChangedAt.IsZero() && uc.StageChangedAt.Before(now) {
		now = uc.StageChangedAt
	}
	today := now.UTC().Format(time.DateOnly)
	var statuses []string
	for _, imp := range uc.Impacts {
		k, err := s.FindKPIByID(ctx, imp.KPIID)
		if err != nil {
			return nil, err
		}
		readings, err := s.Readings(ctx, imp.KPIID)
		if err != nil {
			return nil, err
		}
		rs := make([]portfolio.Reading, len(readings))
		for i, r := range readings {
			rs[i] = portfolio.Reading{Date: day(r.Date), Value: r.Value}
		}
		res := portfolio.Realise(imp, day(k.TargetDate), liveAt, now, rs)
		// The chart shows the readings from go-live day (the baseline when
		// there is one that day) up to now, as the judgement saw them.
		series := []lodestar.KPIReading{}
		for _, r := range readings {
			if r.Date >= out.LiveSince && r.Date <= today {
				series = append(series, r)
			}
		}
		out.KPIs = append(out.KPIs, lodestar.RealisedKPI{KPI: k, Promised: res.Promised, Expected: res.Expected,
			Realised: res.Realised, Baseline: res.Baseline, Progress: res.Progress, Status: res.Status, Series: series})
		statuses = append(statuses, res.Status)
	}
	out.Status = portfolio.Overall(statuses)
	return out, nil
}
