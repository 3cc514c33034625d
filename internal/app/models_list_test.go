package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestModelListShowsLiveVersionAndSwitch: the registry's list says which
// version serves and whether a person has switched the model off — the
// newest version (often a candidate in staging) is not what runs.
func TestModelListShowsLiveVersionAndSwitch(t *testing.T) {
	f := start(t, fixtureOpts{})
	uc := f.useCase("Credit scoring")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit-risk", Name: "Credit risk"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct{ version, status string }{{"2.3", lodestar.ModelProduction}, {"2.4", lodestar.ModelStaging}} {
		mv, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: v.version})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			if _, err := f.app.Store.SetModelVersionStatus(sys(), mv.ID, st, "promoted"); err != nil {
				t.Fatal(err)
			}
			if st == v.status {
				break
			}
		}
	}
	if _, err := f.app.Store.FlipSwitch(sys(), "credit-risk", lodestar.SwitchOff, "", "flags good young customers"); err != nil {
		t.Fatal(err)
	}
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	c, _, _ := f.signIn(viewer, time.Hour)
	r := f.get(c, "/models")
	if r.StatusCode != 200 {
		t.Fatalf("GET /models: %d", r.StatusCode)
	}
	row := regexp.MustCompile(`(?s)<tr>\s*<td[^>]*><a href="/models/\d+"><code[^>]*>credit-risk</code>.*?</tr>`).FindString(r.body)
	if row == "" {
		t.Fatalf("no row for credit-risk in %s", r.body)
	}
	text := regexp.MustCompile(`<[^>]+>`).ReplaceAllString(row, " ")
	text = strings.Join(strings.Fields(text), " ")
	for _, want := range []string{"2.3", "Production", "2.4", "Staging", "Off"} {
		if !strings.Contains(text, want) {
			t.Errorf("row %q: want %q in it", text, want)
		}
	}
	if !strings.Contains(row, `class="badge switch-off"`) {
		t.Errorf("row %q: want the switch's off badge", row)
	}
	// The latest version's status stands beside it, in its cell: a
	// column of its own headed "Status" read as the model's, so a model
	// serving 2.3 in production was listed as "Staging".
	cells := regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(row, -1)
	if len(cells) == 0 {
		t.Fatalf("row %q: no cells", row)
	}
	if last := cells[len(cells)-1][1]; !strings.Contains(last, ">2.4</a>") || !strings.Contains(last, "Staging") {
		t.Errorf("row %q: the last cell %q should be the latest version 2.4 with its status", text, last)
	}
	if strings.Contains(r.body, `<th scope="col">Status</th>`) {
		t.Errorf("the list has a bare Status column, which reads as the model's status")
	}
	live := strings.Index(text, "2.3 ")
	if live < 0 || !strings.Contains(text[live:], "Production") {
		t.Errorf("row %q: the live version 2.3 should be shown as in production", text)
	}

	// The use case's page lists its models with the same facts and a way
	// to their health pages.
	r = f.get(c, fmt.Sprintf("/use-cases/%d", uc.ID))
	sec := regexp.MustCompile(`(?s)<h2 id="models">.*?</table>`).FindString(r.body)
	if r.StatusCode != 200 || sec == "" {
		t.Fatalf("GET /use-cases/%d: %d, no models section", uc.ID, r.StatusCode)
	}
	for _, want := range []string{"<code>credit-risk</code>", ">2.3</a>", `class="badge switch-off"`, fmt.Sprintf(`href="/models/%d/health"`, m.ID)} {
		if !strings.Contains(sec, want) {
			t.Errorf("use case page's models: want %q in %s", want, sec)
		}
	}
	other := f.useCase("No models")
	if r := f.get(c, fmt.Sprintf("/use-cases/%d", other.ID)); strings.Contains(r.body, `id="models"`) {
		t.Errorf("a use case without models shows a models section")
	}
}
