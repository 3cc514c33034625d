package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestModelVersionEditsBasedOnAnOlderVersion: two people open the same
// version's card or provenance; the first saves; the second's save,
// based on the version as it was before (lodestar.WithBasedOn), is
// refused as a conflict and changes nothing, not even the audit log. A
// save based on the version as it is goes in, and so does one based on
// nothing (a client that sends no updated_at).
func TestModelVersionEditsBasedOnAnOlderVersion(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := provenanceModel(t, f)
		v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		read := func() *lodestar.ModelVersion {
			t.Helper()
			got, err := f.s.FindModelVersionByID(f.ctx, v.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		check := func(name string, save func(ctx context.Context, n int) error, value func(*lodestar.ModelVersion) string, want func(n int) string) {
			t.Helper()
			opened := read()
			if err := save(lodestar.WithBasedOn(f.ctx, opened.UpdatedAt), 1); err != nil {
				t.Fatalf("%s: first save: %v", name, err)
			}
			first := read()
			if !first.UpdatedAt.After(opened.UpdatedAt) {
				t.Errorf("%s: updated_at %v not moved past %v by the save", name, first.UpdatedAt, opened.UpdatedAt)
			}
			audits := f.auditCount()
			err := save(lodestar.WithBasedOn(f.ctx, opened.UpdatedAt), 2)
			wantError(t, err, lodestar.EConflict)
			if err == nil || !strings.Contains(err.Error(), "Someone else changed this record") {
				t.Errorf("%s: second save: got %v, want it to say someone else changed the record", name, err)
			}
			if n := f.auditCount(); n != audits {
				t.Errorf("%s: the refused save wrote %d audit entries", name, n-audits)
			}
			now := read()
			if got := value(now); got != want(1) || !now.UpdatedAt.Equal(first.UpdatedAt) {
				t.Errorf("%s: after the refused save: %q at %v, want the first save's %q at %v", name, got, now.UpdatedAt, want(1), first.UpdatedAt)
			}
			// Based on the version as it is now, it goes in; based on
			// nothing (an API client that sends no updated_at), too.
			if err := save(lodestar.WithBasedOn(f.ctx, now.UpdatedAt), 3); err != nil || value(read()) != want(3) {
				t.Errorf("%s: a save based on the current version: %v, reads %q, want %q", name, err, value(read()), want(3))
			}
			if err := save(f.ctx, 4); err != nil || value(read()) != want(4) {
				t.Errorf("%s: a save based on nothing: %v, reads %q, want %q", name, err, value(read()), want(4))
			}
		}
		// The clock does not move between the saves: each still moves
		// updated_at, so the second is told of the first.
		uses := func(n int) string { return fmt.Sprintf("Ranking, take %d", n) }
		check("card", func(ctx context.Context, n int) error {
			_, err := f.s.UpdateModelCard(ctx, v.ID, lodestar.ModelCard{IntendedUse: uses(n)})
			return err
		}, func(x *lodestar.ModelVersion) string { return x.Card.IntendedUse }, uses)
		uris := func(n int) string { return fmt.Sprintf("s3://models/recsys/%d.bin", n) }
		check("provenance", func(ctx context.Context, n int) error {
			_, err := f.s.UpdateModelProvenance(ctx, v.ID, lodestar.Provenance{ArtifactURI: uris(n)})
			return err
		}, func(x *lodestar.ModelVersion) string { return x.Provenance.ArtifactURI }, uris)

		// A card edit made meanwhile makes a provenance form opened
		// before it stale, and the other way round: both are the
		// version's, one updated_at.
		opened := read()
		if _, err := f.s.UpdateModelCard(f.ctx, v.ID, lodestar.ModelCard{Limitations: "Cold start"}); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.UpdateModelProvenance(lodestar.WithBasedOn(f.ctx, opened.UpdatedAt), v.ID, lodestar.Provenance{ArtifactURI: "s3://models/other.bin"})
		wantError(t, err, lodestar.EConflict)
		if got := read().Provenance.ArtifactURI; got != uris(4) {
			t.Errorf("provenance after a refused save based on the version before a card edit: %q, want %q", got, uris(4))
		}

		// A status change is a write too: a card form opened before it is
		// stale; and a stale provenance edit of a frozen version is
		// refused as well, changing nothing.
		opened = read()
		if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, lodestar.ModelStaging, "review"); err != nil {
			t.Fatal(err)
		}
		staged := read()
		if !staged.UpdatedAt.After(opened.UpdatedAt) {
			t.Errorf("status change: updated_at %v not moved past %v", staged.UpdatedAt, opened.UpdatedAt)
		}
		audits := f.auditCount()
		_, err = f.s.UpdateModelCard(lodestar.WithBasedOn(f.ctx, opened.UpdatedAt), v.ID, lodestar.ModelCard{IntendedUse: "Overwritten"})
		wantError(t, err, lodestar.EConflict)
		_, err = f.s.UpdateModelProvenance(lodestar.WithBasedOn(f.ctx, opened.UpdatedAt), v.ID, lodestar.Provenance{ArtifactURI: "s3://models/x.bin"})
		wantError(t, err, lodestar.EConflict)
		if now := read(); now.Card.Limitations != "Cold start" || now.Card.IntendedUse != "" || now.Provenance.ArtifactURI != uris(4) || !now.UpdatedAt.Equal(staged.UpdatedAt) || f.auditCount() != audits {
			t.Errorf("after stale saves of a staged version: card %+v, provenance %q, updated_at %v, %d new audit entries; want nothing changed",
				now.Card, now.Provenance.ArtifactURI, now.UpdatedAt, f.auditCount()-audits)
		}
		// A clock set back does not make updated_at go back, nor repeat
		// a value a form may hold.
		f.clock.Set(staged.UpdatedAt.Add(-time.Hour))
		if _, err := f.s.UpdateModelCard(f.ctx, v.ID, lodestar.ModelCard{IntendedUse: "After the clock went back"}); err != nil {
			t.Fatal(err)
		}
		if now := read(); !now.UpdatedAt.After(staged.UpdatedAt) {
			t.Errorf("a write with the clock set back: updated_at %v, want it after %v", now.UpdatedAt, staged.UpdatedAt)
		}
		f.verify(int64(f.auditCount()))
	})
}

