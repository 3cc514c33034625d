package store_test

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// A monitor saved when the drift distance threshold could be up to 1 (an
// older Lodestar wrote its row) holds more than today's bound, √ln 2: its
// settings, sent again for the next version, were refused for a field
// nobody changed. BoundDriftDistances lowers it to the bound with an audit
// entry saying why; the monitor's other settings, and monitors within the
// bound, are left alone; run again it changes nothing; and the settings
// are accepted again.
func TestBoundDriftDistances(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0", "2.0")
		mk := func(name string, d float64) *lodestar.Monitor {
			mon, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: name, Window: "day", Numeric: []string{"x"},
				Categorical: []string{"c"}, AlertAfter: 2, WebhookURL: "https://hooks.example.com/secret",
				Reference:  lodestar.MonitorReference{Kind: lodestar.ReferenceDataset},
				Thresholds: lodestar.MonitorThresholds{Drift: true, DriftDistance: d, DriftPValue: 0.01, MinAccuracy: 0.7}}, []byte("x,c\n1,a\n"))
			if err != nil {
				t.Fatal(err)
			}
			return mon
		}
		old, fine := mk("Old", 0.5), mk("Fine", 0.2)
		// As an older Lodestar saved it: 0.95, accepted then.
		if _, err := db.ExecContext(context.Background(), db.Rebind(`UPDATE monitors SET config = REPLACE(config, '"drift_distance":0.5', '"drift_distance":0.95') WHERE id = ?`), old.ID); err != nil {
			t.Fatal(err)
		}
		stale, err := f.s.FindMonitorByID(f.ctx, old.ID)
		if err != nil || stale.Thresholds.DriftDistance != 0.95 {
			t.Fatalf("old row: %+v %v", stale, err)
		}
		again := func(mon *lodestar.Monitor) error {
			in := *mon
			in.ID, in.Version = 0, "2.0"
			_, err := f.s.CreateMonitor(f.ctx, in, []byte("x,c\n1,a\n"))
			return err
		}
		wantError(t, again(stale), lodestar.EInvalid, "thresholds.drift")

		audits := f.auditCount()
		f.clock.Advance(time.Minute)
		n, err := f.s.BoundDriftDistances(f.ctx)
		if err != nil || n != 1 {
			t.Fatalf("bound: %d, %v; want 1 monitor", n, err)
		}
		got, err := f.s.FindMonitorByID(f.ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Thresholds.DriftDistance != monitor.JensenShannonMax || got.Thresholds.DriftDistance != math.Sqrt(math.Ln2) {
			t.Errorf("drift distance %v, want √ln 2", got.Thresholds.DriftDistance)
		}
		want := *stale
		want.Thresholds.DriftDistance, want.UpdatedAt = got.Thresholds.DriftDistance, got.UpdatedAt
		if a, b := mustJSON(t, got), mustJSON(t, &want); a != b {
			t.Errorf("other settings changed:\n got %s\nwant %s", a, b)
		}
		if !got.UpdatedAt.After(stale.UpdatedAt) {
			t.Errorf("updated_at %v not after %v", got.UpdatedAt, stale.UpdatedAt)
		}
		if kept, _ := f.s.FindMonitorByID(f.ctx, fine.ID); kept.Thresholds.DriftDistance != 0.2 || !kept.UpdatedAt.Equal(fine.UpdatedAt) {
			t.Errorf("a monitor within the bound changed: %+v", kept)
		}
		if f.auditCount() != audits+1 {
			t.Fatalf("audit entries %d, want %d", f.auditCount(), audits+1)
		}
		ev := f.lastEvent()
		if ev.Action != "update" || ev.EntityType != "monitor" || ev.EntityID != strconv.FormatInt(old.ID, 10) ||
			!strings.Contains(string(ev.Before), `"drift_distance":0.95`) || !strings.Contains(string(ev.After), "√ln 2") ||
			!strings.Contains(string(ev.After), `"drift_distance":0.83255461115769`) {
			t.Errorf("audit: %s %s %s before %s after %s", ev.Action, ev.EntityType, ev.EntityID, ev.Before, ev.After)
		}
		f.verify(int64(f.auditCount()))
		// The settings as they now read are accepted again.
		if err := again(got); err != nil {
			t.Errorf("the old monitor's settings, bounded, refused: %v", err)
		}
		// Nothing left to change.
		if n, err := f.s.BoundDriftDistances(f.ctx); err != nil || n != 0 {
			t.Errorf("second run: %d, %v", n, err)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
