// Package sdk is the Go client of Lodestar for production services. It
// has three parts:
//
//   - Switches follows Lodestar's human intervention switches, so that a
//     service obeys them (Switches.Provider serves them to OpenFeature);
//   - Reporter sends prediction events and late labels for monitoring,
//     in the background, batched and retried;
//   - Assign puts a unit in an experiment's variant, the same way in
//     every language.
//
// A Switches client keeps an in-memory copy
// of every switch, current through the server's event stream, and answers
// State with no I/O and no allocation. When the server cannot be reached
// it keeps the last state it knew; before it has ever heard from the
// server, and for keys it does not know, it answers with the configured
// default (fail open: on; fail closed: off). It reconnects with backoff:
// after an outage it can take up to Options.MaxBackoff (30 s by default)
// to follow the server again, and a switch flipped meanwhile is obeyed
// only then (see MaxBackoff to shorten it).
//
//	sw := sdk.NewSwitches(ctx, sdk.Options{URL: "https://lodestar.example", Token: token})
//	defer sw.Close()
//	switch state, instead := sw.Lookup("credit-risk"); state {
//	case sdk.Off:      // do not call the model
//	case sdk.Fallback: // serve instead (the name a person gave)
//	default:           // call the model
//	}
package sdk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
)

// State is a switch's state.
type State uint8

// The states.
const (
	// On: the model serves.
	On State = iota
	// Off: the model must not be called.
	Off
	// Fallback: serve what Switches.Fallback names instead of the model.
	Fallback
)

// String returns the state as the server writes it.
func (s State) String() string {
	switch s {
	case Off:
		return "off"
	case Fallback:
		return "fallback"
	}
	return "on"
}

// parseState reads a state from the wire; one the client does not know
// (a newer server's, or none) reads as def, the client's answer when it
// cannot know: Off for a fail-closed client.
func parseState(s string, def State) State {
	switch s {
	case "on":
		return On
	case "off":
		return Off
	case "fallback":
		return Fallback
	}
	return def
}

// Options configure a Switches client.
type Options struct {
	// URL is the Lodestar server, e.g. https://lodestar.example.
	URL string
	// Token is an API token (lodestar token create) with the read scope
	// (write works too; an ingest-only token is refused with 403). Spaces
	// and line ends around it, as a token read from a file or a secret
	// mount has, are trimmed, and so is a "Bearer " in front; without one
	// the client never connects, and Err says so.
	Token string
	// FailClosed answers Off for unknown keys and before the first
	// snapshot; by default the client fails open (On). The OpenFeature
	// provider answers the caller's default instead (see
	// Switches.Provider): pass false there to fail closed.
	FailClosed bool
	// HTTPClient carries the stream (default: the client's own, whose
	// connections Close closes; a client given here is the caller's, its
	// idle connections left to it). Its Timeout is not applied: a stream
	// lasts as long as the client, and a Timeout, as production clients
	// set, would cut it every Timeout and reconnect; IdleTimeout bounds a
	// silent stream instead. Its Transport, Jar and CheckRedirect are used.
	HTTPClient *http.Client
	// MinBackoff and MaxBackoff bound the wait between reconnects
	// (default 250 ms and 30 s, doubling; each wait drawn between half of
	// it and all of it, so that clients spread out; they start over
	// from MinBackoff after a stream that was live longer than the wait
	// before it, so a stream cut right after its snapshot backs off too,
	// and one ended after a while is reopened at once). A 503 or 429 with
	// Retry-After (a server or a token at its cap of open streams, a
	// database away) waits that long instead when longer, and up to half
	// as long again, so that the clients refused together spread out; never
	// more than MaxBackoff. The last known states stay meanwhile.
	// Zero or less is the default; a MaxBackoff below MinBackoff is
	// raised to it.
	//
	// MaxBackoff is also how late the client can be after an outage: the
	// waits double while the server is away, so the client may come back
	// up to MaxBackoff after the server does, answering the last known
	// states until then — a switch flipped while it was cut off (turned
	// off in an incident, say) is not obeyed before. To bound that delay,
	// lower MaxBackoff (5 s, say): each client then tries at least that
	// often while the server is away, more load on a server coming back
	// but a flip taken up sooner.
	MinBackoff, MaxBackoff time.Duration
	// IdleTimeout ends a stream on which nothing, not even the server's
	// heartbeat (every 15 s), arrived for this long, and reconnects: a
	// connection a NAT or load balancer dropped without a word would
	// otherwise be waited on forever, its flips never seen (default 45 s;
	// zero or less is the default). The answer to the request, and the
	// stream's snapshot, must arrive within it too. Err and the Logger
	// then say so, wrapping ErrIdle.
	IdleTimeout time.Duration
	// Logger, when set, logs each failed stream (a refused token, an
	// unreachable server) at warning level; Err returns the latest.
	Logger *slog.Logger
}

