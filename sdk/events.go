package sdk

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Event is one prediction a model made, reported to Lodestar for
// monitoring (drift, performance once labelled, fairness by group).
type Event struct {
	// ID identifies the event, so a batch sent twice is stored once and a
	// label can find it later. Report fills in a UUIDv7 (time-ordered)
	// when it is empty; to label an event later, set it yourself (for
	// example with NewEventID) and keep it.
	ID string
	// Time is when the prediction was made; Report stamps an event whose
	// Time is zero with the time it is called. (Left to the server, the
	// time would be the batch's arrival: up to the flush interval later,
	// minutes after an outage, and one instant for the whole batch, which
	// N-event windows do not split.)
	Time time.Time
	// Version is the model version that predicted (required).
	Version string
	// Features are the model's inputs: numbers (any Go integer or float
	// type), strings or nil.
	Features map[string]any
	// Prediction is the output (required): Number(score in [0, 1]) for a
	// binary classifier, Number(value) for a regression, Class(name) for
	// a multiclass classifier.
	Prediction Value
	// Label is the true outcome when already known (binary: Number(0) or
	// Number(1)); leave it zero otherwise and send it later with
	// ReportLabel.
	Label Value
	// Latency is how long the prediction took; zero leaves it out.
	Latency time.Duration
	// Groups are protected or segment attributes for fairness, e.g.
	// {"gender": "f"}.
	Groups map[string]string
}

// Value is a prediction or a label: a number or a class name. The zero
// Value is absent.
type Value struct {
	kind uint8 // 0 absent, 1 number, 2 class
	num  float64
	str  string
}

// Number is a numeric prediction or label: a binary score or 0/1 label,
// or a regression value.
func Number(v float64) Value { return Value{kind: 1, num: v} }

// Class is a class name, for multiclass models.
func Class(name string) Value { return Value{kind: 2, str: name} }

// IsZero reports whether v is absent.
func (v Value) IsZero() bool { return v.kind == 0 }

// NewEventID returns a UUID version 7 (RFC 9562): the Unix time in
// milliseconds, a 12-bit counter, then 62 random bits. Report gives it to
// events that have none. IDs that grow with time keep the server's
// idempotency index appending at its end instead of writing all over it;
// any time-ordered ID (UUIDv7, ULID) does the same, a fully random one
// works but ingests several times slower.
//
// The IDs one process makes are strictly increasing, also within a
// millisecond and when the clock steps back (RFC 9562 §6.2, method 1: the
// counter starts each millisecond at a random value below 2,048 and counts
// up; past 4,095 it carries into the time, which then runs ahead of the
// clock until the clock catches up). Report gives an event its ID as the
// event joins its batch, so a batch of them arrives in order, also when
// many goroutines report at once, and the server need not sort it.
func NewEventID() string {
	return string(appendEventID(make([]byte, 0, 36)))
}

// lastEventID is the time and counter of the last ID made: ms<<12 | counter.
var lastEventID atomic.Uint64

func appendEventID(b []byte) []byte {
	return appendUUIDv7(b, nextEventStamp(&lastEventID, time.Now().UnixMilli()), rand.Uint64())
}

// nextEventStamp returns the time and counter (ms<<12 | counter) of the
// next ID made at clock time now, greater than every one before it in
// *stamps, and keeps it there.
func nextEventStamp(stamps *atomic.Uint64, now int64) uint64 {
	for {
		last := stamps.Load()
		next := last + 1
		if uint64(now) > last>>12 { // a new millisecond: a fresh start
			next = uint64(now)<<12 | rand.Uint64N(2048)
		}
		if stamps.CompareAndSwap(last, next) {
			return next
		}
	}
}

// appendUUIDv7 formats a UUIDv7 from a stamp (a millisecond time shifted
// left by 12 bits, and the 12 bits of rand_a) and random bits.
// math/rand/v2's global source is a ChaCha8 stream seeded by the runtime
// from the operating system, unpredictable and lock-free.
func appendUUIDv7(b []byte, stamp, r2 uint64) []byte {
	var id [16]byte
	for i := range 6 {
		id[i] = byte(stamp >> (52 - 8*i))
	}
	id[6] = 0x70 | byte(stamp>>8)&0x0f // version 7, rand_a
	id[7] = byte(stamp)
	for i := range 8 {
		id[8+i] = byte(r2 >> (56 - 8*i))
	}
	id[8] = 0x80 | id[8]&0x3f // variant 10, rand_b
	var h [32]byte
	hex.Encode(h[:], id[:])
	b = append(b, h[0:8]...)
	b = append(b, '-')
	b = append(b, h[8:12]...)
	b = append(b, '-')
	b = append(b, h[12:16]...)
	b = append(b, '-')
	b = append(b, h[16:20]...)
	b = append(b, '-')
	return append(b, h[20:32]...)
}

// The limits of one request, fixed by the server.
const (
	maxBatchLines = 10_000
	maxBatchBytes = 8 << 20
)

// Errors Report and ReportLabel return. Every refusal is also counted in
// Stats.
var (
	// ErrQueueFull: the queue was at its bound (WithMaxQueued: items or
	// bytes); the new event or label was dropped, counted in Dropped. The reporter drops
	// the newest, so batches already queued (and being retried) stay
	// whole.
	ErrQueueFull = errors.New("lodestar: event queue full, event dropped")
	// ErrClosed: Close was called.
	ErrClosed = errors.New("lodestar: reporter closed")
	// ErrInvalidEvent wraps the reason an event or label cannot be sent;
	// it is counted in Rejected and never sent.
	ErrInvalidEvent = errors.New("lodestar: invalid event")
)

// ReporterOption configures a Reporter.
type ReporterOption func(*reporterConfig)

type reporterConfig struct {
	batchSize      int
	interval       time.Duration
	maxQueued      int
	maxQueuedBytes int
	client         *http.Client
	minBackoff     time.Duration
	maxBackoff     time.Duration
	maxRetries     int
	maxRetryAfter  time.Duration
	log            *slog.Logger
	onLoss         func(ReportError)
}

// WithBatchSize sends a batch once it holds n events (default 1,000; at
// most 10,000, the server's limit per request: a larger n is 10,000).
// A batch also closes at 8 MiB. An n of 0 or less keeps the default, as
// a size left unset in a configuration should (it made batches of one
// event, a request each).
func WithBatchSize(n int) ReporterOption {
	return func(c *reporterConfig) {
		if n > 0 {
			c.batchSize = min(n, maxBatchLines)
		}
	}
}

// WithFlushInterval sends whatever is queued at least this often
// (default 2 s; a d of 0 or less keeps it).
func WithFlushInterval(d time.Duration) ReporterOption {
	return func(c *reporterConfig) {
		if d > 0 {
			c.interval = d
		}
	}
}

