package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// Going live does not move the version before out of production (a
// canary: both serve). The models list and the use case's models named
// only the newest under "In production", so a risk officer read that
// 2.0 served while 1.0 still did. Every version in production is listed.
func TestModelListsEveryVersionInProduction(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	ids := f.records("canary")
	ctx := sys()
	st := f.app.Store
	m, err := st.FindModelByID(ctx, ids["models"])
	if err != nil {
		t.Fatal(err)
	}
	var vs []*lodestar.ModelVersion
	for _, name := range []string{"1.0", "1.5", "2.0"} {
		v, err := st.CreateModelVersion(ctx, m.ID, lodestar.ModelVersion{Version: name})
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	for _, v := range []*lodestar.ModelVersion{vs[0], vs[2]} { // 1.5 stays in development
		for _, s := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			f.clock.Advance(time.Minute)
			if _, err := st.SetModelVersionStatus(ctx, v.ID, s, "canary"); err != nil {
				t.Fatalf("%s to %s: %v", v.Version, s, err)
			}
		}
	}
	c, _, _ := f.signIn(risk, time.Hour)
	link := func(v *lodestar.ModelVersion) string {
		return fmt.Sprintf(`<a href="/model-versions/%d">%s</a>`, v.ID, v.Version)
	}
	for _, page := range []struct{ path, cell string }{
		{"/models", `(?s)<td data-label="In production">(.*?)</td>`},
		{fmt.Sprintf("/use-cases/%d", m.UseCaseID), `(?s)<td><a href="/models/` + fmt.Sprint(m.ID) + `"><code>[^<]*</code></a></td><td>[^<]*</td>\s*<td>(.*?)</td>`},
	} {
		body := f.get(c, page.path).body
		var cell string
		for _, x := range regexp.MustCompile(page.cell).FindAllStringSubmatch(body, -1) {
			if strings.Contains(x[1], link(vs[2])) {
				cell = x[1]
			}
		}
		if cell == "" {
			t.Errorf("%s: no cell naming 2.0 in production", page.path)
			continue
		}
		if !strings.Contains(cell, link(vs[0])) || strings.Contains(cell, link(vs[1])) || strings.Index(cell, link(vs[2])) > strings.Index(cell, link(vs[0])) {
			t.Errorf("%s: in production %q, want 2.0 then 1.0 (1.5 is in development)", page.path, cell)
		}
	}
}
