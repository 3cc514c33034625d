package store_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// wantTaken fails unless err is a 409 on field whose message is want.
func wantTaken(t *testing.T, err error, what, field, want string) {
	t.Helper()
	wantError(t, err, lodestar.EConflict, field)
	if err != nil && lodestar.ErrorMessage(err) != want {
		t.Errorf("%s: message %q, want %q", what, lodestar.ErrorMessage(err), want)
	}
}

// TestKPINamesUnique: two live KPIs may not share a name in either
// language, whatever their goals — the scope in which an import finds a
// KPI by name, which refused every row naming a KPI twice made. A new,
// renamed or restored KPI holding (trimmed, ignoring case) a live one's
// name or Chinese name is a 409 naming it by both names and its ID, and
// nothing is written. Archived KPIs leave their names free, and a
// duplicate made before the rule can still be edited.
func TestKPINamesUnique(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		g1, g2 := f.goal("Grow", 0), f.goal("Keep", 0)
		newKPI := func(name, nameZH string, goal int64) lodestar.KPI {
			return lodestar.KPI{GoalID: goal, Name: name, NameZH: nameZH, Unit: "%", Direction: lodestar.DirectionUp, Baseline: 1, Target: 2, TargetDate: "2031-03-04"}
		}
		first, err := f.s.CreateKPI(f.ctx, newKPI("Conversion rate", "转化率", g1.ID))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`A KPI named "Conversion rate" / "转化率" already exists (ID %d).`, first.ID)
		before := f.snapshot()
		for _, tc := range []struct{ what, name, nameZH, field string }{
			{"the same name, another case, another goal", " conversion RATE ", "", "name"},
			{"the Chinese name as the name", "转化率", "", "name"},
			{"the name as the Chinese name", "Checkout rate", "Conversion Rate", "name_zh"},
			{"the same Chinese name", "Checkout rate", "转化率", "name_zh"},
		} {
			_, err := f.s.CreateKPI(f.ctx, newKPI(tc.name, tc.nameZH, g2.ID))
			wantTaken(t, err, "create: "+tc.what, tc.field, want)
		}
		f.wantSame(before)

		// A rename onto it, in either language, is refused.
		second := f.kpi("Basket size", g2.ID, lodestar.DirectionUp)
		before = f.snapshot()
		_, err = f.s.UpdateKPI(f.ctx, second.ID, newKPI("CONVERSION RATE", "", g2.ID))
		wantTaken(t, err, "rename", "name", want)
		_, err = f.s.UpdateKPI(f.ctx, second.ID, newKPI("Basket size", "转化率", g2.ID))
		wantTaken(t, err, "rename in Chinese", "name_zh", want)
		f.wantSame(before)
		// Its own name in its other language is no duplicate.
		if _, err := f.s.UpdateKPI(f.ctx, first.ID, newKPI("Conversion rate", "conversion rate", g1.ID)); err != nil {
			t.Errorf("a KPI's name as its own Chinese name: %v", err)
		}
		if _, err := f.s.UpdateKPI(f.ctx, first.ID, newKPI("Conversion rate", "转化率", g1.ID)); err != nil {
			t.Fatal(err)
		}

		// Archived, its names are free; restored beside the one that took
		// them, it is refused, naming that one.
		if _, err := f.s.ArchiveKPI(f.ctx, first.ID, true); err != nil {
			t.Fatal(err)
		}
		third, err := f.s.CreateKPI(f.ctx, newKPI("转化率", "", g2.ID))
		if err != nil {
			t.Fatalf("a name only an archived KPI holds: %v", err)
		}
		before = f.snapshot()
		_, err = f.s.ArchiveKPI(f.ctx, first.ID, false)
		wantTaken(t, err, "restore", "name_zh", fmt.Sprintf(`A KPI named "转化率" already exists (ID %d).`, third.ID))
		f.wantSame(before)

		// A duplicate made before the rule still loads and can be edited
		// while it keeps its name; renaming it onto another is refused.
		if _, err := db.ExecContext(f.ctx, db.Rebind(`UPDATE kpis SET name = ? WHERE id = ?`), "转化率", second.ID); err != nil {
			t.Fatal(err)
		}
		if k, err := f.s.FindKPIByID(f.ctx, second.ID); err != nil || k.Name != "转化率" {
			t.Fatalf("a duplicate from before the rule: %+v, %v", k, err)
		}
		edited := newKPI("转化率", "", g1.ID)
		edited.Target = 3
		if _, err := f.s.UpdateKPI(f.ctx, second.ID, edited); err != nil {
			t.Errorf("editing a duplicate made before the rule: %v", err)
		}
	})
}

