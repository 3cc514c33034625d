package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/lodestar-hq/lodestar/sdk"
)

// TestSDKSwitchesSurviveKill: the SDK's switch client follows a real
// server, on SQLite and on PostgreSQL, that is killed with SIGKILL
// mid-stream and restarted on the same address, three times. A flip made
// with the CLI while the server is down reaches the client once the
// server is back, and exactly once (one OpenFeature configuration change
// naming the switch); a flip made while it is up reaches it too. The
// client never shows a state older than one it has shown: every flip
// goes to fallback with a fallback named after its order, and a watcher
// reading the client all along never sees that order go back.
// (Goroutines are counted by the sdk package's tests: process-wide, they
// cannot be told apart among parallel tests here.)
func TestSDKSwitchesSurviveKill(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, sdkSwitchesKill)
}

func sdkSwitchesKill(t *testing.T, db []string) {
	addr := freeAddr(t)
	start := func() *server {
		// The later --addr wins: the same address on every restart, as a
		// service's configuration has it.
		s := startServer(t, serverOpts{dbArgs: db, env: withAdmin(), args: []string{"--addr", addr}})
		if s.URL != "http://"+addr {
			t.Fatalf("server serves on %s, want http://%s", s.URL, addr)
		}
		return s
	}
	srv := start()
	srv.waitStdout(t, regexp.MustCompile(`(?m)^Sign in as `))
	must := func(args ...string) result { return mustRun(t, append(args, db...)...) }
	admin := lastLine(must("token", "create", "--user", adminEmail, "--name", "setup").stdout)
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/use-cases", strings.NewReader(`{"title":"Credit scoring"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+admin)
	code, body := do(t, http.DefaultClient, req)
	var uc struct{ ID int64 }
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &uc) != nil {
		t.Fatalf("create a use case: %d %s", code, body)
	}
	must("model", "add", "--use-case", fmt.Sprint(uc.ID), "--key", "credit-risk", "--name", "Credit risk")
	must("user", "add", "--email", "risk@example.com", "--role", "risk_officer", "--password", adminPassword)
	token := lastLine(must("token", "create", "--user", "risk@example.com", "--name", "svc", "--scope", "read").stdout)
	flip := func(n int) {
		must("switch", "flip", "credit-risk", "--state", "fallback", "--fallback", fmt.Sprintf("fb-%d", n),
			"--reason", "chaos", "--as", "risk@example.com")
	}
	// The order of the flip the client shows: fb-N is N, on (none yet) 0.
	order := func(sw *sdk.Switches) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(sw.Fallback("credit-risk"), "fb-"))
		return n
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sw := sdk.NewSwitches(ctx, sdk.Options{URL: srv.URL, Token: token, MinBackoff: 20 * time.Millisecond,
		MaxBackoff: 200 * time.Millisecond, IdleTimeout: 5 * time.Second})
	// The provider's configuration changes naming the switch.
	var changes atomic.Int64
	of := isolated.NewAPI()
	onChange := func(d openfeature.EventDetails) {
		if slices.Contains(d.FlagChanges, "credit-risk") {
			changes.Add(1)
		}
	}
	of.AddHandler(openfeature.ProviderConfigChange, &onChange)
	initCtx, initCancel := context.WithTimeout(ctx, 30*time.Second)
	defer initCancel()
	if err := of.SetProviderAndWait(initCtx, sw.Provider()); err != nil {
		t.Fatalf("the provider did not start: %v", err)
	}
	// The watcher: the order shown must never go back.
	var (
		mu       sync.Mutex
		backward []string
		stop     = make(chan struct{})
		watching sync.WaitGroup
	)
	watching.Add(1)
	go func() {
		defer watching.Done()
		last := 0
		for {
			select {
			case <-stop:
				return
			default:
			}
			if n := order(sw); n < last {
				mu.Lock()
				backward = append(backward, fmt.Sprintf("fb-%d after fb-%d", n, last))
				mu.Unlock()
			} else {
				last = n
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	waitShows := func(n int, what string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for order(sw) != n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the client shows fb-%d, want fb-%d (Err: %v)", what, order(sw), n, sw.Err())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	n := 0
	for round := 1; round <= 3; round++ {
		n++
		flip(n) // up: the server finds it by polling the database
		waitShows(n, fmt.Sprintf("round %d, a flip while up", round))
		// The provider's events are delivered on a goroutine: let the
		// change of the flip above be counted before counting afresh.
		time.Sleep(100 * time.Millisecond)
		srv.kill(t)
		deadline := time.Now().Add(10 * time.Second)
		for sw.Err() == nil {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the client did not notice the server killed", round)
			}
			time.Sleep(5 * time.Millisecond)
		}
		conns := sw.Connections()
		had := changes.Load()
		n++
		flip(n) // down: only the database has it
		if got := order(sw); got != n-1 {
			t.Fatalf("round %d: with the server down the client shows fb-%d, want the last known fb-%d", round, got, n-1)
		}
		srv = start()
		waitShows(n, fmt.Sprintf("round %d, a flip while down, after the restart", round))
		if sw.Connections() <= conns {
			t.Errorf("round %d: the client shows the flip without a new stream", round)
		}
		time.Sleep(200 * time.Millisecond) // a second change, if any, is delivered
		if got := changes.Load() - had; got != 1 {
			t.Errorf("round %d: the flip made while down was announced %d times, want once", round, got)
		}
	}
	close(stop)
	watching.Wait()
	if len(backward) > 0 {
		t.Errorf("the client went back to an older state: %v", backward)
	}
	_ = of.Shutdown(context.Background())
	sw.Close()
}

// TestSDKReporterSurvivesKill: the SDK's reporter sends events at 100 a
// second to a real server, on SQLite and on PostgreSQL, killed with
// SIGKILL mid-run and restarted 3 s later on the same address; every
// event is stored exactly once, as the API counts them (the model
// registers no version, so GET /api/v1/models/{id}/unregistered-versions
// counts them all), none failed.
func TestSDKReporterSurvivesKill(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, sdkReporterKill)
}

func sdkReporterKill(t *testing.T, db []string) {
	addr := freeAddr(t)
	start := func() *server {
		return startServer(t, serverOpts{dbArgs: db, env: withAdmin(), args: []string{"--addr", addr}})
	}
	srv := start()
	srv.waitStdout(t, regexp.MustCompile(`(?m)^Sign in as `))
	must := func(args ...string) result { return mustRun(t, append(args, db...)...) }
	token := lastLine(must("token", "create", "--user", adminEmail, "--name", "svc", "--scope", "read,write,ingest").stdout)
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/use-cases", strings.NewReader(`{"title":"Credit scoring"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	code, body := do(t, http.DefaultClient, req)
	var uc struct{ ID int64 }
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &uc) != nil {
		t.Fatalf("create a use case: %d %s", code, body)
	}
	must("model", "add", "--use-case", fmt.Sprint(uc.ID), "--key", "credit-risk", "--name", "Credit risk")

	rep := sdk.NewReporter(srv.URL, token, "credit-risk")
	const total, killAt = 1500, 500
	tick := time.NewTicker(10 * time.Millisecond) // 100 a second
	defer tick.Stop()
	restarted := make(chan *server, 1)
	for i := range total {
		<-tick.C
		if err := rep.Report(sdk.Event{Version: "kill", Prediction: sdk.Number(float64(i%100) / 100),
			Features: map[string]any{"age": i % 90}}); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if i == killAt {
			srv.kill(t)
			go func() {
				time.Sleep(3 * time.Second)
				restarted <- start()
			}()
		}
	}
	srv = <-restarted
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := rep.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st := rep.Stats()
	t.Logf("through SIGKILL and restart: %+v", st)
	if st.Sent+st.Duplicates != total || st.Failed != 0 || st.Dropped != 0 || st.Rejected != 0 {
		t.Errorf("stats %+v: want all %d events delivered, none failed, dropped or rejected", st, total)
	}
	var sw struct {
		ModelID int64 `json:"model_id"`
	}
	if code, body := get(t, http.DefaultClient, srv.URL+"/api/v1/switches/credit-risk", "Authorization", "Bearer "+token); code != http.StatusOK || json.Unmarshal([]byte(body), &sw) != nil {
		t.Fatalf("the model's switch: %d %s", code, body)
	}
	code, body = get(t, http.DefaultClient, fmt.Sprintf("%s/api/v1/models/%d/unregistered-versions", srv.URL, sw.ModelID), "Authorization", "Bearer "+token)
	var page struct {
		Data []struct {
			Version string `json:"version"`
			Events  int64  `json:"events"`
		} `json:"data"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &page) != nil || len(page.Data) != 1 || page.Data[0].Version != "kill" {
		t.Fatalf("unregistered versions: %d %s", code, body)
	}
	if n := page.Data[0].Events; n != total {
		t.Errorf("the server holds %d events, want each of the %d once", n, total)
	}
}
