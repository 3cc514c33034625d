package app_test

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// access classes, written out independently of internal/auth/policy.go: a
// change there must be mirrored here on purpose.
type access string

const (
	public   access = "public"
	signedIn access = "any signed-in user"
	readers  access = "use-case readers"
	writers  access = "use-case writers"
	auditors access = "audit readers"
	admins   access = "administrators"
	// strategy: business units, goals, KPIs and their readings, pain points.
	planReaders     access = "strategy readers"
	planWriters     access = "strategy writers"
	modelWriters    access = "model writers"
	switchFlippers  access = "switch flippers"
	alertAckers     access = "alert acknowledgers"
	ingesters       access = "event ingesters"
	evidenceWriters access = "evidence writers"
)

var everyone = []lodestar.Role{"admin", "committee", "business_owner", "ai_team", "risk_officer", "data_steward", "viewer"}

// mayUse says which roles hold each access class; public needs none.
var mayUse = map[access][]lodestar.Role{
	signedIn: everyone,
	readers:  everyone,
	writers:  {"admin", "committee", "business_owner", "ai_team"},
	auditors: {"admin", "risk_officer"},
	admins:   {"admin"},

	planReaders:     everyone,
	planWriters:     {"admin", "committee", "business_owner"},
	modelWriters:    {"admin", "ai_team"},
	switchFlippers:  {"admin", "risk_officer", "committee"},
	alertAckers:     {"admin", "ai_team", "risk_officer"},
	ingesters:       {"admin", "ai_team"},
	evidenceWriters: {"admin", "ai_team", "risk_officer"},
}

// routeAccess is every route the app serves and who may use it. The test
// fails on a route missing here, and on an entry here the app lacks.
var routeAccess = map[string]access{
	"GET /healthz":                            public,
	"GET /readyz":                             public,
	"GET /metrics":                            public,
	"GET /api/v1/openapi.json":                public,
	"GET /api/v1/me":                          signedIn,
	"GET /api/v1/use-cases":                   readers,
	"POST /api/v1/use-cases":                  writers,
	"GET /api/v1/use-cases/{id}":              readers,
	"GET /api/v1/audit":                       auditors,
	"GET /api/v1/models":                      readers,
	"POST /api/v1/models":                     modelWriters,
	"GET /api/v1/models/{id}":                 readers,
	"PUT /api/v1/models/{id}":                 modelWriters,
	"GET /api/v1/models/{id}/versions":        readers,
	"POST /api/v1/models/{id}/versions":       modelWriters,
	"GET /api/v1/model-versions/{id}":         readers,
	"PUT /api/v1/model-versions/{id}/card":    modelWriters,
	"POST /api/v1/model-versions/{id}/status": modelWriters,
	"GET /api/v1/switches":                    readers,
	"GET /api/v1/switches/{key}":              readers,
	"GET /api/v1/switches/stream":             readers,
	"POST /ofrep/v1/evaluate/flags/{key}":     readers,
	"POST /ofrep/v1/evaluate/flags":           readers,
	"PUT /api/v1/switches/{key}":              switchFlippers,
	"POST /models/{id}/switch":                switchFlippers,
	"GET /models":                             readers,
	"POST /models":                            modelWriters,
	"GET /models/{id}":                        readers,
	"POST /models/{id}/versions":              modelWriters,
	"GET /model-versions/{id}":                readers,
	"POST /model-versions/{id}/card":          modelWriters,
	"POST /model-versions/{id}/status":        modelWriters,
	"POST /model-versions/{id}/provenance":    modelWriters,
	"GET /login":                              public,
	"POST /login":                             public,
	"POST /logout":                            signedIn,
	"POST /locale":                            public,
	"GET /static/{name}":                      public,
	"GET /{$}":                                signedIn,
	"GET /resources":                          signedIn,
	"GET /risk":                               signedIn,
	"GET /organisation":                       signedIn,
	"GET /iteration":                          signedIn,
	"GET /use-cases":                          readers,
	"GET /use-cases/new":                      writers,
	"GET /use-cases/export":                   readers,
	"GET /use-cases/import":                   writers,
	"POST /use-cases/import":                  writers,
	"POST /use-cases":                         writers,
	"GET /use-cases/{id}":                     readers,
	"GET /admin":                              auditors,
	"GET /admin/audit":                        auditors,
	"GET /admin/audit/export":                 auditors,
	"GET /admin/users":                        admins,
	"POST /admin/users":                       admins,
	"POST /admin/users/{email}/role":          admins,
	"POST /admin/users/{email}/disabled":      admins,
	"GET /admin/users/{email}/password":       admins,
	"POST /admin/users/{email}/password":      admins,
	"GET /account/password":                   signedIn,
	"POST /account/password":                  signedIn,

	"GET /use-cases/{id}/edit":          writers,
	"POST /use-cases/{id}":              writers,
	"POST /use-cases/{id}/stage":        writers,
	"POST /use-cases/{id}/archive":      writers,
	"GET /business-units":               planReaders,
	"GET /business-units/new":           planWriters,
	"POST /business-units":              planWriters,
	"GET /business-units/{id}":          planReaders,
	"GET /business-units/{id}/edit":     planWriters,
	"POST /business-units/{id}":         planWriters,
	"POST /business-units/{id}/archive": planWriters,
	"GET /goals":                        planReaders,
	"GET /goals/new":                    planWriters,
	"POST /goals":                       planWriters,
	"GET /goals/{id}":                   planReaders,
	"GET /goals/{id}/edit":              planWriters,
	"POST /goals/{id}":                  planWriters,
	"POST /goals/{id}/archive":          planWriters,
	"GET /kpis":                         planReaders,
	"GET /kpis/new":                     planWriters,
	"POST /kpis":                        planWriters,
	"GET /kpis/{id}":                    planReaders,
	"GET /kpis/{id}/edit":               planWriters,
	"POST /kpis/{id}":                   planWriters,
	"POST /kpis/{id}/archive":           planWriters,
	"POST /kpis/{id}/readings":          planWriters,
	"GET /pain-points":                  planReaders,
	"GET /pain-points/new":              planWriters,
	"POST /pain-points":                 planWriters,
	"GET /pain-points/{id}":             planReaders,
	"GET /pain-points/{id}/edit":        planWriters,
	"POST /pain-points/{id}":            planWriters,
	"POST /pain-points/{id}/archive":    planWriters,

	"PUT /api/v1/use-cases/{id}":             writers,
	"POST /api/v1/use-cases/{id}/stage":      writers,
	"POST /api/v1/use-cases/{id}/archive":    writers,
	"GET /api/v1/use-cases/{id}/stages":      readers,
	"GET /api/v1/use-cases/{id}/realisation": readers,
	"GET /api/v1/portfolio":                  readers,

	"GET /models/{id}/health":                       readers,
	"POST /models/{id}/monitors":                    modelWriters,
	"POST /monitors/{id}/evaluate":                  modelWriters,
	"POST /monitors/{id}/copy":                      modelWriters,
	"GET /monitors/{id}/edit":                       modelWriters,
	"POST /monitors/{id}":                           modelWriters,
	"POST /monitors/{id}/pause":                     modelWriters,
	"POST /monitors/{id}/resume":                    modelWriters,
	"GET /alerts":                                   readers,
	"POST /alerts/{id}/acknowledge":                 alertAckers,
	"POST /api/v1/models/{model}/events":            ingesters,
	"POST /api/v1/models/{model}/labels":            ingesters,
	"GET /api/v1/models/{id}/monitors":              readers,
	"GET /api/v1/models/{id}/unregistered-versions": readers,
	"POST /api/v1/models/{id}/monitors":             modelWriters,
	"GET /api/v1/monitors/{id}":                     readers,
	"GET /api/v1/monitors/{id}/windows":             readers,
	"POST /api/v1/monitors/{id}/evaluate":           modelWriters,
	"PATCH /api/v1/monitors/{id}":                   modelWriters,
	"POST /api/v1/monitors/{id}/pause":              modelWriters,
	"POST /api/v1/monitors/{id}/resume":             modelWriters,
	"GET /api/v1/alerts":                            readers,
	"POST /api/v1/alerts/{id}/acknowledge":          alertAckers,
	"GET /api/v1/retraining-tasks":                  readers,
	"GET /api/v1/metrics":                           readers,
	"POST /api/v1/monitors/{id}/copy":               modelWriters,

	"GET /api/v1/business-units":               planReaders,
	"POST /api/v1/business-units":              planWriters,
	"GET /api/v1/business-units/{id}":          planReaders,
	"PUT /api/v1/business-units/{id}":          planWriters,
	"POST /api/v1/business-units/{id}/archive": planWriters,
	"GET /api/v1/goals":                        planReaders,
	"POST /api/v1/goals":                       planWriters,
	"GET /api/v1/goals/{id}":                   planReaders,
	"PUT /api/v1/goals/{id}":                   planWriters,
	"POST /api/v1/goals/{id}/archive":          planWriters,
	"GET /api/v1/kpis":                         planReaders,
	"POST /api/v1/kpis":                        planWriters,
	"GET /api/v1/kpis/{id}":                    planReaders,
	"PUT /api/v1/kpis/{id}":                    planWriters,
	"POST /api/v1/kpis/{id}/archive":           planWriters,
	"GET /api/v1/kpis/{id}/readings":           planReaders,
	"POST /api/v1/kpis/{id}/readings":          planWriters,
	"GET /api/v1/pain-points":                  planReaders,
	"POST /api/v1/pain-points":                 planWriters,
	"GET /api/v1/pain-points/{id}":             planReaders,
	"PUT /api/v1/pain-points/{id}":             planWriters,
	"POST /api/v1/pain-points/{id}/archive":    planWriters,

	"PUT /api/v1/model-versions/{id}/provenance":       modelWriters, // like the card
	"POST /api/v1/model-versions/{id}/fairness-audits": evidenceWriters,
	"GET /api/v1/model-versions/{id}/fairness-audits":  readers,
	"GET /api/v1/fairness-audits/{id}":                 readers,
	"GET /api/v1/fairness-audits/{id}/export":          readers,
	"POST /api/v1/model-versions/{id}/explanations":    evidenceWriters,
	"GET /api/v1/model-versions/{id}/explanations":     readers,
	"GET /api/v1/explanations/{id}":                    readers,
	"GET /api/v1/explanations/{id}/export":             readers,
	"GET /model-versions/{id}/fairness-audits/new":     evidenceWriters,
	"POST /model-versions/{id}/fairness-audits":        evidenceWriters,
	"GET /fairness-audits/{id}":                        readers,
	"GET /fairness-audits/{id}/export":                 readers,
	"GET /model-versions/{id}/explanations/new":        evidenceWriters,
	"POST /model-versions/{id}/explanations":           evidenceWriters,
	"GET /explanations/{id}":                           readers,
	"GET /explanations/{id}/export":                    readers,
	"GET /api/v1/experiments":                          readers,
	"POST /api/v1/experiments":                         evidenceWriters,
	"GET /api/v1/experiments/{id}":                     readers,
	"PUT /api/v1/experiments/{id}":                     evidenceWriters,
	"POST /api/v1/experiments/{id}/status":             evidenceWriters,
	"POST /api/v1/experiments/{id}/data":               evidenceWriters,
	"POST /api/v1/experiments/{id}/observations":       evidenceWriters,
	"GET /api/v1/experiments/{id}/analysis":            readers,
	"GET /api/v1/experiments/{id}/assignments":         readers,
	"GET /experiments":                                 readers,
	"GET /experiments/new":                             evidenceWriters,
	"POST /experiments":                                evidenceWriters,
	"GET /experiments/{id}":                            readers,
	"GET /experiments/{id}/edit":                       evidenceWriters,
	"POST /experiments/{id}":                           evidenceWriters,
	"POST /experiments/{id}/status":                    evidenceWriters,
	"POST /experiments/{id}/data":                      evidenceWriters,
	"GET /tokens":                                      signedIn,
	"POST /tokens":                                     signedIn,
	"POST /tokens/{id}/revoke":                         signedIn,
}