// TestPainTitlesUnique: two live pain points of a business unit may not
// share a title in either language (the goals' and use cases' rule);
// another unit's are free. A new, renamed, moved or restored one is a 409
// naming the one that exists, and nothing is written.
func TestPainTitlesUnique(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		retail, mfg := f.unit("Retail", 0), f.unit("Manufacturing", 0)
		newPain := func(title, titleZH string, unit int64) lodestar.PainPoint {
			return lodestar.PainPoint{BusinessUnitID: unit, Title: title, TitleZH: titleZH, Category: "cost", AnnualCost: 10}
		}
		first, err := f.s.CreatePainPoint(f.ctx, newPain("Slow checkout", "结账慢", retail.ID))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf(`A pain point titled "Slow checkout" / "结账慢" already exists in this business unit (ID %d).`, first.ID)
		before := f.snapshot()
		for _, tc := range []struct{ what, title, titleZH, field string }{
			{"the same title, another case", " slow CHECKOUT ", "", "title"},
			{"the Chinese title as the title", "结账慢", "", "title"},
			{"the title as the Chinese title", "Queues", "Slow Checkout", "title_zh"},
			{"the same Chinese title", "Queues", "结账慢", "title_zh"},
		} {
			_, err := f.s.CreatePainPoint(f.ctx, newPain(tc.title, tc.titleZH, retail.ID))
			wantTaken(t, err, "create: "+tc.what, tc.field, want)
		}
		f.wantSame(before)

		// In another unit the title is free; moving it over is refused,
		// and so is a rename onto it.
		other, err := f.s.CreatePainPoint(f.ctx, newPain("Slow checkout", "", mfg.ID))
		if err != nil {
			t.Fatalf("the same title in another unit: %v", err)
		}
		second := f.pain("Queues", retail.ID, 5)
		before = f.snapshot()
		_, err = f.s.UpdatePainPoint(f.ctx, other.ID, newPain("Slow checkout", "", retail.ID))
		wantTaken(t, err, "move", "title", want)
		_, err = f.s.UpdatePainPoint(f.ctx, second.ID, newPain("Queues", "结账慢", retail.ID))
		wantTaken(t, err, "rename in Chinese", "title_zh", want)
		_, err = f.s.UpdatePainPoint(f.ctx, second.ID, newPain("SLOW checkout", "", retail.ID))
		wantTaken(t, err, "rename", "title", want)
		f.wantSame(before)

		// Archived, its titles are free; restored, it is refused.
		if _, err := f.s.ArchivePainPoint(f.ctx, first.ID, true); err != nil {
			t.Fatal(err)
		}
		third, err := f.s.CreatePainPoint(f.ctx, newPain("结账慢", "", retail.ID))
		if err != nil {
			t.Fatalf("a title only an archived pain point holds: %v", err)
		}
		before = f.snapshot()
		_, err = f.s.ArchivePainPoint(f.ctx, first.ID, false)
		wantTaken(t, err, "restore", "title_zh", fmt.Sprintf(`A pain point titled "结账慢" already exists in this business unit (ID %d).`, third.ID))
		f.wantSame(before)

		// A duplicate made before the rule can still be edited.
		if _, err := db.ExecContext(f.ctx, db.Rebind(`UPDATE pain_points SET title = ? WHERE id = ?`), "结账慢", second.ID); err != nil {
			t.Fatal(err)
		}
		edited := newPain("结账慢", "", retail.ID)
		edited.AnnualCost = 99
		if _, err := f.s.UpdatePainPoint(f.ctx, second.ID, edited); err != nil {
			t.Errorf("editing a duplicate made before the rule: %v", err)
		}
	})
}

