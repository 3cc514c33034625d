package app_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMonitorPoolsSparseCategories: a monitor's categorical feature over
// 5,000 equally likely values, 2,000 in the reference (82% distinct: not
// ID-like) and 2,000 in a day's window of the same distribution, is not
// tested — every value is expected fewer than 5 times in each, and
// unpooled it read Jensen–Shannon near 0.75, "drifted", and with half
// the features drifted the window drifted too. The health page says why
// in both languages; the other feature is judged as before, so the
// window does not drift.
func TestMonitorPoolsSparseCategories(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Churn", "churn", "Churn")
	rng := rand.New(rand.NewPCG(4, 2))
	code := func() string { return fmt.Sprintf("c%04d", rng.IntN(5000)) }
	colour := func(i int) string { return []string{"red", "blue"}[i%2] }
	var ref strings.Builder
	ref.WriteString("code,colour\n")
	for i := range 2000 {
		fmt.Fprintf(&ref, "%s,%s\n", code(), colour(i))
	}
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok,
		fmt.Sprintf(`{"version":"1.0","name":"M","window":"day","categorical":["code","colour"],"reference":{"kind":"dataset","csv":%q}}`, ref.String()))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	mon := decodeInto[lodestar.Monitor](t, r)
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&batch, `{"id":"e%d","time":%q,"version":"1.0","features":{"code":%q,"colour":%q},"prediction":0.4,"label":%d}`+"\n",
			i, t0.Add(time.Duration(i)*30*time.Second).Format(time.RFC3339), code(), colour(i), i%2)
	}
	if r := f.ndjson("/api/v1/models/churn/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 2000 {
		t.Fatalf("ingest: %s", r.body)
	}
	ev, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(48*time.Hour), time.Time{})
	if err != nil || len(ev.Windows) != 1 {
		t.Fatalf("evaluate: %v, %+v", err, ev)
	}
	if w := ev.Windows[0]; w.DatasetDrift || w.DriftShare != 0 {
		t.Errorf("the same distributions: drift %v, share %g; want none (the codes not tested, the colours stable)", w.DatasetDrift, w.DriftShare)
	}
	c, _, _ := f.signIn(team, time.Hour)
	for lang, want := range map[string][]string{
		"en":    {"sparse: none of its ", " categories is expected 5 or more times in each sample (2000 reference values, 2000 current): not tested"},
		"zh-CN": {"类别稀疏：", " 个类别中没有一个在两个样本中的期望次数都达到 5 次（参照 2000 个值，当前 2000 个）：未检验"},
	} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		wantShown(t, f.get(c, fmt.Sprintf("/models/%d/health", m.ID)), lang, want...)
	}
}
