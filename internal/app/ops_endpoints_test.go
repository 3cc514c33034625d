package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// /metrics labels requests by method: a client sending made-up methods
// must not add a time series per method (unbounded cardinality, public).
func TestMetricsMethodLabelBounded(t *testing.T) {
	f := start(t, fixtureOpts{})
	c := f.client()
	for i := range 50 {
		f.do(c, fmt.Sprintf("X%d", i), "/healthz", nil, nil)
	}
	r := f.get(c, "/metrics")
	n := 0
	for _, line := range strings.Split(r.body, "\n") {
		if strings.HasPrefix(line, "lodestar_http_requests_total{") && strings.Contains(line, `method="X`) {
			n++
		}
	}
	if n > 1 {
		t.Errorf("/metrics holds %d series for 50 made-up methods; want them folded into one", n)
	}
}

// /readyz says ready only when the schema is current: a database another
// (newer) replica migrated past this binary must answer 503.
func TestReadyzChecksSchema(t *testing.T) {
	f := start(t, fixtureOpts{})
	if _, err := f.app.DB.ExecContext(sys(), f.app.DB.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		9999, "from_the_future", time.Now().UTC().Format(time.RFC3339)); err != nil {
		t.Fatal(err)
	}
	if err := f.app.DB.CheckCurrent(sys()); err == nil {
		t.Fatal("CheckCurrent accepts a schema ahead of the binary")
	}
	if r := f.get(f.client(), "/readyz"); r.StatusCode != 503 {
		t.Errorf("/readyz with a schema ahead of this binary: %d %q, want 503", r.StatusCode, r.body)
	}
}
