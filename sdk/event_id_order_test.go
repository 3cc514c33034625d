package sdk_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/lodestar-hq/lodestar/sdk"
)

// TestReportBatchInIDOrder checks that the IDs Report gives events reported
// from many goroutines at once come in increasing order within each batch
// sent (the server then only checks the order instead of sorting), and that
// every event arrives once.
func TestReportBatchInIDOrder(t *testing.T) {
	var mu sync.Mutex
	var batches, lines int
	var unordered []string
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(nil, 16<<20)
		prev, n := "", 0
		mu.Lock()
		defer mu.Unlock()
		for sc.Scan() {
			var l struct{ ID string }
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Errorf("line %q: %v", sc.Bytes(), err)
			}
			if prev != "" && l.ID <= prev && len(unordered) < 3 {
				unordered = append(unordered, fmt.Sprintf("batch %d: %s after %s", batches, l.ID, prev))
			}
			seen[l.ID] = true
			prev = l.ID
			n++
		}
		batches++
		lines += n
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"accepted":%d,"duplicates":0,"rejected":[]}`, n)
	}))
	defer srv.Close()
	r := sdk.NewReporter(srv.URL, "token", "model", sdk.WithBatchSize(500))
	const goroutines, each = 8, 4000
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if err := r.Report(sdk.Event{Version: "1", Prediction: sdk.Number(0.5)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := r.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if lines != goroutines*each || len(seen) != lines {
		t.Errorf("%d lines, %d IDs; want %d each", lines, len(seen), goroutines*each)
	}
	if len(unordered) > 0 {
		t.Errorf("IDs out of order within a batch (of %d): %v", batches, unordered)
	}
}
