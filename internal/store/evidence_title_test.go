package store_test

import (
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// A file name is kept up to 255 characters, but the title it defaults to
// is limited to 200: an upload named with 201–255 characters and no title
// is refused with an error on the title field the user never filled.
func TestLongFileNameDefaultTitle(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		v := newVersion(t, f)
		name := strings.Repeat("a", 220) + ".csv"
		params := lodestar.FairnessParams{GroupColumn: "segment", LabelColumn: "good", PredictionColumn: "approved"}
		a, err := f.s.CreateFairnessAudit(f.ctx, v.ID, lodestar.FairnessAuditInput{FileName: name, Data: decisions(), Params: params})
		if err != nil {
			t.Fatalf("CreateFairnessAudit of a 224-character file name, no title: %v (fields %v); want it stored",
				err, lodestar.ErrorFields(err))
		}
		if a.Title != name[:200] {
			t.Errorf("title %q, want the file name's first 200 characters", a.Title)
		}
		// A title the user typed is still held to 200 characters.
		_, err = f.s.CreateFairnessAudit(f.ctx, v.ID, lodestar.FairnessAuditInput{FileName: "b.csv", Title: strings.Repeat("t", 201), Data: decisions(), Params: params})
		if lodestar.ErrorFields(err)["title"] == "" {
			t.Errorf("a typed 201-character title: got %v, want the title refused", err)
		}
	})
}
