package app_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// The tables a refused request must leave as they were: every audited
// change shows in audit_log; events, monitors, tokens and switches are
// counted as well, ingestion being unaudited.
var untouched = []string{"audit_log", "use_cases", "users", "models", "model_versions", "monitors", "alerts",
	"event_batches", "event_ids", "event_labels", "api_tokens", "switches", "webhook_outbox"}

func (f *fixture) snapshot() map[string]int {
	f.t.Helper()
	out := map[string]int{}
	for _, t := range untouched {
		out[t] = f.count(t)
	}
	return out
}

func (f *fixture) wantSame(before map[string]int, what string) {
	f.t.Helper()
	for _, t := range untouched {
		if got := f.count(t); got != before[t] {
			f.t.Errorf("%s changed %s: %d rows, want %d", what, t, got, before[t])
		}
	}
}

// TestTokenScopeWalk walks every API route (and the machine endpoints)
// with an administrator's read token and ingest token: the role allows
// everything, so only the scope decides. A read token may use the safe
// methods and OFREP's evaluations (POSTs that change nothing), nothing
// else; an ingest token may send events and labels, ask who it is, and
// reach what is public, nothing else. A refusal is a 403 naming the
// scope, and changes nothing. A route added to the API is walked too.
func TestTokenScopeWalk(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	target := f.user(lodestar.RoleViewer, "target@example.com")
	ids := f.records("existing")
	asset := assetName(f)
	_, read := f.token(admin, lodestar.ScopeRead)
	_, ingest := f.token(admin, lodestar.ScopeIngest)
	// Independent of httpx.tokenMay: POST routes a read token may use.
	readOnlyPosts := []string{"POST /ofrep/v1/evaluate/flags/{key}", "POST /ofrep/v1/evaluate/flags"}

	walked := 0
	for _, scope := range []struct {
		name, secret string
		may          func(key, method string) bool
	}{
		{"read", read, func(key, method string) bool { return method == "GET" || slices.Contains(readOnlyPosts, key) }},
		{"ingest", ingest, func(key, method string) bool {
			acc := routeAccess[key]
			return acc == public || acc == ingesters || (acc == signedIn && method == "GET")
		}},
	} {
		for i, rt := range f.app.Routes {
			key := rt.Method + " " + rt.Pattern
			if !isAPI(rt.Pattern) && routeAccess[key] != public {
				continue // pages ignore bearer tokens (TestTokenScopes)
			}
			if !isAPI(rt.Pattern) && !strings.HasPrefix(rt.Pattern, "/healthz") && !strings.HasPrefix(rt.Pattern, "/readyz") && !strings.HasPrefix(rt.Pattern, "/metrics") {
				continue
			}
			cl, ok := calls[key]
			if !ok {
				t.Errorf("%s: not in the calls table (TestRouteTableKnown)", key)
				continue
			}
			walked++
			t.Run(scope.name+"/"+key, func(t *testing.T) {
				f := f.with(t)
				w := walker{role: lodestar.RoleAdmin, email: admin.Email, nonce: scope.name + "-" + strconv.Itoa(i), target: target.Email, ids: ids}
				allowed := scope.may(key, rt.Method)
				if allowed {
					f.prepare(cl, &w)
				}
				h := http.Header{"Authorization": {"Bearer " + scope.secret}}
				var body string
				if cl.body != nil {
					body = cl.body(w)
					h.Set("Content-Type", cmp.Or(cl.contentType, "application/json"))
				}
				before := f.snapshot()
				r := f.do(f.client(), rt.Method, expand(t, rt.Pattern, w, asset)+cl.query, h, strings.NewReader(body))
				if allowed {
					if !slices.Contains(cl.ok, r.StatusCode) {
						t.Errorf("%s with a %s token: got %d, want one of %v (body %.300s)", key, scope.name, r.StatusCode, cl.ok, r.body)
					}
					return
				}
				d := wantAPIError(t, r, http.StatusForbidden, lodestar.EForbidden)
				if !strings.Contains(d.Message, "("+scope.name+")") {
					t.Errorf("%s with a %s token: message %q, want it to name the token's scope", key, scope.name, d.Message)
				}
				f.wantSame(before, key+" with a "+scope.name+" token")
			})
		}
	}
	if walked < 2*40 {
		t.Errorf("walked %d requests; the API has more routes than that", walked)
	}
}

// evil is markup that would run, or break out of an attribute, if a page
// sent it unescaped; marker tells the places apart.
func evil(marker string) string {
	return `<script>alert('` + marker + `')</script>"><img src=x onerror=alert(1)>`
}

