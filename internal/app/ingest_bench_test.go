package app_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/testdb"
	"github.com/lodestar-hq/lodestar/sdk"
)

// BenchmarkIngestHTTP posts batches of 5,000 events (20 numeric and 5
// categorical features) from four clients through the whole app on
// SQLite, in one process: the server's share of bench/ingest.
func BenchmarkIngestHTTP(b *testing.B) {
	db := testdb.Open(b)
	a, err := app.New(db, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	ctx := sys()
	uc, _ := a.Store.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Bench"})
	if _, err := a.Store.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "bench", Name: "Bench"}); err != nil {
		b.Fatal(err)
	}
	u, err := a.Store.CreateUser(ctx, lodestar.NewUser{Email: "bench@example.com", Name: "B", Role: lodestar.RoleAITeam, Password: testPassword})
	if err != nil {
		b.Fatal(err)
	}
	_, tok, err := a.Store.CreateToken(ctx, u.Email, "t", []string{lodestar.ScopeIngest})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	body := func() []byte {
		var buf bytes.Buffer
		for range 5000 {
			fmt.Fprintf(&buf, `{"id":"%s","time":"2026-11-28T10:00:00Z","version":"1.0","features":{`, sdk.NewEventID())
			n++
			for f := range 20 {
				fmt.Fprintf(&buf, `"n%d":%.4f,`, f, rng.NormFloat64())
			}
			buf.WriteString(`"c0":"north","c1":"a","c2":"b","c3":"c","c4":"d"},"prediction":0.5,"label":1,"latency_ms":3.5}` + "\n")
		}
		return buf.Bytes()
	}
	bodies := make([][]byte, 0, b.N)
	for range b.N {
		bodies = append(bodies, body())
	}
	work := make(chan []byte)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range work {
				req, _ := http.NewRequest("POST", srv.URL+"/api/v1/models/bench/events", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-ndjson")
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
				}
			}
		}()
	}
	for _, body := range bodies {
		work <- body
	}
	close(work)
	wg.Wait()
	b.ReportMetric(float64(b.N*5000)/time.Since(start).Seconds(), "events/s")
}
