package sdk_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/open-feature/go-sdk/openfeature"

	"github.com/lodestar-hq/lodestar/sdk"
)

// The examples run against the real API (the app on a temporary SQLite
// database, with one model, credit-risk). Their code is the README's SDK
// snippets, line for line: TestREADMESnippetsAreExamples checks it, so a
// snippet that stops compiling or drifts from the SDK fails the tests.

// exampleServer starts the real API for an example; lodestarURL stands for
// the README's "https://lodestar.example".
func exampleServer() (ts *testServer, lodestarURL, token string) {
	ts, err := newTestServer()
	if err != nil {
		panic(err)
	}
	return ts, ts.srv.URL, ts.serviceToken // scopes read and ingest
}

func ExampleNewSwitches() {
	ts, lodestarURL, token := exampleServer()
	defer ts.stop()
	ctx := context.Background()

	sw := sdk.NewSwitches(ctx, sdk.Options{URL: lodestarURL, Token: token}) // FailClosed: true to refuse when unsure
	defer sw.Close()
	select { // (the example waits for the first snapshot, so that it prints the server's state, not the default)
	case <-sw.Ready():
	case <-time.After(10 * time.Second):
		fmt.Println("no snapshot:", sw.Err())
		return
	}
	serve := func() {
		switch state, instead := sw.Lookup("credit-risk"); state {
		case sdk.Off: // do not call the model
			fmt.Println("off: the model is not called")
		case sdk.Fallback: // serve instead (a model's key: only while its own sw.State is sdk.On)
			fmt.Println("fallback: serving", instead)
		default: // call the model
			fmt.Println("on: calling the model")
		}
	}
	serve()

	// A person flips the switch; the stream brings it within milliseconds.
	if err := ts.flip("fallback", "bestsellers"); err != nil {
		fmt.Println(err)
		return
	}
	for deadline := time.Now().Add(10 * time.Second); sw.State("credit-risk") != sdk.Fallback && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	serve()
	// Output:
	// on: calling the model
	// fallback: serving bestsellers
}

func ExampleNewReporter() {
	ts, lodestarURL, token := exampleServer()
	defer ts.stop()
	elapsed := 12 * time.Millisecond // how long the model took

	// Options: WithBatchSize, WithFlushInterval, WithMaxQueued, WithRetry, WithHTTPClient, WithLogger, WithErrorHandler.
	rep := sdk.NewReporter(lodestarURL, token, "credit-risk") // token: scope ingest (or write)
	defer func() {                                            // sends what is queued; give it a deadline, or an unreachable server holds it through every retry
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rep.Close(ctx) // what the deadline cut off is counted in Stats().Failed
		st := rep.Stats()
		fmt.Printf("events stored %d, labels matched %d, failed %d\n", st.Sent, st.Labels.Sent, st.Failed+st.Labels.Failed)
	}()
	id := sdk.NewEventID() // only needed to label the event later
	err := rep.Report(sdk.Event{ID: id, Version: "2.0",
		Features:   map[string]any{"age": 31, "region": "north", "income": nil},
		Prediction: sdk.Number(0.82), // sdk.Class("…") for multiclass
		Latency:    elapsed, Groups: map[string]string{"gender": "f"}})
	if err != nil { // an invalid event, a full queue, or a URL, token or model key that cannot work
		slog.Warn("lodestar: event not reported", "error", err)
	}
	rep.ReportLabel(id, sdk.Number(1)) // when the outcome is known; its errors are Report's
	// Output:
	// events stored 1, labels matched 1, failed 0
}

func ExampleWithErrorHandler() {
	ts, lodestarURL, token := exampleServer()
	defer ts.stop()

	var lost atomic.Int64 // e.g. a metric of what monitoring will never see
	rep := sdk.NewReporter(lodestarURL, token, "credit-risk",
		sdk.WithErrorHandler(func(e sdk.ReportError) { // events or labels lost for good; it runs on the sender: keep it quick
			lost.Add(int64(e.Count)) // e.Reason names the Stats counter that counts them; e.IDs which ones
			slog.Warn("lodestar: events lost", "reason", e.Reason, "count", e.Count, "labels", e.Labels, "status", e.Status, "error", e.Err)
		}))
	// (The example has the server reject one: stamped two days ahead.)
	rep.Report(sdk.Event{Version: "2.0", Time: time.Now().Add(48 * time.Hour), Prediction: sdk.Number(0.82)})
	rep.Close(context.Background()) // the handler is not called after Close returns
	fmt.Println("lost:", lost.Load(), "rejected:", rep.Stats().Rejected)
	// Output: lost: 1 rejected: 1
}

func ExampleSwitches_Provider() {
	ts, lodestarURL, token := exampleServer()
	defer ts.stop()
	ctx := context.Background()
	sw := sdk.NewSwitches(ctx, sdk.Options{URL: lodestarURL, Token: token, FailClosed: true})
	defer sw.Close()

	// Returns once the first snapshot is in; at once when the token is refused.
	if err := openfeature.SetProviderWithContextAndWait(ctx, sw.Provider()); err != nil {
		fmt.Println(err)
		return
	}
	defer openfeature.Shutdown()
	client := openfeature.NewDefaultClient()
	// FailClosed does not apply here: OpenFeature answers the default passed
	// for a switch it does not know or before the first snapshot, so a
	// service that fails closed passes false.
	enabled, _ := client.BooleanValue(ctx, "credit-risk", false, openfeature.EvaluationContext{}) // true only when on
	misspelt, _ := client.BooleanValue(ctx, "credit-risc", false, openfeature.EvaluationContext{})
	state, _ := client.StringValue(ctx, "credit-risk", "", openfeature.EvaluationContext{})
	fmt.Println(enabled, misspelt, state)
	// Output: true false on
}
