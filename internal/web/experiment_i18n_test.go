package web_test

import (
	"testing"

	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/web"
)

// TestExperimentLabelKeys checks the keys the experiment pages build at
// run time (statuses, decisions, verdict codes, guardrail states, metric
// kinds) are in every catalog.
func TestExperimentLabelKeys(t *testing.T) {
	b := i18n.MustLoad()
	keys := web.ExperimentLabelKeys(store.VerdictCodes)
	if len(keys) < 20 {
		t.Fatalf("ExperimentLabelKeys: got %d keys, want every status, decision, verdict, guardrail state and kind", len(keys))
	}
	for _, loc := range i18n.Locales {
		for _, k := range append(keys, "exp.to.running", "exp.to.stopped", "entity.experiment", "audit.action.add_data") {
			if !b.Has(loc, k) {
				t.Errorf("key %q is missing from catalog %s", k, loc)
			}
		}
	}
}
