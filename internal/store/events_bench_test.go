package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
	"github.com/lodestar-hq/lodestar/sdk"
)

// BenchmarkAppendEvents stores batches of 5,000 events of about 600 bytes
// (20 numeric and 5 categorical features), with time-ordered IDs as the Go
// SDK makes them, into SQLite.
func BenchmarkAppendEvents(b *testing.B) {
	db := testdb.Open(b)
	s := store.New(db)
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "bench"})
	uc, err := s.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
	m, err := s.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "bench", Name: "Bench"})
	if err != nil {
		b.Fatal(err)
	}
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