func allowed(role lodestar.Role, a access) bool {
	return a == public || (role != "" && slices.Contains(mayUse[a], role))
}

// call is how the walk exercises a route: a plausible body (form fields on
// the HTML surface, JSON on the API) and the statuses that mean it worked.
// fresh names the collection whose {id} gets a new record per request, for
// writes that would not repeat ("Nothing to change", one-way moves).
type call struct {
	body  func(w walker) string
	ok    []int
	fresh string
	query string // appended to the path, e.g. "?format=csv"
	// contentType overrides the API's application/json.
	contentType string
}

// walker is one caller in the walk.
type walker struct {
	role   lodestar.Role // "" for anonymous
	email  string        // the caller's own address (a viewer's for the anonymous)
	nonce  string        // unique per request, for records it creates
	target string        // a user the admin routes may change
	// ids holds an existing record per collection, the path segment before
	// {id}: "use-cases" for /use-cases/{id}. A route on a new collection
	// needs a record here.
	ids map[string]int64
	// updatedAt is the updated_at of the walker's record of a collection,
	// as its JSON shows it (an edit names the version it is based on).
	updatedAt func(collection string) string
}

// stamp is w.updatedAt(collection), or "" for a walker that has none (a
// request refused before it is read).
func (w walker) stamp(collection string) string {
	if w.updatedAt == nil {
		return ""
	}
	return w.updatedAt(collection)
}

func form(v url.Values) string { return v.Encode() }

