package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestLabelsInAnyOrderAtOnce: two label batches for the same events, in
// opposite orders, attached at once (two feeders, or one batch retried
// on another replica) both succeed; neither is refused as a deadlock.
// Skipped without LODESTAR_TEST_POSTGRES.
func TestLabelsInAnyOrderAtOnce(t *testing.T) {
	db := testdb.OpenPostgres(t)
	s := store.New(db)
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "system"})
	uc, _ := s.CreateUseCase(ctx, lodestar.NewUseCase{Title: "x"})
	m, err := s.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "k", Name: "k"})
	if err != nil {
		t.Fatal(err)
	}
	var evs []lodestar.StoredEvent
	var labels []lodestar.EventLabel
	for i := range 2000 {
		id := fmt.Sprintf("e-%05d", i)
		evs = append(evs, lodestar.StoredEvent{ID: id, Time: time.Now(), Version: "1", Body: []byte(`{"id":"` + id + `","version":"1","prediction":1}`)})
		labels = append(labels, lodestar.EventLabel{ID: id, Label: []byte("1")})
	}
	if _, err := s.AppendEvents(ctx, m.ID, evs); err != nil {
		t.Fatal(err)
	}
	rev := slices.Clone(labels)
	slices.Reverse(rev)
	for round := range 3 {
		var wg sync.WaitGroup
		for _, ls := range [][]lodestar.EventLabel{labels, rev} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := s.AttachLabels(ctx, m.ID, ls); err != nil {
					t.Errorf("round %d: %v", round, err)
				}
			}()
		}
		wg.Wait()
	}
}
