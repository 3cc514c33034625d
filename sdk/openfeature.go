package sdk

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/open-feature/go-sdk/openfeature"
)

// Provider returns an OpenFeature provider backed by this client, so code
// written against OpenFeature reads Lodestar's switches: as a boolean
// flag a switch is true only when on; as a string flag its value is its
// state ("on", "off" or "fallback"); as an object flag, {"state",
// "fallback"}. The variant is always the state. An unknown key resolves
// to the caller's default with FLAG_NOT_FOUND; before the first snapshot,
// to the default with PROVIDER_NOT_READY. OpenFeature reports the provider
// READY once the first snapshot is in (its initialisation waits for it;
// if that fails, READY comes with the first snapshot after), STALE while
// the stream is lost — answers then are the last known states, with
// reason CACHED instead of STATIC — and READY again with the next
// snapshot; each flip is a PROVIDER_CONFIGURATION_CHANGED naming the
// switch. Register the provider with one OpenFeature API at a time: its
// events go to one reader.
//
// Options.FailClosed does not apply to the provider's answers. As
// OpenFeature has it, an unknown key, a provider not ready (no snapshot
// yet, or never: a refused token) and a type mismatch resolve to the
// default the caller passes, with the error code; the provider does not
// put FailClosed in its place, the default being the caller's own word
// for what to do when unsure. (A state the client does not know, a newer
// server's, still reads Off when it fails closed: false.) A service that
// must refuse when unsure passes false, the safe default:
//
//	enabled, _ := client.BooleanValue(ctx, "credit-risk", false, openfeature.EvaluationContext{})
//	if !enabled { /* do not call the model */ }
//
// With true there, it would call the model for a switch the provider does
// not know, or before the first snapshot, whatever FailClosed says. State
// and Enabled, which take no default, answer FailClosed's.
func (c *Switches) Provider() openfeature.FeatureProvider { return provider{c} }

type provider struct{ c *Switches }

// ofEvents are the provider's events, sent only once OpenFeature has
// initialised the provider (and so reads them), never waiting: a full
// buffer means no one reads.
type ofEvents struct {
	ch    chan openfeature.Event
	inUse atomic.Bool
	// behind: OpenFeature holds the provider other than READY (its
	// initialisation failed, or STALE was sent); the next snapshot sends
	// READY. Without it a provider that could not initialise stayed in
	// ERROR for good, though it answered once the server was back.
	behind atomic.Bool
}

func (o *ofEvents) send(t openfeature.EventType, msg string, flags []string) {
	if !o.inUse.Load() {
		return
	}
	select {
	case o.ch <- openfeature.Event{ProviderName: "lodestar", EventType: t,
		ProviderEventDetails: openfeature.ProviderEventDetails{Message: msg, FlagChanges: flags}}:
	default:
	}
}

// ready is called by the stream once a snapshot is in.
func (o *ofEvents) ready() {
	if o.behind.CompareAndSwap(true, false) {
		o.send(openfeature.ProviderReady, "lodestar: switch snapshot received", nil)
	}
}

// stale is called by the stream when a stream that had its snapshot ends.
func (o *ofEvents) stale() {
	if o.inUse.Load() {
		o.behind.Store(true)
		o.send(openfeature.ProviderStale, "lodestar: switch stream lost; answering the last known states", nil)
	}
}

func (o *ofEvents) changed(keys []string) {
	if len(keys) > 0 {
		o.send(openfeature.ProviderConfigChange, "lodestar: switches flipped", keys)
	}
}

// EventChannel carries the provider's events to OpenFeature.
func (p provider) EventChannel() <-chan openfeature.Event {
	if p.c == nil {
		return nil
	}
	return p.c.of.ch
}

func (p provider) Metadata() openfeature.Metadata { return openfeature.Metadata{Name: "lodestar"} }

// initTimeout bounds the initialisation when the caller's context has no
// deadline (Init has no context at all; OpenFeature's SetProviderAndWait
// calls InitWithContext with one that never ends): a provider that cannot
// reach the server goes to ERROR instead of holding its caller forever.
var initTimeout = 30 * time.Second

// Init waits for the first snapshot (at most initTimeout), so that
// OpenFeature reports the provider READY only once it can answer —
// SetProviderAndWait then returns with the switches' real states.
func (p provider) Init(ec openfeature.EvaluationContext) error {
	return p.InitWithContext(context.Background(), ec)
}

