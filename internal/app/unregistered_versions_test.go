package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestUnregisteredVersions: events sent under a version the model has not
// registered (the service says v2.0, the registry 2.0) are stored, and
// now said so — in the ingest answer, over the API and on the model's
// page, in English and Chinese, to every role that reads models. Once v2.0
// is registered its monitor reads the events stored before.
func TestUnregisteredVersions(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	_, tok := f.token(team)
	_, ingestTok := f.token(team, lodestar.ScopeIngest)
	_, viewerTok := f.token(viewer)
	m := f.model("Recommendations", "recommender", "Recommender")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "2.0"}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 120 { // two hours, v2.0: what the service sends
		batch.WriteString(eventLine(fmt.Sprintf("v-%d", i), t0.Add(time.Duration(i)*time.Minute), "v2.0", float64(i%5), "red", 0.9, 1) + "\n")
	}
	batch.WriteString(eventLine("r-1", t0, "2.0", 1, "red", 0.9, 1) + "\n")
	batch.WriteString(`{"id":"bad","version":"v3"}` + "\n") // rejected: no prediction, counted nowhere
	r := f.ndjson("/api/v1/models/recommender/events", ingestTok, batch.String())
	if r.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", r.StatusCode, r.body)
	}
	last := t0.Add(119 * time.Minute)
	res := decodeInto[lodestar.IngestResult](t, r)
	if res.Accepted != 121 || len(res.Rejected) != 1 || len(res.Unregistered) != 1 ||
		res.Unregistered[0].Version != "v2.0" || res.Unregistered[0].Events != 120 || !res.Unregistered[0].LastEventAt.Equal(last) {
		t.Fatalf("ingest answer: got %s, want 121 accepted and v2.0 unregistered with 120 events, the last at %s", r.body, last)
	}
	// The field is there, empty, when every version is registered; a
	// retried batch names its version again (its events are still
	// unwatched), though it stores nothing.
	r = f.ndjson("/api/v1/models/recommender/events", ingestTok, eventLine("r-2", t0, "2.0", 1, "red", 0.9, 1))
	if !strings.Contains(r.body, `"unregistered_versions":[]`) {
		t.Errorf("all registered: got %s, want unregistered_versions []", r.body)
	}
	r = f.ndjson("/api/v1/models/recommender/events", ingestTok, eventLine("v-0", t0, "v2.0", 0, "red", 0.9, 1))
	if res := decodeInto[lodestar.IngestResult](t, r); res.Duplicates != 1 || len(res.Unregistered) != 1 || res.Unregistered[0].Events != 1 {
		t.Errorf("retry: got %s, want one duplicate of unregistered v2.0", r.body)
	}

	// The API's list, for anyone who reads models.
	path := fmt.Sprintf("/api/v1/models/%d/unregistered-versions", m.ID)
	for _, bearer := range []string{tok, viewerTok} {
		r := f.apiOK("GET", path, bearer, "", 200)
		var page struct {
			Data  []lodestar.VersionEvents `json:"data"`
			Total int                      `json:"total"`
		}
		if err := json.Unmarshal([]byte(r.body), &page); err != nil || page.Total != 1 || len(page.Data) != 1 ||
			page.Data[0].Version != "v2.0" || page.Data[0].Events != 120 || !page.Data[0].LastEventAt.Equal(last) {
			t.Errorf("GET %s: got %s, want v2.0 with 120 events (%v)", path, r.body, err)
		}
	}
	wantAPIError(t, f.api("GET", path, ingestTok, ""), 403, lodestar.EForbidden) // an ingest token reads nothing
	wantAPIError(t, f.api("GET", path, "", ""), 401, lodestar.EUnauthorized)
	wantAPIError(t, f.api("GET", "/api/v1/models/999/unregistered-versions", tok, ""), 404, lodestar.ENotFound)
	wantAPIError(t, f.api("GET", path+"?limit=0", tok, ""), 400, lodestar.EInvalid)

	// The model's page warns, in the reader's language; who may register
	// versions is told to, the others whom to ask.
	page := fmt.Sprintf("/models/%d", m.ID)
	for _, tc := range []struct {
		user         *lodestar.User
		lang         string
		want, absent []string
	}{
		{team, "en", []string{"Events of versions not registered", "<code>&#34;v2.0&#34;</code>", ">120<", "register a version under the name shown"}, []string{"Ask the AI team"}},
		{viewer, "en", []string{"Events of versions not registered", "<code>&#34;v2.0&#34;</code>", "Ask the AI team"}, nil},
		{viewer, "zh-CN", []string{"未登记版本的事件", "<code>&#34;v2.0&#34;</code>", "最近事件", "请联系 AI 团队"}, []string{"Events of versions not registered"}},
	} {
		c, _, _ := f.signIn(tc.user, time.Hour)
		r := f.do(c, "GET", page, http.Header{"Accept-Language": {tc.lang}}, nil)
		if r.StatusCode != 200 {
			t.Fatalf("GET %s as %s: %d", page, tc.user.Role, r.StatusCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("GET %s as %s (%s): no %q in the page", page, tc.user.Role, tc.lang, w)
			}
		}
		for _, w := range tc.absent {
			if strings.Contains(r.body, w) {
				t.Errorf("GET %s as %s (%s): %q should not be in the page", page, tc.user.Role, tc.lang, w)
			}
		}
	}

	// No monitor can watch v2.0 while it is not registered ...
	ref := "x,colour,label\n0,red,1\n1,red,1\n2,blue,1\n3,red,1\n4,blue,1\n"
	body, _ := json.Marshal(map[string]any{"version": "v2.0", "name": "Hourly", "window": "hour",
		"reference": map[string]any{"kind": "dataset", "file_name": "ref.csv", "csv": ref}})
	wantAPIError(t, f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, string(body)), 400, lodestar.EInvalid)
	// ... registered under the name the service sends, it leaves the
	// warning, and its new monitor reads the events stored before.
	f.apiOK("POST", fmt.Sprintf("/api/v1/models/%d/versions", m.ID), tok, `{"version":"v2.0"}`, 201)
	if r := f.apiOK("GET", path, tok, "", 200); !strings.Contains(r.body, `"data":[]`) {
		t.Errorf("after registering v2.0: got %s, want no version listed", r.body)
	}
	c, _, _ := f.signIn(team, time.Hour)
	if r := f.get(c, page); strings.Contains(r.body, "unregistered-versions") {
		t.Errorf("after registering v2.0: the page still warns")
	}
	mon := f.postMonitor(tok, m.ID, body)
	ev, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(2*time.Hour+time.Minute), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Windows) != 2 || ev.Windows[0].Events != 60 || ev.Windows[1].Events != 60 || !ev.Windows[0].Start.Equal(t0) {
		t.Errorf("v2.0's monitor: got %d windows %+v, want two hours of 60 events from %s", len(ev.Windows), ev.Windows, t0)
	}
}