// TestModelVersionConcurrentEditsBasedOnOneVersion: several people save
// the card of the version they all opened at the same moment: the store
// compares under the row's lock, so exactly one goes in and the others
// are conflicts.
func TestModelVersionConcurrentEditsBasedOnOneVersion(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := provenanceModel(t, f)
		for i := range 10 {
			v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: fmt.Sprintf("1.%d", i)})
			if err != nil {
				t.Fatal(err)
			}
			ctx := lodestar.WithBasedOn(f.ctx, v.UpdatedAt)
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 4)
			for j := range errs {
				wg.Go(func() {
					<-start
					if j%2 == 0 {
						_, errs[j] = f.s.UpdateModelCard(ctx, v.ID, lodestar.ModelCard{IntendedUse: fmt.Sprintf("writer %d", j)})
					} else {
						_, errs[j] = f.s.UpdateModelProvenance(ctx, v.ID, lodestar.Provenance{TrainingRun: fmt.Sprintf("run-%d", j)})
					}
				})
			}
			close(start)
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case lodestar.ErrorCode(err) != lodestar.EConflict:
					t.Fatalf("iteration %d: %v, want success or a conflict", i, err)
				}
			}
			if ok != 1 {
				t.Fatalf("iteration %d: %d saves went in (errors %v), want exactly one", i, ok, errs)
			}
		}
	})
}

// TestCreateModelVersionNamesEveryBadField: a new version with a bad
// card and a bad provenance is refused naming the fields of both, and
// nothing is written.
func TestCreateModelVersionNamesEveryBadField(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := provenanceModel(t, f)
		before, audits := f.counts(), f.auditCount()
		_, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0",
			Card:       lodestar.ModelCard{EvaluationMetrics: map[string]float64{"": 1}},
			Provenance: lodestar.Provenance{SourceCommit: "main", ArtifactSHA256: "abc"}})
		wantError(t, err, lodestar.EInvalid, "card.evaluation_metrics.", "provenance.source_commit", "provenance.artifact_sha256")
		if err != nil && !strings.Contains(err.Error(), "The version could not be added") {
			t.Errorf("got %v, want the version's own message", err)
		}
		// One of them alone keeps its own message.
		_, err = f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0", Provenance: lodestar.Provenance{SourceCommit: "main"}})
		wantError(t, err, lodestar.EInvalid, "provenance.source_commit")
		if err != nil && !strings.Contains(err.Error(), "The provenance could not be saved") {
			t.Errorf("got %v, want the provenance's message", err)
		}
		f.wantUnchanged(before)
		if vs, _ := f.s.ListModelVersions(f.ctx, m.ID); len(vs) != 0 || f.auditCount() != audits {
			t.Errorf("after refusals: %d versions, %d new audit entries; want none", len(vs), f.auditCount()-audits)
		}
	})
}
