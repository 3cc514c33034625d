package app_test

import (
	"context"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
)

// TestSwitchStreamCapsOnMetrics: the caps given to the app hold on the
// switch stream, and /metrics shows the open streams, the server's cap
// and the refusals at each cap.
func TestSwitchStreamCapsOnMetrics(t *testing.T) {
	f := start(t, fixtureOpts{options: app.Options{MaxStreams: 2, MaxStreamsPerCredential: 1}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var secrets []string
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		_, secret := f.token(f.user(lodestar.RoleViewer, email))
		secrets = append(secrets, secret)
	}
	f.stream(ctx, secrets[0])
	if r := f.api("GET", "/api/v1/switches/stream", secrets[0], ""); r.StatusCode != 429 {
		t.Errorf("a second stream of a token capped at 1: %d %s, want 429", r.StatusCode, r.body)
	}
	f.stream(ctx, secrets[1])
	if r := f.api("GET", "/api/v1/switches/stream", secrets[2], ""); r.StatusCode != 503 {
		t.Errorf("a third stream on a server capped at 2: %d %s, want 503", r.StatusCode, r.body)
	}
	body := f.get(f.client(), "/metrics").body
	for _, want := range []string{
		"lodestar_switch_streams_open 2\n",
		"lodestar_switch_streams_max 2\n",
		`lodestar_switch_streams_refused_total{reason="credential"} 1` + "\n",
		`lodestar_switch_streams_refused_total{reason="server"} 1` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