// An unknown model and a reader without the ingest permission are refused
// before anything is stored or checked.
func TestUnregisteredVersionsIngestRefusals(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	_, ingestTok := f.token(team, lodestar.ScopeIngest)
	_, viewerTok := f.token(viewer)
	m := f.model("Recommendations", "recommender", "Recommender")
	line := eventLine("e-1", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), "v9", 1, "red", 0.5, 1)
	wantAPIError(t, f.ndjson("/api/v1/models/nosuch/events", ingestTok, line), 404, lodestar.ENotFound)
	wantAPIError(t, f.ndjson("/api/v1/models/recommender/events", viewerTok, line), 403, lodestar.EForbidden)
	if n := f.count("event_versions"); n != 0 {
		t.Errorf("refused batches counted %d versions, want none", n)
	}
	if got, err := f.app.Store.UnregisteredEventVersions(sys(), m.ID); err != nil || len(got) != 0 {
		t.Errorf("refused batches: got %+v, %v; want no version", got, err)
	}
}

// TestOpenAPIUnregisteredVersions: the document names every field the
// ingest answer and the unregistered-versions list write, with the list's
// item schema.
func TestOpenAPIUnregisteredVersions(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	m := f.model("Recommendations", "recommender", "Recommender")
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	schemas, _ := dig(doc, "components", "schemas").(map[string]any)
	documented := func(schema string) []string {
		props, _ := dig(schemas, schema, "properties").(map[string]any)
		return sortedKeys(props)
	}
	written := func(body string) []string {
		var v map[string]any
		if err := json.Unmarshal([]byte(body), &v); err != nil {
			t.Fatalf("%v in %s", err, body)
		}
		return sortedKeys(v)
	}
	r := f.ndjson("/api/v1/models/recommender/events", tok, eventLine("e-1", time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), "v2.0", 1, "red", 0.5, 1))
	if got, want := documented("IngestResult"), written(r.body); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("IngestResult: documented %q, the API writes %q", got, want)
	}
	if ref, _ := dig(schemas, "IngestResult", "properties", "unregistered_versions", "items", "$ref").(string); ref != "#/components/schemas/VersionEvents" {
		t.Errorf("IngestResult.unregistered_versions: items $ref %q, want VersionEvents", ref)
	}
	page := fromJSON[struct{ Data []json.RawMessage }](t, f.apiOK("GET", fmt.Sprintf("/api/v1/models/%d/unregistered-versions", m.ID), tok, "", 200))
	if len(page.Data) != 1 {
		t.Fatalf("list: got %d items, want 1", len(page.Data))
	}
	if got, want := documented("VersionEvents"), written(string(page.Data[0])); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("VersionEvents: documented %q, the API writes %q", got, want)
	}
	op := dig(doc, "paths", "/models/{id}/unregistered-versions", "get", "responses", "200", "content", "application/json", "schema", "properties", "data", "items", "$ref")
	if op != "#/components/schemas/VersionEvents" {
		t.Errorf("listUnregisteredVersions: data items $ref %v, want VersionEvents", op)
	}
}