var calls = map[string]call{
	"GET /healthz":             {ok: []int{200}},
	"GET /readyz":              {ok: []int{200}},
	"GET /metrics":             {ok: []int{200}},
	"GET /api/v1/openapi.json": {ok: []int{200}},
	"GET /api/v1/me":           {ok: []int{200}},
	"GET /api/v1/use-cases":    {ok: []int{200}},
	"POST /api/v1/use-cases": {ok: []int{201}, body: func(w walker) string {
		b, _ := json.Marshal(lodestar.NewUseCase{Title: "API " + w.nonce})
		return string(b)
	}},
	"GET /api/v1/use-cases/{id}": {ok: []int{200}},
	"GET /api/v1/audit":          {ok: []int{200}},
	"GET /login":                 {ok: []int{200, 303}}, // 303 to / when already signed in
	"POST /login": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"email": {w.email}, "password": {testPassword}, "next": {"/"}})
	}},
	"POST /logout": {ok: []int{303}},
	"POST /locale": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"locale": {"en"}, "next": {"/use-cases"}})
	}},
	"GET /static/{name}":    {ok: []int{200}},
	"GET /{$}":              {ok: []int{200}},
	"GET /resources":        {ok: []int{200}},
	"GET /risk":             {ok: []int{200}},
	"GET /organisation":     {ok: []int{200}},
	"GET /iteration":        {ok: []int{200}},
	"GET /use-cases":        {ok: []int{200}},
	"GET /use-cases/new":    {ok: []int{200}},
	"GET /use-cases/export": {ok: []int{200}, query: "?format=csv"},
	"GET /use-cases/import": {ok: []int{200}},
	"POST /use-cases/import": {ok: []int{200}, body: func(w walker) string {
		// A dry run of a one-row file: the preview step changes nothing.
		return form(url.Values{"step": {"preview"}, "name": {"walk.csv"},
			"data": {base64.StdEncoding.EncodeToString([]byte("title\nImported " + w.nonce + "\n"))}})
	}},
	"POST /use-cases": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"title": {"HTML " + w.nonce}, "description": {"from the matrix walk"}})
	}},
	"GET /use-cases/{id}":     {ok: []int{200}},
	"GET /admin":              {ok: []int{200}},
	"GET /admin/audit":        {ok: []int{200}},
	"GET /admin/audit/export": {ok: []int{200}},
	"GET /admin/users":        {ok: []int{200}},
	"POST /admin/users": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"email": {"new-" + w.nonce + "@example.com"}, "name": {"New"}, "role": {"viewer"}, "password": {testPassword}})
	}},
	"POST /admin/users/{email}/role": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"role": {"viewer"}})
	}},
	"POST /admin/users/{email}/disabled": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"disabled": {"false"}})
	}},
	"GET /admin/users/{email}/password": {ok: []int{200}},
	"POST /admin/users/{email}/password": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"new_password": {testPassword}, "confirm_password": {testPassword}})
	}},
	"GET /account/password": {ok: []int{200}},
	"POST /account/password": {ok: []int{303}, body: func(w walker) string {
		// The same password again: the walk's later sign-ins still work.
		return form(url.Values{"current_password": {testPassword}, "new_password": {testPassword}, "confirm_password": {testPassword}})
	}},

	"GET /use-cases/{id}/edit": {ok: []int{200}},
	"POST /use-cases/{id}":     {ok: []int{303}, fresh: "use-cases", body: formOf("title", "Edited %s", "description", "edited")},
	"POST /use-cases/{id}/stage": {ok: []int{303}, fresh: "use-cases",
		body: formOf("stage", "assessment", "reason", "walked by %s")},
	"POST /use-cases/{id}/archive":      {ok: []int{303}, fresh: "use-cases", body: formOf("archived", "true")},
	"GET /business-units":               {ok: []int{200}},
	"GET /business-units/new":           {ok: []int{200}},
	"POST /business-units":              {ok: []int{303}, body: formOf("name", "Unit %s")},
	"GET /business-units/{id}":          {ok: []int{200}},
	"GET /business-units/{id}/edit":     {ok: []int{200}},
	"POST /business-units/{id}":         {ok: []int{303}, fresh: "business-units", body: formOf("name", "Renamed %s")},
	"POST /business-units/{id}/archive": {ok: []int{303}, fresh: "business-units", body: formOf("archived", "true")},
	"GET /goals":                        {ok: []int{200}},
	"GET /goals/new":                    {ok: []int{200}},
	"POST /goals":                       {ok: []int{303}, body: formOf("title", "Goal %s", "horizon", "year")},
	"GET /goals/{id}":                   {ok: []int{200}},
	"GET /goals/{id}/edit":              {ok: []int{200}},
	"POST /goals/{id}":                  {ok: []int{303}, fresh: "goals", body: formOf("title", "Renamed %s", "horizon", "quarter")},
	"POST /goals/{id}/archive":          {ok: []int{303}, fresh: "goals", body: formOf("archived", "true")},
	"GET /kpis":                         {ok: []int{200}},
	"GET /kpis/new":                     {ok: []int{200}},
	"POST /kpis": {ok: []int{303}, body: formOf("name", "KPI %s", "unit", "%", "direction", "up", "baseline", "1", "target", "2",
		"target_date", "2027-12-31")},
	"GET /kpis/{id}":      {ok: []int{200}},
	"GET /kpis/{id}/edit": {ok: []int{200}},
	"POST /kpis/{id}": {ok: []int{303}, fresh: "kpis", body: formOf("name", "Renamed %s", "unit", "h", "direction", "down",
		"baseline", "9", "target", "3", "target_date", "2028-06-30")},
	"POST /kpis/{id}/archive":  {ok: []int{303}, fresh: "kpis", body: formOf("archived", "true")},
	"POST /kpis/{id}/readings": {ok: []int{303}, fresh: "kpis", body: formOf("date", "2026-06-01", "value", "1.5")},
	"GET /pain-points":         {ok: []int{200}},
	"GET /pain-points/new":     {ok: []int{200}},
	"POST /pain-points": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"business_unit_id": {strconv.FormatInt(w.ids["business-units"], 10)}, "title": {"Pain " + w.nonce},
			"category": {"cost"}, "annual_cost": {"1000"}})
	}},
	"GET /pain-points/{id}":      {ok: []int{200}},
	"GET /pain-points/{id}/edit": {ok: []int{200}},
	"POST /pain-points/{id}": {ok: []int{303}, fresh: "pain-points", body: func(w walker) string {
		return form(url.Values{"business_unit_id": {strconv.FormatInt(w.ids["business-units"], 10)}, "title": {"Renamed " + w.nonce},
			"category": {"risk"}, "annual_cost": {"5"}})
	}},
	"POST /pain-points/{id}/archive": {ok: []int{303}, fresh: "pain-points", body: formOf("archived", "true")},

	"PUT /api/v1/use-cases/{id}": {ok: []int{200}, fresh: "use-cases", body: jsonf(`{"title":"Edited %s","description":"edited"}`)},
	"POST /api/v1/use-cases/{id}/stage": {ok: []int{200}, fresh: "use-cases",
		body: jsonf(`{"stage":"assessment","reason":"walked by %s"}`)},
	"POST /api/v1/use-cases/{id}/archive": {ok: []int{200}, fresh: "use-cases", body: jsonf(`{"archived":true}`)},
	"GET /api/v1/models":                  {ok: []int{200}},
	"GET /api/v1/switches":                {ok: []int{200}},
	"GET /api/v1/switches/{key}":          {ok: []int{200}},
	"GET /api/v1/switches/stream":         {ok: []int{200}},
	"POST /ofrep/v1/evaluate/flags/{key}": {ok: []int{200}, body: jsonf(`{"context":{"targetingKey":"%s"}}`)},
	"POST /ofrep/v1/evaluate/flags":       {ok: []int{200}, body: jsonf(`{"context":{"targetingKey":"%s"}}`)},
	"PUT /api/v1/switches/{key}":          {ok: []int{200}, body: jsonf(`{"state":"off","reason":"walked by %s"}`)},
	"POST /models/{id}/switch":            {ok: []int{303}, body: formOf("state", "fallback", "fallback", "rules", "reason", "walked by %s")},
	"GET /models":                         {ok: []int{200}},
	"POST /models": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"use_case_id": {strconv.FormatInt(w.ids["use-cases"], 10)}, "key": {"web-" + strings.ToLower(w.nonce)}, "name": {"Model " + w.nonce}})
	}},
	"GET /models/{id}":                 {ok: []int{200}},
	"POST /models/{id}/versions":       {ok: []int{303}, body: formOf("version", "w-%s", "intended_use", "walk")},
	"GET /model-versions/{id}":         {ok: []int{200}},
	"POST /model-versions/{id}/card":   {ok: []int{303}, body: formOf("limitations", "walked by %s", "metrics", "auc = 0.9")},
	"POST /model-versions/{id}/status": {ok: []int{303}, fresh: "model-versions", body: formOf("status", "staging", "reason", "walked by %s")},

	"POST /model-versions/{id}/provenance": {ok: []int{303}, fresh: "model-versions",
		body: formOf("artifact_uri", "s3://walk/%s/model.bin", "artifact_sha256", strings.Repeat("ab", 32))},
	"PUT /api/v1/model-versions/{id}/provenance": {ok: []int{200}, fresh: "model-versions",
		body: jsonf(`{"artifact_uri":"s3://walk/%s/model.bin","source_commit":"0123abc"}`)},
	"POST /api/v1/models": {ok: []int{201}, body: func(w walker) string {
		return fmt.Sprintf(`{"use_case_id":%d,"key":"m-%s","name":"Model %s"}`, w.ids["use-cases"], strings.ToLower(w.nonce), w.nonce)
	}},
	"GET /api/v1/models/{id}": {ok: []int{200}},
	"PUT /api/v1/models/{id}": {ok: []int{200}, body: func(w walker) string {
		return fmt.Sprintf(`{"use_case_id":%d,"name":"Renamed %s"}`, w.ids["use-cases"], w.nonce)
	}},
	"GET /api/v1/models/{id}/versions":        {ok: []int{200}},
	"POST /api/v1/models/{id}/versions":       {ok: []int{201}, body: jsonf(`{"version":"v-%s","card":{"intended_use":"walk"}}`)},
	"GET /api/v1/model-versions/{id}":         {ok: []int{200}},
	"PUT /api/v1/model-versions/{id}/card":    {ok: []int{200}, body: jsonf(`{"limitations":"walked by %s"}`)},
	"POST /api/v1/model-versions/{id}/status": {ok: []int{200}, fresh: "model-versions", body: jsonf(`{"status":"staging","reason":"walked by %s"}`)},
	"GET /api/v1/use-cases/{id}/stages":       {ok: []int{200}},
	"GET /api/v1/use-cases/{id}/realisation":  {ok: []int{200}},
	"GET /api/v1/portfolio":                   {ok: []int{200}},

	"GET /models/{id}/health": {ok: []int{200}},
	"POST /models/{id}/monitors": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"version": {"v-existing"}, "name": {"Walk " + w.nonce}, "window": {"day"}, "reference_kind": {"events"},
			"reference_from": {"2026-01-01"}, "reference_to": {"2026-02-01"}, "min_accuracy": {"0.8"}})
	}},
	"POST /monitors/{id}/evaluate": {ok: []int{303}},
	"GET /monitors/{id}/edit":      {ok: []int{200}},
	"POST /monitors/{id}": {ok: []int{303}, fresh: "monitors", body: func(w walker) string {
		return form(url.Values{"updated_at": {w.stamp("monitors")}, "name": {"Edited " + w.nonce}, "min_events": {"5"},
			"alert_after": {"1"}, "resolve_after": {"1"}, "retrain_after": {"0"}})
	}},
	"POST /monitors/{id}/pause":     {ok: []int{303}, fresh: "monitors", body: formOf("reason", "walked by %s")},
	"POST /monitors/{id}/copy":      {ok: []int{303}, body: formOf("copy_version", "v-existing", "copy_name", "Copy %s")},
	"POST /monitors/{id}/resume":    {ok: []int{303}, fresh: "paused-monitors"},
	"GET /alerts":                   {ok: []int{200}},
	"POST /alerts/{id}/acknowledge": {ok: []int{303}, fresh: "alerts", body: formOf("note", "walked by %s")},
	"POST /api/v1/models/{model}/events": {ok: []int{200}, contentType: "application/x-ndjson",
		body: jsonf(`{"id":"walk-%s","version":"v-existing","features":{"x":1.5,"colour":"red"},"prediction":0.7}`)},
	"POST /api/v1/models/{model}/labels":            {ok: []int{200}, contentType: "application/x-ndjson", body: jsonf(`{"id":"walk-%s","label":1}`)},
	"GET /api/v1/models/{id}/monitors":              {ok: []int{200}},
	"GET /api/v1/models/{id}/unregistered-versions": {ok: []int{200}},
	"POST /api/v1/models/{id}/monitors": {ok: []int{201}, body: jsonf(`{"version":"v-existing","name":"Walk %s","window":"hour",` +
		`"reference":{"kind":"dataset","file_name":"ref.csv","csv":"x,colour\n1,red\n2,blue\n"}}`)},
	"GET /api/v1/monitors/{id}":           {ok: []int{200}},
	"GET /api/v1/monitors/{id}/windows":   {ok: []int{200}},
	"POST /api/v1/monitors/{id}/evaluate": {ok: []int{200}, body: jsonf(`{}`)},
	"PATCH /api/v1/monitors/{id}": {ok: []int{200}, fresh: "monitors", body: func(w walker) string {
		return fmt.Sprintf(`{"updated_at":%q,"name":"Edited %s","thresholds":{"min_events":5}}`, w.stamp("monitors"), w.nonce)
	}},
	"POST /api/v1/monitors/{id}/pause":     {ok: []int{200}, fresh: "monitors", body: jsonf(`{"reason":"walked by %s"}`)},
	"POST /api/v1/monitors/{id}/copy":      {ok: []int{201}, body: jsonf(`{"version":"v-existing","name":"Copy %s"}`)},
	"POST /api/v1/monitors/{id}/resume":    {ok: []int{200}, fresh: "paused-monitors", body: jsonf(`{}`)},
	"GET /api/v1/alerts":                   {ok: []int{200}, query: "?status=open"},
	"POST /api/v1/alerts/{id}/acknowledge": {ok: []int{200}, fresh: "alerts", body: jsonf(`{"note":"walked by %s"}`)},
	"GET /api/v1/retraining-tasks":         {ok: []int{200}},
	"GET /api/v1/metrics":                  {ok: []int{200}},

	"GET /api/v1/business-units":               {ok: []int{200}},
	"POST /api/v1/business-units":              {ok: []int{201}, body: jsonf(`{"name":"Unit %s"}`)},
	"GET /api/v1/business-units/{id}":          {ok: []int{200}},
	"PUT /api/v1/business-units/{id}":          {ok: []int{200}, fresh: "business-units", body: jsonf(`{"name":"Renamed %s"}`)},
	"POST /api/v1/business-units/{id}/archive": {ok: []int{200}, fresh: "business-units", body: jsonf(`{"archived":true}`)},
	"GET /api/v1/goals":                        {ok: []int{200}},
	"POST /api/v1/goals":                       {ok: []int{201}, body: jsonf(`{"title":"Goal %s","horizon":"year"}`)},
	"GET /api/v1/goals/{id}":                   {ok: []int{200}},
	"PUT /api/v1/goals/{id}":                   {ok: []int{200}, fresh: "goals", body: jsonf(`{"title":"Renamed %s","horizon":"quarter"}`)},
	"POST /api/v1/goals/{id}/archive":          {ok: []int{200}, fresh: "goals", body: jsonf(`{"archived":true}`)},
	"GET /api/v1/kpis":                         {ok: []int{200}},
	"POST /api/v1/kpis": {ok: []int{201},
		body: jsonf(`{"name":"KPI %s","unit":"%%","direction":"up","baseline":1,"target":2,"target_date":"2027-12-31"}`)},
	"GET /api/v1/kpis/{id}": {ok: []int{200}},
	"PUT /api/v1/kpis/{id}": {ok: []int{200}, fresh: "kpis",
		body: jsonf(`{"name":"Renamed %s","unit":"h","direction":"down","baseline":9,"target":3,"target_date":"2028-06-30"}`)},
	"POST /api/v1/kpis/{id}/archive":  {ok: []int{200}, fresh: "kpis", body: jsonf(`{"archived":true}`)},
	"GET /api/v1/kpis/{id}/readings":  {ok: []int{200}},
	"POST /api/v1/kpis/{id}/readings": {ok: []int{200}, fresh: "kpis", body: jsonf(`{"readings":[{"date":"2026-06-01","value":1.5}]}`)},
	"GET /api/v1/pain-points":         {ok: []int{200}},
	"POST /api/v1/pain-points": {ok: []int{201}, body: func(w walker) string {
		return fmt.Sprintf(`{"business_unit_id":%d,"title":"Pain %s","category":"cost","annual_cost":1000}`, w.ids["business-units"], w.nonce)
	}},
	"GET /api/v1/pain-points/{id}": {ok: []int{200}},
	"PUT /api/v1/pain-points/{id}": {ok: []int{200}, fresh: "pain-points", body: func(w walker) string {
		return fmt.Sprintf(`{"business_unit_id":%d,"title":"Renamed %s","category":"risk","annual_cost":5}`, w.ids["business-units"], w.nonce)
	}},
	"POST /api/v1/pain-points/{id}/archive": {ok: []int{200}, fresh: "pain-points", body: jsonf(`{"archived":true}`)},

	"POST /api/v1/model-versions/{id}/fairness-audits": {ok: []int{201}, body: func(w walker) string { return walkFairnessJSON(w.nonce) }},
	"GET /api/v1/model-versions/{id}/fairness-audits":  {ok: []int{200}},
	"GET /api/v1/fairness-audits/{id}":                 {ok: []int{200}},
	"GET /api/v1/fairness-audits/{id}/export":          {ok: []int{200}, query: "?format=csv"},
	"POST /api/v1/model-versions/{id}/explanations":    {ok: []int{201}, body: func(w walker) string { return walkExplanationJSON(w.nonce) }},
	"GET /api/v1/model-versions/{id}/explanations":     {ok: []int{200}},
	"GET /api/v1/explanations/{id}":                    {ok: []int{200}},
	"GET /api/v1/explanations/{id}/export":             {ok: []int{200}},
	"GET /model-versions/{id}/fairness-audits/new":     {ok: []int{200}},
	"POST /model-versions/{id}/fairness-audits": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"file_text": {walkDecisions(w.nonce)}, "group_column": {"group"}, "label_column": {"label"}, "prediction_column": {"prediction"}})
	}},
	"GET /fairness-audits/{id}":                 {ok: []int{200}},
	"GET /fairness-audits/{id}/export":          {ok: []int{200}, query: "?format=csv"},
	"GET /model-versions/{id}/explanations/new": {ok: []int{200}},
	"POST /model-versions/{id}/explanations": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"model_text": {tinyModel}, "data_text": {walkSample(w.nonce)}})
	}},
	"GET /explanations/{id}":        {ok: []int{200}},
	"GET /explanations/{id}/export": {ok: []int{200}},
	"GET /api/v1/experiments":       {ok: []int{200}, query: "?status=running"},
	"POST /api/v1/experiments": {ok: []int{201}, body: func(w walker) string {
		return walkExperimentJSON(w, "api-"+strings.ToLower(w.nonce))
	}},
	"GET /api/v1/experiments/{id}": {ok: []int{200}},
	"PUT /api/v1/experiments/{id}": {ok: []int{200}, fresh: "experiments", body: func(w walker) string {
		return walkExperimentJSON(w, "")
	}},
	"POST /api/v1/experiments/{id}/status": {ok: []int{200}, fresh: "experiments", body: jsonf(`{"status":"running","reason":"walked by %s"}`)},
	"POST /api/v1/experiments/{id}/data": {ok: []int{200},
		body: jsonf(`{"data":[{"variant":"control","metric":"conversion","n":10,"successes":3}]}`)},
	"POST /api/v1/experiments/{id}/observations": {ok: []int{200}, contentType: "application/x-ndjson",
		body: jsonf(`{"unit":"%s","variant":"treatment","metrics":{"conversion":1}}`)},
	"GET /api/v1/experiments/{id}/analysis":    {ok: []int{200}},
	"GET /api/v1/experiments/{id}/assignments": {ok: []int{200}, query: "?unit=u1&unit=u2"},
	"GET /experiments":                         {ok: []int{200}, query: "?status=running"},
	"GET /experiments/new":                     {ok: []int{200}},
	"POST /experiments": {ok: []int{303}, body: func(w walker) string {
		return walkExperimentForm(w, "web-"+strings.ToLower(w.nonce))
	}},
	"GET /experiments/{id}":      {ok: []int{200}},
	"GET /experiments/{id}/edit": {ok: []int{200}},
	"POST /experiments/{id}": {ok: []int{303}, fresh: "experiments", body: func(w walker) string {
		return walkExperimentForm(w, "")
	}},
	"POST /experiments/{id}/status": {ok: []int{303}, fresh: "experiments", body: formOf("status", "running", "reason", "walked by %s")},
	// The walk posts forms urlencoded, without a file: the page answers
	// with the form's refusal, which still proves the role was let in.
	"POST /experiments/{id}/data": {ok: []int{400}},
	"GET /tokens":                 {ok: []int{200}},
	"POST /tokens":                {ok: []int{201}, body: formOf("name", "Walk %s", "scope", "read", "expires", "30")},
	// Each caller revokes a token of their own (prepare makes it).
	"POST /tokens/{id}/revoke": {ok: []int{303}, fresh: "tokens"},
}

