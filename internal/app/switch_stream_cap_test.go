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
// and the refusals at each cap: a token's, a user's (a user's second
// token adds no streams beyond it) and the server's.
func TestSwitchStreamCapsOnMetrics(t *testing.T) {
	f := start(t, fixtureOpts{options: app.Options{MaxStreams: 3, MaxStreamsPerCredential: 1, MaxStreamsPerUser: 2}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var secrets []string
	var users []*lodestar.User
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		u := f.user(lodestar.RoleViewer, email)
		_, secret := f.token(u)
		users, secrets = append(users, u), append(secrets, secret)
	}
	a := users[0]
	f.stream(ctx, secrets[0])
	if r := f.api("GET", "/api/v1/switches/stream", secrets[0], ""); r.StatusCode != 429 || !strings.Contains(r.body, "--max-streams-per-credential") {
		t.Errorf("a second stream of a token capped at 1: %d %s, want 429 at the credential's cap", r.StatusCode, r.body)
	}
	_, second := f.token(a)
	f.stream(ctx, second)
	_, third := f.token(a)
	if r := f.api("GET", "/api/v1/switches/stream", third, ""); r.StatusCode != 429 || !strings.Contains(r.body, "--max-streams-per-user") {
		t.Errorf("a third stream of a user capped at 2, from a new token: %d %s, want 429 at the user's cap", r.StatusCode, r.body)
	}
	f.stream(ctx, secrets[1])
	if r := f.api("GET", "/api/v1/switches/stream", secrets[2], ""); r.StatusCode != 503 {
		t.Errorf("a fourth stream on a server capped at 3: %d %s, want 503", r.StatusCode, r.body)
	}
	body := f.get(f.client(), "/metrics").body
	for _, want := range []string{
		"lodestar_switch_streams_open 3\n",
		"lodestar_switch_streams_max 3\n",
		`lodestar_switch_streams_refused_total{reason="credential"} 1` + "\n",
		`lodestar_switch_streams_refused_total{reason="user"} 1` + "\n",
		`lodestar_switch_streams_refused_total{reason="server"} 1` + "\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
