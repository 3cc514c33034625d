package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

func TestBusinessUnitCreate(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		root, err := f.s.CreateBusinessUnit(f.ctx, lodestar.BusinessUnit{Name: "  Retail ", NameZH: " 零售 "})
		if err != nil {
			t.Fatalf("CreateBusinessUnit: %v", err)
		}
		if root.ID <= 0 || root.Name != "Retail" || root.NameZH != "零售" || root.ParentID != 0 || root.Archived ||
			!root.CreatedAt.Equal(f.clock.Now()) || !root.UpdatedAt.Equal(f.clock.Now()) {
			t.Errorf("CreateBusinessUnit: got %+v, want trimmed Retail/零售 at the root, created now", *root)
		}
		f.wantAudit(1, "create", "business_unit", root.ID)
		child := f.unit("Stores", root.ID)
		if child.ParentID != root.ID {
			t.Errorf("child: got parent %d, want %d", child.ParentID, root.ID)
		}
		got, err := f.s.FindBusinessUnitByID(context.Background(), child.ID)
		if err != nil || got.Name != "Stores" || got.ParentID != root.ID {
			t.Errorf("FindBusinessUnitByID: got %+v, %v, want Stores under Retail", got, err)
		}
		_, err = f.s.FindBusinessUnitByID(context.Background(), 999)
		wantError(t, err, lodestar.ENotFound)

		// The longest names allowed, in characters.
		if _, err := f.s.CreateBusinessUnit(f.ctx, lodestar.BusinessUnit{Name: repeat("部", 120), NameZH: repeat("门", 120)}); err != nil {
			t.Errorf("names at the length limit: %v", err)
		}
		f.verify(3)
	})
}

func TestBusinessUnitCreateInvalid(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		retail := f.unit("Retail", 0)
		old := f.unit("Old", 0)
		if _, err := f.s.ArchiveBusinessUnit(f.ctx, old.ID, true); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			in     lodestar.BusinessUnit
			code   string
			fields []string
		}{
			{"no name", lodestar.BusinessUnit{}, lodestar.EInvalid, []string{"name"}},
			{"blank name", lodestar.BusinessUnit{Name: " \t "}, lodestar.EInvalid, []string{"name"}},
			{"name too long", lodestar.BusinessUnit{Name: repeat("a", 121)}, lodestar.EInvalid, []string{"name"}},
			{"Chinese name too long", lodestar.BusinessUnit{Name: "ok", NameZH: repeat("门", 121)}, lodestar.EInvalid, []string{"name_zh"}},
			{"unknown parent", lodestar.BusinessUnit{Name: "Orphan", ParentID: 999}, lodestar.EInvalid, []string{"parent_id"}},
			{"archived parent", lodestar.BusinessUnit{Name: "Under old", ParentID: old.ID}, lodestar.EInvalid, []string{"parent_id"}},
			{"two faults", lodestar.BusinessUnit{Name: "", ParentID: 999}, lodestar.EInvalid, []string{"name", "parent_id"}},
			{"duplicate name", lodestar.BusinessUnit{Name: "Retail"}, lodestar.EConflict, []string{"name"}},
			{"duplicate name after trimming", lodestar.BusinessUnit{Name: " Retail  ", ParentID: retail.ID}, lodestar.EConflict, []string{"name"}},
			{"duplicate of an archived unit", lodestar.BusinessUnit{Name: "Old"}, lodestar.EConflict, []string{"name"}},
		}
		before := f.snapshot()
		for _, tt := range tests {
			f.sub(tt.name, func(t *testing.T) {
				b, err := f.s.CreateBusinessUnit(f.ctx, tt.in)
				if b != nil {
					t.Errorf("got %+v, want none", *b)
				}
				wantError(t, err, tt.code, tt.fields...)
				f.wantSame(before)
			})
		}
	})
}

// tree builds A > B > C > D and a separate root E, returning their IDs.
func tree(f *fixture) (a, b, c, d, e int64) {
	f.t.Helper()
	a = f.unit("A", 0).ID
	b = f.unit("B", a).ID
	c = f.unit("C", b).ID
	d = f.unit("D", c).ID
	e = f.unit("E", 0).ID
	return
}

