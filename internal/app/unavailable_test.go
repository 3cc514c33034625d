package app_test

import (
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestDatabaseAwayAnswers503: with the PostgreSQL server away, API calls
// answer 503 "unavailable" with Retry-After — a client retries — instead
// of a 500 that reads as a fault, and /readyz says not ready.
func TestDatabaseAwayAnswers503(t *testing.T) {
	raw, err := sql.Open("pgx", "postgres://lodestar@127.0.0.1:1/none?connect_timeout=2&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	a, err := app.New(&sqldb.DB{DB: raw, Dialect: sqldb.Postgres, Now: time.Now}, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/use-cases", nil)
	req.Header.Set("Authorization", "Bearer lst_anything")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct{ Code, Message string }
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 503 || body.Error.Code != "unavailable" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("API with the database away: got %d %+v Retry-After %q, want 503 unavailable with Retry-After", resp.StatusCode, body.Error, resp.Header.Get("Retry-After"))
	}
	if r, err := http.Get(srv.URL + "/readyz"); err != nil || r.StatusCode != 503 {
		t.Errorf("/readyz: got %v %v, want 503", r.StatusCode, err)
	}
}