type entry struct {
	state    State
	fallback string
	version  int64
}

// Switches is a live, in-memory copy of the server's switches.
type Switches struct {
	opt    Options
	def    State
	t      atomic.Pointer[table]
	ready  chan struct{}
	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{}
	conns  atomic.Int64
	// live: a stream is open and its snapshot in, so the copy is current.
	live atomic.Bool
	of   ofEvents // the OpenFeature provider's events (openfeature.go)
	// err is why the latest stream failed; nil while one is live.
	err atomic.Pointer[error]
	// closing: Close was called (the client's end is the caller's wish).
	closing atomic.Bool
	// ownClient: the HTTP client is the Switches' own (no
	// Options.HTTPClient), so its idle connections are closed at the end.
	ownClient bool
	// The standing refusal: the server refused the token (401, 403), or
	// the client can never connect (its URL, no token). refCh is closed
	// while one stands, so that every OpenFeature initialisation — a
	// second one too, and one begun after the refusal — fails at once
	// with refErr, saying why; a stream the server accepts ends it.
	refMu  sync.Mutex
	refCh  chan struct{}
	refErr error
}

// ErrRefused is wrapped by Err's error, and by the OpenFeature provider's
// initialisation error, while the server refuses the client's token: 401
// (unknown, revoked or expired) or 403 (without the read scope). The
// client keeps trying, with backoff, so that a token fixed on the server
// is taken up; until then states answer as when the server is away.
var ErrRefused = errors.New("lodestar: the server refused the switch client's token")

// ErrIdle is wrapped by Err's error, and logged, when the client gave up
// a stream that stayed silent for IdleTimeout: no answer to the request,
// no snapshot, or, after it, not even the server's heartbeat (a proxy that
// froze, a NAT or load balancer that dropped the connection without a
// word). The client reconnects at once, with the usual backoff; the last
// known states stay meanwhile.
var ErrIdle = errors.New("lodestar: the switch stream was silent for IdleTimeout")

// idleError is a stream given up for silence: what did not arrive, and
// for how long; it unwraps to ErrIdle.
type idleError struct {
	what    string
	timeout time.Duration
}

func (e idleError) Error() string {
	return fmt.Sprintf("lodestar: switch stream: %s for %s (IdleTimeout): a proxy, NAT or load balancer may have dropped the connection; reconnecting", e.what, e.timeout)
}
func (e idleError) Unwrap() error { return ErrIdle }

// refusedError is a refusal of the token, its text the server's reason;
// it unwraps to ErrRefused.
type refusedError struct{ msg string }

func (e refusedError) Error() string { return e.msg }
func (e refusedError) Unwrap() error { return ErrRefused }

// errNotStarted is what a Switches not made by NewSwitches (nil, or a
// zero value) says: it follows no server and answers the default, On.
var errNotStarted = errors.New("lodestar: this switch client was not made by sdk.NewSwitches: it follows no server, and every switch reads on")

// unstarted reports whether c was not made by NewSwitches.
func (c *Switches) unstarted() bool { return c == nil || c.done == nil }

// refuse records a refusal and wakes whoever waits on it.
func (c *Switches) refuse(err error) {
	c.refMu.Lock()
	defer c.refMu.Unlock()
	c.refErr = err
	select {
	case <-c.refCh:
	default:
		close(c.refCh)
	}
}

// accepted ends the standing refusal: the server took a stream.
func (c *Switches) accepted() {
	c.refMu.Lock()
	defer c.refMu.Unlock()
	select {
	case <-c.refCh:
		c.refCh = make(chan struct{})
	default:
	}
}

