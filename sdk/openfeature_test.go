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
