package audit_test

import (
	"context"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// BenchmarkAppend measures one audited write on SQLite: a transaction that
// appends one chained entry and moves the head.
func BenchmarkAppend(b *testing.B) {
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{ID: 1, Label: "bench"})
	db, err := sqldb.Open(ctx, b.TempDir(), "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	after := map[string]any{"title": "Predictive maintenance", "stage": "pilot"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			_, err := audit.Append(ctx, tx, audit.Change{Action: "update", EntityType: "use_case", EntityID: int64(i), After: after})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures verifying a 10,000-entry chain.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	db, err := sqldb.Open(ctx, b.TempDir(), "")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	const n = 10000
	err = db.InTx(ctx, func(tx *sqldb.Tx) error {
		for i := 0; i < n; i++ {
			if _, err := audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "use_case", EntityID: int64(i), After: map[string]int{"i": i}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		got, brk, err := audit.Verify(ctx, db)
		if err != nil || brk != nil || got != n {
			b.Fatalf("Verify = %d, %v, %v; want %d intact", got, brk, err, n)
		}
	}
	b.ReportMetric(float64(n), "entries/op")
}
