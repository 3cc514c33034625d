package app_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// creditModel is a use case with the model credit-risk and its version 1.0.
func creditModel(t *testing.T, f *fixture) *lodestar.Model {
	t.Helper()
	m := f.model("Credit scoring", "credit-risk", "Credit")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOFREPWithReadToken: an OpenFeature client needs only a read token —
// OFREP's evaluations are POSTs that change nothing.
func TestOFREPWithReadToken(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	creditModel(t, f)
	_, readTok := f.token(viewer, lodestar.ScopeRead)
	for path, body := range map[string]string{
		"/ofrep/v1/evaluate/flags/credit-risk": `{"context":{"targetingKey":"u1"}}`,
		"/ofrep/v1/evaluate/flags":             `{"context":{}}`,
	} {
		if r := f.api("POST", path, readTok, body); r.StatusCode != 200 {
			t.Errorf("POST %s with a read-scope token: %d %s, want 200", path, r.StatusCode, r.body)
		}
	}
	// A read token still cannot write.
	if r := f.api("PUT", "/api/v1/switches/credit-risk", readTok, `{"state":"off","reason":"x"}`); r.StatusCode != 403 {
		t.Errorf("PUT with a read-scope token: %d, want 403", r.StatusCode)
	}
}

// TestWebhookURLNeverShown: a monitor's webhook address shows as scheme
// and host only, to every role, in the API and in the audit log.
func TestWebhookURLNeverShown(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	m := creditModel(t, f)
	_, teamTok := f.token(team)
	_, viewerTok := f.token(viewer, lodestar.ScopeRead)
	_, riskTok := f.token(risk, lodestar.ScopeRead)
	body := `{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","csv":"x\n1\n2\n"},"webhook_url":"https://hooks.example.com/services/T000/SECRETxyz?token=SECRETabc"}`
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), teamTok, body)
	if r.StatusCode != 201 || strings.Contains(r.body, "SECRET") || !strings.Contains(r.body, `"webhook_url":"https://hooks.example.com/…"`) {
		t.Fatalf("create monitor: %d %s", r.StatusCode, r.body)
	}
	for _, tc := range []struct{ path, tok string }{
		{fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), viewerTok},
		{"/api/v1/monitors/1", viewerTok},
		{"/api/v1/audit?entity_type=monitor", riskTok},
	} {
		if r := f.api("GET", tc.path, tc.tok, ""); r.StatusCode != 200 || strings.Contains(r.body, "SECRET") {
			t.Errorf("GET %s: %d, shows the webhook's secret: %.300s", tc.path, r.StatusCode, r.body)
		}
	}
	// The full address is kept for delivery.
	mons, err := f.app.Store.ListMonitors(sys(), m.ID)
	if err != nil || len(mons) != 1 || !strings.HasSuffix(mons[0].WebhookURL, "token=SECRETabc") {
		t.Errorf("stored monitor: %+v %v", mons, err)
	}
}

// TestMonitorSubmittedTwice: the same monitor posted twice (a double
// click, a retried request) is created once; the repeat is a conflict.
func TestMonitorSubmittedTwice(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	m := creditModel(t, f)
	_, tok := f.token(team)
	body := `{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","csv":"x\n1\n2\n"}}`
	path := fmt.Sprintf("/api/v1/models/%d/monitors", m.ID)
	if r := f.api("POST", path, tok, body); r.StatusCode != 201 {
		t.Fatalf("first: %d %s", r.StatusCode, r.body)
	}
	before := f.count("audit_log")
	r := f.api("POST", path, tok, body)
	if r.StatusCode != 409 || !strings.Contains(r.body, `"name"`) {
		t.Errorf("repeat: %d %s, want 409 naming the name field", r.StatusCode, r.body)
	}
	if n := f.count("monitors"); n != 1 || f.count("audit_log") != before {
		t.Errorf("after the repeat: %d monitors, audit %d → %d; want 1 and no new entry", n, before, f.count("audit_log"))
	}
}

