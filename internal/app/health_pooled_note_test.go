package app_test

import (
	"fmt"
	"html"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"
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
	w := f.dayWindow(m, tok, `"categorical":["code"],"numeric":["n"]`, ref.String(), 3000, func(i int) string { return fmt.Sprintf(`{"code":%q,"n":%d}`, code(), i%3) })
	if w.DatasetDrift {
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
