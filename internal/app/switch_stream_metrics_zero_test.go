package app_test

import (
	"strings"
	"testing"
)

// TestSwitchStreamRefusalsStartAtZero: a server that has refused no
// stream yet shows every refusal series at 0 on /metrics — credential,
// user and server — so a dashboard or an alert on any of them has a
// series to read (and to rate) from the start, not only after the first
// refusal.
func TestSwitchStreamRefusalsStartAtZero(t *testing.T) {
	f := start(t, fixtureOpts{})
	body := f.get(f.client(), "/metrics").body
	for _, reason := range []string{"credential", "user", "server"} {
		want := `lodestar_switch_streams_refused_total{reason="` + reason + `"} 0` + "\n"
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if n := strings.Count(body, "\nlodestar_switch_streams_refused_total{"); n != 3 {
		t.Errorf("/metrics has %d refusal series, want 3 (credential, user, server)", n)
	}
}
