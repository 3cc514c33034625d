package sdk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/lodestar-hq/lodestar/sdk"
)

// TestOpenFeatureStatusFollowsTheStream: the provider's OpenFeature
// status follows the switch client. A provider whose initialisation
// failed (the server was down) becomes READY once a snapshot arrives —
// it stayed in ERROR for good, though it answered; a lost stream makes it
// STALE, its answers CACHED (the last known state), until a new snapshot
// makes it READY again; a flip is a PROVIDER_CONFIGURATION_CHANGED naming
// the switch.
func TestOpenFeatureStatusFollowsTheStream(t *testing.T) {
	a, real, tok, flip := serverApp(t)
	var up atomic.Bool
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		real.Config.Handler.ServeHTTP(w, r)
	}))
	defer front.Close()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: front.URL, Token: tok, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	defer sw.Close()
	ctx := context.Background()
	api := isolated.NewAPI()
	defer func() { _ = api.Shutdown(ctx) }()
	changed := make(chan []string, 16)
	onChange := func(d openfeature.EventDetails) { changed <- d.FlagChanges }
	api.AddHandler(openfeature.ProviderConfigChange, &onChange)
	client := api.NewClient()
	waitState := func(what string, want openfeature.State) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for client.State() != want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := client.State(); got != want {
			t.Fatalf("%s: provider %s, want %s", what, got, want)
		}
	}
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := api.SetProviderAndWait(short, sw.Provider()); err == nil {
		t.Fatal("server down: the provider initialised")
	}
	waitState("server down", openfeature.ErrorState)

	up.Store(true)
	waitState("once the server is up", openfeature.ReadyState)
	if d, err := client.BooleanValueDetails(ctx, "credit-risk", false, openfeature.EvaluationContext{}); err != nil || !d.Value || d.Reason != openfeature.StaticReason {
		t.Errorf("while following: %+v, %v; want true, STATIC", d, err)
	}

	flip("off", "")
	select {
	case keys := <-changed:
		if !slices.Equal(keys, []string{"credit-risk"}) {
			t.Errorf("configuration changed: flags %v, want [credit-risk]", keys)
		}
	case <-time.After(5 * time.Second):
		t.Error("no PROVIDER_CONFIGURATION_CHANGED for the flip")
	}

	up.Store(false)
	front.CloseClientConnections()
	a.API.Hub.Close() // a stream's connection is the hub's (see TestSwitchesFollowTheServer)
	waitState("after the stream was lost", openfeature.StaleState)
	if d, err := client.BooleanValueDetails(ctx, "credit-risk", true, openfeature.EvaluationContext{}); err != nil || d.Value || d.Reason != openfeature.CachedReason {
		t.Errorf("while the stream is lost: %+v, %v; want false (the last known state), CACHED", d, err)
	}
	up.Store(true)
	waitState("after reconnecting", openfeature.ReadyState)
}