// refusal returns a channel closed while a refusal stands (now, or once
// one comes), and the function that says why.
func (c *Switches) refusal() (<-chan struct{}, func() error) {
	c.refMu.Lock()
	defer c.refMu.Unlock()
	return c.refCh, func() error {
		c.refMu.Lock()
		defer c.refMu.Unlock()
		return c.refErr
	}
}

// NewSwitches starts a client that follows the server's switch stream
// until ctx ends or Close is called.
func NewSwitches(ctx context.Context, opt Options) *Switches {
	own := opt.HTTPClient == nil
	if own {
		// Its own transport, whose idle connections the end closes: on the
		// shared default one, a connection that carried a refusal (401,
		// 503) stayed open, two goroutines, after Close.
		opt.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	} else if opt.HTTPClient.Timeout != 0 {
		hc := *opt.HTTPClient // the caller's client is left as it is
		hc.Timeout = 0
		opt.HTTPClient = &hc
	}
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = 250 * time.Millisecond
	}
	if opt.MaxBackoff <= 0 {
		opt.MaxBackoff = 30 * time.Second
	}
	// Below the minimum, the maximum is raised to it: it was replaced by
	// 30 s (MinBackoff 10 ms, MaxBackoff 5 ms waited up to 30 s), or, for a
	// MinBackoff above 30 s left without a MaxBackoff, capped every wait
	// below the minimum asked for.
	opt.MaxBackoff = max(opt.MaxBackoff, opt.MinBackoff)
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = 45 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	opt.Token = bareToken(opt.Token)
	c := &Switches{opt: opt, ownClient: own, ready: make(chan struct{}), done: make(chan struct{}), of: ofEvents{ch: make(chan openfeature.Event, 64)},
		refCh: make(chan struct{})}
	if opt.FailClosed {
		c.def = Off
	}
	c.t.Store(newTable(nil))
	ctx, c.cancel = context.WithCancel(ctx)
	var never error
	if u, err := url.Parse(opt.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		never = fmt.Errorf("lodestar: switch client URL %q is not an http:// or https:// server address", opt.URL)
	} else if opt.Token == "" {
		// The server's answer, 'Authorization must be "Bearer <token>"',
		// does not tell that the token was left out (an unset variable).
		never = errors.New("lodestar: switch client has no token (Options.Token is empty): it needs one with the read scope")
	}
	if never != nil {
		// Nothing can ever connect: say so (Err, the log, OpenFeature's
		// initialisation) rather than retry forever on Go's "unsupported
		// protocol scheme" or a refusal. States answer the default.
		c.err.Store(&never)
		c.refuse(never)
		opt.Logger.Error(never.Error())
		close(c.done)
		return c
	}
	go c.run(ctx)
	return c
}

// State returns a switch's state: no I/O, no allocation, no lock. A
// client not made by NewSwitches (nil) answers On, the default.
func (c *Switches) State(key string) State {
	if c == nil {
		return On
	}
	t := c.t.Load()
	if t == nil { // a zero Switches
		return c.def
	}
	if i := t.find(key); i >= 0 {
		return t.slots[i].e.state
	}
	return c.def
}

// Enabled reports whether the model may serve (its switch is on).
func (c *Switches) Enabled(key string) bool { return c.State(key) == On }

// Lookup returns a switch's state and, at Fallback, what to serve
// instead, both from the same moment: State then Fallback read the copy
// twice, and a flip between them (fallback to on, say) gives a
// fallback state with no name. No I/O, no allocation, no lock. A client
// not made by NewSwitches (nil) answers On.
func (c *Switches) Lookup(key string) (state State, fallback string) {
	if c == nil {
		return On, ""
	}
	t := c.t.Load()
	if t == nil { // a zero Switches
		return c.def, ""
	}
	if i := t.find(key); i >= 0 {
		e := &t.slots[i].e
		return e.state, e.fallback
	}
	return c.def, ""
}

// Fallback returns what to serve instead when the switch is at fallback:
// the name as a person gave it. When it is another model's key, that
// model has its own switch, which may have been switched off (or put at
// fallback) since: serve it only while State of that key is On. To read
// a state and its fallback together, use Lookup.
func (c *Switches) Fallback(key string) string {
	if c.unstarted() {
		return ""
	}
	e, _ := c.t.Load().get(key)
	return e.fallback
}

