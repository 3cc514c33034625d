package demo_test

import (
	"context"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/demo"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// loadDemo loads the demo enterprise into a fresh database, its clock put
// back after, and returns a system context and the store.
func loadDemo(t *testing.T) (context.Context, *store.Store) {
	t.Helper()
	db := testdb.Open(t)
	st := store.New(db)
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "system"})
	setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
	_, err := demo.Load(ctx, st, setNow, "demo-password-123")
	db.Now = time.Now
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return ctx, st
}

// meanAccuracy is the mean of the windows' accuracy.
func meanAccuracy(ws []*lodestar.WindowResult) float64 {
	s := 0.0
	for _, w := range ws {
		s += w.Metrics["accuracy"]
	}
	return s / float64(len(ws))
}

// kpiNamed returns the demo's KPI of that (English) name, nil when there
// is none.
func kpiNamed(t *testing.T, ctx context.Context, st *store.Store, name string) *lodestar.KPI {
	t.Helper()
	kpis, err := st.ListKPIs(ctx, lodestar.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range kpis {
		if k.Name == name {
			return k
		}
	}
	return nil
}