// TestParallelCreatesMakeOne: the same KPI, or the same pain point,
// created 20 times at once (a client retrying a POST) is created once;
// the others are 409s naming it. On PostgreSQL the writes take an
// advisory lock, without which each found the name free.
func TestParallelCreatesMakeOne(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		unit := f.unit("Retail", 0)
		const n = 20
		for _, tc := range []struct {
			what, table, column string
			create              func() (int64, error)
		}{
			{"KPI", "kpis", "name", func() (int64, error) {
				k, err := f.s.CreateKPI(f.ctx, lodestar.KPI{Name: "ParKPI", Unit: "%", Direction: lodestar.DirectionUp, TargetDate: "2027-01-01"})
				if err != nil {
					return 0, err
				}
				return k.ID, nil
			}},
			{"pain point", "pain_points", "title", func() (int64, error) {
				p, err := f.s.CreatePainPoint(f.ctx, lodestar.PainPoint{Title: "ParPain", BusinessUnitID: unit.ID, Category: "cost"})
				if err != nil {
					return 0, err
				}
				return p.ID, nil
			}},
		} {
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				created []int64
				errs    []error
			)
			release := holdAuditLock(t, db, n)
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					id, err := tc.create()
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						errs = append(errs, err)
					} else {
						created = append(created, id)
					}
				}()
			}
			release()
			wg.Wait()
			if len(created) != 1 {
				t.Fatalf("%s: %d created at once, want 1 (errors %v)", tc.what, len(created), errs)
			}
			want := fmt.Sprintf("(ID %d)", created[0])
			for _, err := range errs {
				if lodestar.ErrorCode(err) != lodestar.EConflict || !strings.Contains(lodestar.ErrorMessage(err), want) {
					t.Errorf("%s: got %v, want a 409 naming %s", tc.what, err, want)
				}
			}
			var rows int
			if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM `+tc.table+` WHERE `+tc.column+` LIKE 'Par%'`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			if rows != 1 {
				t.Errorf("%s: %d rows, want 1", tc.what, rows)
			}
		}
	})
}

// auditLock is the advisory lock key audit.Append takes, last, in every
// write on PostgreSQL.
const auditLock = 7210002

// holdAuditLock makes n writes about to start on PostgreSQL overlap: it
// holds the audit log's lock, which each takes after its checks and its
// insert, and the release it returns lets go once n sessions wait on an
// advisory lock (the audit's, or the name lock a write takes before its
// check). Without the name lock all n pass the check before any commits,
// which the races of a real retry do now and then. On SQLite, whose
// writers take turns, it does nothing.
func holdAuditLock(t *testing.T, db *sqldb.DB, n int) (release func()) {
	t.Helper()
	if db.Dialect != sqldb.Postgres {
		return func() {}
	}
	db.DB.SetMaxOpenConns(n + 1) // the n writes and the holder
	ctx := t.Context()
	conn, err := db.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, auditLock); err != nil {
		t.Fatal(err)
	}
	return func() {
		defer conn.Close()
		// (Bounded, so a broken write cannot hang the test: past it the
		// lock is let go all the same and the counts below decide.)
		for range 6000 {
			var waiting int
			if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
				AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting); err != nil {
				t.Error(err)
				break
			}
			if waiting >= n {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, auditLock); err != nil {
			t.Error(err)
		}
	}
}