// InitWithContext waits for the first snapshot, the client's close, ctx
// (or initTimeout when ctx has no deadline), or the server refusing the
// token, which fails at once with the server's reason; an error leaves
// the provider in ERROR, its evaluations answering the caller's defaults
// with PROVIDER_NOT_READY until a snapshot comes. What is already known
// is answered at once, whichever initialisation this is: a snapshot in,
// the client closed, or a refusal that stands (no stream accepted since).
func (p provider) InitWithContext(ctx context.Context, _ openfeature.EvaluationContext) error {
	if p.c.unstarted() {
		return errNotStarted
	}
	p.c.of.inUse.Store(true)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, initTimeout)
		defer cancel()
	}
	refused, why := p.c.refusal()
	var err error
	select {
	case <-p.c.ready:
		return nil
	case <-p.c.done:
		err = errors.New("lodestar: the switch client has stopped (Close, or its context ended)")
		select {
		case <-refused: // a client that could never connect (its URL, no token) is done at once: say why
			err = fmt.Errorf("lodestar: no switch snapshot: %w", why())
		default:
			if last := p.c.Err(); last != nil {
				err = fmt.Errorf("%w; last attempt: %w", err, last)
			}
		}
	case <-refused:
		err = fmt.Errorf("lodestar: no switch snapshot: %w", why())
	case <-ctx.Done():
		err = fmt.Errorf("lodestar: no switch snapshot yet: %w", ctx.Err())
		if last := p.c.Err(); last != nil {
			err = fmt.Errorf("%w; last attempt: %w", err, last)
		}
	}
	// OpenFeature now holds the provider in ERROR: the first snapshot sends
	// READY. One that came in the meantime is a success after all.
	p.c.of.behind.Store(true)
	select {
	case <-p.c.ready:
		p.c.of.behind.CompareAndSwap(true, false)
		return nil
	default:
		return err
	}
}

// Shutdown stops the provider's events; the switch client belongs to the
// caller, who closes it.
func (p provider) Shutdown() {
	if p.c != nil {
		p.c.of.inUse.Store(false)
	}
}

// ShutdownWithContext is Shutdown.
func (p provider) ShutdownWithContext(context.Context) error {
	p.Shutdown()
	return nil
}

func (p provider) Hooks() []openfeature.Hook { return nil }

// lookup finds a switch, or the resolution error that explains why not.
func (p provider) lookup(flag string) (entry, openfeature.ProviderResolutionDetail, bool) {
	select {
	case <-p.c.Ready(): // nil, never ready, for a client not made by NewSwitches
	default:
		return entry{}, openfeature.ProviderResolutionDetail{Reason: openfeature.ErrorReason,
			ResolutionError: openfeature.NewProviderNotReadyResolutionError("lodestar: no snapshot yet")}, false
	}
	e, ok := p.c.t.Load().get(flag)
	if !ok {
		return entry{}, openfeature.ProviderResolutionDetail{Reason: openfeature.ErrorReason,
			ResolutionError: openfeature.NewFlagNotFoundResolutionError("lodestar: no switch " + flag)}, false
	}
	reason := openfeature.StaticReason
	if !p.c.live.Load() {
		reason = openfeature.CachedReason // the last known state: the stream is lost
	}
	return e, openfeature.ProviderResolutionDetail{Reason: reason, Variant: e.state.String()}, true
}

func (p provider) BooleanEvaluation(_ context.Context, flag string, def bool, _ openfeature.FlattenedContext) openfeature.BoolResolutionDetail {
	e, d, ok := p.lookup(flag)
	if !ok {
		return openfeature.BoolResolutionDetail{Value: def, ProviderResolutionDetail: d}
	}
	return openfeature.BoolResolutionDetail{Value: e.state == On, ProviderResolutionDetail: d}
}

func (p provider) StringEvaluation(_ context.Context, flag string, def string, _ openfeature.FlattenedContext) openfeature.StringResolutionDetail {
	e, d, ok := p.lookup(flag)
	if !ok {
		return openfeature.StringResolutionDetail{Value: def, ProviderResolutionDetail: d}
	}
	return openfeature.StringResolutionDetail{Value: e.state.String(), ProviderResolutionDetail: d}
}

func (p provider) ObjectEvaluation(_ context.Context, flag string, def any, _ openfeature.FlattenedContext) openfeature.InterfaceResolutionDetail {
	e, d, ok := p.lookup(flag)
	if !ok {
		return openfeature.InterfaceResolutionDetail{Value: def, ProviderResolutionDetail: d}
	}
	return openfeature.InterfaceResolutionDetail{Value: map[string]any{"state": e.state.String(), "fallback": e.fallback}, ProviderResolutionDetail: d}
}

// mismatch resolves a flag asked for as a type switches do not have: a
// switch that exists (or a client not ready) says so first, as other
// types do, and TYPE_MISMATCH only for a switch that is there.
func (p provider) mismatch(flag string) openfeature.ProviderResolutionDetail {
	if _, d, ok := p.lookup(flag); !ok {
		return d
	}
	return openfeature.ProviderResolutionDetail{Reason: openfeature.ErrorReason,
		ResolutionError: openfeature.NewTypeMismatchResolutionError("lodestar: switches are boolean, string or object flags")}
}

func (p provider) FloatEvaluation(_ context.Context, flag string, def float64, _ openfeature.FlattenedContext) openfeature.FloatResolutionDetail {
	return openfeature.FloatResolutionDetail{Value: def, ProviderResolutionDetail: p.mismatch(flag)}
}

func (p provider) IntEvaluation(_ context.Context, flag string, def int64, _ openfeature.FlattenedContext) openfeature.IntResolutionDetail {
	return openfeature.IntResolutionDetail{Value: def, ProviderResolutionDetail: p.mismatch(flag)}
}