func TestBusinessUnitMove(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		a, b, c, d, e := tree(f)
		arch := f.unit("Archived", 0).ID
		if _, err := f.s.ArchiveBusinessUnit(f.ctx, arch, true); err != nil {
			t.Fatal(err)
		}
		refused := []struct {
			name   string
			id     int64
			in     lodestar.BusinessUnit
			code   string
			fields []string
		}{
			{"itself as parent", a, lodestar.BusinessUnit{Name: "A", ParentID: a}, lodestar.EInvalid, []string{"parent_id"}},
			{"leaf as its own parent", d, lodestar.BusinessUnit{Name: "D", ParentID: d}, lodestar.EInvalid, []string{"parent_id"}},
			{"under its child", a, lodestar.BusinessUnit{Name: "A", ParentID: b}, lodestar.EInvalid, []string{"parent_id"}},
			{"under its grandchild", a, lodestar.BusinessUnit{Name: "A", ParentID: c}, lodestar.EInvalid, []string{"parent_id"}},
			{"under its descendant 3 levels down", a, lodestar.BusinessUnit{Name: "A", ParentID: d}, lodestar.EInvalid, []string{"parent_id"}},
			{"middle unit under its descendant", b, lodestar.BusinessUnit{Name: "B", ParentID: d}, lodestar.EInvalid, []string{"parent_id"}},
			{"under an archived unit", e, lodestar.BusinessUnit{Name: "E", ParentID: arch}, lodestar.EInvalid, []string{"parent_id"}},
			{"under a unit that does not exist", e, lodestar.BusinessUnit{Name: "E", ParentID: 999}, lodestar.EInvalid, []string{"parent_id"}},
			{"rename to a taken name", e, lodestar.BusinessUnit{Name: "B"}, lodestar.EConflict, []string{"name"}},
			{"rename to blank", e, lodestar.BusinessUnit{Name: "  "}, lodestar.EInvalid, []string{"name"}},
			{"unknown unit", 999, lodestar.BusinessUnit{Name: "Z"}, lodestar.ENotFound, nil},
		}
		before := f.snapshot()
		for _, tt := range refused {
			f.sub(tt.name, func(t *testing.T) {
				got, err := f.s.UpdateBusinessUnit(f.ctx, tt.id, tt.in)
				if got != nil {
					t.Errorf("got %+v, want none", *got)
				}
				wantError(t, err, tt.code, tt.fields...)
				f.wantSame(before)
			})
		}

		parentOf := func(id int64) int64 {
			t.Helper()
			u, err := f.s.FindBusinessUnitByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			return u.ParentID
		}
		n := int64(before.rowsIn("audit_log"))
		allowed := []struct {
			name       string
			id         int64
			in         lodestar.BusinessUnit
			wantParent int64
		}{
			{"leaf up to the root unit", d, lodestar.BusinessUnit{Name: "D", ParentID: a}, a},
			{"under a sibling tree", c, lodestar.BusinessUnit{Name: "C", ParentID: e}, e},
			// C left A's subtree, so A may now sit under C.
			{"under a former descendant", a, lodestar.BusinessUnit{Name: "A", ParentID: c}, c},
			{"to the root", a, lodestar.BusinessUnit{Name: "A", ParentID: 0}, 0},
			{"rename in place", b, lodestar.BusinessUnit{Name: " Bee ", NameZH: "蜂"}, 0},
		}
		for _, tt := range allowed {
			f.sub(tt.name, func(t *testing.T) {
				f.clock.Advance(time.Minute)
				got, err := f.s.UpdateBusinessUnit(f.ctx, tt.id, tt.in)
				if err != nil {
					t.Fatalf("UpdateBusinessUnit: %v", err)
				}
				if got.ParentID != tt.wantParent || parentOf(tt.id) != tt.wantParent || !got.UpdatedAt.Equal(f.clock.Now()) {
					t.Errorf("got parent %d updated %v, want parent %d updated now", got.ParentID, got.UpdatedAt, tt.wantParent)
				}
				n++
				f.wantAudit(n, "update", "business_unit", tt.id)
				if ev := f.lastEvent(); ev.Before == "" || ev.After == "" || ev.Before == ev.After {
					t.Errorf("audit: before %q after %q, want both, different", ev.Before, ev.After)
				}
			})
		}
		bee, _ := f.s.FindBusinessUnitByID(context.Background(), b)
		if bee.Name != "Bee" || bee.NameZH != "蜂" {
			t.Errorf("renamed unit: got %q/%q, want Bee/蜂", bee.Name, bee.NameZH)
		}
		// The tree is now A > D, B, E > C: a cycle through the new shape is
		// still refused.
		_, err := f.s.UpdateBusinessUnit(f.ctx, e, lodestar.BusinessUnit{Name: "E", ParentID: c})
		wantError(t, err, lodestar.EInvalid, "parent_id")
	})
}

