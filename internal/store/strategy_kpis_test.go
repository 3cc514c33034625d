package store_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

func TestKPICreate(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		owner := f.seedUser("kpi@example.com", lodestar.RoleBusinessOwner)
		g := f.goal("Faster service", 0)
		k, err := f.s.CreateKPI(f.ctx, lodestar.KPI{GoalID: g.ID, Name: " First response time ", NameZH: " 首次响应时间 ", Unit: " min ",
			Direction: lodestar.DirectionDown, Baseline: 12.5, Target: 3, TargetDate: "2031-06-30", OwnerID: owner.ID})
		if err != nil {
			t.Fatalf("CreateKPI: %v", err)
		}
		if k.ID <= 0 || k.GoalID != g.ID || k.Name != "First response time" || k.NameZH != "首次响应时间" || k.Unit != "min" ||
			k.Direction != "down" || k.Baseline != 12.5 || k.Target != 3 || k.TargetDate != "2031-06-30" || k.OwnerID != owner.ID ||
			k.Archived || k.Latest != nil {
			t.Errorf("CreateKPI: got %+v", *k)
		}
		f.wantAudit(2, "create", "kpi", k.ID)
		// Without a goal, and with negative numbers.
		free, err := f.s.CreateKPI(f.ctx, lodestar.KPI{Name: "Net flow", Unit: "¥", Direction: "up", Baseline: -3e6, Target: -1e6, TargetDate: "2030-12-31"})
		if err != nil || free.GoalID != 0 || free.Baseline != -3e6 {
			t.Errorf("CreateKPI without goal: got %+v, %v", free, err)
		}
		got, err := f.s.FindKPIByID(context.Background(), k.ID)
		if err != nil || got.Name != k.Name || got.Target != 3 {
			t.Errorf("FindKPIByID: got %+v, %v", got, err)
		}
		_, err = f.s.FindKPIByID(context.Background(), 999)
		wantError(t, err, lodestar.ENotFound)
	})
}

