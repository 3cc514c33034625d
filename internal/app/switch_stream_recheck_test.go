package app_test

import (
	"bufio"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// openStream opens the switch stream with a bearer token and reads its
// snapshot; lines then carries every later line, and is closed when the
// server ends the stream.
func openStream(t *testing.T, f *fixture, secret string) (lines <-chan string) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/switches/stream", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		t.Fatalf("stream: got %d, want 200", resp.StatusCode)
	}
	br := bufio.NewReader(resp.Body)
	if ev := readEvent(t, br); ev.name != "snapshot" {
		t.Fatalf("first event: got %+v, want the snapshot", ev)
	}
	out := make(chan string, 100)
	go func() {
		defer close(out)
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				if err != io.EOF && !strings.Contains(err.Error(), "closed") {
					out <- "error: " + err.Error()
				}
				return
			}
			out <- strings.TrimSuffix(line, "\n")
		}
	}()
	return out
}

// streamEnds waits for the server to end a stream.
func streamEnds(lines <-chan string, within time.Duration) bool {
	deadline := time.After(within)
	for {
		select {
		case _, open := <-lines:
			if !open {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// TestSwitchStreamRechecksCredentials: a stream outlives the check made
// when it opened, so the server checks its caller again every heartbeat.
// A token revoked, a token expired, a user disabled: each stream ends
// within a heartbeat or two, and opening it again is refused. A stream
// whose caller is still allowed stays open, heartbeat after heartbeat.
func TestSwitchStreamRechecksCredentials(t *testing.T) {
	f := start(t, fixtureOpts{})
	f.app.API.Heartbeat = 40 * time.Millisecond
	uc := f.useCase("Credit scoring")
	if _, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit-risk", Name: "Credit"}); err != nil {
		t.Fatal(err)
	}
	stays := f.user(lodestar.RoleViewer, "stays@example.com")
	_, staysToken := f.token(stays)
	steady := openStream(t, f, staysToken)

	revoked := f.user(lodestar.RoleViewer, "revoked@example.com")
	tok, revokedToken := f.token(revoked)
	lines := openStream(t, f, revokedToken)
	if err := f.app.Store.RevokeToken(sys(), tok.ID); err != nil {
		t.Fatal(err)
	}
	if !streamEnds(lines, 2*time.Second) {
		t.Error("a revoked token's stream was still open 2 s (50 heartbeats) later")
	}
	wantAPIError(t, f.api("GET", "/api/v1/switches/stream", revokedToken, ""), 401, lodestar.EUnauthorized)

	expiring := f.user(lodestar.RoleViewer, "expiring@example.com")
	_, expiringToken, err := f.app.Store.CreateTokenUntil(sys(), expiring.Email, "day pass", nil, f.clock.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	lines = openStream(t, f, expiringToken)
	f.clock.Advance(time.Hour)
	if !streamEnds(lines, 2*time.Second) {
		t.Error("an expired token's stream was still open 2 s later")
	}

	disabled := f.user(lodestar.RoleViewer, "leaver@example.com")
	_, disabledToken := f.token(disabled)
	lines = openStream(t, f, disabledToken)
	if _, err := f.app.Store.SetDisabled(sys(), disabled.Email, true); err != nil {
		t.Fatal(err)
	}
	if !streamEnds(lines, 2*time.Second) {
		t.Error("a disabled user's stream was still open 2 s later")
	}

	// The allowed caller's stream got heartbeats all along and is open.
	pings := 0
	for {
		select {
		case line, open := <-steady:
			if !open {
				t.Fatal("the stream of a caller still allowed was ended")
			}
			if line == ": ping" {
				pings++
			}
			continue
		default:
		}
		break
	}
	if pings < 5 {
		t.Errorf("the allowed stream got %d heartbeats, want many", pings)
	}
}
