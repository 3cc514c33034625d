package sdk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
	"github.com/open-feature/go-sdk/openfeature/isolated"

	"github.com/lodestar-hq/lodestar/sdk"
)

// SetProviderAndWait returns at once and the client reports READY, yet
// the provider answers PROVIDER_NOT_READY (the caller's default) until
// the first snapshot: the provider has no Init, so OpenFeature cannot
// wait for it. A fail-closed service that waits for readiness through the
// OpenFeature API serves the model although its switch is off.
func TestOpenFeatureReadyAfterSnapshot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond) // a slow first connection
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: snapshot\ndata: [{\"key\":\"credit-risk\",\"state\":\"off\",\"version\":1}]\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "t", FailClosed: true})
	defer sw.Close()
	ctx := context.Background()
	api := isolated.NewAPI()
	defer func() { _ = api.Shutdown(ctx) }()
	if err := api.SetProviderAndWait(ctx, sw.Provider()); err != nil {
		t.Fatal(err)
	}
	client := api.NewClient()
	d, err := client.BooleanValueDetails(ctx, "credit-risk", true, openfeature.EvaluationContext{})
	if client.State() == openfeature.ReadyState && d.ErrorCode == openfeature.ProviderNotReadyCode {
		t.Fatalf("client state READY after SetProviderAndWait, but evaluation says %s (%v): value %v served for a switch that is off",
			d.ErrorCode, err, d.Value)
	}
}

// After SetProviderAndWait, a switch that is off reads false; a provider
// that cannot get a snapshot in time fails its initialisation (ERROR),
// instead of reporting READY while answering only defaults.
func TestOpenFeatureInit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: snapshot\ndata: [{\"key\":\"credit-risk\",\"state\":\"off\",\"version\":1}]\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "t", FailClosed: true})
	defer sw.Close()
	ctx := context.Background()
	api := isolated.NewAPI()
	defer func() { _ = api.Shutdown(ctx) }()
	if err := api.SetProviderAndWait(ctx, sw.Provider()); err != nil {
		t.Fatal(err)
	}
	d, err := api.NewClient().BooleanValueDetails(ctx, "credit-risk", true, openfeature.EvaluationContext{})
	if err != nil || d.Value {
		t.Errorf("credit-risk after init: %v (%v), want false: the switch is off", d.Value, err)
	}

	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer dead.Close()
	sw2 := sdk.NewSwitches(context.Background(), sdk.Options{URL: dead.URL, Token: "t"})
	defer sw2.Close()
	api2 := isolated.NewAPI()
	defer func() { _ = api2.Shutdown(ctx) }()
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := api2.SetProviderAndWait(short, sw2.Provider()); err == nil {
		t.Error("no snapshot within the deadline, yet the provider initialised")
	}
}