// TestMonitorBadInputNamesTheProblem: bad times, bad base64 and binary
// files are refused with a message saying what is wrong, and nothing is
// stored.
func TestMonitorBadInputNamesTheProblem(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	m := creditModel(t, f)
	_, tok := f.token(team)
	path := fmt.Sprintf("/api/v1/models/%d/monitors", m.ID)
	binary := base64.StdEncoding.EncodeToString([]byte{0, 1, 2, 0xff, 0xfe, '\n', 0, 0})
	for body, want := range map[string]string{
		`{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","data":"!!!"}}`:            "base64",
		`{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","data":"` + binary + `"}}`: "NUL bytes",
		`{"version":"1.0","name":"M","window":"hour","reference":{"kind":"events","from":"yesterday"}}`:       "RFC 3339",
	} {
		r := f.api("POST", path, tok, body)
		if r.StatusCode != 400 || !strings.Contains(r.body, want) {
			t.Errorf("%.60s…: %d %s, want 400 saying %q", body, r.StatusCode, r.body, want)
		}
	}
	if n := f.count("monitors"); n != 0 {
		t.Errorf("%d monitors stored", n)
	}
}

// postMonitorForm sends the monitor form with fields and refCSV as the
// reference file, as a browser does.
func (f *fixture) postMonitorForm(c *http.Client, modelID int64, fields map[string]string, refCSV string) *response {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("reference", "ref.csv")
	fw.Write([]byte(refCSV))
	mw.Close()
	return f.do(c, "POST", fmt.Sprintf("/models/%d/monitors", modelID), http.Header{"Content-Type": {mw.FormDataContentType()}}, &b)
}

// TestMonitorFormWholeNumbers: the web form refuses a fractional count
// instead of cutting it, with the message in the user's language.
func TestMonitorFormWholeNumbers(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u, err := f.app.Store.CreateUser(sys(), lodestar.NewUser{Email: "team@example.com", Name: "团队", Role: lodestar.RoleAITeam, Password: testPassword, Locale: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	m := creditModel(t, f)
	c, csrf, _ := f.signIn(u, time.Hour)
	r := f.postMonitorForm(c, m.ID, map[string]string{"csrf_token": csrf, "version": "1.0", "name": "M", "window": "hour", "reference_kind": "dataset", "task": "binary", "retrain_after": "2.5"}, "x\n1\n2\n")
	if r.StatusCode != 400 || !strings.Contains(r.body, "请输入整数") {
		t.Errorf("retrain_after=2.5: %d, want 400 with the whole-number message in Chinese", r.StatusCode)
	}
	if n := f.count("monitors"); n != 0 {
		t.Errorf("%d monitors stored", n)
	}
}

// TestOFREPErrorsFollowTheProtocol: what is not a JSON object is a 400
// PARSE_ERROR, a context that is not an object a 400 INVALID_CONTEXT, a
// body without a Content-Type is read, and If-None-Match compares weakly
// and takes a list or "*".
func TestOFREPErrorsFollowTheProtocol(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	creditModel(t, f)
	_, tok := f.token(viewer, lodestar.ScopeRead)
	for _, path := range []string{"/ofrep/v1/evaluate/flags/credit-risk", "/ofrep/v1/evaluate/flags"} {
		for body, code := range map[string]string{`{"context":`: "PARSE_ERROR", `[1]`: "PARSE_ERROR", `{"context":5}`: "INVALID_CONTEXT"} {
			r := f.api("POST", path, tok, body)
			if r.StatusCode != 400 || !strings.Contains(r.body, `"errorCode":"`+code+`"`) {
				t.Errorf("%s %s: %d %s, want 400 %s", path, body, r.StatusCode, r.body, code)
			}
		}
		h := http.Header{"Authorization": {"Bearer " + tok}}
		if r := f.do(f.client(), "POST", path, h, strings.NewReader(`{"context":{"targetingKey":"u"}}`)); r.StatusCode != 200 {
			t.Errorf("%s without a Content-Type: %d %s, want 200", path, r.StatusCode, r.body)
		}
	}
	r := f.api("POST", "/ofrep/v1/evaluate/flags", tok, `{"context":{}}`)
	etag := r.Header.Get("ETag")
	for inm, want := range map[string]int{etag: 304, "W/" + etag: 304, `"zzz", ` + etag: 304, "*": 304, `"zzz"`: 200} {
		h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "If-None-Match": {inm}}
		if r := f.do(f.client(), "POST", "/ofrep/v1/evaluate/flags", h, strings.NewReader(`{"context":{}}`)); r.StatusCode != want {
			t.Errorf("If-None-Match %s: %d, want %d", inm, r.StatusCode, want)
		}
	}
}
