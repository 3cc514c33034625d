package store_test

import (
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestStageChangeBasedOnALeftStage: two admins open a use case at
// assessment; A approves it; B, from the page that still shows
// assessment (lodestar.WithFrom), rejects it. B's change is refused as a
// conflict naming the stage now, who moved it there and when, and
// changes nothing (not the stage, the history or the audit log). Based
// on the stage as it is, or on none (a client that sends no from), the
// change goes in.
func TestStageChangeBasedOnALeftStage(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc := f.useCase(lodestar.NewUseCase{Title: "Churn model", Stage: lodestar.StageAssessment})
		a := lodestar.WithActor(f.ctx, lodestar.Actor{ID: 1001, Label: "a@example.com", Role: lodestar.RoleAdmin})
		b := lodestar.WithActor(f.ctx, lodestar.Actor{ID: 1002, Label: "b@example.com", Role: lodestar.RoleAdmin})
		f.clock.Set(time.Date(2026, 11, 30, 9, 36, 12, 345000, time.UTC))
		if _, err := f.s.ChangeStage(lodestar.WithFrom(a, lodestar.StageAssessment), uc.ID, lodestar.StageApproved, "worth it"); err != nil {
			t.Fatalf("A's approval: %v", err)
		}
		f.clock.Advance(time.Hour)
		audits := f.auditCount()
		_, err := f.s.ChangeStage(lodestar.WithFrom(b, lodestar.StageAssessment), uc.ID, lodestar.StageRejected, "not worth it")
		wantError(t, err, lodestar.EConflict)
		want := "it is now approved, changed by a@example.com at 2026-11-30T09:36:12Z."
		if msg := lodestar.ErrorMessage(err); !strings.Contains(msg, want) {
			t.Errorf("B's stale rejection: %q, want it to say %q", msg, want)
		}
		if cur, ok := lodestar.ErrorCurrent(err).(*lodestar.UseCase); !ok || cur.Stage != lodestar.StageApproved {
			t.Errorf("the refusal's current: %#v, want the use case as approved", lodestar.ErrorCurrent(err))
		}
		if n := f.auditCount(); n != audits {
			t.Errorf("the refused change wrote %d audit entries", n-audits)
		}
		got, err := f.s.FindUseCaseByID(f.ctx, uc.ID)
		if err != nil || got.Stage != lodestar.StageApproved {
			t.Fatalf("after the refused change: %v, %v; want approved", got, err)
		}
		if h, err := f.s.StageHistory(f.ctx, uc.ID); err != nil || len(h) != 1 {
			t.Errorf("stage history after the refused change: %d entries (%v), want A's one", len(h), err)
		}

		// Based on the stage as it is now, B's decision goes in; a change
		// based on no stage (the old clients) is not checked.
		if _, err := f.s.ChangeStage(lodestar.WithFrom(b, lodestar.StageApproved), uc.ID, lodestar.StageRejected, "not worth it after all"); err != nil {
			t.Fatalf("B's rejection based on approved: %v", err)
		}
		if _, err := f.s.ChangeStage(b, uc.ID, lodestar.StageIdea, "again"); err != nil {
			t.Fatalf("a change based on no stage: %v", err)
		}
		// A from that is no stage at all is a mistyped field, not a stale
		// page: a 400 on from, blaming no one; a real stage it has left
		// is the 409.
		_, err = f.s.ChangeStage(lodestar.WithFrom(a, "assesment"), uc.ID, lodestar.StageAssessment, "look")
		wantError(t, err, lodestar.EInvalid)
		if fe := lodestar.ErrorFields(err); fe["from"] == "" || strings.Contains(lodestar.ErrorMessage(err), "changed by") {
			t.Errorf("a from that is no stage: %q %v", lodestar.ErrorMessage(err), fe)
		}
		_, err = f.s.ChangeStage(lodestar.WithFrom(a, lodestar.StagePilot), uc.ID, lodestar.StageAssessment, "look")
		wantError(t, err, lodestar.EConflict)
		if msg := lodestar.ErrorMessage(err); !strings.Contains(msg, "it is now idea, changed by b@example.com at 2026-11-30T10:36:12Z.") {
			t.Errorf("a change from a stage it never had: %q", msg)
		}
	})
}

// TestVersionStatusBasedOnALeftStatus: an admin puts a version in
// production; ml.lead's page still shows it in staging and moves it back
// to development. The stale change is refused naming the status now,
// who set it and when, and the version stays in production.
func TestVersionStatusBasedOnALeftStatus(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := provenanceModel(t, f)
		v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "7"})
		if err != nil {
			t.Fatal(err)
		}
		admin := lodestar.WithActor(f.ctx, lodestar.Actor{ID: 1001, Label: "admin@example.com", Role: lodestar.RoleAdmin})
		lead := lodestar.WithActor(f.ctx, lodestar.Actor{ID: 1003, Label: "ml.lead@example.com", Role: lodestar.RoleAITeam})
		if _, err := f.s.SetModelVersionStatus(lodestar.WithFrom(admin, lodestar.ModelDevelopment), v.ID, lodestar.ModelStaging, "evaluated"); err != nil {
			t.Fatal(err)
		}
		f.clock.Set(time.Date(2026, 11, 30, 9, 36, 0, 0, time.UTC))
		if _, err := f.s.SetModelVersionStatus(lodestar.WithFrom(admin, lodestar.ModelStaging), v.ID, lodestar.ModelProduction, "ship it"); err != nil {
			t.Fatal(err)
		}
		// A card edit since does not make the status change stale, and
		// the refusal names who set the status, not who edited the card.
		f.clock.Advance(time.Minute)
		if _, err := f.s.UpdateModelCard(lead, v.ID, lodestar.ModelCard{IntendedUse: "Ranking"}); err != nil {
			t.Fatal(err)
		}
		audits := f.auditCount()
		_, err = f.s.SetModelVersionStatus(lodestar.WithFrom(lead, lodestar.ModelStaging), v.ID, lodestar.ModelDevelopment, "back to work")
		wantError(t, err, lodestar.EConflict)
		want := "it is now production, changed by admin@example.com at 2026-11-30T09:36:00Z."
		if msg := lodestar.ErrorMessage(err); !strings.Contains(msg, want) {
			t.Errorf("the stale status change: %q, want it to say %q", msg, want)
		}
		if n := f.auditCount(); n != audits {
			t.Errorf("the refused change wrote %d audit entries", n-audits)
		}
		got, err := f.s.FindModelVersionByID(f.ctx, v.ID)
		if err != nil || got.Status != lodestar.ModelProduction {
			t.Fatalf("after the refused change: %v, %v; want production", got, err)
		}
		// A from that is no status: a 400 on from, not a 409.
		_, err = f.s.SetModelVersionStatus(lodestar.WithFrom(lead, "prod"), v.ID, lodestar.ModelDevelopment, "back to work")
		wantError(t, err, lodestar.EInvalid)
		if lodestar.ErrorFields(err)["from"] == "" {
			t.Errorf("a from that is no status: %v", err)
		}
		if _, err := f.s.SetModelVersionStatus(lodestar.WithFrom(lead, lodestar.ModelProduction), v.ID, lodestar.ModelDevelopment, "rollback"); err != nil {
			t.Fatalf("based on the status as it is: %v", err)
		}
	})
}