// Ready is closed once the first snapshot has arrived (never, for a
// client not made by NewSwitches).
func (c *Switches) Ready() <-chan struct{} {
	if c == nil {
		return nil
	}
	return c.ready
}

// Connections counts the streams opened so far (reconnects included).
func (c *Switches) Connections() int64 {
	if c == nil {
		return 0
	}
	return c.conns.Load()
}

// Err returns why the latest stream to the server failed (a refused
// token, wrapping ErrRefused; an unreachable server, wrapping the
// network's error; a stream silent for IdleTimeout, wrapping ErrIdle; an
// answer that is no event stream; a connection lost mid-stream, wrapping
// the read's error; an event that is not the server's JSON, or a line
// over 16 MiB), or
// nil while a stream is live and before the first attempt ends. States
// keep answering either way: the last known ones, or the default.
func (c *Switches) Err() error {
	if c.unstarted() {
		return errNotStarted
	}
	if p := c.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops the client and, once it returns, has closed the
// connections of its own HTTP client (not those of Options.HTTPClient);
// states stay readable. Calling it again, or on a client not made by
// NewSwitches, does nothing.
func (c *Switches) Close() {
	if c.unstarted() {
		return
	}
	c.closing.Store(true)
	c.cancel()
	<-c.done
}

func (c *Switches) run(ctx context.Context) {
	defer close(c.done)
	defer func() {
		if c.ownClient {
			c.opt.HTTPClient.CloseIdleConnections()
		}
	}()
	defer func() {
		// Ended by the caller's context, not Close (a request's context
		// passed by mistake): the states are frozen from now on; say so.
		if !c.closing.Load() {
			err := fmt.Errorf("lodestar: the switch client stopped following the server: its context ended (%w); states stay at the last known ones", context.Cause(ctx))
			c.err.Store(&err)
			c.live.Store(false)
			c.opt.Logger.Warn(err.Error())
		}
	}()
	attempt := 0
	var waited time.Duration // the longest the last wait could be
	for ctx.Err() == nil {
		lived, retryAfter, err := c.follow(ctx)
		// The waits start over after a stream that worked: one that was
		// live, from its snapshot, for longer than the wait before it (a
		// load balancer ending each stream after its timeout, a server
		// restarting: reconnect at once). A stream cut sooner — right
		// after its snapshot, by a proxy ending every response or a server
		// that cannot keep its streams — is a failure like any other, and
		// the waits go on growing: starting over at MinBackoff each time,
		// a client opened streams several times a second for as long as
		// it lasted. Either way a client waits at least about as long as
		// its streams last, or they last longer than it waits.
		if lived > waited {
			attempt = 0
		}
		if ctx.Err() != nil {
			return
		}
		c.err.Store(&err)
		c.opt.Logger.Warn("lodestar: switch stream failed; keeping the last known states and reconnecting", "url", c.opt.URL, "error", err)
		// Jittered (between half and all of the doubled wait), as the
		// event reporter's retries are: after a server restart its
		// thousands of clients do not all reconnect in the same instant.
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.wait(attempt, retryAfter)):
		}
		waited = backoffCap(c.opt.MinBackoff, c.opt.MaxBackoff, attempt)
		attempt++
	}
}

// wait is how long to wait before reconnecting after attempt failures
// in a row, the last one refused with Retry-After retryAfter (0: none).
// A server that says when to come back (503 while its database is away
// or while it holds all the streams it takes, 429 while the token holds
// all its own) is waited out, within MaxBackoff: reconnecting sooner only
// adds to its load, thousands of clients over. The wait is spread over up
// to half as long again, so that the clients it refused together (all
// of a service's replicas, reconnecting after a restart) do not all come
// back in the same instant and meet the same cap.
func (c *Switches) wait(attempt int, retryAfter time.Duration) time.Duration {
	d := backoff(c.opt.MinBackoff, c.opt.MaxBackoff, attempt)
	if retryAfter > 0 {
		d = max(d, retryAfter+rand.N(retryAfter/2+1))
	}
	return min(d, c.opt.MaxBackoff)
}

type wireSwitch struct {
	Key      string `json:"key"`
	State    string `json:"state"`
	Fallback string `json:"fallback"`
	Version  int64  `json:"version"`
}