// walkExperimentForm is walkExperimentJSON as the page's form.
func walkExperimentForm(w walker, key string) string {
	v := url.Values{"use_case_id": {strconv.FormatInt(w.ids["use-cases"], 10)}, "name": {"Experiment " + w.nonce}, "hypothesis": {"walked"},
		"control_version_id": {strconv.FormatInt(w.ids["model-versions"], 10)}, "treatment_version_id": {strconv.FormatInt(w.ids["treatment-versions"], 10)},
		"primary_name": {"conversion"}, "primary_kind": {"proportion"}, "primary_direction": {"up"}}
	if key != "" {
		v.Set("key", key)
	}
	return v.Encode()
}

// walkExperimentJSON is an experiment design on the walk's use case and
// model versions; key "" leaves the key out (an update).
func walkExperimentJSON(w walker, key string) string {
	k := ""
	if key != "" {
		k = fmt.Sprintf(`"key":%q,`, key)
	}
	return fmt.Sprintf(`{%s"use_case_id":%d,"name":"Experiment %s","hypothesis":"walked","control_version_id":%d,"treatment_version_id":%d,`+
		`"primary":{"name":"conversion","kind":"proportion","direction":"up"}}`, k, w.ids["use-cases"], w.nonce, w.ids["model-versions"], w.ids["treatment-versions"])
}