// WithMaxQueued bounds the memory of each queue (events, and labels
// apart): at most n items (default 100,000) and at most bytes of encoded
// JSON (default 64 MiB) wait to be sent, counting the batch in flight.
// Past either bound Report drops the new item and counts it in Dropped.
// A bound of 0 or less keeps that bound's default.
func WithMaxQueued(n, bytes int) ReporterOption {
	return func(c *reporterConfig) {
		if n > 0 {
			c.maxQueued = n
		}
		if bytes > 0 {
			c.maxQueuedBytes = bytes
		}
	}
}

// WithHTTPClient sends with this client (default: the reporter's own, a
// 30 s timeout per request, its idle connections closed by Close). A
// request that times out is retried. The caller owns the client given:
// Close leaves its connections alone.
func WithHTTPClient(h *http.Client) ReporterOption {
	return func(c *reporterConfig) {
		if h != nil {
			c.client = h
		}
	}
}

// WithRetry sets how a failed request is retried: up to retries more
// times (default 8; 0 sends each request once), waiting between min and
// max (defaults 200 ms and 30 s), doubling per attempt with jitter (each
// wait is uniformly between half and all of the doubled delay). A
// Retry-After header on 429 or 503 is waited out in full when longer, up
// to 5 minutes. A negative retries, or a wait of 0 or less, keeps its
// default; a max below min (given, or the default) is raised to min.
func WithRetry(retries int, minWait, maxWait time.Duration) ReporterOption {
	return func(c *reporterConfig) {
		if retries >= 0 {
			c.maxRetries = retries
		}
		if minWait > 0 {
			c.minBackoff = minWait
		}
		if maxWait > 0 {
			c.maxBackoff = maxWait
		}
	}
}

// WithLogger logs requests given up on, and once each version the server
// says the model has not registered (default: no logging).
func WithLogger(l *slog.Logger) ReporterOption {
	return func(c *reporterConfig) {
		if l != nil {
			c.log = l
		}
	}
}

// WithErrorHandler calls h each time the reporter loses events or labels
// for good, with what was lost and why (see ReportError): so that a
// program can count, alert or log its losses in code rather than by
// polling Stats. It is told only of final losses: nothing it hears of is
// sent again. It hears of every item counted in Stats' Failed, Dropped
// (for a full queue) and Labels.Unknown, and of the lines the server
// rejected (in Rejected); not of the refusals Report and ReportLabel
// return at once for the item itself or the reporter (ErrInvalidEvent,
// ErrClosed, a URL, token or model key that cannot work), which the
// caller already has.
//
// h runs on the reporter's sending goroutines, which wait for it, so it
// must be quick (count, log, or hand the error to a channel of your
// own); it is never called concurrently with itself, nor after Close has
// returned, and it must not call Close. Items dropped because the queue
// was full are added up and reported together: when the request in
// flight ends, before a retry's wait, and otherwise at the next flush
// interval. When h is called,
// Stats already counts what it is told of; once Close has returned, the
// Counts it was given add up, reason by reason, to the counters the
// reasons name, less the refusals Report and ReportLabel returned at once.
func WithErrorHandler(h func(ReportError)) ReporterOption {
	return func(c *reporterConfig) { c.onLoss = h }
}

// LossReason is why a reporter lost events or labels; each names the
// Stats counter that counts them.
type LossReason uint8

// The reasons given to WithErrorHandler's handler.
const (
	// LossRefused: the server refused the batch with a 4xx answer that
	// is not retried (a bad token, an unknown model, an event too large
	// on its own for a proxy's limit). Counted in Failed.
	LossRefused LossReason = iota + 1
	// LossRetriesExhausted: the batch met network errors, 5xx, 429 or
	// 408 until its retries ran out (WithRetry). Counted in Failed.
	LossRetriesExhausted
	// LossClosed: Close's context ended before the batch was delivered.
	// Counted in Failed.
	LossClosed
	// LossRejected: the server refused these lines one by one as invalid
	// (the rest of the batch was stored). Counted in Rejected.
	LossRejected
	// LossUnknown: labels the server found no event for. Counted in
	// Labels.Unknown.
	LossUnknown
	// LossQueueFull: Report or ReportLabel found the queue at its bound
	// (WithMaxQueued) and returned ErrQueueFull. Counted in Dropped.
	LossQueueFull
	// LossUnconfirmed: the batch was answered 2xx, but not with
	// Lodestar's ingest answer (a JSON object, application/json, with its
	// counts): a captive portal's or a misrouted proxy's page, a wrong
	// URL. Nothing says the batch was stored, so it is not counted sent;
	// it is not retried either, as such an answer is no passing failure.
	// Err says what answered (its Content-Type, its first bytes, where a
	// redirect led). Counted in Failed.
	LossUnconfirmed
	// LossConflict: the server refused these event lines because their
	// IDs are already stored for other events (another time, features or
	// prediction; the line's code is id_conflict): an ID reused, not a
	// retry. The stored events are kept as they were. Counted in Rejected
	// and in Conflicts.
	LossConflict
)

func (r LossReason) String() string {
	switch r {
	case LossRefused:
		return "refused"
	case LossRetriesExhausted:
		return "retries exhausted"
	case LossClosed:
		return "cut off by close"
	case LossRejected:
		return "rejected"
	case LossUnknown:
		return "unknown event"
	case LossQueueFull:
		return "queue full"
	case LossUnconfirmed:
		return "not Lodestar's answer"
	case LossConflict:
		return "id taken by another event"
	}
	return "LossReason(" + strconv.Itoa(int(r)) + ")"
}

// ReportError is what WithErrorHandler's handler is told: items lost for
// good, all for one reason. It is an error, unwrapping to Err.
type ReportError struct {
	// Reason is why they were lost, and the Stats counter that counts
	// them.
	Reason LossReason
	// Labels: the items are labels (ReportLabel), not events.
	Labels bool
	// Count is how many items were lost.
	Count int
	// IDs are the lost items' IDs, Count of them in the order they were
	// reported: every item of a lost batch, the lines the server rejected
	// or found no event for. Nil for LossQueueFull: Report returned the
	// event's error to its caller.
	IDs []string
	// Status is the server's last HTTP answer (LossRefused, and
	// LossRetriesExhausted when the server answered; 200 or another 2xx
	// for LossRejected, LossUnknown and LossUnconfirmed); 0 when there was
	// none: a network error, Close, a full queue.
	Status int
	// Err says why: the server's error, the network's, the context's
	// (LossClosed), or ErrQueueFull.
	Err error
}

