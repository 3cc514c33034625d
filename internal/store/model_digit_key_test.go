package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// A key of digits only would be taken for another model's ID by the routes
// that take a key or an ID (/api/v1/models/{model}/events, token bindings):
// no new model may have one. A model keyed so before the rule keeps
// working, and can still be edited.
func TestModelKeyNotAllDigits(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Scoring"})
		if err != nil {
			t.Fatal(err)
		}
		before := f.counts()
		for _, key := range []string{"5", "40", "007", " 12 "} {
			_, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: key, Name: "Digits"})
			wantError(t, err, lodestar.EInvalid, "key")
			var le *lodestar.Error
			if errors.As(err, &le) && !strings.Contains(le.Fields["key"], "model's ID") {
				t.Errorf("key %q: message %q does not say why", key, le.Fields["key"])
			}
		}
		f.wantUnchanged(before)

		for _, key := range []string{"5a", "m-5", "1.0", "2_3", "a5"} {
			if _, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: key, Name: "Mixed"}); err != nil {
				t.Errorf("key %q: %v, want it taken", key, err)
			}
		}

		// A model given a digits-only key before the rule (written
		// directly, as an old database holds it) may still be renamed.
		now := sqldb.FormatTime(f.clock.Now())
		if _, err := f.db.ExecContext(context.Background(), f.db.Rebind(`INSERT INTO models
			(use_case_id, key, name, description, archived, created_at, updated_at) VALUES (?, '77', 'Legacy', '', ?, ?, ?)`),
			uc.ID, false, now, now); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := f.db.QueryRowContext(context.Background(), f.db.Rebind(`SELECT id FROM models WHERE key = '77'`)).Scan(&id); err != nil {
			t.Fatal(err)
		}
		m, err := f.s.UpdateModel(f.ctx, id, lodestar.Model{UseCaseID: uc.ID, Name: "Legacy, renamed"})
		if err != nil {
			t.Fatalf("renaming a legacy digits-only model: %v", err)
		}
		if m.Key != "77" || m.Name != "Legacy, renamed" {
			t.Errorf("legacy model after rename: %+v", m)
		}
	})
}
