package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
)

// evidenceVersion makes a use case, model and version to attach evidence to.
func (f *fixture) evidenceVersion() *lodestar.ModelVersion {
	f.t.Helper()
	uc := f.useCase("Credit scoring")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit", Name: "Credit"})
	if err != nil {
		f.t.Fatal(err)
	}
	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// evidenceCounts is every table an evidence refusal must leave alone.
func (f *fixture) evidenceCounts() [3]int {
	f.t.Helper()
	return [3]int{f.count("fairness_audits"), f.count("explanation_reports"), f.count("audit_log")}
}

// multipartBody builds a multipart/form-data body from fields and files
// (name → file name, content).
func multipartBody(t *testing.T, fields map[string]string, files map[string][2]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for k, f := range files {
		w, err := mw.CreateFormFile(k, f[0])
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f[1])
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// reportOf computes the fairness report of walkDecisions-shaped CSV
// independently: straight from the rows into the engine.
func reportOf(t *testing.T, data string, opt fairness.Options) *fairness.Report {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var acc fairness.Accumulator
	for _, r := range recs[1:] {
		acc.Add(r[0], r[1] == "1", r[2] == "1")
	}
	rep, err := fairness.Analyze(&acc, opt)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestFairnessAuditAPI(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	v := f.evidenceVersion()
	_, ai := f.token(f.user(lodestar.RoleAITeam, "ai@example.com"), "read", "write")
	path := fmt.Sprintf("/api/v1/model-versions/%d/fairness-audits", v.ID)

	data := walkDecisions("api")
	r := f.api("POST", path, ai, walkFairnessJSON("api"))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: got %d %s, want 201", path, r.StatusCode, r.body)
	}
	var a lodestar.FairnessAudit
	if err := json.Unmarshal([]byte(r.body), &a); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(data))
	if a.SHA256 != hex.EncodeToString(sum[:]) || a.Rows != 8 || a.FileName != "walk.csv" || a.CreatedByName != "ai@example.com" {
		t.Errorf("audit: got sha %s, %d rows, file %q by %q; want the data's SHA-256, 8 rows, walk.csv by ai@example.com", a.SHA256, a.Rows, a.FileName, a.CreatedByName)
	}
	want, _ := json.Marshal(reportOf(t, data, fairness.Options{Bootstrap: 100, Seed: 3, Level: 0.95}))
	var got bytes.Buffer
	json.Compact(&got, a.Result)
	if got.String() != string(want) {
		t.Errorf("stored result is not the engine's on the same input:\ngot  %s\nwant %s", got.String(), want)
	}

	// Read back, listed, and exported: JSON round-trips, CSV carries the figures.
	if r := f.api("GET", path, ai, ""); r.StatusCode != 200 || !strings.Contains(r.body, `"total":1`) {
		t.Errorf("GET %s: got %d %s, want the one audit", path, r.StatusCode, r.body)
	}
	if r := f.api("GET", path+"?limit=0", ai, ""); r.StatusCode != 400 || !strings.Contains(r.body, `"limit"`) {
		t.Errorf("GET %s?limit=0: got %d %s, want 400 naming limit", path, r.StatusCode, r.body)
	}
	if r := f.api("GET", "/api/v1/model-versions/9999/fairness-audits", ai, ""); r.StatusCode != 404 {
		t.Errorf("audits of an unknown version: got %d, want 404", r.StatusCode)
	}
	one := f.api("GET", fmt.Sprintf("/api/v1/fairness-audits/%d", a.ID), ai, "")
	if one.StatusCode != 200 || !strings.Contains(one.body, a.SHA256) {
		t.Errorf("GET one: got %d %s", one.StatusCode, one.body)
	}
	exp := f.api("GET", fmt.Sprintf("/api/v1/fairness-audits/%d/export?format=json", a.ID), ai, "")
	if exp.StatusCode != 200 || !strings.Contains(exp.Header.Get("Content-Disposition"), "fairness-audit-") {
		t.Fatalf("export JSON: got %d %q", exp.StatusCode, exp.Header.Get("Content-Disposition"))
	}
	var back lodestar.FairnessAudit
	if err := json.Unmarshal([]byte(exp.body), &back); err != nil {
		t.Fatal(err)
	}
	var backResult bytes.Buffer
	json.Compact(&backResult, back.Result)
	if backResult.String() != got.String() || back.SHA256 != a.SHA256 || back.Params != a.Params || back.Rows != a.Rows || !back.CreatedAt.Equal(a.CreatedAt) {
		t.Errorf("JSON export does not round-trip: got %+v", back)
	}
	csvExp := f.api("GET", fmt.Sprintf("/api/v1/fairness-audits/%d/export?format=csv", a.ID), ai, "")
	recs, err := csv.NewReader(strings.NewReader(csvExp.body)).ReadAll()
	if err != nil || csvExp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("export CSV: %v, %q", err, csvExp.Header.Get("Content-Type"))
	}
	var rep fairness.Report
	json.Unmarshal(a.Result, &rep)
	found := 0
	for _, rec := range recs[1:] {
		if rec[0] == "group" && rec[2] == "fpr" {
			for _, g := range rep.Groups {
				if g.Group == rec[1] {
					x, _ := strconv.ParseFloat(rec[3], 64)
					if x != g.FPR.Value {
						t.Errorf("CSV fpr of %s: got %v, want %v", g.Group, x, g.FPR.Value)
					}
					found++
				}
			}
		}
	}
	if found != len(rep.Groups) {
		t.Errorf("CSV export: got fpr rows for %d groups, want %d", found, len(rep.Groups))
	}
	if r := f.api("GET", fmt.Sprintf("/api/v1/fairness-audits/%d/export?format=xml", a.ID), ai, ""); r.StatusCode != 400 ||
		!strings.Contains(r.body, `"format"`) {
		t.Errorf("export format=xml: got %d %s, want 400 naming format", r.StatusCode, r.body)
	}

	// A multipart upload of the same kind of file.
	ct, body := multipartBody(t, map[string]string{"group_column": "#1", "label_column": "label", "prediction_column": "prediction",
		"bootstrap": "100", "seed": "9"}, map[string][2]string{"file": {"decisions.csv", walkDecisions("multipart")}})
	mp := f.do(f.client(), "POST", path, http.Header{"Authorization": {"Bearer " + ai}, "Content-Type": {ct}}, body)
	if mp.StatusCode != 201 || !strings.Contains(mp.body, `"file_name":"decisions.csv"`) || !strings.Contains(mp.body, `"seed":9`) {
		t.Errorf("multipart upload: got %d %s, want 201 with the part's file name", mp.StatusCode, mp.body)
	}

	jsonBody := func(mod func(m map[string]any)) string {
		var m map[string]any
		json.Unmarshal([]byte(walkFairnessJSON("bad")), &m)
		mod(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	mpBad := func(fields map[string]string, files map[string][2]string) (string, io.Reader) {
		ct, b := multipartBody(t, fields, files)
		return ct, b
	}
	before := f.evidenceCounts()
	tests := []struct {
		name        string
		contentType string
		body        io.Reader
		length      int64
		status      int
		code, field string
	}{
		{"text/plain", "text/plain", strings.NewReader(data), 0, 415, lodestar.EUnsupported, ""},
		{"no content type", "", strings.NewReader(walkFairnessJSON("x")), 0, 415, lodestar.EUnsupported, ""},
		{"malformed JSON", "application/json", strings.NewReader(`{"data":`), 0, 400, lodestar.EInvalid, ""},
		{"bootstrap a string", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["bootstrap"] = "many" })), 0, 400, lodestar.EInvalid, "bootstrap"},
		{"threshold a string", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["threshold"] = "0.5" })), 0, 400, lodestar.EInvalid, "threshold"},
		{"data not text", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["data"] = []int{1, 2} })), 0, 400, lodestar.EInvalid, "data"},
		{"unknown field", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["colour"] = "red" })), 0, 400, lodestar.EInvalid, "colour"},
		{"no group column", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { delete(m, "group_column") })), 0, 400, lodestar.EInvalid, "group_column"},
		{"no data", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { delete(m, "data") })), 0, 400, lodestar.EInvalid, "data"},
		{"unknown column", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["label_column"] = "outcome" })), 0, 400, lodestar.EInvalid, "label_column"},
		{"malformed CSV", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["data"] = "group,label,prediction\nA,\"1,1\nB,0,0\n" })), 0, 400, lodestar.EInvalid, "data"},
		{"short row", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["data"] = "group,label,prediction\nA,1\n" })), 0, 400, lodestar.EInvalid, "data"},
		{"duplicate", "application/json", strings.NewReader(walkFairnessJSON("api")), 0, 409, lodestar.EConflict, "data"},
		{"multipart threshold not a number", "", nil, 0, 400, lodestar.EInvalid, "threshold"},
		{"multipart without file", "", nil, 0, 400, lodestar.EInvalid, "file"},
		{"multipart malformed", "multipart/form-data; boundary=xyz", strings.NewReader("--abc\r\nnot a part"), 0, 400, lodestar.EInvalid, ""},
		{"oversized", "application/json", strings.NewReader("{}"), lodestar.MaxEvidenceUpload + 1, 413, lodestar.ETooLarge, ""},
		{"favourable neither", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["favourable"] = "adverse" })), 0, 400, lodestar.EInvalid, "favourable"},
		{"favourable not a string", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["favourable"] = false })), 0, 400, lodestar.EInvalid, "favourable"},
		{"bootstrap too few", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["bootstrap"] = 1 })), 0, 400, lodestar.EInvalid, "bootstrap"},
		{"bootstrap 99", "application/json", strings.NewReader(jsonBody(func(m map[string]any) { m["bootstrap"] = 99 })), 0, 400, lodestar.EInvalid, "bootstrap"},
		// "positive" is the default, stored as it was before the field
		// existed: the same audit spelled out is the same audit.
		{"duplicate with favourable positive", "application/json", strings.NewReader(func() string {
			var m map[string]any
			json.Unmarshal([]byte(walkFairnessJSON("api")), &m)
			m["favourable"] = "positive"
			b, _ := json.Marshal(m)
			return string(b)
		}()), 0, 409, lodestar.EConflict, "data"},
	}
	tests[13].contentType, tests[13].body = mpBad(map[string]string{"group_column": "group", "label_column": "label", "score_column": "prediction", "threshold": "half"},
		map[string][2]string{"file": {"d.csv", data}})
	tests[14].contentType, tests[14].body = mpBad(map[string]string{"group_column": "group", "label_column": "label", "prediction_column": "prediction"}, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			h := http.Header{"Authorization": {"Bearer " + ai}}
			if tc.contentType != "" {
				h.Set("Content-Type", tc.contentType)
			}
			req, err := http.NewRequest("POST", f.srv.URL+path, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = h
			if tc.length > 0 {
				req.ContentLength = tc.length
				req.Body = io.NopCloser(io.MultiReader(tc.body, bytes.NewReader(make([]byte, tc.length))))
			}
			c := f.client()
			if tc.length > 0 {
				c = expectContinue(c)
				req.Header.Set("Expect", "100-continue")
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r := &response{Response: resp, body: string(b)}
			d := wantAPIError(t, r, tc.status, tc.code)
			if tc.field != "" && d.Fields[tc.field] == "" {
				t.Errorf("got fields %v, want one naming %q", d.Fields, tc.field)
			}
			// A JSON body has no file: what is wrong with the CSV is
			// named as the body's field, data.
			if tc.contentType == "application/json" && d.Fields["file"] != "" {
				t.Errorf("a JSON upload's refusal names file: %v", d.Fields)
			}
			if tc.name == "no data" && d.Fields["data"] != "Send the CSV text in data: a header line, then one row per decision." {
				t.Errorf("no data: fields.data %q", d.Fields["data"])
			}
		})
	}
	if r := f.api("POST", "/api/v1/model-versions/9999/fairness-audits", ai, walkFairnessJSON("nowhere")); r.StatusCode != 404 {
		t.Errorf("unknown version: got %d, want 404", r.StatusCode)
	}
	if after := f.evidenceCounts(); after != before {
		t.Errorf("refused uploads changed data: got %v, want %v", after, before)
	}
}

