package sdk

import (
	"context"
	"errors"
	"fmt"
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
// READY once the first snapshot is in (its initialisation waits for it).
func (c *Switches) Provider() openfeature.FeatureProvider { return provider{c} }

type provider struct{ c *Switches }

func (p provider) Metadata() openfeature.Metadata { return openfeature.Metadata{Name: "lodestar"} }

// initTimeout bounds Init, which has no context: a provider that cannot
// reach the server goes to ERROR instead of holding its caller forever.
const initTimeout = 30 * time.Second

// Init waits for the first snapshot (at most initTimeout), so that
// OpenFeature reports the provider READY only once it can answer —
// SetProviderAndWait then returns with the switches' real states.
func (p provider) Init(ec openfeature.EvaluationContext) error {
	ctx, cancel := context.WithTimeout(context.Background(), initTimeout)
	defer cancel()
	return p.InitWithContext(ctx, ec)
}

// InitWithContext waits for the first snapshot, the client's close, or
// ctx; an error leaves the provider in ERROR, its evaluations answering
// the caller's defaults with PROVIDER_NOT_READY until a snapshot comes.
func (p provider) InitWithContext(ctx context.Context, _ openfeature.EvaluationContext) error {
	select {
	case <-p.c.ready:
		return nil
	case <-p.c.done:
		return errors.New("lodestar: the switch client is closed")
	case <-ctx.Done():
		return fmt.Errorf("lodestar: no switch snapshot yet: %w", ctx.Err())
	}
}

// Shutdown does nothing: the switch client belongs to the caller, who
// closes it.
func (p provider) Shutdown() {}

// ShutdownWithContext does nothing, as Shutdown.
func (p provider) ShutdownWithContext(context.Context) error { return nil }

func (p provider) Hooks() []openfeature.Hook { return nil }

// lookup finds a switch, or the resolution error that explains why not.
func (p provider) lookup(flag string) (entry, openfeature.ProviderResolutionDetail, bool) {
	select {
	case <-p.c.ready:
	default:
		return entry{}, openfeature.ProviderResolutionDetail{Reason: openfeature.ErrorReason,
			ResolutionError: openfeature.NewProviderNotReadyResolutionError("lodestar: no snapshot yet")}, false
	}
	e, ok := p.c.t.Load().get(flag)
	if !ok {
		return entry{}, openfeature.ProviderResolutionDetail{Reason: openfeature.ErrorReason,
			ResolutionError: openfeature.NewFlagNotFoundResolutionError("lodestar: no switch " + flag)}, false
	}
	return e, openfeature.ProviderResolutionDetail{Reason: openfeature.StaticReason, Variant: e.state.String()}, true
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

func (p provider) FloatEvaluation(_ context.Context, flag string, def float64, _ openfeature.FlattenedContext) openfeature.FloatResolutionDetail {
	return openfeature.FloatResolutionDetail{Value: def, ProviderResolutionDetail: openfeature.ProviderResolutionDetail{Reason: openfeature.ErrorReason,
		ResolutionError: openfeature.NewTypeMismatchResolutionError("lodestar: switches are boolean, string or object flags")}}
}

func (p provider) IntEvaluation(_ context.Context, flag string, def int64, _ openfeature.FlattenedContext) openfeature.IntResolutionDetail {
	return openfeature.IntResolutionDetail{Value: def, ProviderResolutionDetail: openfeature.ProviderResolutionDetail{Reason: openfeature.ErrorReason,
		ResolutionError: openfeature.NewTypeMismatchResolutionError("lodestar: switches are boolean, string or object flags")}}
}
