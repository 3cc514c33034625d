package app_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/demo"
)

// TestDemoPagesRenderCleanly walks every page reachable by links from the
// dashboard of the demo enterprise, as an administrator, in English and
// in Chinese: each answers 200, and none shows a formatting fault (Go's
// "%!" markers: a message given the wrong kind of value) or a template
// left unrendered.
func TestDemoPagesRenderCleanly(t *testing.T) {
	f := startDemo(t)
	admin := f.user(lodestar.RoleAdmin, "crawler@example.com")
	href := regexp.MustCompile(`href="(/[^"#]*)`)
	// Pages whose links multiply without adding page kinds: one of each.
	kind := regexp.MustCompile(`/\d+`)
	for _, locale := range []string{"en", "zh-CN"} {
		c, csrf, _ := f.signIn(admin, time.Hour)
		if r := f.postForm(c, "/locale", url.Values{"csrf_token": {csrf}, "locale": {locale}, "next": {"/"}}); r.StatusCode != 303 {
			t.Fatalf("POST /locale %s: %d", locale, r.StatusCode)
		}
		seen := map[string]bool{}
		kinds := map[string]int{}
		queue := []string{"/", "/admin/audit"}
		for len(queue) > 0 && len(seen) < 400 {
			path := queue[0]
			queue = queue[1:]
			if seen[path] {
				continue
			}
			seen[path] = true
			r := f.get(c, path)
			if r.StatusCode != 200 {
				t.Errorf("%s %s: status %d", locale, path, r.StatusCode)
				continue
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				continue
			}
			for _, bad := range []string{"%!", "{{", "<no value>", "audit.action.", ">entity."} {
				if i := strings.Index(r.body, bad); i >= 0 {
					t.Errorf("%s %s: %q in the page: …%s…", locale, path, bad, r.body[max(0, i-80):min(len(r.body), i+80)])
				}
			}
			if locale == "zh-CN" && (strings.Contains(r.body, ": day</span>") || strings.Contains(r.body, ": hour</span>")) {
				t.Errorf("%s %s: a monitor's window is shown untranslated", locale, path)
			}
			for _, m := range href.FindAllStringSubmatch(r.body, -1) {
				next := strings.ReplaceAll(m[1], "&amp;", "&")
				if strings.HasPrefix(next, "/static/") || strings.Contains(next, "/export") || strings.HasPrefix(next, "/logout") {
					continue
				}
				k := kind.ReplaceAllString(strings.SplitN(next, "?", 2)[0], "/N")
				if seen[next] || kinds[k] >= 3 {
					continue
				}
				kinds[k]++
				queue = append(queue, next)
			}
		}
		t.Logf("%s: %d pages", locale, len(seen))
		if len(seen) < 40 {
			t.Errorf("%s: crawled %d pages, want the whole demo (40 or more)", locale, len(seen))
		}
	}
}

// TestAddUserDefaultsToViewer: the add-user form starts on the least
// powerful role, so a hurried administrator does not make another admin.
func TestAddUserDefaultsToViewer(t *testing.T) {
	f := start(t, fixtureOpts{})
	c, _, _ := f.signIn(f.user(lodestar.RoleAdmin, "admin@example.com"), time.Hour)
	r := f.get(c, "/admin/users")
	sel := regexp.MustCompile(`(?s)<select id="new-role".*?</select>`).FindString(r.body)
	if !strings.Contains(sel, `<option value="viewer" selected>`) || strings.Count(sel, " selected") != 1 {
		t.Errorf("add-user role choice: want viewer selected, and only it; got %s", sel)
	}
}

// TestIterationSectionLinksToAlerts: the Iteration section promises drift
// detection and retraining; it leads to them instead of saying nothing
// is there.
func TestIterationSectionLinksToAlerts(t *testing.T) {
	f := start(t, fixtureOpts{})
	c, _, _ := f.signIn(f.user(lodestar.RoleViewer, "viewer@example.com"), time.Hour)
	r := f.get(c, "/iteration")
	if r.StatusCode != 200 || !strings.Contains(r.body, `href="/alerts"`) || !strings.Contains(r.body, `href="/models"`) {
		t.Errorf("GET /iteration: %d, want links to alerts and models\n%.400s", r.StatusCode, r.body)
	}
}

// TestStrategyPagesHaveOneNavigation: the strategy lists show one
// navigation bar (they showed two, in different orders and words), and it
// marks the page the person is on, its records included.
func TestStrategyPagesHaveOneNavigation(t *testing.T) {
	f := start(t, fixtureOpts{})
	c, _, _ := f.signIn(f.user(lodestar.RoleViewer, "viewer@example.com"), time.Hour)
	for _, path := range []string{"/kpis", "/goals", "/pain-points", "/business-units", "/use-cases"} {
		body := f.get(c, path).body
		if n := strings.Count(body, `<nav class="subnav"`) + strings.Count(body, `class="ent-subnav"`); n != 1 {
			t.Errorf("%s: %d navigation bars for the strategy pages, want 1", path, n)
		}
		if !strings.Contains(body, `<a href="`+path+`" aria-current="page">`) {
			t.Errorf("%s: the navigation does not mark the page", path)
		}
	}
}

// startDemo starts an app over the demo enterprise, loaded as 'serve
// --demo' loads it (its clock moved through the story's dates, then
// restored); skipped with -short.
func startDemo(t *testing.T) *fixture {
	t.Helper()
	if testing.Short() {
		t.Skip("loads the demo enterprise")
	}
	f := start(t, fixtureOpts{})
	db := f.app.DB
	clock := db.Now
	setNow := func(at time.Time) { db.Now = func() time.Time { return at } }
	if _, err := demo.Load(sys(), f.app.Store, setNow, "demo-password-123"); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	db.Now = clock
	return f
}