// formOf is a form body from name, value pairs; a value's %s is the
// request's nonce.
func formOf(pairs ...string) func(w walker) string {
	return func(w walker) string {
		v := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			v.Set(pairs[i], strings.ReplaceAll(pairs[i+1], "%s", w.nonce))
		}
		return v.Encode()
	}
}

// jsonf is a body from a format with at most one %s, the request's nonce.
func jsonf(format string) func(w walker) string {
	return func(w walker) string {
		if strings.Count(format, "%s") == 0 {
			return strings.ReplaceAll(format, "%%", "%")
		}
		return fmt.Sprintf(format, w.nonce)
	}
}

// records creates one record of each collection the walk needs for {id}
// and returns their ids by collection.
func (f *fixture) records(label string) map[string]int64 {
	f.t.Helper()
	ids := map[string]int64{}
	for _, c := range []string{"use-cases", "business-units", "goals", "kpis", "pain-points", "models", "model-versions", "treatment-versions", "experiments", "monitors", "alerts", "fairness-audits", "explanations", "tokens"} {
		ids[c] = f.record(c, label, ids)
	}
	// The walk's experiment is running, so it takes data; fresh ones are drafts.
	if _, err := f.app.Store.SetExperimentStatus(sys(), ids["experiments"], lodestar.ExperimentRunning, "walk"); err != nil {
		f.t.Fatalf("start the walk's experiment: %v", err)
	}
	return ids
}

