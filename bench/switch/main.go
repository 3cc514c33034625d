// Command switch measures flip-to-client latency of the human
// intervention switch: it starts Lodestar in-process on SQLite, opens N
// event streams over loopback (each a real HTTP connection), flips a
// switch through the API several times, and prints p50/p99 of the time
// from the flip request to each stream seeing the flip.
//
//	go run ./bench/switch [-subscribers 1000,10000] [-flips 10] [-per-process 10000] [-pace 1.5s]
//
// With -pace the flips are spaced out so that the CPU measured also
// covers what the open streams cost between flips: their heartbeats and
// the checks of their credentials (one per token each heartbeat).
//
// The streams are held by child processes (this binary run again with
// -child), at most -per-process each: a process may hold only so many
// file descriptors (20,000 in the sandbox this was written in), and the
// server's side of 10,000 streams already takes half of that. Each
// stream stands for a client on a machine of its own, but here the
// children share the two cores with the server, so they should take as
// little CPU from it as they can. By default (-client epoll, Linux) a
// child opens its connections with plain system calls, sends each
// stream's request by hand and reads every connection from one thread
// with epoll, finding each flip's line in the bytes as they come (the
// HTTP chunk framing around it is passed over): at 10,000 streams it
// costs 40-45 ms of CPU per flip. With -client go it reads each through
// Go's net/http with a goroutine per stream, as 10,000 Go clients would,
// and costs 90-100 ms. One child holding all 10,000 streams costs about
// half the CPU per flip of four holding 2,500 each, as more streams are
// served by each of its wake-ups. The children stamp each flip's arrival
// with the wall clock, which all processes on the machine share, and the
// parent subtracts the time it sent the flip. The last two columns are
// the CPU time one flip cost the server's process and the children
// together (user and system): on a shared machine they vary less than
// the delays do, and the load column says how shared it was.
//
// Each row is followed by a "raw TCP" row (unless -floor=false): the same
// number of plain loopback connections held by the same kind of child,
// each flip one 14-byte write to every connection from one goroutine per
// core — no HTTP, no database, no event stream. It is the floor any
// server with a connection per subscriber meets on this machine.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/config"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

func main() {
	subs := flag.String("subscribers", "1000,10000", "comma-separated stream counts to measure")
	flips := flag.Int("flips", 10, "flips per count")
	per := flag.Int("per-process", 10000, "streams per child process (each costs the child one file descriptor, the server another)")
	profile := flag.String("cpuprofile", "", "write the server process's CPU profile during the flips of the last row here")
	floor := flag.Bool("floor", true, "also time the kernel alone: the same number of plain TCP connections over loopback, one short write to each per flip, no HTTP")
	pace := flag.Duration("pace", 0, "wait this long between flips, so the CPU measured covers the streams' idle costs too: with -flips 10, 1.5s spans one 15 s heartbeat, in which every stream gets its ping and its credential is checked")
	child := flag.Bool("child", false, "internal: run as a child holding streams (-url, -token, -streams, -flips)")
	client := flag.String("client", defaultClient(), "how the children read: epoll (plain system calls, one thread reading every connection; Linux) or go (Go's net/http, a goroutine per connection)")
	raw := flag.String("raw", "", "internal: for -child, plain TCP connections to this address instead of event streams")
	url := flag.String("url", "", "internal: the server, for -child")
	token := flag.String("token", "", "internal: the token, for -child")
	streams := flag.Int("streams", 0, "internal: how many streams, for -child")
	flag.Parse()
	var err error
	switch {
	case *client != "epoll" && *client != "go":
		err = fmt.Errorf("-client is epoll or go, not %q", *client)
	case *child && *client == "epoll" && *raw != "":
		err = runEpollChild(*raw, "", []byte("switch "), *streams, *flips)
	case *child && *client == "epoll":
		host := strings.TrimPrefix(*url, "http://")
		err = runEpollChild(host, "GET /api/v1/switches/stream HTTP/1.1\r\nHost: "+host+"\r\nAuthorization: Bearer "+*token+"\r\nAccept: text/event-stream\r\n\r\n",
			[]byte("event: switch"), *streams, *flips)
	case *child && *raw != "":
		err = runChild(dialRaw(*raw), *streams, *flips)
	case *child:
		err = runChild(openStream(*url, *token), *streams, *flips)
	default:
		profilePath, flipPace, childKind = *profile, *pace, *client
		err = run(*subs, *flips, *per, *floor)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "switch:", err)
		os.Exit(1)
	}
}