// The ingest answer's last_event_at is the stored time, as the list gives
// it: events are kept to the millisecond, and the answer gave the sent
// time's nanoseconds (or the arrival's, for an event without a time), a
// time no later read showed.
func TestUnregisteredLastEventAtAsStored(t *testing.T) {
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"))
	m := f.model("Recommendations", "recommender", "Recommender")
	r := f.ndjson("/api/v1/models/recommender/events", tok,
		`{"id":"n-1","time":"2026-05-01T10:00:00.123456789Z","version":"v9","prediction":0.5}`+"\n"+
			`{"id":"n-2","version":"v8","prediction":0.5}`+"\n")
	res := decodeInto[lodestar.IngestResult](t, r)
	var page struct {
		Data []lodestar.VersionEvents `json:"data"`
	}
	if err := json.Unmarshal([]byte(f.apiOK("GET", fmt.Sprintf("/api/v1/models/%d/unregistered-versions", m.ID), tok, "", 200).body), &page); err != nil {
		t.Fatal(err)
	}
	listed := map[string]time.Time{}
	for _, v := range page.Data {
		listed[v.Version] = v.LastEventAt
	}
	if len(res.Unregistered) != 2 || len(listed) != 2 {
		t.Fatalf("ingest answer %s and list %+v: want v8 and v9 in both", r.body, page.Data)
	}
	for _, v := range res.Unregistered {
		if !v.LastEventAt.Equal(listed[v.Version]) {
			t.Errorf("%s: the ingest answer says last_event_at %s, the list %s", v.Version, v.LastEventAt.Format(time.RFC3339Nano), listed[v.Version].Format(time.RFC3339Nano))
		}
	}
}