// TestModelsSurfaceEscaped stores markup in everything the models in
// production pages show that someone else typed or sent — a model's name,
// a version, its card, a monitor's name, feature names and group values
// from the reference and the events, an alert's message, a switch's
// reason, an acknowledgement's note — and checks every page that shows
// them sends them as text: each marker is on some page, and no page
// holds the markup raw.
func TestModelsSurfaceEscaped(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	_, tok := f.token(team)
	uc := f.useCase("XSS case " + evil("usecase"))
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "xss", Name: evil("model-name")})
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0", Card: lodestar.ModelCard{
		IntendedUse: evil("card-intended"), Limitations: evil("card-limitations"), TrainingData: evil("card-training")}})
	if err != nil {
		t.Fatal(err)
	}
	feature, group, value := evil("feature"), evil("group-attr"), evil("group-value")
	var b strings.Builder
	b.WriteString(`"` + strings.ReplaceAll(feature, `"`, `""`) + `",colour` + "\n")
	for i := range 50 {
		fmt.Fprintf(&b, "%d,%s\n", i, []string{"red", "blue"}[i%2])
	}
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": evil("monitor-name"), "window": "hour", "groups": []string{group},
		"thresholds": map[string]any{"min_events": 1000, "drift": true, "fairness": true},
		"reference":  map[string]any{"kind": "dataset", "file_name": "ref.csv", "csv": b.String()}})
	mon := f.postMonitor(tok, m.ID, body)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	var batch strings.Builder
	for i := range 60 {
		line, _ := json.Marshal(map[string]any{"id": evil("event") + strconv.Itoa(i), "time": t0.Add(time.Duration(i) * time.Second).Format(time.RFC3339),
			"version": "1.0", "features": map[string]any{feature: i, "colour": evil("category")}, "prediction": 0.7, "label": i % 2,
			"groups": map[string]any{group: []string{value, "plain"}[i%2]}})
		batch.Write(line)
		batch.WriteByte('\n')
	}
	if r := f.ndjson("/api/v1/models/xss/events", tok, batch.String()); decodeInto[lodestar.IngestResult](t, r).Accepted != 60 {
		t.Fatalf("ingest: %s", r.body)
	}
	if _, err := f.app.Monitoring.Evaluate(sys(), mon.ID, t0.Add(2*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	// An alert whose message says what a receiver of the events wrote.
	ev := &lodestar.Evaluation{Opened: []*lodestar.Alert{{Kind: "volume", Value: 1, Threshold: 10, Message: evil("alert-message"), OpenedAt: t0}}}
	if err := f.app.Store.SaveEvaluation(sys(), mon.ID, t0.Add(3*time.Hour), ev); err != nil {
		t.Fatal(err)
	}
	alerts, err := f.app.Store.ListAlerts(sys(), m.ID, true)
	if err != nil || len(alerts) == 0 {
		t.Fatalf("open alerts: %v %v", alerts, err)
	}
	browser, csrf, _ := f.signIn(risk, time.Hour)
	if r := f.postForm(browser, fmt.Sprintf("/alerts/%d/acknowledge", alerts[0].ID), url.Values{httpx.CSRFField: {csrf}, "note": {evil("ack-note")}}); r.StatusCode != 303 {
		t.Fatalf("acknowledge: %d %.300s", r.StatusCode, r.body)
	}
	if r := f.postForm(browser, fmt.Sprintf("/models/%d/switch", m.ID), url.Values{httpx.CSRFField: {csrf}, "state": {"off"}, "reason": {evil("switch-reason")}}); r.StatusCode != 303 {
		t.Fatalf("flip: %d %.300s", r.StatusCode, r.body)
	}

	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	adminBrowser, _, _ := f.signIn(admin, time.Hour)
	pages := []string{"/", "/models", fmt.Sprintf("/models/%d", m.ID), fmt.Sprintf("/models/%d/health", m.ID),
		fmt.Sprintf("/model-versions/%d", v.ID), "/alerts", "/alerts?status=all", "/admin/audit"}
	shown := map[string]bool{}
	for _, p := range pages {
		r := f.get(adminBrowser, p)
		if r.StatusCode != 200 {
			t.Errorf("GET %s: got %d, want 200", p, r.StatusCode)
			continue
		}
		// The pages' own scripts (a file of this site, nothing inline)
		// aside, no script element is on a page.
		body := ownScript.ReplaceAllString(r.body, "")
		for _, raw := range []string{"<script", "<img src=x"} {
			if i := strings.Index(body, raw); i >= 0 {
				t.Errorf("GET %s: raw markup %q at %d: %.200s", p, raw, i, body[max(i-100, 0):])
			}
		}
		for _, mk := range []string{"usecase", "model-name", "card-intended", "card-limitations", "card-training", "feature", "group-attr",
			"group-value", "monitor-name", "category", "alert-message", "ack-note", "switch-reason"} {
			if strings.Contains(r.body, "alert(&#39;"+mk+"&#39;)") {
				shown[mk] = true
			}
		}
	}
	// The markers that must be on some page, or the check above proved
	// nothing for them.
	for _, mk := range []string{"usecase", "model-name", "card-intended", "card-limitations", "feature", "monitor-name", "alert-message", "switch-reason"} {
		if !shown[mk] {
			t.Errorf("%s: on none of %v; the test no longer shows that it is escaped", mk, pages)
		}
	}
}

// TestModelsAuditTrail makes each change of the models in production
// surface as the person who may — a switch flip (the risk officer, on the
// page; the committee, over the API), a version's status and card, a
// monitor, an alert's acknowledgement — and checks each is in the audit
// log under its actor; then edits one entry in the database and checks
// the chain's verification names it.
func TestModelsAuditTrail(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	committee := f.user(lodestar.RoleCommittee, "committee@example.com")
	ids := f.records("audited")
	teamBrowser, teamCSRF, _ := f.signIn(team, time.Hour)
	riskBrowser, riskCSRF, _ := f.signIn(risk, time.Hour)
	_, committeeTok := f.token(committee)
	_, teamTok := f.token(team)
	id := func(c string) string { return strconv.FormatInt(ids[c], 10) }

	steps := []struct {
		name, actor, action, entity, entityID string
		do                                    func() *response
		want                                  int
	}{
		{"flip on the page", risk.Email, "flip", "switch", id("models"), func() *response {
			return f.postForm(riskBrowser, "/models/"+id("models")+"/switch", url.Values{httpx.CSRFField: {riskCSRF}, "state": {"off"}, "reason": {"audit walk"}})
		}, 303},
		{"flip over the API", committee.Email, "flip", "switch", id("models"), func() *response {
			return f.api("PUT", "/api/v1/switches/"+walkModelKey(ids), committeeTok, `{"state":"on","reason":"audit walk"}`)
		}, 200},
		{"status", team.Email, "set_status", "model_version", id("model-versions"), func() *response {
			return f.postForm(teamBrowser, "/model-versions/"+id("model-versions")+"/status", url.Values{httpx.CSRFField: {teamCSRF}, "status": {"staging"}, "reason": {"audit walk"}})
		}, 303},
		{"card", team.Email, "update_card", "model_version", id("model-versions"), func() *response {
			return f.postForm(teamBrowser, "/model-versions/"+id("model-versions")+"/card", url.Values{httpx.CSRFField: {teamCSRF}, "limitations": {"audited"}})
		}, 303},
		{"monitor", team.Email, "create", "monitor", "", func() *response {
			return f.api("POST", "/api/v1/models/"+id("models")+"/monitors", teamTok, `{"version":"v-audited","name":"Audited","window":"hour",`+
				`"reference":{"kind":"dataset","file_name":"ref.csv","csv":"x\n1\n2\n"}}`)
		}, 201},
		{"acknowledge", risk.Email, "acknowledge", "alert", id("alerts"), func() *response {
			return f.postForm(riskBrowser, "/alerts/"+id("alerts")+"/acknowledge", url.Values{httpx.CSRFField: {riskCSRF}, "note": {"on it"}})
		}, 303},
	}
	var flipSeq int64
	for _, s := range steps {
		last, err := audit.Find(sys(), f.app.DB, lodestar.AuditFilter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		r := s.do()
		if r.StatusCode != s.want {
			t.Fatalf("%s: got %d, want %d (%.300s)", s.name, r.StatusCode, s.want, r.body)
		}
		evs, err := audit.Find(sys(), f.app.DB, lodestar.AuditFilter{Action: s.action, EntityType: s.entity, EntityID: s.entityID, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 || (len(last) > 0 && evs[0].Seq <= last[0].Seq) {
			t.Errorf("%s: no new %s %s entry in the audit log", s.name, s.action, s.entity)
			continue
		}
		if evs[0].Actor != s.actor || evs[0].ActorID == 0 {
			t.Errorf("%s: audit actor %q (id %d), want %q", s.name, evs[0].Actor, evs[0].ActorID, s.actor)
		}
		if s.action == "flip" && flipSeq == 0 {
			flipSeq = evs[0].Seq
		}
	}
	if n, brk, err := audit.Verify(sys(), f.app.DB); err != nil || brk != nil {
		t.Fatalf("verify before tampering: %d entries, break %v, err %v", n, brk, err)
	}
	// Someone with the database (who can drop the append-only triggers)
	// rewrites who flipped the switch.
	testdb.DropAuditTriggers(t, f.app.DB)
	if _, err := f.app.DB.ExecContext(sys(), f.app.DB.Rebind(`UPDATE audit_log SET actor = 'someone-else@example.com' WHERE seq = ?`), flipSeq); err != nil {
		t.Fatal(err)
	}
	_, brk, err := audit.Verify(sys(), f.app.DB)
	if err != nil || brk == nil || brk.Seq != flipSeq {
		t.Errorf("verify after editing entry %d: break %+v, err %v; want the break at %d", flipSeq, brk, err, flipSeq)
	}
}

// ownScript is a page's own script element: a file of this site's
// static assets, with no inline code.
var ownScript = regexp.MustCompile(`<script src="/static/[a-z-]+\.[0-9a-f]{12}\.js" defer></script>`)
