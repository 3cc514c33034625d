package app_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// sseEvent is one Server-Sent Event as read off the wire.
type sseEvent struct{ name, id, data string }

func readEvent(t *testing.T, br *bufio.Reader) sseEvent {
	t.Helper()
	var ev sseEvent
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("read stream: %v", err)
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "" && ev.name != "":
			return ev
		case strings.HasPrefix(line, ":"):
			ev.name = "comment"
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			ev.id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
		if line == "" && ev.name == "comment" {
			return ev
		}
	}
}

// TestSwitchStream opens the stream, flips a switch through the API and
// sees the flip arrive, with the event ID advanced by one.
func TestSwitchStream(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	uc := f.useCase("Credit scoring")
	if _, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit-risk", Name: "Credit"}); err != nil {
		t.Fatal(err)
	}
	_, adminToken := f.token(admin)
	_, riskToken := f.token(risk)
	_, viewerToken := f.token(viewer)

	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/switches/stream", nil)
	req.Header.Set("Authorization", "Bearer "+viewerToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: got %d %s, want 200 text/event-stream", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(resp.Body)
	snap := readEvent(t, br)
	var all []lodestar.Switch
	if snap.name != "snapshot" || json.Unmarshal([]byte(snap.data), &all) != nil || len(all) != 1 || all[0].State != "on" || snap.id != "1" {
		t.Fatalf("first event: got %+v, want a snapshot with credit-risk on at id 1", snap)
	}

	// A viewer may read but not flip; the admin's flip needs a reason.
	wantAPIError(t, f.api("PUT", "/api/v1/switches/credit-risk", viewerToken, `{"state":"off","reason":"x"}`), 403, lodestar.EForbidden)
	wantAPIError(t, f.api("PUT", "/api/v1/switches/credit-risk", adminToken, `{"state":"off"}`), 400, lodestar.EInvalid)

	start := time.Now()
	if r := f.api("PUT", "/api/v1/switches/credit-risk", riskToken, `{"state":"off","reason":"flags good customers"}`); r.StatusCode != 200 {
		t.Fatalf("flip: got %d %s", r.StatusCode, r.body)
	}
	done := make(chan sseEvent, 1)
	go func() { done <- readEvent(t, br) }()
	select {
	case ev := <-done:
		var sw lodestar.Switch
		if ev.name != "switch" || ev.id != "2" || json.Unmarshal([]byte(ev.data), &sw) != nil || sw.State != "off" || sw.Reason != "flags good customers" {
			t.Errorf("flip event: got %+v, want switch off with the reason at id 2", ev)
		}
		t.Logf("flip reached the stream in %s", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("the flip did not reach the stream within 5 s")
	}
}