func TestExplanationAPI(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	v := f.evidenceVersion()
	_, risk := f.token(f.user(lodestar.RoleRiskOfficer, "risk@example.com"), "read", "write")
	path := fmt.Sprintf("/api/v1/model-versions/%d/explanations", v.ID)
	r := f.api("POST", path, risk, walkExplanationJSON("api"))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: got %d %s, want 201", path, r.StatusCode, r.body)
	}
	var e lodestar.ExplanationReport
	json.Unmarshal([]byte(r.body), &e)
	var res struct {
		Bias       float64 `json:"bias"`
		Importance []struct {
			Feature    string  `json:"feature"`
			Importance float64 `json:"importance"`
		} `json:"importance"`
		Rows []struct {
			Line   int       `json:"line"`
			Margin float64   `json:"margin"`
			SHAP   []float64 `json:"shap"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(e.Result, &res); err != nil {
		t.Fatal(err)
	}
	// The one-stump model by hand: cover-weighted mean of the leaves is the
	// bias; income decides the rest; history is never used.
	bias := (-0.4*4 + 0.3*6) / 10.0
	if len(res.Rows) != 3 || res.Rows[0].Line != 2 || !near(res.Bias, bias) || !near(res.Rows[0].SHAP[0], -0.4-bias) ||
		!near(res.Rows[1].SHAP[0], 0.3-bias) || res.Rows[0].SHAP[1] != 0 || res.Importance[0].Feature != "income" {
		t.Errorf("explanation: got %+v, want bias %g and income's SHAP -0.4/0.3 minus it", res, bias)
	}
	exp := f.api("GET", fmt.Sprintf("/api/v1/explanations/%d/export?format=csv", e.ID), risk, "")
	if exp.StatusCode != 200 || !strings.HasPrefix(exp.body, "\ufeffscope,line,feature,value\n") || !strings.Contains(exp.body, "importance,,income,") {
		t.Errorf("CSV export: got %d %s", exp.StatusCode, exp.body)
	}
	jexp := f.api("GET", fmt.Sprintf("/api/v1/explanations/%d/export", e.ID), risk, "")
	var back lodestar.ExplanationReport
	if err := json.Unmarshal([]byte(jexp.body), &back); err != nil || back.DataSHA256 != e.DataSHA256 || back.ModelSHA256 != e.ModelSHA256 {
		t.Errorf("JSON export does not round-trip: %v %+v", err, back)
	}

	before := f.evidenceCounts()
	body := func(model, data string) string {
		b, _ := json.Marshal(map[string]any{"model": json.RawMessage(model), "data": data})
		return string(b)
	}
	for _, tc := range []struct {
		name, body, field string
		status            int
	}{
		{"model as a string", `{"model":"not a model","data":"income,history\n1,2\n"}`, "model", 400},
		{"model not an XGBoost model", body(`{"learner":{}}`, walkSample("a")), "model", 400},
		{"model an array", body(`[1,2]`, walkSample("a")), "model", 400},
		{"sample missing a feature", body(tinyModel, "income\n1\n"), "data", 400},
		{"sample not numbers", body(tinyModel, "income,history\nlots,2\n"), "data", 400},
		{"no model", `{"data":"income,history\n1,2\n"}`, "model", 400},
		{"rows_shown a string", `{"model":` + tinyModel + `,"data":"income,history\n1,2\n","rows_shown":"five"}`, "rows_shown", 400},
		{"rows_shown too many", `{"model":` + tinyModel + `,"data":"income,history\n1,2\n","rows_shown":99}`, "rows_shown", 400},
		{"duplicate", walkExplanationJSON("api"), "model", 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			r := f.api("POST", path, risk, tc.body)
			code := lodestar.EInvalid
			if tc.status == 409 {
				code = lodestar.EConflict
			}
			if d := wantAPIError(t, r, tc.status, code); d.Fields[tc.field] == "" {
				t.Errorf("got fields %v, want one naming %q", d.Fields, tc.field)
			}
		})
	}
	ct, mb := multipartBody(t, nil, map[string][2]string{"data": {"s.csv", walkSample("m")}})
	r = f.do(f.client(), "POST", path, http.Header{"Authorization": {"Bearer " + risk}, "Content-Type": {ct}}, mb)
	if d := wantAPIError(t, r, 400, lodestar.EInvalid); d.Fields["model"] == "" {
		t.Errorf("multipart without a model: got fields %v, want model", d.Fields)
	}
	if after := f.evidenceCounts(); after != before {
		t.Errorf("refused uploads changed data: got %v, want %v", after, before)
	}
	ct, mb = multipartBody(t, map[string]string{"rows_shown": "2"}, map[string][2]string{"model": {"m.json", tinyModel}, "data": {"s.csv", walkSample("m")}})
	if r := f.do(f.client(), "POST", path, http.Header{"Authorization": {"Bearer " + risk}, "Content-Type": {ct}}, mb); r.StatusCode != 201 ||
		!strings.Contains(r.body, `"model_file_name":"m.json"`) {
		t.Errorf("multipart upload: got %d %s", r.StatusCode, r.body)
	}
}

// expectContinue is c sending bodies only once the server asks for them
// (Expect: 100-continue), so a request refused for its size before its
// body is read gets its answer instead of a reset connection.
func expectContinue(c *http.Client) *http.Client {
	cc := *c
	cc.Transport = &http.Transport{ExpectContinueTimeout: time.Minute}
	return &cc
}

func near(a, b float64) bool { return a-b < 1e-6 && b-a < 1e-6 }

// TestEvidencePages uploads through the HTML forms in both languages.
func TestEvidencePages(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	v := f.evidenceVersion()
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	browser, csrf, _ := f.signIn(ai, time.Hour)
	vpath := fmt.Sprintf("/model-versions/%d", v.ID)

	page := f.get(browser, vpath)
	if !strings.Contains(page.body, "No fairness audit yet.") || !strings.Contains(page.body, vpath+"/fairness-audits/new") {
		t.Errorf("version page: got no empty evidence section with an upload link")
	}
	vb, _, _ := f.signIn(viewer, time.Hour)
	if p := f.get(vb, vpath); strings.Contains(p.body, "/fairness-audits/new") {
		t.Errorf("version page for a viewer: got the upload link, want none")
	}
	if p := f.get(browser, vpath+"/fairness-audits/new"); p.StatusCode != 200 || !strings.Contains(p.body, `enctype="multipart/form-data"`) {
		t.Errorf("upload form: got %d", p.StatusCode)
	}

	upload := func(c *http.Client, fields map[string]string, files map[string][2]string, target string) *response {
		fields["csrf_token"] = csrf
		ct, b := multipartBody(t, fields, files)
		return f.do(c, "POST", target, http.Header{"Content-Type": {ct}}, b)
	}
	r := upload(browser, map[string]string{"title": "Q4 bias audit", "group_column": "group", "label_column": "label", "prediction_column": "prediction"},
		map[string][2]string{"file": {"decisions.csv", walkDecisions("web")}}, vpath+"/fairness-audits")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/fairness-audits/") {
		t.Fatalf("upload: got %d %q %.500s, want 303 to the audit", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	show := f.get(browser, r.Header.Get("Location"))
	rep := reportOf(t, walkDecisions("web"), fairness.Options{Level: 0.95})
	for _, want := range []string{"Q4 bias audit", "decisions.csv", "<svg", "lodestar fairness", "--data decisions.csv", "Download CSV",
		fmt.Sprintf("%.3f", rep.Groups[1].FPR.Value)} {
		if !strings.Contains(show.body, want) {
			t.Errorf("audit page: got no %q", want)
		}
	}
	if rep.FourFifthsRuleMet || !strings.Contains(show.body, "Four-fifths rule failed") {
		t.Errorf("audit page: four-fifths met %v; want the failure flagged on the page", rep.FourFifthsRuleMet)
	}
	if d := f.get(browser, strings.Replace(r.Header.Get("Location"), "", "", 1)+"/export?format=csv"); d.StatusCode != 200 ||
		!strings.HasPrefix(d.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(d.body, "\ufeffscope,group,metric") {
		t.Errorf("CSV download: got %d %q", d.StatusCode, d.Header.Get("Content-Disposition"))
	}

	// Refusals re-show the form with the field named, in the user's
	// language, and store nothing.
	before := f.evidenceCounts()
	r = upload(browser, map[string]string{"label_column": "label", "prediction_column": "prediction", "bootstrap": "lots"},
		map[string][2]string{"file": {"d.csv", walkDecisions("web2")}}, vpath+"/fairness-audits")
	if r.StatusCode != 400 || !strings.Contains(r.body, "Must be a whole number.") || !strings.Contains(r.body, `id="bootstrap" name="bootstrap" inputmode="numeric" value="lots" aria-describedby="bootstrap-error" aria-invalid="true"`) {
		t.Errorf("bad bootstrap: got %d, want 400 naming bootstrap and keeping the value", r.StatusCode)
	}
	r = upload(browser, map[string]string{"label_column": "label", "prediction_column": "prediction"},
		map[string][2]string{"model": {"m.json", "{not json"}, "data": {"s.csv", "income\n1\n"}}, vpath+"/explanations")
	if r.StatusCode != 400 || !strings.Contains(r.body, "not an XGBoost JSON model") {
		t.Errorf("bad model: got %d, want 400 saying the model is not an XGBoost JSON model", r.StatusCode)
	}
	if after := f.evidenceCounts(); after != before {
		t.Errorf("refused uploads changed data: got %v, want %v", after, before)
	}
	if err := f.app.Store.SetLocale(sys(), ai.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	before = f.evidenceCounts() // the locale change is audited
	r = upload(browser, map[string]string{"label_column": "label", "prediction_column": "prediction"},
		map[string][2]string{"file": {"d.csv", walkDecisions("web3")}}, vpath+"/fairness-audits")
	if r.StatusCode != 400 || !strings.Contains(r.body, "请指定分组所在的列") || !strings.Contains(r.body, "无法计算证据") {
		t.Errorf("missing group column in Chinese: got %d, want the Chinese message", r.StatusCode)
	}
	// A row's refusal reads in Chinese too, the column's role included.
	r = upload(browser, map[string]string{"group_column": "group", "label_column": "label", "prediction_column": "pred"},
		map[string][2]string{"file": {"d.csv", "group,label,pred\na,1,1\nb,0,yes\na,1,0\nb,1,1\n"}}, vpath+"/fairness-audits")
	if want := "第 4 行：预测列 &#34;pred&#34; 出现第三个取值 &#34;0&#34;（此前为 &#34;1&#34; 和 &#34;yes&#34;）；它必须是二值的。"; r.StatusCode != 400 || !strings.Contains(r.body, want) {
		t.Errorf("third prediction value in Chinese: got %d, want %q in the page", r.StatusCode, want)
	}
	r = upload(browser, map[string]string{"model_text": strings.Replace(tinyModel, `"sum_hessian":[10,4,6],`, "", 1), "data_text": walkSample("web4")}, nil, vpath+"/explanations")
	if want := "第 0 棵树：sum_hessian 有 0 个元素，而 left_children 有 3 个"; r.StatusCode != 400 || !strings.Contains(r.body, want) {
		t.Errorf("model without sum_hessian in Chinese: got %d, want %q in the page", r.StatusCode, want)
	}
	// Over 32 MiB: refused before it is read.
	req, _ := http.NewRequest("POST", f.srv.URL+vpath+"/fairness-audits", io.MultiReader(strings.NewReader("x"), bytes.NewReader(make([]byte, lodestar.MaxEvidenceUpload))))
	req.ContentLength = lodestar.MaxEvidenceUpload + 1
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.Header.Set("Expect", "100-continue")
	resp, err := expectContinue(browser).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized upload: got %d, want 413", resp.StatusCode)
	}
	if after := f.evidenceCounts(); after != before {
		t.Errorf("refused uploads changed data: got %v, want %v", after, before)
	}
	// The explanation form with pasted text.
	r = upload(browser, map[string]string{"model_text": tinyModel, "data_text": walkSample("web"), "rows_shown": "2"}, nil, vpath+"/explanations")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("explanation upload: got %d %.300s", r.StatusCode, r.body)
	}
	if p := f.get(browser, r.Header.Get("Location")); !strings.Contains(p.body, "income") || !strings.Contains(p.body, "lodestar explain") || !strings.Contains(p.body, "最重要特征") {
		t.Errorf("explanation page in Chinese: got no features, recipe or Chinese heading")
	}
}

// adverseDecisions is an audit file whose positive prediction is adverse
// (flagged high-risk): 30 and over are flagged 1 time in 10, under 30 5
// times in 10.
func adverseDecisions() string {
	var b strings.Builder
	b.WriteString("age_group,repaid,flagged\n")
	for i := range 10 {
		fmt.Fprintf(&b, "30 and over,%d,%d\n", i%2, btoi(i == 0))
		fmt.Fprintf(&b, "under 30,%d,%d\n", i%2, btoi(i < 5))
	}
	return b.String()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestFairnessFavourableNegative: an audit whose positive prediction is
// adverse, with the negative prediction favourable, names the group
// flagged most as failing the four-fifths rule — on the page in both
// languages and through the API — and says what the ratio compares; a
// favourable value that is neither is refused and nothing is stored.
func TestFairnessFavourableNegative(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	v := f.evidenceVersion()
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	browser, csrf, _ := f.signIn(ai, time.Hour)
	vpath := fmt.Sprintf("/model-versions/%d", v.ID)
	upload := func(fields map[string]string) *response {
		fields["csrf_token"] = csrf
		ct, b := multipartBody(t, fields, map[string][2]string{"file": {"flags.csv", adverseDecisions()}})
		return f.do(browser, "POST", vpath+"/fairness-audits", http.Header{"Content-Type": {ct}}, b)
	}
	form := f.get(browser, vpath+"/fairness-audits/new")
	for _, want := range []string{`<select id="favourable" name="favourable"`, `<option value="negative">The negative prediction`, "Favourable outcome"} {
		if !strings.Contains(form.body, want) {
			t.Errorf("upload form: got no %q", want)
		}
	}

	before := f.evidenceCounts()
	r := upload(map[string]string{"group_column": "age_group", "label_column": "repaid", "prediction_column": "flagged", "favourable": "sideways"})
	if r.StatusCode != 400 || !strings.Contains(r.body, "Choose positive or negative") || !strings.Contains(r.body, `name="favourable" aria-describedby="favourable-help favourable-error" aria-invalid="true"`) {
		t.Errorf("favourable sideways: got %d, want 400 naming the field", r.StatusCode)
	}
	r = upload(map[string]string{"group_column": "age_group", "label_column": "repaid", "prediction_column": "flagged", "bootstrap": "10"})
	if r.StatusCode != 400 || !strings.Contains(r.body, "Bootstrap replicates must be 0 (no intervals) or between 100 and 10,000.") {
		t.Errorf("bootstrap 10: got %d, want 400 naming the rule", r.StatusCode)
	}
	if after := f.evidenceCounts(); after != before {
		t.Errorf("refused uploads changed data: got %v, want %v", after, before)
	}

	r = upload(map[string]string{"title": "Flags", "group_column": "age_group", "label_column": "repaid", "prediction_column": "flagged",
		"favourable": "negative", "bootstrap": "200"})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: got %d %.500s", r.StatusCode, r.body)
	}
	loc := r.Header.Get("Location")
	page := f.get(browser, loc)
	for _, want := range []string{
		"Four-fifths rule failed: the rate of the favourable outcome (the negative prediction) of under 30 is below 80% of the reference group 30 and over",
		`<th scope="row">under 30 <span class="badge bad">below 4/5</span>`,
		`<th scope="row">30 and over <span class="badge">reference</span></th>`,
		"the negative prediction: the impact ratio and the four-fifths rule compare each group&#39;s rate of the favourable outcome",
		"30 and over (highest rate of the favourable outcome)",
		"Rate of the favourable outcome (the negative prediction)",
		"--favourable negative",
		"favourable_rate = 1 - mf.by_group",
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("audit page: got no %q", want)
		}
	}
	if strings.Contains(page.body, "selection rate of 30 and over is below") {
		t.Error("audit page: names 30 and over as failing")
	}
	if err := f.app.Store.SetLocale(sys(), ai.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	page = f.get(browser, loc)
	for _, want := range []string{
		"未通过五分之四规则：under 30 获得有利结果（负类预测）的比率低于参照组 30 and over 的 80%。",
		"负类预测：影响比和五分之四规则比较各组获得有利结果",
		"30 and over (有利结果比率最高)",
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("Chinese audit page: got no %q", want)
		}
	}

	// The API reports which outcome was favourable.
	_, tok := f.token(ai, "read")
	id := strings.TrimPrefix(loc, "/fairness-audits/")
	got := f.api("GET", "/api/v1/fairness-audits/"+id, tok, "")
	var a lodestar.FairnessAudit
	if err := json.Unmarshal([]byte(got.body), &a); err != nil {
		t.Fatal(err)
	}
	var rep fairness.Report
	json.Unmarshal(a.Result, &rep)
	if a.Params.Favourable != "negative" || rep.Favourable != "negative" || rep.Reference != "30 and over" || !rep.Groups[1].AdverseImpact || rep.Groups[0].AdverseImpact {
		t.Errorf("API: params favourable %q, report favourable %q, reference %q, groups %+v", a.Params.Favourable, rep.Favourable, rep.Reference, rep.Groups)
	}
}
