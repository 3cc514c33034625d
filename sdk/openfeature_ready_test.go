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

// After SetProviderAndWait (the first connection is slow), the provider
// is READY and a switch that is off reads false — it reported READY at
// once and answered the caller's default, true, with PROVIDER_NOT_READY;
// a provider that cannot get a snapshot in time fails its initialisation
// (ERROR) instead.
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
	client := api.NewClient()
	d, err := client.BooleanValueDetails(ctx, "credit-risk", true, openfeature.EvaluationContext{})
	if client.State() != openfeature.ReadyState || err != nil || d.ErrorCode != "" || d.Value {
		t.Errorf("credit-risk after init: state %s, value %v (%v, %s); want READY and false: the switch is off", client.State(), d.Value, err, d.ErrorCode)
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