func TestKPIInvalid(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		owner := f.seedUser("kpi@example.com", lodestar.RoleBusinessOwner)
		g := f.goal("Goal", 0)
		old := f.goal("Old goal", 0)
		if _, err := f.s.ArchiveGoal(f.ctx, old.ID, true); err != nil {
			t.Fatal(err)
		}
		existing := f.kpi("Existing", g.ID, "up")
		ok := lodestar.KPI{GoalID: g.ID, Name: "K", Unit: "%", Direction: "up", Baseline: 1, Target: 2, TargetDate: "2031-01-01", OwnerID: owner.ID}
		with := func(change func(k *lodestar.KPI)) lodestar.KPI {
			k := ok
			change(&k)
			return k
		}
		tests := []struct {
			name   string
			in     lodestar.KPI
			fields []string
		}{
			{"no name", with(func(k *lodestar.KPI) { k.Name = "" }), []string{"name"}},
			{"name too long", with(func(k *lodestar.KPI) { k.Name = repeat("k", 201) }), []string{"name"}},
			{"no unit", with(func(k *lodestar.KPI) { k.Unit = " " }), []string{"unit"}},
			{"unit too long", with(func(k *lodestar.KPI) { k.Unit = repeat("u", 41) }), []string{"unit"}},
			{"no direction", with(func(k *lodestar.KPI) { k.Direction = "" }), []string{"direction"}},
			{"unknown direction", with(func(k *lodestar.KPI) { k.Direction = "sideways" }), []string{"direction"}},
			{"direction is case-sensitive", with(func(k *lodestar.KPI) { k.Direction = "Up" }), []string{"direction"}},
			{"no target date", with(func(k *lodestar.KPI) { k.TargetDate = "" }), []string{"target_date"}},
			{"target date with slashes", with(func(k *lodestar.KPI) { k.TargetDate = "2031/01/01" }), []string{"target_date"}},
			{"target date not zero-padded", with(func(k *lodestar.KPI) { k.TargetDate = "2031-1-1" }), []string{"target_date"}},
			{"target date with a time", with(func(k *lodestar.KPI) { k.TargetDate = "2031-01-01T00:00:00Z" }), []string{"target_date"}},
			{"target month 13", with(func(k *lodestar.KPI) { k.TargetDate = "2031-13-01" }), []string{"target_date"}},
			{"target February 30", with(func(k *lodestar.KPI) { k.TargetDate = "2031-02-30" }), []string{"target_date"}},
			{"target date before 1900", with(func(k *lodestar.KPI) { k.TargetDate = "1800-11-29" }), []string{"target_date"}},
			// The clock reads 2030-03-04: a target up to 2130-03-04.
			{"target date over 100 years ahead", with(func(k *lodestar.KPI) { k.TargetDate = "2130-03-05" }), []string{"target_date"}},
			{"baseline NaN", with(func(k *lodestar.KPI) { k.Baseline = math.NaN() }), []string{"baseline"}},
			{"baseline +Inf", with(func(k *lodestar.KPI) { k.Baseline = math.Inf(1) }), []string{"baseline"}},
			{"target -Inf", with(func(k *lodestar.KPI) { k.Target = math.Inf(-1) }), []string{"target"}},
			{"target NaN", with(func(k *lodestar.KPI) { k.Target = math.NaN() }), []string{"target"}},
			{"unknown goal", with(func(k *lodestar.KPI) { k.GoalID = 999 }), []string{"goal_id"}},
			{"archived goal", with(func(k *lodestar.KPI) { k.GoalID = old.ID }), []string{"goal_id"}},
			{"unknown owner", with(func(k *lodestar.KPI) { k.OwnerID = 999 }), []string{"owner_id"}},
			{"everything wrong", lodestar.KPI{Direction: "x", Baseline: math.NaN(), Target: math.Inf(1), TargetDate: "soon", GoalID: 999, OwnerID: 999},
				[]string{"name", "unit", "direction", "baseline", "target", "target_date", "goal_id", "owner_id"}},
		}
		before := f.snapshot()
		for _, tt := range tests {
			f.sub(tt.name, func(t *testing.T) {
				k, err := f.s.CreateKPI(f.ctx, tt.in)
				if k != nil {
					t.Errorf("CreateKPI: got %+v, want none", *k)
				}
				wantError(t, err, lodestar.EInvalid, tt.fields...)
				k, err = f.s.UpdateKPI(f.ctx, existing.ID, tt.in)
				if k != nil {
					t.Errorf("UpdateKPI: got %+v, want none", *k)
				}
				wantError(t, err, lodestar.EInvalid, tt.fields...)
				f.wantSame(before)
			})
		}
		_, err := f.s.UpdateKPI(f.ctx, 999, ok)
		wantError(t, err, lodestar.ENotFound)
		f.wantSame(before)
	})
}

// firstLast reads the first and last reading the store keeps on the KPI.
func firstLast(t *testing.T, f *fixture, kpi int64) string {
	t.Helper()
	var fd, ld string
	var fv, lv float64
	err := f.db.QueryRow(context.Background(), `SELECT first_date, first_value, last_date, last_value FROM kpis WHERE id = ?`, kpi).Scan(&fd, &fv, &ld, &lv)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s=%g..%s=%g", fd, fv, ld, lv)
}

func readingsOf(t *testing.T, f *fixture, kpi int64) string {
	t.Helper()
	rs, err := f.s.Readings(context.Background(), kpi)
	if err != nil {
		t.Fatal(err)
	}
	s := ""
	for _, r := range rs {
		if r.KPIID != kpi {
			t.Errorf("reading %+v: got KPI %d, want %d", r, r.KPIID, kpi)
		}
		s += fmt.Sprintf("%s=%g ", r.Date, r.Value)
	}
	return s
}

