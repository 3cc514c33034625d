package sqldb_test

import (
	"context"
	"sync"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestMigrateReplicasAtOnce starts several replicas on one empty
// PostgreSQL database at the same moment: every one migrates without an
// error, each migration is applied once, and the schema is current.
// Skipped without LODESTAR_TEST_POSTGRES.
func TestMigrateReplicasAtOnce(t *testing.T) {
	for round := 0; round < 5; round++ {
		url := testdb.PostgresURL(t)
		const replicas = 4
		dbs := make([]*sqldb.DB, replicas)
		for i := range dbs {
			db, err := sqldb.Open(context.Background(), "", url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		var wg sync.WaitGroup
		applied := make([]int, replicas)
		errs := make([]error, replicas)
		start := make(chan struct{})
		for i, db := range dbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				applied[i], errs[i] = db.Migrate(context.Background())
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: replica %d: %v", round, i, err)
			}
		}
		ms, err := sqldb.Migrations(sqldb.Postgres)
		if err != nil {
			t.Fatal(err)
		}
		if n := testdb.Count(t, dbs[0], "schema_migrations"); n != len(ms) {
			t.Errorf("round %d: %d migrations recorded, want %d", round, n, len(ms))
		}
		for i, db := range dbs {
			if err := db.CheckCurrent(context.Background()); err != nil {
				t.Errorf("round %d: replica %d: %v", round, i, err)
			}
		}
	}
}
