// Command ingest measures HTTP ingestion end to end: it sends prediction
// events (20 numeric and 5 categorical features, a score, a label and a
// latency each) as NDJSON batches from several concurrent clients to a
// running Lodestar and reports events per second and request latency.
// The batches are generated before the clock starts, so the figure is
// the server's (plus the HTTP clients' share of the same machine).
//
//	bash bench/ingest/run.sh            # builds, starts a server, runs this
//	go run ./bench/ingest -url http://127.0.0.1:8080 -token lst_… -model recommender
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// cpuSeconds is the user and system CPU time this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "Lodestar's address")
	token := flag.String("token", "", "an API token with the ingest or write scope")
	model := flag.String("model", "recommender", "the model key")
	events := flag.Int("events", 200000, "events to send")
	batch := flag.Int("batch", 5000, "events per request (at most 10,000)")
	clients := flag.Int("clients", 4, "concurrent clients")
	ids := flag.String("ids", "uuid7", "event IDs: uuid7 (time-ordered, as the Go SDK makes them) or random (128 random bits)")
	first := flag.String("start", "", "the first event's time, RFC 3339 (default now); event n is n ms after it")
	flag.Parse()
	t0 := time.Now().UTC()
	var startErr error
	if *first != "" {
		t0, startErr = time.Parse(time.RFC3339Nano, *first)
		t0 = t0.UTC()
	}
	if startErr != nil || *token == "" || *batch < 1 || *batch > 10000 || *events < *batch || *clients < 1 || (*ids != "uuid7" && *ids != "random") {
		fmt.Fprintln(os.Stderr, "usage: ingest -token T [-url U] [-model K] [-events N] [-batch B ≤ 10000] [-clients C] [-ids uuid7|random] [-start RFC3339]")
		os.Exit(2)
	}
	newID := sdk.NewEventID
	if *ids == "random" {
		newID = func() string { return fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64()) }
	}
	fmt.Fprintf(os.Stderr, "generating %d events…\n", *events)
	rng := rand.New(rand.NewPCG(7, 11))
	cats := []string{"north", "south", "east", "west", "centre"}
	var bodies [][]byte
	for b := 0; b*(*batch) < *events; b++ {
		var buf bytes.Buffer
		for i := 0; i < *batch; i++ {
			n := b*(*batch) + i
			fmt.Fprintf(&buf, `{"id":"%s","time":"%s","version":"1.0","features":{`, newID(), t0.Add(time.Duration(n)*time.Millisecond).Format(time.RFC3339Nano))
			for f := 0; f < 20; f++ {
				fmt.Fprintf(&buf, `"n%d":%.4f,`, f, rng.NormFloat64())
			}
			for f := 0; f < 5; f++ {
				if f > 0 {
					buf.WriteByte(',')
				}
				fmt.Fprintf(&buf, `"c%d":%q`, f, cats[rng.IntN(len(cats))])
			}
			fmt.Fprintf(&buf, `},"prediction":%.3f,"label":%d,"latency_ms":%.1f}`+"\n", rng.Float64(), rng.IntN(2), 2+rng.ExpFloat64()*5)
		}
		bodies = append(bodies, buf.Bytes())
	}
	total := len(bodies) * (*batch)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *clients}, Timeout: 2 * time.Minute}
	work := make(chan []byte)
	var mu sync.Mutex
	var lat []time.Duration
	accepted := 0
	var wg sync.WaitGroup
	cpu0 := cpuSeconds()
	start := time.Now()
	for range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range work {
				req, _ := http.NewRequest("POST", *url+"/api/v1/models/"+*model+"/events", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-ndjson")
				req.Header.Set("Authorization", "Bearer "+*token)
				t := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					fmt.Fprintln(os.Stderr, "request:", err)
					os.Exit(1)
				}
				var a struct{ Accepted int }
				err = json.NewDecoder(resp.Body).Decode(&a)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					fmt.Fprintln(os.Stderr, "answer:", resp.Status, err)
					os.Exit(1)
				}
				mu.Lock()
				lat = append(lat, time.Since(t))
				accepted += a.Accepted
				mu.Unlock()
			}
		}()
	}
	for _, b := range bodies {
		work <- b
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	clientCPU := cpuSeconds() - cpu0
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("ingest (%s ids): %d events (%d accepted) in %d requests of %d from %d clients: %.2f s, %.0f events/s; request p50 %s p99 %s\n",
		*ids, total, accepted, len(bodies), *batch, *clients, elapsed.Seconds(), float64(total)/elapsed.Seconds(),
		q(0.5).Round(time.Millisecond), q(0.99).Round(time.Millisecond))
	fmt.Printf("client CPU while sending: %.2f s, %.1f µs per event\n", clientCPU, clientCPU/float64(total)*1e6)
	if accepted != total {
		fmt.Fprintf(os.Stderr, "accepted %d of %d: ids were not unique?\n", accepted, total)
		os.Exit(1)
	}
}