// Error says what was lost and why.
func (e ReportError) Error() string {
	what := "events"
	if e.Labels {
		what = "labels"
	}
	s := fmt.Sprintf("lodestar: %d %s lost (%s)", e.Count, what, e.Reason)
	if e.Status != 0 {
		s += fmt.Sprintf(", HTTP %d", e.Status)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns Err.
func (e ReportError) Unwrap() error { return e.Err }

// Reporter sends prediction events and late labels to Lodestar in the
// background. Report never waits on the network: it encodes the event
// into the current batch in memory and returns. A batch is sent when it
// is full or at the flush interval, one request at a time per queue,
// retried on network errors, 5xx, 429 and 408 with exponential backoff;
// since every event carries an ID, the server stores a retried event once
// and counts it as a duplicate. A batch refused as too large (413, a
// proxy's limit below the server's) is sent again in halves, down to
// single lines. Other 4xx answers (a bad token, an unknown model) are not
// retried: the batch is counted in Failed; so is one answered 2xx by
// something other than Lodestar (a captive portal's or a proxy's page,
// not the ingest answer: LossUnconfirmed), as the switch client refuses
// a 200 that is no event stream. Memory is
// bounded (WithMaxQueued); when the bound is reached new events are
// dropped and counted. Close flushes what is queued.
//
// It implements POST {URL}/api/v1/models/{key}/events and …/labels,
// NDJSON bodies (see the README for the wire format).
type Reporter struct {
	cfg reporterConfig
	// ownClient: the HTTP client is the reporter's own (no WithHTTPClient),
	// so Close closes its idle connections.
	ownClient bool
	events    *queue
	labels    *queue
	ctx       context.Context // requests and waits; cancelled when Close gives up
	cancel    context.CancelFunc
	once      sync.Once
	// never: nothing can ever be sent — the base URL has no http:// or
	// https:// (or is no URL), or the token or the model key is empty;
	// Report and ReportLabel return it at once.
	never error
	// closed: Close was called; Report and ReportLabel return ErrClosed,
	// whatever else is wrong with the item or the reporter.
	closed atomic.Bool
	// cut counts the items Close's deadline cut off (also in Failed), and
	// cause is why it gave up: Close reports an error only when it cut
	// something off, and every later Close reports it again.
	cut   atomic.Int64
	cause atomic.Pointer[error]
	// lossMu keeps the two senders' calls of the error handler apart.
	lossMu sync.Mutex

	splitWarn    sync.Once    // the first batch split on a 413 is logged
	unregistered atomic.Int64 // Stats().Unregistered
	warnMu       sync.Mutex
	warned       map[string]bool // versions logged as unregistered
}

// errReporterNotStarted is what a Reporter not made by NewReporter (nil,
// or a zero value) returns from Report and ReportLabel.
var errReporterNotStarted = errors.New("lodestar: this reporter was not made by sdk.NewReporter: it sends nothing")

// NewReporter starts a reporter for one model. baseURL is the Lodestar
// server (e.g. https://lodestar.example), token an API token allowed to
// ingest (scope ingest or write; spaces and line ends around it are
// trimmed), modelKey the model's key.
func NewReporter(baseURL, token, modelKey string, opts ...ReporterOption) *Reporter {
	cfg := reporterConfig{
		batchSize:      1000,
		interval:       2 * time.Second,
		maxQueued:      100_000,
		maxQueuedBytes: 64 << 20,
		client:         nil, // the reporter's own, below
		minBackoff:     200 * time.Millisecond,
		maxBackoff:     30 * time.Second,
		maxRetries:     8,
		maxRetryAfter:  5 * time.Minute,
		log:            slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if o != nil { // an option chosen conditionally, and left out
			o(&cfg)
		}
	}
	// A maximum wait below the minimum (WithRetry(5, time.Minute, 0) over
	// the 30 s default, or max < min given) capped every wait below the
	// minimum asked for; or, given below min, was silently replaced by
	// the 30 s default.
	cfg.maxBackoff = max(cfg.maxBackoff, cfg.minBackoff)
	r := &Reporter{cfg: cfg}
	if r.cfg.client == nil {
		// Its own transport, whose idle connections Close closes: on the
		// shared default one they stayed open, two goroutines each, after
		// Close.
		r.ownClient = true
		r.cfg.client = &http.Client{Timeout: 30 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	token = bareToken(token)
	r.ctx, r.cancel = context.WithCancel(context.Background())
	// Every request would fail the same way — retried as if the network
	// were down, or refused — and the events be counted failed, seconds or
	// minutes later, with nothing said: say it on the first Report instead.
	if u, err := url.Parse(baseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.never = fmt.Errorf("lodestar: reporter URL %q is not an http:// or https:// server address, so nothing can be sent", baseURL)
	} else if token == "" {
		r.never = errors.New("lodestar: reporter has no token (NewReporter's token is empty): it needs one with the ingest or write scope, so nothing can be sent")
	} else if strings.TrimSpace(modelKey) == "" {
		r.never = errors.New("lodestar: reporter has no model key (NewReporter's modelKey is empty): it needs the model's key as registered, so nothing can be sent")
	}
	base := strings.TrimSuffix(baseURL, "/") + "/api/v1/models/" + url.PathEscape(modelKey)
	r.events = newQueue(r, base+"/events", "Bearer "+token)
	r.labels = newQueue(r, base+"/labels", "Bearer "+token)
	return r
}

// Report queues an event. It does not wait on the network; it returns
// ErrQueueFull when the queue is at its bound (the event is dropped),
// ErrClosed after Close, an ErrInvalidEvent when the event cannot be
// encoded or the server would refuse it whatever its state (no version,
// no prediction, a NaN, a feature of another type, an ID over 128
// characters or a version over 64, a time outside the years 1970–9999,
// more than 1,000 features or 50 groups, the NUL character in any
// string), or, when nothing can ever be sent — the reporter's URL is no http:// or
// https:// address, its token or model key is empty —, why (the event
// counted in Failed). After Close it returns ErrClosed, whatever else is
// wrong. Report reads the event's maps before it returns; the caller may
// reuse them.
func (r *Reporter) Report(e Event) error {
	if err := r.accepting(false); err != nil {
		return err
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	sp := scratch.Get().(*[]byte)
	line, err := appendEvent((*sp)[:0], &e)
	defer putScratch(sp, line)
	if err != nil {
		r.events.rejected.Add(1)
		return err
	}
	if e.ID == "" {
		return r.events.addNewID(line)
	}
	return r.events.add(line)
}

// ReportLabel queues the true outcome of an event reported earlier,
// found by its ID. Labels have their own queue, bounds and counters
// (Stats().Labels), and go through the same batching and retries.
// It returns errors as Report does.
func (r *Reporter) ReportLabel(id string, label Value) error {
	if err := r.accepting(true); err != nil {
		return err
	}
	sp := scratch.Get().(*[]byte)
	var err error
	b := (*sp)[:0]
	defer func() { putScratch(sp, b) }()
	switch {
	case id == "":
		err = fmt.Errorf("%w: a label needs the event's ID", ErrInvalidEvent)
	case label.IsZero():
		err = fmt.Errorf("%w: no label for event %q", ErrInvalidEvent, id)
	case checkText("ID", id, maxIDLen) != nil:
		err = checkText("ID", id, maxIDLen)
	case hasNUL(id):
		err = errNUL("the ID")
	case label.kind == 2 && hasNUL(label.str):
		err = errNUL("the label")
	default:
		b = append(b, `{"id":`...)
		b = appendString(b, id)
		b = append(b, `,"label":`...)
		b, err = appendValue(b, label, "label")
		b = append(b, "}\n"...)
	}
	if err != nil {
		r.labels.rejected.Add(1)
		return err
	}
	return r.labels.add(b)
}

// accepting returns why an event (or a label) cannot be queued before it
// is even looked at, counting it: the reporter is closed (Dropped), or can
// never send (Failed).
func (r *Reporter) accepting(label bool) error {
	if r == nil || r.events == nil {
		return errReporterNotStarted
	}
	q := r.events
	if label {
		q = r.labels
	}
	switch {
	case r.closed.Load():
		q.dropped.Add(1)
		return ErrClosed
	case r.never != nil:
		q.failed.Add(1)
		return r.never
	}
	return nil
}

// Close stops accepting events and labels, sends everything queued (with
// retries) — the events first, so that labels find them — and stops. If
// ctx ends first, the requests in flight are abandoned, what was not
// delivered is counted in Failed, and an error wrapping ctx's is returned
// (none when nothing was left to deliver). Calling Close again waits for
// the same end, and returns that error again if the first gave up
// (nothing more was delivered since). Close on a Reporter not made by
// NewReporter does nothing.
func (r *Reporter) Close(ctx context.Context) error {
	if r == nil || r.events == nil {
		return nil
	}
	r.closed.Store(true)
	r.once.Do(func() {
		r.labels.refuse()
		r.events.refuse()
		r.events.drain()
	})
	select {
	case <-r.events.done:
		r.labels.drain()
		select {
		case <-r.labels.done:
			r.cancel()
			r.closeIdle()
			return r.closeErr()
		case <-ctx.Done():
		}
	case <-ctx.Done():
	}
	// Why, kept before the requests are abandoned: whoever sees the
	// queues done sees it.
	cause := ctx.Err()
	r.cause.CompareAndSwap(nil, &cause)
	r.cancel()
	r.labels.drain()
	<-r.events.done
	<-r.labels.done
	r.closeIdle()
	return r.closeErr()
}

// closeErr is Close's answer once both queues are done: an error when
// its deadline cut items off (a ctx that ended with nothing left to send
// cut nothing: the queues emptied as they would have anyway).
func (r *Reporter) closeErr() error {
	n := r.cut.Load()
	if n == 0 {
		return nil
	}
	return fmt.Errorf("lodestar: close gave up with %d events or labels undelivered (counted in Stats().Failed): %w", n, *r.cause.Load())
}

// closeIdle closes the idle connections of the reporter's own HTTP client
// once nothing more is sent; a client given with WithHTTPClient is left
// to its owner.
func (r *Reporter) closeIdle() {
	if r.ownClient {
		r.cfg.client.CloseIdleConnections()
	}
}

// Stats are a reporter's counters since it started. Every event given
// to Report ends in exactly one of Sent, Duplicates, Rejected, Dropped or
// Failed, or is still Queued.
type Stats struct {
	// Queued events wait in memory, the batch in flight included.
	Queued int64
	// Sent events were stored by the server.
	Sent int64
	// Duplicates the server already had: events of a retried batch whose
	// first attempt was stored although its answer was lost. They are
	// delivered too: Sent + Duplicates is what the server holds.
	Duplicates int64
	// Rejected events were invalid: refused by Report, or line by line
	// by the server. They are not retried.
	Rejected int64
	// Conflicts counts the events, among Rejected, the server refused
	// because their IDs are already stored for other events (another
	// time, features or prediction): an ID reused, not a retry — two
	// services sharing an ID scheme, or a counter restarted. A server
	// older than this counter reports none.
	Conflicts int64
	// Dropped events found the queue full (or the reporter closed) and
	// were not kept.
	Dropped int64
	// Retries counts requests sent again.
	Retries int64
	// Failed events were given up on: a 4xx answer other than 429 or
	// 408 (a 413 only for an event too large on its own), a 2xx answer
	// that is not Lodestar's (LossUnconfirmed), retries exhausted, or
	// Close's deadline.
	Failed int64
	// Unregistered counts the events, among Sent and Duplicates, that
	// the server stored under a version the model has not registered (a
	// Version spelt v2.0 where the registry has 2.0): no monitor watches
	// them until a version of that name is registered; as the server
	// counts them, an ID repeated within a batch is one event. WithLogger logs
	// each such version once (the first 100 of them). A server older
	// than this counter reports none.
	Unregistered int64
	// Labels counts the label queue the same way (Sent is labels the
	// server matched to an event; Unknown those it could not).
	Labels LabelStats
}

// LabelStats are the counters of the label queue.
type LabelStats struct {
	Queued, Sent, Unknown, Rejected, Dropped, Retries, Failed int64
}

// Stats returns the counters (zero for a Reporter not made by
// NewReporter).
func (r *Reporter) Stats() Stats {
	if r == nil || r.events == nil {
		return Stats{}
	}
	e, l := r.events, r.labels
	e.mu.Lock()
	eq := int64(e.queued)
	e.mu.Unlock()
	l.mu.Lock()
	lq := int64(l.queued)
	l.mu.Unlock()
	return Stats{
		Queued: eq, Sent: e.sent.Load(), Duplicates: e.duplicates.Load(), Rejected: e.rejected.Load(),
		Conflicts: e.conflicts.Load(), Dropped: e.dropped.Load(), Retries: e.retries.Load(), Failed: e.failed.Load(), Unregistered: r.unregistered.Load(),
		Labels: LabelStats{Queued: lq, Sent: l.sent.Load(), Unknown: l.unknown.Load(), Rejected: l.rejected.Load(),
			Dropped: l.dropped.Load(), Retries: l.retries.Load(), Failed: l.failed.Load()},
	}
}

// scratch holds the buffers Report encodes into before taking the queue
// lock, so encoding runs in parallel and allocates nothing once warm.
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// putScratch returns a buffer to the pool, unless one huge event grew it.
func putScratch(sp *[]byte, b []byte) {
	if cap(b) <= 64<<10 {
		*sp = b[:0]
		scratch.Put(sp)
	}
}

// maxFree is how many sent batches a queue keeps to refill: enough that
// in steady state (one batch filling, one in flight) no buffer is
// allocated, and a bound on the memory kept when idle.
const maxFree = 4

// batch is NDJSON lines waiting to be sent together.
type batch struct {
	buf []byte
	n   int
	// after (a label batch): how many events the reporter had queued
	// when its latest label was added; it is sent only once that many
	// have left the event queue, so a label never overtakes its event (a
	// label that arrives first is answered "unknown" and lost).
	after int64
	// exact: buf was cut to what the batch carries when it was sealed;
	// too small to refill, it is not kept once sent.
	exact bool
}

// queue is one endpoint's batching, bounds, sender and counters.
type queue struct {
	r    *Reporter
	url  string
	auth string

	mu        sync.Mutex
	cur       *batch   // filling
	ready     []*batch // full, oldest first
	free      []*batch // sent, kept for their buffers
	freeBytes int      // their buffers' capacity
	queued    int      // items in cur, ready and in flight
	qbytes    int
	closed    bool
	full      int64 // items dropped by a full queue, not yet told to the error handler
	wake      chan struct{}
	stopped   chan struct{} // closed by drain
	stopOnce  sync.Once
	done      chan struct{} // closed when the sender has finished

	sent, duplicates, unknown, rejected, dropped, retries, failed atomic.Int64
	// conflicts (events only): of rejected, the IDs taken by other events.
	conflicts atomic.Int64

	// added counts the items ever queued; finished the items whose batch has
	// left the queue (sent, refused or given up), in order, with progress
	// closed and replaced at each step for those waiting on it.
	added    atomic.Int64
	finished int64
	progress chan struct{}
}

func newQueue(r *Reporter, endpoint, auth string) *queue {
	q := &queue{r: r, url: endpoint, auth: auth, wake: make(chan struct{}, 1),
		stopped: make(chan struct{}), done: make(chan struct{}), progress: make(chan struct{})}
	go q.run()
	return q
}

// add appends one encoded line (ending in a newline) to the current
// batch, closing the batch when it is full.
func (q *queue) add(line []byte) error { return q.addLine(line, false) }

// addNewID is add for an event line whose ID is still to be given (its
// 36 bytes after the line's {"id":"): it is made under the queue's lock,
// so that IDs increase in the order lines join their batches — made
// before, by goroutines reporting at once, they joined out of order (the
// server then sorted the batch).
func (q *queue) addNewID(line []byte) error { return q.addLine(line, true) }

// newIDAt is where an event line's ID starts, after {"id":".
const newIDAt = len(`{"id":"`)

func (q *queue) addLine(line []byte, newID bool) error {
	if len(line) > maxBatchBytes {
		q.rejected.Add(1)
		return fmt.Errorf("%w: %d bytes encoded, more than one request may carry (%d)", ErrInvalidEvent, len(line), maxBatchBytes)
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		q.dropped.Add(1)
		return ErrClosed
	}
	if q.queued >= q.r.cfg.maxQueued || q.qbytes+len(line) > q.r.cfg.maxQueuedBytes {
		// Counted under the lock, so that the sender's last look at full,
		// once the queue is closed, finds every drop counted before.
		q.dropped.Add(1)
		q.full++
		q.mu.Unlock()
		return ErrQueueFull
	}
	if q.cur != nil && len(q.cur.buf)+len(line) > maxBatchBytes {
		q.seal()
	}
	if q.cur == nil {
		if n := len(q.free); n > 0 {
			q.cur, q.free = q.free[n-1], q.free[:n-1]
			q.freeBytes -= cap(q.cur.buf)
		} else {
			// Room for a full batch of lines like this one, so the buffer
			// does not grow by doubling — but no more than an eighth of
			// the byte bound: a batch that starts with one large event
			// and fills with small ones must not hold megabytes the bound
			// does not see (appending grows it as the lines need).
			size := min(maxBatchBytes, q.r.cfg.batchSize*(len(line)+len(line)/4), max(len(line), q.r.cfg.maxQueuedBytes/8))
			q.cur = &batch{buf: make([]byte, 0, size)}
		}
	}
	if newID {
		var id [36]byte
		copy(line[newIDAt:newIDAt+len(id)], appendEventID(id[:0]))
	}
	q.cur.buf = append(q.cur.buf, line...)
	q.cur.n++
	q.queued++
	q.qbytes += len(line)
	q.added.Add(1)
	if q == q.r.labels {
		q.cur.after = q.r.events.added.Load()
	}
	if q.cur.n >= q.r.cfg.batchSize {
		q.seal()
	}
	q.mu.Unlock()
	return nil
}

// seal moves the current batch to the ready list and wakes the sender.
// The caller holds mu.
func (q *queue) seal() {
	if q.cur == nil || q.cur.n == 0 {
		return
	}
	// A batch sealed far from full (by the flush interval, at a trickle
	// of events) keeps only what it carries: its buffer was sized for a
	// full batch, and while the server is away such batches pile up — one
	// every interval, each holding ~125 KiB for a few lines, tens of
	// times the byte bound, which counts what they carry. The large
	// buffer is kept for the next batch.
	if b := q.cur; cap(b.buf) > 2*len(b.buf)+4096 {
		big := &batch{buf: b.buf[:0]}
		b.buf, b.exact = append([]byte(nil), b.buf...), true
		q.keep(big)
	}
	q.ready = append(q.ready, q.cur)
	q.cur = nil
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// refuse makes add return ErrClosed; what is queued waits for drain.
func (q *queue) refuse() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}

// drain seals the last batch and tells the sender to finish once the
// queue is empty.
func (q *queue) drain() {
	q.stopOnce.Do(func() {
		q.mu.Lock()
		q.seal()
		q.mu.Unlock()
		close(q.stopped)
	})
}

// next returns the oldest ready batch, or nil.
func (q *queue) next() *batch {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.ready) == 0 {
		return nil
	}
	b := q.ready[0]
	q.ready[0] = nil
	q.ready = q.ready[1:]
	return b
}

// finish accounts for a batch that has left the queue, sent or not.
func (q *queue) finish(b *batch) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.queued -= b.n
	q.qbytes -= len(b.buf)
	q.finished += int64(b.n)
	close(q.progress)
	q.progress = make(chan struct{})
	if !b.exact {
		q.keep(b)
	}
}

// keep keeps a batch no longer queued for its buffer, to refill. The
// caller holds mu.
func (q *queue) keep(b *batch) {
	// Kept for reuse while the free buffers together stay within an eighth
	// of the byte bound (at least 256 KiB): one per buffer let four 8 MiB
	// buffers, 32 MiB, stay held by an idle reporter after a burst of large
	// events, beyond anything WithMaxQueued bounds.
	if len(q.free) < maxFree && q.freeBytes+cap(b.buf) <= max(256<<10, q.r.cfg.maxQueuedBytes/8) {
		b.buf, b.n, b.after, b.exact = b.buf[:0], 0, 0, false
		q.free = append(q.free, b)
		q.freeBytes += cap(b.buf)
	}
}

// waitFinished waits until n items have left the queue, or ctx ends.
func (q *queue) waitFinished(ctx context.Context, n int64) {
	for {
		q.mu.Lock()
		ch, ok := q.progress, q.finished >= n
		q.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return
		}
	}
}

// run is the sender: it sends ready batches one at a time, closes the
// current batch every flush interval, and after close drains the queue.
func (q *queue) run() {
	defer close(q.done)
	tick := time.NewTicker(q.r.cfg.interval)
	defer tick.Stop()
	stopped := q.stopped
	for {
		q.reportFull()
		if b := q.next(); b != nil {
			q.send(b)
			q.finish(b)
			continue
		}
		if stopped == nil {
			return // closed, and nothing is left
		}
		select {
		case <-q.wake:
		case <-tick.C:
			q.mu.Lock()
			if !q.closed { // once refused, drain seals the last batch
				q.seal()
			}
			q.mu.Unlock()
		case <-stopped:
			stopped = nil // close() sealed the last batch; drain and return
		}
	}
}

// response is the answer to both endpoints.
type response struct {
	Accepted   int64             `json:"accepted"`
	Duplicates int64             `json:"duplicates"`
	Updated    int64             `json:"updated"`
	Unknown    []json.RawMessage `json:"unknown"`
	Rejected   []json.RawMessage `json:"rejected"`
	// Unregistered: the batch's versions the model has not registered.
	Unregistered []struct {
		Version string `json:"version"`
		Events  int64  `json:"events"`
	} `json:"unregistered_versions"`
}

// send delivers one batch, retrying what may succeed later, and counts
// the outcome.
func (q *queue) send(b *batch) {
	cfg := &q.r.cfg
	ctx := q.r.ctx
	if b.after > 0 { // labels wait for the events reported before them
		q.r.events.waitFinished(ctx, b.after)
	}
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			q.cutOff(b)
			return
		}
		status, retryAfter, res, err := q.post(ctx, b)
		switch {
		case err == nil && status/100 == 2 && res.body == nil:
			// A 2xx that is not the ingest answer: a captive portal or a
			// proxy answered, not Lodestar. Counted sent, whole batches
			// were lost without a word; nothing says they were stored.
			q.failed.Add(int64(b.n))
			cfg.log.Warn("lodestar: batch answered by something other than Lodestar, not counted as stored", "url", q.url, "status", status, "items", b.n, "error", res.errText)
			q.lostBatch(LossUnconfirmed, b, status, errors.New(res.errText))
			return
		case err == nil && status/100 == 2:
			q.count(b, res)
			return
		case err == nil && status == http.StatusRequestEntityTooLarge && b.n > 1:
			// The reporter never sends more than the server takes, so the
			// limit is a proxy's in front of it (nginx takes 1 MiB by
			// default): every full batch would be refused, for good. Its
			// halves are sent instead, each with its own retries, down to
			// single lines; only a line too large on its own fails.
			q.split(b)
			return
		case err == nil && !retryable(status):
			q.failed.Add(int64(b.n))
			cfg.log.Warn("lodestar: batch refused, not retried", "url", q.url, "status", status, "items", b.n, "error", res.errText)
			q.lostBatch(LossRefused, b, status, serverError(status, res))
			return
		case ctx.Err() != nil: // the request was abandoned by Close
			q.cutOff(b)
			return
		case attempt >= cfg.maxRetries:
			q.failed.Add(int64(b.n))
			cfg.log.Warn("lodestar: batch given up after retries", "url", q.url, "status", status, "items", b.n, "error", err)
			if err == nil {
				err = serverError(status, res)
			}
			q.lostBatch(LossRetriesExhausted, b, status, err)
			return
		}
		q.reportFull() // the wait may be long: drops are not held through it
		wait := backoff(cfg.minBackoff, cfg.maxBackoff, attempt)
		if retryAfter > wait {
			wait = min(retryAfter, cfg.maxRetryAfter)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			q.cutOff(b)
			return
		case <-t.C:
		}
		q.retries.Add(1)
	}
}

