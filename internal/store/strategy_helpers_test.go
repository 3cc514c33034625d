package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// strategyTables are the tables a strategy write may touch.
var strategyTables = []string{
	"users", "business_units", "goals", "kpis", "kpi_readings", "pain_points", "use_cases",
	"use_case_pain_points", "use_case_impacts", "stage_changes", "audit_log", "audit_head",
}

// snapshot is every row of the strategy tables as text, sorted, so a test
// can show that a failed write changed nothing at all: not one row added
// or removed, not one value altered, and no audit entry.
type snapshot map[string][]string

func (f *fixture) snapshot() snapshot {
	f.t.Helper()
	out := snapshot{}
	for _, table := range strategyTables {
		rows, err := f.db.Query(context.Background(), `SELECT * FROM `+table)
		if err != nil {
			f.t.Fatalf("snapshot %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			f.t.Fatalf("snapshot %s: %v", table, err)
		}
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				f.t.Fatalf("snapshot %s: %v", table, err)
			}
			parts := make([]string, len(cols))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
			}
			lines = append(lines, strings.Join(parts, " "))
		}
		if err := rows.Err(); err != nil {
			f.t.Fatalf("snapshot %s: %v", table, err)
		}
		rows.Close()
		slices.Sort(lines)
		out[table] = lines
	}
	return out
}

// wantSame fails unless the strategy tables hold exactly what they held
// when before was taken.
func (f *fixture) wantSame(before snapshot) {
	f.t.Helper()
	after := f.snapshot()
	for _, table := range strategyTables {
		b, a := before[table], after[table]
		if slices.Equal(a, b) {
			continue
		}
		if len(a) != len(b) {
			f.t.Errorf("table %s: got %d rows, want %d (nothing written)", table, len(a), len(b))
			continue
		}
		for i := range a {
			if a[i] != b[i] {
				f.t.Errorf("table %s changed:\n got %s\nwant %s", table, a[i], b[i])
				break
			}
		}
	}
}

// rowsIn is the number of rows of table in a snapshot.
func (s snapshot) rowsIn(table string) int { return len(s[table]) }

func (f *fixture) unit(name string, parent int64) *lodestar.BusinessUnit {
	f.t.Helper()
	b, err := f.s.CreateBusinessUnit(f.ctx, lodestar.BusinessUnit{Name: name, ParentID: parent})
	if err != nil {
		f.t.Fatalf("CreateBusinessUnit(%q): %v", name, err)
	}
	return b
}

func (f *fixture) goal(title string, bu int64) *lodestar.Goal {
	f.t.Helper()
	g, err := f.s.CreateGoal(f.ctx, lodestar.Goal{Title: title, BusinessUnitID: bu, Horizon: "year"})
	if err != nil {
		f.t.Fatalf("CreateGoal(%q): %v", title, err)
	}
	return g
}

// kpi creates a KPI under goal (0: none) with baseline 100, target 200
// by 2031-03-04 for "up", or baseline 50, target 30 for "down".
func (f *fixture) kpi(name string, goal int64, direction string) *lodestar.KPI {
	f.t.Helper()
	in := lodestar.KPI{GoalID: goal, Name: name, Unit: "%", Direction: direction, Baseline: 100, Target: 200, TargetDate: "2031-03-04"}
	if direction == lodestar.DirectionDown {
		in.Baseline, in.Target = 50, 30
	}
	k, err := f.s.CreateKPI(f.ctx, in)
	if err != nil {
		f.t.Fatalf("CreateKPI(%q): %v", name, err)
	}
	return k
}

func (f *fixture) pain(title string, bu int64, cost int64) *lodestar.PainPoint {
	f.t.Helper()
	p, err := f.s.CreatePainPoint(f.ctx, lodestar.PainPoint{Title: title, BusinessUnitID: bu, Category: "cost", AnnualCost: cost})
	if err != nil {
		f.t.Fatalf("CreatePainPoint(%q): %v", title, err)
	}
	return p
}

func (f *fixture) useCase(in lodestar.NewUseCase) *lodestar.UseCase {
	f.t.Helper()
	uc, err := f.s.CreateUseCase(f.ctx, in)
	if err != nil {
		f.t.Fatalf("CreateUseCase(%q): %v", in.Title, err)
	}
	return uc
}

// read records readings given as date, value, date, value, …
// recModel makes the use case "Recommendations" and its model "rec" with
// versions named: what the monitoring tests start from.
func (f *fixture) recModel(versions ...string) *lodestar.Model {
	f.t.Helper()
	uc := f.useCase(lodestar.NewUseCase{Title: "Recommendations"})
	m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "rec", Name: "Rec"})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, v := range versions {
		if _, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: v}); err != nil {
			f.t.Fatal(err)
		}
	}
	return m
}

func (f *fixture) read(kpi int64, pairs ...any) {
	f.t.Helper()
	var rs []lodestar.KPIReading
	for i := 0; i+1 < len(pairs); i += 2 {
		rs = append(rs, lodestar.KPIReading{Date: pairs[i].(string), Value: toFloat(pairs[i+1])})
	}
	if _, err := f.addReadings(kpi, rs); err != nil {
		f.t.Fatalf("AddReadings(%d): %v", kpi, err)
	}
}

// addReadings adds readings as they would be recorded: on the day of the
// latest one when that is ahead of the clock (a reading cannot be dated in
// the future), the clock put back afterwards.
func (f *fixture) addReadings(kpi int64, rs []lodestar.KPIReading) (int, error) {
	f.t.Helper()
	now := f.clock.Now()
	last := now
	for _, r := range rs {
		if d, err := time.Parse(time.DateOnly, r.Date); err == nil && d.After(last) {
			last = d
		}
	}
	f.clock.Set(last)
	defer f.clock.Set(now)
	return f.s.AddReadings(f.ctx, kpi, rs)
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	panic(fmt.Sprintf("toFloat(%T)", v))
}

// disableUser marks a seeded user disabled without an audit entry.
func (f *fixture) disableUser(id int64) {
	f.t.Helper()
	if _, err := f.db.ExecContext(context.Background(), f.db.Rebind(`UPDATE users SET disabled = ? WHERE id = ?`), true, id); err != nil {
		f.t.Fatalf("disable user %d: %v", id, err)
	}
}

// wantAudit checks the newest audit event is action on entity id by the
// fixture's actor, and that the chain holds n entries.
func (f *fixture) wantAudit(n int64, action, entity string, id int64) {
	f.t.Helper()
	wantEvent(f.t, f.lastEvent(), adminActor, action, entity, id)
	f.verify(n)
}

// ids lists the IDs of use cases in order.
func ucIDs(ucs []*lodestar.UseCase) []int64 {
	out := []int64{}
	for _, u := range ucs {
		out = append(out, u.ID)
	}
	return out
}

// sub runs fn as a named subtest with the fixture's t swapped, so the
// fixture's helpers report against the subtest.
func (f *fixture) sub(name string, fn func(t *testing.T)) {
	f.t.Helper()
	parent := f.t
	parent.Run(name, func(t *testing.T) {
		f.t = t
		defer func() { f.t = parent }()
		fn(t)
	})
}