func TestAddReadings(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		k := f.kpi("Conversion", 0, "up")
		other := f.kpi("Other", 0, "up")
		n := int64(f.auditCount())

		steps := []struct {
			name       string
			add        []lodestar.KPIReading
			want       string // all readings, oldest first
			firstLast  string
			wantLatest string
		}{
			{"first batch, out of order", []lodestar.KPIReading{{Date: "2030-03-01", Value: 3}, {Date: "2030-01-01", Value: 1}, {Date: "2030-02-01", Value: 2}},
				"2030-01-01=1 2030-02-01=2 2030-03-01=3 ", "2030-01-01=1..2030-03-01=3", "2030-03-01=3"},
			{"an earlier reading moves the first", []lodestar.KPIReading{{Date: "2029-12-01", Value: 0.5}},
				"2029-12-01=0.5 2030-01-01=1 2030-02-01=2 2030-03-01=3 ", "2029-12-01=0.5..2030-03-01=3", "2030-03-01=3"},
			{"a later reading moves the last", []lodestar.KPIReading{{Date: "2030-04-01", Value: 4}},
				"2029-12-01=0.5 2030-01-01=1 2030-02-01=2 2030-03-01=3 2030-04-01=4 ", "2029-12-01=0.5..2030-04-01=4", "2030-04-01=4"},
			{"a reading in between moves neither", []lodestar.KPIReading{{Date: "2030-02-15", Value: -7}},
				"2029-12-01=0.5 2030-01-01=1 2030-02-01=2 2030-02-15=-7 2030-03-01=3 2030-04-01=4 ", "2029-12-01=0.5..2030-04-01=4", "2030-04-01=4"},
			{"same date replaces", []lodestar.KPIReading{{Date: "2030-02-15", Value: 2.5}, {Date: "2030-04-01", Value: 40}},
				"2029-12-01=0.5 2030-01-01=1 2030-02-01=2 2030-02-15=2.5 2030-03-01=3 2030-04-01=40 ", "2029-12-01=0.5..2030-04-01=40", "2030-04-01=40"},
			// (The same date twice in one call is refused: TestAddReadingsInvalid.)
			{"the earliest date allowed", []lodestar.KPIReading{{Date: store.MinKPIDate, Value: 0.25}},
				"1900-01-01=0.25 2029-12-01=0.5 2030-01-01=1 2030-02-01=2 2030-02-15=2.5 2030-03-01=3 2030-04-01=40 ", "1900-01-01=0.25..2030-04-01=40", "2030-04-01=40"},
		}
		for _, st := range steps {
			f.sub(st.name, func(t *testing.T) {
				got, err := f.addReadings(k.ID, st.add)
				if err != nil || got != len(st.add) {
					t.Fatalf("AddReadings: got %d, %v, want %d", got, err, len(st.add))
				}
				if s := readingsOf(t, f, k.ID); s != st.want {
					t.Errorf("Readings: got %q, want %q", s, st.want)
				}
				if s := firstLast(t, f, k.ID); s != st.firstLast {
					t.Errorf("first..last: got %s, want %s", s, st.firstLast)
				}
				kk, err := f.s.FindKPIByID(context.Background(), k.ID)
				if err != nil || kk.Latest == nil || fmt.Sprintf("%s=%g", kk.Latest.Date, kk.Latest.Value) != st.wantLatest {
					t.Errorf("FindKPIByID latest: got %+v, %v, want %s", kk.Latest, err, st.wantLatest)
				}
				n++
				f.wantAudit(n, "add_readings", "kpi", k.ID)
			})
		}
		if s := readingsOf(t, f, other.ID); s != "" {
			t.Errorf("other KPI: got readings %q, want none", s)
		}
		list, _ := f.s.ListKPIs(context.Background(), lodestar.ListFilter{})
		for _, kk := range list {
			if kk.ID == k.ID && (kk.Latest == nil || kk.Latest.Value != 40) {
				t.Errorf("ListKPIs: got latest %+v, want 2030-04-01=40", kk.Latest)
			}
			if kk.ID == other.ID && kk.Latest != nil {
				t.Errorf("ListKPIs: KPI without readings got latest %+v", kk.Latest)
			}
		}
	})
}

