package sdk_test

import (
	"context"
	"strings"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"

	"github.com/lodestar-hq/lodestar/sdk"
)

// A Switches not made by NewSwitches (a nil one, or a struct field left
// zero) panicked on State, Fallback, Err and Close, and its OpenFeature
// provider on initialisation. It answers the default (On), says why in
// Err, closes as a no-op, and the provider fails to initialise, saying
// why, its evaluations answering the caller's defaults.
func TestSwitchesNotMadeByNewSwitches(t *testing.T) {
	var zero sdk.Switches
	for name, sw := range map[string]*sdk.Switches{"nil": nil, "zero": &zero} {
		if s := sw.State("credit-risk"); s != sdk.On || !sw.Enabled("credit-risk") || sw.Fallback("credit-risk") != "" {
			t.Errorf("%s client: state %s, want the default, on", name, s)
		}
		if err := sw.Err(); err == nil || !strings.Contains(err.Error(), "NewSwitches") {
			t.Errorf("%s client: Err %v, want it to name NewSwitches", name, err)
		}
		select {
		case <-sw.Ready():
			t.Errorf("%s client: ready", name)
		default:
		}
		if n := sw.Connections(); n != 0 {
			t.Errorf("%s client: %d connections", name, n)
		}
		sw.Close()
		sw.Close()
		if err := initResult(t, sw); err == nil || !strings.Contains(err.Error(), "NewSwitches") {
			t.Errorf("%s client: OpenFeature init %v, want it to name NewSwitches", name, err)
		}
		d := sw.Provider().BooleanEvaluation(context.Background(), "credit-risk", true, nil)
		if !d.Value || !strings.HasPrefix(d.ResolutionError.Error(), string(openfeature.ProviderNotReadyCode)) {
			t.Errorf("%s client: evaluation %v (%v), want the caller's default with PROVIDER_NOT_READY", name, d.Value, d.ResolutionError)
		}
		if ch := sw.Provider().(openfeature.EventHandler).EventChannel(); ch != nil {
			t.Errorf("%s client: an event channel, want none", name)
		}
		sw.Provider().(openfeature.StateHandler).Shutdown()
	}
}

// A client without a token (an unset variable) can never follow the
// server, whose 401 says only 'Authorization must be "Bearer <token>"':
// the client says the token is missing, from the start and in the
// OpenFeature initialisation, and makes no request.
func TestSwitchesWithoutAToken(t *testing.T) {
	srv, _, _ := server(t)
	for _, tok := range []string{"", " \n"} {
		sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: tok, FailClosed: true})
		if err := sw.Err(); err == nil || !strings.Contains(err.Error(), "no token") {
			t.Errorf("token %q: Err %v, want the missing token said", tok, err)
		}
		if err := initResult(t, sw); err == nil || !strings.Contains(err.Error(), "no token") {
			t.Errorf("token %q: OpenFeature init %v, want the missing token said", tok, err)
		}
		if sw.State("credit-risk") != sdk.Off || sw.Connections() != 0 {
			t.Errorf("token %q: state %s after %d streams, want the fail-closed default and none", tok, sw.State("credit-risk"), sw.Connections())
		}
		sw.Close()
		sw.Close()
	}
}

// A client whose context has already ended follows nothing: Err and the
// OpenFeature initialisation say so at once (it said the client was
// closed, though no one had closed it).
func TestSwitchesWithAnEndedContext(t *testing.T) {
	srv, tok, _ := server(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sw := sdk.NewSwitches(ctx, sdk.Options{URL: srv.URL, Token: tok})
	defer sw.Close()
	waitFor(t, "the stop to be told", func() bool { return sw.Err() != nil })
	err := initResult(t, sw)
	if err == nil || !strings.Contains(err.Error(), "context ended") || strings.Contains(err.Error(), "is closed") {
		t.Errorf("OpenFeature init: %v, want the context's end said", err)
	}
	if sw.Connections() != 0 || sw.State("credit-risk") != sdk.On {
		t.Errorf("%d streams, state %s; want none and the default", sw.Connections(), sw.State("credit-risk"))
	}
}
