package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestAuditCSVRowsRehash: an outside auditor recomputes every exported
// row's hash from the CSV alone, as README ("audit export") says: the
// first ten columns, a leading apostrophe removed, as the JSON array
// [seq, at, actor_id, actor, action, entity_type, entity_id, before,
// after, prev_hash] (seq and actor_id numbers) written as Go's
// encoding/json writes it, its SHA-256 in hex; and each row's prev_hash
// is the next row's hash. The CSV wrote at as RFC 3339 with trailing
// zeros dropped while the hash covers the fixed-width form, so a time on
// a whole second (or ending in a zero) could not be rehashed.
func TestAuditCSVRowsRehash(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		clock := testdb.UseClock(db)
		st := store.New(db)
		ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "auditor <qa&co> Öl"})
		for i, at := range []time.Time{
			time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC),                             // a whole second
			time.Date(2026, 11, 28, 9, 30, 1, 120_000_000, time.UTC),                   // trailing zeros
			time.Date(2026, 11, 28, 9, 30, 2, 123_456_000, time.FixedZone("", 8*3600)), // not UTC
		} {
			clock.Set(at)
			if _, err := st.CreateUseCase(ctx, lodestar.NewUseCase{Title: "R&D <pilot> Équipe " + strconv.Itoa(i), Description: "=1+1 \u2028 line"}); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		n, err := evidence.WriteAuditCSV(context.Background(), st.FindEvents, lodestar.AuditFilter{}, &buf)
		if err != nil || n != 3 {
			t.Fatalf("WriteAuditCSV: %d entries, %v; want 3", n, err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rows[0], ",") != strings.Join(evidence.AuditCSVHeader, ",") || len(rows) != 4 {
			t.Fatalf("got %d lines, header %v", len(rows), rows[0])
		}
		for i, row := range rows[1:] {
			cells := make([]string, len(row))
			for j, c := range row {
				cells[j] = c
				if strings.HasPrefix(c, "'") && len(c) > 1 && strings.ContainsRune("=+-@\t\r", rune(c[1])) {
					cells[j] = c[1:] // the defused formula's apostrophe
				}
			}
			seq, err1 := strconv.ParseInt(cells[0], 10, 64)
			actorID, err2 := strconv.ParseInt(cells[2], 10, 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("row %d: seq %q actor_id %q not numbers", i+1, cells[0], cells[2])
			}
			canon, err := json.Marshal([]any{seq, cells[1], actorID, cells[3], cells[4], cells[5], cells[6], cells[7], cells[8], cells[9]})
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(canon)
			if got := hex.EncodeToString(sum[:]); got != cells[10] {
				t.Errorf("row %d (seq %d, at %s): SHA-256 of %s is %s, the CSV says %s", i+1, seq, cells[1], canon, got, cells[10])
			}
			if i+2 < len(rows) && cells[9] != rows[i+2][10] {
				t.Errorf("row %d: prev_hash %s, want the next row's hash %s", i+1, cells[9], rows[i+2][10])
			}
			if len(cells[1]) != len(sqldb.TimeLayout) || !strings.HasSuffix(cells[1], "Z") {
				t.Errorf("row %d: at %q, want the fixed-width UTC form %s", i+1, cells[1], sqldb.TimeLayout)
			}
		}
	})
}
