package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

func TestCreateUseCase(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		owner := lodestar.Actor{ID: 7, Label: "olga@example.com", Role: lodestar.RoleBusinessOwner}
		octx := lodestar.WithActor(context.Background(), owner)

		uc, err := f.s.CreateUseCase(octx, lodestar.NewUseCase{Title: "  Claims triage  ", Description: "\n Route claims by urgency. \n"})
		if err != nil {
			t.Fatalf("CreateUseCase: %v", err)
		}
		if uc.ID <= 0 || uc.Title != "Claims triage" || uc.Description != "Route claims by urgency." || uc.CreatedBy != 7 ||
			!uc.CreatedAt.Equal(f.clock.Now()) || !uc.UpdatedAt.Equal(f.clock.Now()) {
			t.Errorf("CreateUseCase: got %+v, want trimmed title and description, created by 7 now", *uc)
		}
		got, err := f.s.FindUseCaseByID(context.Background(), uc.ID)
		if err != nil {
			t.Fatalf("FindUseCaseByID: %v", err)
		}
		if got.ID != uc.ID || got.Title != uc.Title || got.Description != uc.Description || got.CreatedBy != uc.CreatedBy ||
			!got.CreatedAt.Equal(uc.CreatedAt) || !got.UpdatedAt.Equal(uc.UpdatedAt) {
			t.Errorf("FindUseCaseByID: got %+v, want %+v", *got, *uc)
		}
		_, err = f.s.FindUseCaseByID(context.Background(), uc.ID+1000)
		wantError(t, err, lodestar.ENotFound)

		if n := f.auditCount(); n != 1 {
			t.Errorf("got %d audit entries, want 1", n)
		}
		ev := f.lastEvent()
		wantEvent(t, ev, owner, "create", "use_case", uc.ID)
		if ev.Before != "" || ev.After == "" {
			t.Errorf("audit: before %q after %q, want none and the use case", ev.Before, ev.After)
		}

		// Without an actor the system makes the change.
		sys, err := f.s.CreateUseCase(context.Background(), lodestar.NewUseCase{Title: "Imported"})
		if err != nil {
			t.Fatal(err)
		}
		if sys.CreatedBy != 0 {
			t.Errorf("system use case: got created_by %d, want 0", sys.CreatedBy)
		}
		wantEvent(t, f.lastEvent(), lodestar.Actor{ID: 0, Label: "system"}, "create", "use_case", sys.ID)

		// The longest values allowed, counted in characters, not bytes.
		long := lodestar.NewUseCase{Title: repeat("题", 200), Description: repeat("述", 10000)}
		if _, err := f.s.CreateUseCase(octx, long); err != nil {
			t.Errorf("CreateUseCase at the length limits: %v", err)
		}
		f.verify(3)
	})
}

func TestCreateUseCaseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     lodestar.NewUseCase
		fields []string
	}{
		{"empty title", lodestar.NewUseCase{Title: ""}, []string{"title"}},
		{"blank title", lodestar.NewUseCase{Title: " \t\n "}, []string{"title"}},
		{"title too long", lodestar.NewUseCase{Title: repeat("a", 201)}, []string{"title"}},
		{"title too long in characters", lodestar.NewUseCase{Title: repeat("题", 201)}, []string{"title"}},
		{"description too long", lodestar.NewUseCase{Title: "ok", Description: repeat("d", 10001)}, []string{"description"}},
		{"both wrong", lodestar.NewUseCase{Title: " ", Description: repeat("述", 10001)}, []string{"title", "description"}},
	}
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		before := f.counts()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				uc, err := f.s.CreateUseCase(f.ctx, tt.in)
				if uc != nil {
					t.Errorf("got use case %+v, want none", *uc)
				}
				wantError(t, err, lodestar.EInvalid, tt.fields...)
			})
		}
		f.wantUnchanged(before)
	})
}