// retryable reports whether an answer may succeed if sent again: 5xx,
// 429 (too many requests) and 408 (a proxy's or load balancer's request
// timeout).
func retryable(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// split sends a batch refused as too large in two halves, cut at the line
// boundary nearest its middle. The halves share the batch's buffer, which
// stays the queue's (finish accounts for the whole batch after).
func (q *queue) split(b *batch) {
	q.r.splitWarn.Do(func() {
		q.r.cfg.log.Warn("lodestar: a batch was refused as too large (413) though within the server's limits: a proxy in front of it takes less; batches are split and sent in parts (WithBatchSize lowers the size)",
			"url", q.url, "bytes", len(b.buf), "items", b.n)
	})
	lines := b.n / 2
	cut := 0
	for range lines {
		cut += bytes.IndexByte(b.buf[cut:], '\n') + 1
	}
	q.send(&batch{buf: b.buf[:cut:cut], n: lines})
	q.send(&batch{buf: b.buf[cut:], n: b.n - lines})
}

// cutOff counts a batch Close's deadline kept from delivery.
func (q *queue) cutOff(b *batch) {
	q.failed.Add(int64(b.n))
	q.r.cut.Add(int64(b.n))
	err := context.Canceled
	if c := q.r.cause.Load(); c != nil { // stored by Close before it cancels
		err = *c
	}
	q.lostBatch(LossClosed, b, 0, err)
}

// serverError is the error of a batch's final non-2xx answer.
func serverError(status int, res *result) error {
	if res == nil || res.errText == "" {
		return fmt.Errorf("lodestar: the server answered %d %s", status, http.StatusText(status))
	}
	return fmt.Errorf("lodestar: the server answered %d: %s", status, res.errText)
}

// lost tells the error handler, if any, of a loss already counted in
// Stats. It runs on a sender; the two senders' calls never overlap.
func (q *queue) lost(e ReportError) {
	h := q.r.cfg.onLoss
	if h == nil || e.Count <= 0 {
		return
	}
	e.Labels = q == q.r.labels
	q.r.lossMu.Lock()
	defer q.r.lossMu.Unlock()
	h(e)
}

// lostBatch tells the error handler of a whole batch lost, with its IDs.
func (q *queue) lostBatch(reason LossReason, b *batch, status int, err error) {
	if q.r.cfg.onLoss == nil {
		return
	}
	q.lost(ReportError{Reason: reason, Count: b.n, IDs: lineIDs(b.buf), Status: status, Err: err})
}

// reportFull tells the error handler of the items dropped by a full queue
// since it was last told, in one call.
func (q *queue) reportFull() {
	if q.r.cfg.onLoss == nil {
		return
	}
	q.mu.Lock()
	n := q.full
	q.full = 0
	q.mu.Unlock()
	q.lost(ReportError{Reason: LossQueueFull, Count: int(n), Err: ErrQueueFull})
}

// lineIDs returns the ID of each line of an encoded batch, in order.
func lineIDs(buf []byte) []string {
	ids := make([]string, 0, bytes.Count(buf, []byte{'\n'}))
	for len(buf) > 0 {
		line, rest, _ := bytes.Cut(buf, []byte{'\n'})
		ids = append(ids, lineID(line))
		buf = rest
	}
	return ids
}

// lineID reads the ID of a line the reporter encoded: each begins with
// it, as a JSON string.
func lineID(line []byte) string {
	rest, ok := bytes.CutPrefix(line, []byte(`{"id":"`))
	if !ok {
		return ""
	}
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case '\\':
			i++ // the escaped character cannot end the string
		case '"':
			var id string
			if json.Unmarshal(line[len(`{"id":`):len(`{"id":"`)+i+1], &id) != nil {
				return ""
			}
			return id
		}
	}
	return ""
}