func TestBusinessUnitArchive(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		a, b, c, d, _ := tree(f)
		n := int64(f.auditCount())

		refused := []struct {
			name     string
			id       int64
			archived bool
			code     string
		}{
			{"root with live children", a, true, lodestar.EConflict},
			{"middle with a live child", b, true, lodestar.EConflict},
			{"unarchive a live unit", c, false, lodestar.EConflict},
			{"unknown unit", 999, true, lodestar.ENotFound},
		}
		before := f.snapshot()
		for _, tt := range refused {
			f.sub(tt.name, func(t *testing.T) {
				got, err := f.s.ArchiveBusinessUnit(f.ctx, tt.id, tt.archived)
				if got != nil {
					t.Errorf("got %+v, want none", *got)
				}
				wantError(t, err, tt.code)
				f.wantSame(before)
			})
		}

		// Leaves first, then their parents.
		d2 := f.unit("D2", c).ID
		n++
		for _, id := range []int64{d2, d, c, b, a} {
			got, err := f.s.ArchiveBusinessUnit(f.ctx, id, true)
			if err != nil {
				t.Fatalf("archive %d: %v", id, err)
			}
			if !got.Archived {
				t.Errorf("archive %d: got archived false", id)
			}
			n++
			f.wantAudit(n, "archive", "business_unit", id)
		}
		// Archived units leave the list unless asked for.
		list, err := f.s.ListBusinessUnits(context.Background(), lodestar.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := buNames(list); !slices.Equal(got, []string{"E"}) {
			t.Errorf("ListBusinessUnits: got %v, want [E]", got)
		}
		all, _ := f.s.ListBusinessUnits(context.Background(), lodestar.ListFilter{Archived: true})
		if got := buNames(all); !slices.Equal(got, []string{"A", "B", "C", "D", "D2", "E"}) {
			t.Errorf("ListBusinessUnits(archived): got %v, want A B C D D2 E", got)
		}

		before = f.snapshot()
		_, err = f.s.ArchiveBusinessUnit(f.ctx, a, true)
		wantError(t, err, lodestar.EConflict)
		// A child cannot be made under an archived unit, nor moved there.
		_, err = f.s.CreateBusinessUnit(f.ctx, lodestar.BusinessUnit{Name: "New", ParentID: a})
		wantError(t, err, lodestar.EInvalid, "parent_id")
		f.wantSame(before)

		got, err := f.s.ArchiveBusinessUnit(f.ctx, a, false)
		if err != nil || got.Archived {
			t.Fatalf("unarchive: got %+v, %v", got, err)
		}
		n++
		f.wantAudit(n, "unarchive", "business_unit", a)
	})
}

func TestListBusinessUnits(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		for _, n := range []struct{ en, zh string }{{"Retail", "零售"}, {"Logistics", "物流"}, {"Finance", "金融"}, {"E-commerce 100%", "电商"}} {
			if _, err := f.s.CreateBusinessUnit(f.ctx, lodestar.BusinessUnit{Name: n.en, NameZH: n.zh}); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			q    string
			want []string
		}{
			{"", []string{"E-commerce 100%", "Finance", "Logistics", "Retail"}},
			{"RET", []string{"Retail"}},
			{"物流", []string{"Logistics"}},
			{"i", []string{"Finance", "Logistics", "Retail"}},
			{"0%", []string{"E-commerce 100%"}},
			{"%", []string{"E-commerce 100%"}},
			{"_", nil},
		}
		for _, tt := range tests {
			list, err := f.s.ListBusinessUnits(context.Background(), lodestar.ListFilter{Query: tt.q})
			if err != nil {
				t.Fatal(err)
			}
			if got := buNames(list); !slices.Equal(got, tt.want) {
				t.Errorf("ListBusinessUnits(%q): got %v, want %v", tt.q, got, tt.want)
			}
		}
	})
}

func buNames(list []*lodestar.BusinessUnit) []string {
	var out []string
	for _, b := range list {
		out = append(out, b.Name)
	}
	return out
}
