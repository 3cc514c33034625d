package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// bin is the lodestar binary that TestMain builds.
var bin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	flag.Parse() // for testing.Verbose
	dir, err := os.MkdirTemp("", "lodestar-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// The permission test runs the binary as nobody, who must reach it.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	bin = filepath.Join(dir, "lodestar")
	root, err := filepath.Abs("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	start := time.Now()
	build := exec.Command("go", "build", "-o", bin, "./cmd/lodestar")
	build.Dir = root
	// CGO_ENABLED=0 proves the binary needs no C toolchain (pure-Go SQLite).
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/lodestar with CGO_ENABLED=0 failed: %v\n%s", err, out)
		return 1
	}
	if err := os.Chmod(bin, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "e2e: built %s in %s\n", bin, time.Since(start).Round(time.Millisecond))
	}
	return m.Run()
}

// adminEmail and adminPassword are the first admin of servers started with
// withAdmin.
const (
	adminEmail    = "ops@example.com"
	adminPassword = "correct-horse-battery-staple"
)

// baseEnv is the test process's environment without any LODESTAR_*
// variable, so the developer's settings never leak into the binary.
func baseEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LODESTAR_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// result is one finished run of the binary.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s\n--- stdout:\n%s--- stderr:\n%s", r.code, r.elapsed.Round(time.Millisecond), r.stdout, r.stderr)
}

// cmdOpts tune one run of the binary.
type cmdOpts struct {
	env  []string
	cred *syscall.Credential // run as another user (tests run as root)
}

// lodestar runs the binary with args and waits for it (at most 60 s).
func lodestar(t testing.TB, args ...string) result {
	t.Helper()
	return lodestarWith(t, cmdOpts{}, args...)
}

func lodestarWith(t testing.TB, o cmdOpts, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = baseEnv(o.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if o.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: o.cred}
		cmd.Dir = "/"
	}
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		r.code = ee.ExitCode()
	case o.cred != nil && errors.Is(err, syscall.EPERM):
		t.Skipf("cannot run the binary as uid %d here: %v", o.cred.Uid, err)
	default:
		t.Fatalf("lodestar %s: %v (ctx: %v)\n%s", strings.Join(args, " "), err, ctx.Err(), r)
	}
	return r
}

// mustRun runs the binary and fails the test unless it exits 0.
func mustRun(t testing.TB, args ...string) result {
	t.Helper()
	r := lodestar(t, args...)
	if r.code != 0 {
		t.Fatalf("lodestar %s: want exit 0, got\n%s", strings.Join(args, " "), r)
	}
	return r
}

// lockedBuffer is a bytes.Buffer safe for the exec copier goroutine and the
// test to share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// stdoutWatcher records the server's stdout and reports the URL from the
// "Lodestar is serving on …" line.
type stdoutWatcher struct {
	lockedBuffer
	once sync.Once
	url  chan string
	line []byte
}

var servingLine = regexp.MustCompile(`^Lodestar is serving on (https?://\S+)$`)

func (w *stdoutWatcher) Write(p []byte) (int, error) {
	n, err := w.lockedBuffer.Write(p)
	w.line = append(w.line, p...) // only the exec copier goroutine writes
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		if m := servingLine.FindSubmatch(bytes.TrimRight(w.line[:i], "\r")); m != nil {
			u := string(m[1])
			w.once.Do(func() { w.url <- u })
		}
		w.line = w.line[i+1:]
	}
	return n, err
}

// server is a running `lodestar serve`.
type server struct {
	t       testing.TB
	URL     string
	cmd     *exec.Cmd
	stdout  *stdoutWatcher
	stderr  *lockedBuffer
	exited  chan struct{}
	waitErr error
	stop    sync.Once
	dead    bool // startServer already reported the exit
}

// kill ends the server with SIGKILL, as a crash would, and waits for it
// to exit; there is no graceful stop to check after.
func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.exited
	s.dead = true
}

// freeAddr is a loopback address free a moment ago, for a server that
// must come back on the same address after a restart.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serverOpts tune startServer.
type serverOpts struct {
	dbArgs []string // --data DIR or --database URL
	env    []string // extra environment, e.g. LODESTAR_ADMIN_PASSWORD
	args   []string // extra serve flags
}

// withAdmin is the environment that makes serve create a known first admin.
func withAdmin() []string {
	return []string{"LODESTAR_ADMIN_EMAIL=" + adminEmail, "LODESTAR_ADMIN_PASSWORD=" + adminPassword}
}

// startServer starts `lodestar serve --addr 127.0.0.1:0` and waits until it
// prints its URL. Cleanup stops it with SIGTERM and checks it shuts down
// gracefully: exit 0 within 15 s, logging "stopped".
func startServer(t testing.TB, o serverOpts) *server {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0"}, o.dbArgs...)
	args = append(args, o.args...)
	s := &server{t: t, stdout: &stdoutWatcher{url: make(chan string, 1)}, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = baseEnv(o.env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start lodestar serve: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() { s.Stop() })
	select {
	case s.URL = <-s.stdout.url:
	case <-s.exited:
		s.dead = true
		t.Fatalf("lodestar serve exited before serving: %v\n--- stdout:\n%s--- stderr:\n%s", s.waitErr, s.stdout.String(), s.stderr.String())
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.dead = true
		t.Fatalf("lodestar serve did not print its URL within 60 s\n--- stdout:\n%s--- stderr:\n%s", s.stdout.String(), s.stderr.String())
	}
	return s
}

// Stop sends SIGTERM and checks a graceful shutdown. It runs once; later
// calls (including the cleanup) do nothing.
func (s *server) Stop() {
	s.t.Helper()
	s.stop.Do(func() {
		if s.dead {
			return
		}
		select {
		case <-s.exited:
			s.t.Errorf("lodestar serve exited on its own: %v\n--- stderr:\n%s", s.waitErr, s.stderr.String())
			return
		default:
		}
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			s.t.Errorf("SIGTERM: %v", err)
		}
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
			s.t.Errorf("lodestar serve did not exit within 15 s of SIGTERM\n--- stderr:\n%s", s.stderr.String())
			return
		}
		if s.waitErr != nil {
			s.t.Errorf("lodestar serve after SIGTERM: %v, want exit 0\n--- stderr:\n%s", s.waitErr, s.stderr.String())
		}
		if !strings.Contains(s.stderr.String(), "stopped") {
			s.t.Errorf("lodestar serve did not log \"stopped\" on shutdown\n--- stderr:\n%s", s.stderr.String())
		}
	})
}

// waitStdout waits until the server's stdout matches re and returns the
// submatches. Lines after the URL line may arrive a moment after it.
func (s *server) waitStdout(t testing.TB, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(s.stdout.String()); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve stdout does not match %s within 10 s:\n%s", re, s.stdout.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// client is an HTTP client with a cookie jar, like a browser.
func newClient(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// get fetches url and returns the status and body.
func get(t testing.TB, c *http.Client, url string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, c, req)
}

func do(t testing.TB, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return resp.StatusCode, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// login signs in through the HTML form, as a browser does, and returns the
// page the form leads to.
func login(t testing.TB, c *http.Client, base, email, password string) (int, string) {
	t.Helper()
	code, body := get(t, c, base+"/login")
	if code != http.StatusOK {
		t.Fatalf("GET /login: status %d\n%s", code, body)
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("GET /login: no csrf_token hidden field in\n%s", body)
	}
	form := url.Values{"csrf_token": {m[1]}, "email": {email}, "password": {password}, "next": {"/"}}
	req, err := http.NewRequest("POST", base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, c, req)
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