// backoff is the wait before retry attempt+1: min doubled attempt times,
// at most max, then uniformly between half of that and all of it.
func backoff(minWait, maxWait time.Duration, attempt int) time.Duration {
	d := backoffCap(minWait, maxWait, attempt)
	return d/2 + rand.N(d/2+1)
}

// backoffCap is the most backoff may wait before retry attempt+1: min
// doubled attempt times, at most max.
func backoffCap(minWait, maxWait time.Duration, attempt int) time.Duration {
	d := minWait
	for range attempt {
		if d >= maxWait/2 {
			d = maxWait
			break
		}
		d *= 2
	}
	return min(d, maxWait)
}

// count records a 2xx ingest answer (res.body set: post checked it).
func (q *queue) count(b *batch, res *result) {
	r := res.body
	q.rejected.Add(int64(len(r.Rejected)))
	rejected, conflicts := r.Rejected, []json.RawMessage(nil)
	if q != q.r.labels {
		rejected, conflicts = splitConflicts(r.Rejected)
		q.conflicts.Add(int64(len(conflicts)))
	}
	// Whatever the answer does not account for (a server answering
	// fewer lines than were sent) was still taken by the server: sent, so
	// that every item ends in one counter.
	if q == q.r.labels {
		q.sent.Add(r.Updated + max(0, int64(b.n)-r.Updated-int64(len(r.Unknown))-int64(len(r.Rejected))))
		q.unknown.Add(int64(len(r.Unknown)))
	} else {
		q.sent.Add(r.Accepted + max(0, int64(b.n)-r.Accepted-r.Duplicates-int64(len(r.Rejected))))
		q.duplicates.Add(r.Duplicates)
		for _, u := range r.Unregistered {
			q.r.unregistered.Add(max(0, u.Events))
			q.r.warnUnregistered(q.url, u.Version, u.Events)
		}
	}
	if q.r.cfg.onLoss != nil {
		q.lostLines(LossRejected, b, res.status, rejected)
		q.lostLines(LossConflict, b, res.status, conflicts)
		q.lostLines(LossUnknown, b, res.status, r.Unknown)
	}
}