func TestFindUseCases(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		// 25 use cases with IDs 1..25; every fifth mentions fraud in its
		// title, number 7 in its description, number 12 has an underscore.
		for i := 1; i <= 25; i++ {
			in := lodestar.NewUseCase{Title: fmt.Sprintf("Case %02d", i)}
			switch {
			case i%5 == 0:
				in.Title = fmt.Sprintf("Fraud detection %02d", i)
			case i == 7:
				in.Description = "Spots FRAUD in invoices."
			case i == 12:
				in.Title = "Model data_steward review"
			case i == 13:
				in.Title = "Cut costs by 50%"
			}
			uc, err := f.s.CreateUseCase(f.ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if uc.ID != int64(i) {
				t.Fatalf("use case %d got ID %d", i, uc.ID)
			}
			f.clock.Advance(time.Second)
		}
		ids := func(from, to int64) []int64 { // descending from..to
			var out []int64
			for i := from; i >= to; i-- {
				out = append(out, i)
			}
			return out
		}
		tests := []struct {
			name      string
			f         lodestar.UseCaseFilter
			want      []int64
			wantTotal int
		}{
			{"first page", lodestar.UseCaseFilter{Limit: 10}, ids(25, 16), 25},
			{"second page", lodestar.UseCaseFilter{Limit: 10, After: 16}, ids(15, 6), 25},
			{"last page", lodestar.UseCaseFilter{Limit: 10, After: 6}, ids(5, 1), 25},
			{"past the end", lodestar.UseCaseFilter{Limit: 10, After: 1}, nil, 25},
			{"cursor beyond the newest", lodestar.UseCaseFilter{Limit: 3, After: 1000}, ids(25, 23), 25},
			{"largest page", lodestar.UseCaseFilter{Limit: store.MaxPageSize}, ids(25, 1), 25},
			{"one", lodestar.UseCaseFilter{Limit: 1}, []int64{25}, 25},
			{"query in title or description", lodestar.UseCaseFilter{Query: "fraud", Limit: 10}, []int64{25, 20, 15, 10, 7, 5}, 6},
			{"query ignores case and spaces", lodestar.UseCaseFilter{Query: "  FrAuD ", Limit: 10}, []int64{25, 20, 15, 10, 7, 5}, 6},
			{"query paged", lodestar.UseCaseFilter{Query: "fraud", Limit: 2, After: 20}, []int64{15, 10}, 6},
			{"query no match", lodestar.UseCaseFilter{Query: "blockchain", Limit: 10}, nil, 0},
			{"query with underscore", lodestar.UseCaseFilter{Query: "a_s", Limit: 10}, []int64{12}, 1},
			{"query with percent", lodestar.UseCaseFilter{Query: "50%", Limit: 10}, []int64{13}, 1},
			{"query percent alone", lodestar.UseCaseFilter{Query: "%", Limit: 10}, []int64{13}, 1},
			{"query with backslash", lodestar.UseCaseFilter{Query: `\`, Limit: 10}, nil, 0},
			{"underscore is no wildcard", lodestar.UseCaseFilter{Query: "e_0", Limit: 10}, nil, 0},
			{"percent is no wildcard", lodestar.UseCaseFilter{Query: "case%1", Limit: 10}, nil, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, total, err := f.s.FindUseCases(ctx, tt.f)
				if err != nil {
					t.Fatalf("FindUseCases(%+v): %v", tt.f, err)
				}
				var got []int64
				for _, uc := range page {
					got = append(got, uc.ID)
				}
				if !slices.Equal(got, tt.want) || total != tt.wantTotal {
					t.Errorf("FindUseCases(%+v): got %v total %d, want %v total %d", tt.f, got, total, tt.want, tt.wantTotal)
				}
			})
		}

		// Walking the cursor visits every use case once.
		var seen []int64
		after := int64(0)
		for range 10 {
			page, _, err := f.s.FindUseCases(ctx, lodestar.UseCaseFilter{Limit: 7, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, uc := range page {
				seen = append(seen, uc.ID)
			}
			after = page[len(page)-1].ID
		}
		if !slices.Equal(seen, ids(25, 1)) {
			t.Errorf("walking pages of 7: got %v, want 25..1", seen)
		}

		for _, limit := range []int{0, -1, store.MaxPageSize + 1, 1 << 30} {
			page, total, err := f.s.FindUseCases(ctx, lodestar.UseCaseFilter{Limit: limit})
			if page != nil || total != 0 {
				t.Errorf("limit %d: got %d results total %d, want none", limit, len(page), total)
			}
			wantError(t, err, lodestar.EInvalid, "limit")
		}
	})
}

func TestConcurrentUseCases(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		const workers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			actor := lodestar.Actor{ID: int64(100 + w), Label: fmt.Sprintf("worker%d@example.com", w)}
			ctx := lodestar.WithActor(context.Background(), actor)
			wg.Go(func() {
				for i := range each {
					if _, err := f.s.CreateUseCase(ctx, lodestar.NewUseCase{Title: fmt.Sprintf("w%d-%d", w, i)}); err != nil {
						errs <- fmt.Errorf("worker %d, use case %d: %w", w, i, err)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}

		const n = workers * each
		f.verify(n)
		rows, err := db.Query(context.Background(), `SELECT seq FROM audit_log ORDER BY seq`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var seqs []int64
		for rows.Next() {
			var s int64
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			seqs = append(seqs, s)
		}
		if len(seqs) != n || seqs[0] != 1 || seqs[len(seqs)-1] != n {
			t.Errorf("audit seqs: got %d entries from %d to %d, want 1..%d", len(seqs), seqs[0], seqs[len(seqs)-1], n)
		}
		if got := testdb0(t, f, `SELECT COUNT(*) FROM use_cases`); got != n {
			t.Errorf("got %d use cases, want %d", got, n)
		}
		// Each use case has exactly one create event, by the worker that made it.
		if got := testdb0(t, f, `SELECT COUNT(*) FROM use_cases u JOIN audit_log a
			ON a.entity_type = 'use_case' AND a.action = 'create' AND a.entity_id = CAST(u.id AS TEXT) AND a.actor_id = u.created_by`); got != n {
			t.Errorf("got %d use cases matched to their audit entry, want %d", got, n)
		}
	})
}
