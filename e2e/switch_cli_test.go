package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSwitchFlipFromCLI: an on-call engineer flips a switch from a shell
// with 'lodestar switch flip' on the running server's database; a client
// following the server's switch stream sees the flip, and OFREP says who
// flipped it, why, and that it was from the shell (via cli). On SQLite
// the server finds the flip by polling (the CLI is another process), on
// PostgreSQL through its notification. A flip by a user whose role may
// not flip is refused and reaches no one.
func TestSwitchFlipFromCLI(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, switchFlipFromCLI)
}

func switchFlipFromCLI(t *testing.T, db []string) {
	srv := startServer(t, serverOpts{dbArgs: db, env: withAdmin()})
	srv.waitStdout(t, regexp.MustCompile(`(?m)^Sign in as `))
	cli := func(args ...string) result { return lodestar(t, append(args, db...)...) }
	must := func(args ...string) result { return mustRun(t, append(args, db...)...) }

	token := lastLine(must("token", "create", "--user", adminEmail, "--name", "on-call").stdout)
	bearer := "Bearer " + token
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/use-cases", strings.NewReader(`{"title":"Credit scoring"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", bearer)
	code, body := do(t, http.DefaultClient, req)
	var uc struct{ ID int64 }
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &uc) != nil {
		t.Fatalf("create a use case: %d %s", code, body)
	}
	must("model", "add", "--use-case", fmt.Sprint(uc.ID), "--key", "credit-risk", "--name", "Credit risk")
	must("user", "add", "--email", "risk@example.com", "--role", "risk_officer", "--password", adminPassword)
	must("user", "add", "--email", "ml@example.com", "--role", "ai_team", "--password", adminPassword)

	// A client following the stream, as the SDK does.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sreq, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/switches/stream", nil)
	sreq.Header.Set("Authorization", bearer)
	resp, err := http.DefaultClient.Do(sreq)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("open the switch stream: %v %v", resp, err)
	}
	defer resp.Body.Close()
	events := make(chan [2]string, 8) // event name, data
	go func() {
		defer close(events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var name string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				events <- [2]string{name, strings.TrimPrefix(line, "data: ")}
			}
		}
	}()
	next := func(what string) [2]string {
		t.Helper()
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatalf("%s: the stream ended", what)
			}
			return ev
		case <-time.After(15 * time.Second):
			t.Fatalf("%s: nothing on the stream within 15 s", what)
		}
		return [2]string{}
	}
	if ev := next("snapshot"); ev[0] != "snapshot" || !strings.Contains(ev[1], `"key":"credit-risk"`) {
		t.Fatalf("first event: %v, want the snapshot with credit-risk", ev)
	}

	// Refused: the AI team may not flip; nothing is flipped.
	if r := cli("switch", "flip", "credit-risk", "--state", "off", "--reason", "drift", "--as", "ml@example.com"); r.code != 1 || !strings.Contains(r.stderr, "may flip a switch") {
		t.Errorf("flip as the AI team: want exit 1 saying who may flip\n%s", r)
	}

	flipped := time.Now()
	r := must("switch", "flip", "credit-risk", "--state", "off", "--reason", "Drift alert under review", "--as", "risk@example.com", "--version", "1")
	if !strings.Contains(r.stdout, "flipped credit-risk from on to off (version 2, as risk@example.com)") {
		t.Errorf("switch flip: unexpected output\n%s", r)
	}
	ev := next("the CLI's flip")
	if ev[0] != "switch" || !strings.Contains(ev[1], `"state":"off"`) || !strings.Contains(ev[1], `"version":2`) || !strings.Contains(ev[1], `"changed_by":"risk@example.com"`) || !strings.Contains(ev[1], `"via":"cli"`) {
		t.Errorf("after the CLI's flip, the stream sent %v; want the switch off at version 2 by risk@example.com (the refused flip sends nothing)", ev)
	}
	t.Logf("the CLI's flip reached the stream %s after the command started", time.Since(flipped).Round(time.Millisecond))

	// OFREP says why, by whom and when.
	oreq, _ := http.NewRequest("POST", srv.URL+"/ofrep/v1/evaluate/flags/credit-risk", strings.NewReader(`{"context":{}}`))
	oreq.Header.Set("Content-Type", "application/json")
	oreq.Header.Set("Authorization", bearer)
	code, body = do(t, http.DefaultClient, oreq)
	var flag struct {
		Value    string         `json:"value"`
		Metadata map[string]any `json:"metadata"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &flag) != nil || flag.Value != "off" ||
		flag.Metadata["reason"] != "Drift alert under review" || flag.Metadata["changed_by"] != "risk@example.com" || flag.Metadata["via"] != "cli" || flag.Metadata["changed_at"] == nil {
		t.Errorf("OFREP after the CLI's flip: %d %s", code, body)
	}

	// The CLI reads what the server serves, and a stale --version is refused.
	if r := must("switch", "show", "credit-risk", "--format", "json"); !strings.Contains(r.stdout, `"state": "off"`) {
		t.Errorf("switch show: %s", r)
	}
	if r := cli("switch", "flip", "credit-risk", "--state", "on", "--reason", "back", "--as", "risk@example.com", "--version", "1"); r.code != 1 || !strings.Contains(r.stderr, "at version 2 now, not 1") {
		t.Errorf("flip on a stale version: want exit 1\n%s", r)
	}
	if r := must("audit", "verify"); !strings.Contains(r.stdout, "intact") {
		t.Errorf("audit verify: %s", r)
	}
}