// splitConflicts parts the server's rejected lines into those refused
// for another reason and those whose event ID is taken by another event
// (code id_conflict), each in the server's order.
func splitConflicts(lines []json.RawMessage) (other, conflicts []json.RawMessage) {
	for _, raw := range lines {
		var le struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(raw, &le) == nil && le.Code == idConflict {
			conflicts = append(conflicts, raw)
		} else {
			other = append(other, raw)
		}
	}
	return other, conflicts
}

// idConflict is the code of a line whose event ID the server holds for
// another event.
const idConflict = "id_conflict"

// lostLines tells the error handler of the lines of a batch the server
// answered one by one (rejected, conflicting, or labels of no event),
// with their IDs and the first one's reason.
func (q *queue) lostLines(reason LossReason, b *batch, status int, lines []json.RawMessage) {
	if len(lines) == 0 {
		return
	}
	ids := lineIDs(b.buf) // the batch's, found by line number
	e := ReportError{Reason: reason, Count: len(lines), IDs: make([]string, len(lines)), Status: status}
	for i, raw := range lines {
		var le struct {
			Line    int    `json:"line"`
			ID      string `json:"id"`
			Message string `json:"error"`
		}
		json.Unmarshal(raw, &le) // what cannot be read leaves the line unnamed
		e.IDs[i] = le.ID
		if le.Line >= 1 && le.Line <= len(ids) && ids[le.Line-1] != "" {
			e.IDs[i] = ids[le.Line-1]
		}
		if i == 0 {
			if le.Message == "" {
				le.Message = reason.String()
			}
			e.Err = fmt.Errorf("lodestar: the server did not take %d line(s) of the batch; the first, line %d: %s", len(lines), le.Line, le.Message)
		}
	}
	q.lost(e)
}

