package store_test

import (
	"context"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
	"github.com/lodestar-hq/lodestar/sdk"
)

// BenchmarkAppendEvents stores batches of 5,000 events of about 600 bytes
// (20 numeric and 5 categorical features), with time-ordered IDs as the Go
// SDK makes them, into SQLite.
func BenchmarkAppendEvents(b *testing.B) {
	s, ctx, m := benchModel(b)
	body := []byte(`{"id":"x","version":"1.0","features":{` + strings.Repeat(`"n0":0.1234,`, 20) + `"c0":"north","c1":"a","c2":"b","c3":"c","c4":"d"},"prediction":0.5,"label":1,"latency_ms":3.5}`)
	t0 := time.Now()
	batch := make([]lodestar.StoredEvent, 5000)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		for i := range batch {
			batch[i] = lodestar.StoredEvent{ID: sdk.NewEventID(), Time: t0.Add(time.Duration(n) * time.Millisecond), Version: "1.0", Body: body}
			n++
		}
		if _, err := s.AppendEvents(ctx, m.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAttachLabels labels 10,000 of 50,000 stored events (time-ordered
// IDs, one version with a monitor, so each write also marks it for
// recomputation) per operation, in shuffled order, into SQLite: the first
// operation inserts the labels, the later ones replace them.
func BenchmarkAttachLabels(b *testing.B) {
	s, ctx, m := benchModel(b)
	if _, err := s.CreateModelVersion(ctx, m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateMonitor(ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "Bench", Window: "hour", Numeric: []string{"n0"},
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("n0\n1\n")); err != nil {
		b.Fatal(err)
	}
	body := []byte(`{"id":"x","version":"1.0","features":{` + strings.Repeat(`"n0":0.1234,`, 20) + `"c0":"north"},"prediction":0.5,"latency_ms":3.5}`)
	t0 := time.Now().Add(-2 * time.Hour)
	var ids []string
	batch := make([]lodestar.StoredEvent, 5000)
	for n := 0; n < 50000; {
		for i := range batch {
			batch[i] = lodestar.StoredEvent{ID: sdk.NewEventID(), Time: t0.Add(time.Duration(n) * 100 * time.Millisecond), Version: "1.0", Body: body}
			ids = append(ids, batch[i].ID)
			n++
		}
		if _, err := s.AppendEvents(ctx, m.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	labels := make([]lodestar.EventLabel, 0, 10000)
	for _, i := range rng.Perm(len(ids))[:10000] {
		labels = append(labels, lodestar.EventLabel{ID: ids[i], Label: []byte("1")})
	}
	b.ReportAllocs()
	for b.Loop() {
		unknown, err := s.AttachLabels(ctx, m.ID, labels)
		if err != nil || len(unknown) != 0 {
			b.Fatalf("labels: %d unknown, %v", len(unknown), err)
		}
	}
	b.ReportMetric(float64(b.N*len(labels))/b.Elapsed().Seconds(), "labels/s")
}

// BenchmarkEventVersions looks up the versions of a /labels batch's 5,000
// events among 1,000,000 stored ones (time-ordered IDs, ten a second over
// about 28 hours, two versions, into SQLite), as a label batch with true
// or false labels does: "recent" labels the last 5,000 events stored (labels
// coming in the order of their events), "spread" 5,000 drawn from all of
// them (late labels of a whole day).
func BenchmarkEventVersions(b *testing.B) {
	s, ctx, m := benchModel(b)
	body := []byte(`{"id":"x","version":"1.0","features":{` + strings.Repeat(`"n0":0.1234,`, 10) + `"c0":"north"},"prediction":0.5,"latency_ms":3.5}`)
	t0 := time.Now().Add(-30 * time.Hour)
	const stored = 1_000_000
	ids := make([]string, 0, stored)
	batch := make([]lodestar.StoredEvent, 5000)
	for n := 0; n < stored; {
		for i := range batch {
			v := "1.0"
			if n%2 == 1 {
				v = "2.0"
			}
			batch[i] = lodestar.StoredEvent{ID: sdk.NewEventID(), Time: t0.Add(time.Duration(n) * 100 * time.Millisecond), Version: v, Body: body}
			ids = append(ids, batch[i].ID)
			n++
		}
		if _, err := s.AppendEvents(ctx, m.ID, batch); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	spread := make([]string, 0, 5000)
	for _, i := range rng.Perm(len(ids))[:5000] {
		spread = append(spread, ids[i])
	}
	for _, tc := range []struct {
		name string
		ids  []string
	}{{"recent", ids[len(ids)-5000:]}, {"spread", spread}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := s.EventVersions(ctx, m.ID, tc.ids)
				if err != nil || len(got) != len(tc.ids) {
					b.Fatalf("%d of %d versions, %v", len(got), len(tc.ids), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/batch")
		})
	}
}

// benchModel opens a SQLite store with one use case and its model,
// "bench", for the benchmarks above.
func benchModel(b *testing.B) (*store.Store, context.Context, *lodestar.Model) {
	return modelIn(b, testdb.Open(b))
}

// modelIn returns a store on db with one model (of a use case) to store
// events for.
func modelIn(tb testing.TB, db *sqldb.DB) (*store.Store, context.Context, *lodestar.Model) {
	s := store.New(db)
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "bench"})
	uc, err := s.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Bench"})
	if err != nil {
		tb.Fatal(err)
	}
	m, err := s.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "bench", Name: "Bench"})
	if err != nil {
		tb.Fatal(err)
	}
	return s, ctx, m
}