// follow reads one stream until it ends; it reports how long the stream
// was live (from its snapshot to its end; 0 without one), and the
// Retry-After of a 429 or 503 refusing it.
func (c *Switches) follow(ctx context.Context) (time.Duration, time.Duration, error) {
	// The stream's own context, ended when it has been silent for
	// IdleTimeout: the body's read then fails and the caller reconnects.
	// Its cause is ErrIdle then, so that the failure says the silence, not
	// the "context canceled" the request and the read fail with.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	idle := time.AfterFunc(c.opt.IdleTimeout, func() { cancel(ErrIdle) })
	defer idle.Stop()
	// silent is the error to return for err when the idle timer ended the
	// stream (what, not yet arrived), or err itself.
	silent := func(err error, what string) error {
		if err != nil && context.Cause(ctx) == ErrIdle {
			return idleError{what, c.opt.IdleTimeout}
		}
		return err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(c.opt.URL, "/")+"/api/v1/switches/stream", nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.opt.Token)
	req.Header.Set("Accept", "text/event-stream")
	// Uncompressed: asked for gzip (Go's transport asks unless told), a
	// compressing proxy in front of a server that does not say
	// no-transform holds the events until its window fills, and the
	// client saw no snapshot, ever.
	req.Header.Set("Accept-Encoding", "identity")
	resp, err := c.opt.HTTPClient.Do(req)
	if err != nil {
		return 0, 0, silent(err, "no answer")
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg := errorMessage(resp.Body)
		err := fmt.Errorf("lodestar: switch stream: %s%s", resp.Status, msg)
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			text := err.Error()
			if msg == "" { // the server says what is wrong; a proxy may not
				text += " (the switch client needs a valid token with the read scope)"
			}
			err = refusedError{text}
			c.err.Store(&err)
			c.refuse(err)
		}
		var retryAfter time.Duration
		if resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests {
			retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
		}
		return 0, retryAfter, err
	}
	// A 200 that is not an event stream (a proxy's or a portal's page) is
	// no stream: the event-stream format says to fail the connection.
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "text/event-stream" {
		return 0, 0, fmt.Errorf("lodestar: switch stream: got %q, not text/event-stream", resp.Header.Get("Content-Type"))
	}
	// Asked for as it is, it came compressed all the same: a proxy on the
	// way compresses whatever it passes, and a compressor holds events
	// until its window fills. Said so now, not as a silent stream given
	// up after IdleTimeout.
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return 0, 0, fmt.Errorf("lodestar: switch stream: came compressed (Content-Encoding: %s) though asked for as it is: a proxy on the way compresses it and holds its events back; have the proxy pass text/event-stream uncompressed", ce)
	}
	c.conns.Add(1)
	c.err.Store(nil)
	c.accepted()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	sc.Split(sseLines())
	// The stream is read as the event-stream format allows, not only as
	// this server writes it: "field:value" with at most one space after
	// the colon, data lines joined by newlines, comments and other fields
	// (id, retry: every connection starts with a snapshot) skipped. An
	// event is applied at its blank line, so one cut off is not.
	var event string
	var data []byte
	// Until the stream's snapshot is in, nothing else keeps it open: a
	// stream sending heartbeats but no snapshot (a server or proxy stuck
	// before it) is given up after IdleTimeout too, not followed forever
	// with the client never ready.
	snapped := false
	var liveSince time.Time
	lived := func() time.Duration {
		if !snapped {
			return 0
		}
		return time.Since(liveSince)
	}
	defer func() {
		if snapped {
			c.live.Store(false)
			c.of.stale()
		}
	}()
	for sc.Scan() {
		if snapped {
			idle.Reset(c.opt.IdleTimeout)
		}
		line := sc.Bytes()
		if len(line) == 0 {
			if event != "" && len(data) > 0 {
				if err := c.apply(event, data[:len(data)-1]); err != nil {
					// Said as the stream's, naming the event: Err said only
					// "unexpected end of JSON input".
					return lived(), 0, fmt.Errorf("lodestar: switch stream: a %s event that is not the server's JSON (%w); reconnecting", event, err)
				}
				if event == "snapshot" {
					if !snapped {
						liveSince = time.Now()
					}
					snapped = true
					idle.Reset(c.opt.IdleTimeout)
					c.live.Store(true)
					c.of.ready()
				}
			}
			event, data = "", data[:0]
			continue
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(name) {
		case "event":
			event = string(value)
		case "data":
			data = append(append(data, value...), '\n')
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) { // Err said "bufio.Scanner: token too long"
			return lived(), 0, fmt.Errorf("lodestar: switch stream: a line over %d MiB, more than the client reads (%w); reconnecting", maxLine>>20, err)
		}
		what := "no snapshot"
		if snapped {
			what = "no data, not even a heartbeat,"
		}
		if context.Cause(ctx) == ErrIdle {
			return lived(), 0, silent(err, what)
		}
		// The server gone mid-stream (killed, restarted) or the connection
		// cut by the network: Err said only "unexpected EOF".
		return lived(), 0, fmt.Errorf("lodestar: switch stream: the connection was lost (%w); reconnecting", err)
	}
	return lived(), 0, errors.New("lodestar: switch stream ended")
}

