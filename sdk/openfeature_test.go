package sdk_test

import (
	"context"
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
	if _, err := client.FloatValue(ctx, "credit-risk", 1, ec); err == nil {
		t.Errorf("float: got no error, want a type mismatch")
	}
}
