package store_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// funnel renders a dashboard funnel as "stage=count/value …".
func funnel(d *lodestar.Dashboard) string {
	s := ""
	for _, c := range d.Funnel {
		s += fmt.Sprintf("%s=%d/%d ", c.Stage, c.Count, c.Value/1_000_000)
	}
	return s
}

func matrixIDs(d *lodestar.Dashboard) []int64 {
	out := []int64{}
	for _, p := range d.Matrix {
		out = append(out, p.ID)
	}
	return out
}

func TestDashboardEmpty(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		d, err := f.s.Dashboard(context.Background(), lodestar.UseCaseFilter{})
		if err != nil {
			t.Fatalf("Dashboard: %v", err)
		}
		want := "idea=0/0 assessment=0/0 approved=0/0 pilot=0/0 scaling=0/0 operating=0/0 rejected=0/0 retired=0/0 "
		if got := funnel(d); got != want {
			t.Errorf("funnel: got %q, want %q", got, want)
		}
		if d.Total != 0 || len(d.Matrix) != 0 || d.MatrixTotal != 0 || len(d.Misaligned) != 0 || d.MisalignedCount != 0 ||
			len(d.KPIsBehind) != 0 || len(d.Recent) != 0 {
			t.Errorf("empty dashboard: got %+v", *d)
		}
		if d.Misaligned == nil || d.KPIsBehind == nil {
			t.Errorf("empty dashboard: lists must be empty, not null: misaligned %v, KPIs %v", d.Misaligned, d.KPIsBehind)
		}
	})
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		w := newWorld(f)
		retail, finance := w.bu.ID, f.unit("Finance", 0).ID
		five := fz(5, 5, 5, 5) // score = net value in millions
		const M = 1_000_000
		specs := []struct {
			stage       string
			bu          int64
			aligned     bool
			value, cost int64
		}{
			{"idea", retail, false, 1 * M, 4 * M},       // 1: score 0
			{"idea", finance, true, 6 * M, 1 * M},       // 2: 5
			{"assessment", retail, false, 2 * M, 9 * M}, // 3: 0
			{"approved", retail, true, 3 * M, 1 * M},    // 4: 2
			{"pilot", finance, false, 8 * M, 2 * M},     // 5: 6
			{"pilot", retail, true, 4 * M, 1 * M},       // 6: 3
			{"scaling", retail, false, 5 * M, 5 * M},    // 7: 0
			{"operating", finance, true, 9 * M, 3 * M},  // 8: 6
			{"rejected", retail, false, 7 * M, 20 * M},  // 9: 0, misaligned but ended
			{"retired", retail, false, 1 * M, 30 * M},   // 10: 0, misaligned but ended
			{"idea", retail, false, 100 * M, 50 * M},    // 11: archived
		}
		for i, s := range specs {
			in := lodestar.NewUseCase{Title: fmt.Sprintf("UC %02d", i+1), Stage: s.stage, BusinessUnitID: s.bu,
				ValueEstimate: s.value, CostEstimate: s.cost, Feasibility: five}
			if s.aligned {
				in.SponsorID, in.PainPointIDs = w.sponsor.ID, []int64{w.pain.ID}
				in.Impacts = []lodestar.Impact{{KPIID: w.k1.ID, Change: 1, Confidence: 0.5}}
			}
			uc := f.useCase(in)
			if uc.ID != int64(i+1) {
				t.Fatalf("use case %d got ID %d", i+1, uc.ID)
			}
		}
		if _, err := f.s.ArchiveUseCase(f.ctx, 11, true); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name          string
			f             lodestar.UseCaseFilter
			funnel        string
			total         int
			matrix        []int64
			misaligned    []int64
			misalignedCnt int
		}{
			{"everything", lodestar.UseCaseFilter{},
				"idea=2/7 assessment=1/2 approved=1/3 pilot=2/12 scaling=1/5 operating=1/9 rejected=1/7 retired=1/1 ", 10,
				[]int64{8, 5, 2, 6, 4, 10, 9, 7, 3, 1}, []int64{3, 7, 1, 5}, 4},
			{"one business unit", lodestar.UseCaseFilter{BusinessUnitID: retail},
				"idea=1/1 assessment=1/2 approved=1/3 pilot=1/4 scaling=1/5 operating=0/0 rejected=1/7 retired=1/1 ", 7,
				[]int64{6, 4, 10, 9, 7, 3, 1}, []int64{3, 7, 1}, 3},
			// The funnel always shows every stage; the rest narrows.
			{"one stage", lodestar.UseCaseFilter{Stage: "pilot"},
				"idea=2/7 assessment=1/2 approved=1/3 pilot=2/12 scaling=1/5 operating=1/9 rejected=1/7 retired=1/1 ", 2,
				[]int64{5, 6}, []int64{5}, 1},
			{"aligned only", lodestar.UseCaseFilter{Alignment: "aligned"},
				"idea=1/6 assessment=0/0 approved=1/3 pilot=1/4 scaling=0/0 operating=1/9 rejected=0/0 retired=0/0 ", 4,
				[]int64{8, 2, 6, 4}, []int64{}, 0}, // nothing misaligned is aligned
			{"with archived", lodestar.UseCaseFilter{Archived: true},
				"idea=3/107 assessment=1/2 approved=1/3 pilot=2/12 scaling=1/5 operating=1/9 rejected=1/7 retired=1/1 ", 11,
				[]int64{11, 8, 5, 2, 6, 4, 10, 9, 7, 3, 1}, []int64{11, 3, 7, 1, 5}, 5},
			{"a query", lodestar.UseCaseFilter{Query: "uc 0"},
				"idea=2/7 assessment=1/2 approved=1/3 pilot=2/12 scaling=1/5 operating=1/9 rejected=1/7 retired=0/0 ", 9,
				[]int64{8, 5, 2, 6, 4, 9, 7, 3, 1}, []int64{3, 7, 1, 5}, 4},
		}
		for _, tt := range tests {
			f.sub(tt.name, func(t *testing.T) {
				d, err := f.s.Dashboard(context.Background(), tt.f)
				if err != nil {
					t.Fatalf("Dashboard: %v", err)
				}
				if got := funnel(d); got != tt.funnel {
					t.Errorf("funnel:\n got %s\nwant %s", got, tt.funnel)
				}
				if d.Total != tt.total || d.MatrixTotal != tt.total {
					t.Errorf("got total %d, matrix total %d, want %d", d.Total, d.MatrixTotal, tt.total)
				}
				if got := matrixIDs(d); !slices.Equal(got, tt.matrix) {
					t.Errorf("matrix: got %v, want %v", got, tt.matrix)
				}
				if got := ucIDs(d.Misaligned); !slices.Equal(got, tt.misaligned) || d.MisalignedCount != tt.misalignedCnt {
					t.Errorf("misaligned: got %v (%d), want %v (%d)", got, d.MisalignedCount, tt.misaligned, tt.misalignedCnt)
				}
				if d.Misaligned == nil {
					t.Error("misaligned: got null, want a list")
				}
				for _, p := range d.Matrix {
					s := specs[p.ID-1]
					want := lodestar.MatrixPoint{ID: p.ID, Title: fmt.Sprintf("UC %02d", p.ID), Stage: s.stage, Value: s.value,
						Feasibility: 5, Score: portfolio.Score(s.value, s.cost, five, "unassessed"), Aligned: s.aligned}
					if p != want {
						t.Errorf("matrix point: got %+v, want %+v", p, want)
					}
				}
			})
		}
		for _, bad := range []struct {
			f     lodestar.UseCaseFilter
			field string
		}{
			{lodestar.UseCaseFilter{Stage: "paused"}, "stage"},
			{lodestar.UseCaseFilter{Alignment: "partly"}, "alignment"},
		} {
			d, err := f.s.Dashboard(context.Background(), bad.f)
			if d != nil {
				t.Errorf("Dashboard(%+v): got %+v, want none", bad.f, *d)
			}
			wantError(t, err, lodestar.EInvalid, bad.field)
		}
	})
}

