package sdk_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/lodestar-hq/lodestar/sdk"
)

// TestOpenFeatureProvider reads a switch through the OpenFeature API, as
// code written against OpenFeature would.
func TestOpenFeatureProvider(t *testing.T) {
	srv, tok, flip := server(t)
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: tok})
	defer sw.Close()
	<-sw.Ready()
	ctx := context.Background()
	api := isolated.NewAPI()
	defer func() { _ = api.Shutdown(ctx) }()
	if err := api.SetProviderAndWait(ctx, sw.Provider()); err != nil {
		t.Fatal(err)
	}
	client := api.NewClient()
	ec := openfeature.NewEvaluationContext("user-1", nil)

	if on, err := client.BooleanValue(ctx, "credit-risk", false, ec); err != nil || !on {
		t.Errorf("boolean while on: got %v, %v; want true", on, err)
	}
	flip("fallback", "rules-v3")
	waitFor(t, "the fallback", func() bool { return sw.State("credit-risk") == sdk.Fallback })
	d, err := client.StringValueDetails(ctx, "credit-risk", "on", ec)
	if err != nil || d.Value != "fallback" || d.Variant != "fallback" || d.Reason != openfeature.StaticReason {
		t.Errorf("string at fallback: got %+v, %v", d, err)
	}
	if on, _ := client.BooleanValue(ctx, "credit-risk", true, ec); on {
		t.Errorf("boolean at fallback: got true, want false")
	}
	if v, err := client.BooleanValue(ctx, "no-such-model", true, ec); err == nil || !v {
		t.Errorf("unknown flag: got %v, %v; want the default with an error", v, err)
	}
	// Asked as a number: a switch that is there is a TYPE_MISMATCH; one
	// that is not, FLAG_NOT_FOUND, as for every other type (it said
	// TYPE_MISMATCH, sending the caller after the wrong mistake).
	for _, tc := range []struct {
		flag string
		code openfeature.ErrorCode
	}{{"credit-risk", openfeature.TypeMismatchCode}, {"no-such-model", openfeature.FlagNotFoundCode}} {
		f, err := client.FloatValueDetails(ctx, tc.flag, 1.5, ec)
		if err == nil || f.Value != 1.5 || f.ErrorCode != tc.code || f.Reason != openfeature.ErrorReason {
			t.Errorf("float %s: got %+v, %v; want the default with %s", tc.flag, f, err, tc.code)
		}
		i, err := client.IntValueDetails(ctx, tc.flag, 7, ec)
		if err == nil || i.Value != 7 || i.ErrorCode != tc.code || i.Reason != openfeature.ErrorReason {
			t.Errorf("int %s: got %+v, %v; want the default with %s", tc.flag, i, err, tc.code)
		}
	}
}

// FailClosed does not reach OpenFeature's answers (documented on
// Provider): for a switch the provider does not know, and before the
// first snapshot, it answers the caller's default with the error code,
// as OpenFeature has it, while State answers Off. A fail-closed service
// passes false.
func TestOpenFeatureAnswersTheCallersDefault(t *testing.T) {
	ctx := context.Background()
	ec := openfeature.EvaluationContext{}

	// Before the first snapshot: a server that never answers.
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer dead.Close()
	waiting := sdk.NewSwitches(ctx, sdk.Options{URL: dead.URL, Token: "t", FailClosed: true})
	defer waiting.Close()
	api := isolated.NewAPI()
	defer func() { _ = api.Shutdown(ctx) }()
	if err := api.SetProvider(ctx, waiting.Provider()); err != nil {
		t.Fatal(err)
	}
	client := api.NewClient()
	if waiting.State("credit-risk") != sdk.Off {
		t.Errorf("State before the snapshot: %s, want off (FailClosed)", waiting.State("credit-risk"))
	}
	for _, def := range []bool{false, true} {
		d, err := client.BooleanValueDetails(ctx, "credit-risk", def, ec)
		if err == nil || d.Value != def || d.ErrorCode != openfeature.ProviderNotReadyCode {
			t.Errorf("before the snapshot, default %v: got %+v, %v; want the default with PROVIDER_NOT_READY", def, d, err)
		}
	}

	// A switch the server does not have.
	srv, tok, _ := server(t)
	sw := sdk.NewSwitches(ctx, sdk.Options{URL: srv.URL, Token: tok, FailClosed: true})
	defer sw.Close()
	api2 := isolated.NewAPI()
	defer func() { _ = api2.Shutdown(ctx) }()
	if err := api2.SetProviderAndWait(ctx, sw.Provider()); err != nil {
		t.Fatal(err)
	}
	client2 := api2.NewClient()
	if sw.State("credit-risc") != sdk.Off {
		t.Errorf("State of an unknown switch: %s, want off (FailClosed)", sw.State("credit-risc"))
	}
	for _, def := range []bool{false, true} {
		d, err := client2.BooleanValueDetails(ctx, "credit-risc", def, ec)
		if err == nil || d.Value != def || d.ErrorCode != openfeature.FlagNotFoundCode {
			t.Errorf("unknown switch, default %v: got %+v, %v; want the default with FLAG_NOT_FOUND", def, d, err)
		}
	}
	if on, err := client2.BooleanValue(ctx, "credit-risk", false, ec); err != nil || !on {
		t.Errorf("a known switch that is on, default false: got %v, %v; want true", on, err)
	}
}