// maxWarned bounds the versions a reporter remembers having logged as
// unregistered (a service making up a version per event would otherwise
// grow it without end); past it, new ones are counted, not logged.
const maxWarned = 100

// warnUnregistered logs, once per version, that the server stored events
// under a version the model has not registered.
func (r *Reporter) warnUnregistered(url, version string, events int64) {
	r.warnMu.Lock()
	if r.warned[version] || len(r.warned) >= maxWarned {
		r.warnMu.Unlock()
		return
	}
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	r.warned[version] = true
	r.warnMu.Unlock()
	r.cfg.log.Warn("lodestar: events sent under a version the model has not registered: stored, but no monitor watches them until it is registered (or Version is spelt as registered)",
		"url", url, "version", version, "events", events)
}

type result struct {
	status int
	// body is a 2xx's ingest answer; nil for a 2xx when the answer is not
	// one, errText then saying what it is.
	body    *response
	errText string
}

// post makes one request. A transport error, or a failure to read the
// answer, is returned as err (and retried); otherwise the status, the
// Retry-After delay and the parsed answer. A 2xx is Lodestar's ingest
// answer only as the protocol has it: application/json, a JSON object
// with the endpoint's count (accepted, or updated for labels).
func (q *queue) post(ctx context.Context, b *batch) (int, time.Duration, *result, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", q.url, bytes.NewReader(b.buf))
	if err != nil {
		return 0, 0, nil, err
	}
	req.Header.Set("Authorization", q.auth)
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := q.r.cfg.client.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return 0, 0, nil, err
	}
	res := &result{status: resp.StatusCode}
	if resp.StatusCode/100 == 2 {
		count := "accepted"
		if q == q.r.labels {
			count = "updated"
		}
		var r response
		var has map[string]json.RawMessage
		ct := resp.Header.Get("Content-Type")
		if mt, _, err := mime.ParseMediaType(ct); err == nil && mt == "application/json" &&
			json.Unmarshal(body, &has) == nil && has[count] != nil && json.Unmarshal(body, &r) == nil {
			res.body = &r
			return resp.StatusCode, 0, res, nil
		}
		res.errText = unconfirmed(resp, ct, count, body)
		return resp.StatusCode, 0, res, nil
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		res.errText = e.Error.Code + ": " + e.Error.Message
	} else {
		res.errText = strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	return resp.StatusCode, parseRetryAfter(resp.Header.Get("Retry-After")), res, nil
}