func TestDashboardLimits(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		// More use cases than the matrix plots, written straight to the
		// table: scores repeat every 100 so ties are broken by ID.
		n := store.MatrixLimit + 5
		err := db.InTx(context.Background(), func(tx *sqldb.Tx) error {
			now := sqldb.FormatTime(f.clock.Now())
			for i := 1; i <= n; i++ {
				_, err := tx.ExecContext(context.Background(), `INSERT INTO use_cases (id, title, created_at, updated_at, stage, stage_changed_at,
					value_estimate, cost_estimate, score, alignment) VALUES (?, ?, ?, ?, 'idea', ?, ?, ?, ?, 'misaligned')`,
					i, fmt.Sprint("UC ", i), now, now, now, i*1000, i*100, float64(i%100))
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		d, err := f.s.Dashboard(context.Background(), lodestar.UseCaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			id    int64
			score float64
		}
		var all []row
		for i := 1; i <= n; i++ {
			all = append(all, row{int64(i), float64(i % 100)})
		}
		slices.SortFunc(all, func(a, b row) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return cmp.Compare(b.id, a.id)
		})
		var want []int64
		for _, r := range all[:store.MatrixLimit] {
			want = append(want, r.id)
		}
		if got := matrixIDs(d); !slices.Equal(got, want) {
			t.Errorf("matrix: got %d points %v…, want the top %d by score then ID, %v…", len(got), got[:min(5, len(got))], store.MatrixLimit, want[:5])
		}
		if d.MatrixTotal != n || d.Total != n || d.Funnel[0].Count != n {
			t.Errorf("got matrix total %d, total %d, ideas %d, want %d", d.MatrixTotal, d.Total, d.Funnel[0].Count, n)
		}
		// The misaligned list shows the costliest few and counts them all.
		var wantMis []int64
		for i := n; len(wantMis) < 8; i-- {
			wantMis = append(wantMis, int64(i))
		}
		if got := ucIDs(d.Misaligned); !slices.Equal(got, wantMis) || d.MisalignedCount != n {
			t.Errorf("misaligned: got %v (%d), want %v (%d)", got, d.MisalignedCount, wantMis, n)
		}
	})
}

