package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestOFREPServerFailureIsOFREPShaped: a store failure after the token
// is accepted is answered in OFREP's error shape — errorCode GENERAL and
// errorDetails, with the key for one flag — as the 400 and 404 answers
// are, not in the rest of the API's {"error":{…}}, which an OFREP provider
// cannot read; errorDetails is in the language asked for, and the status
// stays a 500.
func TestOFREPServerFailureIsOFREPShaped(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	creditModel(t, f)
	_, tok := f.token(f.user(lodestar.RoleViewer, "viewer@example.com"), lodestar.ScopeRead)
	h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}}
	if r := f.do(f.client(), "POST", "/ofrep/v1/evaluate/flags/credit-risk", h, strings.NewReader(`{"context":{}}`)); r.StatusCode != http.StatusOK {
		t.Fatalf("before the failure: %d %s", r.StatusCode, r.body)
	}
	// The switches' table gone: every read of a switch fails.
	if _, err := f.app.DB.DB.ExecContext(context.Background(), `ALTER TABLE switches RENAME TO switches_gone`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, key, lang, details string }{
		{"/ofrep/v1/evaluate/flags/credit-risk", "credit-risk", "", "Internal error."},
		{"/ofrep/v1/evaluate/flags/credit-risk", "credit-risk", "zh-CN", "内部错误。"},
		{"/ofrep/v1/evaluate/flags", "", "", "Internal error."},
		{"/ofrep/v1/evaluate/flags", "", "zh-CN", "内部错误。"},
	} {
		h := h.Clone()
		if c.lang != "" {
			h.Set("Accept-Language", c.lang)
		}
		r := f.do(f.client(), "POST", c.path, h, strings.NewReader(`{"context":{}}`))
		var got map[string]any
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatalf("%s: %v in %s", c.path, err, r.body)
		}
		want := map[string]any{"errorCode": "GENERAL", "errorDetails": c.details}
		if c.key != "" {
			want["key"] = c.key
		}
		if r.StatusCode != http.StatusInternalServerError || len(got) != len(want) {
			t.Errorf("%s (%q): %d %s, want 500 %v", c.path, c.lang, r.StatusCode, r.body, want)
			continue
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s (%q): %s is %v, want %v", c.path, c.lang, k, got[k], v)
			}
		}
	}
	// Each failure is still logged as the internal error it is (and
	// taken here, as expected).
	if logged := f.logs.takeErrors(); len(logged) != 4 || !strings.Contains(logged[0], "no such table") {
		t.Errorf("error logs: %q, want the 4 failures", logged)
	}
	// The tokens' table gone too: the guard fails looking the token up,
	// before the handler runs, and answers in OFREP's shape as well.
	if _, err := f.app.DB.DB.ExecContext(context.Background(), `ALTER TABLE api_tokens RENAME TO api_tokens_gone`); err != nil {
		t.Fatal(err)
	}
	for path, key := range map[string]string{"/ofrep/v1/evaluate/flags/credit-risk": "credit-risk", "/ofrep/v1/evaluate/flags": ""} {
		r := f.do(f.client(), "POST", path, h, strings.NewReader(`{"context":{}}`))
		var got map[string]any
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.StatusCode != http.StatusInternalServerError ||
			got["errorCode"] != "GENERAL" || got["errorDetails"] != "Internal error." || (key != "" && got["key"] != key) || got["error"] != nil {
			t.Errorf("%s, the token unreadable: %d %s, want 500 GENERAL", path, r.StatusCode, r.body)
		}
	}
	f.logs.takeErrors()
}

// takeErrors returns the error lines logged so far and forgets them: a
// test that makes the server fail on purpose expects them.
func (h *errorLog) takeErrors() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	recs := h.recs
	h.recs = nil
	return recs
}

// TestOFREPDatabaseAwayIsA500: with the database away (a PostgreSQL
// server that cannot be reached), OFREP answers 500 GENERAL — the
// protocol lists no 503, and OFREP providers read a 500 as an
// evaluation error (the caller's default is served), where a 503 is an
// answer they do not expect — with the store's message in errorDetails,
// in the language asked for, and Retry-After kept as a hint. The rest of
// the API still answers 503 (TestDatabaseAwayAnswers503).
func TestOFREPDatabaseAwayIsA500(t *testing.T) {
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
	for _, c := range []struct{ path, key, lang, details string }{
		{"/ofrep/v1/evaluate/flags/credit-risk", "credit-risk", "", "The database cannot be reached at the moment; try again shortly."},
		{"/ofrep/v1/evaluate/flags/credit-risk", "credit-risk", "zh-CN", "暂时无法连接数据库，请稍后再试。"},
		{"/ofrep/v1/evaluate/flags", "", "", "The database cannot be reached at the moment; try again shortly."},
	} {
		req, _ := http.NewRequest("POST", srv.URL+c.path, strings.NewReader(`{"context":{}}`))
		req.Header.Set("Authorization", "Bearer lst_anything")
		req.Header.Set("Content-Type", "application/json")
		if c.lang != "" {
			req.Header.Set("Accept-Language", c.lang)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		err = json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		want := map[string]any{"errorCode": "GENERAL", "errorDetails": c.details}
		if c.key != "" {
			want["key"] = c.key
		}
		if resp.StatusCode != http.StatusInternalServerError || len(got) != len(want) {
			t.Errorf("%s (%q): %d %v, want 500 %v", c.path, c.lang, resp.StatusCode, got, want)
			continue
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s (%q): %s is %v, want %v", c.path, c.lang, k, got[k], v)
			}
		}
		if ra := resp.Header.Get("Retry-After"); ra != "5" {
			t.Errorf("%s: Retry-After %q, want 5 (the hint the API gives with its 503)", c.path, ra)
		}
	}
}
