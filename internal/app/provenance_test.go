package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

const provDigest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// provenanceSnapshot is what a refused request must leave as it was: the
// version (provenance, status, updated_at), the model's versions and the
// audit log.
type provenanceSnapshot struct {
	v        lodestar.ModelVersion
	versions int
	audit    int
}

func (f *fixture) provenanceSnapshot(v *lodestar.ModelVersion) provenanceSnapshot {
	f.t.Helper()
	got, err := f.app.Store.FindModelVersionByID(sys(), v.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return provenanceSnapshot{*got, f.count("model_versions"), f.count("audit_log")}
}

func (f *fixture) wantProvenanceUnchanged(before provenanceSnapshot, what string) {
	f.t.Helper()
	after := f.provenanceSnapshot(&before.v)
	if after.v.Provenance != before.v.Provenance || after.v.Status != before.v.Status || !after.v.UpdatedAt.Equal(before.v.UpdatedAt) ||
		after.versions != before.versions || after.audit != before.audit {
		f.t.Errorf("%s changed something: version %+v → %+v, versions %d → %d, audit entries %d → %d", what,
			before.v, after.v, before.versions, after.versions, before.audit, after.audit)
	}
}

// TestProvenanceAPI: a version is registered with its provenance, which
// is normalised; every bad value is refused by field (400), an unknown
// field too, a frozen version's with 409, and none of them changes
// anything; moving back to development thaws it.
func TestProvenanceAPI(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, m, tok := f.teamModel("Recs", "rec", "Rec")
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/versions", m.ID), tok, `{"version":"2.0","provenance":{
		"artifact_uri":"s3://models/rec/2.0/model.xgb","artifact_sha256":"`+strings.ToUpper(provDigest)+`",
		"source_commit":"0A1B2C3D","training_run":"https://mlflow.example.com/#/experiments/3/runs/9"}}`)
	if r.StatusCode != 201 {
		t.Fatalf("create with provenance: %d %s", r.StatusCode, r.body)
	}
	v := decodeInto[lodestar.ModelVersion](t, r)
	want := lodestar.Provenance{ArtifactURI: "s3://models/rec/2.0/model.xgb", ArtifactSHA256: provDigest, SourceCommit: "0a1b2c3d",
		TrainingRun: "https://mlflow.example.com/#/experiments/3/runs/9"}
	if v.Provenance != want || len(v.Warnings) != 0 {
		t.Errorf("created: provenance %+v warnings %v; want %+v and no warnings", v.Provenance, v.Warnings, want)
	}

	put := fmt.Sprintf("/api/v1/model-versions/%d/provenance", v.ID)
	for _, c := range []struct {
		name, body, field string
	}{
		{"bad digest", `{"artifact_sha256":"abc123"}`, "provenance.artifact_sha256"},
		{"credentials in the URI", `{"artifact_uri":"https://deploy:s3cret@models.example.com/a.bin"}`, "provenance.artifact_uri"},
		{"presigned URI", `{"artifact_uri":"https://b.s3.amazonaws.com/a.bin?X-Amz-Signature=deadbeef"}`, "provenance.artifact_uri"},
		{"javascript: URI", `{"artifact_uri":"javascript:alert(document.cookie)"}`, "provenance.artifact_uri"},
		{"javascript: run", `{"training_run":"JavaScript:alert(1)"}`, "provenance.training_run"},
		{"oversized URI", `{"artifact_uri":"s3://b/` + strings.Repeat("x", 2001) + `"}`, "provenance.artifact_uri"},
		{"tag as commit", `{"source_commit":"release-2.0"}`, "provenance.source_commit"},
	} {
		before := f.provenanceSnapshot(&v)
		// The PUT's body is the provenance's fields: named as it sent them.
		d := wantAPIError(t, f.api("PUT", put, tok, whole(put, c.body)), 400, "invalid")
		if sent := strings.TrimPrefix(c.field, "provenance."); d.Fields[sent] == "" || len(d.Fields) != 1 {
			t.Errorf("%s: fields %v; want only %s", c.name, d.Fields, sent)
		}
		f.wantProvenanceUnchanged(before, c.name)
		// The same value on a new version: refused, no version made.
		before = f.provenanceSnapshot(&v)
		body := `{"version":"3.0","provenance":` + c.body + `}`
		d = wantAPIError(t, f.api("POST", fmt.Sprintf("/api/v1/models/%d/versions", m.ID), tok, body), 400, "invalid")
		if d.Fields[c.field] == "" {
			t.Errorf("%s on create: fields %v; want %s", c.name, d.Fields, c.field)
		}
		f.wantProvenanceUnchanged(before, c.name+" on create")
	}
	before := f.provenanceSnapshot(&v)
	wantAPIError(t, f.api("PUT", put, tok, `{"artifact_uri":"s3://x/y","artifact_digest":"`+provDigest+`"}`), 400, "invalid")
	f.wantProvenanceUnchanged(before, "an unknown field")

	// A change in development is audited with before and after.
	r = f.api("PUT", put, tok, whole(put, `{"artifact_uri":"gs://models/rec/2.0/model.xgb","artifact_sha256":"`+provDigest+`"}`))
	if r.StatusCode != 200 || !strings.Contains(r.body, `"artifact_uri":"gs://models/rec/2.0/model.xgb"`) || !strings.Contains(r.body, `"source_commit":""`) {
		t.Fatalf("update in development: %d %s; want the whole provenance replaced", r.StatusCode, r.body)
	}
	evs, err := f.app.Store.FindEvents(sys(), lodestar.AuditFilter{Action: "update_provenance", EntityType: "model_version", Limit: 1})
	if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Before, "s3://models/rec/2.0/model.xgb") || !strings.Contains(evs[0].After, "gs://models/rec/2.0/model.xgb") {
		t.Errorf("audit entry: %+v, %v; want before s3://…, after gs://…", evs, err)
	}

	// Frozen once it leaves development: 409, nothing changed.
	if r := f.api("POST", fmt.Sprintf("/api/v1/model-versions/%d/status", v.ID), tok, `{"status":"staging","reason":"offline metrics pass"}`); r.StatusCode != 200 {
		t.Fatalf("to staging: %d %s", r.StatusCode, r.body)
	}
	before = f.provenanceSnapshot(&v)
	d := wantAPIError(t, f.api("PUT", put, tok, whole(put, `{"artifact_uri":"gs://models/rec/2.0/swapped.xgb","artifact_sha256":"`+provDigest+`"}`)), 409, "conflict")
	if !strings.Contains(d.Message, "frozen") {
		t.Errorf("frozen refusal: %q; want it to say the provenance is frozen", d.Message)
	}
	f.wantProvenanceUnchanged(before, "a change to a staged version")
	// Back to development: it thaws.
	if r := f.api("POST", fmt.Sprintf("/api/v1/model-versions/%d/status", v.ID), tok, `{"status":"development","reason":"wrong artifact"}`); r.StatusCode != 200 {
		t.Fatalf("back to development: %d %s", r.StatusCode, r.body)
	}
	r = f.api("PUT", put, tok, whole(put, `{"artifact_uri":"gs://models/rec/2.0/model.xgb"}`))
	if r.StatusCode != 200 {
		t.Fatalf("update after moving back: %d %s", r.StatusCode, r.body)
	}
	// Staged with no digest: allowed, and the API says so.
	r = f.api("POST", fmt.Sprintf("/api/v1/model-versions/%d/status", v.ID), tok, `{"status":"staging","reason":"again"}`)
	if r.StatusCode != 200 || !strings.Contains(r.body, `"warnings":["no_digest"]`) {
		t.Errorf("staged without a digest: %d %s; want it allowed with warnings [no_digest]", r.StatusCode, r.body)
	}
	r = f.api("GET", fmt.Sprintf("/api/v1/model-versions/%d", v.ID), tok, "")
	if !strings.Contains(r.body, `"warnings":["no_digest"]`) {
		t.Errorf("GET: %s; want warnings [no_digest]", r.body)
	}
}

// TestProvenanceAPIChinese: a refusal of provenance reads in Chinese for
// a client that asks for it.
func TestProvenanceAPIChinese(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, ver, tok := f.teamVersion("Recs", "rec", "Rec")
	req, _ := http.NewRequest("PUT", f.srv.URL+fmt.Sprintf("/api/v1/model-versions/%d/provenance", ver.ID),
		strings.NewReader(whole("/provenance", `{"artifact_uri":"https://u:p@example.com/a","artifact_sha256":"x"}`)))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "zh-CN")
	resp, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error struct {
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body.Error.Message, "溯源信息未能保存") || !strings.Contains(body.Error.Fields["artifact_uri"], "用户名和密码") ||
		!strings.Contains(body.Error.Fields["artifact_sha256"], "64 位十六进制") {
		t.Errorf("Chinese refusal: %+v", body.Error)
	}
}

// TestProvenancePage: the version page shows provenance escaped, links
// only http(s) values, shortens the digest with the whole at hand, warns
// of a missing digest, and its form keeps what was typed when refused,
// in both languages; a frozen version's form is refused with 409.
func TestProvenancePage(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team, m, _ := f.teamModel("Recs", "rec", "Rec")
	vs, err := f.app.Store.ListModelVersions(sys(), m.ID)
	if err != nil || len(vs) != 1 {
		t.Fatal(vs, err)
	}
	v := vs[0]
	c, csrf, _ := f.signIn(team, time.Hour)
	path := fmt.Sprintf("/model-versions/%d", v.ID)

	// Refused in the form: the messages by field, what was typed kept.
	typed := url.Values{"csrf_token": {csrf}, "artifact_uri": {`javascript:alert("x")`}, "artifact_sha256": {"not-a-digest"},
		"source_commit": {"abc1234"}, "training_run": {"run-42"}}
	for lang, want := range map[string][]string{
		"en":    {"Write where the artifact lives", "64 hexadecimal characters", "Provenance"},
		"zh-CN": {"请填写制品所在位置", "64 位十六进制字符", "溯源信息"},
	} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		before := f.provenanceSnapshot(v)
		r := f.postForm(c, path+"/provenance", typed)
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: bad provenance: %d, want 400", lang, r.StatusCode)
		}
		for _, w := range want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s: refused form: no %q", lang, w)
			}
		}
		if !strings.Contains(r.body, `value="javascript:alert(&#34;x&#34;)"`) || !strings.Contains(r.body, `value="not-a-digest"`) ||
			!strings.Contains(r.body, `value="abc1234"`) {
			t.Errorf("%s: the refused form lost what was typed", lang)
		}
		if strings.Contains(r.body, `href="javascript:`) {
			t.Errorf("%s: the page links a javascript: URI", lang)
		}
		f.wantProvenanceUnchanged(before, lang+": a refused form")
	}
	if err := f.app.Store.SetLocale(sys(), team.ID, "en"); err != nil {
		t.Fatal(err)
	}

	// Saved; then shown: escaped, only http(s) linked, digest shortened.
	r := f.postForm(c, path+"/provenance", url.Values{"csrf_token": {csrf}, "artifact_uri": {"https://models.example.com/rec/<b>1.0</b>.bin"},
		"artifact_sha256": {provDigest}, "source_commit": {"abc1234"}, "training_run": {`arn:aws:sagemaker:x:1:training-job/"><img src=x onerror=alert(1)>`}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("good provenance: %d %s", r.StatusCode, r.body)
	}
	p := f.get(c, path)
	for _, w := range []string{
		`<a href="https://models.example.com/rec/%3cb%3e1.0%3c/b%3e.bin" rel="noopener noreferrer nofollow"><code>https://models.example.com/rec/&lt;b&gt;1.0&lt;/b&gt;.bin</code></a>`,
		`<code title="` + provDigest + `">` + provDigest[:12] + `…</code>`,
		provDigest[:16] + `<wbr>` + provDigest[16:32],
		`<code>arn:aws:sagemaker:x:1:training-job/&#34;&gt;&lt;img src=x onerror=alert(1)&gt;</code>`,
		`Provenance changed: <span class="keep-words">Artifact URI</span>, <span class="keep-words">Artifact SHA-256</span>, <span class="keep-words">Source commit</span>, <span class="keep-words">Training run</span>`,
	} {
		if !strings.Contains(p.body, w) {
			t.Errorf("version page: no %s", w)
		}
	}
	if strings.Contains(p.body, "<img src=x") || strings.Contains(p.body, "<b>1.0") {
		t.Errorf("version page: provenance written unescaped")
	}

	// A value stored before these checks (or by hand) that is not http(s)
	// is text, never a link.
	if _, err := f.app.DB.ExecContext(sys(), f.app.DB.Rebind(`UPDATE model_versions SET artifact_uri = ?, training_run = ? WHERE id = ?`),
		"javascript:alert(1)", "data:text/html,<script>alert(1)</script>", v.ID); err != nil {
		t.Fatal(err)
	}
	p = f.get(c, path)
	if strings.Contains(p.body, `href="javascript:`) || strings.Contains(p.body, `href="data:`) || strings.Contains(p.body, "#ZgotmplZ") ||
		!strings.Contains(p.body, `<code>javascript:alert(1)</code>`) || !strings.Contains(p.body, `<code>data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</code>`) {
		t.Errorf("version page with a stored javascript: URI: not shown as plain text")
	}

	// Staged: frozen (no form, the page says why; a post is refused, 409).
	if _, err := f.app.Store.SetModelVersionStatus(sys(), v.ID, lodestar.ModelStaging, "offline metrics pass"); err != nil {
		t.Fatal(err)
	}
	p = f.get(c, path)
	if strings.Contains(p.body, `id="provenance-form"`) || !strings.Contains(p.body, `id="provenance-frozen"`) || strings.Contains(p.body, `id="no-digest"`) {
		t.Errorf("staged version page: want no form, the frozen note, and no missing-digest warning (it has one)")
	}
	before := f.provenanceSnapshot(v)
	r = f.postForm(c, path+"/provenance", url.Values{"csrf_token": {csrf}, "artifact_uri": {"s3://models/swapped.bin"}, "artifact_sha256": {provDigest}})
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "provenance is frozen") {
		t.Errorf("post to a frozen version: %d; want 409 saying it is frozen", r.StatusCode)
	}
	f.wantProvenanceUnchanged(before, "a post to a frozen version")

	// A staged version with no digest: warned on its page and in the table.
	v2, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "2.0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.SetModelVersionStatus(sys(), v2.ID, lodestar.ModelStaging, "no digest"); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string][2]string{"en": {"No digest recorded", ">No digest<"}, "zh-CN": {"未记录摘要", ">无摘要<"}} {
		if err := f.app.Store.SetLocale(sys(), team.ID, lang); err != nil {
			t.Fatal(err)
		}
		var h http.Header
		if p := f.do(c, "GET", fmt.Sprintf("/model-versions/%d", v2.ID), h, nil); !strings.Contains(p.body, `id="no-digest"`) || !strings.Contains(p.body, want[0]) {
			t.Errorf("%s: staged version without a digest: no warning %q", lang, want[0])
		}
		p := f.do(c, "GET", fmt.Sprintf("/models/%d", m.ID), h, nil)
		i := strings.Index(p.body, `id="model-versions"`)
		if i < 0 || !strings.Contains(p.body[i:], want[1]) || !strings.Contains(p.body[i:], `<code title="`+provDigest+`">`+provDigest[:12]+`…</code>`) {
			t.Errorf("%s: model page's versions table: want 2.0 marked %q and 1.0's digest", lang, want[1])
		}
		// The shortened digest opens to the whole, in lines of 16 digits
		// that copy as one word (it was cut at 12 with no way to see the rest).
		whole := `<details class="digest"><summary><code title="` + provDigest + `">` + provDigest[:12] + `…</code></summary><code class="digest-full">` +
			provDigest[:16] + "<wbr>" + provDigest[16:32] + "<wbr>" + provDigest[32:48] + "<wbr>" + provDigest[48:] + `</code></details>`
		if i < 0 || !strings.Contains(p.body[i:], whole) {
			t.Errorf("%s: model page's versions table: no whole digest %s", lang, whole)
		}
	}
}
