package app_test

import (
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestHealthShowsPooledNote: a tested categorical feature whose rare
// categories were pooled into one bin says so beside its test on the
// health page, in both languages, as the API, `lodestar drift` and its
// HTML report do (before, the page showed a note only for a feature not
// tested). Ten common values and a tail of 3,000 rare ones, 4,000 events
// in the reference and 3,000 in a day's window of the same distribution:
// the tail pools. A numeric feature of three values, tested as
// categorical, shows no note: the kind column already says so.
func TestHealthShowsPooledNote(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Churn", "churn", "Churn")
	rng := rand.New(rand.NewPCG(9, 4))
	code := func() string {
		if rng.Float64() < 0.8 {
			return fmt.Sprintf("h%d", rng.IntN(10))
		}
		return fmt.Sprintf("t%04d", rng.IntN(3000))
	}
	var ref strings.Builder
	ref.WriteString("code,n\n")
	for i := range 4000 {
		fmt.Fprintf(&ref, "%s,%d\n", code(), i%3)
	}
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok,
		fmt.Sprintf(`{"version":"1.0","name":"M","window":"day","categorical":["code"],"numeric":["n"],"reference":{"kind":"dataset","csv":%q}}`, ref.String()))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	mon := decodeInto[lodestar.Monitor](t, r)
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&batch, `{"id":"e%d","time":%q,"version":"1.0","features":{"code":%q,"n":%d},"prediction":0.4,"label":%d}`+"\n",
			i, t0.Add(time.Duration(i)*20*time.Second).Format(time.RFC3339), code(), i%3, i%2)
	}
	if r := f.ndjson("/api/v1/models/churn/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 3000 {
		t.Fatalf("ingest: %s", r.body)
	}
	ev, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(48*time.Hour), time.Time{})
	if err != nil || len(ev.Windows) != 1 {
		t.Fatalf("evaluate: %v, %+v", err, ev)
	}
	if w := ev.Windows[0]; w.DatasetDrift {
		t.Errorf("the same distributions: drift %v, share %g; want none", w.DatasetDrift, w.DriftShare)
	}
	row := func(body, name string) string {
		return regexp.MustCompile(`(?s)<td class="col-name" data-label="[^"]*">` + name + `</td>.*?</tr>`).FindString(html.UnescapeString(body))
	}
	c, _, _ := f.signIn(team, time.Hour)
	for lang, want := range map[string][]string{
		"en":    {"· pooled into one bin: ", " categories, each expected fewer than 5 times in a sample"},
		"zh-CN": {"· 合并为一组检验：", " 个）在某个样本中的期望次数不到 5 次"},
	} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		body := f.get(c, fmt.Sprintf("/models/%d/health", m.ID)).body
		codeRow, nRow := row(body, "code"), row(body, "n")
		if codeRow == "" || nRow == "" {
			t.Fatalf("%s: no drift rows for code and n in %s", lang, body)
		}
		for _, w := range want {
			if !strings.Contains(codeRow, w) {
				t.Errorf("%s: the code row lacks %q: %s", lang, w, codeRow)
			}
		}
		if strings.Contains(nRow, "drift-note") {
			t.Errorf("%s: the few-valued numeric row shows a note: %s", lang, nRow)
		}
	}
}