// record creates one record of a collection; those it needs (a pain
// point's business unit) come from ids.
func (f *fixture) record(collection, label string, ids map[string]int64) int64 {
	f.t.Helper()
	ctx, st := sys(), f.app.Store
	var id int64
	var err error
	switch collection {
	case "use-cases":
		id = f.useCase("Use case " + label).ID
	case "business-units":
		var bu *lodestar.BusinessUnit
		if bu, err = st.CreateBusinessUnit(ctx, lodestar.BusinessUnit{Name: "Unit " + label}); err == nil {
			id = bu.ID
		}
	case "goals":
		var g *lodestar.Goal
		if g, err = st.CreateGoal(ctx, lodestar.Goal{Title: "Goal " + label, Horizon: "year", BusinessUnitID: ids["business-units"]}); err == nil {
			id = g.ID
		}
	case "kpis":
		var k *lodestar.KPI
		if k, err = st.CreateKPI(ctx, lodestar.KPI{GoalID: ids["goals"], Name: "KPI " + label, Unit: "%", Direction: lodestar.DirectionUp,
			Baseline: 10, Target: 20, TargetDate: "2027-12-31"}); err == nil {
			id = k.ID
		}
	case "pain-points":
		var p *lodestar.PainPoint
		if p, err = st.CreatePainPoint(ctx, lodestar.PainPoint{BusinessUnitID: ids["business-units"], Title: "Pain " + label,
			Category: "cost", AnnualCost: 100}); err == nil {
			id = p.ID
		}
	case "models":
		var m *lodestar.Model
		if m, err = st.CreateModel(ctx, lodestar.Model{UseCaseID: ids["use-cases"], Key: walkModelKey(ids), Name: "Model " + label}); err == nil {
			id = m.ID
		}
	case "model-versions":
		var v *lodestar.ModelVersion
		if v, err = st.CreateModelVersion(ctx, ids["models"], lodestar.ModelVersion{Version: "v-" + label}); err == nil {
			id = v.ID
		}
	case "monitors": // of the walk's model version (a fresh one's too)
		var m *lodestar.Monitor
		var v *lodestar.ModelVersion
		if v, err = st.FindModelVersionByID(ctx, ids["model-versions"]); err != nil {
			break
		}
		if m, err = f.app.Monitoring.CreateMonitor(ctx, lodestar.Monitor{ModelID: ids["models"], Version: v.Version, Name: "Monitor " + label,
			Window: lodestar.WindowHour, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}},
			[]byte("x,colour\n1,red\n2,blue\n"), "ref.csv"); err == nil {
			id = m.ID
		}
	case "alerts": // an open alert of the walk's monitor
		ev := &lodestar.Evaluation{Opened: []*lodestar.Alert{{Kind: "volume", Value: 1, Threshold: 10, Message: "walk " + label, OpenedAt: f.clock.Now()}}}
		if err = st.SaveEvaluation(ctx, ids["monitors"], f.clock.Now().Truncate(time.Hour), ev); err == nil {
			var open []*lodestar.Alert
			if open, err = st.ListAlerts(ctx, 0, true); err == nil {
				id = open[0].ID
			}
		}
	case "fairness-audits", "explanations":
		id, err = f.evidenceRecord(collection, label, ids)
	case "tokens":
		// The first user's: the walk gives each caller a token of their own
		// (prepare), this one only fills {id} for callers refused anyway.
		var users []*lodestar.User
		if users, err = st.ListUsers(ctx); err == nil && len(users) > 0 {
			var tok *lodestar.APIToken
			if tok, _, err = st.CreateToken(ctx, users[0].Email, "Token "+label, []string{lodestar.ScopeRead}); err == nil {
				id = tok.ID
			}
		} else if err == nil {
			f.t.Fatal("record: a token needs a user; create one first")
		}
	case "treatment-versions":
		var v *lodestar.ModelVersion
		if v, err = st.CreateModelVersion(ctx, ids["models"], lodestar.ModelVersion{Version: "t-" + label}); err == nil {
			id = v.ID
		}
	case "experiments":
		var e *lodestar.Experiment
		if e, err = st.CreateExperiment(ctx, lodestar.Experiment{UseCaseID: ids["use-cases"], Key: "exp-" + strings.ToLower(label),
			Name: "Experiment " + label, Hypothesis: "walked", ControlVersionID: ids["model-versions"], TreatmentVersionID: ids["treatment-versions"],
			Primary: lodestar.ExperimentMetric{Name: "conversion", Kind: lodestar.MetricProportion, Direction: lodestar.DirectionUp}}); err == nil {
			id = e.ID
		}
	default:
		f.t.Fatalf("record: the walk cannot make a %s record; add it", collection)
	}
	if err != nil {
		f.t.Fatalf("create %s record: %v", collection, err)
	}
	return id
}

// prepare gives a request a fresh record when its call asks for one.
func (f *fixture) prepare(cl call, w *walker) {
	f.t.Helper()
	w.updatedAt = func(collection string) string {
		if collection != "monitors" {
			f.t.Fatalf("the walk knows no updated_at of %s", collection)
		}
		m, err := f.app.Store.FindMonitorByID(sys(), w.ids[collection])
		if err != nil {
			f.t.Fatal(err)
		}
		return m.UpdatedAt.UTC().Format(sqldb.TimeLayout) // RFC 3339, as the edit form's field holds it
	}
	if cl.fresh == "" {
		return
	}
	w.ids = maps.Clone(w.ids)
	if cl.fresh == "paused-monitors" { // a monitor to resume
		w.ids["monitors"] = f.record("monitors", w.nonce, w.ids)
		if _, err := f.app.Store.PauseMonitor(sys(), w.ids["monitors"], "walk"); err != nil {
			f.t.Fatalf("pause the walk's monitor: %v", err)
		}
		return
	}
	if cl.fresh == "tokens" { // the caller's own: every user may revoke theirs
		tok, _ := f.token(&lodestar.User{Email: w.email}, lodestar.ScopeRead)
		w.ids[cl.fresh] = tok.ID
		return
	}
	w.ids[cl.fresh] = f.record(cl.fresh, w.nonce, w.ids)
}

