package store_test

import (
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// outboxRow inserts a webhook delivery due at due and returns its ID.
func (f *fixture) outboxRow(url string, due time.Time) int64 {
	f.t.Helper()
	var id int64
	err := f.db.QueryRow(f.ctx, `INSERT INTO webhook_outbox (url, payload, next_attempt_at) VALUES (?, '{}', ?) RETURNING id`,
		url, sqldb.FormatTime(due)).Scan(&id)
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

// outboxState reads a delivery's next attempt, delivery time and attempts.
func (f *fixture) outboxState(id int64) (next, delivered string, attempts int) {
	f.t.Helper()
	if err := f.db.QueryRow(f.ctx, `SELECT next_attempt_at, delivered_at, attempts FROM webhook_outbox WHERE id = ?`, id).
		Scan(&next, &delivered, &attempts); err != nil {
		f.t.Fatal(err)
	}
	return next, delivered, attempts
}

func claimedIDs(ws []store.Webhook) []int64 {
	var ids []int64
	for _, w := range ws {
		ids = append(ids, w.ID)
	}
	return ids
}

// A deliverer stopping gives back the claims of the deliveries it did not
// start: they are due again at once, at their own due time, while one
// delivered meanwhile, and one whose failure was recorded, keep what was
// recorded.
func TestReleaseWebhooksMakesUnstartedDueAgain(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		now := f.clock.Now()
		due := now.Add(-time.Minute)
		sent, failed, unstarted := f.outboxRow("https://a.example/1", due), f.outboxRow("https://a.example/2", due), f.outboxRow("https://a.example/3", due)
		until := now.Add(10 * time.Minute)
		claimed, err := f.s.ClaimWebhooks(f.ctx, now, until, 100)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("claim: %v, %v; want all three", claimedIDs(claimed), err)
		}
		for _, w := range claimed {
			if !w.Due.Equal(due.Truncate(time.Microsecond)) {
				t.Errorf("delivery %d: Due %s, want %s", w.ID, w.Due, due)
			}
		}
		if err := f.s.MarkWebhook(f.ctx, sent, true, "", time.Time{}); err != nil {
			t.Fatal(err)
		}
		retry := now.Add(30 * time.Second)
		if err := f.s.MarkWebhook(f.ctx, failed, false, "HTTP 500", retry); err != nil {
			t.Fatal(err)
		}
		n, err := f.s.ReleaseWebhooks(f.ctx, claimed, until)
		if err != nil || n != 1 {
			t.Fatalf("release: %d, %v; want the one not started", n, err)
		}
		if next, delivered, attempts := f.outboxState(unstarted); next != sqldb.FormatTime(due) || delivered != "" || attempts != 0 {
			t.Errorf("unstarted: next %s, delivered %q, %d attempts; want due again at %s, untried", next, delivered, attempts, sqldb.FormatTime(due))
		}
		if _, delivered, attempts := f.outboxState(sent); delivered == "" || attempts != 1 {
			t.Errorf("sent: delivered %q in %d attempts; want its delivery kept", delivered, attempts)
		}
		if next, _, attempts := f.outboxState(failed); next != sqldb.FormatTime(retry) || attempts != 1 {
			t.Errorf("failed: next %s after %d attempts; want its retry at %s kept", next, attempts, sqldb.FormatTime(retry))
		}
		// Due at once: the next deliverer claims it now, not after the
		// ten minutes the claim ran.
		again, err := f.s.ClaimWebhooks(f.ctx, now, now.Add(10*time.Minute), 100)
		if err != nil || len(again) != 1 || again[0].ID != unstarted {
			t.Errorf("claim after release: %v, %v; want only %d", claimedIDs(again), err, unstarted)
		}
		if n, err := f.s.ReleaseWebhooks(f.ctx, nil, until); err != nil || n != 0 {
			t.Errorf("release of nothing: %d, %v", n, err)
		}
	})
}

// A claim given back after it lapsed, when another deliverer (another
// replica) has claimed the delivery since, releases nothing: the newer
// claim stands.
func TestReleaseWebhooksLeavesANewerClaim(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		now := f.clock.Now()
		id := f.outboxRow("https://a.example/1", now)
		untilA := now.Add(10 * time.Minute)
		a, err := f.s.ClaimWebhooks(f.ctx, now, untilA, 100)
		if err != nil || len(a) != 1 {
			t.Fatalf("claim A: %v, %v", claimedIDs(a), err)
		}
		laterB := now.Add(11 * time.Minute) // A's claim has lapsed
		untilB := laterB.Add(10 * time.Minute)
		b, err := f.s.ClaimWebhooks(f.ctx, laterB, untilB, 100)
		if err != nil || len(b) != 1 {
			t.Fatalf("claim B: %v, %v", claimedIDs(b), err)
		}
		if n, err := f.s.ReleaseWebhooks(f.ctx, a, untilA); err != nil || n != 0 {
			t.Errorf("A's stale release: %d, %v; want nothing released", n, err)
		}
		if next, _, _ := f.outboxState(id); next != sqldb.FormatTime(untilB) {
			t.Errorf("next attempt %s, want B's claim until %s", next, sqldb.FormatTime(untilB))
		}
		if c, err := f.s.ClaimWebhooks(f.ctx, laterB.Add(time.Minute), untilB.Add(time.Minute), 100); err != nil || len(c) != 0 {
			t.Errorf("claim C during B's claim: %v, %v; want none", claimedIDs(c), err)
		}
		// B, stopping, gives its own claim back.
		if n, err := f.s.ReleaseWebhooks(f.ctx, b, untilB); err != nil || n != 1 {
			t.Errorf("B's release: %d, %v; want 1", n, err)
		}
		// Due when B found it: when A's claim lapsed, before B claimed it.
		if next, _, _ := f.outboxState(id); next != sqldb.FormatTime(untilA) {
			t.Errorf("next attempt %s after B's release, want its due time as B claimed it, %s", next, sqldb.FormatTime(untilA))
		}
	})
}
