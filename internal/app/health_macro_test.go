package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestHealthSaysMacroForMulticlass: a multiclass monitor's precision,
// recall and F1 are macro averages over its classes (README), and its
// health page says so in both languages; a binary monitor's, of the
// positive class, keep their plain names.
func TestHealthSaysMacroForMulticlass(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Routing", "router", "Router")
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	classes := []string{"a", "b", "c"}
	for i := range 60 {
		pred, label := classes[i%3], classes[(i/2)%3]
		fmt.Fprintf(&batch, `{"id":"e%d","time":%q,"version":"1.0","features":{"x":%d},"prediction":%q,"label":%q}`+"\n",
			i, t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i%7, pred, label)
	}
	// Version 2.0, a binary classifier: a score and a 0/1 label.
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "2.0"}); err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		fmt.Fprintf(&batch, `{"id":"b%d","time":%q,"version":"2.0","features":{"x":%d},"prediction":%g,"label":%d}`+"\n",
			i, t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i%7, float64(i%10)/10, (i/3)%2)
	}
	if r := f.ndjson("/api/v1/models/router/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 120 {
		t.Fatalf("ingest: %s", r.body)
	}
	ids := map[string]int64{}
	for _, c := range []struct{ name, task string }{
		{"multi", `"version":"1.0","task":"multiclass","classes":["a","b","c"]`},
		{"binary", `"version":"2.0","task":"binary"`},
	} {
		r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok,
			`{"name":"`+c.name+`",`+c.task+`,"window":"day","reference":{"kind":"dataset","csv":"x\n1\n2\n3\n"}}`)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("%s: %d %s", c.name, r.StatusCode, r.body)
		}
		ids[c.name] = decodeInto[lodestar.Monitor](t, r).ID
		if _, err := f.app.Monitoring.Evaluate(sys(), ids[c.name], t0.Add(48*time.Hour), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	c, _, _ := f.signIn(team, time.Hour)
	for lang, want := range map[string][2][]string{
		"en":    {{"<dt>Precision (macro)</dt>", "<dt>Recall (macro)</dt>", "<dt>F1 (macro)</dt>"}, {"<dt>Precision</dt>", "<dt>Recall</dt>", "<dt>F1</dt>"}},
		"zh-CN": {{"<dt>精确率（宏平均）</dt>", "<dt>召回率（宏平均）</dt>", "<dt>F1（宏平均）</dt>"}, {"<dt>精确率</dt>", "<dt>召回率</dt>", "<dt>F1</dt>"}},
	} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		page := f.get(c, fmt.Sprintf("/models/%d/health", m.ID)).body
		section := func(name string) string {
			_, rest, ok := strings.Cut(page, fmt.Sprintf(`id="monitor-%d"`, ids[name]))
			if !ok {
				t.Fatalf("%s: monitor %s is not on the page", lang, name)
			}
			end, _, _ := strings.Cut(rest, `<section class="card wide monitor"`)
			return end
		}
		multi, binary := section("multi"), section("binary")
		for _, s := range want[0] {
			if strings.Count(multi, s) != 1 {
				t.Errorf("%s: the multiclass monitor shows %q %d times, want once", lang, s, strings.Count(multi, s))
			}
		}
		for k, s := range want[1] {
			if strings.Contains(multi, s) || !strings.Contains(binary, s) || strings.Contains(binary, want[0][k]) {
				t.Errorf("%s: %q: want it for the binary monitor only", lang, s)
			}
		}
	}
}
