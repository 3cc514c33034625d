package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/sdk"
)

// TestNewModelReachesSwitchStreams: a model created through the API or
// the web while a client follows the switch stream reaches the client
// with its switch, on. A fail-closed client answered off for it (an
// unknown key) until its stream happened to reconnect.
func TestNewModelReachesSwitchStreams(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	uc := f.useCase("Credit scoring")
	if _, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit-risk", Name: "Credit"}); err != nil {
		t.Fatal(err)
	}
	_, tok := f.token(admin)
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: f.srv.URL, Token: tok, FailClosed: true})
	defer sw.Close()
	select {
	case <-sw.Ready():
	case <-time.After(5 * time.Second):
		t.Fatal("no snapshot within 5 s")
	}

	r := f.api("POST", "/api/v1/models", tok, fmt.Sprintf(`{"use_case_id":%d,"key":"by-api","name":"By API"}`, uc.ID))
	if r.StatusCode != 201 {
		t.Fatalf("create by API: got %d %s", r.StatusCode, r.body)
	}
	c, csrf, _ := f.signIn(admin, time.Hour)
	r = f.postForm(c, "/models", url.Values{"csrf_token": {csrf}, "use_case_id": {strconv.FormatInt(uc.ID, 10)}, "key": {"by-web"}, "name": {"By web"}})
	if r.StatusCode != 303 {
		t.Fatalf("create on the web: got %d %s", r.StatusCode, r.body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for (sw.State("by-api") != sdk.On || sw.State("by-web") != sdk.On) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if sw.State("by-api") != sdk.On || sw.State("by-web") != sdk.On || sw.Connections() != 1 {
		t.Errorf("new models on one stream: by-api %s, by-web %s, %d streams; want both on through the first stream",
			sw.State("by-api"), sw.State("by-web"), sw.Connections())
	}
}

// TestNewModelReachesOtherReplicas: a model created on replica A (here
// through the store, as the CLI does) reaches a stream open on replica B.
// Skipped without LODESTAR_TEST_POSTGRES.
func TestNewModelReachesOtherReplicas(t *testing.T) {
	r := startReplicas(t)
	go r.b.FollowSwitches(r.ctx)
	br := r.streamOnB(t)
	time.Sleep(200 * time.Millisecond) // B's LISTEN is up well before the model
	uc, err := r.a.Store.CreateUseCase(sys(), lodestar.NewUseCase{Title: "Fraud"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.a.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "fraud", Name: "Fraud"}); err != nil {
		t.Fatal(err)
	}
	got := sseEvents(br, 4)
	select {
	case ev := <-got:
		if ev.name != "switch" || !strings.Contains(ev.data, `"key":"fraud"`) || !strings.Contains(ev.data, `"state":"on"`) {
			t.Errorf("on B: got %+v, want fraud's switch, on", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the model created on A never reached B's stream")
	}
}