// unconfirmed says what answered a batch 2xx instead of Lodestar: the
// status, the Content-Type, where a redirect led, the body's first bytes.
func unconfirmed(resp *http.Response, ct, count string, body []byte) string {
	got := "no Content-Type"
	if ct != "" {
		got = fmt.Sprintf("Content-Type %q", ct)
	}
	s := fmt.Sprintf("lodestar: the answer %s is not Lodestar's ingest answer (application/json, an object with %q; got %s", resp.Status, count, got)
	if resp.Request != nil && resp.Request.Response != nil { // redirected: say where to
		s += ", after a redirect to " + resp.Request.URL.Redacted()
	}
	if b := strings.Join(strings.Fields(string(body[:min(len(body), 120)])), " "); b != "" {
		s += fmt.Sprintf(", body %q", b)
	} else {
		s += ", no body"
	}
	return s + "): a captive portal, a proxy or a wrong URL answered; the batch is not known to be stored"
}

// parseRetryAfter reads either form of Retry-After: seconds, or an HTTP
// date.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

// appendEvent encodes one event as a line of NDJSON, without allocating
// when the buffer is large enough.
func appendEvent(b []byte, e *Event) ([]byte, error) {
	if e.Version == "" {
		return b, fmt.Errorf("%w: no model version", ErrInvalidEvent)
	}
	if e.Prediction.IsZero() {
		return b, fmt.Errorf("%w: no prediction", ErrInvalidEvent)
	}
	// What the server refuses whatever its state, refused here at once
	// rather than line by line a flush later (counted in Rejected either
	// way, but then with no error to the caller).
	if err := checkText("version", e.Version, maxVersionLen); err != nil {
		return b, err
	}
	if e.ID != "" {
		if err := checkText("ID", e.ID, maxIDLen); err != nil {
			return b, err
		}
	}
	if !e.Time.IsZero() {
		if y := e.Time.UTC().Year(); y < 1970 || y > 9999 {
			return b, fmt.Errorf("%w: time %s is not between 1970 and 9999", ErrInvalidEvent, e.Time.UTC().Format(time.RFC3339))
		}
	}
	if len(e.Features) > maxFeatures {
		return b, fmt.Errorf("%w: %d features, more than the %d the server takes", ErrInvalidEvent, len(e.Features), maxFeatures)
	}
	if len(e.Groups) > maxGroups {
		return b, fmt.Errorf("%w: %d groups, more than the %d the server takes", ErrInvalidEvent, len(e.Groups), maxGroups)
	}
	if err := checkNULs(e); err != nil {
		return b, err
	}
	b = append(b, `{"id":`...)
	if e.ID == "" {
		// A place for the ID, given by queue.add under its lock (so
		// that a batch's IDs increase however many goroutines report).
		b = append(b, '"')
		b = append(b, "00000000-0000-0000-0000-000000000000"...)
		b = append(b, '"')
	} else {
		b = appendString(b, e.ID)
	}
	if !e.Time.IsZero() {
		b = append(b, `,"time":"`...)
		b = e.Time.UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `,"version":`...)
	b = appendString(b, e.Version)
	b = append(b, `,"features":{`...)
	first := true
	var err error
	for k, v := range e.Features {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, k)
		b = append(b, ':')
		if b, err = appendFeature(b, k, v); err != nil {
			return b, err
		}
	}
	b = append(b, `},"prediction":`...)
	if b, err = appendValue(b, e.Prediction, "prediction"); err != nil {
		return b, err
	}
	if !e.Label.IsZero() {
		b = append(b, `,"label":`...)
		if b, err = appendValue(b, e.Label, "label"); err != nil {
			return b, err
		}
	}
	if e.Latency > 0 {
		b = append(b, `,"latency_ms":`...)
		b = strconv.AppendFloat(b, float64(e.Latency)/1e6, 'f', -1, 64)
	}
	if len(e.Groups) > 0 {
		b = append(b, `,"groups":{`...)
		first = true
		for k, v := range e.Groups {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, v)
		}
		b = append(b, '}')
	}
	return append(b, "}\n"...), nil
}

// The server's limits of an event's text fields, in characters, and of
// its features and groups.
const (
	maxIDLen      = 128
	maxVersionLen = 64
	maxFeatures   = 1000
	maxGroups     = 50
)

// hasNUL reports whether s holds the NUL character, which the server
// refuses in every string of a line.
func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// errNUL is the refusal of a string holding the NUL character.
func errNUL(what string) error {
	return fmt.Errorf("%w: %s holds the NUL character (\\u0000), which the server refuses", ErrInvalidEvent, what)
}

// checkNULs refuses an event with the NUL character in any of its strings.
func checkNULs(e *Event) error {
	switch {
	case hasNUL(e.ID):
		return errNUL("the ID")
	case hasNUL(e.Version):
		return errNUL("the version")
	case e.Prediction.kind == 2 && hasNUL(e.Prediction.str):
		return errNUL("the prediction")
	case e.Label.kind == 2 && hasNUL(e.Label.str):
		return errNUL("the label")
	}
	for k, v := range e.Features {
		if hasNUL(k) {
			return errNUL(fmt.Sprintf("feature name %q", k))
		}
		if s, ok := v.(string); ok && hasNUL(s) {
			return errNUL(fmt.Sprintf("feature %q", k))
		}
	}
	for k, v := range e.Groups {
		if hasNUL(k) {
			return errNUL(fmt.Sprintf("group name %q", k))
		}
		if hasNUL(v) {
			return errNUL(fmt.Sprintf("group %q", k))
		}
	}
	return nil
}

// checkText refuses an ID or version the server would: white space only,
// or longer than max characters.
func checkText(name, v string, max int) error {
	if len(v) > max && (len(v) > 4*max || utf8.RuneCountInString(v) > max) {
		return fmt.Errorf("%w: %s is longer than %d characters", ErrInvalidEvent, name, max)
	}
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%w: %s is only white space", ErrInvalidEvent, name)
	}
	return nil
}

func appendValue(b []byte, v Value, what string) ([]byte, error) {
	if v.kind == 2 {
		return appendString(b, v.str), nil
	}
	return appendNumber(b, v.num, what)
}

func appendNumber(b []byte, f float64, what string) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("%w: %s is %v", ErrInvalidEvent, what, f)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64), nil
}

func appendFloatFeature(b []byte, name string, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("%w: feature %q is %v", ErrInvalidEvent, name, f)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64), nil
}

func appendFeature(b []byte, name string, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendString(b, x), nil
	case float64:
		return appendFloatFeature(b, name, x)
	case float32:
		return appendFloatFeature(b, name, float64(x))
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	}
	return b, fmt.Errorf("%w: feature %q is a %T; features are numbers, strings or nil", ErrInvalidEvent, name, v)
}

// appendString writes s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