func routeKeys(f *fixture) []string {
	var keys []string
	for _, rt := range f.app.Routes {
		keys = append(keys, rt.Method+" "+rt.Pattern)
	}
	sort.Strings(keys)
	return keys
}

// TestRouteTableKnown fails when the app and the test's table disagree on
// which routes exist, so a new route cannot escape the matrix walk.
func TestRouteTableKnown(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	seen := map[string]bool{}
	for _, k := range routeKeys(f) {
		if seen[k] {
			t.Errorf("route %q is registered twice", k)
		}
		seen[k] = true
		if _, ok := routeAccess[k]; !ok {
			t.Errorf("route %q is served but the test's routeAccess does not know it; add it with who may use it", k)
		}
		if _, ok := calls[k]; !ok {
			t.Errorf("route %q has no entry in the test's calls table", k)
		}
	}
	for k := range routeAccess {
		if !seen[k] {
			t.Errorf("routeAccess lists %q, which the app does not serve", k)
		}
	}
}

var assetHref = regexp.MustCompile(`href="/static/([^"]+\.css)"`)

// assetName finds a real fingerprinted asset the way a browser does: in
// the login page.
func assetName(f *fixture) string {
	f.t.Helper()
	r := f.get(f.client(), "/login")
	m := assetHref.FindStringSubmatch(r.body)
	if m == nil {
		f.t.Fatalf("no /static/ stylesheet link in the login page:\n%s", r.body)
	}
	return m[1]
}

func isAPI(pattern string) bool {
	return strings.HasPrefix(pattern, "/api/") || strings.HasPrefix(pattern, "/ofrep/")
}

// expand substitutes path values into a route pattern.
// walkModelKey is the key of the walk's model: derived from its use case,
// so a path can name it without a lookup.
func walkModelKey(ids map[string]int64) string { return fmt.Sprintf("walk-%d", ids["use-cases"]) }

func expand(t *testing.T, pattern string, w walker, asset string) string {
	t.Helper()
	parts := strings.Split(strings.TrimSuffix(pattern, "{$}"), "/")
	for i, part := range parts {
		switch part {
		case "{id}":
			id, ok := w.ids[parts[i-1]]
			if !ok {
				t.Fatalf("%s: the walk has no %s record for {id}; add one to walker.ids", pattern, parts[i-1])
			}
			parts[i] = strconv.FormatInt(id, 10)
		case "{email}":
			parts[i] = url.PathEscape(w.target)
		case "{key}", "{model}":
			parts[i] = walkModelKey(w.ids)
		case "{name}":
			parts[i] = asset
		default:
			if strings.HasPrefix(part, "{") {
				t.Fatalf("%s: the walk does not know the path value %s", pattern, part)
			}
		}
	}
	return strings.Join(parts, "/")
}

func loginRedirect(r *response) bool {
	return r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/login?next=")
}

// TestRoleMatrix walks every route as every role and as an anonymous
// visitor, signed in with a session cookie, then every API route with each
// role's bearer token, and checks each request is let in or refused
// exactly as routeAccess says, and that refusals change nothing.
func TestRoleMatrix(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	users := map[lodestar.Role]*lodestar.User{}
	for _, role := range lodestar.Roles {
		users[role] = f.user(role, string(role)+"@example.com")
	}
	target := f.user(lodestar.RoleViewer, "target@example.com")
	ids := f.records("existing")
	asset := assetName(f)
	// One session per role serves every request but sign-out's.
	type session struct{ secret, csrf string }
	sessions := map[lodestar.Role]session{}
	for role, u := range users {
		_, csrf, secret := f.signIn(u, time.Hour)
		sessions[role] = session{secret, csrf}
	}

	for _, k := range routeKeys(f) {
		if _, ok := routeAccess[k]; !ok {
			t.Errorf("%s: not in the test's routeAccess; it is not walked (see TestRouteTableKnown)", k)
		}
	}
	n := 0
	// walk makes one request as role, by session cookie or, when bearer is
	// set, by that token, and checks the answer against routeAccess.
	walk := func(t *testing.T, role lodestar.Role, bearer string, rt httpx.Route, w walker) {
		f := f.with(t)
		key := rt.Method + " " + rt.Pattern
		acc, cl := routeAccess[key], calls[key]
		who := string(role)
		if who == "" {
			who = "anonymous"
		}
		ok := allowed(role, acc)
		if ok {
			f.prepare(cl, &w)
		}
		c := f.client()
		csrf := ""
		h := http.Header{}
		switch u := users[role]; {
		case bearer != "":
			h.Set("Authorization", "Bearer "+bearer)
		case u != nil && key == "POST /logout":
			c, csrf, _ = f.signIn(u, time.Hour) // its own session, which it ends
		case u != nil:
			sess := sessions[role]
			c.Jar.SetCookies(f.url(), []*http.Cookie{{Name: httpx.SessionCookie, Value: sess.secret, Path: "/"}})
			csrf = sess.csrf
		case rt.Method == "POST" && !isAPI(rt.Pattern):
			csrf = f.loginPage(c)
		}
		var body string
		if cl.body != nil {
			body = cl.body(w)
		}
		if isAPI(rt.Pattern) {
			if rt.Method == "PUT" {
				body = whole(rt.Pattern, body) // a PUT replaces the whole record
			}
			if body != "" {
				h.Set("Content-Type", cmp.Or(cl.contentType, "application/json"))
			}
			if rt.Method != "GET" && csrf != "" {
				h.Set(httpx.CSRFHeader, csrf)
			}
		} else if rt.Method == "POST" {
			h.Set("Content-Type", "application/x-www-form-urlencoded")
			v, _ := url.ParseQuery(body)
			v.Set(httpx.CSRFField, csrf)
			body = v.Encode()
		}
		var before counts
		if !ok {
			before = f.counts()
		}
		path := expand(t, rt.Pattern, w, asset) + cl.query
		r := f.do(c, rt.Method, path, h, strings.NewReader(body))

		switch {
		case ok:
			if r.StatusCode == http.StatusUnauthorized || r.StatusCode == http.StatusForbidden || loginRedirect(r) {
				t.Fatalf("%s %s as %s (%s): got status %d Location %q, want it allowed (body %.300s)",
					rt.Method, path, who, acc, r.StatusCode, r.Header.Get("Location"), r.body)
			}
			if !slices.Contains(cl.ok, r.StatusCode) {
				t.Errorf("%s %s as %s: got status %d, want one of %v (body %.300s)", rt.Method, path, who, r.StatusCode, cl.ok, r.body)
			}
			if key == "POST /logout" && r.Header.Get("Location") != "/login" {
				t.Errorf("POST /logout as %s: got Location %q, want /login", who, r.Header.Get("Location"))
			}
			return
		case role == "" && isAPI(rt.Pattern):
			wantAPIError(t, r, http.StatusUnauthorized, lodestar.EUnauthorized)
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s anonymous: got no WWW-Authenticate header on 401", rt.Method, path)
			}
		case role == "" && rt.Method == "GET":
			wantLoc := "/login?next=" + url.QueryEscape(path)
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != wantLoc {
				t.Errorf("GET %s anonymous: got status %d Location %q, want 303 to %q", path, r.StatusCode, r.Header.Get("Location"), wantLoc)
			}
		case role == "":
			// A form post cannot be replayed after sign-in, so the
			// anonymous get the 401 page rather than a redirect.
			if r.StatusCode != http.StatusUnauthorized || !isHTML(r) {
				t.Errorf("%s %s anonymous: got status %d Content-Type %q, want a 401 HTML page", rt.Method, path, r.StatusCode, r.Header.Get("Content-Type"))
			}
		case isAPI(rt.Pattern):
			wantAPIError(t, r, http.StatusForbidden, lodestar.EForbidden)
		default:
			if r.StatusCode != http.StatusForbidden || !isHTML(r) {
				t.Errorf("%s %s as %s: got status %d Content-Type %q, want a 403 HTML page", rt.Method, path, who, r.StatusCode, r.Header.Get("Content-Type"))
			}
		}
		f.wantUnchanged(before, key+" as "+who)
	}

	t.Run("session", func(t *testing.T) {
		for _, role := range append([]lodestar.Role{""}, lodestar.Roles...) {
			who := string(role)
			if who == "" {
				who = "anonymous"
			}
			for _, rt := range f.app.Routes {
				key := rt.Method + " " + rt.Pattern
				if _, known := routeAccess[key]; !known {
					continue // reported above
				}
				n++
				w := walker{role: role, email: users[lodestar.RoleViewer].Email, nonce: who + "-" + strconv.Itoa(n),
					target: target.Email, ids: ids}
				if u := users[role]; u != nil {
					w.email = u.Email
				}
				t.Run(who+"/"+key, func(t *testing.T) { walk(t, role, "", rt, w) })
			}
		}
	})

	t.Run("bearer", func(t *testing.T) {
		for _, role := range lodestar.Roles {
			_, secret := f.token(users[role], lodestar.ScopeWrite)
			for _, rt := range f.app.Routes {
				key := rt.Method + " " + rt.Pattern
				if _, known := routeAccess[key]; !known || !isAPI(rt.Pattern) {
					continue
				}
				n++
				w := walker{role: role, nonce: "bearer-" + string(role) + "-" + strconv.Itoa(n), target: target.Email, ids: ids}
				t.Run(string(role)+"/"+key, func(t *testing.T) { walk(t, role, secret, rt, w) })
			}
		}
	})

	apiRoutes := 0
	for k := range routeAccess {
		if isAPI(strings.SplitN(k, " ", 2)[1]) {
			apiRoutes++
		}
	}
	if want := (len(lodestar.Roles)+1)*len(routeAccess) + len(lodestar.Roles)*apiRoutes; n != want {
		t.Errorf("walked %d requests, want %d", n, want)
	}
}

