package demo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/demo"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// failingModels is the store with one model creation failing, as a lost
// connection or a Ctrl-C would interrupt the load half-way.
type failingModels struct {
	*store.Store
	failed bool
}

func (f *failingModels) CreateModel(ctx context.Context, m lodestar.Model) (*lodestar.Model, error) {
	if !f.failed {
		f.failed = true
		return nil, errors.New("connection reset")
	}
	return f.Store.CreateModel(ctx, m)
}

// TestInterruptedLoad: a demo load that stopped half-way is reported on
// the next start (ErrPartial), not taken for a finished one; a finished
// load is not repeated; real data is never mixed with the demo.
func TestInterruptedLoad(t *testing.T) {
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "system"})

	db := testdb.Open(t)
	st := store.New(db)
	setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
	if _, err := demo.Load(ctx, &failingModels{Store: st}, setNow, "demo-password-123"); err == nil {
		t.Fatal("the interrupted load reported no error")
	}
	db.Now = time.Now
	if n, err := demo.Load(ctx, st, setNow, "demo-password-123"); !errors.Is(err, demo.ErrPartial) {
		t.Errorf("after an interrupted load: %d records, %v; want ErrPartial", n, err)
	}
	db.Now = time.Now

	whole := testdb.Open(t)
	ws := store.New(whole)
	setWhole := func(at time.Time) { whole.Now = func() time.Time { return at } }
	if n, err := demo.Load(ctx, ws, setWhole, "demo-password-123"); err != nil || n == 0 {
		t.Fatalf("first load: %d, %v", n, err)
	}
	whole.Now = time.Now
	if n, err := demo.Load(ctx, ws, setWhole, "demo-password-123"); err != nil || n != 0 {
		t.Errorf("second load of a finished demo: %d, %v; want 0, nil", n, err)
	}
	whole.Now = time.Now
	// A demo loaded whole before demo_state existed counts as loaded: the
	// migration's own statement marks it.
	if _, err := whole.ExecContext(ctx, `DELETE FROM demo_state`); err != nil {
		t.Fatal(err)
	}
	ms, err := sqldb.Migrations(whole.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == "demo_state" {
			_, insert, _ := strings.Cut(m.SQL, ");\n") // after the CREATE TABLE
			if _, err := whole.ExecContext(ctx, insert); err != nil {
				t.Fatalf("the migration's marking statement: %v\n%s", err, insert)
			}
		}
	}
	if done, err := ws.DemoLoaded(ctx); err != nil || !done {
		t.Errorf("a whole demo from before demo_state: loaded %v, %v; want marked by the migration", done, err)
	}

	real := testdb.Open(t)
	rs := store.New(real)
	if _, err := rs.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Ours"}); err != nil {
		t.Fatal(err)
	}
	if n, err := demo.Load(ctx, rs, func(time.Time) {}, "demo-password-123"); err != nil || n != 0 {
		t.Errorf("a database with real use cases: %d, %v; want the demo left out", n, err)
	}
}
