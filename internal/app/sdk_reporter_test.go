package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/sdk"
)

// TestSDKReporterAgainstTheApp sends events and late labels with the Go
// SDK's reporter to the real app, with an ingest token, and checks every
// event and label is stored once — including a batch the reporter sends
// twice.
func TestSDKReporterAgainstTheApp(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team, lodestar.ScopeIngest)
	uc := f.useCase("Recommendations")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "recsys", Name: "Recommender"})
	if err != nil {
		t.Fatal(err)
	}
	send := func(from, to int) sdk.Stats {
		r := sdk.NewReporter(f.srv.URL, tok, "recsys", sdk.WithBatchSize(500), sdk.WithFlushInterval(20*time.Millisecond))
		t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i := from; i < to; i++ {
			e := sdk.Event{ID: fmt.Sprintf("ev-%05d", i), Time: t0.Add(time.Duration(i) * time.Second), Version: "3.1",
				Features:   map[string]any{"minutes": float64(i % 30), "content_type": []string{"image", "short_video"}[i%2]},
				Prediction: sdk.Number(float64(i%10) / 10), Latency: 12 * time.Millisecond, Groups: map[string]string{"region": "north"}}
			if err := r.Report(e); err != nil {
				t.Fatalf("Report %d: %v", i, err)
			}
		}
		for i := from; i < to; i += 10 {
			if err := r.ReportLabel(fmt.Sprintf("ev-%05d", i), sdk.Number(1)); err != nil {
				t.Fatalf("ReportLabel %d: %v", i, err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
		return r.Stats()
	}
	st := send(0, 2500)
	if st.Sent != 2500 || st.Duplicates != 0 || st.Rejected != 0 || st.Dropped != 0 || st.Failed != 0 {
		t.Errorf("first run: got %+v, want 2,500 sent and nothing else", st)
	}
	if st.Labels.Sent != 250 || st.Labels.Unknown != 0 {
		t.Errorf("first run labels: got %+v, want 250 sent, none unknown", st.Labels)
	}
	// A second reporter resends the last 500 with 500 new ones: the server
	// counts the old ones as duplicates.
	st = send(2000, 3000)
	if st.Sent != 500 || st.Duplicates != 500 {
		t.Errorf("second run: got sent %d duplicates %d, want 500 and 500", st.Sent, st.Duplicates)
	}
	if n, _ := f.app.Store.CountEvents(sys(), m.ID); n != 3000 {
		t.Errorf("stored events: got %d, want 3,000", n)
	}
	labelled := 0
	err = f.app.Store.ScanEvents(sys(), m.ID, "", time.Unix(0, 0), time.Unix(1<<40, 0), func(e lodestar.StoredEvent) error {
		if len(e.Label) > 0 {
			labelled++
		}
		return nil
	})
	if err != nil || labelled != 300 {
		t.Errorf("labelled events: got %d (%v), want 300", labelled, err)
	}
}

// TestSDKReporterUnregisteredVersion: the SDK's reporter sending events
// under a version the model has not registered counts them in
// Stats().Unregistered (they are sent all the same) and logs the version
// once, however many batches carry it.
func TestSDKReporterUnregisteredVersion(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team, lodestar.ScopeIngest)
	uc := f.useCase("Recommendations")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "recsys", Name: "Recommender"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "2.0"}); err != nil {
		t.Fatal(err)
	}
	logs := &errorLog{}
	r := sdk.NewReporter(f.srv.URL, tok, "recsys", sdk.WithBatchSize(100), sdk.WithLogger(slog.New(logs)))
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 500 {
		version := "2.0"
		if i%5 < 3 {
			version = "v2.0"
		}
		if err := r.Report(sdk.Event{ID: fmt.Sprintf("ev-%04d", i), Time: t0.Add(time.Duration(i) * time.Second), Version: version,
			Features: map[string]any{"minutes": float64(i % 30)}, Prediction: sdk.Number(0.5)}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Sent != 500 || st.Failed != 0 || st.Unregistered != 300 {
		t.Errorf("stats: got %+v, want 500 sent, 300 of them unregistered", st)
	}
	warns := logs.warnings()
	if len(warns) != 1 || !strings.Contains(warns[0], "version=v2.0") || !strings.Contains(warns[0], "not registered") {
		t.Errorf("warnings: got %q, want one naming v2.0", warns)
	}
}

// TestSDKReporterCountsIDConflicts: events whose IDs the server already
// holds for other events are counted in Stats().Conflicts (and in
// Rejected), and told to the error handler as LossConflict with their
// IDs, apart from lines refused as invalid; exact repeats stay
// duplicates, and the stored events keep their first content.
func TestSDKReporterCountsIDConflicts(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team, lodestar.ScopeIngest)
	uc := f.useCase("Recommendations")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "recsys", Name: "Recommender"})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	event := func(i int, score float64) sdk.Event {
		return sdk.Event{ID: fmt.Sprintf("ev-%04d", i), Time: t0.Add(time.Duration(i) * time.Second), Version: "1.0",
			Features: map[string]any{"minutes": float64(i % 30), "kind": "short"}, Prediction: sdk.Number(score)}
	}
	send := func(events []sdk.Event) (sdk.Stats, map[sdk.LossReason][]string) {
		lost := map[sdk.LossReason][]string{}
		r := sdk.NewReporter(f.srv.URL, tok, "recsys", sdk.WithBatchSize(100),
			sdk.WithErrorHandler(func(e sdk.ReportError) { lost[e.Reason] = append(lost[e.Reason], e.IDs...) }))
		for _, e := range events {
			if err := r.Report(e); err != nil {
				t.Fatal(err)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Fatal(err)
		}
		return r.Stats(), lost
	}
	var first []sdk.Event
	for i := range 200 {
		first = append(first, event(i, 0.25))
	}
	if st, _ := send(first); st.Sent != 200 || st.Rejected != 0 || st.Conflicts != 0 {
		t.Fatalf("first run: got %+v, want 200 sent", st)
	}
	// Another service reusing the IDs: 0–49 again as they were, 50–79 with
	// another score, and 80 stamped two days ahead of the server's clock,
	// which the server refuses: invalid, not a conflict.
	var second []sdk.Event
	for i := range 80 {
		score := 0.25
		if i >= 50 {
			score = 0.75
		}
		second = append(second, event(i, score))
	}
	bad := event(80, 0.25)
	bad.Time = time.Now().Add(48 * time.Hour)
	second = append(second, bad)
	st, lost := send(second)
	if st.Duplicates != 50 || st.Rejected != 31 || st.Conflicts != 30 || st.Sent != 0 {
		t.Errorf("second run: got %+v, want 50 duplicates, 31 rejected of which 30 conflicts", st)
	}
	if got := lost[sdk.LossConflict]; len(got) != 30 || got[0] != "ev-0050" || got[29] != "ev-0079" {
		t.Errorf("conflicts told: got %q, want ev-0050 … ev-0079", got)
	}
	if got := lost[sdk.LossRejected]; len(got) != 1 || got[0] != "ev-0080" {
		t.Errorf("rejected told: got %q, want ev-0080 alone", got)
	}
	// The stored events keep their first score.
	stored := 0
	err = f.app.Store.ScanEvents(sys(), m.ID, "", time.Unix(0, 0), time.Unix(1<<40, 0), func(e lodestar.StoredEvent) error {
		stored++
		if !strings.Contains(string(e.Body), `"prediction":0.25`) {
			t.Errorf("stored %s: %s, want its first prediction 0.25 kept", e.ID, e.Body)
		}
		return nil
	})
	if err != nil || stored != 200 {
		t.Errorf("stored events: %d (%v), want 200", stored, err)
	}
}
