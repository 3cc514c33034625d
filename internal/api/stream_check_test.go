package api

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// countingTokens is the real store's tokens, counting how often each
// secret is resolved (once per check: the guard's, and each heartbeat
// check after it), and failing them as a database away would when down
// is set. A resolution is counted once it is done, not as it starts: a
// check under way when a test reads the count, which then reads the
// database after the test's change (a token revoked), is counted with
// what follows the change, as what it found.
type countingTokens struct {
	lodestar.TokenService
	mu    sync.Mutex
	calls map[string]int
	down  atomic.Bool
}

func (c *countingTokens) ResolveToken(ctx context.Context, secret string) (*lodestar.APIToken, *lodestar.User, error) {
	defer func() {
		c.mu.Lock()
		c.calls[secret]++
		c.mu.Unlock()
	}()
	if c.down.Load() {
		return nil, nil, lodestar.Errorf(lodestar.EInternal, "the database is away")
	}
	return c.TokenService.ResolveToken(ctx, secret)
}

func (c *countingTokens) count(secret string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[secret]
}

// checkFixture is the stream route behind the real guard on a real
// database, served over HTTP/1.1 (streams on hijacked connections) or
// HTTP/2 over TLS (a goroutine per stream).
type checkFixture struct {
	t      *testing.T
	st     *store.Store
	tokens *countingTokens
	s      *Server
	srv    *httptest.Server
	client *http.Client
	h2     bool
}

func newCheckFixture(t *testing.T, h2 bool, options ...func(*Server)) *checkFixture {
	db := testdb.Open(t)
	st := store.New(db)
	tokens := &countingTokens{TokenService: st, calls: map[string]int{}}
	s := &Server{Switches: st, Hub: NewSwitchHub(), Heartbeat: 50 * time.Millisecond}
	for _, o := range options { // before the server starts: its requests read s
		o(s)
	}
	guard := &httpx.Guard{Sessions: st, Tokens: tokens, API: true}
	srv := httptest.NewUnstartedServer(guard.Wrap(httpx.Route{Method: "GET", Pattern: "/stream", Perm: auth.ModelRead, Handler: s.streamSwitches}))
	var client *http.Client
	if h2 {
		srv.EnableHTTP2 = true
		srv.StartTLS()
		client = srv.Client()
	} else {
		srv.Start()
		client = &http.Client{Transport: &http.Transport{}}
	}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		s.Hub.Close()
		srv.Close()
	})
	return &checkFixture{t: t, st: st, tokens: tokens, s: s, srv: srv, client: client, h2: h2}
}

