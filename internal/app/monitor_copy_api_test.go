package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMonitorCopyAPI: POST /monitors/{id}/copy makes a monitor of another
// version with the monitor's settings (201), and every refusal — a wrong
// type, an unknown field, no version, a version the model lacks, a name
// taken on it, no such monitor, a role that may not, a body too large, in
// Chinese when asked — creates nothing.
func TestMonitorCopyAPI(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	ids := f.records("copy")
	_, tok := f.token(ai)
	_, viewTok := f.token(f.user(lodestar.RoleViewer, "viewer@example.com"))
	src, err := f.app.Store.FindMonitorByID(sys(), ids["monitors"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.CreateModelVersion(sys(), src.ModelID, lodestar.ModelVersion{Version: "v-next"}); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/monitors/%d/copy", src.ID)
	count := func() int {
		ms, err := f.app.Store.ListMonitors(sys(), 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(ms)
	}
	before := count()
	for _, c := range []struct {
		path, tok, body string
		status          int
		has             string
	}{
		{path, tok, `{"version":1}`, 400, "version"},
		{path, tok, `{"version":"v-next","colour":"red"}`, 400, "colour"},
		{path, tok, `{}`, 400, "Name the version the copy watches."},
		{path, tok, `{"version":"no-such"}`, 400, `"version"`},
		{path, tok, fmt.Sprintf(`{"version":%q}`, src.Version), 400, "watches version"},
		{path, tok, fmt.Sprintf(`{"version":%q,"reference":{"from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z"}}`, src.Version), 400, ""},
		{"/api/v1/monitors/999999/copy", tok, `{"version":"v-next"}`, 404, ""},
		{path, viewTok, `{"version":"v-next","name":"x"}`, 403, ""},
		{path, tok, `{"version":"v-next","name":"` + strings.Repeat("x", 2<<20) + `"}`, 413, ""},
	} {
		r := f.api("POST", c.path, c.tok, c.body)
		if r.StatusCode != c.status || !strings.Contains(r.body, c.has) {
			t.Errorf("%s %.80s: %d %.300s; want %d with %q", c.path, c.body, r.StatusCode, r.body, c.status, c.has)
		}
	}
	if n := count(); n != before {
		t.Fatalf("refused copies left %d monitors, there were %d", n, before)
	}
	// In Chinese when the client asks.
	h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}}
	r := f.do(f.client(), "POST", path, h, strings.NewReader(`{}`))
	if r.StatusCode != 400 || !strings.Contains(r.body, "复制") {
		t.Errorf("zh-CN refusal: %d %s", r.StatusCode, r.body)
	}
	r = f.api("POST", path, tok, `{"version":"v-next","name":"Copied"}`)
	if r.StatusCode != 201 || !strings.Contains(r.body, `"name":"Copied"`) {
		t.Fatalf("copy: %d %s", r.StatusCode, r.body)
	}
	if n := count(); n != before+1 {
		t.Errorf("%d monitors after the copy, want %d", n, before+1)
	}
}