func TestAddReadingsInvalid(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		k := f.kpi("Conversion", 0, "up")
		f.read(k.ID, "2030-01-01", 1, "2030-02-01", 2)
		arch := f.kpi("Archived", 0, "up")
		f.read(arch.ID, "2030-01-01", 5)
		if _, err := f.s.ArchiveKPI(f.ctx, arch.ID, true); err != nil {
			t.Fatal(err)
		}
		good := lodestar.KPIReading{Date: "2030-03-01", Value: 3}
		good2 := lodestar.KPIReading{Date: "2030-03-02", Value: 4}
		tests := []struct {
			name   string
			kpi    int64
			in     []lodestar.KPIReading
			code   string
			fields []string
		}{
			{"none", k.ID, nil, lodestar.EInvalid, []string{"readings"}},
			{"empty", k.ID, []lodestar.KPIReading{}, lodestar.EInvalid, []string{"readings"}},
			{"too many", k.ID, make([]lodestar.KPIReading, store.MaxReadingsPerCall+1), lodestar.EInvalid, []string{"readings"}},
			{"bad date first", k.ID, []lodestar.KPIReading{{Date: "2030-1-1", Value: 1}, good}, lodestar.EInvalid, []string{"readings[0].date"}},
			{"bad date after good ones (all or nothing)", k.ID, []lodestar.KPIReading{good, good2, {Date: "yesterday", Value: 1}},
				lodestar.EInvalid, []string{"readings[2].date"}},
			{"missing date", k.ID, []lodestar.KPIReading{good, {Value: 1}}, lodestar.EInvalid, []string{"readings[1].date"}},
			{"impossible date", k.ID, []lodestar.KPIReading{{Date: "2030-02-29", Value: 1}}, lodestar.EInvalid, []string{"readings[0].date"}},
			// The clock reads 2030-03-04: a reading may be dated up to
			// 2030-03-05 (today somewhere east), not later: a typed year
			// (2062 for 2026) or a planned reading's date.
			{"in the future", k.ID, []lodestar.KPIReading{good, {Date: "2030-03-06", Value: 1}}, lodestar.EInvalid, []string{"readings[1].date"}},
			{"a year-typo", k.ID, []lodestar.KPIReading{{Date: "2062-03-01", Value: 1}}, lodestar.EInvalid, []string{"readings[0].date"}},
			{"NaN value", k.ID, []lodestar.KPIReading{good, {Date: "2030-02-01", Value: math.NaN()}}, lodestar.EInvalid, []string{"readings[1].value"}},
			{"infinite value", k.ID, []lodestar.KPIReading{{Date: "2030-02-01", Value: math.Inf(-1)}}, lodestar.EInvalid, []string{"readings[0].value"}},
			{"several bad, each named", k.ID, []lodestar.KPIReading{good, {Date: "x", Value: math.Inf(1)}, good2, {Date: "2030-03-05", Value: math.NaN()}},
				lodestar.EInvalid, []string{"readings[1].date", "readings[1].value", "readings[3].value"}},
			// One value per date: which of two is right only the sender
			// knows. Recording the last and answering "recorded: 2" lost
			// one without a word.
			{"same date twice", k.ID, []lodestar.KPIReading{good, good2, {Date: "2030-03-01", Value: 9}}, lodestar.EInvalid, []string{"readings[2].date"}},
			{"same date thrice", k.ID, []lodestar.KPIReading{good, good, good}, lodestar.EInvalid, []string{"readings[1].date", "readings[2].date"}},
			// 1800-11-29 for 2026-11-29: a slip, not a measurement.
			{"before 1900", k.ID, []lodestar.KPIReading{good, {Date: "1800-11-29", Value: 1}}, lodestar.EInvalid, []string{"readings[1].date"}},
			{"the day before 1900", k.ID, []lodestar.KPIReading{{Date: "1899-12-31", Value: 1}}, lodestar.EInvalid, []string{"readings[0].date"}},
			{"archived KPI", arch.ID, []lodestar.KPIReading{good}, lodestar.EConflict, nil},
			{"unknown KPI", 999, []lodestar.KPIReading{good}, lodestar.ENotFound, nil},
		}
		before := f.snapshot()
		for _, tt := range tests {
			f.sub(tt.name, func(t *testing.T) {
				n, err := f.s.AddReadings(f.ctx, tt.kpi, tt.in)
				if n != 0 {
					t.Errorf("got %d readings added, want 0", n)
				}
				wantError(t, err, tt.code, tt.fields...)
				f.wantSame(before)
			})
		}

		// A failure after the readings are written (here: the audit entry)
		// takes them back too, with the first and last reading.
		f.sub("failure after the inserts", func(t *testing.T) {
			remove := injectAuditFailure(t, db, "audit_log")
			n, err := f.s.AddReadings(f.ctx, k.ID, []lodestar.KPIReading{{Date: "2029-01-01", Value: -1}, {Date: "2030-02-01", Value: 20}, {Date: "2031-01-01", Value: 9}})
			remove()
			if err == nil || n != 0 {
				t.Errorf("AddReadings with a failing audit: got %d, %v, want 0 and an error", n, err)
			}
			f.wantSame(before)
			if s := firstLast(t, f, k.ID); s != "2030-01-01=1..2030-02-01=2" {
				t.Errorf("first..last: got %s, want the old 2030-01-01=1..2030-02-01=2", s)
			}
		})
	})
}

