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

// TestMonitorJensenShannonNoise: a monitor's categorical feature uniform
// over 600 values, 5,000 events in the reference and 5,000 in a day's
// window of the same distribution (each value expected about 8 times, so
// few pool), reads a Jensen–Shannon distance past 0.1 by sampling noise
// alone; it used to drift, and with it the window. Chi-square over the
// same categories is not significant, so it does not now: the health page
// shows chi-square's p-value in the p-value column and says why beside
// the test (after its pooled clause: 11 rare values pool), in both
// languages.
func TestMonitorJensenShannonNoise(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Churn", "churn", "Churn")
	rng := rand.New(rand.NewPCG(12, 5))
	code := func() string { return fmt.Sprintf("c%03d", rng.IntN(600)) }
	var ref strings.Builder
	ref.WriteString("code\n")
	for range 5000 {
		fmt.Fprintf(&ref, "%s\n", code())
	}
	w := f.dayWindow(m, tok, `"categorical":["code"]`, ref.String(), 5000, func(i int) string { return fmt.Sprintf(`{"code":%q}`, code()) })
	if w.DatasetDrift || w.DriftShare != 0 {
		t.Errorf("the same distribution: drift %v, share %g; want none", w.DatasetDrift, w.DriftShare)
	}
	c, _, _ := f.signIn(team, time.Hour)
	pCell := regexp.MustCompile(`<td data-label="[^"]*">([^<]*)</td><td data-label="[^"]*">[^<]*</td><td class="col-verdict"`)
	for lang, want := range map[string]*regexp.Regexp{
		"en":    regexp.MustCompile(`within sampling noise: Jensen–Shannon 0\.1\d* reaches 0\.1, but chi-square p = 0\.\d+ is not below 0\.05: not drift`),
		"zh-CN": regexp.MustCompile(`在抽样误差之内：Jensen–Shannon 距离 0\.1\d* 达到 0\.1，但卡方检验 p = 0\.\d+ 不低于 0\.05：不判为漂移`),
	} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		body := html.UnescapeString(f.get(c, fmt.Sprintf("/models/%d/health", m.ID)).body)
		row := regexp.MustCompile(`(?s)<td class="col-name" data-label="[^"]*">code</td>.*?</tr>`).FindString(body)
		if !want.MatchString(row) {
			t.Errorf("%s: the code row lacks %s: %s", lang, want, row)
		}
		if p := pCell.FindStringSubmatch(row); p == nil || p[1] == "—" || p[1] == "" {
			t.Errorf("%s: no chi-square p-value in the code row: %s", lang, row)
		}
	}
}

// dayWindow makes a day-window monitor of model m's version 1.0 over the
// features named (a JSON fragment: "categorical":[…], "numeric":[…]) with
// the reference CSV ref, sends n events of that version within one day,
// event i with the features features(i) (a JSON object), and returns the
// day's window as the monitor evaluates it.
func (f *fixture) dayWindow(m *lodestar.Model, tok, named, ref string, n int, features func(i int) string) *lodestar.WindowResult {
	t := f.t
	t.Helper()
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok,
		fmt.Sprintf(`{"version":"1.0","name":"M","window":"day",%s,"reference":{"kind":"dataset","csv":%q}}`, named, ref))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	mon := decodeInto[lodestar.Monitor](t, r)
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	step := 24 * time.Hour / time.Duration(n+1)
	var batch strings.Builder
	for i := range n {
		fmt.Fprintf(&batch, `{"id":"e%d","time":%q,"version":"1.0","features":%s,"prediction":0.4,"label":%d}`+"\n",
			i, t0.Add(time.Duration(i)*step).Format(time.RFC3339), features(i), i%2)
	}
	if r := f.ndjson("/api/v1/models/"+m.Key+"/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != n {
		t.Fatalf("ingest: %s", r.body)
	}
	ev, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(48*time.Hour), time.Time{})
	if err != nil || len(ev.Windows) != 1 {
		t.Fatalf("evaluate: %v, %+v", err, ev)
	}
	return ev.Windows[0]
}
