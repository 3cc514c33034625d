package demo_test

import (
	"context"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// versionsHaveProvenance: every demo version that left development says
// what it is — its artifact in the demo bucket and its digest — so no
// page of the demo warns of a missing digest, and each digest is its own.
func versionsHaveProvenance(t *testing.T, ctx context.Context, st *store.Store) {
	ms, err := st.ListModels(ctx, 0)
	if err != nil || len(ms) == 0 {
		t.Fatalf("models: %v, %v", ms, err)
	}
	seen, live := map[string]string{}, 0
	for _, m := range ms {
		vs, err := st.ListModelVersions(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if v.Status == lodestar.ModelProduction {
				live++
			}
			p := v.Provenance
			name := m.Key + " " + v.Version
			if !strings.HasPrefix(p.ArtifactURI, "s3://lodestar-demo-models/"+m.Key+"/"+v.Version+"/") || len(p.ArtifactSHA256) != 64 ||
				p.SourceCommit == "" || p.TrainingRun == "" || len(v.Warnings) != 0 {
				t.Errorf("%s (%s): provenance %+v, warnings %v; want it all recorded", name, v.Status, p, v.Warnings)
			}
			if other, dup := seen[p.ArtifactSHA256]; dup {
				t.Errorf("%s has the digest of %s", name, other)
			}
			seen[p.ArtifactSHA256] = name
		}
	}
	if live == 0 {
		t.Errorf("no version in production")
	}
}