var (
	profilePath string
	flipPace    time.Duration
	childKind   string // -client, passed on to the children
)

// defaultClient is the children's kind where none is asked for.
func defaultClient() string {
	if haveEpoll {
		return "epoll"
	}
	return "go"
}

func run(subs string, flips, per int, floor bool) error {
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
	// The caps on open streams are serve's, raised to the largest row:
	// every stream here presents the one token, as the replicas of a
	// large service do, and serve's default per credential is below
	// 10,000.
	most := 0
	for _, f := range strings.Split(subs, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			most = max(most, n)
		}
	}
	defaults := config.Defaults()
	a, err := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{
		MaxStreams: max(defaults.MaxStreams, most), MaxStreamsPerCredential: max(defaults.MaxStreamsPerCredential, most)})
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
	fmt.Printf("flip-to-client latency over loopback, in-process server on SQLite, streams held by child processes (≤ %d each, reading with %s); %d flips per row\n", per, childKind, flips)
	fmt.Printf("%12s %10s %10s %10s %10s %12s %12s %8s\n", "subscribers", "processes", "p50 ms", "p99 ms", "max ms", "server CPU", "client CPU", "load")
	fmt.Printf("%12s %10s %10s %10s %10s %12s %12s %8s\n", "", "", "", "", "", "ms/flip", "ms/flip", "")
	state := "off"
	for _, f := range strings.Split(subs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("bad -subscribers %q", f)
		}
		procs := (n + per - 1) / per
		m, err := measure([]string{"-url", srv.URL, "-token", tok}, n, procs, flips, nil, func(int) error {
			if state == "off" {
				state = "on"
			} else {
				state = "off"
			}
			return flipSwitch(srv.URL, tok, state)
		})
		if err != nil {
			return err
		}
		m.print(fmt.Sprint(n), procs, flips)
		if floor {
			if m, err = measureRaw(n, procs, flips); err != nil {
				return err
			}
			m.print("  raw TCP", procs, flips)
		}
	}
	if floor {
		fmt.Println("(raw TCP: the same number of plain loopback connections held by the same kind of child, one 14-byte write to each per flip from one goroutine per core, no HTTP, no database: what the kernel alone costs)")
	}
	return nil
}

