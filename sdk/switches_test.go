package sdk_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/sdk"
)

// testServer is the real app on SQLite with one model, credit-risk: a
// risk officer's token (scope write) that reads the switches, and an AI
// team member's (scopes read and ingest) that also reports events, as
// the README suggests for a service.
type testServer struct {
	app                     *app.App
	srv                     *httptest.Server
	readToken, serviceToken string
	// flip flips credit-risk's switch through the store and publishes it
	// to the streams, as the API's handler does.
	flip func(state, fallback string) error
	stop func()
}

// newTestServer starts a testServer; it needs no testing.TB, so that the
// examples run against the real API too.
func newTestServer(options ...app.Options) (_ *testServer, err error) {
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
	dir, err := os.MkdirTemp("", "lodestar-sdk-")
	if err != nil {
		return nil, err
	}
	var cleanup []func()
	stop := func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
		os.RemoveAll(dir)
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	db, err := sqldb.Open(ctx, dir, "")
	if err != nil {
		return nil, err
	}
	cleanup = append(cleanup, func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	var opt app.Options // the first of options, if any
	if len(options) > 0 {
		opt = options[0]
	}
	a, err := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), opt)
	if err != nil {
		return nil, err
	}
	uc, err := a.Store.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Credit"})
	if err != nil {
		return nil, err
	}
	if _, err := a.Store.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "credit-risk", Name: "Credit"}); err != nil {
		return nil, err
	}
	// Users inserted through the store hash a password.
	officer, err := a.Store.CreateUser(ctx, lodestar.NewUser{Email: "svc@example.com", Role: lodestar.RoleRiskOfficer, Password: "service-password-1"})
	if err != nil {
		return nil, err
	}
	_, readTok, err := a.Store.CreateToken(ctx, officer.Email, "svc", nil)
	if err != nil {
		return nil, err
	}
	team, err := a.Store.CreateUser(ctx, lodestar.NewUser{Email: "ml.lead@example.com", Role: lodestar.RoleAITeam, Password: "service-password-2"})
	if err != nil {
		return nil, err
	}
	_, serviceTok, err := a.Store.CreateToken(ctx, team.Email, "credit-svc", []string{lodestar.ScopeRead, lodestar.ScopeIngest})
	if err != nil {
		return nil, err
	}
	srv := httptest.NewServer(a.Handler)
	cleanup = append(cleanup, srv.Close)
	flip := func(state, fallback string) error {
		sw, err := a.Store.FlipSwitch(ctx, "credit-risk", state, fallback, "test")
		if err != nil {
			return err
		}
		a.API.Hub.Publish(sw)
		return nil
	}
	return &testServer{app: a, srv: srv, readToken: readTok, serviceToken: serviceTok, flip: flip, stop: stop}, nil
}

// server runs a testServer for t and returns its URL, the read token, and
// a function that flips the model's switch through the API.
func server(t testing.TB) (*httptest.Server, string, func(state, fallback string)) {
	t.Helper()
	_, srv, tok, flip := serverApp(t)
	return srv, tok, flip
}

// serverApp is server with its app.
func serverApp(t testing.TB) (*app.App, *httptest.Server, string, func(state, fallback string)) {
	t.Helper()
	ts, err := newTestServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.stop)
	flip := func(state, fallback string) {
		t.Helper()
		if err := ts.flip(state, fallback); err != nil {
			t.Fatal(err)
		}
	}
	return ts.app, ts.srv, ts.readToken, flip
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestSwitchesFollowTheServer(t *testing.T) {
	a, srv, tok, flip := serverApp(t)
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: tok, MinBackoff: 20 * time.Millisecond})
	defer sw.Close()
	select {
	case <-sw.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("no snapshot within 5 s")
	}
	if got := sw.State("credit-risk"); got != sdk.On {
		t.Errorf("after the snapshot: got %s, want on", got)
	}
	if got := sw.State("unknown"); got != sdk.On {
		t.Errorf("unknown key, failing open: got %s, want on", got)
	}
	start := time.Now()
	flip("off", "")
	waitFor(t, "the flip to off", func() bool { return sw.State("credit-risk") == sdk.Off })
	t.Logf("flip reached the client in %s", time.Since(start))
	flip("fallback", "rules-v3")
	waitFor(t, "the flip to fallback", func() bool { return sw.State("credit-risk") == sdk.Fallback })
	if got := sw.Fallback("credit-risk"); got != "rules-v3" {
		t.Errorf("fallback: got %q, want rules-v3", got)
	}

	// The server goes away: the last known state holds; a new server is
	// followed after reconnecting. (A stream's connection is the hub's,
	// not net/http's: the hub ends it, as on a server's shutdown.)
	srv.CloseClientConnections()
	a.API.Hub.Close()
	if got := sw.State("credit-risk"); got != sdk.Fallback {
		t.Errorf("after the connection dropped: got %s, want the last known fallback", got)
	}
	waitFor(t, "a reconnect", func() bool { return sw.Connections() >= 2 })
	flip("on", "")
	waitFor(t, "the flip back on after reconnecting", func() bool { return sw.State("credit-risk") == sdk.On })
}

func TestSwitchesFailClosedWithoutServer(t *testing.T) {
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: "http://127.0.0.1:1", Token: "x", FailClosed: true, MinBackoff: 10 * time.Millisecond})
	defer sw.Close()
	if got := sw.State("credit-risk"); got != sdk.Off {
		t.Errorf("unreachable server, failing closed: got %s, want off", got)
	}
	open := sdk.NewSwitches(context.Background(), sdk.Options{URL: "http://127.0.0.1:1", Token: "x", MinBackoff: 10 * time.Millisecond})
	defer open.Close()
	if got := open.State("credit-risk"); got != sdk.On {
		t.Errorf("unreachable server, failing open: got %s, want on", got)
	}
}

func TestSwitchesRefusedToken(t *testing.T) {
	srv, _, _ := server(t)
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "lst_wrong", FailClosed: true, MinBackoff: 10 * time.Millisecond})
	defer sw.Close()
	time.Sleep(100 * time.Millisecond)
	if sw.Connections() != 0 || sw.State("credit-risk") != sdk.Off {
		t.Errorf("with a refused token: got %d streams and state %s, want none and off", sw.Connections(), sw.State("credit-risk"))
	}
}

// BenchmarkState is the cost of asking a switch in a request path.
func BenchmarkState(b *testing.B) {
	srv, tok, _ := server(b)
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: tok})
	defer sw.Close()
	<-sw.Ready()
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0, ok := threadCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if sw.State("credit-risk") != sdk.On {
			b.Fatal("state changed")
		}
	}
	b.StopTimer()
	// Wall time per op is what a request pays, but on a shared machine it
	// includes the time other processes held the core; the thread's own
	// CPU time per op is the cost of State itself.
	if cpu1, ok2 := threadCPU(); ok && ok2 {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}