// maxLine is the longest line of the stream the client reads (a snapshot
// is one line: tens of thousands of switches fit).
const maxLine = 16 << 20

// errorMessage reads the server's error answer ({"error":{"message"}})
// as ": message", or nothing when it is not one.
func errorMessage(body io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(body, 64<<10))
	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
		return ": " + e.Error.Message
	}
	return ""
}

// apply installs a snapshot or one flip as a new immutable table, so
// readers never lock. Only the stream goroutine calls it.
func (c *Switches) apply(event string, data []byte) error {
	switch event {
	case "snapshot":
		var all []wireSwitch
		if err := json.Unmarshal(data, &all); err != nil {
			return err
		}
		m := make(map[string]entry, len(all))
		for _, w := range all {
			m[w.Key] = entry{parseState(w.State, c.def), w.Fallback, w.Version}
		}
		old := c.t.Swap(newTable(m))
		first := false
		c.once.Do(func() { close(c.ready); first = true })
		if !first && c.of.inUse.Load() {
			c.of.changed(changedKeys(old, m))
		}
	case "switch":
		var w wireSwitch
		if err := json.Unmarshal(data, &w); err != nil {
			return err
		}
		old := c.t.Load()
		if e, ok := old.get(w.Key); ok && e.version >= w.Version {
			return nil // already have it (or newer)
		}
		m := make(map[string]entry, len(old.slots)/2+1)
		old.each(func(k string, e entry) { m[k] = e })
		m[w.Key] = entry{parseState(w.State, c.def), w.Fallback, w.Version}
		c.t.Store(newTable(m))
		if c.of.inUse.Load() {
			c.of.changed([]string{w.Key})
		}
	}
	return nil
}

// changedKeys lists the switches a snapshot changed: flipped while the
// client was not following, added, or gone.
func changedKeys(old *table, m map[string]entry) []string {
	var keys []string
	old.each(func(k string, e entry) {
		if n, ok := m[k]; !ok || n != e {
			keys = append(keys, k)
		}
	})
	for k := range m {
		if _, ok := old.get(k); !ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// sseLines splits an event stream into lines, which end in CRLF, LF or a
// lone CR. A CR ends its line at once (an LF right after it is skipped
// when it comes), so an event is never held back waiting for the next
// byte. An unfinished last line is dropped: its event was cut off.
func sseLines() bufio.SplitFunc {
	skipLF := false
	return func(data []byte, atEOF bool) (int, []byte, error) {
		start := 0
		if skipLF && len(data) > 0 {
			skipLF = false
			if data[0] == '\n' {
				start = 1
			}
		}
		if i := bytes.IndexAny(data[start:], "\r\n"); i >= 0 {
			skipLF = data[start+i] == '\r'
			return start + i + 1, data[start : start+i], nil
		}
		if atEOF {
			return len(data), nil, nil
		}
		return start, nil, nil
	}
}

// bareToken is a token as given, without the white space around it (read
// from a file, a line break would make every request fail) nor a
// "Bearer " in front (copied from a curl command, it was sent as
// "Bearer Bearer …" and every request refused).
func bareToken(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 7 && strings.EqualFold(s[:7], "bearer ") {
		s = strings.TrimSpace(s[7:])
	}
	return s
}
