package app_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
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

// sseEvents reads a stream's events on their own goroutine (no t there:
// the stream ends with the test) onto the channel, closed when the
// stream ends.
func sseEvents(br *bufio.Reader, buffer int) <-chan sseEvent {
	got := make(chan sseEvent, buffer)
	go func() {
		defer close(got)
		var ev sseEvent
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			switch line = strings.TrimSuffix(line, "\n"); {
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "id: "):
				ev.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				ev.data = strings.TrimPrefix(line, "data: ")
			case line == "" && ev.name != "":
				got <- ev
				ev = sseEvent{}
			}
		}
	}()
	return got
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

// TestOFREP evaluates switches the way an OpenFeature SDK's OFREP
// provider does.
func TestOFREP(t *testing.T) {
	f := start(t, fixtureOpts{})
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	uc := f.useCase("Credit scoring")
	if _, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit-risk", Name: "Credit"}); err != nil {
		t.Fatal(err)
	}
	_, tok := f.token(viewer)

	r := f.api("POST", "/ofrep/v1/evaluate/flags/credit-risk", tok, `{"context":{"targetingKey":"user-1"}}`)
	var one map[string]any
	if r.StatusCode != 200 || json.Unmarshal([]byte(r.body), &one) != nil || one["value"] != "on" || one["variant"] != "on" || one["reason"] != "STATIC" {
		t.Errorf("evaluate: got %d %s, want 200 with value and variant on", r.StatusCode, r.body)
	}
	r = f.api("POST", "/ofrep/v1/evaluate/flags/nope", tok, `{"context":{}}`)
	if r.StatusCode != 404 || !strings.Contains(r.body, `"errorCode":"FLAG_NOT_FOUND"`) {
		t.Errorf("unknown flag: got %d %s, want 404 FLAG_NOT_FOUND", r.StatusCode, r.body)
	}
	r = f.api("POST", "/ofrep/v1/evaluate/flags/credit-risk", tok, `{"context":"not an object"}`)
	if r.StatusCode != 400 || !strings.Contains(r.body, `"errorCode":"INVALID_CONTEXT"`) {
		t.Errorf("bad context: got %d %s, want 400 INVALID_CONTEXT", r.StatusCode, r.body)
	}

	bulk := func(etag string) *http.Response {
		req, _ := http.NewRequest("POST", f.srv.URL+"/ofrep/v1/evaluate/flags", strings.NewReader(`{"context":{}}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	first := bulk("")
	etag := first.Header.Get("ETag")
	if first.StatusCode != 200 || etag == "" {
		t.Fatalf("bulk: got %d with ETag %q, want 200 with an ETag", first.StatusCode, etag)
	}
	if again := bulk(etag); again.StatusCode != http.StatusNotModified {
		t.Errorf("bulk with If-None-Match: got %d, want 304", again.StatusCode)
	}
	if _, err := f.app.Store.FlipSwitch(sys(), "credit-risk", lodestar.SwitchOff, "", "bias found"); err != nil {
		t.Fatal(err)
	}
	if after := bulk(etag); after.StatusCode != 200 || after.Header.Get("ETag") == etag {
		t.Errorf("bulk after a flip: got %d with ETag %q, want 200 with a new ETag", after.StatusCode, after.Header.Get("ETag"))
	}
}

// TestSwitchStreamManySubscribers flips a switch many times with many
// streams open: every stream gets every flip, once, in order, with IDs
// one apart.
func TestSwitchStreamManySubscribers(t *testing.T) {
	f := start(t, fixtureOpts{})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	uc := f.useCase("Credit scoring")
	if _, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit-risk", Name: "Credit"}); err != nil {
		t.Fatal(err)
	}
	_, tok := f.token(risk)

	const streams, flips = 40, 20
	var readers []*bufio.Reader
	for range streams {
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/switches/stream", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		br := bufio.NewReader(resp.Body)
		if ev := readEvent(t, br); ev.name != "snapshot" || ev.id != "1" {
			t.Fatalf("first event: %+v, want the snapshot at id 1", ev)
		}
		readers = append(readers, br)
	}
	states := []string{"off", "on"}
	for i := range flips {
		if r := f.api("PUT", "/api/v1/switches/credit-risk", tok, `{"state":"`+states[i%2]+`","reason":"flip `+strconv.Itoa(i)+`"}`); r.StatusCode != 200 {
			t.Fatalf("flip %d: got %d %s", i, r.StatusCode, r.body)
		}
	}
	for n, br := range readers {
		for i := range flips {
			ev := readEvent(t, br)
			var sw lodestar.Switch
			if ev.name != "switch" || ev.id != strconv.Itoa(i+2) || json.Unmarshal([]byte(ev.data), &sw) != nil ||
				sw.State != states[i%2] || sw.Version != int64(i+2) || sw.Reason != "flip "+strconv.Itoa(i) {
				t.Fatalf("stream %d, flip %d: got %+v, want %s at version %d, id %d", n, i, ev, states[i%2], i+2, i+2)
			}
		}
	}
}