func (m *measurement) print(label string, procs, flips int) {
	lat := m.lat
	slices.Sort(lat)
	q := func(p float64) float64 { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("%12s %10d %10.2f %10.2f %10.2f %12.1f %12.1f %8s\n", label, procs, q(0.5), q(0.99), lat[len(lat)-1], m.serverCPU/float64(flips), m.clientCPU/float64(flips), m.load)
}

// flipSwitch flips the bench switch through the API, as a risk officer would.
func flipSwitch(url, tok, state string) error {
	req, _ := http.NewRequest("PUT", url+"/api/v1/switches/bench", strings.NewReader(`{"state":"`+state+`","reason":"bench"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("flip: %s", resp.Status)
	}
	return nil
}

// measureRaw is measure over plain TCP: the children dial n connections to
// a listener here, and each flip is one short line written to every
// connection, the connections shared among one goroutine per core.
func measureRaw(n, procs, flips int) (*measurement, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	var mu sync.Mutex
	var conns []net.Conn
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	accepted := func() error {
		for range 1000 {
			mu.Lock()
			k := len(conns)
			mu.Unlock()
			if k == n {
				return nil
			}
			time.Sleep(10 * time.Millisecond)
		}
		return fmt.Errorf("raw: %d of %d connections accepted", len(conns), n)
	}
	return measure([]string{"-raw", ln.Addr().String()}, n, procs, flips, accepted, func(f int) error {
		msg := []byte(fmt.Sprintf("switch %05d\n", f%100000))
		parts := runtime.GOMAXPROCS(0)
		var wg sync.WaitGroup
		errs := make([]error, parts)
		for p := range parts {
			wg.Go(func() {
				for i := p; i < len(conns); i += parts {
					if _, err := conns[i].Write(msg); err != nil {
						errs[p] = err
						return
					}
				}
			})
		}
		wg.Wait()
		return errors.Join(errs...)
	})
}

// kid is one child process and the pipes to it.
type kid struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string // its stdout, line by line
}

func (k *kid) expect(prefix string, timeout time.Duration) (string, error) {
	select {
	case l, ok := <-k.lines:
		if !ok {
			return "", fmt.Errorf("child exited while waiting for %q", prefix)
		}
		if !strings.HasPrefix(l, prefix) {
			return "", fmt.Errorf("child said %q, want %q", l, prefix)
		}
		return strings.TrimSpace(strings.TrimPrefix(l, prefix)), nil
	case <-time.After(timeout):
		return "", fmt.Errorf("no %q from a child within %s", prefix, timeout)
	}
}

// measurement is one row: every stream's delay for every flip, in
// milliseconds, and the CPU milliseconds the flips cost the server's
// process and the children.
type measurement struct {
	lat                  []float64
	serverCPU, clientCPU float64
	load                 string // the 1-minute load average as the flips began
}

// cpuMillis is the CPU time (user and system) this process has used.
func cpuMillis() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// measure starts procs children holding n streams between them, flips the
// switch flips times, and gathers every stream's delay for every flip.
// kidArgs tells the children what to hold; ready, when not nil, is
// called once they say they are ready; flip makes flip f happen.
func measure(kidArgs []string, n, procs, flips int, ready func() error, flip func(f int) error) (*measurement, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var kids []*kid
	defer func() {
		for _, k := range kids {
			k.in.Close()
			_ = k.cmd.Process.Kill()
			_ = k.cmd.Wait()
		}
	}()
	for i := range procs {
		share := n / procs
		if i < n%procs {
			share++
		}
		args := append([]string{"-child", "-client", childKind, "-streams", strconv.Itoa(share), "-flips", strconv.Itoa(flips)}, kidArgs...)
		cmd := exec.Command(self, args...)
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		k := &kid{cmd: cmd, in: in, lines: make(chan string, flips+4)}
		go func() {
			sc := bufio.NewScanner(out)
			sc.Buffer(make([]byte, 1<<20), 64<<20)
			for sc.Scan() {
				k.lines <- sc.Text()
			}
			close(k.lines)
		}()
		kids = append(kids, k)
	}
	for _, k := range kids {
		if _, err := k.expect("ready", 2*time.Minute); err != nil {
			return nil, err
		}
	}
	if ready != nil {
		if err := ready(); err != nil {
			return nil, err
		}
	}
	if profilePath != "" {
		f, err := os.Create(profilePath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	load, _ := os.ReadFile("/proc/loadavg")
	cpu0 := cpuMillis()
	starts := make([]string, 0, flips)
	for f := range flips {
		if f > 0 {
			time.Sleep(flipPace)
		}
		start := time.Now()
		if err := flip(f); err != nil {
			return nil, err
		}
		starts = append(starts, strconv.FormatInt(start.UnixNano(), 10))
		for _, k := range kids {
			if got, err := k.expect("seen", 30*time.Second); err != nil {
				return nil, err
			} else if got != strconv.Itoa(f) {
				return nil, fmt.Errorf("child saw flip %s, want %d", got, f)
			}
		}
	}
	m := &measurement{serverCPU: cpuMillis() - cpu0, load: strings.Fields(string(load) + " ?")[0]}
	for _, k := range kids {
		if _, err := fmt.Fprintf(k.in, "starts %s\n", strings.Join(starts, " ")); err != nil {
			return nil, err
		}
		cpu, err := k.expect("cpu", time.Minute)
		if err != nil {
			return nil, err
		}
		ms, err := strconv.ParseFloat(cpu, 64)
		if err != nil {
			return nil, err
		}
		m.clientCPU += ms
		js, err := k.expect("latencies", time.Minute)
		if err != nil {
			return nil, err
		}
		var l []float64
		if err := json.Unmarshal([]byte(js), &l); err != nil {
			return nil, err
		}
		m.lat = append(m.lat, l...)
	}
	if len(m.lat) != n*flips {
		return nil, fmt.Errorf("got %d latencies, want %d", len(m.lat), n*flips)
	}
	return m, nil
}

// opener opens one connection for a child: the reader of what the server
// sends, whether a snapshot comes first (the stream is ready only then),
// and the prefix of a line that announces a flip.
type opener func() (body io.ReadCloser, snapshot bool, flipLine []byte, err error)

// openStream opens Lodestar's switch event stream.
func openStream(url, tok string) opener {
	tr := &http.Transport{MaxIdleConnsPerHost: -1, DialContext: (&net.Dialer{Timeout: 30 * time.Second}).DialContext}
	client := &http.Client{Transport: tr}
	return func() (io.ReadCloser, bool, []byte, error) {
		req, _ := http.NewRequest("GET", url+"/api/v1/switches/stream", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := client.Do(req)
		if err != nil {
			return nil, false, nil, err
		}
		if resp.StatusCode != 200 {
			resp.Body.Close()
			return nil, false, nil, errors.New(resp.Status)
		}
		return resp.Body, true, []byte("event: switch"), nil
	}
}

// dialRaw opens a plain TCP connection to measureRaw's listener.
func dialRaw(addr string) opener {
	return func() (io.ReadCloser, bool, []byte, error) {
		c, err := net.DialTimeout("tcp", addr, 30*time.Second)
		return c, false, []byte("switch "), err
	}
}

// tally is what a child's readers fill in: when each of its n
// connections saw each flip, and how many have seen it. Each connection
// writes only its own arrival times and counts itself in with an atomic
// add: connections never wait for each other.
type tally struct {
	n, flips int
	arrived  [][]int64 // [flip][connection] Unix nanoseconds
	counts   []atomic.Int64
	mu       sync.Mutex // guards out
	out      *bufio.Writer
}

// newTally tallies n connections over flips flips, saying what it has
// to out.
func newTally(n, flips int, out io.Writer) *tally {
	t := &tally{n: n, flips: flips, arrived: make([][]int64, flips), counts: make([]atomic.Int64, flips), out: bufio.NewWriter(out)}
	for k := range t.arrived {
		t.arrived[k] = make([]int64, n)
	}
	return t
}

// say writes one line to the parent.
func (t *tally) say(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.out, format+"\n", args...)
	t.out.Flush()
}

// seen records that connection i saw flip k at now; the last of the n
// tells the parent.
func (t *tally) seen(i, k int, now int64) {
	if k >= t.flips {
		return
	}
	t.arrived[k][i] = now
	if t.counts[k].Add(1) == int64(t.n) {
		t.say("seen %d", k)
	}
}

// report says "ready" (every connection is open, and has its snapshot
// for a stream), and on "starts T0 T1 …" (the flips' start times, Unix
// nanoseconds) prints the CPU time the child used since then and every
// delay in milliseconds as one JSON array.
func (t *tally) report() error {
	t.say("ready")
	cpu0 := cpuMillis()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 16<<20)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) == 0 || f[0] != "starts" {
			continue
		}
		lat := make([]float64, 0, t.n*(len(f)-1))
		for k, s := range f[1:] {
			start, err := strconv.ParseInt(s, 10, 64)
			if err != nil || k >= t.flips || t.counts[k].Load() != int64(t.n) {
				return fmt.Errorf("bad starts line, or flip %d not seen by every stream", k)
			}
			for _, at := range t.arrived[k] {
				lat = append(lat, float64(at-start)/1e6)
			}
		}
		b, _ := json.Marshal(lat)
		t.say("cpu %.1f", cpuMillis()-cpu0)
		t.say("latencies %s", b)
		return nil
	}
	return in.Err()
}

// runChild opens n connections with Go's net and net/http, a goroutine
// reading each, as n Go clients would; see tally.report for what it says.
func runChild(open opener, n, flips int) error {
	t := newTally(n, flips, os.Stdout)
	var ready sync.WaitGroup
	var failed atomic.Value
	dial := make(chan struct{}, 64) // connect a few at a time: the listen backlog is finite
	for i := range n {
		ready.Add(1)
		go func() {
			dial <- struct{}{}
			body, snapshot, flipLine, err := open()
			<-dial
			if err != nil {
				failed.Store(err)
				ready.Done()
				return
			}
			defer body.Close()
			if !snapshot {
				ready.Done()
			}
			br := bufio.NewReader(body)
			first, k := snapshot, 0
			for {
				line, err := br.ReadSlice('\n')
				if err != nil {
					return
				}
				switch {
				case first && bytes.HasPrefix(line, []byte("event: snapshot")):
					first = false
					ready.Done()
				case bytes.HasPrefix(line, flipLine):
					t.seen(i, k, time.Now().UnixNano())
					k++
				}
			}
		}()
	}
	ready.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	return t.report()
}
