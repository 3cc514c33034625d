// Command switch measures flip-to-client latency of the human
// intervention switch: it starts Lodestar in-process on SQLite, opens N
// event streams over loopback (each a real HTTP connection), flips a
// switch through the API several times, and prints p50/p99 of the time
// from the flip request to each stream seeing the flip.
//
//	go run ./bench/switch [-subscribers 1000] [-flips 10]
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

func main() {
	subs := flag.String("subscribers", "1000", "comma-separated stream counts to measure (each stream costs two file descriptors here: client and server share the process)")
	flips := flag.Int("flips", 10, "flips per count")
	flag.Parse()
	if err := run(*subs, *flips); err != nil {
		fmt.Fprintln(os.Stderr, "switch:", err)
		os.Exit(1)
	}
}

func run(subs string, flips int) error {
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "bench"})
	dir, err := os.MkdirTemp("", "lodestar-switch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := sqldb.Open(ctx, dir, "")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	a, err := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		return err
	}
	uc, err := a.Store.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Bench"})
	if err != nil {
		return err
	}
	if _, err := a.Store.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "bench", Name: "Bench"}); err != nil {
		return err
	}
	u, err := a.Store.CreateUser(ctx, lodestar.NewUser{Email: "bench@example.com", Role: lodestar.RoleRiskOfficer, Password: "bench-password-123"})
	if err != nil {
		return err
	}
	_, tok, err := a.Store.CreateToken(ctx, u.Email, "bench", nil)
	if err != nil {
		return err
	}
	srv := httptest.NewServer(a.Handler)
	defer srv.Close()
	fmt.Printf("flip-to-client latency over loopback, in-process server on SQLite; %d flips per row\n", flips)
	fmt.Printf("%12s %10s %10s %10s\n", "subscribers", "p50 ms", "p99 ms", "max ms")
	state := "off"
	for _, f := range strings.Split(subs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -subscribers %q", f)
		}
		lat, err := measure(srv.URL, tok, n, flips, &state)
		if err != nil {
			return err
		}
		slices.Sort(lat)
		q := func(p float64) float64 { return lat[int(p*float64(len(lat)-1))] }
		fmt.Printf("%12d %10.2f %10.2f %10.2f\n", n, q(0.5), q(0.99), lat[len(lat)-1])
	}
	return nil
}

// measure opens n streams, then flips the switch flips times, collecting
// every stream's delay for every flip.
func measure(url, tok string, n, flips int, state *string) ([]float64, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0, DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type seen struct{ at time.Time }
	events := make([]chan seen, n)
	var ready sync.WaitGroup
	for i := range n {
		events[i] = make(chan seen, flips+1)
		ready.Add(1)
		go func(c chan seen) {
			req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/v1/switches/stream", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			resp, err := client.Do(req)
			if err != nil {
				ready.Done()
				return
			}
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			first := true
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if strings.HasPrefix(line, "event: snapshot") && first {
					first = false
					ready.Done()
				} else if strings.HasPrefix(line, "event: switch") {
					c <- seen{time.Now()}
				}
			}
		}(events[i])
	}
	ready.Wait()
	var lat []float64
	for range flips {
		if *state == "off" {
			*state = "on"
		} else {
			*state = "off"
		}
		req, _ := http.NewRequest("PUT", url+"/api/v1/switches/bench", strings.NewReader(`{"state":"`+*state+`","reason":"bench"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("flip: %s", resp.Status)
		}
		for i := range n {
			select {
			case s := <-events[i]:
				lat = append(lat, float64(s.at.Sub(start).Microseconds())/1000)
			case <-time.After(10 * time.Second):
				return nil, fmt.Errorf("stream %d missed a flip", i)
			}
		}
	}
	return lat, nil
}