func TestKPIMoveRecomputesAlignment(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		sponsor := f.seedUser("sponsor@example.com", lodestar.RoleBusinessOwner)
		bu := f.unit("Service", 0)
		g1, g2 := f.goal("Faster service", bu.ID), f.goal("Cheaper service", bu.ID)
		k := f.kpi("Response time", g1.ID, "down")
		k2 := f.kpi("Cost per contact", g2.ID, "down")
		p := f.pain("Slow answers", bu.ID, 1e6)
		base := lodestar.NewUseCase{SponsorID: sponsor.ID, PainPointIDs: []int64{p.ID}, BusinessUnitID: bu.ID}
		mk := func(title string, kpis ...int64) *lodestar.UseCase {
			in := base
			in.Title = title
			for _, id := range kpis {
				in.Impacts = append(in.Impacts, lodestar.Impact{KPIID: id, Change: -1, Confidence: 0.5})
			}
			return f.useCase(in)
		}
		onK := mk("Smart agent", k.ID)
		onBoth := mk("Routing", k.ID, k2.ID)
		onK2 := mk("Self service", k2.ID)
		noSponsor := f.useCase(lodestar.NewUseCase{Title: "No sponsor", PainPointIDs: []int64{p.ID},
			Impacts: []lodestar.Impact{{KPIID: k.ID, Change: -2, Confidence: 1}}})

		wantAlign := func(step string, uc *lodestar.UseCase, reasons ...string) {
			t.Helper()
			got, err := f.s.FindUseCaseByID(context.Background(), uc.ID)
			if err != nil {
				t.Fatal(err)
			}
			status := "aligned"
			if len(reasons) > 0 {
				status = "misaligned"
			}
			if reasons == nil {
				reasons = []string{}
			}
			if got.Alignment.Status != status || !slices.Equal(got.Alignment.Reasons, reasons) {
				t.Errorf("%s: %q: got %s %q, want %s %q", step, uc.Title, got.Alignment.Status, got.Alignment.Reasons, status, reasons)
			}
			// The stored column drives the list filter too.
			page, _, err := f.s.FindUseCases(context.Background(), lodestar.UseCaseFilter{Alignment: status, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(ucIDs(page), uc.ID) {
				t.Errorf("%s: %q not in the %s list", step, uc.Title, status)
			}
		}
		orphan := fmt.Sprintf("kpi_without_goal:%d", k.ID)
		wantAlign("start", onK)
		wantAlign("start", onBoth)
		wantAlign("start", onK2)
		wantAlign("start", noSponsor, lodestar.ReasonNoSponsor)

		move := func(goal int64) {
			t.Helper()
			in := *k
			in.GoalID = goal
			in.Latest = nil
			if _, err := f.s.UpdateKPI(f.ctx, k.ID, in); err != nil {
				t.Fatalf("UpdateKPI to goal %d: %v", goal, err)
			}
		}
		move(0)
		wantAlign("KPI to no goal", onK, orphan)
		wantAlign("KPI to no goal", onBoth, orphan)
		wantAlign("KPI to no goal", onK2)
		wantAlign("KPI to no goal", noSponsor, lodestar.ReasonNoSponsor, orphan)
		if ev := f.lastEvent(); ev.Action != "update" || ev.EntityType != "kpi" {
			t.Errorf("audit: got %s %s, want update kpi", ev.Action, ev.EntityType)
		}

		move(g2.ID)
		wantAlign("KPI to another goal", onK)
		wantAlign("KPI to another goal", onBoth)
		wantAlign("KPI to another goal", noSponsor, lodestar.ReasonNoSponsor)

		move(0)
		move(g1.ID)
		wantAlign("KPI back under a goal", onK)
		wantAlign("KPI back under a goal", noSponsor, lodestar.ReasonNoSponsor)

		// A refused move changes nothing, alignment included.
		move(0)
		before := f.snapshot()
		in := *k
		in.GoalID, in.Direction = g1.ID, "sideways"
		_, err := f.s.UpdateKPI(f.ctx, k.ID, in)
		wantError(t, err, lodestar.EInvalid, "direction")
		f.wantSame(before)
		wantAlign("refused move", onK, orphan)
	})
}