// newKPI creates a KPI with an explicit target.
func (f *fixture) newKPI(name, direction string, target float64, targetDate string) *lodestar.KPI {
	f.t.Helper()
	k, err := f.s.CreateKPI(f.ctx, lodestar.KPI{Name: name, Unit: "u", Direction: direction, Target: target, TargetDate: targetDate})
	if err != nil {
		f.t.Fatalf("CreateKPI(%s): %v", name, err)
	}
	return k
}

func TestDashboardKPIsBehind(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		// Glide paths run from the first reading (2030-01-01) to the target
		// on 2031-01-01, 365 days; the last reading is 182 days in.
		const first, last, target = "2030-01-01", "2030-07-02", "2031-01-01"
		upDue := 100 + 100*182.0/365 // 149.86…
		downDue := 50 - 20*182.0/365 // 40.02…
		upBehind := f.newKPI("B up behind", "up", 200, target)
		f.read(upBehind.ID, first, 100, "2030-03-01", 190, last, 140) // the middle reading does not count
		upOK := f.newKPI("C up on track", "up", 200, target)
		f.read(upOK.ID, first, 100, last, 160)
		downBehind := f.newKPI("A down behind", "down", 30, target)
		f.read(downBehind.ID, last, 45, first, 50)
		downOK := f.newKPI("D down on track", "down", 30, target)
		f.read(downOK.ID, first, 50, last, 38)
		one := f.newKPI("E one reading", "up", 200, target)
		f.read(one.ID, first, 10)
		none := f.newKPI("F no readings", "up", 200, target)
		// Met: at or beyond the target in the KPI's direction, however
		// early; never among the KPIs behind.
		upMet := f.newKPI("H up met", "up", 200, target)
		f.read(upMet.ID, first, 100, last, 200)
		downMet := f.newKPI("I down met", "down", 30, target)
		f.read(downMet.ID, first, 50, last, 29.5)
		gone := f.newKPI("G archived behind", "up", 200, target)
		f.read(gone.ID, first, 100, last, 101)
		if _, err := f.s.ArchiveKPI(f.ctx, gone.ID, true); err != nil {
			t.Fatal(err)
		}

		statuses, err := f.s.KPIStatuses(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			id       int64
			status   string
			latest   float64
			expected float64
		}{
			{downBehind.ID, "behind", 45, downDue},
			{upBehind.ID, "behind", 140, upDue},
			{upOK.ID, "on_track", 160, upDue},
			{downOK.ID, "on_track", 38, downDue},
			{one.ID, "no_data", 0, 0},
			{none.ID, "no_data", 0, 0},
			{upMet.ID, "met", 200, upDue},
			{downMet.ID, "met", 29.5, downDue},
		}
		if len(statuses) != len(want) {
			t.Fatalf("KPIStatuses: got %d, want %d", len(statuses), len(want))
		}
		for i, w := range want {
			s := statuses[i]
			if s.KPI.ID != w.id || s.Status != w.status || !approx(s.Latest, w.latest) || !approx(s.Expected, w.expected) {
				t.Errorf("KPIStatuses[%d]: got %d %s latest %v expected %v, want %d %s latest %v expected %v",
					i, s.KPI.ID, s.Status, s.Latest, s.Expected, w.id, w.status, w.latest, w.expected)
			}
		}

		d, err := f.s.Dashboard(context.Background(), lodestar.UseCaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, k := range d.KPIsBehind {
			got = append(got, k.KPI.ID)
			if k.Status != "behind" || k.KPI.Latest == nil {
				t.Errorf("KPI behind %d: got status %s latest %+v", k.KPI.ID, k.Status, k.KPI.Latest)
			}
		}
		if !slices.Equal(got, []int64{downBehind.ID, upBehind.ID}) {
			t.Errorf("KPIs behind: got %v, want [%d %d]", got, downBehind.ID, upBehind.ID)
		}
		// Recent changes: the newest audit entries, newest first, without
		// the KPI readings (routine data, not a change to the portfolio).
		if len(d.Recent) != 8 {
			t.Fatalf("recent: got %d, want 8", len(d.Recent))
		}
		all, err := f.s.FindEvents(context.Background(), lodestar.AuditFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		var changes []int64
		for _, ev := range all {
			if ev.Action != "add_readings" && len(changes) < 8 {
				changes = append(changes, ev.Seq)
			}
		}
		for i, ev := range d.Recent {
			if ev.Seq != changes[i] || ev.Action == "add_readings" {
				t.Errorf("recent[%d]: got seq %d (%s), want %d", i, ev.Seq, ev.Action, changes[i])
			}
		}
		if ev := d.Recent[0]; ev.Action != "archive" || ev.EntityType != "kpi" {
			t.Errorf("recent[0]: got %s %s, want archive kpi", ev.Action, ev.EntityType)
		}
		// Sign-ins and language switches are not changes to the
		// portfolio: they do not push the changes off the list.
		u, err := f.s.CreateUser(f.ctx, lodestar.NewUser{Email: "reader@example.com", Name: "Reader", Role: lodestar.RoleViewer, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		for range 9 {
			if err := f.s.SetLocale(f.ctx, u.ID, "zh-CN"); err != nil {
				t.Fatal(err)
			}
		}
		d, err = f.s.Dashboard(context.Background(), lodestar.UseCaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range d.Recent {
			if ev.Action == "set_locale" || ev.Action == "login" {
				t.Errorf("recent[%d]: %s %s on the dashboard's changes", i, ev.Action, ev.EntityType)
			}
		}
		if len(d.Recent) != 8 || d.Recent[0].Action != "create" || d.Recent[0].EntityType != "user" || d.Recent[1].Action != "archive" {
			t.Errorf("recent after sign-ins and language switches: got %d entries, first %s %s; want 8, the new user then the archive", len(d.Recent), d.Recent[0].Action, d.Recent[0].EntityType)
		}

		// By time, not by entry number: a change written with an earlier
		// time (as the demo's back-dated story is) falls in its place.
		now := f.clock.Now()
		f.clock.Set(now.Add(-time.Hour))
		early := f.newKPI("Back-dated", "up", 1, "2031-01-01")
		f.clock.Set(now)
		d, err = f.s.Dashboard(context.Background(), lodestar.UseCaseFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range d.Recent {
			if ev.EntityType == "kpi" && ev.EntityID == fmt.Sprint(early.ID) {
				t.Errorf("recent[%d]: the back-dated change is listed above later ones", i)
			}
			if i > 0 && ev.At.After(d.Recent[i-1].At) {
				t.Errorf("recent[%d] at %v is after recent[%d] at %v: want newest first by time", i, ev.At, i-1, d.Recent[i-1].At)
			}
		}
	})
}

func TestRealisation(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		w := newWorld(f)
		// Targets a year after go-live on 2030-04-01.
		up := f.newKPI("Basket", "up", 70, "2031-04-01")
		down := f.newKPI("Handling time", "down", 10, "2031-04-01")
		quiet := f.newKPI("Quiet", "up", 9, "2031-04-01")
		f.read(up.ID, "2030-03-01", 48, "2030-04-01", 50, "2030-05-01", 53, "2030-06-01", 56)
		f.read(down.ID, "2030-03-15", 21, "2030-04-01", 20, "2030-06-01", 19.5)
		f.read(quiet.ID, "2030-03-01", 5) // nothing since go-live

		goLive := time.Date(2030, time.April, 1, 10, 30, 0, 0, time.UTC)
		mk := func(title string, path []string, impacts ...lodestar.Impact) *lodestar.UseCase {
			t.Helper()
			in := w.aligned
			in.Title, in.Impacts = title, impacts
			uc := f.useCase(in)
			wentLive := false
			for _, st := range path {
				if st == lodestar.StagePilot && !wentLive {
					f.clock.Set(goLive) // later moves come a day or more after
					wentLive = true
				}
				if _, err := f.s.ChangeStage(f.ctx, uc.ID, st, "step"); err != nil {
					t.Fatalf("%s to %s: %v", title, st, err)
				}
				f.clock.Advance(24 * time.Hour)
			}
			f.clock.Set(testdb.Epoch)
			return uc
		}
		toPilot := []string{"assessment", "approved", "pilot"}
		upImp := lodestar.Impact{KPIID: up.ID, Change: 10, Confidence: 0.8}
		downImp := lodestar.Impact{KPIID: down.ID, Change: -4, Confidence: 0.5}
		quietImp := lodestar.Impact{KPIID: quiet.ID, Change: 1, Confidence: 0.5}
		mixed := mk("Mixed", toPilot, upImp, downImp, quietImp)
		onTrack := mk("On track", toPilot, upImp)
		noData := mk("On track and no data", toPilot, upImp, quietImp)
		scaled := mk("Scaled", append(toPilot, "scaling", "pilot", "scaling"), upImp)
		// Retired six weeks after go-live, on 2030-05-15.
		retired := mk("Retired", toPilot, upImp)
		f.clock.Set(time.Date(2030, time.May, 15, 0, 0, 0, 0, time.UTC))
		if _, err := f.s.ChangeStage(f.ctx, retired.ID, lodestar.StageRetired, "replaced"); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(testdb.Epoch)
		// Promises the KPIs have already met: +5 on the basket (realised
		// +6), −0.5 on handling time (realised exactly −0.5).
		metUp := lodestar.Impact{KPIID: up.ID, Change: 5, Confidence: 0.8}
		metDown := lodestar.Impact{KPIID: down.ID, Change: -0.5, Confidence: 0.8}
		allMet := mk("All met", toPilot, metUp, metDown)
		metAndOnTrack := mk("Met and on track", toPilot, upImp, metDown)
		metAndBehind := mk("Met and behind", toPilot, metUp, downImp)
		noImpacts := mk("No impacts", toPilot)
		idea := mk("Idea", nil, upImp)
		approved := mk("Approved", toPilot[:2], upImp)
		backToApproved := mk("Back to approved", append(toPilot, "approved"), upImp)
		rejected := mk("Rejected in pilot", append(toPilot, "rejected"), upImp)

		// Now: 182 days after go-live, of the 365 to the targets.
		f.clock.Set(time.Date(2030, time.September, 30, 0, 0, 0, 0, time.UTC))
		progress := 182.0 / 365
		type kpiWant struct {
			kpi                          int64
			status                       string
			baseline, realised, expected float64
			series                       []string
		}
		upWant := kpiWant{up.ID, "on_track", 50, 6, 10 * progress, []string{"2030-04-01", "2030-05-01", "2030-06-01"}}
		downWant := kpiWant{down.ID, "behind", 20, -0.5, -4 * progress, []string{"2030-04-01", "2030-06-01"}}
		quietWant := kpiWant{quiet.ID, "no_data", 5, 0, 1 * progress, []string{}}
		metUpWant := kpiWant{up.ID, "met", 50, 6, 5 * progress, upWant.series}
		metDownWant := kpiWant{down.ID, "met", 20, -0.5, -0.5 * progress, downWant.series}
		tests := []struct {
			name   string
			uc     *lodestar.UseCase
			live   bool
			status string
			kpis   []kpiWant
		}{
			{"worst of behind, no data, on track", mixed, true, "behind", []kpiWant{upWant, downWant, quietWant}},
			{"on track", onTrack, true, "on_track", []kpiWant{upWant}},
			{"no data beats on track", noData, true, "no_data", []kpiWant{upWant, quietWant}},
			{"go-live is the first entry into pilot", scaled, true, "on_track", []kpiWant{upWant}},
			{"all met", allMet, true, "met", []kpiWant{metUpWant, metDownWant}},
			{"met and on track", metAndOnTrack, true, "on_track", []kpiWant{upWant, metDownWant}},
			{"met and behind", metAndBehind, true, "behind", []kpiWant{metUpWant, downWant}},
			{"live without impacts", noImpacts, true, "no_data", nil},
			{"an idea", idea, false, "", nil},
			{"approved", approved, false, "", nil},
			{"moved back before pilot", backToApproved, false, "", nil},
			{"rejected in pilot", rejected, false, "", nil},
		}
		for _, tt := range tests {
			f.sub(tt.name, func(t *testing.T) {
				r, err := f.s.Realisation(context.Background(), tt.uc.ID)
				if err != nil {
					t.Fatalf("Realisation: %v", err)
				}
				wantSince := ""
				if tt.live {
					wantSince = "2030-04-01"
				}
				if r.UseCaseID != tt.uc.ID || r.Live != tt.live || r.LiveSince != wantSince || r.Status != tt.status || len(r.KPIs) != len(tt.kpis) {
					t.Fatalf("got live %v since %q status %q with %d KPIs, want %v %q %q with %d",
						r.Live, r.LiveSince, r.Status, len(r.KPIs), tt.live, wantSince, tt.status, len(tt.kpis))
				}
				if r.KPIs == nil {
					t.Error("KPIs: got null, want a list")
				}
				for i, k := range r.KPIs {
					w := tt.kpis[i]
					var series []string
					for _, s := range k.Series {
						series = append(series, s.Date)
					}
					if series == nil {
						series = []string{}
					}
					if k.KPI.ID != w.kpi || k.Status != w.status || !approx(k.Baseline, w.baseline) || !approx(k.Realised, w.realised) ||
						!approx(k.Expected, w.expected) || !approx(k.Progress, progress) || !slices.Equal(series, w.series) {
						t.Errorf("KPI %d: got %d %s baseline %v realised %v expected %v progress %v series %v,\n"+
							"want %d %s baseline %v realised %v expected %v progress %v series %v",
							i, k.KPI.ID, k.Status, k.Baseline, k.Realised, k.Expected, k.Progress, series,
							w.kpi, w.status, w.baseline, w.realised, w.expected, progress, w.series)
					}
				}
			})
		}
		// A retired use case is judged as it stood when it retired: 44 of
		// 365 days due, the readings up to 2030-05-15 (+3), none after.
		f.sub("retired after going live: figures as of retirement", func(t *testing.T) {
			r, err := f.s.Realisation(context.Background(), retired.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Live || r.LiveSince != "2030-04-01" || r.Status != "on_track" || len(r.KPIs) != 1 {
				t.Fatalf("got live %v since %q status %q with %d KPIs, want live since 2030-04-01, on track, 1 KPI", r.Live, r.LiveSince, r.Status, len(r.KPIs))
			}
			k := r.KPIs[0]
			var series []string
			for _, s := range k.Series {
				series = append(series, s.Date)
			}
			at := 44.0 / 365
			if k.Status != "on_track" || !approx(k.Realised, 3) || !approx(k.Progress, at) || !approx(k.Expected, 10*at) ||
				!slices.Equal(series, []string{"2030-04-01", "2030-05-01"}) {
				t.Errorf("got %s realised %v progress %v expected %v series %v; want on_track 3 %v %v [2030-04-01 2030-05-01]",
					k.Status, k.Realised, k.Progress, k.Expected, series, at, 10*at)
			}
		})
		if since, _ := f.s.LiveSince(context.Background(), scaled.ID); since != sqldb.FormatTime(goLive) {
			t.Errorf("LiveSince after back-and-forth: got %s, want %s", since, sqldb.FormatTime(goLive))
		}

		// Past the KPIs' target date the whole promise is due.
		f.clock.Set(time.Date(2031, time.June, 1, 0, 0, 0, 0, time.UTC))
		f.read(up.ID, "2031-05-01", 59.5)
		r, err := f.s.Realisation(context.Background(), onTrack.ID)
		if err != nil {
			t.Fatal(err)
		}
		if k := r.KPIs[0]; k.Progress != 1 || k.Expected != 10 || !approx(k.Realised, 9.5) || k.Status != "on_track" || r.Status != "on_track" {
			t.Errorf("after the target date: got progress %v expected %v realised %v status %s", k.Progress, k.Expected, k.Realised, k.Status)
		}
		f.read(up.ID, "2031-05-15", 58.9)
		r, _ = f.s.Realisation(context.Background(), onTrack.ID)
		if k := r.KPIs[0]; !approx(k.Realised, 8.9) || k.Status != "behind" || r.Status != "behind" {
			t.Errorf("after the target date, short: got realised %v status %s / %s, want 8.9 behind", k.Realised, k.Status, r.Status)
		}

		_, err = f.s.Realisation(context.Background(), 999)
		wantError(t, err, lodestar.ENotFound)
	})
}

// TestEstimateBound: value and cost estimates, and a pain point's annual
// cost, are bounded (lodestar.MaxEstimate), so the portfolio's SUM cannot
// overflow; a larger one is a field error and writes nothing.
func TestEstimateBound(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		for _, in := range []lodestar.NewUseCase{
			{Title: "big", ValueEstimate: math.MaxInt64},
			{Title: "big", ValueEstimate: lodestar.MaxEstimate + 1},
			{Title: "dear", CostEstimate: lodestar.MaxEstimate + 1},
		} {
			_, err := f.s.CreateUseCase(f.ctx, in)
			field := "value_estimate"
			if in.CostEstimate != 0 {
				field = "cost_estimate"
			}
			if msg := lodestar.ErrorFields(err)[field]; lodestar.ErrorCode(err) != lodestar.EInvalid || !strings.Contains(msg, "at most 1,000,000,000,000") {
				t.Errorf("CreateUseCase(%+v): got %v (fields %v), want a field error on %s", in, err, lodestar.ErrorFields(err), field)
			}
		}
		if n := testdb.Count(t, db, "use_cases"); n != 0 {
			t.Fatalf("refused use cases wrote %d rows", n)
		}
		uc := f.useCase(lodestar.NewUseCase{Title: "edge", ValueEstimate: lodestar.MaxEstimate, CostEstimate: lodestar.MaxEstimate})
		if _, err := f.s.UpdateUseCase(f.ctx, uc.ID, lodestar.NewUseCase{Title: "edge", ValueEstimate: lodestar.MaxEstimate + 1}); lodestar.ErrorFields(err)["value_estimate"] == "" {
			t.Errorf("UpdateUseCase over the bound: got %v, want a field error on value_estimate", err)
		}
		for i := range 3 {
			f.useCase(lodestar.NewUseCase{Title: fmt.Sprintf("edge %d", i), ValueEstimate: lodestar.MaxEstimate})
		}
		d, err := f.s.Dashboard(f.ctx, lodestar.UseCaseFilter{})
		if err != nil {
			t.Fatalf("Dashboard: %v", err)
		}
		if d.Funnel[0].Stage != lodestar.StageIdea || d.Funnel[0].Count != 4 || d.Funnel[0].Value != 4*lodestar.MaxEstimate {
			t.Errorf("idea funnel: got %+v, want 4 use cases worth %d", d.Funnel[0], 4*lodestar.MaxEstimate)
		}
		bu := f.unit("Ops", 0)
		if _, err := f.s.CreatePainPoint(f.ctx, lodestar.PainPoint{BusinessUnitID: bu.ID, Title: "costly", AnnualCost: lodestar.MaxEstimate + 1}); lodestar.ErrorFields(err)["annual_cost"] == "" {
			t.Errorf("CreatePainPoint over the bound: got %v, want a field error on annual_cost", err)
		}
	})
}

// TestDashboardSumOverflow: use cases written before the bound (straight
// into the table here) whose values overflow the funnel's SUM make the
// dashboard fail, never answer short totals. SQLite reports the overflow
// mid-way through the rows, which ended the loop silently when rows.Err
// went unchecked; PostgreSQL's sum does not fit an int64.
func TestDashboardSumOverflow(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		// Groups before the one that overflows come back first.
		f.useCase(lodestar.NewUseCase{Title: "early", Stage: lodestar.StageApproved, ValueEstimate: 5})
		f.useCase(lodestar.NewUseCase{Title: "early too", Stage: lodestar.StageAssessment, ValueEstimate: 7})
		a := f.useCase(lodestar.NewUseCase{Title: "a"})
		b := f.useCase(lodestar.NewUseCase{Title: "b"})
		if _, err := db.ExecContext(context.Background(), db.Rebind(`UPDATE use_cases SET value_estimate = ? WHERE id IN (?, ?)`), int64(math.MaxInt64), a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if d, err := f.s.Dashboard(f.ctx, lodestar.UseCaseFilter{}); err == nil {
			t.Errorf("Dashboard over an overflowing sum: got funnel %q and no error, want an error", funnel(d))
		}
	})
}