// TestTokenScopes checks that a token's scope narrows its user's role and
// never widens it, and that the HTML surface ignores bearer tokens.
func TestTokenScopes(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	_, adminRead := f.token(admin, lodestar.ScopeRead)
	_, adminWrite := f.token(admin, lodestar.ScopeWrite)
	_, viewerWrite := f.token(viewer, lodestar.ScopeWrite)
	_, viewerRead := f.token(viewer, lodestar.ScopeRead)

	tests := []struct {
		name, method, path, token, body string
		want                            int
		wantCode                        string
	}{
		{"read token lists use cases", "GET", "/api/v1/use-cases", adminRead, "", 200, ""},
		{"read token reads the audit log of an admin", "GET", "/api/v1/audit", adminRead, "", 200, ""},
		{"read token cannot create", "POST", "/api/v1/use-cases", adminRead, `{"title":"nope"}`, 403, lodestar.EForbidden},
		{"write token creates", "POST", "/api/v1/use-cases", adminWrite, `{"title":"yes"}`, 201, ""},
		{"write scope does not widen a viewer", "POST", "/api/v1/use-cases", viewerWrite, `{"title":"nope"}`, 403, lodestar.EForbidden},
		{"read scope does not widen a viewer to the audit log", "GET", "/api/v1/audit", viewerRead, "", 403, lodestar.EForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			before := f.counts()
			r := f.api(tc.method, tc.path, tc.token, tc.body)
			if tc.wantCode != "" {
				wantAPIError(t, r, tc.want, tc.wantCode)
				f.wantUnchanged(before, tc.name)
				return
			}
			if r.StatusCode != tc.want {
				t.Errorf("%s %s: got status %d, want %d (body %s)", tc.method, tc.path, r.StatusCode, tc.want, r.body)
			}
		})
	}

	// A refusal by scope says what the token has and what the request
	// needs: an ingest token given to the switch client read only "This
	// token's scopes do not allow this request."
	t.Run("scope refusals say the scope needed", func(t *testing.T) {
		f := f.with(t)
		_, adminIngest := f.token(admin, lodestar.ScopeIngest)
		for _, tc := range []struct{ method, path, token, body, has, needs string }{
			{"GET", "/api/v1/switches/stream", adminIngest, "", "(ingest)", "read or write scope"},
			{"GET", "/api/v1/use-cases", adminIngest, "", "(ingest)", "read or write scope"},
			{"POST", "/api/v1/use-cases", adminRead, `{"title":"nope"}`, "(read)", "the write scope"},
		} {
			d := wantAPIError(t, f.api(tc.method, tc.path, tc.token, tc.body), 403, lodestar.EForbidden)
			if !strings.Contains(d.Message, tc.has) || !strings.Contains(d.Message, tc.needs) {
				t.Errorf("%s %s: message %q, want it to say %s and %s", tc.method, tc.path, d.Message, tc.has, tc.needs)
			}
		}
		d := wantAPIError(t, f.ndjson("/api/v1/models/none/events", adminRead, "{}\n"), 403, lodestar.EForbidden)
		if !strings.Contains(d.Message, "(read)") || !strings.Contains(d.Message, "ingest or write scope") {
			t.Errorf("events with a read token: message %q, want it to say (read) and ingest or write scope", d.Message)
		}
	})

	t.Run("me shows the scope", func(t *testing.T) {
		f := f.with(t)
		r := f.api("GET", "/api/v1/me", adminRead, "")
		var me struct {
			User   lodestar.User `json:"user"`
			Scopes []string      `json:"scopes"`
		}
		if err := json.Unmarshal([]byte(r.body), &me); err != nil {
			t.Fatalf("GET /api/v1/me: %v in %s", err, r.body)
		}
		if me.User.Email != admin.Email || !slices.Equal(me.Scopes, []string{"read"}) {
			t.Errorf("GET /api/v1/me: got user %q scopes %v, want %q [read]", me.User.Email, me.Scopes, admin.Email)
		}
	})

	t.Run("HTML pages ignore bearer tokens", func(t *testing.T) {
		f := f.with(t)
		r := f.do(f.client(), "GET", "/use-cases", http.Header{"Authorization": {"Bearer " + adminWrite}}, nil)
		if !loginRedirect(r) {
			t.Errorf("GET /use-cases with only a bearer token: got status %d Location %q, want 303 to /login?next=…", r.StatusCode, r.Header.Get("Location"))
		}
	})
}
