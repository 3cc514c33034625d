package app_test

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestSwitchFlipReachesOtherReplicas runs two replicas on one PostgreSQL
// database: a flip through replica A reaches a stream open on replica B
// (through LISTEN/NOTIFY), once, with the flipped state. Skipped without
// LODESTAR_TEST_POSTGRES.
func TestSwitchFlipReachesOtherReplicas(t *testing.T) {
	r := startReplicas(t)
	go r.b.FollowSwitches(r.ctx)
	br := r.streamOnB(t)
	time.Sleep(200 * time.Millisecond) // B's LISTEN is up well before the flip

	flipped := time.Now()
	r.flipOnA(t)
	got := sseEvents(br, 4)
	select {
	case ev := <-got:
		if ev.name != "switch" || !strings.Contains(ev.data, `"state":"off"`) || ev.id != "2" {
			t.Errorf("on B: got %+v, want the switch event off with id 2", ev)
		}
		t.Logf("flip on A reached a stream on B in %s", time.Since(flipped).Round(time.Millisecond))
	case <-time.After(10 * time.Second):
		t.Fatal("the flip on A did not reach the stream on B within 10 s")
	}
	select {
	case ev := <-got:
		t.Errorf("a second event on B: %+v; want the flip once", ev)
	case <-time.After(300 * time.Millisecond):
	}
}

// TestSwitchFlipMadeWhileNotListening: a flip made through replica A while
// replica B was not listening (its LISTEN connection lost, or not yet up)
// reaches B's open streams once B listens again. Skipped without
// LODESTAR_TEST_POSTGRES.
func TestSwitchFlipMadeWhileNotListening(t *testing.T) {
	r := startReplicas(t)
	br := r.streamOnB(t)
	r.flipOnA(t)
	go r.b.FollowSwitches(r.ctx) // B listens only now
	got := sseEvents(br, 4)
	select {
	case ev := <-got:
		if ev.name != "switch" || !strings.Contains(ev.data, `"state":"off"`) {
			t.Errorf("on B: got %+v, want the switch off", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the flip made while B was not listening never reached B's stream")
	}
}

// replicas are two apps on one PostgreSQL database, served, with a model
// credit-risk and a risk officer's token.
type replicas struct {
	a, b       *app.App
	srvA, srvB *httptest.Server
	secret     string
	ctx        context.Context
}

func startReplicas(t *testing.T) *replicas {
	t.Helper()
	return startReplicasOn(t, testdb.OpenPostgres(t))
}

// startReplicasOn is startReplicas on a migrated database of the caller's.
func startReplicasOn(t *testing.T, db *sqldb.DB) *replicas {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	a, err := app.New(db, log, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := app.New(db, log, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &replicas{a: a, b: b, srvA: httptest.NewServer(a.Handler), srvB: httptest.NewServer(b.Handler)}
	t.Cleanup(r.srvA.Close)
	t.Cleanup(r.srvB.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r.ctx = ctx
	uc, err := a.Store.CreateUseCase(sys(), lodestar.NewUseCase{Title: "Credit"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit-risk", Name: "Credit"}); err != nil {
		t.Fatal(err)
	}
	risk, err := a.Store.CreateUser(sys(), lodestar.NewUser{Email: "risk@example.com", Name: "Risk", Role: lodestar.RoleRiskOfficer, Password: testPassword})
	if err != nil {
		t.Fatal(err)
	}
	if _, r.secret, err = a.Store.CreateToken(sys(), risk.Email, "t", nil); err != nil {
		t.Fatal(err)
	}
	return r
}

// streamOnB opens a switch stream on replica B and reads its snapshot.
func (r *replicas) streamOnB(t *testing.T) *bufio.Reader {
	t.Helper()
	req, _ := http.NewRequestWithContext(r.ctx, "GET", r.srvB.URL+"/api/v1/switches/stream", nil)
	req.Header.Set("Authorization", "Bearer "+r.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	br := bufio.NewReader(resp.Body)
	if ev := readEvent(t, br); ev.name != "snapshot" {
		t.Fatalf("first event on B: %+v, want the snapshot", ev)
	}
	return br
}

// flipOnA switches credit-risk off through replica A.
func (r *replicas) flipOnA(t *testing.T) {
	t.Helper()
	freq, _ := http.NewRequest("PUT", r.srvA.URL+"/api/v1/switches/credit-risk", strings.NewReader(`{"state":"off","reason":"good customers flagged"}`))
	freq.Header.Set("Authorization", "Bearer "+r.secret)
	freq.Header.Set("Content-Type", "application/json")
	fresp, err := http.DefaultClient.Do(freq)
	if err != nil || fresp.StatusCode != 200 {
		t.Fatalf("flip on A: %v %v", fresp.Status, err)
	}
	fresp.Body.Close()
}

// TestSwitchListenerReconnectsPromptlyEveryTime: each time replica B's
// LISTEN connection is lost (here: ended by the server, as a PostgreSQL
// restart or a proxy's idle cut does), B listens again after the first
// step of its backoff and a flip made on A meanwhile reaches B's stream
// within a few seconds — the third loss as promptly as the first; the
// backoff grows only while reconnecting fails. Skipped without
// LODESTAR_TEST_POSTGRES.
func TestSwitchListenerReconnectsPromptlyEveryTime(t *testing.T) {
	name := "lodestar_relisten_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	db, err := sqldb.Open(context.Background(), "", testdb.PostgresURL(t)+"&application_name="+name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := startReplicasOn(t, db)
	go r.b.FollowSwitches(r.ctx)
	br := r.streamOnB(t)
	got := sseEvents(br, 16)
	listening := func() int {
		var n int
		if err := db.QueryRow(r.ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = ? AND query LIKE 'LISTEN%'`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for round := 1; round <= 3; round++ {
		for deadline := time.Now().Add(40 * time.Second); listening() != 1; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: B is not listening", round)
			}
		}
		if _, err := db.ExecContext(r.ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`, name); err != nil {
			t.Fatal(err)
		}
		lost := time.Now()
		r.flipOnA(t)
		select {
		case ev := <-got:
			if ev.name != "switch" {
				t.Fatalf("round %d: got %+v, want a switch event", round, ev)
			}
			if d := time.Since(lost); d > 3*time.Second {
				t.Errorf("round %d: the flip reached B %s after B's listener was lost; want within 3 s", round, d.Round(time.Millisecond))
			}
		case <-time.After(40 * time.Second):
			t.Fatalf("round %d: the flip never reached B", round)
		}
	}
}
