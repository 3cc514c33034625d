package web

import (
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
)

// A switch is put at fallback to another model of the registry only while
// that model may serve in its place (the store's fallbackMayServe), but
// the model named may stop serving afterwards: switched off in an
// incident, at fallback itself, its live version retired. Nothing refuses
// that — a stop must never be refused — so the pages say it: the model at
// fallback, on its page and the risk overview, that its fallback does not
// serve and why; the model named, on its page, which models fall back to
// it, so whoever comes to stop it knows what else it stops.

// fallbackDown returns why the registry model that sw falls back to does
// not serve in its place — the catalog key of the reason, with that
// model's key — or "" when sw is not at fallback, names no model of the
// registry (a rule the services serve themselves), or names one that
// serves. byKey holds every switch by its model's key.
func fallbackDown(sw *lodestar.Switch, byKey map[string]*lodestar.Switch) string {
	if sw == nil || sw.State != lodestar.SwitchFallback {
		return ""
	}
	t, ok := byKey[sw.Fallback]
	switch {
	case !ok || t.Key == sw.Key || t.Serving:
		return ""
	case t.State == lodestar.SwitchOff:
		return "switch.fallback_down.off"
	case t.State == lodestar.SwitchFallback:
		return "switch.fallback_down.fallback"
	}
	return "switch.fallback_down.idle"
}

// fallingBackTo returns the keys of the models whose switches are at
// fallback to the model key, in the order of all.
func fallingBackTo(key string, all []*lodestar.Switch) []string {
	var keys []string
	for _, sw := range all {
		if sw.State == lodestar.SwitchFallback && sw.Fallback == key && sw.Key != key {
			keys = append(keys, sw.Key)
		}
	}
	return keys
}

// switchesByKey indexes switches by their model's key.
func switchesByKey(all []*lodestar.Switch) map[string]*lodestar.Switch {
	m := make(map[string]*lodestar.Switch, len(all))
	for _, sw := range all {
		m[sw.Key] = sw
	}
	return m
}

// FallbackDown says why sw's fallback does not serve in its place (see
// fallbackDown), or "" when it does.
func (p *Page) FallbackDown(sw *lodestar.Switch, byKey map[string]*lodestar.Switch) string {
	key := fallbackDown(sw, byKey)
	if key == "" {
		return ""
	}
	return p.T(key, sw.Fallback)
}

// FallingBack lists the keys of models, as the locale joins a list.
func (p *Page) FallingBack(keys []string) string { return strings.Join(keys, p.T("list.sep")) }
