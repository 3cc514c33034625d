package app_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
)

// lookupCounter is the real store, counting the reads a labels batch
// makes to decide its true/false labels: the model's monitors and the
// versions of the events labelled.
type lookupCounter struct {
	lodestar.EventService
	lodestar.MonitorService
	monitors, versions atomic.Int64
}

func (c *lookupCounter) ListMonitors(ctx context.Context, modelID int64) ([]*lodestar.Monitor, error) {
	c.monitors.Add(1)
	return c.MonitorService.ListMonitors(ctx, modelID)
}

func (c *lookupCounter) EventVersions(ctx context.Context, modelID int64, ids []string) (map[string]string, error) {
	c.versions.Add(1)
	return c.EventService.EventVersions(ctx, modelID, ids)
}

// TestIngestRateLimitBeforeLookup: a labels batch over its token's rate
// limit is refused before its events' versions are looked up — a client
// that keeps sending over its limit costs the server no read per batch —
// while a batch within the limit does look them up.
func TestIngestRateLimitBeforeLookup(t *testing.T) {
	f := start(t, fixtureOpts{options: app.Options{IngestRate: 2}})
	m := f.model("Recommendations", "recsys", "Recommender")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	// A regression monitor: its version's true/false labels are decided
	// by the events' version, which is looked up.
	mon := lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "M", Window: "hour", Task: "regression",
		Numeric: []string{"x"}, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}
	if _, err := f.app.Store.CreateMonitor(sys(), mon, []byte("x\n1\n")); err != nil {
		t.Fatal(err)
	}
	_, tok := f.token(f.user(lodestar.RoleAITeam, "a@example.com"), lodestar.ScopeIngest)
	c := &lookupCounter{EventService: f.app.API.Events, MonitorService: f.app.API.Monitors}
	f.app.API.Events, f.app.API.Monitors = c, c
	const path = "/api/v1/models/recsys/labels"
	batch := `{"id":"e-1","label":true}` + "\n" + `{"id":"e-2","label":false}` + "\n"

	// Within the limit (a burst of 10,000 lines): looked up, answered.
	if r := f.ndjson(path, tok, batch); r.StatusCode != http.StatusOK {
		t.Fatalf("a batch within the limit: got %d %s, want 200", r.StatusCode, r.body)
	}
	if c.monitors.Load() == 0 || c.versions.Load() == 0 {
		t.Fatalf("a batch within the limit: %d monitor reads, %d version lookups; want both", c.monitors.Load(), c.versions.Load())
	}
	// Empty the bucket (a burst of 10,000 lines, 2 taken), then send again: refused with no read at all.
	if r := f.ndjson("/api/v1/models/recsys/events", tok, eventBatch("fill", lodestar.MaxIngestLines-2)); r.StatusCode != http.StatusOK {
		t.Fatalf("filling batch: got %d %s", r.StatusCode, r.body)
	}
	c.monitors.Store(0)
	c.versions.Store(0)
	for range 3 {
		wantAPIError(t, f.ndjson(path, tok, batch), http.StatusTooManyRequests, lodestar.ETooManyRequests)
	}
	if n, v := c.monitors.Load(), c.versions.Load(); n != 0 || v != 0 {
		t.Errorf("three throttled label batches: %d monitor reads, %d version lookups; want none", n, v)
	}
	if n := f.count("event_labels"); n != 0 {
		t.Errorf("labels stored from refused batches: got %d, want 0", n)
	}
}