// token makes a user of role viewer and a token for them.
func (f *checkFixture) token(email string) (*lodestar.APIToken, string) {
	f.t.Helper()
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
	if _, err := f.st.CreateUser(ctx, lodestar.NewUser{Email: email, Name: "Test", Role: lodestar.RoleViewer, Password: "correct horse battery staple"}); err != nil {
		f.t.Fatal(err)
	}
	tok, secret, err := f.st.CreateToken(ctx, email, "stream", nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok, secret
}

// checkedStream is an open stream as its client sees it.
type checkedStream struct {
	pings atomic.Int64
	done  chan struct{} // closed when the server ends the stream
	close func()
}

// open opens n streams with the token's secret, each past its snapshot.
func (f *checkFixture) open(secret string, n int) []*checkedStream {
	f.t.Helper()
	var out []*checkedStream
	for range n {
		req, _ := http.NewRequest("GET", f.srv.URL+"/stream", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := f.client.Do(req)
		if err != nil {
			f.t.Fatal(err)
		}
		f.t.Cleanup(func() { resp.Body.Close() })
		if resp.StatusCode != 200 || (resp.ProtoMajor == 2) != f.h2 {
			f.t.Fatalf("stream: %s over %s", resp.Status, resp.Proto)
		}
		br := bufio.NewReader(resp.Body)
		if ev := nextEvent(f.t, br); ev.event != "snapshot" {
			f.t.Fatalf("first event %+v, want the snapshot", ev)
		}
		cs := &checkedStream{done: make(chan struct{}), close: func() { resp.Body.Close() }}
		go func() {
			defer close(cs.done)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if line == ": ping\n" {
					cs.pings.Add(1)
				}
			}
		}()
		out = append(out, cs)
	}
	return out
}

func pingsOf(streams []*checkedStream) (least, most int64) {
	least = 1 << 62
	for _, cs := range streams {
		p := cs.pings.Load()
		least, most = min(least, p), max(most, p)
	}
	return least, most
}

func ended(cs *checkedStream) bool {
	select {
	case <-cs.done:
		return true
	default:
		return false
	}
}

func endedCount(streams []*checkedStream) int {
	n := 0
	for _, cs := range streams {
		if ended(cs) {
			n++
		}
	}
	return n
}

// credentialChecks is how many credentials the server is checking for
// its open streams.
func (s *Server) credentialChecks() int {
	s.checks.mu.Lock()
	defer s.checks.mu.Unlock()
	return len(s.checks.m)
}

func bothPaths(t *testing.T, fn func(t *testing.T, f *checkFixture)) {
	for _, h2 := range []bool{false, true} {
		name := "http1-hijacked"
		if h2 {
			name = "h2-goroutine"
		}
		t.Run(name, func(t *testing.T) {
			f := newCheckFixture(t, h2)
			fn(t, f)
		})
	}
}

// TestStreamsShareTheirCredentialsCheck: N streams opened with one token
// cost one check of it per heartbeat, not N; they all get their
// heartbeats; and the check stops, and is forgotten, once they end.
func TestStreamsShareTheirCredentialsCheck(t *testing.T) {
	bothPaths(t, func(t *testing.T, f *checkFixture) {
		const n = 25
		_, secret := f.token("service@example.com")
		streams := f.open(secret, n)
		if !f.h2 {
			eventually(t, "the streams served on their connections", func() bool { return f.s.Hub.connCount() == n })
		}
		opened := f.tokens.count(secret) // the guard's check of each
		eventually(t, "heartbeats and checks", func() bool {
			least, _ := pingsOf(streams)
			return least >= 4 && f.tokens.count(secret)-opened >= 2
		})
		checks := f.tokens.count(secret) - opened
		_, most := pingsOf(streams) // read after: at least as many
		// Each stream checking its own would be n per heartbeat: ≥ 4n.
		if checks > int(most)+2 {
			t.Errorf("%d streams with one token: %d checks while each stream got at most %d heartbeats; want one check per heartbeat", n, checks, most)
		}
		if endedCount(streams) != 0 {
			t.Fatal("a stream whose token is good was ended")
		}
		if got := f.s.credentialChecks(); got != 1 {
			t.Errorf("%d credentials checked, want 1", got)
		}
		for _, cs := range streams {
			cs.close()
		}
		eventually(t, "the credential's check to go with its last stream", func() bool { return f.s.credentialChecks() == 0 })
		settled := f.tokens.count(secret)
		// Two heartbeats later no check has run.
		more := f.open(secret, 1)
		eventually(t, "two heartbeats on a new stream", func() bool { return more[0].pings.Load() >= 2 })
		if got := f.tokens.count(secret) - settled; got > 1+int(more[0].pings.Load())+1 {
			t.Errorf("%d checks for one new stream and its %d heartbeats: the ended streams' checks go on", got, more[0].pings.Load())
		}
	})
}

// TestRevokedTokenEndsItsStreamsOnly: revoking one of two tokens ends
// every stream of that token after one failed check, about a heartbeat
// later, and none of the other token's, which goes on being checked.
func TestRevokedTokenEndsItsStreamsOnly(t *testing.T) {
	bothPaths(t, func(t *testing.T, f *checkFixture) {
		const n = 10
		tokA, secretA := f.token("a@example.com")
		_, secretB := f.token("b@example.com")
		a, b := f.open(secretA, n), f.open(secretB, n)
		eventually(t, "two credentials checked", func() bool { return f.s.credentialChecks() == 2 })
		before := make([]int64, n)
		for i, cs := range a {
			before[i] = cs.pings.Load()
		}
		checksA := f.tokens.count(secretA)
		ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
		if err := f.st.RevokeToken(ctx, tokA.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the revoked token's streams to end", func() bool { return endedCount(a) == n })
		// One check found the token revoked; another may have read it
		// just before. The streams ended within about a heartbeat: at
		// most one more (and one on its way) reached each.
		if got := f.tokens.count(secretA) - checksA; got < 1 || got > 2 {
			t.Errorf("%d checks of the revoked token ended its %d streams, want 1 (or 2)", got, n)
		}
		for i, cs := range a {
			if got := cs.pings.Load() - before[i]; got > 3 {
				t.Errorf("stream %d got %d heartbeats after its token was revoked, want at most about one", i, got)
			}
		}
		if got := f.s.credentialChecks(); got != 1 {
			t.Errorf("%d credentials checked after one token's streams ended, want 1", got)
		}
		// The other token's streams go on, and so do its checks.
		least, _ := pingsOf(b)
		checksB := f.tokens.count(secretB)
		eventually(t, "the other token's heartbeats and checks", func() bool {
			l, _ := pingsOf(b)
			return l >= least+3 && f.tokens.count(secretB) >= checksB+2
		})
		if got := endedCount(b); got != 0 {
			t.Errorf("%d streams of a good token ended when another token was revoked", got)
		}
		wantCode(t, f, secretA, http.StatusUnauthorized)
	})
}

// TestFailedCheckKeepsStreams: a check that cannot run (the database
// away: an internal error) decides nothing — the streams stay and keep
// getting heartbeats — and checks go on, so the token revoked once the
// database is back ends them.
func TestFailedCheckKeepsStreams(t *testing.T) {
	bothPaths(t, func(t *testing.T, f *checkFixture) {
		const n = 5
		tok, secret := f.token("service@example.com")
		streams := f.open(secret, n)
		least, _ := pingsOf(streams)
		f.tokens.down.Store(true)
		failing := f.tokens.count(secret)
		eventually(t, "checks failing", func() bool {
			l, _ := pingsOf(streams)
			return f.tokens.count(secret) >= failing+3 && l >= least+3
		})
		if got := endedCount(streams); got != 0 {
			t.Fatalf("%d streams ended by checks that could not run", got)
		}
		f.tokens.down.Store(false)
		ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
		if err := f.st.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the revoked token's streams to end", func() bool { return endedCount(streams) == n })
	})
}

// TestSessionStreamsShareTheirCheck: streams opened with one session
// share its check too, keyed by the session's ID; ending the session
// ends them.
func TestSessionStreamsShareTheirCheck(t *testing.T) {
	f := newCheckFixture(t, false)
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
	u, err := f.st.CreateUser(ctx, lodestar.NewUser{Email: "person@example.com", Name: "Person", Role: lodestar.RoleViewer, Password: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	sess, secret, err := f.st.CreateSession(ctx, u.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var streams []*checkedStream
	for range 3 {
		req, _ := http.NewRequest("GET", f.srv.URL+"/stream", nil)
		req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: secret})
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		if resp.StatusCode != 200 {
			t.Fatalf("stream: %s", resp.Status)
		}
		cs := &checkedStream{done: make(chan struct{})}
		go func() {
			defer close(cs.done)
			br := bufio.NewReader(resp.Body)
			for {
				if _, err := br.ReadString('\n'); err != nil {
					return
				}
			}
		}()
		streams = append(streams, cs)
	}
	// (A stream joins its check just after its client has the snapshot.)
	eventually(t, "the session's 3 streams to share one check", func() bool {
		f.s.checks.mu.Lock()
		defer f.s.checks.mu.Unlock()
		cc := f.s.checks.m["session:"+strconv.FormatInt(sess.ID, 10)]
		return cc != nil && len(cc.streams) == 3 && len(f.s.checks.m) == 1
	})
	if err := f.st.DeleteSession(ctx, secret); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the ended session's streams to end", func() bool { return endedCount(streams) == 3 })
}

// TestHeartbeatsSpread: the first heartbeat of streams opened together
// falls anywhere in the second half of the interval, never later.
func TestHeartbeatsSpread(t *testing.T) {
	const beat = 15 * time.Second
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := jitter(beat)
		if d < beat/2 || d > beat {
			t.Fatalf("first heartbeat after %s, want within [%s, %s]", d, beat/2, beat)
		}
		seen[d/time.Millisecond] = true
	}
	if len(seen) < 900 {
		t.Errorf("1000 streams' first heartbeats fell on %d distinct milliseconds, want them spread", len(seen))
	}
}

// wantCode opens the stream with secret and wants it refused with status.
func wantCode(t *testing.T, f *checkFixture, secret string, status int) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+"/stream", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != status {
		t.Errorf("opening the stream again: %s, want %d", resp.Status, status)
	}
}