func TestKPIArchiveAndList(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		g := f.goal("G", 0)
		a := f.kpi("Availability", g.ID, "up")
		b := f.kpi("Backlog 积压", 0, "down")
		c := f.kpi("Churn", g.ID, "down")
		n := int64(f.auditCount())
		if got, err := f.s.ArchiveKPI(f.ctx, c.ID, true); err != nil || !got.Archived {
			t.Fatalf("ArchiveKPI: got %+v, %v", got, err)
		}
		n++
		f.wantAudit(n, "archive", "kpi", c.ID)
		before := f.snapshot()
		_, err := f.s.ArchiveKPI(f.ctx, c.ID, true)
		wantError(t, err, lodestar.EConflict)
		_, err = f.s.ArchiveKPI(f.ctx, 999, true)
		wantError(t, err, lodestar.ENotFound)
		f.wantSame(before)

		tests := []struct {
			name string
			f    lodestar.ListFilter
			want []int64
		}{
			{"live, by name", lodestar.ListFilter{}, []int64{a.ID, b.ID}},
			{"with archived", lodestar.ListFilter{Archived: true}, []int64{a.ID, b.ID, c.ID}},
			{"by goal", lodestar.ListFilter{GoalID: g.ID}, []int64{a.ID}},
			{"by goal with archived", lodestar.ListFilter{GoalID: g.ID, Archived: true}, []int64{a.ID, c.ID}},
			{"query", lodestar.ListFilter{Query: "LOG"}, []int64{b.ID}},
			{"query in Chinese", lodestar.ListFilter{Query: "积压"}, []int64{b.ID}},
		}
		for _, tt := range tests {
			list, err := f.s.ListKPIs(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, k := range list {
				got = append(got, k.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ListKPIs %s: got %v, want %v", tt.name, got, tt.want)
			}
		}
		if got, err := f.s.ArchiveKPI(f.ctx, c.ID, false); err != nil || got.Archived {
			t.Fatalf("unarchive: got %+v, %v", got, err)
		}
		n++
		f.wantAudit(n, "unarchive", "kpi", c.ID)
	})
}
