package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestIngestSurvivesKill sends batches of prediction events from several
// clients, kills the server with SIGKILL in the middle, restarts it on the
// same database and sends every acknowledged batch again: each must come
// back as all duplicates, proving no acknowledged event was lost.
func TestIngestSurvivesKill(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, ingestKill)
}

type ingestAnswer struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Rejected   []struct {
		Line  int    `json:"line"`
		Error string `json:"error"`
	} `json:"rejected"`
}

func postBatch(c *http.Client, url, token, body string) (int, ingestAnswer, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return 0, ingestAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return 0, ingestAnswer{}, err
	}
	defer resp.Body.Close()
	var a ingestAnswer
	err = json.NewDecoder(resp.Body).Decode(&a)
	return resp.StatusCode, a, err
}

// recommender starts a server on db with a "recommender" model (use case
// 1, model 1, and version 3.1 when withVersion), and returns it with an
// admin token and an ingest-only token, both made with the CLI.
func recommender(t *testing.T, db []string, withVersion bool) (srv *server, admin, ingest string) {
	t.Helper()
	srv = startServer(t, serverOpts{dbArgs: db, env: withAdmin(), args: []string{"--monitor-interval", "0"}})
	admin = lastLine(mustRun(t, append([]string{"token", "create", "--user", adminEmail, "--name", "setup"}, db...)...).stdout)
	ingest = lastLine(mustRun(t, append([]string{"token", "create", "--user", adminEmail, "--name", "producer", "--scope", "ingest"}, db...)...).stdout)
	calls := []struct{ path, body string }{
		{"/api/v1/use-cases", `{"title":"Recommendations"}`},
		{"/api/v1/models", `{"use_case_id":1,"key":"recommender","name":"Recommender"}`},
	}
	if withVersion {
		calls = append(calls, struct{ path, body string }{"/api/v1/models/1/versions", `{"version":"3.1"}`})
	}
	c := &http.Client{Timeout: 30 * time.Second}
	for _, call := range calls {
		req, _ := http.NewRequest("POST", srv.URL+call.path, strings.NewReader(call.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+admin)
		if code, body := do(t, c, req); code != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", call.path, code, body)
		}
	}
	return srv, admin, ingest
}

func ingestKill(t *testing.T, db []string) {
	srv, _, ingest := recommender(t, db, false)
	c := &http.Client{Timeout: 30 * time.Second}

	const clients, perBatch = 4, 500
	batch := func(client, n int) string {
		var b strings.Builder
		for i := range perBatch {
			fmt.Fprintf(&b, `{"id":"c%d-b%d-%d","version":"1.0","features":{"x":%d,"region":"north"},"prediction":0.%d,"latency_ms":3}`+"\n",
				client, n, i, i, i%10)
		}
		return b.String()
	}
	var mu sync.Mutex
	acked := map[string]string{} // batch name → body
	stop := make(chan struct{})
	var wg sync.WaitGroup
	url := srv.URL + "/api/v1/models/recommender/events"
	for cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				body := batch(cl, n)
				code, a, err := postBatch(c, url, ingest, body)
				if err != nil {
					return // the server is gone
				}
				if code != http.StatusOK || a.Accepted != perBatch {
					t.Errorf("client %d batch %d: status %d, %+v", cl, n, code, a)
					return
				}
				mu.Lock()
				acked[fmt.Sprintf("c%d-b%d", cl, n)] = body
				mu.Unlock()
			}
		}()
	}
	// Kill once a good number of batches are acknowledged, mid-stream.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 40 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	srv.kill(t)
	close(stop)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) < 10 {
		t.Fatalf("only %d batches were acknowledged before the kill", len(acked))
	}

	srv2 := startServer(t, serverOpts{dbArgs: db, env: withAdmin(), args: []string{"--monitor-interval", "0"}})
	url = srv2.URL + "/api/v1/models/recommender/events"
	for name, body := range acked {
		code, a, err := postBatch(c, url, ingest, body)
		if err != nil || code != http.StatusOK {
			t.Fatalf("resend %s: %d %v", name, code, err)
		}
		if a.Accepted != 0 || a.Duplicates != perBatch {
			t.Errorf("batch %s was acknowledged before the kill but after restart: accepted %d, duplicates %d; want 0 and %d (events lost)",
				name, a.Accepted, a.Duplicates, perBatch)
		}
	}
	t.Logf("%d acknowledged batches (%d events) all present after SIGKILL and restart", len(acked), len(acked)*perBatch)
}
