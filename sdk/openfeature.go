package sdk

import (
	"context"

	"github.com/open-feature/go-sdk/openfeature"
)

// Provider returns an OpenFeature provider backed by this client, so code
// written against OpenFeature reads Lodestar's switches: as a boolean
// flag a switch is true only when on; as a string flag its value is its
// state ("on", "off" or "fallback"); as an object flag, {"state",
// "fallback"}. The variant is always the state. An unknown key resolves
// to the caller's default with FLAG_NOT_FOUND; before the first snapshot,
// to the default with PROVIDER_NOT_READY.
func (c *Switches) Provider() openfeature.FeatureProvider { return provider{c} }

type provider struct{ c *Switches }

func (p provider) Metadata() openfeature.Metadata { return openfeature.Metadata{Name: "lodestar"} }

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
