package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// TestReporterRefusesWhatTheServerRefusesLineByLine: what the server
// refuses whatever its state — a NUL character in any string, more than
// 1,000 features, more than 50 groups — Report and ReportLabel refuse at
// once with ErrInvalidEvent, as Report's documentation says, where they
// returned nil and the server refused the line a flush later (the caller
// never told). Just within those limits, and with other control
// characters, the real server stores the events.
func TestReporterRefusesWhatTheServerRefusesLineByLine(t *testing.T) {
	ts := realIngest(t)
	var l losses
	r := sdk.NewReporter(ts.srv.URL, ts.serviceToken, "credit-risk", sdk.WithFlushInterval(time.Hour), sdk.WithErrorHandler(l.handle))
	features := func(n int) map[string]any {
		m := make(map[string]any, n)
		for i := range n {
			m[fmt.Sprint("f", i)] = i
		}
		return m
	}
	groups := func(n int) map[string]string {
		m := make(map[string]string, n)
		for i := range n {
			m[fmt.Sprint("g", i)] = "x"
		}
		return m
	}
	ev := func(f func(e *sdk.Event)) sdk.Event {
		e := sdk.Event{Version: "refuse", Prediction: sdk.Number(0.5), Features: map[string]any{"age": 31}}
		f(&e)
		return e
	}
	for _, tc := range []struct {
		name string
		e    sdk.Event
	}{
		{"NUL in the ID", ev(func(e *sdk.Event) { e.ID = "e\x001" })},
		{"NUL in the version", ev(func(e *sdk.Event) { e.Version = "2\x00" })},
		{"NUL in a feature's name", ev(func(e *sdk.Event) { e.Features = map[string]any{"a\x00": 1} })},
		{"NUL in a feature's value", ev(func(e *sdk.Event) { e.Features = map[string]any{"a": "x\x00"} })},
		{"NUL in a group's name", ev(func(e *sdk.Event) { e.Groups = map[string]string{"g\x00": "f"} })},
		{"NUL in a group's value", ev(func(e *sdk.Event) { e.Groups = map[string]string{"g": "\x00"} })},
		{"NUL in a class prediction", ev(func(e *sdk.Event) { e.Prediction = sdk.Class("a\x00") })},
		{"NUL in a class label", ev(func(e *sdk.Event) { e.Prediction = sdk.Class("a"); e.Label = sdk.Class("\x00b") })},
		{"1,001 features", ev(func(e *sdk.Event) { e.Features = features(1001) })},
		{"51 groups", ev(func(e *sdk.Event) { e.Groups = groups(51) })},
	} {
		if err := r.Report(tc.e); !errors.Is(err, sdk.ErrInvalidEvent) {
			t.Errorf("%s: Report returned %v, want ErrInvalidEvent", tc.name, err)
		}
	}
	for _, tc := range []struct {
		name, id string
		label    sdk.Value
	}{{"NUL in the ID", "e\x00", sdk.Number(1)}, {"NUL in a class label", "e-1", sdk.Class("a\x00")}} {
		if err := r.ReportLabel(tc.id, tc.label); !errors.Is(err, sdk.ErrInvalidEvent) {
			t.Errorf("label, %s: ReportLabel returned %v, want ErrInvalidEvent", tc.name, err)
		}
	}
	// Within the limits: stored.
	for _, e := range []sdk.Event{
		ev(func(e *sdk.Event) { e.Features = features(1000) }),
		ev(func(e *sdk.Event) { e.Groups = groups(50) }),
		ev(func(e *sdk.Event) {
			e.ID, e.Features, e.Groups = "e\x01\t2", map[string]any{"a\x1f": "x\x01"}, map[string]string{"g\x02": "\x03"}
		}),
	} {
		if err := r.Report(e); err != nil {
			t.Errorf("within the limits: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Rejected != 10 || st.Sent != 3 || st.Labels.Rejected != 2 {
		t.Errorf("stats %+v; want 10 events and 2 labels refused by Report, the 3 within the limits stored", st)
	}
	if got := l.all(); len(got) != 0 {
		t.Errorf("the server refused lines Report took: %v", got)
	}
	if n := storedEvents(t, ts, "refuse"); n != 3 {
		t.Errorf("the server holds %d events, want 3", n)
	}
}
