package app_test

import (
	"bufio"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/sdk"
)

// otherProcess opens the fixture's SQLite database a second time, as
// 'lodestar switch flip' does from a shell while the server runs: what
// it commits is announced to the server by nothing but the database.
func (f *fixture) otherProcess() *store.Store {
	f.t.Helper()
	db, err := sqldb.Open(context.Background(), filepath.Dir(f.app.DB.Where), "")
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	return store.New(db)
}

// stream opens a switch stream with the token and reads its snapshot.
func (f *fixture) stream(ctx context.Context, secret string) <-chan sseEvent {
	f.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL+"/api/v1/switches/stream", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { resp.Body.Close() })
	br := bufio.NewReader(resp.Body)
	if ev := readEvent(f.t, br); ev.name != "snapshot" {
		f.t.Fatalf("first event: %+v, want the snapshot", ev)
	}
	return sseEvents(br, 8)
}

func nextEvent(t *testing.T, got <-chan sseEvent, what string) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-got:
		if !ok {
			t.Fatalf("%s: the stream ended", what)
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing on the stream within 10 s", what)
	}
	return sseEvent{}
}

// TestSwitchFlipByAnotherProcessOnSQLite: a server on SQLite learns of a
// flip committed by another process on its database (the CLI) by polling
// the switches' stamp, and tells its streams and SDK clients, each flip
// once — flips made through the server itself too, which both the server
// and its poll publish.
func TestSwitchFlipByAnotherProcessOnSQLite(t *testing.T) {
	f := start(t, fixtureOpts{options: app.Options{SwitchPoll: 10 * time.Millisecond}})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	uc := f.useCase("Credit scoring")
	if _, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit-risk", Name: "Credit"}); err != nil {
		t.Fatal(err)
	}
	_, secret := f.token(risk)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := f.stream(ctx, secret)
	cli := f.otherProcess()
	asRisk := lodestar.WithActor(context.Background(), lodestar.Actor{ID: risk.ID, Label: risk.Email, Role: risk.Role})

	// A flip made before the server follows the database reaches the
	// streams already open when it starts.
	if _, err := cli.FlipSwitch(asRisk, "credit-risk", lodestar.SwitchOff, "", "drift alert under review"); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { f.app.FollowSwitches(ctx); close(done) }()
	if ev := nextEvent(t, got, "flip made before following"); ev.name != "switch" || ev.id != "2" || !strings.Contains(ev.data, `"state":"off"`) || !strings.Contains(ev.data, `"changed_by":"risk@example.com"`) {
		t.Errorf("flip made before following: got %+v, want the switch off at id 2", ev)
	}

	sw := sdk.NewSwitches(ctx, sdk.Options{URL: f.srv.URL, Token: secret, FailClosed: true})
	defer sw.Close()
	select {
	case <-sw.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("SDK: no snapshot within 10 s")
	}
	if sw.State("credit-risk") != sdk.Off {
		t.Fatalf("SDK after its snapshot: %s, want off", sw.State("credit-risk"))
	}

	// A flip made through the server goes out once, though the poll sees
	// it too.
	r := f.api("PUT", "/api/v1/switches/credit-risk", secret, `{"state":"fallback","fallback":"rules-v3","reason":"rules while retraining"}`)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("flip through the API: %d %s", r.StatusCode, r.body)
	}
	if ev := nextEvent(t, got, "flip through the API"); ev.name != "switch" || ev.id != "3" || !strings.Contains(ev.data, `"state":"fallback"`) {
		t.Errorf("flip through the API: got %+v, want the switch at fallback at id 3", ev)
	}

	// A flip by the other process while the server follows, and a model
	// it registers: both reach the stream, each once, in order, and the
	// SDK.
	if _, err := cli.FlipSwitch(asRisk, "credit-risk", lodestar.SwitchOn, "", "retrained and checked"); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, got, "flip by the other process"); ev.name != "switch" || ev.id != "4" || !strings.Contains(ev.data, `"state":"on"`) {
		t.Errorf("flip by the other process: got %+v, want the switch on at id 4", ev)
	}
	if _, err := cli.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "fraud", Name: "Fraud"}); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, got, "model registered by the other process"); ev.name != "switch" || ev.id != "5" || !strings.Contains(ev.data, `"key":"fraud"`) {
		t.Errorf("model registered by the other process: got %+v, want its switch at id 5", ev)
	}
	deadline := time.Now().Add(10 * time.Second)
	for (sw.State("credit-risk") != sdk.On || sw.State("fraud") != sdk.On) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if sw.State("credit-risk") != sdk.On || sw.State("fraud") != sdk.On {
		t.Errorf("SDK: credit-risk %s, fraud %s; want both on", sw.State("credit-risk"), sw.State("fraud"))
	}

	// Nothing else arrives (no flip sent twice) before the poller stops
	// with its context.
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("FollowSwitches did not return when its context ended")
	}
	for ev := range got {
		if ev.name != "comment" {
			t.Errorf("after the last flip: got %+v, want nothing more", ev)
		}
	}
}
